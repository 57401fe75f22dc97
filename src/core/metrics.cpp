#include "core/metrics.h"

#include <fmt/format.h>

#include <algorithm>
#include <cassert>
#include <cmath>
#include <stdexcept>

namespace heeler::core {
namespace {

void atomic_add(std::atomic<double>& target, double v) {
  double cur = target.load(std::memory_order_relaxed);
  while (!target.compare_exchange_weak(cur, cur + v, std::memory_order_relaxed)) {
  }
}

std::string escape_label_value(const std::string& v) {
  std::string out;
  out.reserve(v.size());
  for (char c : v) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '"')
      out += "\\\"";
    else if (c == '\n')
      out += "\\n";
    else
      out += c;
  }
  return out;
}

std::string render_labels(const Labels& labels, const std::string& extra_key = {},
                          const std::string& extra_value = {}) {
  if (labels.empty() && extra_key.empty()) return {};
  std::string out = "{";
  bool first = true;
  for (const auto& [k, v] : labels) {
    if (!first) out += ',';
    first = false;
    out += fmt::format("{}=\"{}\"", k, escape_label_value(v));
  }
  if (!extra_key.empty()) {
    if (!first) out += ',';
    out += fmt::format("{}=\"{}\"", extra_key, extra_value);
  }
  out += '}';
  return out;
}

std::string format_number(double v) {
  if (v == static_cast<double>(static_cast<int64_t>(v)) && std::abs(v) < 1e15)
    return fmt::format("{}", static_cast<int64_t>(v));
  return fmt::format("{}", v);
}

}  // namespace

void Gauge::add(double v) {
  atomic_add(value_, v);
}

Histogram::Histogram(std::vector<double> bounds)
    : bounds_(std::move(bounds)), buckets_(new std::atomic<uint64_t>[bounds_.size()]) {
  std::sort(bounds_.begin(), bounds_.end());
  for (size_t i = 0; i < bounds_.size(); ++i) buckets_[i].store(0);
}

void Histogram::observe(double v) {
  auto it = std::lower_bound(bounds_.begin(), bounds_.end(), v);
  if (it != bounds_.end()) buckets_[it - bounds_.begin()].fetch_add(1, std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
  atomic_add(sum_, v);
}

double Histogram::sum() const {
  return sum_.load(std::memory_order_relaxed);
}

std::vector<double> latency_buckets() {
  return {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
}

Metrics::Family& Metrics::family(const std::string& name, const std::string& help,
                                 const char* type) {
  auto [it, inserted] = families_.try_emplace(name);
  if (inserted) {
    it->second.help = help;
    it->second.type = type;
  } else if (it->second.type != type) {
    throw std::logic_error(
        fmt::format("metric {} registered as {} and {}", name, it->second.type, type));
  }
  return it->second;
}

Counter& Metrics::counter(const std::string& name, const std::string& help, const Labels& labels) {
  std::lock_guard lock(mu_);
  auto& slot = family(name, help, "counter").counters[labels];
  if (!slot) slot = std::make_unique<Counter>();
  return *slot;
}

Gauge& Metrics::gauge(const std::string& name, const std::string& help, const Labels& labels) {
  std::lock_guard lock(mu_);
  auto& slot = family(name, help, "gauge").gauges[labels];
  if (!slot) slot = std::make_unique<Gauge>();
  return *slot;
}

Histogram& Metrics::histogram(const std::string& name, const std::string& help,
                              const Labels& labels, std::vector<double> bounds) {
  std::lock_guard lock(mu_);
  auto& slot = family(name, help, "histogram").histograms[labels];
  if (!slot) slot = std::make_unique<Histogram>(std::move(bounds));
  return *slot;
}

void Metrics::on_collect(std::function<void(Metrics&)> refresh) {
  std::lock_guard lock(collect_mu_);
  collectors_.push_back(std::move(refresh));
}

std::string Metrics::render_prometheus() {
  {
    std::lock_guard lock(collect_mu_);
    for (auto& refresh : collectors_) refresh(*this);
  }
  std::lock_guard lock(mu_);
  std::string out;
  for (const auto& [name, fam] : families_) {
    out += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, fam.help, name, fam.type);
    for (const auto& [labels, c] : fam.counters)
      out += fmt::format("{}{} {}\n", name, render_labels(labels), c->value());
    for (const auto& [labels, g] : fam.gauges)
      out += fmt::format("{}{} {}\n", name, render_labels(labels), format_number(g->value()));
    for (const auto& [labels, h] : fam.histograms) {
      uint64_t cumulative = 0;
      for (size_t i = 0; i < h->bounds().size(); ++i) {
        cumulative += h->bucket(i);
        out += fmt::format("{}_bucket{} {}\n", name,
                           render_labels(labels, "le", format_number(h->bounds()[i])), cumulative);
      }
      out += fmt::format("{}_bucket{} {}\n", name, render_labels(labels, "le", "+Inf"), h->count());
      out += fmt::format("{}_sum{} {}\n", name, render_labels(labels), h->sum());
      out += fmt::format("{}_count{} {}\n", name, render_labels(labels), h->count());
    }
  }
  return out;
}

}  // namespace heeler::core
