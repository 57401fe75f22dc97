// The query layer against hand-written SQL over the same rows, in one run:
//   - log search: a compiled search (reserved fields + free text on the lower-casing text
//     index) against the same filter written with positionCaseInsensitive (a full scan of
//     the messages), and against the hand-written indexed SQL;
//   - log aggregation: count by service and status over the whole range;
//   - metric query: avg by host over 30 days of 5-minute points (auto interval 4 h),
//     evaluated by EngineMetricSource, against one hand-written GROUP BY.
// Every figure is the median of 7 runs with the query condition cache off; the ratio is
// against the hand-written baseline of the same run.
#include <fmt/format.h>
#include <stdlib.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "core/metrics.h"
#include "pipeline/signals.h"
#include "query/metric_eval.h"
#include "query/search_sql.h"
#include "store/embedded_engine.h"
#include "store/schema.h"

namespace {

using namespace heeler;
using Clock = std::chrono::steady_clock;
namespace fs = std::filesystem;

constexpr size_t kLogs = 2'000'000;
constexpr size_t kHosts = 200;
constexpr int kDays = 30;
constexpr int kRuns = 7;

double median_ms(const std::function<void()>& f) {
  std::vector<double> v;
  for (int i = 0; i < kRuns; ++i) {
    const auto t = Clock::now();
    f();
    v.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t).count());
  }
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

void check(const core::Status& s, const char* what) {
  if (!s.ok()) {
    fmt::print(stderr, "{}: {}\n", what, s.to_string());
    std::exit(1);
  }
}

uint64_t count_of(store::Engine& e, const std::string& sql, const store::Params& p = {}) {
  auto r = e.query(sql, p);
  check(r.status(), sql.c_str());
  return r->at(0, 0).as_uint64();
}

}  // namespace

int main() {
  std::string pattern = (fs::temp_directory_path() / "heeler-query-bench-XXXXXX").string();
  if (!::mkdtemp(pattern.data())) return 1;
  core::Metrics metrics;
  store::EmbeddedEngineConfig config;
  config.data_dir = pattern;
  auto engine = store::make_embedded_engine(config, metrics);
  check(engine->start(), "start");
  check(store::migrate(*engine, store::telemetry_migrations()).status(), "migrate");
  check(engine->execute("SET use_query_condition_cache = 0"), "settings");

  const int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                             std::chrono::system_clock::now().time_since_epoch())
                             .count();
  // Logs over the last 24 h: 5 services, 4 statuses, ~1 in 2,000 messages mention a
  // timeout (capitalised differently), attributes with status codes.
  std::mt19937_64 rng(42);
  const char* services[] = {"web", "api", "auth", "billing", "search"};
  const char* statuses[] = {"info", "info", "warning", "error"};
  const char* words[] = {"request", "served",   "order", "cart",    "user",  "session",
                         "cache",   "database", "query", "latency", "retry", "upstream"};
  {
    pipeline::LogBatch batch;
    for (size_t i = 0; i < kLogs; ++i) {
      std::string message;
      for (int w = 0; w < 8; ++w) message += std::string(words[rng() % 12]) + " ";
      if (rng() % 2000 == 0) message += (rng() % 2) ? "Timeout " : "TIMEOUT ";
      message += std::to_string(i);
      const std::string code = std::to_string(200 + (rng() % 4) * 100);
      const pipeline::Attribute attrs[] = {{"http.status_code", code}, {"http.method", "GET"}};
      pipeline::LogRecord r;
      r.timestamp_ns = (now_ms - static_cast<int64_t>(rng() % 86'400'000)) * 1'000'000;
      r.service = services[rng() % 5];
      r.status = statuses[rng() % 4];
      r.host = "host-1";
      r.message = message;
      r.attributes = attrs;
      batch.append(r);
      if (batch.size() == 200'000 || i + 1 == kLogs) {
        check(engine->insert("logs", batch.columns()), "insert logs");
        batch = pipeline::LogBatch();
      }
    }
  }
  // Metrics: 200 hosts × 30 days of 5-minute points.
  {
    pipeline::MetricBatch batch;
    std::vector<std::string> host_tags;
    for (size_t h = 0; h < kHosts; ++h) host_tags.push_back(fmt::format("host:h{}", h));
    const int64_t points = kDays * 288;
    for (size_t h = 0; h < kHosts; ++h) {
      const std::string_view tags[] = {host_tags[h], "env:prod"};
      for (int64_t p = 0; p < points; ++p) {
        pipeline::MetricPoint m;
        m.metric = "bench.cpu";
        m.tags = tags;
        m.timestamp_ms = now_ms - p * 300'000;
        m.value = static_cast<double>(rng() % 1000) / 10;
        batch.append(m);
      }
      if (batch.size() > 500'000 || h + 1 == kHosts) {
        check(engine->insert("metric_points", batch.points()), "insert points");
        check(engine->insert("metric_series", batch.series()), "insert series");
        batch = pipeline::MetricBatch();
      }
    }
  }
  check(engine->execute("OPTIMIZE TABLE logs FINAL"), "optimize");

  const std::string range =
      "timestamp >= fromUnixTimestamp64Milli({from:Int64}) AND timestamp < "
      "fromUnixTimestamp64Milli({to:Int64})";
  auto search =
      query::search_condition("service:web status:error timeout", query::logs_search_target());
  check(search.status(), "compile");
  store::Params sp = search->params;
  sp.add("from", now_ms - 86'400'000).add("to", now_ms + 1);
  const std::string compiled = "SELECT count() FROM logs WHERE " + range + " AND " + search->sql;
  store::Params hp;
  hp.add("from", now_ms - 86'400'000).add("to", now_ms + 1);
  const std::string scan = "SELECT count() FROM logs WHERE " + range +
                           " AND service = 'web' AND status = 'error' AND "
                           "positionCaseInsensitiveUTF8(message, 'timeout') > 0";
  const std::string indexed = "SELECT count() FROM logs WHERE " + range +
                              " AND service = 'web' AND status = 'error' AND "
                              "hasAllTokens(message, 'timeout')";
  const uint64_t n1 = count_of(*engine, compiled, sp), n2 = count_of(*engine, scan, hp),
                 n3 = count_of(*engine, indexed, hp);
  if (n1 != n2 || n1 != n3) {
    fmt::print(stderr, "search results differ: {} {} {}\n", n1, n2, n3);
    return 1;
  }
  const double t_compiled = median_ms([&] { count_of(*engine, compiled, sp); });
  const double t_scan = median_ms([&] { count_of(*engine, scan, hp); });
  const double t_indexed = median_ms([&] { count_of(*engine, indexed, hp); });

  const std::string free_only = "SELECT count() FROM logs WHERE " + range + " AND ";
  auto text = query::search_condition("timeout", query::logs_search_target());
  store::Params tp = text->params;
  tp.add("from", now_ms - 86'400'000).add("to", now_ms + 1);
  const double t_text = median_ms([&] { count_of(*engine, free_only + text->sql, tp); });
  const double t_text_scan = median_ms([&] {
    count_of(*engine, free_only + "positionCaseInsensitiveUTF8(message, 'timeout') > 0", hp);
  });

  // Metric query: avg by host over 30 days.
  auto parsed = query::parse_metric_expression("avg:bench.cpu{env:prod} by {host}");
  query::EngineMetricSource source(*engine);
  const query::TimeRange month{now_ms - kDays * 86'400'000LL, now_ms + 1};
  size_t series = 0;
  const double t_metric = median_ms([&] {
    auto r = query::evaluate(*parsed.root, month, source);
    check(r.status(), "evaluate");
    series = r->size();
  });
  const int64_t interval = query::interval_for(month);
  store::Params mp;
  mp.add("from", month.from_ms).add("to", month.to_ms).add("step", interval * 1000);
  const std::string hand =
      "SELECT s.host, intDiv(toUnixTimestamp64Milli(p.timestamp), {step:Int64}) AS b, avg(p.value) "
      "FROM metric_points AS p INNER JOIN (SELECT series_id, tags['host'] AS host FROM "
      "metric_series WHERE metric = 'bench.cpu' LIMIT 1 BY series_id) AS s ON p.series_id = "
      "s.series_id WHERE p.metric = 'bench.cpu' AND p.timestamp >= "
      "fromUnixTimestamp64Milli({from:Int64}) "
      "AND p.timestamp < fromUnixTimestamp64Milli({to:Int64}) GROUP BY s.host, b";
  const double t_hand = median_ms([&] { check(engine->query(hand, mp).status(), "hand"); });

  fmt::print(
      "{} logs over 24 h; {} hosts × {} days of 5-minute points ({} points). Median of {} "
      "runs, query condition cache off.\n\n",
      kLogs, kHosts, kDays, kHosts * kDays * 288, kRuns);
  fmt::print("| query | ms | vs baseline |\n|---|---:|---:|\n");
  fmt::print(
      "| `service:web status:error timeout` compiled (text index) | {:.1f} | {:.2f}× the scan |\n",
      t_compiled, t_compiled / t_scan);
  fmt::print(
      "| same filter, hand-written with hasAllTokens (baseline: index) | {:.1f} | {:.2f}× compiled "
      "|\n",
      t_indexed, t_compiled / t_indexed);
  fmt::print(
      "| same filter, hand-written with positionCaseInsensitive (baseline: scan) | {:.1f} | 1 |\n",
      t_scan);
  fmt::print("| free text `timeout` alone, compiled | {:.1f} | {:.2f}× the scan |\n", t_text,
             t_text / t_text_scan);
  fmt::print("| free text, positionCaseInsensitive scan | {:.1f} | 1 |\n", t_text_scan);
  fmt::print(
      "| `avg:bench.cpu{{env:prod}} by {{host}}` over 30 days ({} series, {} s interval) | "
      "{:.1f} | {:.2f}× hand-written |\n",
      series, interval, t_metric, t_metric / t_hand);
  fmt::print("| one hand-written GROUP BY host, interval (baseline) | {:.1f} | 1 |\n", t_hand);
  engine->stop();
  fs::remove_all(pattern);
  return 0;
}
