#include "intake/dogstatsd/aggregator.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <iterator>
#include <limits>
#include <unordered_map>
#include <unordered_set>
#include <utility>

namespace heeler::intake {
namespace {

struct StringHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

struct Series {
  StatsdType type = StatsdType::gauge;
  uint32_t name_bytes = 0;  // the key is <type><name>|<sorted tags>
  bool has_value = false;
  double value = 0;  // gauge: last; count: scaled sum
  // histograms and timings
  double count = 0, sum = 0, min = 0, max = 0;
  std::vector<double> samples;
  // sets
  std::unordered_set<std::string, StringHash, std::equal_to<>> members;
  // distributions
  LogHistogram sketch;
};

struct OwnedEvent {
  int64_t timestamp_ms = 0;
  std::string title, text, source, priority, alert_type, host, service, env, aggregation_key;
  std::vector<std::string> tags;
};

// Splits "a,b:c" into non-empty tags.
template <typename F>
void for_each_tag(std::string_view tags, F&& f) {
  while (!tags.empty()) {
    size_t comma = tags.find(',');
    std::string_view tag = tags.substr(0, comma);
    if (!tag.empty()) f(tag);
    if (comma == std::string_view::npos) break;
    tags.remove_prefix(comma + 1);
  }
}

std::string_view tag_value(std::string_view tag, std::string_view key) {
  if (tag.size() > key.size() && tag.starts_with(key) && tag[key.size()] == ':')
    return tag.substr(key.size() + 1);
  return {};
}

// Nearest-rank percentile of sorted samples.
double percentile(const std::vector<double>& sorted, double p) {
  auto n = static_cast<double>(sorted.size());
  auto rank = static_cast<size_t>(std::ceil(p * n));
  return sorted[std::min(sorted.size() - 1, rank == 0 ? 0 : rank - 1)];
}

int64_t align(int64_t t, int64_t interval) {
  int64_t r = t % interval;
  if (r < 0) r += interval;
  return t - r;
}

}  // namespace

// γ = (1+α)/(1-α): a value in bucket i lies in (γ^(i-1), γ^i]; the representative
// 2γ^i/(γ+1) is within α of every value of the bucket.
namespace {
const double kGamma = (1 + LogHistogram::kRelativeAccuracy) / (1 - LogHistogram::kRelativeAccuracy);
const double kLogGamma = std::log(kGamma);
constexpr double kMinMagnitude = 1e-9;  // smaller magnitudes count as zero
// Index offset so that positive magnitudes ≥ kMinMagnitude map to indexes ≥ 1.
const int32_t kOffset = 1 - static_cast<int32_t>(std::ceil(std::log(kMinMagnitude) / kLogGamma));
}  // namespace

int32_t LogHistogram::index_of(double value) {
  double magnitude = std::fabs(value);
  if (magnitude < kMinMagnitude) return 0;
  auto i = static_cast<int32_t>(std::ceil(std::log(magnitude) / kLogGamma)) + kOffset;
  i = std::max(i, 1);
  return value < 0 ? -i : i;
}

double LogHistogram::value_of(int32_t index) {
  if (index == 0) return 0;
  int32_t i = std::abs(index) - kOffset;
  // Near DBL_MAX the bucket's upper bound overflows; its representative stays finite.
  double v = std::min(2 * std::pow(kGamma, i) / (kGamma + 1), std::numeric_limits<double>::max());
  return index < 0 ? -v : v;
}

void LogHistogram::add(double value, double weight) {
  buckets_[index_of(value)] += weight;
  if (buckets_.size() > kMaxBuckets) {
    // Memory bound (as DDSketch's collapsing-lowest store): fold the lowest bucket into
    // the next one; only the extreme low tail loses accuracy.
    auto lowest = buckets_.begin();
    std::next(lowest)->second += lowest->second;
    buckets_.erase(lowest);
  }
}

struct Aggregator::Interval {
  std::unordered_map<std::string, Series, StringHash, std::equal_to<>> series;
  std::vector<OwnedEvent> events;
};

Aggregator::Aggregator(AggregatorOptions options, pipeline::Consumer& consumer,
                       core::Metrics& metrics)
    : options_(options),
      consumer_(consumer),
      packets_(metrics.counter("heeler_dogstatsd_packets_total",
                               "DogStatsD datagrams and HTTP bodies received")),
      lines_(metrics.counter("heeler_dogstatsd_lines_total", "DogStatsD lines received")),
      series_drops_(metrics.counter("heeler_dogstatsd_dropped_total",
                                    "DogStatsD samples, events or points dropped",
                                    {{"reason", "series_limit"}})),
      event_drops_(metrics.counter("heeler_dogstatsd_dropped_total",
                                   "DogStatsD samples, events or points dropped",
                                   {{"reason", "event_limit"}})),
      backpressure_drops_(metrics.counter("heeler_dogstatsd_dropped_total",
                                          "DogStatsD samples, events or points dropped",
                                          {{"reason", "backpressure"}})),
      overflow_drops_(metrics.counter("heeler_dogstatsd_dropped_total",
                                      "DogStatsD samples, events or points dropped",
                                      {{"reason", "overflow"}})),
      consumer_error_drops_(metrics.counter("heeler_dogstatsd_dropped_total",
                                            "DogStatsD samples, events or points dropped",
                                            {{"reason", "consumer_error"}})),
      flushes_(metrics.counter("heeler_dogstatsd_flushes_total", "DogStatsD aggregator flushes")),
      series_gauge_(
          metrics.gauge("heeler_dogstatsd_series", "DogStatsD series in the last flush")) {
  if (options_.flush_interval_ms <= 0) options_.flush_interval_ms = 10'000;
  parse_drops_.resize(kStatsdErrorCount, nullptr);
  for (size_t i = 1; i < kStatsdErrorCount; ++i)
    parse_drops_[i] = &metrics.counter(
        "heeler_dogstatsd_lines_dropped_total", "DogStatsD lines rejected by the parser",
        {{"reason", std::string(statsd_error_name(static_cast<StatsdError>(i)))}});
}

Aggregator::~Aggregator() = default;

size_t Aggregator::live_series() const {
  std::lock_guard lock(mu_);
  return live_series_;
}

void Aggregator::ingest(std::string_view packet, int64_t now_ms) {
  packets_.inc();
  uint64_t lines = 0;
  StatsdLine line;
  std::lock_guard lock(mu_);
  for_each_statsd_line(packet, [&](std::string_view text) {
    ++lines;
    StatsdError error = parse_statsd_line(text, line);
    if (error != StatsdError::none) {
      parse_drops_[static_cast<size_t>(error)]->inc();
      return;
    }
    add_line(line, now_ms);
  });
  lines_.inc(lines);
}

Aggregator::Interval& Aggregator::interval_at(int64_t timestamp_ms) {
  auto& slot = intervals_[align(timestamp_ms, options_.flush_interval_ms)];
  if (!slot) slot = std::make_unique<Interval>();
  return *slot;
}

void Aggregator::add_line(const StatsdLine& line, int64_t now_ms) {
  if (line.kind != StatsdLine::Kind::metric) {
    Interval& interval = interval_at(now_ms);
    if (interval.events.size() >= options_.max_events) {
      event_drops_.inc();
      return;
    }
    OwnedEvent e;
    std::string_view tags, host;
    if (line.kind == StatsdLine::Kind::event) {
      const StatsdEvent& in = line.event;
      e.timestamp_ms = in.timestamp_s > 0 ? in.timestamp_s * 1000 : now_ms;
      e.title = unescape_statsd_text(in.title);
      e.text = unescape_statsd_text(in.text);
      e.source = in.source.empty() ? "dogstatsd" : std::string(in.source);
      e.priority = in.priority.empty() ? "normal" : std::string(in.priority);
      e.alert_type = in.alert_type.empty() ? "info" : std::string(in.alert_type);
      e.aggregation_key = in.aggregation_key;
      tags = in.tags;
      host = in.host;
    } else {
      const StatsdServiceCheck& in = line.check;
      static constexpr std::string_view kAlert[] = {"success", "warning", "error", "info"};
      e.timestamp_ms = in.timestamp_s > 0 ? in.timestamp_s * 1000 : now_ms;
      e.title = in.name;
      e.text = unescape_statsd_text(in.message);
      e.source = "service_check";
      e.priority = "normal";
      e.alert_type = kAlert[in.status];
      e.tags.push_back("check_status:" + std::to_string(in.status));
      tags = in.tags;
      host = in.host;
    }
    for_each_tag(tags, [&](std::string_view tag) {
      if (auto v = tag_value(tag, "host"); !v.empty()) host = v;
      if (auto v = tag_value(tag, "service"); !v.empty()) e.service = v;
      if (auto v = tag_value(tag, "env"); !v.empty()) e.env = v;
      e.tags.emplace_back(tag);
    });
    e.host = host;
    interval.events.push_back(std::move(e));
    return;
  }

  const StatsdMetric& m = line.metric;
  int64_t timestamp_ms = now_ms;
  if (m.timestamp_s > 0) timestamp_ms = std::min(now_ms, m.timestamp_s * 1000);
  Interval& interval = interval_at(timestamp_ms);

  // Key: <type><name>|<sorted, de-duplicated tags joined by ','>.
  tags_.clear();
  for_each_tag(m.tags, [&](std::string_view tag) { tags_.push_back(tag); });
  std::sort(tags_.begin(), tags_.end());
  tags_.erase(std::unique(tags_.begin(), tags_.end()), tags_.end());
  key_.clear();
  key_.push_back(static_cast<char>('0' + static_cast<int>(m.type)));
  key_.append(m.name);
  key_.push_back('|');
  for (size_t i = 0; i < tags_.size(); ++i) {
    if (i) key_.push_back(',');
    key_.append(tags_[i]);
  }

  auto it = interval.series.find(std::string_view(key_));
  if (it == interval.series.end()) {
    if (live_series_ >= options_.max_series) {
      series_drops_.inc();
      return;
    }
    it = interval.series.emplace(key_, Series{}).first;
    it->second.type = m.type;
    it->second.name_bytes = static_cast<uint32_t>(m.name.size());
    ++live_series_;
  }
  Series& s = it->second;
  const double scale = 1 / m.sample_rate;

  if (m.type == StatsdType::set) {
    if (s.members.size() < options_.max_set_members || s.members.contains(m.values))
      s.members.emplace(m.values);
    return;
  }
  std::string_view values = m.values;
  double v;
  while (next_statsd_value(values, v)) {
    switch (m.type) {
      case StatsdType::gauge:
        s.value = m.delta && s.has_value ? s.value + v : v;
        s.has_value = true;
        break;
      case StatsdType::count:
        s.value += v * scale;
        s.has_value = true;
        break;
      case StatsdType::histogram:
      case StatsdType::timing:
        if (s.count == 0 || v < s.min) s.min = v;
        if (s.count == 0 || v > s.max) s.max = v;
        s.count += scale;
        s.sum += v * scale;
        if (s.samples.size() < options_.max_samples_per_series) s.samples.push_back(v);
        break;
      case StatsdType::distribution:
        s.sketch.add(v, scale);
        break;
      case StatsdType::set:
        break;
    }
  }
}

void Aggregator::flush(int64_t now_ms, bool all) {
  std::vector<std::pair<int64_t, std::unique_ptr<Interval>>> closed;
  {
    std::lock_guard lock(mu_);
    for (auto it = intervals_.begin(); it != intervals_.end();) {
      if (!all && it->first + options_.flush_interval_ms > now_ms) break;
      live_series_ -= it->second->series.size();
      closed.emplace_back(it->first, std::move(it->second));
      it = intervals_.erase(it);
    }
  }
  for (auto& [start, interval] : closed) emit(start, *interval);
}

void Aggregator::count_refusal(const core::Status& status, size_t records) {
  if (status.ok()) return;
  (status.code() == core::Code::unavailable ? backpressure_drops_ : consumer_error_drops_)
      .inc(records);
}

void Aggregator::emit(int64_t start_ms, Interval& interval) {
  flushes_.inc();
  series_gauge_.set(static_cast<double>(interval.series.size()));
  pipeline::MetricBatch batch;
  std::vector<std::string_view> tags;
  std::string derived;
  for (auto& [key, s] : interval.series) {
    std::string_view name(key.data() + 1, s.name_bytes);
    tags.clear();
    for_each_tag(std::string_view(key).substr(1 + s.name_bytes + 1),
                 [&](std::string_view tag) { tags.push_back(tag); });
    pipeline::MetricPoint p;
    p.metric = name;
    p.tags = tags;
    p.timestamp_ms = start_ms;
    // Sums scaled by tiny sample rates can overflow to infinity: such points are dropped.
    auto add = [&] {
      if (std::isfinite(p.value)) {
        batch.append(p);
      } else {
        overflow_drops_.inc();
      }
    };
    auto point = [&](std::string_view suffix, pipeline::MetricKind kind, double value) {
      derived.assign(name);
      derived.append(suffix);
      p.metric = derived;
      p.kind = kind;
      p.value = value;
      add();
    };
    switch (s.type) {
      case StatsdType::gauge:
      case StatsdType::count:
        p.kind =
            s.type == StatsdType::gauge ? pipeline::MetricKind::gauge : pipeline::MetricKind::count;
        p.value = s.value;
        add();
        break;
      case StatsdType::set:
        p.kind = pipeline::MetricKind::gauge;
        p.value = static_cast<double>(s.members.size());
        add();
        break;
      case StatsdType::histogram:
      case StatsdType::timing: {
        if (s.samples.empty()) break;
        std::sort(s.samples.begin(), s.samples.end());
        point(".avg", pipeline::MetricKind::gauge, s.sum / s.count);
        point(".count", pipeline::MetricKind::count, s.count);
        point(".max", pipeline::MetricKind::gauge, s.max);
        point(".median", pipeline::MetricKind::gauge, percentile(s.samples, 0.5));
        point(".95percentile", pipeline::MetricKind::gauge, percentile(s.samples, 0.95));
        break;
      }
      case StatsdType::distribution:
        p.kind = pipeline::MetricKind::distribution;
        s.sketch.for_each([&](double value, double weight) {
          p.value = value;
          p.weight = static_cast<uint64_t>(std::clamp(std::round(weight), 1.0, 9e18));
          add();
        });
        break;
    }
  }
  if (batch.size() > 0) {
    size_t points = batch.size();
    count_refusal(consumer_.consume_metrics(std::move(batch)), points);
  }
  if (!interval.events.empty()) {
    pipeline::EventBatch events;
    std::vector<std::string_view> event_tags;
    for (const OwnedEvent& e : interval.events) {
      event_tags.assign(e.tags.begin(), e.tags.end());
      pipeline::Event out;
      out.timestamp_ms = e.timestamp_ms;
      out.title = e.title;
      out.text = e.text;
      out.source = e.source;
      out.priority = e.priority;
      out.alert_type = e.alert_type;
      out.host = e.host;
      out.service = e.service;
      out.env = e.env;
      out.aggregation_key = e.aggregation_key;
      out.tags = event_tags;
      events.append(out);
    }
    size_t n = events.size();
    count_refusal(consumer_.consume_events(std::move(events)), n);
  }
}

}  // namespace heeler::intake
