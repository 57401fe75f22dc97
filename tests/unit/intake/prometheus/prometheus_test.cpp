#include "intake/prometheus/prometheus.h"

#include <gtest/gtest.h>
#include <snappy.h>

#include <bit>
#include <chrono>
#include <cmath>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "../dogstatsd/capture_consumer.h"
#include "intake/prometheus/decode.h"

namespace heeler::intake {
namespace {

using ::prometheus::Histogram;
using ::prometheus::MetricMetadata;
using ::prometheus::TimeSeries;
using prometheus::WriteRequest;

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

const double kStaleNaN = std::bit_cast<double>(uint64_t{0x7ff0000000000002});

TimeSeries* add_series(WriteRequest& request, const std::string& name,
                       const std::vector<std::pair<std::string, std::string>>& labels = {}) {
  TimeSeries* ts = request.add_timeseries();
  if (!name.empty()) {
    auto* l = ts->add_labels();
    l->set_name("__name__");
    l->set_value(name);
  }
  for (const auto& [k, v] : labels) {
    auto* l = ts->add_labels();
    l->set_name(k);
    l->set_value(v);
  }
  return ts;
}

void add_sample(TimeSeries* ts, int64_t ms, double value) {
  auto* s = ts->add_samples();
  s->set_timestamp(ms);
  s->set_value(value);
}

void add_metadata(WriteRequest& request, const std::string& family,
                  MetricMetadata::MetricType type) {
  auto* m = request.add_metadata();
  m->set_metric_family_name(family);
  m->set_type(type);
}

std::string serialize(const WriteRequest& request) {
  std::string raw;
  EXPECT_TRUE(request.SerializeToString(&raw));
  return raw;
}

std::string snappy_body(const WriteRequest& request) {
  const std::string raw = serialize(request);
  std::string out;
  snappy::Compress(raw.data(), raw.size(), &out);
  return out;
}

// The decoder alone, with its own converter and metadata.
class PrometheusDecodeTest : public ::testing::Test {
 protected:
  // Converts `request` (remembering its metadata) and captures the batch.
  prometheus::WriteResult convert(const WriteRequest& request) {
    metadata.remember(request);
    prometheus::ConvertContext context;
    context.deltas = &deltas;
    context.deltas_created_ns = created_ns;
    context.metadata = &metadata;
    context.now_ns = now_ms() * 1'000'000;
    pipeline::MetricBatch batch;
    prometheus::WriteResult result;
    prometheus::convert_write_request(request, context, batch, result);
    EXPECT_EQ(batch.size(), result.points);
    EXPECT_TRUE(batch.points().validate().ok());
    EXPECT_TRUE(batch.series().validate().ok());
    last_batch_series_rows = batch.series().rows();
    if (batch.size() > 0) {
      EXPECT_TRUE(consumer.consume_metrics(std::move(batch)).ok());
    }
    return result;
  }

  int64_t created_ns = (now_ms() - 3'600'000) * 1'000'000;
  pipeline::CumulativeToDelta deltas{created_ns};
  prometheus::MetadataCache metadata;
  CaptureConsumer consumer;
  size_t last_batch_series_rows = 0;
  const int64_t t0 = now_ms() - 600'000;
};

TEST_F(PrometheusDecodeTest, GaugeLabelsBecomeTagsAndServiceColumns) {
  WriteRequest request;
  TimeSeries* ts = add_series(request, "node_load1",
                              {{"env", "prod"},
                               {"host", "h1"},
                               {"instance", "10.0.0.1:9100"},
                               {"job", "node"},
                               {"service", "web"},
                               {"empty", ""}});
  add_sample(ts, t0, 0.75);
  add_sample(ts, t0 + 15'000, 1.25);

  metadata.remember(request);
  prometheus::ConvertContext context{&deltas, created_ns, &metadata, now_ms() * 1'000'000};
  pipeline::MetricBatch batch;
  prometheus::WriteResult result;
  prometheus::convert_write_request(request, context, batch, result);
  EXPECT_EQ(result.samples, 2u);
  EXPECT_EQ(result.points, 2u);
  EXPECT_EQ(result.rejected, 0u);
  // The series row takes service/env/host from the tags.
  using namespace store;
  const auto& series = batch.series().columns();
  ASSERT_EQ(batch.series().rows(), 1u);
  EXPECT_EQ(std::get<StringColumn>(series[3].data).at(0), "web");
  EXPECT_EQ(std::get<StringColumn>(series[4].data).at(0), "prod");
  EXPECT_EQ(std::get<StringColumn>(series[5].data).at(0), "h1");
  ASSERT_TRUE(consumer.consume_metrics(std::move(batch)).ok());

  ASSERT_EQ(consumer.points.size(), 2u);
  const CapturedPoint& p = consumer.points[0];
  EXPECT_EQ(p.metric, "node_load1");
  EXPECT_EQ(p.kind, "gauge");
  EXPECT_EQ(p.timestamp_ms, t0);
  EXPECT_EQ(p.value, 0.75);
  EXPECT_EQ(p.weight, 1u);
  const std::map<std::string, std::string> tags = {{"env", "prod"},
                                                   {"host", "h1"},
                                                   {"instance", "10.0.0.1:9100"},
                                                   {"job", "node"},
                                                   {"service", "web"}};
  EXPECT_EQ(p.tags, tags);
  EXPECT_EQ(consumer.points[1].value, 1.25);
  EXPECT_EQ(consumer.points[1].timestamp_ms, t0 + 15'000);
}

TEST_F(PrometheusDecodeTest, CounterDeltasAcrossRequestsWithReset) {
  auto request = [&](int64_t ms, double value) {
    WriteRequest r;
    add_sample(add_series(r, "http_requests_total", {{"code", "200"}, {"job", "api"}}), ms, value);
    return r;
  };
  // First sample: a baseline (Prometheus sends no start time), nothing stored.
  prometheus::WriteResult r1 = convert(request(t0, 100));
  EXPECT_EQ(r1.samples, 1u);
  EXPECT_EQ(r1.points, 0u);
  EXPECT_EQ(convert(request(t0 + 15'000, 130)).points, 1u);
  EXPECT_EQ(convert(request(t0 + 15'000, 130)).points, 0u);  // a retry stores nothing
  EXPECT_EQ(convert(request(t0 + 30'000, 7)).points, 1u);    // reset: counted from zero
  EXPECT_EQ(convert(request(t0 + 45'000, 7)).points, 1u);
  auto points = consumer.find("http_requests_total", {{"code", "200"}});
  ASSERT_EQ(points.size(), 3u);
  EXPECT_EQ(points[0].kind, "count");
  EXPECT_EQ(points[0].value, 30);
  EXPECT_EQ(points[0].timestamp_ms, t0 + 15'000);
  EXPECT_EQ(points[1].value, 7);
  EXPECT_EQ(points[2].value, 0);
  EXPECT_EQ(points[2].tags.at("job"), "api");
}

TEST_F(PrometheusDecodeTest, SeveralSamplesOfOneCounterInOneRequest) {
  WriteRequest r;
  TimeSeries* ts = add_series(r, "jobs_processed_count");
  add_sample(ts, t0, 5);
  add_sample(ts, t0 + 1000, 8);
  add_sample(ts, t0 + 2000, 12);
  EXPECT_EQ(convert(r).points, 2u);
  ASSERT_EQ(consumer.points.size(), 2u);
  EXPECT_EQ(consumer.points[0].value, 3);
  EXPECT_EQ(consumer.points[1].value, 4);
  EXPECT_EQ(consumer.points[1].kind, "count");
}

TEST_F(PrometheusDecodeTest, StaleMarkersAndNaNAreSkipped) {
  WriteRequest r;
  TimeSeries* gauge = add_series(r, "temperature");
  add_sample(gauge, t0, 21.5);
  add_sample(gauge, t0 + 1000, kStaleNaN);
  add_sample(gauge, t0 + 2000, std::numeric_limits<double>::quiet_NaN());
  add_sample(gauge, t0 + 3000, 22);
  TimeSeries* counter = add_series(r, "bytes_total");
  add_sample(counter, t0, 10);
  add_sample(counter, t0 + 1000, kStaleNaN);
  add_sample(counter, t0 + 2000, 25);
  prometheus::WriteResult result = convert(r);
  EXPECT_TRUE(prometheus::is_stale_marker(kStaleNaN));
  EXPECT_FALSE(prometheus::is_stale_marker(std::numeric_limits<double>::quiet_NaN()));
  EXPECT_EQ(result.stale, 2u);
  EXPECT_EQ(result.nan, 1u);
  EXPECT_EQ(result.samples, 4u);
  EXPECT_EQ(result.rejected, 0u);
  auto temps = consumer.find("temperature");
  ASSERT_EQ(temps.size(), 2u);
  EXPECT_EQ(temps[1].value, 22);
  auto bytes = consumer.find("bytes_total");
  ASSERT_EQ(bytes.size(), 1u);
  EXPECT_EQ(bytes[0].value, 15);
}

TEST_F(PrometheusDecodeTest, SeriesWithoutNameAndBadTimestampsAreRejected) {
  WriteRequest r;
  add_sample(add_series(r, "", {{"job", "x"}}), t0, 1);
  TimeSeries* ts = add_series(r, "ok_gauge");
  add_sample(ts, -5, 1);
  add_sample(ts, now_ms() + 3 * 86'400'000LL, 2);
  add_sample(ts, t0, 3);
  TimeSeries* bad_label = add_series(r, "m", {{"", "v"}});
  add_sample(bad_label, t0, 1);
  prometheus::WriteResult result = convert(r);
  EXPECT_EQ(result.rejected, 4u);
  EXPECT_EQ(result.by_reason["missing_name"], 1u);
  EXPECT_EQ(result.by_reason["bad_timestamp"], 2u);
  EXPECT_EQ(result.by_reason["bad_label"], 1u);
  ASSERT_FALSE(result.errors.empty());
  EXPECT_EQ(result.errors[0], "timeseries[0]: no __name__ label");
  EXPECT_EQ(result.points, 1u);
  EXPECT_EQ(consumer.points.at(0).value, 3);
}

TEST_F(PrometheusDecodeTest, SuffixHeuristicsWithoutMetadata) {
  EXPECT_TRUE(prometheus::is_cumulative("a_total", nullptr));
  EXPECT_TRUE(prometheus::is_cumulative("a_count", nullptr));
  EXPECT_TRUE(prometheus::is_cumulative("a_sum", nullptr));
  EXPECT_TRUE(prometheus::is_cumulative("a_bucket", nullptr));
  EXPECT_FALSE(prometheus::is_cumulative("up", nullptr));
  EXPECT_FALSE(prometheus::is_cumulative("a_created", nullptr));
  EXPECT_FALSE(prometheus::is_cumulative("total", nullptr));
}

TEST_F(PrometheusDecodeTest, MetadataDecidesTheType) {
  WriteRequest md;
  add_metadata(md, "requests", MetricMetadata::COUNTER);         // counter, no suffix
  add_metadata(md, "temperature_total", MetricMetadata::GAUGE);  // gauge despite _total
  add_metadata(md, "latency", MetricMetadata::HISTOGRAM);        // classic histogram
  add_metadata(md, "rpc", MetricMetadata::SUMMARY);              // quantiles are gauges
  add_metadata(md, "queue", MetricMetadata::GAUGEHISTOGRAM);     // buckets are gauges
  add_metadata(md, "things_count", MetricMetadata::UNKNOWN);     // untyped: suffix rules
  add_metadata(md, "events", MetricMetadata::COUNTER);           // OpenMetrics family
  EXPECT_EQ(convert(md).points, 0u);
  EXPECT_EQ(metadata.size(), 7u);
  const auto* m = &metadata;
  EXPECT_TRUE(prometheus::is_cumulative("requests", m));
  EXPECT_FALSE(prometheus::is_cumulative("temperature_total", m));
  EXPECT_TRUE(prometheus::is_cumulative("latency_bucket", m));
  EXPECT_TRUE(prometheus::is_cumulative("latency_count", m));
  EXPECT_TRUE(prometheus::is_cumulative("latency_sum", m));
  EXPECT_FALSE(prometheus::is_cumulative("rpc", m));
  EXPECT_TRUE(prometheus::is_cumulative("rpc_sum", m));
  EXPECT_FALSE(prometheus::is_cumulative("queue_bucket", m));
  EXPECT_TRUE(prometheus::is_cumulative("things_count", m));
  EXPECT_TRUE(prometheus::is_cumulative("events_total", m));

  // The metadata came in a request of its own; later samples are typed by it.
  for (int i = 0; i < 2; ++i) {
    WriteRequest r;
    add_sample(add_series(r, "requests"), t0 + i * 1000, 10.0 + i * 5);
    add_sample(add_series(r, "temperature_total"), t0 + i * 1000, 30.0 - i);
    convert(r);
  }
  auto requests = consumer.find("requests");
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].kind, "count");
  EXPECT_EQ(requests[0].value, 5);
  auto temps = consumer.find("temperature_total");
  ASSERT_EQ(temps.size(), 2u);
  EXPECT_EQ(temps[1].kind, "gauge");
  EXPECT_EQ(temps[1].value, 29);
}

TEST_F(PrometheusDecodeTest, MetadataCacheIsBounded) {
  prometheus::MetadataCache small(10);
  for (int i = 0; i < 100; ++i) {
    WriteRequest r;
    add_metadata(r, "family_" + std::to_string(i), MetricMetadata::COUNTER);
    small.remember(r);
  }
  EXPECT_LE(small.size(), 10u);
  EXPECT_TRUE(small.type("family_99").has_value());
  EXPECT_FALSE(small.type("family_0").has_value());
}

void set_spans(google::protobuf::RepeatedPtrField<::prometheus::BucketSpan>* spans,
               const std::vector<std::pair<int, unsigned>>& list) {
  for (const auto& [offset, length] : list) {
    auto* s = spans->Add();
    s->set_offset(offset);
    s->set_length(length);
  }
}

// Integer histogram of schema 0 (base 2).
Histogram* int_histogram(TimeSeries* ts, int64_t ms, uint64_t count, double sum,
                         uint64_t zero_count, const std::vector<std::pair<int, unsigned>>& spans,
                         const std::vector<int64_t>& deltas,
                         const std::vector<std::pair<int, unsigned>>& negative_spans = {},
                         const std::vector<int64_t>& negative_deltas = {}) {
  Histogram* h = ts->add_histograms();
  h->set_timestamp(ms);
  h->set_count_int(count);
  h->set_sum(sum);
  h->set_schema(0);
  h->set_zero_threshold(1e-128);
  h->set_zero_count_int(zero_count);
  set_spans(h->mutable_positive_spans(), spans);
  for (int64_t d : deltas) h->add_positive_deltas(d);
  set_spans(h->mutable_negative_spans(), negative_spans);
  for (int64_t d : negative_deltas) h->add_negative_deltas(d);
  return h;
}

// The distribution points of `metric` as value → weight.
std::map<double, uint64_t> buckets(const CaptureConsumer& consumer, const std::string& metric) {
  std::map<double, uint64_t> out;
  for (const auto& p : consumer.find(metric)) {
    EXPECT_EQ(p.kind, "distribution");
    out[p.value] += p.weight;
  }
  return out;
}

TEST_F(PrometheusDecodeTest, NativeIntegerHistogramDeltas) {
  {
    // Positive buckets 0, 1 and 3 hold 2, 3, 1 (deltas 2, +1, -2); negative bucket -1
    // holds 4; the zero bucket 1. First sight: a baseline.
    WriteRequest r;
    int_histogram(add_series(r, "rpc_seconds", {{"job", "api"}}), t0, 11, 20, 1, {{0, 2}, {1, 1}},
                  {2, 1, -2}, {{-1, 1}}, {4});
    prometheus::WriteResult result = convert(r);
    EXPECT_EQ(result.histograms, 1u);
    EXPECT_EQ(result.points, 0u);
  }
  {
    // Buckets 0 and 1 and the zero bucket grew by one; bucket 5 is new with 2.
    WriteRequest r;
    int_histogram(add_series(r, "rpc_seconds", {{"job", "api"}}), t0 + 15'000, 16, 30, 2,
                  {{0, 2}, {1, 1}, {1, 1}}, {3, 1, -3, 1}, {{-1, 1}}, {4});
    prometheus::WriteResult result = convert(r);
    EXPECT_EQ(result.histograms, 1u);
    EXPECT_EQ(result.rejected, 0u) << (result.errors.empty() ? "" : result.errors[0]);
  }
  // Bucket i of schema 0 covers (2^(i-1), 2^i]; its point is the geometric midpoint.
  const std::map<double, uint64_t> want = {
      {0.0, 1}, {std::exp2(-0.5), 1}, {std::exp2(0.5), 1}, {std::exp2(4.5), 2}};
  EXPECT_EQ(buckets(consumer, "rpc_seconds"), want);
  for (const auto& p : consumer.find("rpc_seconds")) EXPECT_EQ(p.tags.at("job"), "api");
  auto count = consumer.find("rpc_seconds.count");
  ASSERT_EQ(count.size(), 1u);
  EXPECT_EQ(count[0].kind, "count");
  EXPECT_EQ(count[0].value, 5);
  auto sum = consumer.find("rpc_seconds.sum");
  ASSERT_EQ(sum.size(), 1u);
  EXPECT_EQ(sum[0].value, 10);
  EXPECT_EQ(sum[0].timestamp_ms, t0 + 15'000);
}

TEST_F(PrometheusDecodeTest, NativeFloatHistogramAndResetHint) {
  auto request = [&](int64_t ms, std::vector<double> counts, Histogram::ResetHint hint) {
    WriteRequest r;
    Histogram* h = add_series(r, "db_seconds")->add_histograms();
    h->set_timestamp(ms);
    h->set_schema(3);
    h->set_sum(1.5);
    double total = 0;
    for (double c : counts) total += c;
    h->set_count_float(total);
    h->set_zero_count_float(0);
    set_spans(h->mutable_positive_spans(), {{2, static_cast<unsigned>(counts.size())}});
    for (double c : counts) h->add_positive_counts(c);
    h->set_reset_hint(hint);
    return r;
  };
  EXPECT_EQ(convert(request(t0, {1, 2}, Histogram::UNKNOWN)).points, 0u);
  convert(request(t0 + 1000, {4, 2}, Histogram::NO));
  // Schema 3: base 2^(1/8); bucket 2 covers (2^(1/8), 2^(2/8)].
  const double b2 = std::exp2(1.5 / 8);
  const double b3 = std::exp2(2.5 / 8);
  EXPECT_GT(b2, std::exp2(1.0 / 8));
  EXPECT_LE(b2, std::exp2(2.0 / 8));
  EXPECT_EQ(buckets(consumer, "db_seconds"), (std::map<double, uint64_t>{{b2, 3}}));
  // reset_hint YES: the counts start over and are stored whole.
  consumer.points.clear();
  convert(request(t0 + 2000, {1, 1}, Histogram::YES));
  EXPECT_EQ(buckets(consumer, "db_seconds"), (std::map<double, uint64_t>{{b2, 1}, {b3, 1}}));
  EXPECT_EQ(consumer.find("db_seconds.count").at(0).value, 2);
}

TEST_F(PrometheusDecodeTest, GaugeHistogramIsStoredAsIs) {
  WriteRequest r;
  Histogram* h = int_histogram(add_series(r, "queue_depth"), t0, 5, 12, 0, {{1, 2}}, {2, 1});
  h->set_reset_hint(Histogram::GAUGE);
  EXPECT_EQ(convert(r).points, 4u);
  EXPECT_EQ(buckets(consumer, "queue_depth"),
            (std::map<double, uint64_t>{{std::exp2(0.5), 2}, {std::exp2(1.5), 3}}));
  EXPECT_EQ(consumer.find("queue_depth.count").at(0).kind, "gauge");
  EXPECT_EQ(consumer.find("queue_depth.count").at(0).value, 5);
  EXPECT_EQ(consumer.find("queue_depth.sum").at(0).value, 12);
}

TEST_F(PrometheusDecodeTest, MalformedHistogramsAreRejected) {
  WriteRequest r;
  TimeSeries* ts = add_series(r, "h");
  int_histogram(ts, t0, 3, 1, 0, {{0, 3}}, {1, 1});       // spans cover 3, 2 given
  int_histogram(ts, t0 + 1, 3, 1, 0, {{0, 2}}, {2, -5});  // negative count
  int_histogram(ts, t0 + 2, 3, 1, 0, {{0, 1}}, {1})->set_schema(9);
  int_histogram(ts, t0 + 3, 3, 1, 0, {{2000000000, 1}}, {1});  // bound overflows
  int_histogram(ts, t0 + 4, 3, 1, 0, {{0, 4000000000u}}, {});
  Histogram* mixed = int_histogram(ts, t0 + 5, 3, 1, 0, {{0, 1}}, {1});
  mixed->add_positive_counts(1);
  Histogram* stale = int_histogram(ts, t0 + 6, 0, 0, 0, {}, {});
  stale->set_sum(kStaleNaN);
  prometheus::WriteResult result = convert(r);
  EXPECT_EQ(result.by_reason["bad_histogram"], 6u);
  EXPECT_EQ(result.stale, 1u);
  EXPECT_EQ(result.histograms, 0u);
  EXPECT_EQ(result.errors.at(0),
            "timeseries[0] \"h\": histograms[0]: positive spans cover 3 buckets but 2 are given");
}

TEST(PrometheusSnappy, HostileBodies) {
  WriteRequest r;
  add_sample(add_series(r, "up"), 1, 1);
  const std::string body = snappy_body(r);
  auto ok = prometheus::uncompress_snappy(body);
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(*ok, serialize(r));

  auto empty = prometheus::uncompress_snappy("");
  EXPECT_EQ(empty.status().code(), core::Code::invalid_argument);
  auto corrupt = prometheus::uncompress_snappy(body.substr(0, body.size() - 2));
  EXPECT_EQ(corrupt.status().code(), core::Code::invalid_argument);
  EXPECT_EQ(corrupt.status().message(), "invalid snappy data");
  // Declares 1 GiB uncompressed: refused before anything is allocated.
  auto huge = prometheus::uncompress_snappy(std::string("\x80\x80\x80\x80\x04\x00\x01", 7));
  EXPECT_EQ(huge.status().code(), core::Code::payload_too_large);
  auto capped = prometheus::uncompress_snappy(body, 3);
  EXPECT_EQ(capped.status().code(), core::Code::payload_too_large);

  WriteRequest parsed;
  const std::string raw = serialize(r);
  EXPECT_TRUE(prometheus::parse_write_request(raw, parsed).ok());
  EXPECT_EQ(prometheus::parse_write_request(raw.substr(0, raw.size() - 3), parsed).code(),
            core::Code::invalid_argument);
  EXPECT_EQ(prometheus::parse_write_request("\xff\xff\xff", parsed).code(),
            core::Code::invalid_argument);
}

// The receiver on a router, as `heeler serve` wires it.
class PrometheusReceiverTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ReceiverContext ctx{config, consumer, metrics, api, otlp, apm};
    EXPECT_EQ(make_prometheus_receiver(ctx), nullptr);
  }
  net::Response post(std::string body, std::vector<net::Header> headers = {
                                           {"Content-Encoding", "snappy"},
                                           {"Content-Type", "application/x-protobuf"},
                                           {"X-Prometheus-Remote-Write-Version", "0.1.0"}}) {
    net::Request r;
    r.method = "POST";
    r.path = "/api/v1/write";
    r.target = r.path;
    r.body = std::move(body);
    r.headers = std::move(headers);
    return api.dispatch(r);
  }
  uint64_t counter(const std::string& needle) {
    const std::string text = metrics.render_prometheus();
    const size_t at = text.find("\n" + needle + " ");
    if (at == std::string::npos) return 0;
    return std::stoull(text.substr(at + needle.size() + 2));
  }
  std::string first_error(const net::Response& r) {
    return nlohmann::json::parse(r.body)["errors"][0].get<std::string>();
  }

  core::Config config;
  CaptureConsumer consumer;
  core::Metrics metrics;
  net::Router api, otlp, apm;
  const int64_t t0 = now_ms() - 60'000;
};

TEST_F(PrometheusReceiverTest, WriteIsAnswered204AndStored) {
  WriteRequest r;
  add_sample(add_series(r, "up", {{"instance", "127.0.0.1:9090"}, {"job", "prometheus"}}), t0, 1);
  add_sample(add_series(r, "http_requests_total"), t0, 10);
  net::Response response = post(snappy_body(r));
  EXPECT_EQ(response.status, 204) << response.body;
  EXPECT_TRUE(response.body.empty());
  ASSERT_EQ(consumer.points.size(), 1u);
  EXPECT_EQ(consumer.points[0].metric, "up");
  EXPECT_EQ(consumer.points[0].tags.at("job"), "prometheus");
  EXPECT_EQ(counter("heeler_prometheus_requests_total"), 1u);
  EXPECT_EQ(counter("heeler_prometheus_samples_total"), 2u);

  // The counter's second sample is a delta; the converter lives in the receiver.
  WriteRequest next;
  add_sample(add_series(next, "http_requests_total"), t0 + 1000, 14);
  EXPECT_EQ(post(snappy_body(next)).status, 204);
  auto deltas = consumer.find("http_requests_total");
  ASSERT_EQ(deltas.size(), 1u);
  EXPECT_EQ(deltas[0].value, 4);
  EXPECT_EQ(deltas[0].kind, "count");

  // Uncompressed protobuf (no Content-Encoding) is taken too.
  WriteRequest raw;
  add_sample(add_series(raw, "raw_gauge"), t0, 3);
  EXPECT_EQ(post(serialize(raw), {{"Content-Type", "application/x-protobuf"}}).status, 204);
  EXPECT_EQ(consumer.find("raw_gauge").size(), 1u);
}

TEST_F(PrometheusReceiverTest, MetadataIsRememberedAcrossRequests) {
  WriteRequest md;
  add_metadata(md, "jobs_done", MetricMetadata::COUNTER);
  EXPECT_EQ(post(snappy_body(md)).status, 204);
  for (int i = 0; i < 2; ++i) {
    WriteRequest r;
    add_sample(add_series(r, "jobs_done"), t0 + i * 1000, 1.0 + i);
    EXPECT_EQ(post(snappy_body(r)).status, 204);
  }
  auto points = consumer.find("jobs_done");
  ASSERT_EQ(points.size(), 1u);
  EXPECT_EQ(points[0].kind, "count");
  EXPECT_EQ(points[0].value, 1);
}

TEST_F(PrometheusReceiverTest, HostileRequests) {
  WriteRequest r;
  add_sample(add_series(r, "up"), t0, 1);
  const std::string raw = serialize(r);

  net::Response wrong_type =
      post(snappy_body(r), {{"Content-Type", "application/json"}, {"Content-Encoding", "snappy"}});
  EXPECT_EQ(wrong_type.status, 415);
  EXPECT_NE(first_error(wrong_type).find("application/json"), std::string::npos) << wrong_type.body;
  net::Response v2 =
      post(snappy_body(r),
           {{"Content-Type", "application/x-protobuf;proto=io.prometheus.write.v2.Request"},
            {"Content-Encoding", "snappy"}});
  EXPECT_EQ(v2.status, 415);
  EXPECT_NE(first_error(v2).find("io.prometheus.write.v2.request"), std::string::npos);
  EXPECT_EQ(post(snappy_body(r),
                 {{"Content-Type", "application/x-protobuf;proto=prometheus.WriteRequest"},
                  {"Content-Encoding", "snappy"}})
                .status,
            204);

  net::Response empty = post("");
  EXPECT_EQ(empty.status, 400);
  EXPECT_EQ(first_error(empty), "empty body");

  net::Response bad_snappy = post("this is not snappy at all");
  EXPECT_EQ(bad_snappy.status, 400);
  EXPECT_EQ(first_error(bad_snappy), "invalid snappy data");

  net::Response huge = post(std::string("\x80\x80\x80\x80\x04\x00\x01", 7));
  EXPECT_EQ(huge.status, 413);

  std::string truncated;
  const std::string cut = raw.substr(0, raw.size() - 3);
  snappy::Compress(cut.data(), cut.size(), &truncated);
  net::Response bad_proto = post(truncated);
  EXPECT_EQ(bad_proto.status, 400);
  EXPECT_NE(first_error(bad_proto).find("invalid protobuf"), std::string::npos);

  // Nothing valid in it: 400 naming the problem.
  WriteRequest nameless;
  add_sample(add_series(nameless, "", {{"job", "x"}}), t0, 1);
  net::Response rejected = post(snappy_body(nameless));
  EXPECT_EQ(rejected.status, 400);
  EXPECT_EQ(first_error(rejected), "timeseries[0]: no __name__ label");
  EXPECT_EQ(counter(R"(heeler_prometheus_rejected_total{reason="missing_name"})"), 1u);
  EXPECT_EQ(counter("heeler_prometheus_malformed_requests_total"), 6u);
  EXPECT_TRUE(consumer.points.size() == 1u);
}

TEST_F(PrometheusReceiverTest, ConsumerUnavailableIs503WithRetryAfter) {
  consumer.refuse = {core::Code::unavailable, "the store is behind"};
  WriteRequest r;
  add_sample(add_series(r, "up"), t0, 1);
  net::Response response = post(snappy_body(r));
  EXPECT_EQ(response.status, 503);
  bool retry_after = false;
  for (const auto& h : response.headers)
    if (h.name == "Retry-After") retry_after = true;
  EXPECT_TRUE(retry_after);
}

}  // namespace
}  // namespace heeler::intake
