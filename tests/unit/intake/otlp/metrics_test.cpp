// OTLP metrics → MetricBatch: every kind, cumulative → delta across requests,
// histogram representatives and weights, summaries, rejected points.
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "otlp_test_util.h"

namespace heeler::intake::otlp::test {
namespace {

constexpr int64_t kSecond = 1'000'000'000;
constexpr int64_t kCreated = kNow - 5 * 3600 * kSecond;  // the converter's creation

class OtlpMetrics : public ::testing::Test {
 protected:
  std::vector<PointRow> convert(const MetricsRequest& request, ExportResult& result) {
    pipeline::MetricBatch batch;
    MetricContext context;
    context.deltas = &deltas;
    context.now_ns = kNow;
    convert_metrics(request, context, batch, result);
    EXPECT_TRUE(batch.points().validate().ok());
    EXPECT_TRUE(batch.series().validate().ok());
    return point_rows(batch);
  }
  std::vector<PointRow> convert(const MetricsRequest& request) {
    ExportResult result;
    std::vector<PointRow> rows = convert(request, result);
    EXPECT_EQ(result.rejected, 0u) << result.error_message;
    return rows;
  }

  pipeline::CumulativeToDelta deltas{kCreated};
};

metrics::Metric& add_metric(MetricsRequest& request, const std::string& name) {
  if (request.resource_metrics_size() == 0) {
    fill_resource(*request.add_resource_metrics()->mutable_resource());
    request.mutable_resource_metrics(0)->add_scope_metrics();
  }
  metrics::Metric* m = request.mutable_resource_metrics(0)->mutable_scope_metrics(0)->add_metrics();
  m->set_name(name);
  return *m;
}

template <typename Point>
Point& timed(Point* p, int64_t start, int64_t time) {
  p->set_start_time_unix_nano(start);
  p->set_time_unix_nano(time);
  return *p;
}

std::map<std::string, std::string> unified(std::map<std::string, std::string> extra = {}) {
  extra["service"] = "checkout";
  extra["env"] = "prod";
  extra["version"] = "1.2.3";
  extra["host"] = "web-1";
  return extra;
}

TEST_F(OtlpMetrics, CapturedJsBody) {
  const std::vector<std::string> bodies = captured_bodies("otel_httpjson_POST_v1_metrics.json");
  ASSERT_EQ(bodies.size(), 1u);
  MetricsRequest request;
  ASSERT_TRUE(parse_request(bodies[0], Encoding::json, request).ok());
  ExportResult result;
  const std::vector<PointRow> rows = convert(request, result);
  EXPECT_EQ(result.accepted, 5u);
  EXPECT_EQ(result.rejected, 0u);
  ASSERT_EQ(rows.size(), 7u);
  const std::map<std::string, std::string> tags = {
      {"service", "otel-svc"}, {"env", "capture-env"}, {"version", "2.0.0"}, {"host", "host-otel"}};
  auto with = [&](std::string key, std::string value) {
    auto t = tags;
    t[key] = value;
    return t;
  };
  // The counter started after the converter was created: its first value is whole.
  EXPECT_EQ(rows[0].metric, "requests.total");
  EXPECT_EQ(rows[0].kind, "count");
  EXPECT_EQ(rows[0].value, 5);
  EXPECT_EQ(rows[0].timestamp_ms, 1795318974822);
  EXPECT_EQ(rows[0].tags, with("route", "/a"));
  EXPECT_EQ(rows[1].metric, "queue.depth");
  EXPECT_EQ(rows[1].kind, "gauge");
  EXPECT_EQ(rows[1].value, -2);
  EXPECT_EQ(rows[1].tags, with("q", "x"));
  // One observation (123) in (100, 250]; min and max pin the representative.
  EXPECT_EQ(rows[2].metric, "latency.ms");
  EXPECT_EQ(rows[2].kind, "distribution");
  EXPECT_EQ(rows[2].value, 123);
  EXPECT_EQ(rows[2].weight, 1u);
  EXPECT_EQ(rows[3].metric, "latency.ms.count");
  EXPECT_EQ(rows[3].kind, "count");
  EXPECT_EQ(rows[3].value, 1);
  EXPECT_EQ(rows[4].metric, "latency.ms.sum");
  EXPECT_EQ(rows[4].value, 123);
  EXPECT_EQ(rows[4].tags, with("route", "/a"));
  EXPECT_EQ(rows[5].metric, "temp.c");
  EXPECT_EQ(rows[5].value, 21.5);
  EXPECT_EQ(rows[5].tags, with("room", "r1"));
  EXPECT_EQ(rows[6].metric, "mem.bytes");
  EXPECT_EQ(rows[6].value, 1024);
  EXPECT_EQ(rows[6].tags, with("kind", "heap"));

  // The SDK sends the same cumulative points again next interval: nothing new.
  ExportResult again;
  const std::vector<PointRow> repeat = convert(request, again);
  EXPECT_EQ(again.accepted, 5u);
  EXPECT_EQ(repeat.size(), 3u);  // the gauges
}

TEST_F(OtlpMetrics, GaugesIntAndDouble) {
  MetricsRequest request;
  metrics::Metric& m = add_metric(request, "cpu");
  metrics::NumberDataPoint& a = timed(m.mutable_gauge()->add_data_points(), 0, kNow - kSecond);
  a.set_as_double(0.75);
  add_string(*a.mutable_attributes(), "core", "0");
  add_int(*a.mutable_attributes(), "socket", 1);
  timed(m.mutable_gauge()->add_data_points(), 0, kNow).set_as_int(-3);
  const std::vector<PointRow> rows = convert(request);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].kind, "gauge");
  EXPECT_EQ(rows[0].value, 0.75);
  EXPECT_EQ(rows[0].timestamp_ms, (kNow - kSecond) / 1'000'000);
  EXPECT_EQ(rows[0].tags, unified({{"core", "0"}, {"socket", "1"}}));
  EXPECT_EQ(rows[1].value, -3);
  EXPECT_EQ(rows[1].tags, unified());
}

TEST_F(OtlpMetrics, DeltaMonotonicSumIsACountAndUpDownIsAGauge) {
  MetricsRequest request;
  metrics::Metric& counter = add_metric(request, "hits");
  counter.mutable_sum()->set_is_monotonic(true);
  counter.mutable_sum()->set_aggregation_temporality(metrics::AGGREGATION_TEMPORALITY_DELTA);
  timed(counter.mutable_sum()->add_data_points(), kNow - 10 * kSecond, kNow).set_as_int(7);
  metrics::Metric& updown = add_metric(request, "inflight");
  updown.mutable_sum()->set_aggregation_temporality(metrics::AGGREGATION_TEMPORALITY_CUMULATIVE);
  timed(updown.mutable_sum()->add_data_points(), kNow - 10 * kSecond, kNow).set_as_double(-4);
  const std::vector<PointRow> rows = convert(request);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].kind, "count");
  EXPECT_EQ(rows[0].value, 7);
  EXPECT_EQ(rows[1].kind, "gauge");
  EXPECT_EQ(rows[1].value, -4);
}

TEST_F(OtlpMetrics, CumulativeSumBecomesDeltasAcrossRequestsWithReset) {
  const int64_t start = kCreated - 60 * kSecond;  // began before the converter
  auto request_with = [&](int64_t point_start, int64_t time, double value) {
    MetricsRequest request;
    metrics::Metric& m = add_metric(request, "requests");
    m.mutable_sum()->set_is_monotonic(true);
    m.mutable_sum()->set_aggregation_temporality(metrics::AGGREGATION_TEMPORALITY_CUMULATIVE);
    metrics::NumberDataPoint& p = timed(m.mutable_sum()->add_data_points(), point_start, time);
    p.set_as_double(value);
    add_string(*p.mutable_attributes(), "route", "/a");
    return request;
  };
  EXPECT_TRUE(convert(request_with(start, kNow - 30 * kSecond, 100)).empty());  // baseline
  std::vector<PointRow> rows = convert(request_with(start, kNow - 20 * kSecond, 130));
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].kind, "count");
  EXPECT_EQ(rows[0].value, 30);
  EXPECT_EQ(rows[0].tags, unified({{"route", "/a"}}));
  EXPECT_TRUE(convert(request_with(start, kNow - 20 * kSecond, 130)).empty());  // a retry
  // The process restarted: a new start time, counted from zero again.
  rows = convert(request_with(kNow - 15 * kSecond, kNow - 10 * kSecond, 4));
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].value, 4);
  rows = convert(request_with(kNow - 15 * kSecond, kNow - 5 * kSecond, 9));
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].value, 5);
  // A drop without a new start time is a reset too.
  rows = convert(request_with(kNow - 15 * kSecond, kNow, 2));
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].value, 2);
}

TEST_F(OtlpMetrics, CumulativeSeriesAreKeptApartByTags) {
  MetricsRequest request;
  metrics::Metric& m = add_metric(request, "requests");
  m.mutable_sum()->set_is_monotonic(true);
  m.mutable_sum()->set_aggregation_temporality(metrics::AGGREGATION_TEMPORALITY_CUMULATIVE);
  for (const char* route : {"/a", "/b"}) {
    metrics::NumberDataPoint& p =
        timed(m.mutable_sum()->add_data_points(), kNow - 5 * kSecond, kNow);
    p.set_as_int(route[1] == 'a' ? 3 : 8);
    add_string(*p.mutable_attributes(), "route", route);
  }
  const std::vector<PointRow> rows = convert(request);  // started after creation: whole
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].value, 3);
  EXPECT_EQ(rows[1].value, 8);
  EXPECT_EQ(deltas.size(), 2u);
}

// Bounds [0, 5, 10]: buckets (-inf,0], (0,5], (5,10], (10,+inf).
TEST_F(OtlpMetrics, DeltaHistogramBucketsAndWeights) {
  MetricsRequest request;
  metrics::Metric& m = add_metric(request, "latency");
  m.mutable_histogram()->set_aggregation_temporality(metrics::AGGREGATION_TEMPORALITY_DELTA);
  metrics::HistogramDataPoint& p =
      timed(m.mutable_histogram()->add_data_points(), kNow - kSecond, kNow);
  for (double b : {0.0, 5.0, 10.0}) p.add_explicit_bounds(b);
  for (uint64_t c : {1, 2, 0, 3}) p.add_bucket_counts(c);
  p.set_count(6);
  p.set_sum(70);
  p.set_min(-1);
  p.set_max(40);
  metrics::HistogramDataPoint& bare = timed(m.mutable_histogram()->add_data_points(), 0, kNow);
  for (double b : {2.0, 4.0}) bare.add_explicit_bounds(b);
  for (uint64_t c : {1, 1, 1}) bare.add_bucket_counts(c);
  bare.set_count(3);  // no sum, min or max
  const std::vector<PointRow> rows = convert(request);
  ASSERT_EQ(rows.size(), 5u + 4u);
  EXPECT_EQ(rows[0].kind, "distribution");
  EXPECT_EQ(rows[0].value, -1);  // the minimum
  EXPECT_EQ(rows[0].weight, 1u);
  EXPECT_EQ(rows[1].value, 2.5);
  EXPECT_EQ(rows[1].weight, 2u);
  EXPECT_EQ(rows[2].value, 40);  // the maximum
  EXPECT_EQ(rows[2].weight, 3u);
  EXPECT_EQ(rows[3].metric, "latency.count");
  EXPECT_EQ(rows[3].kind, "count");
  EXPECT_EQ(rows[3].value, 6);
  EXPECT_EQ(rows[4].metric, "latency.sum");
  EXPECT_EQ(rows[4].value, 70);
  EXPECT_EQ(rows[5].value, 1);  // half the first bound
  EXPECT_EQ(rows[6].value, 3);
  EXPECT_EQ(rows[7].value, 4);  // the last bound
  EXPECT_EQ(rows[8].metric, "latency.count");
  EXPECT_EQ(rows[8].value, 3);
}

TEST_F(OtlpMetrics, HistogramFirstBucketWithANonPositiveBound) {
  MetricsRequest request;
  metrics::Metric& m = add_metric(request, "t");
  m.mutable_histogram()->set_aggregation_temporality(metrics::AGGREGATION_TEMPORALITY_DELTA);
  metrics::HistogramDataPoint& p = timed(m.mutable_histogram()->add_data_points(), 0, kNow);
  p.add_explicit_bounds(-5);
  p.add_bucket_counts(2);
  p.add_bucket_counts(0);
  p.set_count(2);
  const std::vector<PointRow> rows = convert(request);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].value, -5);
  EXPECT_EQ(rows[0].weight, 2u);
}

TEST_F(OtlpMetrics, CumulativeHistogramBecomesDeltasWithReset) {
  const int64_t start = kCreated - kSecond;
  auto request_with = [&](int64_t point_start, int64_t time, std::vector<uint64_t> counts,
                          double sum) {
    MetricsRequest request;
    metrics::Metric& m = add_metric(request, "size");
    m.mutable_histogram()->set_aggregation_temporality(metrics::AGGREGATION_TEMPORALITY_CUMULATIVE);
    metrics::HistogramDataPoint& p =
        timed(m.mutable_histogram()->add_data_points(), point_start, time);
    p.add_explicit_bounds(10);
    p.add_explicit_bounds(20);
    uint64_t total = 0;
    for (uint64_t c : counts) {
      p.add_bucket_counts(c);
      total += c;
    }
    p.set_count(total);
    p.set_sum(sum);
    return request;
  };
  EXPECT_TRUE(convert(request_with(start, kNow - 20 * kSecond, {1, 2, 0}, 35)).empty());
  std::vector<PointRow> rows = convert(request_with(start, kNow - 10 * kSecond, {1, 5, 2}, 140));
  ASSERT_EQ(rows.size(), 4u);
  EXPECT_EQ(rows[0].value, 15);
  EXPECT_EQ(rows[0].weight, 3u);
  EXPECT_EQ(rows[1].value, 20);  // overflow bucket without max: the last bound
  EXPECT_EQ(rows[1].weight, 2u);
  EXPECT_EQ(rows[2].metric, "size.count");
  EXPECT_EQ(rows[2].value, 5);
  EXPECT_EQ(rows[3].metric, "size.sum");
  EXPECT_EQ(rows[3].value, 105);
  // Reset: the process restarted with a new start time.
  rows = convert(request_with(kNow - 5 * kSecond, kNow, {2, 0, 0}, 8));
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0].value, 5);
  EXPECT_EQ(rows[0].weight, 2u);
  EXPECT_EQ(rows[1].value, 2);
  EXPECT_EQ(rows[2].value, 8);
}

TEST_F(OtlpMetrics, ExponentialHistogramRepresentatives) {
  MetricsRequest request;
  metrics::Metric& m = add_metric(request, "exp");
  m.mutable_exponential_histogram()->set_aggregation_temporality(
      metrics::AGGREGATION_TEMPORALITY_DELTA);
  metrics::ExponentialHistogramDataPoint& p =
      timed(m.mutable_exponential_histogram()->add_data_points(), 0, kNow);
  p.set_scale(0);  // base 2
  p.set_zero_count(5);
  p.mutable_positive()->set_offset(0);
  p.mutable_positive()->add_bucket_counts(1);  // (1, 2]
  p.mutable_positive()->add_bucket_counts(0);
  p.mutable_positive()->add_bucket_counts(2);  // (4, 8]
  p.mutable_negative()->set_offset(-1);
  p.mutable_negative()->add_bucket_counts(4);  // -(0.5, 1]
  p.set_count(12);
  p.set_sum(3);
  metrics::ExponentialHistogramDataPoint& fine =
      timed(m.mutable_exponential_histogram()->add_data_points(), 0, kNow);
  fine.set_scale(2);  // base 2^(1/4)
  fine.mutable_positive()->set_offset(4);
  fine.mutable_positive()->add_bucket_counts(7);  // (2, 2^(5/4)]
  fine.set_count(7);
  const std::vector<PointRow> rows = convert(request);
  ASSERT_EQ(rows.size(), 6u + 2u);
  EXPECT_EQ(rows[0].kind, "distribution");
  EXPECT_EQ(rows[0].value, 0);
  EXPECT_EQ(rows[0].weight, 5u);
  EXPECT_DOUBLE_EQ(rows[1].value, 2.0 * 1 * 2 / 3);
  EXPECT_EQ(rows[1].weight, 1u);
  EXPECT_DOUBLE_EQ(rows[2].value, 2.0 * 4 * 8 / 12);
  EXPECT_EQ(rows[2].weight, 2u);
  EXPECT_DOUBLE_EQ(rows[3].value, -(2.0 * 0.5 * 1 / 1.5));
  EXPECT_EQ(rows[3].weight, 4u);
  EXPECT_EQ(rows[4].metric, "exp.count");
  EXPECT_EQ(rows[4].value, 12);
  EXPECT_EQ(rows[5].metric, "exp.sum");
  EXPECT_EQ(rows[5].value, 3);
  const double lo = 2, hi = std::pow(2.0, 1.25);
  EXPECT_NEAR(rows[6].value, 2 * lo * hi / (lo + hi), 1e-12);
  EXPECT_GT(rows[6].value, lo);
  EXPECT_LT(rows[6].value, hi);
  EXPECT_EQ(rows[6].weight, 7u);
  EXPECT_EQ(rows[7].metric, "exp.count");
}

TEST_F(OtlpMetrics, CumulativeExponentialHistogram) {
  auto request_with = [&](int64_t time, uint64_t zero, uint64_t bucket) {
    MetricsRequest request;
    metrics::Metric& m = add_metric(request, "exp");
    m.mutable_exponential_histogram()->set_aggregation_temporality(
        metrics::AGGREGATION_TEMPORALITY_CUMULATIVE);
    metrics::ExponentialHistogramDataPoint& p =
        timed(m.mutable_exponential_histogram()->add_data_points(), kCreated - kSecond, time);
    p.set_scale(1);
    p.set_zero_count(zero);
    p.mutable_positive()->set_offset(2);
    p.mutable_positive()->add_bucket_counts(bucket);
    p.set_count(zero + bucket);
    return request;
  };
  EXPECT_TRUE(convert(request_with(kNow - 10 * kSecond, 1, 1)).empty());
  const std::vector<PointRow> rows = convert(request_with(kNow, 1, 4));
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_NEAR(rows[0].value, 2 * 2 * std::sqrt(8.0) / (2 + std::sqrt(8.0)), 1e-12);
  EXPECT_EQ(rows[0].weight, 3u);
  EXPECT_EQ(rows[1].metric, "exp.count");
  EXPECT_EQ(rows[1].value, 3);
}

TEST_F(OtlpMetrics, SummaryCountSumAndQuantiles) {
  auto request_with = [&](int64_t time, uint64_t count, double sum) {
    MetricsRequest request;
    metrics::Metric& m = add_metric(request, "rpc");
    metrics::SummaryDataPoint& p =
        timed(m.mutable_summary()->add_data_points(), kNow - 60 * kSecond, time);
    p.set_count(count);
    p.set_sum(sum);
    add_string(*p.mutable_attributes(), "method", "get");
    for (auto [q, v] : {std::pair{0.5, 1.5}, std::pair{0.99, 9.0}, std::pair{1.0, 12.0}}) {
      auto* qv = p.add_quantile_values();
      qv->set_quantile(q);
      qv->set_value(v);
    }
    return request;
  };
  // Started after the converter: the first count and sum are whole.
  std::vector<PointRow> rows = convert(request_with(kNow - 10 * kSecond, 10, 20));
  ASSERT_EQ(rows.size(), 5u);
  EXPECT_EQ(rows[0].metric, "rpc.count");
  EXPECT_EQ(rows[0].kind, "count");
  EXPECT_EQ(rows[0].value, 10);
  EXPECT_EQ(rows[1].metric, "rpc.sum");
  EXPECT_EQ(rows[1].value, 20);
  EXPECT_EQ(rows[2].metric, "rpc.quantile");
  EXPECT_EQ(rows[2].kind, "gauge");
  EXPECT_EQ(rows[2].value, 1.5);
  EXPECT_EQ(rows[2].tags, unified({{"method", "get"}, {"quantile", "0.5"}}));
  EXPECT_EQ(rows[3].tags.at("quantile"), "0.99");
  EXPECT_EQ(rows[3].value, 9);
  EXPECT_EQ(rows[4].tags.at("quantile"), "1");
  rows = convert(request_with(kNow, 16, 50));
  ASSERT_EQ(rows.size(), 5u);
  EXPECT_EQ(rows[0].value, 6);
  EXPECT_EQ(rows[1].value, 30);
}

TEST_F(OtlpMetrics, PointsWithoutValuesAreRejectedAndCounted) {
  MetricsRequest request;
  metrics::Metric& m = add_metric(request, "g");
  timed(m.mutable_gauge()->add_data_points(), 0, kNow).set_as_double(1);
  metrics::NumberDataPoint& flagged = timed(m.mutable_gauge()->add_data_points(), 0, kNow);
  flagged.set_as_double(2);
  flagged.set_flags(metrics::DATA_POINT_FLAGS_NO_RECORDED_VALUE_MASK);
  timed(m.mutable_gauge()->add_data_points(), 0, kNow).set_as_double(std::nan(""));
  timed(m.mutable_gauge()->add_data_points(), 0, kNow).set_as_double(INFINITY);
  timed(m.mutable_gauge()->add_data_points(), 0, kNow);  // no value at all
  metrics::Metric& h = add_metric(request, "h");
  h.mutable_histogram()->set_aggregation_temporality(metrics::AGGREGATION_TEMPORALITY_DELTA);
  metrics::HistogramDataPoint& mismatched =
      timed(h.mutable_histogram()->add_data_points(), 0, kNow);
  mismatched.add_explicit_bounds(1);
  mismatched.add_bucket_counts(1);
  metrics::HistogramDataPoint& unsorted = timed(h.mutable_histogram()->add_data_points(), 0, kNow);
  for (double b : {5.0, 1.0}) unsorted.add_explicit_bounds(b);
  for (uint64_t c : {1, 1, 1}) unsorted.add_bucket_counts(c);
  metrics::HistogramDataPoint& no_value = timed(h.mutable_histogram()->add_data_points(), 0, kNow);
  no_value.set_flags(1);
  metrics::Metric& unspecified = add_metric(request, "u");
  unspecified.mutable_sum()->set_is_monotonic(true);
  timed(unspecified.mutable_sum()->add_data_points(), 0, kNow).set_as_int(1);
  metrics::Metric& nameless = add_metric(request, "");
  timed(nameless.mutable_gauge()->add_data_points(), 0, kNow).set_as_int(1);
  metrics::Metric& e = add_metric(request, "e");
  e.mutable_exponential_histogram()->set_aggregation_temporality(
      metrics::AGGREGATION_TEMPORALITY_DELTA);
  timed(e.mutable_exponential_histogram()->add_data_points(), 0, kNow).set_scale(21);
  ExportResult result;
  const std::vector<PointRow> rows = convert(request, result);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].value, 1);
  EXPECT_EQ(result.accepted, 1u);
  EXPECT_EQ(result.rejected, 10u);
  EXPECT_NE(result.error_message.find("metric \"g\" point 1: no recorded value"), std::string::npos)
      << result.error_message;
  EXPECT_NE(result.error_message.find("metric \"g\" point 2: value is not a finite number"),
            std::string::npos);
}

TEST_F(OtlpMetrics, HistogramRejectionReasons) {
  MetricsRequest request;
  metrics::Metric& h = add_metric(request, "h");
  h.mutable_histogram()->set_aggregation_temporality(metrics::AGGREGATION_TEMPORALITY_DELTA);
  metrics::HistogramDataPoint& mismatched =
      timed(h.mutable_histogram()->add_data_points(), 0, kNow);
  mismatched.add_explicit_bounds(1);
  mismatched.add_bucket_counts(1);
  ExportResult result;
  convert(request, result);
  EXPECT_EQ(result.error_message,
            "metric \"h\" point 0: 1 bucket counts for 1 explicit bounds (expected 2)");
}

TEST_F(OtlpMetrics, CumulativeWithoutAConverterIsRejected) {
  MetricsRequest request;
  metrics::Metric& m = add_metric(request, "c");
  m.mutable_sum()->set_is_monotonic(true);
  m.mutable_sum()->set_aggregation_temporality(metrics::AGGREGATION_TEMPORALITY_CUMULATIVE);
  timed(m.mutable_sum()->add_data_points(), kNow - kSecond, kNow).set_as_int(1);
  pipeline::MetricBatch batch;
  ExportResult result;
  convert_metrics(request, MetricContext{nullptr, kNow}, batch, result);
  EXPECT_EQ(batch.size(), 0u);
  EXPECT_EQ(result.rejected, 1u);
}

TEST_F(OtlpMetrics, AbsurdTimesBecomeNow) {
  MetricsRequest request;
  metrics::Metric& m = add_metric(request, "g");
  timed(m.mutable_gauge()->add_data_points(), 0, 0).set_as_int(1);
  timed(m.mutable_gauge()->add_data_points(), 0, 1000).set_as_int(2);
  timed(m.mutable_gauge()->add_data_points(), 0, kNow + 2 * 86'400 * kSecond).set_as_int(3);
  ExportResult result;
  const std::vector<PointRow> rows = convert(request, result);
  ASSERT_EQ(rows.size(), 3u);
  for (const PointRow& r : rows) EXPECT_EQ(r.timestamp_ms, kNow / 1'000'000);
  EXPECT_EQ(result.clamped, 3u);
}

TEST_F(OtlpMetrics, ProtobufRoundTrip) {
  MetricsRequest request;
  metrics::Metric& m = add_metric(request, "jobs");
  m.mutable_sum()->set_is_monotonic(true);
  m.mutable_sum()->set_aggregation_temporality(metrics::AGGREGATION_TEMPORALITY_DELTA);
  metrics::NumberDataPoint& p = timed(m.mutable_sum()->add_data_points(), kNow - kSecond, kNow);
  p.set_as_int(9);
  common::KeyValue* list = p.add_attributes();
  list->set_key("queues");
  list->mutable_value()->mutable_array_value()->add_values()->set_string_value("a");
  const std::string wire = request.SerializeAsString();
  MetricsRequest parsed;
  ASSERT_TRUE(parse_request(wire, Encoding::protobuf, parsed).ok());
  const std::vector<PointRow> rows = convert(parsed);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].value, 9);
  EXPECT_EQ(rows[0].tags, unified({{"queues", R"(["a"])"}}));
}

}  // namespace
}  // namespace heeler::intake::otlp::test
