// The query layer at the scale a busy team has in one day, against the same SQL run
// directly on the engine in the same run:
//   - 10,000 metric series (500 hosts × 20 resources) × 24 h at 10 s (86.4M points):
//     a grouped metric query over 24 h, by host and by {resource_name, host};
//   - 100M log rows over 24 h: a keyword search over all of them (the first page, as
//     the search API asks for it, and the match count), and a facet count.
// The rows are generated inside the engine (INSERT … SELECT FROM numbers()), so the
// data set takes minutes, not hours. HEELER_BENCH_LOG_ROWS and HEELER_BENCH_HOSTS
// shrink it for a quick look. p50/p95 over repeated runs, query condition cache off.
#include <fmt/format.h>
#include <stdlib.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <functional>
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

constexpr int kResources = 20;
constexpr int64_t kDayMs = 86'400'000;
constexpr int64_t kStepMs = 10'000;

struct Timing {
  double p50 = 0, p95 = 0;
};

Timing measure(int runs, const std::function<void()>& f) {
  std::vector<double> v;
  for (int i = 0; i < runs; ++i) {
    const auto t = Clock::now();
    f();
    v.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t).count());
  }
  std::sort(v.begin(), v.end());
  return {v[v.size() / 2], v[std::min(v.size() - 1, (v.size() * 95 + 99) / 100 - 1)]};
}

void check(const core::Status& s, const std::string& what) {
  if (!s.ok()) {
    fmt::print(stderr, "{}: {}\n", what, s.to_string());
    std::exit(1);
  }
}

size_t env_size(const char* name, size_t fallback) {
  const char* v = std::getenv(name);
  return v && *v ? static_cast<size_t>(std::strtoull(v, nullptr, 10)) : fallback;
}

double seconds_since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

// The hand-written baseline of `avg:bench.latency{env:prod} by {<keys>}`: one GROUP BY
// over the raw points.
std::string hand_metric_sql(const std::string& keys) {
  return fmt::format(
      "SELECT {0}, intDiv(toUnixTimestamp64Milli(p.timestamp), {{step:Int64}}) AS b, "
      "avg(p.value) FROM metric_points AS p INNER JOIN (SELECT series_id, tags['host'] AS "
      "host, tags['resource_name'] AS resource_name FROM metric_series WHERE metric = "
      "'bench.latency' AND tags['env'] = 'prod' LIMIT 1 BY series_id) AS s ON p.series_id = "
      "s.series_id WHERE p.metric = 'bench.latency' AND p.timestamp >= "
      "fromUnixTimestamp64Milli({{from:Int64}}) AND p.timestamp < "
      "fromUnixTimestamp64Milli({{to:Int64}}) GROUP BY {0}, b",
      keys);
}

}  // namespace

int main() {
  const size_t log_rows = env_size("HEELER_BENCH_LOG_ROWS", 100'000'000);
  const size_t hosts = env_size("HEELER_BENCH_HOSTS", 500);
  const int64_t points_per_series = kDayMs / kStepMs;

  std::string dir = (fs::temp_directory_path() / "heeler-query-scale-bench-XXXXXX").string();
  if (!::mkdtemp(dir.data())) return 1;
  core::Metrics metrics;
  store::EmbeddedEngineConfig config;
  config.data_dir = dir;
  auto engine = store::make_embedded_engine(config, metrics);
  check(engine->start(), "start");
  check(store::migrate(*engine, store::telemetry_migrations()).status(), "migrate");
  check(engine->execute("SET use_query_condition_cache = 0"), "settings");
  const int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                             std::chrono::system_clock::now().time_since_epoch())
                             .count();
  const int64_t start_ms = now_ms - kDayMs;

  // Metric series through the pipeline's batch (so their ids are the ones intake makes),
  // then every 10-second point of each series generated in the engine.
  auto t = Clock::now();
  {
    pipeline::MetricBatch batch;
    std::vector<std::string> tag_text;
    for (size_t h = 0; h < hosts; ++h)
      for (int r = 0; r < kResources; ++r) {
        const std::string host = fmt::format("host:h{}", h);
        const std::string resource = fmt::format("resource_name:GET /r{}", r);
        const std::string_view tags[] = {host, resource, "env:prod", "service:web"};
        pipeline::MetricPoint m;
        m.metric = "bench.latency";
        m.tags = tags;
        m.timestamp_ms = start_ms;
        m.value = 1;
        batch.append(m);
      }
    check(engine->insert("metric_series", batch.series()), "insert series");
  }
  constexpr int kPointChunks = 10;
  for (int c = 0; c < kPointChunks; ++c) {
    const int64_t first = points_per_series * c / kPointChunks;
    const int64_t count = points_per_series * (c + 1) / kPointChunks - first;
    store::Params p;
    p.add("start", start_ms).add("first", first).add("count", count).add("step", kStepMs);
    check(engine
              ->query("INSERT INTO metric_points (metric, series_id, timestamp, value, weight, "
                      "kind) SELECT 'bench.latency', s.series_id, "
                      "fromUnixTimestamp64Milli({start:Int64} + toInt64(n.number) * "
                      "{step:Int64}), (cityHash64(s.series_id, n.number) % 1000) / 10.0, 1, "
                      "'gauge' FROM (SELECT series_id FROM metric_series WHERE metric = "
                      "'bench.latency') AS s CROSS JOIN numbers({first:UInt64}, "
                      "{count:UInt64}) AS n",
                      p)
              .status(),
          "insert points");
  }
  const double metric_load_s = seconds_since(t);

  // Logs: 5 services, 4 statuses, ~1 in 2,000 messages mention a timeout (capitalised
  // either way), attributes with a status code and a user id.
  t = Clock::now();
  constexpr size_t kLogChunk = 10'000'000;
  for (size_t first = 0; first < log_rows; first += kLogChunk) {
    store::Params p;
    p.add("start", start_ms)
        .add("first", static_cast<uint64_t>(first))
        .add("count", static_cast<uint64_t>(std::min(kLogChunk, log_rows - first)))
        .add("rows", static_cast<uint64_t>(log_rows));
    check(
        engine
            ->query(
                "INSERT INTO logs (timestamp, observed_timestamp, service, env, version, host, "
                "status, source, message, trace_id, span_id, attributes, resource_attributes) "
                "SELECT fromUnixTimestamp64Milli({start:Int64} + intDiv(toInt64(number) * "
                "86400000, {rows:UInt64})) AS ts, ts, ['web', 'api', 'auth', 'billing', "
                "'search'][number % 5 + 1], 'prod', '1.0', concat('host-', toString(number % "
                "200)), ['info', 'info', 'warning', 'error'][intHash32(number) % 4 + 1], 'bench', "
                "concat(['request', 'order', 'cart', 'session'][intHash32(number + 1) % 4 + 1], "
                "' served by upstream ', toString(intHash32(number + 2) % 1000), ' ms for user ', "
                "toString(number % 100000), multiIf(intHash64(number) % 2000 = 0, ' Timeout', "
                "intHash64(number) % 2000 = 1, ' TIMEOUT', '')), toFixedString('', 16), "
                "toFixedString('', 8), map('http.status_code', toString([200, 200, 200, 404, "
                "500][number % 5 + 1]), 'usr.id', toString(number % 100000)), map() FROM "
                "numbers({first:UInt64}, {count:UInt64})",
                p)
            .status(),
        "insert logs");
  }
  const double log_load_s = seconds_since(t);
  if (std::getenv("HEELER_BENCH_MERGED"))
    check(engine->execute("OPTIMIZE TABLE metric_rollup_5m FINAL"), "optimize roll-ups");

  store::Params day;
  day.add("from", start_ms).add("to", now_ms + 1);
  const std::string range =
      "timestamp >= fromUnixTimestamp64Milli({from:Int64}) AND timestamp < "
      "fromUnixTimestamp64Milli({to:Int64})";

  // Grouped metric queries over 24 h.
  query::EngineMetricSource source(*engine);
  const query::TimeRange range24{start_ms, now_ms + 1};
  const int64_t interval = query::interval_for(range24);
  store::Params mp = day;
  mp.add("step", interval * 1000);
  struct MetricCase {
    std::string query, keys;
    size_t groups = 0;
    Timing compiled, sql_only, hand;
  };
  std::vector<MetricCase> metric_cases = {
      {"avg:bench.latency{env:prod} by {host}", "s.host"},
      {"avg:bench.latency{env:prod} by {resource_name,host}", "s.resource_name, s.host"}};
  for (MetricCase& c : metric_cases) {
    auto parsed = query::parse_metric_expression(c.query);
    if (!parsed.root) {
      fmt::print(stderr, "parse {}\n", c.query);
      return 1;
    }
    c.compiled = measure(15, [&] {
      auto r = query::evaluate(*parsed.root, range24, source);
      check(r.status(), "evaluate");
      c.groups = r->size();
    });
    // The compiled SQL alone, without turning its rows into series.
    auto sql = query::compile_metric_query(*parsed.root->query, range24, interval, "gauge");
    check(sql.status(), "compile metric");
    c.sql_only = measure(15, [&] { check(engine->query(sql->sql, sql->params).status(), "sql"); });
    const std::string hand = hand_metric_sql(c.keys);
    c.hand = measure(5, [&] { check(engine->query(hand, mp).status(), "hand metric"); });
  }

  // A keyword search over every log: the first page as the search API reads it, and the
  // number of matches.
  auto keyword = query::search_condition("timeout", query::logs_search_target());
  check(keyword.status(), "compile search");
  store::Params kp = keyword->params;
  kp.add("from", start_ms).add("to", now_ms + 1);
  const std::string page_sql =
      "SELECT toUnixTimestamp64Nano(timestamp), service, status, message "
      "FROM logs WHERE " +
      range + " AND " + keyword->sql + " ORDER BY timestamp DESC LIMIT 50";
  const std::string hand_page =
      "SELECT toUnixTimestamp64Nano(timestamp), service, status, "
      "message FROM logs WHERE " +
      range +
      " AND hasAllTokens(message, 'timeout') ORDER BY timestamp DESC "
      "LIMIT 50";
  const std::string scan_page =
      "SELECT toUnixTimestamp64Nano(timestamp), service, status, "
      "message FROM logs WHERE " +
      range +
      " AND positionCaseInsensitiveUTF8(message, 'timeout') > 0 ORDER "
      "BY timestamp DESC LIMIT 50";
  uint64_t matches = 0;
  const Timing t_page =
      measure(15, [&] { check(engine->query(page_sql, kp).status(), "search page"); });
  const Timing t_hand_page =
      measure(15, [&] { check(engine->query(hand_page, day).status(), "hand page"); });
  const Timing t_scan_page =
      measure(3, [&] { check(engine->query(scan_page, day).status(), "scan page"); });
  const Timing t_count = measure(15, [&] {
    auto r = engine->query("SELECT count() FROM logs WHERE " + range + " AND " + keyword->sql, kp);
    check(r.status(), "search count");
    matches = r->at(0, 0).as_uint64();
  });
  const Timing t_hand_count = measure(15, [&] {
    check(engine
              ->query("SELECT count() FROM logs WHERE " + range +
                          " AND hasAllTokens(message, 'timeout')",
                      day)
              .status(),
          "hand count");
  });

  // A facet count: the status values of service:web, with their counts.
  auto facet = query::search_condition("service:web", query::logs_search_target());
  check(facet.status(), "compile facet");
  store::Params fp = facet->params;
  fp.add("from", start_ms).add("to", now_ms + 1);
  const Timing t_facet = measure(15, [&] {
    check(engine
              ->query("SELECT status, count() AS n FROM logs WHERE " + range + " AND " +
                          facet->sql + " GROUP BY status ORDER BY n DESC LIMIT 50",
                      fp)
              .status(),
          "facet");
  });
  const Timing t_hand_facet = measure(15, [&] {
    check(engine
              ->query("SELECT status, count() AS n FROM logs WHERE " + range +
                          " AND service = 'web' GROUP BY status ORDER BY n DESC LIMIT 50",
                      day)
              .status(),
          "hand facet");
  });

  fmt::print(
      "{} metric series × 24 h at 10 s ({} points, generated in {:.0f} s); {} logs over 24 h "
      "(generated in {:.0f} s, {} match `timeout`). p50/p95 in ms, query condition cache "
      "off.\n\n",
      hosts * kResources, hosts * kResources * points_per_series, metric_load_s, log_rows,
      log_load_s, matches);
  fmt::print("| query | p50 | p95 | vs the engine |\n|---|---:|---:|---:|\n");
  for (const MetricCase& c : metric_cases) {
    fmt::print("| `{}` over 24 h ({} groups, {} s interval) | {:.1f} | {:.1f} | {:.2f}× |\n",
               c.query, c.groups, interval, c.compiled.p50, c.compiled.p95,
               c.compiled.p50 / c.hand.p50);
    fmt::print("| its SQL alone, run on the engine | {:.1f} | {:.1f} | {:.2f}× |\n", c.sql_only.p50,
               c.sql_only.p95, c.sql_only.p50 / c.hand.p50);
    fmt::print(
        "| the same as one hand-written GROUP BY over the raw points | {:.1f} | {:.1f} | 1 |\n",
        c.hand.p50, c.hand.p95);
  }
  fmt::print("| search `timeout` over all logs, first page of 50 | {:.1f} | {:.1f} | {:.2f}× |\n",
             t_page.p50, t_page.p95, t_page.p50 / t_hand_page.p50);
  fmt::print("| the same page hand-written with hasAllTokens | {:.1f} | {:.1f} | 1 |\n",
             t_hand_page.p50, t_hand_page.p95);
  fmt::print("| the same page as a case-insensitive scan (3 runs) | {:.1f} | {:.1f} | {:.2f}× |\n",
             t_scan_page.p50, t_scan_page.p95, t_scan_page.p50 / t_hand_page.p50);
  fmt::print("| count of `timeout` matches over all logs | {:.1f} | {:.1f} | {:.2f}× |\n",
             t_count.p50, t_count.p95, t_count.p50 / t_hand_count.p50);
  fmt::print("| the same count hand-written with hasAllTokens | {:.1f} | {:.1f} | 1 |\n",
             t_hand_count.p50, t_hand_count.p95);
  fmt::print("| facet: status values of `service:web` with counts | {:.1f} | {:.1f} | {:.2f}× |\n",
             t_facet.p50, t_facet.p95, t_facet.p50 / t_hand_facet.p50);
  fmt::print("| the same hand-written | {:.1f} | {:.1f} | 1 |\n", t_hand_facet.p50,
             t_hand_facet.p95);
  engine->stop();
  fs::remove_all(dir);
  return 0;
}
