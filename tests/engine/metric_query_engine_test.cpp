// Metric queries and formulas against real points in the embedded engine, with
// values computed by hand.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <cmath>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

#include "core/metrics.h"
#include "pipeline/signals.h"
#include "query/metric_eval.h"
#include "store/embedded_engine.h"
#include "store/schema.h"

namespace heeler::query {
namespace {

namespace fs = std::filesystem;

// An hour-aligned base time well inside the table's retention.
const int64_t kBase = [] {
  const int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  return (now / 3600'000 - 2) * 3600'000;
}();

class MetricQueryEngineTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    std::string pattern = (fs::temp_directory_path() / "heeler-metric-query-XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    dir_ = new fs::path(pattern);
    metrics_ = new core::Metrics();
    store::EmbeddedEngineConfig c;
    c.data_dir = *dir_;
    engine_ = store::make_embedded_engine(c, *metrics_).release();
    ASSERT_TRUE(engine_->start().ok());
    ASSERT_TRUE(store::migrate(*engine_, store::telemetry_migrations()).ok());

    pipeline::MetricBatch batch;
    auto add = [&](const char* metric, std::vector<std::string_view> tags,
                   pipeline::MetricKind kind, int64_t offset_s, double value, uint64_t weight = 1) {
      pipeline::MetricPoint p;
      p.metric = metric;
      p.tags = tags;
      p.kind = kind;
      p.timestamp_ms = kBase + offset_s * 1000;
      p.value = value;
      p.weight = weight;
      batch.append(p);
    };
    using K = pipeline::MetricKind;
    // cpu: three hosts, a point every 10 s over 2 minutes; host a = 10, b = 20, canary = 90.
    for (int s = 0; s < 120; s += 10) {
      add("cpu", {"host:a", "env:prod"}, K::gauge, s, 10);
      add("cpu", {"host:b", "env:prod"}, K::gauge, s, 20 + (s >= 60 ? 10 : 0));
      add("cpu", {"host:canary", "env:prod"}, K::gauge, s, 90);
      add("cpu", {"host:d", "env:dev"}, K::gauge, s, 50);
    }
    // requests: counts of 6 per 10 s on web, 3 on api; errors 1 per 10 s on web.
    for (int s = 0; s < 120; s += 10) {
      add("requests", {"service:web"}, K::count, s, 6);
      add("requests", {"service:api"}, K::count, s, 3);
      add("errors", {"service:web"}, K::count, s, 1);
    }
    // latency distribution: 99 samples at 10 ms and 1 at 1000 ms in the first minute.
    add("latency", {"service:web"}, K::distribution, 5, 10, 99);
    add("latency", {"service:web"}, K::distribution, 7, 1000, 1);
    // yesterday's requests for timeshift: 2 per 10 s a day earlier.
    for (int s = 0; s < 120; s += 10) add("requests", {"service:web"}, K::count, s - 86400, 2);
    ASSERT_TRUE(engine_->insert("metric_points", batch.points()).ok());
    ASSERT_TRUE(engine_->insert("metric_series", batch.series()).ok());

    // Spans for trace metrics: every 10 s, four web requests (server spans of 100–400 ms,
    // the fourth a 500 error) each with a db.query client child, and one api request
    // (a root span of 50 ms with no kind, as dd-trace sends a web span).
    pipeline::SpanBatch spans;
    const pipeline::Attribute ok_status[] = {{"http.status_code", "200"}};
    const pipeline::Attribute error_status[] = {{"http.status_code", "500"}};
    for (int s = 0; s < 120; s += 10) {
      for (uint64_t i = 0; i < 4; ++i) {
        const uint64_t id = static_cast<uint64_t>(s) * 10 + i + 1;
        pipeline::SpanRecord r;
        r.timestamp_ns = (kBase + s * 1000) * 1'000'000 + static_cast<int64_t>(i);
        r.duration_ns = (i + 1) * 100'000'000;
        r.trace_id = pipeline::trace_id_from_u64(0, id);
        r.span_id = pipeline::span_id_from_u64(id);
        r.parent_span_id = pipeline::span_id_from_u64(9'000'000 + id);  // a remote parent
        r.service = "web";
        r.env = "prod";
        r.name = "http.request";
        r.resource = i % 2 ? "GET /a" : "GET /b";
        r.kind = "server";
        r.error = i == 3;
        r.attributes = i == 3 ? std::span<const pipeline::Attribute>(error_status)
                              : std::span<const pipeline::Attribute>(ok_status);
        r.events_json = "[]";
        r.links_json = "[]";
        spans.append(r);
        pipeline::SpanRecord child = r;
        child.span_id = pipeline::span_id_from_u64(id + 100'000);
        child.parent_span_id = r.span_id;
        child.name = "db.query";
        child.kind = "client";
        child.error = false;
        child.attributes = {};
        spans.append(child);
      }
      pipeline::SpanRecord api;
      api.timestamp_ns = (kBase + s * 1000) * 1'000'000 + 7;
      api.duration_ns = 50'000'000;
      api.trace_id = pipeline::trace_id_from_u64(1, static_cast<uint64_t>(s) + 1);
      api.span_id = pipeline::span_id_from_u64(500'000 + static_cast<uint64_t>(s));
      api.service = "api";
      api.env = "prod";
      api.name = "http.request";
      api.resource = "POST /orders";
      api.events_json = "[]";
      api.links_json = "[]";
      spans.append(api);
    }
    ASSERT_TRUE(engine_->insert("spans", spans.columns()).ok());
  }
  static void TearDownTestSuite() {
    engine_->stop();
    delete engine_;
    delete metrics_;
    std::error_code ec;
    fs::remove_all(*dir_, ec);
    delete dir_;
  }

  // Runs a formula over [base, base + 2 min) with 60 s intervals; "group → values".
  std::map<std::string, std::vector<double>> run(std::string_view text,
                                                 const NamedQueries& named = {},
                                                 int64_t interval = 60) {
    ParsedMetricExpr parsed = parse_metric_expression(text);
    EXPECT_TRUE(parsed.ok()) << text << ": " << (parsed.error ? parsed.error->message : "");
    if (!parsed.ok()) return {};
    EngineMetricSource source(*engine_);
    auto series = evaluate(*parsed.root, {kBase, kBase + 120'000}, source, named, interval);
    EXPECT_TRUE(series.ok()) << text << ": " << series.status().to_string();
    std::map<std::string, std::vector<double>> out;
    if (!series.ok()) return out;
    for (const Series& s : *series) {
      std::string key;
      for (const auto& tag : s.tag_set()) key += (key.empty() ? "" : ",") + tag;
      out[key.empty() ? "*" : key] = s.values;
    }
    return out;
  }

  using Points = std::map<std::string, std::vector<double>>;
  static inline fs::path* dir_ = nullptr;
  static inline core::Metrics* metrics_ = nullptr;
  static inline store::Engine* engine_ = nullptr;
};

TEST_F(MetricQueryEngineTest, SpaceAndTimeAggregation) {
  EXPECT_EQ(run("avg:cpu{env:prod}"), (Points{{"*", {40, 43.333333333333336}}}));
  EXPECT_EQ(run("max:cpu{env:prod,!host:canary}"), (Points{{"*", {20, 30}}}));
  EXPECT_EQ(run("avg:cpu{env:prod} by {host}"),
            (Points{{"host:a", {10, 10}}, {"host:b", {20, 30}}, {"host:canary", {90, 90}}}));
  EXPECT_EQ(run("sum:cpu{host IN (a, b)}"), (Points{{"*", {30, 40}}}));
  EXPECT_EQ(run("avg:cpu{host:c*}"), (Points{{"*", {90, 90}}}));
  EXPECT_EQ(run("count:cpu{*}"), (Points{{"*", {4, 4}}}));
  EXPECT_EQ(run("avg:cpu{env:prod OR env:dev} by {env}"),
            (Points{{"env:dev", {50, 50}}, {"env:prod", {40, 43.333333333333336}}}));
  EXPECT_EQ(run("avg:cpu{host:nope}"), Points{});
  EXPECT_EQ(run("avg:no.such.metric{*}"), Points{});
}

TEST_F(MetricQueryEngineTest, CountsRatesAndRollups) {
  EXPECT_EQ(run("sum:requests{*}.as_count()"), (Points{{"*", {54, 54}}}));
  EXPECT_EQ(run("sum:requests{service:web}.as_rate()"), (Points{{"*", {0.6, 0.6}}}));
  EXPECT_EQ(run("sum:requests{*} by {service}"),
            (Points{{"service:api", {18, 18}}, {"service:web", {36, 36}}}));
  EXPECT_EQ(run("max:cpu{host:b}.rollup(max, 120)", {}, 120), (Points{{"*", {30}}}));
}

TEST_F(MetricQueryEngineTest, DistributionPercentilesUseEverySample) {
  auto p = run("p99:latency{service:web}");
  ASSERT_EQ(p.size(), 1u);
  EXPECT_EQ(p["*"][0], 10);  // the 99th percentile of 99×10 ms and 1×1000 ms
  EXPECT_TRUE(std::isnan(p["*"][1]));
  EXPECT_EQ(run("max:latency{*}")["*"][0], 1000);
  EXPECT_EQ(run("count:latency{*}")["*"][0], 100);
  EXPECT_NEAR(run("avg:latency{*}")["*"][0], 19.9, 1e-9);
}

TEST_F(MetricQueryEngineTest, FormulasAndFunctions) {
  EXPECT_EQ(run("sum:errors{*}.as_count() / sum:requests{service:web}.as_count() * 100"),
            (Points{{"*", {6.0 / 36 * 100, 6.0 / 36 * 100}}}));
  auto a = parse_metric_expression("sum:errors{*} by {service}");
  auto b = parse_metric_expression("sum:requests{*} by {service}");
  NamedQueries named{{"a", a.root.get()}, {"b", b.root.get()}};
  EXPECT_EQ(run("a / b", named), (Points{{"service:web", {1.0 / 6, 1.0 / 6}}}));
  EXPECT_EQ(run("cumsum(sum:requests{service:web})"), (Points{{"*", {36, 72}}}));
  EXPECT_EQ(run("per_second(sum:requests{service:web})"), (Points{{"*", {0.6, 0.6}}}));
  auto diff = run("diff(avg:cpu{host:b})");
  ASSERT_EQ(diff["*"].size(), 2u);
  EXPECT_TRUE(std::isnan(diff["*"][0]));
  EXPECT_EQ(diff["*"][1], 10);
  EXPECT_EQ(run("abs(-avg:cpu{host:a})"), (Points{{"*", {10, 10}}}));
  EXPECT_EQ(run("log10(sum:cpu{host:a})"), (Points{{"*", {1, 1}}}));
  EXPECT_EQ(run("day_before(sum:requests{service:web})"), (Points{{"*", {12, 12}}}));
  EXPECT_EQ(run("timeshift(sum:requests{service:web}, -86400)"), (Points{{"*", {12, 12}}}));
  EXPECT_EQ(run("calendar_shift(sum:requests{service:web}, '-1d')"), (Points{{"*", {12, 12}}}));
  EXPECT_EQ(run("top(avg:cpu{*} by {host}, 2, 'mean', 'desc')"),
            (Points{{"host:canary", {90, 90}}, {"host:d", {50, 50}}}));
  EXPECT_EQ(run("top(avg:cpu{*} by {host}, 1, 'max', 'asc')"), (Points{{"host:a", {10, 10}}}));
}

TEST_F(MetricQueryEngineTest, FiveMinuteIntervalsReadMergedRollupRows) {
  auto q = parse_metric_expression("avg:cpu{env:prod}");
  auto compiled = compile_metric_query(*q.root->query, {kBase, kBase + 600'000}, 300, "gauge");
  ASSERT_TRUE(compiled.ok());
  EXPECT_NE(compiled->sql.find("metric_rollup_5m FINAL"), std::string::npos) << compiled->sql;
  EXPECT_EQ(compiled->sql.find("GROUP BY series_id"), std::string::npos) << compiled->sql;
  auto avg = run("avg:cpu{env:prod}", {}, 300);
  ASSERT_EQ(avg["*"].size(), 1u);
  EXPECT_EQ(avg["*"][0], 125.0 / 3);
  EXPECT_EQ(run("max:cpu{*} by {host}.rollup(max, 300)", {}, 300)["host:b"][0], 30);
  EXPECT_EQ(run("sum:requests{*}.as_count()", {}, 300)["*"][0], 108);
  EXPECT_EQ(run("sum:requests{service:web}.as_rate()", {}, 300)["*"][0], 72.0 / 300);
  EXPECT_EQ(run("count:cpu{*}.rollup(count, 300)", {}, 300)["*"][0], 4);

  // Two inserts into one five-minute bucket leave two roll-up rows until a merge;
  // FINAL merges them as they are read.
  for (double v : {10.0, 30.0}) {
    pipeline::MetricBatch batch;
    const std::string_view tags[] = {"host:split"};
    pipeline::MetricPoint p;
    p.metric = "split";
    p.tags = tags;
    p.timestamp_ms = kBase + 20'000;
    p.value = v;
    batch.append(p);
    ASSERT_TRUE(engine_->insert("metric_points", batch.points()).ok());
    ASSERT_TRUE(engine_->insert("metric_series", batch.series()).ok());
  }
  EXPECT_EQ(run("avg:split{*}", {}, 300)["*"][0], 20);
  EXPECT_EQ(run("sum:split{*}.rollup(sum, 300)", {}, 300)["*"][0], 40);
  EXPECT_EQ(run("min:split{*}.rollup(min, 300)", {}, 300)["*"][0], 10);
}

TEST_F(MetricQueryEngineTest, WholeFiveMinuteIntervalsReadTheRollups) {
  auto q = parse_metric_expression("avg:cpu{env:prod}");
  auto compiled = compile_metric_query(*q.root->query, {kBase, kBase + 600'000}, 600, "gauge");
  ASSERT_TRUE(compiled.ok());
  EXPECT_EQ(compiled->source, "metric_rollup_5m");
  auto p95 = parse_metric_expression("avg:cpu{*}.rollup(p95, 600)");
  EXPECT_EQ(compile_metric_query(*p95.root->query, {kBase, kBase + 600'000}, 600, "gauge")->source,
            "metric_points");  // percentiles need the points
  EXPECT_EQ(compile_metric_query(*q.root->query, {kBase, kBase + 600'000}, 60, "gauge")->source,
            "metric_points");
  // The roll-ups give what the points give: (10 + 25 + 90) / 3 per host averages.
  EXPECT_EQ(run("avg:cpu{env:prod}", {}, 600), (Points{{"*", {125.0 / 3}}}));
  EXPECT_EQ(run("max:cpu{*} by {host}.rollup(max, 600)", {}, 600),
            (Points{{"host:a", {10}}, {"host:b", {30}}, {"host:canary", {90}}, {"host:d", {50}}}));
  EXPECT_EQ(run("sum:requests{*}.as_count()", {}, 600), (Points{{"*", {108}}}));
  EXPECT_EQ(run("sum:requests{service:web}.as_rate()", {}, 600), (Points{{"*", {0.12}}}));
  EXPECT_EQ(run("count:cpu{*}.rollup(count, 600)", {}, 600), (Points{{"*", {4}}}));
  // Distributions stay on their samples.
  EXPECT_EQ(run("p99:latency{*}", {}, 600)["*"][0], 10);
}

TEST_F(MetricQueryEngineTest, ReplayedInsertsAddNothingToTheRollups) {
  // The writer replays a WAL group with the same deduplication token after a crash;
  // the roll-up view must drop the replay along with its source block.
  pipeline::MetricBatch batch;
  const std::string_view tags[] = {"host:replay"};
  pipeline::MetricPoint p;
  p.metric = "replay.m";
  p.tags = tags;
  p.timestamp_ms = kBase;
  p.value = 7;
  batch.append(p);
  store::InsertOptions options;
  options.deduplication_token = "metric_points-replay-test";
  ASSERT_TRUE(engine_->insert("metric_points", batch.points(), options).ok());
  ASSERT_TRUE(engine_->insert("metric_points", batch.points(), options).ok());
  auto rows =
      engine_->query("SELECT sum(count), sum(sum) FROM metric_rollup_5m WHERE metric = 'replay.m'");
  ASSERT_TRUE(rows.ok()) << rows.status().to_string();
  EXPECT_EQ(rows->at(0, 0).as_uint64(), 1u);
  EXPECT_EQ(rows->at(0, 1).as_double(), 7);
}

TEST_F(MetricQueryEngineTest, TraceMetricsComeFromServiceEntrySpans) {
  EXPECT_EQ(run("sum:trace.http.request.hits{*} by {service}"),
            (Points{{"service:api", {6, 6}}, {"service:web", {24, 24}}}));
  EXPECT_EQ(run("sum:trace.http.request.errors{env:prod}"), (Points{{"*", {6, 6}}}));
  EXPECT_EQ(run("sum:trace.http.request.hits{service:web} by {http.status_code}"),
            (Points{{"http.status_code:200", {18, 18}}, {"http.status_code:500", {6, 6}}}));
  EXPECT_EQ(run("sum:trace.http.request.hits{service:web,http.status_code:500}.as_rate()"),
            (Points{{"*", {0.1, 0.1}}}));
  // The error rate as Datadog users write it.
  EXPECT_EQ(run("sum:trace.http.request.errors{service:web}.as_count() / "
                "sum:trace.http.request.hits{service:web}.as_count()"),
            (Points{{"*", {0.25, 0.25}}}));
  // Latency from the duration distribution, in seconds.
  auto avg = run("avg:trace.http.request{service:web}");
  ASSERT_EQ(avg.size(), 1u);
  EXPECT_NEAR(avg["*"][0], 0.25, 1e-9);
  EXPECT_NEAR(run("max:trace.http.request{service:web}")["*"][1], 0.4, 1e-9);
  auto p50 = run("p50:trace.http.request{service:web} by {resource}");
  EXPECT_NEAR(p50["resource:GET /b"][0], 0.2, 0.051);
  EXPECT_NEAR(run("sum:trace.http.request.duration{service:api}")["*"][0], 0.3, 1e-9);
  // Child spans are not service entry spans.
  EXPECT_EQ(run("sum:trace.db.query.hits{*}"), Points{});
}

TEST_F(MetricQueryEngineTest, BadFormulasAreErrors) {
  EngineMetricSource source(*engine_);
  auto unknown = parse_metric_expression("a * 2");
  auto r = evaluate(*unknown.root, {kBase, kBase + 60'000}, source);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("no query is named 'a'"), std::string::npos);
  auto top = parse_metric_expression("top(avg:cpu{*}, 1000)");
  EXPECT_FALSE(evaluate(*top.root, {kBase, kBase + 60'000}, source).ok());
  auto empty_range = parse_metric_expression("avg:cpu{*}");
  EXPECT_FALSE(evaluate(*empty_range.root, {kBase, kBase}, source).ok());
}

TEST(MetricIntervals, AFewHundredPointsPerSeries) {
  EXPECT_EQ(interval_for({0, 3600'000}), 20);             // 1 h → 180 points
  EXPECT_EQ(interval_for({0, 900'000}), 10);              // 15 m
  EXPECT_EQ(interval_for({0, 86400'000}), 300);           // 1 d → 288 points
  EXPECT_EQ(interval_for({0, 30 * 86400'000LL}), 14400);  // 30 d → 180 points
  EXPECT_EQ(interval_for({0, 3600'000}, 60), 60);         // .rollup(…, 60)
  EXPECT_GE(interval_for({0, 30 * 86400'000LL}, 1), 14400);
}

}  // namespace
}  // namespace heeler::query
