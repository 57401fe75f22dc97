#include "intake/datadog_apm/datadog_apm.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "apm_test_util.h"
#include "intake/datadog_apm/apm_decode.h"

namespace heeler::intake {
namespace {

class FakeConsumer final : public pipeline::Consumer {
 public:
  core::Status consume_logs(pipeline::LogBatch&&) override { return {}; }
  core::Status consume_spans(pipeline::SpanBatch&& batch) override {
    if (!next.ok()) return next;
    spans.push_back(std::move(batch));
    return {};
  }
  core::Status consume_metrics(pipeline::MetricBatch&& batch) override {
    if (!next.ok()) return next;
    metrics.push_back(std::move(batch));
    return {};
  }
  core::Status consume_events(pipeline::EventBatch&&) override { return {}; }
  core::Status consume_rum(pipeline::RumBatch&&) override { return {}; }

  core::Status next;
  std::vector<pipeline::SpanBatch> spans;
  std::vector<pipeline::MetricBatch> metrics;
};

class DatadogApmTest : public ::testing::Test {
 protected:
  DatadogApmTest() {
    config.dogstatsd_listen.port = 18125;
    receiver = make_datadog_apm_receiver(context);
  }

  net::Response call(const std::string& method, const std::string& path, std::string body = {},
                     std::vector<net::Header> headers = {}) {
    net::Request request;
    request.method = method;
    request.path = path;
    request.target = path;
    request.body = std::move(body);
    request.headers = std::move(headers);
    return apm_router.dispatch(request);
  }

  core::Config config;
  FakeConsumer consumer;
  core::Metrics metrics;
  net::Router api_router, otlp_router, apm_router;
  ReceiverContext context{config, consumer, metrics, api_router, otlp_router, apm_router};
  std::unique_ptr<Receiver> receiver;
};

TEST_F(DatadogApmTest, V04TracesAreConsumedAndAnsweredWithRates) {
  ASSERT_NE(receiver, nullptr);
  for (const char* method : {"PUT", "POST"}) {
    net::Response r = call(method, "/v0.4/traces", encode_v04(sample_traces()));
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.content_type, "application/json");
    auto json = nlohmann::json::parse(r.body);
    const nlohmann::json expected = {{"rate_by_service",
                                      {{"service:,env:", 1},
                                       {"service:capture-svc,env:capture-env", 1},
                                       {"service:capture-db,env:capture-env", 1},
                                       {"service:fallback-svc,env:other-env", 1}}}};
    EXPECT_EQ(json, expected);
  }
  ASSERT_EQ(consumer.spans.size(), 2u);
  EXPECT_EQ(consumer.spans[0].size(), 4u);
  EXPECT_EQ(metrics.counter("heeler_apm_spans_total", "").value(), 8u);
  EXPECT_EQ(
      metrics.counter("heeler_apm_payloads_total", "", {{"endpoint", "/v0.4/traces"}}).value(), 2u);
}

TEST_F(DatadogApmTest, V05TracesAreConsumed) {
  net::Response r = call("PUT", "/v0.5/traces", encode_v05(sample_traces()));
  ASSERT_EQ(r.status, 200) << r.body;
  ASSERT_EQ(consumer.spans.size(), 1u);
  EXPECT_EQ(consumer.spans[0].size(), 4u);
  EXPECT_EQ(
      metrics.counter("heeler_apm_payloads_total", "", {{"endpoint", "/v0.5/traces"}}).value(), 1u);
}

TEST_F(DatadogApmTest, MalformedPayloadAnswers400AndKeepsNothing) {
  std::string body = encode_v04(sample_traces());
  body[body.size() - 1] = '\xc1';
  net::Response r = call("PUT", "/v0.4/traces", body);
  EXPECT_EQ(r.status, 400);
  EXPECT_TRUE(consumer.spans.empty());
  EXPECT_EQ(
      metrics.counter("heeler_apm_decode_errors_total", "", {{"endpoint", "/v0.4/traces"}}).value(),
      1u);
}

TEST_F(DatadogApmTest, WrongTypeLateInThePayloadKeepsNothing) {
  auto traces = sample_traces();
  traces[1][0].meta.clear();
  std::string body = encode_v04(traces);
  // The last span's "name" value becomes an integer: same length, wrong type.
  size_t at = body.rfind("worker.run");
  ASSERT_NE(at, std::string::npos);
  body[at - 1] = '\xd0';  // int8 …
  body[at] = 1;           // … 1, followed by 9 bytes that no longer belong to a string
  net::Response r = call("PUT", "/v0.4/traces", body);
  EXPECT_EQ(r.status, 400);
  EXPECT_TRUE(consumer.spans.empty());
}

TEST_F(DatadogApmTest, UnavailableConsumerAnswers503WithRetryAfter) {
  consumer.next = core::Status(core::Code::unavailable, "behind");
  net::Response r = call("PUT", "/v0.4/traces", encode_v04(sample_traces()));
  EXPECT_EQ(r.status, 503);
  auto it = std::find_if(r.headers.begin(), r.headers.end(),
                         [](const net::Header& h) { return h.name == "Retry-After"; });
  ASSERT_NE(it, r.headers.end());
  EXPECT_EQ(it->value, std::to_string(pipeline::kRetryAfterSeconds));
  EXPECT_EQ(metrics.counter("heeler_apm_spans_total", "").value(), 0u);
}

TEST_F(DatadogApmTest, TooManySpansAnswers413) {
  net::Response r = call(
      "PUT", "/v0.4/traces",
      std::string("\x91\xdd\x00\x03\x0d\x41", 6) + std::string(kMaxSpansPerPayload + 1, '\x80'));
  EXPECT_EQ(r.status, 413) << r.body;
}

TEST_F(DatadogApmTest, InfoAdvertisesTheServedEndpoints) {
  net::Response r = call("GET", "/info");
  ASSERT_EQ(r.status, 200);
  auto json = nlohmann::json::parse(r.body);
  const std::vector<std::string> endpoints = {"/v0.4/traces",      "/v0.5/traces",
                                              "/v0.6/stats",       "/v0.7/config",
                                              "/telemetry/proxy/", "/dogstatsd/v2/proxy"};
  EXPECT_EQ(json["endpoints"].get<std::vector<std::string>>(), endpoints);
  EXPECT_EQ(json["client_drop_p0s"], false);
  EXPECT_EQ(json["span_meta_structs"], false);
  EXPECT_EQ(json["config"]["statsd_port"], 18125);
  EXPECT_TRUE(json["peer_tags"].is_array());
  EXPECT_TRUE(json["peer_tags"].empty());
  EXPECT_TRUE(json["evp_proxy_allowed_headers"].is_array());
  EXPECT_EQ(json["version"], std::string("heeler-") + HEELER_VERSION);
}

TEST_F(DatadogApmTest, RemoteConfigAndTelemetryAreAcknowledged) {
  net::Response config_response = call("POST", "/v0.7/config", R"({"client":{}})");
  EXPECT_EQ(config_response.status, 200);
  EXPECT_EQ(config_response.body, "{}");
  net::Response telemetry = call("POST", "/telemetry/proxy/api/v2/apmtelemetry", "{}",
                                 {{"DD-Telemetry-Request-Type", "app-heartbeat"}});
  EXPECT_EQ(telemetry.status, 202);
  EXPECT_EQ(telemetry.body, "{}");
  call("POST", "/telemetry/proxy/api/v2/apmtelemetry", "{}",
       {{"DD-Telemetry-Request-Type", "made-up"}});
  EXPECT_EQ(
      metrics
          .counter("heeler_apm_telemetry_requests_total", "", {{"request_type", "app-heartbeat"}})
          .value(),
      1u);
  EXPECT_EQ(metrics.counter("heeler_apm_telemetry_requests_total", "", {{"request_type", "other"}})
                .value(),
            1u);
  EXPECT_TRUE(consumer.spans.empty());
  EXPECT_TRUE(consumer.metrics.empty());
}

std::string stats_payload() {
  msgpack::sbuffer buf;
  Packer pk(buf);
  map32(buf, 4);
  pk.pack("Hostname"), pk.pack("vm");
  pk.pack("Env"), pk.pack("capture-env");
  pk.pack("Version"), pk.pack("1.2.3");
  pk.pack("Stats");
  array32(buf, 1);
  map32(buf, 3);
  pk.pack("Start"), pk.pack_fix_uint64(1795318820000000000ull);
  pk.pack("Duration"), pk.pack_fix_uint64(10000000000ull);
  pk.pack("Stats");
  array32(buf, 2);
  map32(buf, 13);
  pk.pack("Service"), pk.pack("capture-svc");
  pk.pack("Name"), pk.pack("web.request");
  pk.pack("Resource"), pk.pack("GET /users/:id");
  pk.pack("HTTPStatusCode"), pk.pack_fix_uint32(200);
  pk.pack("Type"), pk.pack("web");
  pk.pack("Hits"), pk.pack_fix_uint64(4);
  pk.pack("Errors"), pk.pack_fix_uint64(1);
  pk.pack("Duration"), pk.pack_fix_uint64(1500000000);
  pk.pack("OkSummary"), pk.pack_bin(3), pk.pack_bin_body("\x0a\x14\x09", 3);
  pk.pack("ErrorSummary"), pk.pack_bin(0);
  pk.pack("Synthetics"), pk.pack_false();
  pk.pack("TopLevelHits"), pk.pack_fix_uint64(4);
  pk.pack("HTTPMethod"), pk.pack("GET");
  map32(buf, 4);
  pk.pack("Service"), pk.pack("capture-db");
  pk.pack("Name"), pk.pack("db.query");
  pk.pack("Hits"), pk.pack(2);
  pk.pack("Duration"), pk.pack(250000000);
  return std::string(buf.data(), buf.size());
}

struct Point {
  std::string metric;
  std::vector<std::string> tags;
  pipeline::MetricKind kind;
  int64_t timestamp_ms;
  double value;
};

TEST(ApmStats, GroupsBecomeTraceMetrics) {
  std::vector<Point> points;
  core::Status status =
      decode_stats(stats_payload(), "header-host", [&](const pipeline::MetricPoint& p) {
        points.push_back({std::string(p.metric),
                          std::vector<std::string>(p.tags.begin(), p.tags.end()), p.kind,
                          p.timestamp_ms, p.value});
      });
  ASSERT_TRUE(status.ok()) << status.to_string();
  ASSERT_EQ(points.size(), 6u);
  const std::vector<std::string> web_tags = {"service:capture-svc",  "resource:GET /users/:id",
                                             "env:capture-env",      "version:1.2.3",
                                             "http.status_code:200", "host:vm"};
  EXPECT_EQ(points[0].metric, "trace.web.request.hits");
  EXPECT_EQ(points[0].value, 4);
  EXPECT_EQ(points[0].tags, web_tags);
  EXPECT_EQ(points[0].kind, pipeline::MetricKind::count);
  EXPECT_EQ(points[0].timestamp_ms, 1795318820000);
  EXPECT_EQ(points[1].metric, "trace.web.request.errors");
  EXPECT_EQ(points[1].value, 1);
  EXPECT_EQ(points[2].metric, "trace.web.request.duration");
  EXPECT_DOUBLE_EQ(points[2].value, 1.5);
  const std::vector<std::string> db_tags = {"service:capture-db", "resource:", "env:capture-env",
                                            "version:1.2.3", "host:vm"};
  EXPECT_EQ(points[3].metric, "trace.db.query.hits");
  EXPECT_EQ(points[3].value, 2);
  EXPECT_EQ(points[3].tags, db_tags);
  EXPECT_EQ(points[4].value, 0);
  EXPECT_DOUBLE_EQ(points[5].value, 0.25);
}

TEST(ApmStats, MalformedStatsAreRejectedWhole) {
  const std::string good = stats_payload();
  size_t calls = 0;
  auto count = [&](const pipeline::MetricPoint&) { ++calls; };
  for (size_t len = 0; len < good.size(); ++len)
    ASSERT_EQ(decode_stats(good.substr(0, len), "", count).code(), core::Code::invalid_argument)
        << len;
  std::string bad = good;
  size_t at = bad.rfind("db.query");
  bad[at - 1] = '\x08';  // "Name" → positive fixint 8, leaving "db.query" as garbage keys
  EXPECT_EQ(decode_stats(bad, "", count).code(), core::Code::invalid_argument);
  msgpack::sbuffer buf;
  Packer pk(buf);
  pk.pack_map(1), pk.pack("Stats"), pk.pack_array(1), pk.pack_map(1), pk.pack("Stats"),
      pk.pack_array(1);
  pk.pack_map(2), pk.pack("Name"), pk.pack("n"), pk.pack("Hits"), pk.pack("many");
  core::Status status = decode_stats(std::string(buf.data(), buf.size()), "", count);
  EXPECT_EQ(status.code(), core::Code::invalid_argument);
  EXPECT_NE(status.message().find("Stats[0].Stats[0]: field 'Hits'"), std::string::npos)
      << status.message();
  EXPECT_EQ(calls, 0u);
}

TEST_F(DatadogApmTest, StatsEndpointStoresMetrics) {
  net::Response r = call("PUT", "/v0.6/stats", stats_payload());
  ASSERT_EQ(r.status, 200) << r.body;
  ASSERT_EQ(consumer.metrics.size(), 1u);
  EXPECT_EQ(consumer.metrics[0].size(), 6u);
  EXPECT_EQ(call("PUT", "/v0.6/stats", "\x81").status, 400);
}

TEST(DatadogApm, DisabledWhenPortIsZero) {
  core::Config config;
  config.apm_listen.port = 0;
  FakeConsumer consumer;
  core::Metrics metrics;
  net::Router api, otlp, apm;
  ReceiverContext context{config, consumer, metrics, api, otlp, apm};
  EXPECT_EQ(make_datadog_apm_receiver(context), nullptr);
  net::Request request;
  request.method = "GET";
  request.path = request.target = "/info";
  EXPECT_EQ(apm.dispatch(request).status, 404);
}

TEST_F(DatadogApmTest, StartAndStopAreSafeInAnyOrder) {
  receiver->stop();
  EXPECT_TRUE(receiver->start().ok());
  receiver->stop();
  receiver->stop();
}

TEST(DatadogApm, IsRegistered) {
  const auto& all = registered_receivers();
  EXPECT_TRUE(
      std::any_of(all.begin(), all.end(), [](const auto& r) { return r.name == "datadog_apm"; }));
}

}  // namespace
}  // namespace heeler::intake
