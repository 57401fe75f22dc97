// The monitor scheduler at the scale: 1,000 metric monitors of 100 groups each
// (50 metrics × 100 hosts of 10-second points), one full evaluation pass after another,
// against the raw engine running the same 1,000 metric queries as SQL in the same run.
// Reports wall and CPU time per pass (CPU includes the embedded engine's threads) and
// what share of one core a pass a minute takes.
#include <fmt/format.h>
#include <stdlib.h>
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "api/monitors.h"
#include "core/metrics.h"
#include "monitors/monitor_store.h"
#include "monitors/scheduler.h"
#include "pipeline/signals.h"
#include "query/metric_eval.h"
#include "store/embedded_engine.h"
#include "store/metadata.h"
#include "store/schema.h"

namespace {

using namespace heeler;
using Clock = std::chrono::steady_clock;
namespace fs = std::filesystem;

constexpr int kMetrics = 50;
constexpr int kHosts = 100;
constexpr int kMonitors = 1000;
constexpr int kPasses = 3;

void check(const core::Status& s, const char* what) {
  if (!s.ok()) {
    fmt::print(stderr, "{}: {}\n", what, s.to_string());
    std::exit(1);
  }
}

double cpu_seconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

struct Cost {
  double wall_s = 0;
  double cpu_s = 0;
};

Cost measure(const std::function<void()>& f) {
  const double c0 = cpu_seconds();
  const auto t0 = Clock::now();
  f();
  return {std::chrono::duration<double>(Clock::now() - t0).count(), cpu_seconds() - c0};
}

}  // namespace

int main() {
  std::string pattern = (fs::temp_directory_path() / "heeler-monitors-bench-XXXXXX").string();
  if (!::mkdtemp(pattern.data())) return 1;
  core::Metrics metrics;
  store::EmbeddedEngineConfig config;
  config.data_dir = pattern;
  auto engine = store::make_embedded_engine(config, metrics);
  check(engine->start(), "start");
  check(store::migrate(*engine, store::telemetry_migrations()).status(), "migrate");

  const int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                             std::chrono::system_clock::now().time_since_epoch())
                             .count();
  // 15 minutes of 10-second points for every metric and host.
  {
    std::mt19937_64 rng(7);
    pipeline::MetricBatch batch;
    std::vector<std::string> hosts, names;
    for (int h = 0; h < kHosts; ++h) hosts.push_back(fmt::format("host:h{}", h));
    for (int m = 0; m < kMetrics; ++m) names.push_back(fmt::format("bench.m{}", m));
    for (int m = 0; m < kMetrics; ++m) {
      for (int h = 0; h < kHosts; ++h) {
        const std::string_view tags[] = {hosts[h], "env:prod"};
        for (int p = 0; p < 90; ++p) {
          pipeline::MetricPoint pt;
          pt.metric = names[m];
          pt.tags = tags;
          pt.timestamp_ms = now_ms - p * 10'000;
          pt.value = static_cast<double>(rng() % 1000) / 10;
          batch.append(pt);
        }
      }
      check(engine->insert("metric_points", batch.points()), "insert points");
      check(engine->insert("metric_series", batch.series()), "insert series");
      batch = pipeline::MetricBatch();
    }
  }

  auto meta = store::MetadataStore::open(fs::path(pattern) / "metadata.db");
  check(meta.status(), "metadata");
  check((*meta)->migrate(store::metadata_migrations()).status(), "metadata migrations");
  monitors::MonitorStore store(**meta);
  std::vector<monitors::Monitor> defined;
  for (int i = 0; i < kMonitors; ++i) {
    auto m = monitors::parse_monitor(
        {{"type", "metric alert"},
         {"name", fmt::format("m{} on {{{{host.name}}}}", i)},
         {"query", fmt::format("avg(last_5m):avg:bench.m{}{{env:prod}} by {{host}} > {}",
                               i % kMetrics, 50 + i % 40)},
         {"message", "{{#is_alert}}{{value}} @webhook-x{{/is_alert}}"}});
    check(m.status(), "monitor");
    check(store.create(*m, now_ms).status(), "create");
    defined.push_back(std::move(*m));
  }

  // Baseline: the same queries as SQL on the raw engine.
  std::vector<query::CompiledQuery> compiled;
  const query::TimeRange window{now_ms - 300'000, now_ms};
  for (const auto& m : defined) {
    auto q = query::metric_queries(*m.query.metric).front();
    auto c = query::compile_metric_query(*q, window, query::interval_for(window), "gauge");
    check(c.status(), "compile");
    compiled.push_back(std::move(*c));
  }
  std::vector<Cost> raw;
  for (int pass = 0; pass < kPasses; ++pass)
    raw.push_back(measure([&] {
      for (const auto& c : compiled) check(engine->query(c.sql, c.params).status(), "raw query");
    }));

  api::EngineMonitorData data(*engine);
  int64_t clock = now_ms;
  monitors::MonitorScheduler scheduler(store, data, [&] { return clock; });
  size_t transitions = 0;
  scheduler.set_listener([&](const monitors::StoredMonitor&, const monitors::Evaluation& e) {
    transitions += e.transitions.size();
  });
  std::vector<Cost> passes;
  std::vector<size_t> moved;
  for (int pass = 0; pass < kPasses; ++pass) {
    transitions = 0;
    size_t ran = 0;
    passes.push_back(measure([&] { ran = scheduler.run_due(clock); }));
    if (ran != kMonitors) fmt::print(stderr, "pass {} evaluated {} monitors\n", pass, ran);
    moved.push_back(transitions);
    clock += 60'000;
  }
  auto groups = store.groups(1);
  check(groups.status(), "groups");

  auto median = [](std::vector<Cost> v, bool cpu) {
    std::sort(v.begin(), v.end(), [cpu](const Cost& a, const Cost& b) {
      return cpu ? a.cpu_s < b.cpu_s : a.wall_s < b.wall_s;
    });
    return cpu ? v[v.size() / 2].cpu_s : v[v.size() / 2].wall_s;
  };
  // The first pass moves every breaching group out of OK; later ones change nothing.
  std::vector<Cost> steady(passes.begin() + 1, passes.end());
  fmt::print("{} monitors × {} groups ({} groups on monitor 1); transitions per pass: {}\n\n",
             kMonitors, kHosts, groups->size(), fmt::join(moved, ", "));
  fmt::print(
      "| what | wall s | CPU s | share of one core at one pass a minute |\n|---|---|---|---|\n");
  fmt::print("| raw engine, the same 1,000 queries (median of {}) | {:.2f} | {:.2f} | {:.1f}% |\n",
             kPasses, median(raw, false), median(raw, true), median(raw, true) / 60 * 100);
  fmt::print("| scheduler, first pass (every group new) | {:.2f} | {:.2f} | {:.1f}% |\n",
             passes[0].wall_s, passes[0].cpu_s, passes[0].cpu_s / 60 * 100);
  fmt::print("| scheduler, steady passes (median of {}) | {:.2f} | {:.2f} | {:.1f}% |\n",
             steady.size(), median(steady, false), median(steady, true),
             median(steady, true) / 60 * 100);
  fmt::print("\nscheduler steady pass / raw engine: {:.2f}× wall, {:.2f}× CPU\n\n",
             median(steady, false) / median(raw, false), median(steady, true) / median(raw, true));
  engine->stop();
  fs::remove_all(pattern);
  return 0;
}
