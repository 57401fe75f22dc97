#include "intake/datadog_http/datadog_http.h"

#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <iterator>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <variant>
#include <vector>

#include "agent_payload.pb.h"
#include "intake/datadog_http/decode.h"
#include "log_rows.h"
#include "net/compression.h"

namespace heeler::intake {
namespace {

using pipeline::hex_bytes;
using pipeline::LogRow;

struct Point {
  std::string metric, kind;
  std::map<std::string, std::string> tags;
  int64_t timestamp_ms = 0;
  double value = 0;
};

struct EventRow {
  int64_t timestamp_ms = 0;
  std::string title, text, source, priority, alert_type, host, service, env, aggregation_key;
  std::map<std::string, std::string> tags;
};

struct RumRow {
  int64_t timestamp_ms = 0;
  std::string type, event_id;
  uint64_t document_version = 0;
  std::string application_id, session_id, view_id, view_name, view_url, service, env, version;
  std::map<std::string, std::string> attributes;
  std::map<std::string, std::string> numeric;
};

class FakeConsumer final : public pipeline::Consumer {
 public:
  std::vector<RumRow> rum;
  core::Status refuse;
  std::vector<LogRow> logs;
  size_t log_count = 0;
  std::vector<Point> points;
  std::vector<EventRow> events;
  int batches = 0;

  core::Status consume_logs(pipeline::LogBatch&& batch) override {
    if (!refuse.ok()) return refuse;
    ++batches;
    log_count += batch.size();
    if (batch.size() > 1000) return {};  // large batches are only counted
    for (auto& row : pipeline::log_rows(batch)) logs.push_back(std::move(row));
    return {};
  }
  core::Status consume_spans(pipeline::SpanBatch&&) override { return {}; }
  core::Status consume_metrics(pipeline::MetricBatch&& batch) override {
    if (!refuse.ok()) return refuse;
    ++batches;
    using namespace store;
    const auto& series = batch.series().columns();
    const auto& ids = std::get<FixedColumn<uint64_t>>(series[0].data).values;
    const auto& tag_map = std::get<MapColumn>(series[2].data);
    std::map<uint64_t, std::map<std::string, std::string>> tags_by_id;
    for (size_t r = 0; r < ids.size(); ++r)
      for (int32_t i = tag_map.offsets[r]; i < tag_map.offsets[r + 1]; ++i)
        tags_by_id[ids[r]][std::string(tag_map.keys.at(i))] = tag_map.values.at(i);
    const auto& cols = batch.points().columns();
    for (size_t r = 0; r < batch.size(); ++r)
      points.push_back({std::string(std::get<StringColumn>(cols[0].data).at(r)),
                        std::string(std::get<StringColumn>(cols[5].data).at(r)),
                        tags_by_id[std::get<FixedColumn<uint64_t>>(cols[1].data).values[r]],
                        std::get<TimestampColumn>(cols[2].data).values[r] / 1'000'000,
                        std::get<FixedColumn<double>>(cols[3].data).values[r]});
    return {};
  }
  core::Status consume_events(pipeline::EventBatch&& batch) override {
    if (!refuse.ok()) return refuse;
    ++batches;
    using namespace store;
    const auto& cols = batch.columns().columns();
    auto str = [&](size_t c, size_t r) {
      return std::string(std::get<StringColumn>(cols[c].data).at(r));
    };
    const auto& tag_map = std::get<MapColumn>(cols[10].data);
    for (size_t r = 0; r < batch.size(); ++r) {
      EventRow e{std::get<TimestampColumn>(cols[0].data).values[r] / 1'000'000,
                 str(1, r),
                 str(2, r),
                 str(3, r),
                 str(4, r),
                 str(5, r),
                 str(6, r),
                 str(7, r),
                 str(8, r),
                 str(9, r),
                 {}};
      for (int32_t i = tag_map.offsets[r]; i < tag_map.offsets[r + 1]; ++i)
        e.tags[std::string(tag_map.keys.at(i))] = tag_map.values.at(i);
      events.push_back(std::move(e));
    }
    return {};
  }
  core::Status consume_rum(pipeline::RumBatch&& batch) override {
    if (!refuse.ok()) return refuse;
    ++batches;
    using namespace store;
    const auto& cols = batch.columns().columns();
    auto str = [&](size_t c, size_t r) {
      return std::string(std::get<StringColumn>(cols[c].data).at(r));
    };
    auto map = [&](size_t c, size_t r) {
      const auto& m = std::get<MapColumn>(cols[c].data);
      std::map<std::string, std::string> out;
      for (int32_t i = m.offsets[r]; i < m.offsets[r + 1]; ++i)
        out[std::string(m.keys.at(i))] = m.values.at(i);
      return out;
    };
    for (size_t r = 0; r < batch.size(); ++r)
      rum.push_back({std::get<TimestampColumn>(cols[0].data).values[r] / 1'000'000, str(1, r),
                     str(2, r), std::get<FixedColumn<uint64_t>>(cols[3].data).values[r], str(4, r),
                     str(5, r), str(6, r), str(7, r), str(8, r), str(9, r), str(10, r), str(11, r),
                     map(12, r), map(13, r)});
    return {};
  }
};

class DatadogHttpTest : public ::testing::Test {
 protected:
  void SetUp() override { build(""); }
  void build(const std::string& keys) {
    config.intake.api_keys = keys;
    api = net::Router{};
    ReceiverContext ctx{config, consumer, metrics, api, otlp, apm};
    EXPECT_EQ(make_datadog_http_receiver(ctx), nullptr);
  }
  net::Response send(const std::string& method, const std::string& path, std::string body,
                     std::vector<net::Header> headers = {},
                     std::vector<std::pair<std::string, std::string>> query = {}) {
    net::Request r;
    r.method = method;
    r.path = path;
    r.target = path;
    r.body = std::move(body);
    r.headers = std::move(headers);
    r.query = std::move(query);
    return api.dispatch(r);
  }
  net::Response post(const std::string& path, std::string body) {
    return send("POST", path, std::move(body));
  }
  uint64_t counter(const std::string& needle) {
    const std::string text = metrics.render_prometheus();
    const size_t at = text.find("\n" + needle + " ");
    if (at == std::string::npos) return 0;
    return std::stoull(text.substr(at + needle.size() + 2));
  }

  core::Config config;
  FakeConsumer consumer;
  core::Metrics metrics;
  net::Router api, otlp, apm;
};

int64_t now_seconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

TEST_F(DatadogHttpTest, LogsHappyPath) {
  const int64_t ts_ms = (now_seconds() - 60) * 1000;
  const std::string body =
      R"([{"message":"{\"msg\":\"payment failed\",\"level\":\"error\",\"order\":{\"id\":77},\"dd.trace_id\":\"18446744073709551615\",\"dd.span_id\":\"12\"}",)"
      R"("ddsource":"java","ddtags":"env:prod,version:2.1,team:pay","hostname":"web-1","service":"checkout",)"
      R"("timestamp":)" +
      std::to_string(ts_ms) +
      R"(,"http":{"method":"POST"}},)"
      R"({"message":"plain line","status":"warn","service":"api"}])";
  net::Response r = post("/api/v2/logs", body);
  EXPECT_EQ(r.status, 202);
  EXPECT_EQ(r.body, "{}");
  ASSERT_EQ(consumer.logs.size(), 2u);
  const LogRow& a = consumer.logs[0];
  EXPECT_EQ(a.message, "payment failed");
  EXPECT_EQ(a.status, "error");
  EXPECT_EQ(a.service, "checkout");
  EXPECT_EQ(a.env, "prod");
  EXPECT_EQ(a.version, "2.1");
  EXPECT_EQ(a.host, "web-1");
  EXPECT_EQ(a.source, "java");
  EXPECT_EQ(a.timestamp_ns, ts_ms * 1'000'000);
  EXPECT_EQ(a.attributes.at("order.id"), "77");
  EXPECT_EQ(a.attributes.at("http.method"), "POST");
  EXPECT_EQ(a.attributes.at("team"), "pay");
  EXPECT_EQ(a.trace_id, hex_bytes("0000000000000000ffffffffffffffff"));
  EXPECT_EQ(a.span_id, hex_bytes("000000000000000c"));
  EXPECT_EQ(consumer.logs[1].message, "plain line");
  EXPECT_EQ(consumer.logs[1].status, "warning");
  EXPECT_EQ(counter(R"(heeler_intake_http_items_total{endpoint="/api/v2/logs"})"), 2u);
  // One object (not an array) and the older path.
  EXPECT_EQ(post("/v1/input", R"({"message":"single"})").status, 202);
  EXPECT_EQ(consumer.logs.back().message, "single");
}

TEST_F(DatadogHttpTest, BrowserLogsSampleNdjson) {
  // Captured from @datadog/browser-logs: newline-delimited JSON, ddsource in the query.
  std::ifstream in(DATADOG_HTTP_TESTDATA "/browser_logs.ndjson");
  ASSERT_TRUE(in);
  const std::string body((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  net::Response r = send("POST", "/api/v2/logs", body,
                         {{"Content-Type", "text/plain;charset=UTF-8"}}, {{"ddsource", "browser"}});
  EXPECT_EQ(r.status, 202) << r.body;
  ASSERT_EQ(consumer.logs.size(), 4u);
  const LogRow& a = consumer.logs[0];
  EXPECT_EQ(a.message, "button error thrown");
  EXPECT_EQ(a.status, "error");
  EXPECT_EQ(a.service, "web-svc");
  EXPECT_EQ(a.version, "3.0.0");
  EXPECT_EQ(a.env, "capture-env");
  EXPECT_EQ(a.source, "browser");
  EXPECT_EQ(a.attributes.at("view.url"), "http://127.0.0.1:8200/");
  EXPECT_EQ(a.attributes.at("error.kind"), "Error");
  EXPECT_EQ(a.attributes.at("sdk_version"), "7.16.2");
  EXPECT_EQ(a.attributes.at("user_action.id"),
            R"(["2afc3d58-3f0a-4b0e-a90a-24200a8d50d4","5086d80a-e289-4b4f-ac96-f440b8810852"])");
  EXPECT_EQ(consumer.logs[1].message, "info log from page");
  EXPECT_EQ(consumer.logs[1].status, "info");
  EXPECT_EQ(consumer.logs[3].status, "warning");
}

TEST_F(DatadogHttpTest, NdjsonBadLineIsDropped) {
  net::Response r = post("/api/v2/logs", "{\"message\":\"a\"}\n{broken\n{\"message\":\"b\"}\n");
  EXPECT_EQ(r.status, 202);
  EXPECT_EQ(nlohmann::json::parse(r.body)["dropped"], 1);
  ASSERT_EQ(consumer.logs.size(), 2u);
  EXPECT_EQ(consumer.logs[1].message, "b");
}

TEST_F(DatadogHttpTest, LogsBadInput) {
  net::Response r = post("/api/v2/logs", R"([{"message":"ok"}, {"message": oops}])");
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("invalid JSON at byte 31"), std::string::npos) << r.body;
  EXPECT_TRUE(consumer.logs.empty());
  EXPECT_EQ(post("/api/v2/logs", "").status, 400);
  EXPECT_EQ(post("/api/v2/logs", "42").status, 400);

  r = post("/api/v2/logs", R"([{"message":"kept"}, 7, {"message":{"nested":1}}, "x"])");
  EXPECT_EQ(r.status, 202);
  auto j = nlohmann::json::parse(r.body);
  EXPECT_EQ(j["dropped"], 3);
  ASSERT_EQ(j["errors"].size(), 3u);
  EXPECT_EQ(j["errors"][0], "logs[1]: expected an object, found a number");
  EXPECT_EQ(j["errors"][1], "logs[2]: \"message\" must be a string, found an object");
  ASSERT_EQ(consumer.logs.size(), 1u);
  EXPECT_EQ(consumer.logs[0].message, "kept");
  EXPECT_EQ(
      counter(R"(heeler_intake_http_dropped_total{endpoint="/api/v2/logs",reason="not_object"})"),
      2u);

  r = post("/api/v2/logs", R"([1, 2])");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(nlohmann::json::parse(r.body)["errors"].size(), 2u);
}

TEST_F(DatadogHttpTest, LogsAbsurdTimestampsClamped) {
  const int64_t before = now_seconds();
  net::Response r = post(
      "/api/v2/logs",
      R"([{"message":"old","timestamp":-1000},{"message":"future","timestamp":4102444800000}])");
  EXPECT_EQ(r.status, 202);
  ASSERT_EQ(consumer.logs.size(), 2u);
  for (const auto& row : consumer.logs) {
    EXPECT_GE(row.timestamp_ns / 1'000'000'000, before);
    EXPECT_LE(row.timestamp_ns / 1'000'000'000, now_seconds());
  }
  EXPECT_EQ(counter(R"(heeler_intake_http_clamped_timestamps_total{endpoint="/api/v2/logs"})"), 2u);
}

TEST_F(DatadogHttpTest, AMillionTinyLogs) {
  std::string body = "[";
  body.reserve(20'000'000);
  for (int i = 0; i < 1'000'000; ++i) body += i ? R"(,{"message":"m"})" : R"({"message":"m"})";
  body += "]";
  net::Response r = post("/api/v2/logs", std::move(body));
  EXPECT_EQ(r.status, 202);
  EXPECT_EQ(consumer.log_count, 1'000'000u);
  EXPECT_EQ(consumer.batches, 1);
}

TEST_F(DatadogHttpTest, ConsumerUnavailableIs503WithRetryAfter) {
  consumer.refuse = core::Status(core::Code::unavailable, "behind");
  for (const auto& [path, body] : std::vector<std::pair<std::string, std::string>>{
           {"/api/v2/logs", R"([{"message":"x"}])"},
           {"/api/v1/series", R"({"series":[{"metric":"m","points":[[1700000000,1]]}]})"},
           {"/api/v1/events", R"({"title":"t","text":"x"})"},
           {"/api/v1/check_run", R"([{"check":"c","status":0}])"},
           {"/api/v2/rum", R"({"type":"view","view":{"id":"v"}})"}}) {
    net::Response r = post(path, body);
    EXPECT_EQ(r.status, 503) << path;
    ASSERT_FALSE(r.headers.empty());
    EXPECT_EQ(r.headers[0].name, "Retry-After");
    EXPECT_EQ(r.headers[0].value, "1");
  }
}

TEST_F(DatadogHttpTest, SeriesV1) {
  const int64_t t = now_seconds() - 30;
  net::Response r =
      post("/api/v1/series",
           R"({"series":[{"metric":"app.requests","type":"count","interval":10,"host":"h1",)"
           R"("tags":["env:prod","service:web"],"points":[[)" +
               std::to_string(t) + R"(,5],[)" + std::to_string(t + 10) +
               R"(,7.5]]},)"
               R"({"metric":"app.temp","points":[[)" +
               std::to_string(t) +
               R"(,21.5]]},)"
               R"({"metric":"app.rate","type":"rate","points":[[)" +
               std::to_string(t) + R"(,0.5]]}]})");
  EXPECT_EQ(r.status, 202);
  EXPECT_EQ(r.body, R"({"errors":[]})");
  ASSERT_EQ(consumer.points.size(), 4u);
  EXPECT_EQ(consumer.points[0].metric, "app.requests");
  EXPECT_EQ(consumer.points[0].kind, "count");
  EXPECT_EQ(consumer.points[0].value, 5);
  EXPECT_EQ(consumer.points[0].timestamp_ms, t * 1000);
  EXPECT_EQ(consumer.points[1].value, 7.5);
  EXPECT_EQ(consumer.points[0].tags.at("host"), "h1");
  EXPECT_EQ(consumer.points[0].tags.at("env"), "prod");
  EXPECT_EQ(consumer.points[0].tags.at("service"), "web");
  EXPECT_EQ(consumer.points[2].kind, "gauge");
  EXPECT_EQ(consumer.points[2].value, 21.5);
  EXPECT_EQ(consumer.points[3].kind, "rate");
  EXPECT_EQ(consumer.points[3].value, 0.5);
}

TEST_F(DatadogHttpTest, SeriesV1BadInput) {
  EXPECT_EQ(post("/api/v1/series", R"({"series":{}})").status, 400);
  EXPECT_EQ(post("/api/v1/series", R"([])").status, 400);
  EXPECT_EQ(post("/api/v1/series", R"({"series":[)").status, 400);
  const int64_t t = now_seconds();
  net::Response r = post(
      "/api/v1/series",
      R"({"series":[{"metric":"ok","points":[[)" + std::to_string(t) +
          R"(,1],["x",2],[1]]},{"metric":5,"points":[]},{"metric":"m","type":"histogram","points":[]},)"
          R"({"metric":"m","tags":[1],"points":[]},{"metric":"m"}]})");
  EXPECT_EQ(r.status, 202);
  auto j = nlohmann::json::parse(r.body);
  EXPECT_EQ(j["dropped"], 6);
  EXPECT_EQ(j["errors"].size(), 5u);
  EXPECT_EQ(j["errors"][0], "series[0].points[1]: expected [timestamp, value] numbers");
  ASSERT_EQ(consumer.points.size(), 1u);
  EXPECT_EQ(
      counter(R"(heeler_intake_http_dropped_total{endpoint="/api/v1/series",reason="bad_point"})"),
      2u);
  // Clamped timestamps.
  r = post("/api/v1/series", R"({"series":[{"metric":"late","points":[[-5,1],[99999999999,2]]}]})");
  EXPECT_EQ(r.status, 202);
  EXPECT_GE(consumer.points.back().timestamp_ms, t * 1000);
}

TEST_F(DatadogHttpTest, SeriesV2) {
  const int64_t t = now_seconds() - 5;
  net::Response r =
      post("/api/v2/series",
           R"({"series":[{"metric":"v2.count","type":1,"unit":"request","interval":10,)"
           R"("points":[{"timestamp":)" +
               std::to_string(t) +
               R"(,"value":3}],)"
               R"("resources":[{"name":"host-9","type":"host"}],"tags":["env:staging"]},)"
               R"({"metric":"v2.rate","type":2,"points":[{"timestamp":)" +
               std::to_string(t) +
               R"(,"value":1.25}]},{"metric":"v2.gauge","type":3,"points":[{"timestamp":)" +
               std::to_string(t) +
               R"(,"value":-4}]},{"metric":"v2.unspecified","points":[{"timestamp":)" +
               std::to_string(t) + R"(,"value":9}]}]})");
  EXPECT_EQ(r.status, 202);
  EXPECT_EQ(r.body, R"({"errors":[]})");
  ASSERT_EQ(consumer.points.size(), 4u);
  EXPECT_EQ(consumer.points[0].kind, "count");
  EXPECT_EQ(consumer.points[0].tags.at("host"), "host-9");
  EXPECT_EQ(consumer.points[0].tags.at("env"), "staging");
  EXPECT_EQ(consumer.points[0].timestamp_ms, t * 1000);
  EXPECT_EQ(consumer.points[1].kind, "rate");
  EXPECT_EQ(consumer.points[1].value, 1.25);
  EXPECT_EQ(consumer.points[2].kind, "gauge");
  EXPECT_EQ(consumer.points[2].value, -4);
  EXPECT_EQ(consumer.points[3].kind, "gauge");

  r = post(
      "/api/v2/series",
      R"({"series":[{"metric":"m","type":7,"points":[]},{"metric":"m","points":[{"timestamp":"x","value":1}]}]})");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(nlohmann::json::parse(r.body)["errors"][0], "series[0]: \"type\" must be 0, 1, 2 or 3");
}

using AgentPayload = datadog::agentpayload::MetricPayload;

AgentPayload::MetricSeries* add_series(AgentPayload& payload, const std::string& metric,
                                       AgentPayload::MetricType type) {
  AgentPayload::MetricSeries* s = payload.add_series();
  s->set_metric(metric);
  s->set_type(type);
  return s;
}

void add_point(AgentPayload::MetricSeries* s, int64_t seconds, double value) {
  auto* p = s->add_points();
  p->set_timestamp(seconds);
  p->set_value(value);
}

std::string serialize(const AgentPayload& payload) {
  std::string out;
  EXPECT_TRUE(payload.SerializeToString(&out));
  return out;
}

TEST_F(DatadogHttpTest, SeriesV2Protobuf) {
  const int64_t t = now_seconds() - 5;
  AgentPayload payload;
  AgentPayload::MetricSeries* count = add_series(payload, "agent.count", AgentPayload::COUNT);
  add_point(count, t, 3);
  add_point(count, t + 10, 4);
  count->add_tags("env:staging");
  count->add_tags("");
  count->set_interval(10);
  auto* host = count->add_resources();
  host->set_type("host");
  host->set_name("host-9");
  auto* device = count->add_resources();
  device->set_type("device");
  device->set_name("sda");
  add_point(add_series(payload, "agent.rate", AgentPayload::RATE), t, 1.25);
  add_point(add_series(payload, "agent.gauge", AgentPayload::GAUGE), t, -4);
  add_point(add_series(payload, "agent.unspecified", AgentPayload::UNSPECIFIED), t, 9);
  add_point(add_series(payload, "agent.late", AgentPayload::GAUGE), 99'999'999'999, 1);

  net::Response r = send("POST", "/api/v2/series", serialize(payload),
                         {{"Content-Type", "application/x-protobuf"}});
  EXPECT_EQ(r.status, 202) << r.body;
  EXPECT_EQ(r.body, R"({"errors":[]})");
  ASSERT_EQ(consumer.points.size(), 6u);
  const Point& p = consumer.points[0];
  EXPECT_EQ(p.metric, "agent.count");
  EXPECT_EQ(p.kind, "count");
  EXPECT_EQ(p.value, 3);
  EXPECT_EQ(p.timestamp_ms, t * 1000);
  const std::map<std::string, std::string> tags = {
      {"env", "staging"}, {"host", "host-9"}, {"device", "sda"}};
  EXPECT_EQ(p.tags, tags);
  EXPECT_EQ(consumer.points[1].timestamp_ms, (t + 10) * 1000);
  EXPECT_EQ(consumer.points[2].kind, "rate");
  EXPECT_EQ(consumer.points[2].value, 1.25);
  EXPECT_EQ(consumer.points[3].kind, "gauge");
  EXPECT_EQ(consumer.points[3].value, -4);
  EXPECT_EQ(consumer.points[4].kind, "gauge");
  // An absurd timestamp is replaced by the receive time and counted.
  EXPECT_GE(consumer.points[5].timestamp_ms, t * 1000);
  EXPECT_EQ(counter(R"(heeler_intake_http_clamped_timestamps_total{endpoint="/api/v2/series"})"),
            1u);

  // An empty payload is valid and stores nothing.
  EXPECT_EQ(send("POST", "/api/v2/series", "", {{"Content-Type", "application/x-protobuf"}}).status,
            202);
}

TEST_F(DatadogHttpTest, SeriesV2ProtobufBadInput) {
  // Truncated: the series field declares 5 bytes, none follow.
  net::Response r = send("POST", "/api/v2/series", std::string("\x0a\x05", 2),
                         {{"Content-Type", "application/x-protobuf"}});
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("invalid protobuf"), std::string::npos) << r.body;

  // Series without a metric or with an unknown type are dropped, the rest is kept.
  const int64_t t = now_seconds();
  AgentPayload payload;
  add_point(add_series(payload, "", AgentPayload::GAUGE), t, 1);
  add_point(add_series(payload, "weird", static_cast<AgentPayload::MetricType>(9)), t, 1);
  add_point(add_series(payload, "fine", AgentPayload::GAUGE), t, 2);
  r = send("POST", "/api/v2/series", serialize(payload),
           {{"Content-Type", "application/x-protobuf; charset=binary"}});
  EXPECT_EQ(r.status, 202);
  const auto j = nlohmann::json::parse(r.body);
  EXPECT_EQ(j["dropped"], 2);
  EXPECT_EQ(j["errors"][0], "series[0]: \"metric\" must not be empty");
  EXPECT_EQ(j["errors"][1], "series[1]: \"type\" must be 0, 1, 2 or 3");
  ASSERT_EQ(consumer.points.size(), 1u);
  EXPECT_EQ(consumer.points[0].metric, "fine");

  // Nothing valid: 400.
  AgentPayload nothing;
  add_point(add_series(nothing, "", AgentPayload::GAUGE), t, 1);
  EXPECT_EQ(send("POST", "/api/v2/series", serialize(nothing),
                 {{"Content-Type", "application/x-protobuf"}})
                .status,
            400);

  // v1 has no protobuf form.
  EXPECT_EQ(send("POST", "/api/v1/series", serialize(payload),
                 {{"Content-Type", "application/x-protobuf"}})
                .status,
            415);
}

TEST(DatadogSeriesProtobuf, DecoderDirectly) {
  AgentPayload payload;
  add_point(add_series(payload, "direct", AgentPayload::COUNT), 1'700'000'000, 5);
  add_point(add_series(payload, "before_1970", AgentPayload::GAUGE), -10, 5);
  pipeline::MetricBatch batch;
  DropReport report;
  const int64_t now = 1'700'000'100LL * 1'000'000'000;
  ASSERT_TRUE(decode_series_v2_protobuf(serialize(payload), now, batch, report).ok());
  EXPECT_EQ(batch.size(), 2u);
  EXPECT_EQ(report.items, 2u);
  EXPECT_EQ(report.clamped, 1u);
  EXPECT_TRUE(batch.points().validate().ok());
  pipeline::MetricBatch bad;
  DropReport bad_report;
  EXPECT_EQ(decode_series_v2_protobuf("\xff\xff", now, bad, bad_report).code(),
            core::Code::invalid_argument);
}

TEST_F(DatadogHttpTest, Events) {
  const int64_t t = now_seconds() - 100;
  net::Response r =
      post("/api/v1/events",
           R"({"title":"Deploy","text":"v2 out","date_happened":)" + std::to_string(t) +
               R"(,"priority":"low","host":"h2","tags":["service:web","env:prod","team:a"],)"
               R"("alert_type":"warning","aggregation_key":"dep","source_type_name":"jenkins"})");
  EXPECT_EQ(r.status, 202);
  auto j = nlohmann::json::parse(r.body);
  EXPECT_EQ(j["status"], "ok");
  EXPECT_EQ(j["event"]["title"], "Deploy");
  EXPECT_EQ(j["event"]["date_happened"], t);
  ASSERT_EQ(consumer.events.size(), 1u);
  const EventRow& e = consumer.events[0];
  EXPECT_EQ(e.timestamp_ms, t * 1000);
  EXPECT_EQ(e.title, "Deploy");
  EXPECT_EQ(e.text, "v2 out");
  EXPECT_EQ(e.source, "jenkins");
  EXPECT_EQ(e.priority, "low");
  EXPECT_EQ(e.alert_type, "warning");
  EXPECT_EQ(e.host, "h2");
  EXPECT_EQ(e.service, "web");
  EXPECT_EQ(e.env, "prod");
  EXPECT_EQ(e.aggregation_key, "dep");
  EXPECT_EQ(e.tags.at("team"), "a");

  EXPECT_EQ(post("/api/v1/events", R"({"text":"no title"})").status, 400);
  EXPECT_EQ(post("/api/v1/events", R"({"title":1})").status, 400);
  EXPECT_EQ(post("/api/v1/events", R"([])").status, 400);
  EXPECT_EQ(consumer.events.size(), 1u);
}

TEST_F(DatadogHttpTest, CheckRuns) {
  const int64_t t = now_seconds() - 10;
  net::Response r =
      post("/api/v1/check_run",
           R"([{"check":"app.ok","host_name":"h1","status":0,"timestamp":)" + std::to_string(t) +
               R"(,"message":"fine","tags":["env:prod"]},{"check":"app.warn","status":1},)"
               R"({"check":"app.err","status":2},{"check":"app.unknown","status":3}])");
  EXPECT_EQ(r.status, 202);
  EXPECT_EQ(r.body, R"({"status":"ok"})");
  ASSERT_EQ(consumer.events.size(), 4u);
  EXPECT_EQ(consumer.events[0].title, "app.ok");
  EXPECT_EQ(consumer.events[0].source, "service_check");
  EXPECT_EQ(consumer.events[0].alert_type, "success");
  EXPECT_EQ(consumer.events[0].host, "h1");
  EXPECT_EQ(consumer.events[0].text, "fine");
  EXPECT_EQ(consumer.events[0].env, "prod");
  EXPECT_EQ(consumer.events[0].timestamp_ms, t * 1000);
  EXPECT_EQ(consumer.events[1].alert_type, "warning");
  EXPECT_EQ(consumer.events[2].alert_type, "error");
  EXPECT_EQ(consumer.events[3].alert_type, "info");

  r = post("/api/v1/check_run",
           R"([{"check":"x","status":4},{"status":0},{"check":"y","status":0}])");
  EXPECT_EQ(r.status, 202);
  auto j = nlohmann::json::parse(r.body);
  EXPECT_EQ(j["status"], "ok");
  EXPECT_EQ(j["dropped"], 2);
  EXPECT_EQ(consumer.events.size(), 5u);
  EXPECT_EQ(post("/api/v1/check_run", R"([{"check":"x","status":"0"}])").status, 400);
}

TEST_F(DatadogHttpTest, ValidateWithoutKeys) {
  net::Response r = send("GET", "/api/v1/validate", "");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, R"({"valid":true})");
}

TEST_F(DatadogHttpTest, ApiKeysAcceptAndReject) {
  build("secret1, secret2");
  const std::string log = R"([{"message":"x"}])";
  EXPECT_EQ(send("POST", "/api/v2/logs", log).status, 403);
  net::Response r = send("POST", "/api/v2/logs", log, {{"DD-API-KEY", "wrong"}});
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(r.body, R"({"errors":["Forbidden"]})");
  EXPECT_EQ(send("POST", "/api/v1/series", R"({"series":[]})", {{"dd-api-key", "nope"}}).status,
            403);
  EXPECT_EQ(send("POST", "/api/v1/events", R"({"title":"t"})").status, 403);
  EXPECT_EQ(send("POST", "/api/v1/check_run", "[]").status, 403);
  EXPECT_TRUE(consumer.logs.empty());
  EXPECT_TRUE(consumer.events.empty());
  EXPECT_EQ(counter("heeler_intake_http_forbidden_total"), 5u);

  EXPECT_EQ(send("POST", "/api/v2/logs", log, {{"dd-api-key", "secret1"}}).status, 202);
  EXPECT_EQ(send("POST", "/api/v2/logs", log, {}, {{"dd-api-key", "secret2"}}).status, 202);
  // Older agents put the key in the path.
  EXPECT_EQ(send("POST", "/v1/input/secret1", log).status, 202);
  EXPECT_EQ(send("POST", "/v1/input/other", log).status, 403);
  EXPECT_EQ(consumer.logs.size(), 3u);

  EXPECT_EQ(send("GET", "/api/v1/validate", "", {{"DD-API-KEY", "bad"}}).status, 403);
  r = send("GET", "/api/v1/validate", "", {{"DD-API-KEY", "secret2"}});
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, R"({"valid":true})");
}

TEST(DatadogHttpDecode, ReportKeepsFirstFiveReasons) {
  pipeline::LogBatch batch;
  DropReport report;
  ASSERT_TRUE(decode_logs("[1,2,3,4,5,6,7]", 1'700'000'000'000'000'000, batch, report).ok());
  EXPECT_EQ(report.dropped, 7u);
  EXPECT_EQ(report.errors.size(), DropReport::kMaxErrors);
  EXPECT_EQ(report.by_reason.at("not_object"), 7u);
  pipeline::MetricBatch metrics;
  DropReport r2;
  core::Status s = decode_series_v1("{\"series\": [tru", 0, metrics, r2);
  EXPECT_EQ(s.code(), core::Code::invalid_argument);
}

}  // namespace
}  // namespace heeler::intake

namespace heeler::intake {
namespace {

// Three events as the browser RUM SDK sends them: one per line, nested fields.
std::string rum_body(int64_t date_ms) {
  const std::string d = std::to_string(date_ms);
  return R"({"type":"view","date":)" + d +
         R"(,"_dd":{"format_version":2,"document_version":3,"configuration":{"session_sample_rate":100}},)"
         R"("application":{"id":"app-1"},"session":{"id":"s-1","type":"user"},)"
         R"("view":{"id":"v-1","url":"https://shop.example.com/cart?step=2#top","time_spent":421000000,"error":{"count":1}},)"
         R"("service":"web-svc","version":"3.0.0","ddtags":"sdk_version:7.16.2,env:prod,service:web-svc,version:3.0.0",)"
         R"("usr":{"id":"u-1","email":"alice@example.com"},"device":{"locales":["en-US","en"]}})"
         "\n"
         R"({"type":"resource","date":)" +
         d +
         R"(,"_dd":{"trace_id":"123","span_id":"456","discarded":false},"application":{"id":"app-1"},)"
         R"("session":{"id":"s-1"},"view":{"id":"v-1","url":"https://shop.example.com/cart"},)"
         R"("resource":{"id":"r-1","type":"fetch","method":"POST","status_code":503,"duration":1500000000,"url":"https://shop.example.com/api/pay"},)"
         R"("ddtags":"env:prod,service:web-svc"})"
         "\r\n\n"
         R"({"type":"error","date":)" +
         d +
         R"(,"application":{"id":"app-1"},"session":{"id":"s-1"},"view":{"id":"v-1","url":"https://shop.example.com/cart","name":"Cart"},)"
         R"("error":{"id":"e-1","message":"Payment failed","source":"source","handling":"unhandled","is_crash":true}})"
         "\n";
}

TEST_F(DatadogHttpTest, RumEvents) {
  const int64_t ts_ms = (now_seconds() - 30) * 1000;
  net::Response r = send("POST", "/api/v2/rum", rum_body(ts_ms),
                         {{"Content-Type", "text/plain;charset=UTF-8"}}, {{"ddsource", "browser"}});
  EXPECT_EQ(r.status, 202) << r.body;
  EXPECT_EQ(r.body, "{}");
  ASSERT_EQ(r.headers.size(), 1u);
  EXPECT_EQ(r.headers[0].name, "Access-Control-Allow-Origin");
  ASSERT_EQ(consumer.rum.size(), 3u);
  const RumRow& view = consumer.rum[0];
  EXPECT_EQ(view.timestamp_ms, ts_ms);
  EXPECT_EQ(view.type, "view");
  EXPECT_EQ(view.event_id, "v-1");
  EXPECT_EQ(view.document_version, 3u);
  EXPECT_EQ(view.application_id, "app-1");
  EXPECT_EQ(view.session_id, "s-1");
  EXPECT_EQ(view.view_id, "v-1");
  EXPECT_EQ(view.view_name, "/cart");  // no view.name: the URL's path
  EXPECT_EQ(view.view_url, "https://shop.example.com/cart?step=2#top");
  EXPECT_EQ(view.service, "web-svc");
  EXPECT_EQ(view.env, "prod");
  EXPECT_EQ(view.version, "3.0.0");
  EXPECT_EQ(view.attributes.at("usr.email"), "alice@example.com");
  EXPECT_EQ(view.attributes.at("session.type"), "user");
  EXPECT_EQ(view.attributes.at("view.url_host"), "shop.example.com");
  EXPECT_EQ(view.attributes.at("view.url_path"), "/cart");
  EXPECT_EQ(view.attributes.at("device.locales"), R"(["en-US","en"])");
  EXPECT_EQ(std::stod(view.numeric.at("view.time_spent")), 421000000);
  EXPECT_EQ(std::stod(view.numeric.at("view.error.count")), 1);
  EXPECT_FALSE(view.attributes.contains("ddtags"));
  EXPECT_FALSE(view.numeric.contains("_dd.configuration.session_sample_rate"));
  EXPECT_FALSE(view.numeric.contains("_dd.document_version"));

  const RumRow& resource = consumer.rum[1];
  EXPECT_EQ(resource.event_id, "r-1");
  EXPECT_EQ(resource.document_version, 0u);
  EXPECT_EQ(std::stod(resource.numeric.at("resource.status_code")), 503);
  EXPECT_EQ(std::stod(resource.numeric.at("resource.duration")), 1.5e9);
  EXPECT_EQ(resource.attributes.at("resource.method"), "POST");
  EXPECT_EQ(resource.attributes.at("_dd.trace_id"), "123");  // links the request to its trace
  EXPECT_EQ(resource.attributes.at("_dd.span_id"), "456");
  EXPECT_FALSE(resource.attributes.contains("_dd.discarded"));
  EXPECT_EQ(resource.service, "web-svc");  // from ddtags

  const RumRow& error = consumer.rum[2];
  EXPECT_EQ(error.event_id, "e-1");
  EXPECT_EQ(error.view_name, "Cart");
  EXPECT_EQ(error.attributes.at("error.message"), "Payment failed");
  EXPECT_EQ(error.attributes.at("error.is_crash"), "true");
  EXPECT_EQ(counter(R"(heeler_intake_http_items_total{endpoint="/api/v2/rum"})"), 3u);
}

TEST_F(DatadogHttpTest, RumDeflateAndProxyForm) {
  const int64_t ts_ms = (now_seconds() - 30) * 1000;
  // compressIntakeRequests: a zlib body, said only in the dd-evp-encoding parameter.
  net::Response r = send("POST", "/api/v2/rum", net::deflate_compress(rum_body(ts_ms)), {},
                         {{"ddsource", "browser"}, {"dd-evp-encoding", "deflate"}});
  EXPECT_EQ(r.status, 202) << r.body;
  EXPECT_EQ(consumer.rum.size(), 3u);
  // The SDK's proxy option: one URL, the intake path and query in ddforward.
  r = send("POST", "/api/v2/browser-intake", net::deflate_compress(rum_body(ts_ms)), {},
           {{"ddforward", "/api/v2/rum?ddsource=browser&dd-evp-encoding=deflate&_dd.api=fetch"}});
  EXPECT_EQ(r.status, 202) << r.body;
  EXPECT_EQ(consumer.rum.size(), 6u);
  r = send("POST", "/api/v2/browser-intake", R"({"message":"from the page"})", {},
           {{"ddforward", "/api/v2/logs?ddsource=browser"}});
  EXPECT_EQ(r.status, 202) << r.body;
  ASSERT_EQ(consumer.logs.size(), 1u);
  EXPECT_EQ(consumer.logs[0].source, "browser");
  r = send("POST", "/api/v2/browser-intake", "{}", {}, {});
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("ddforward is missing"), std::string::npos) << r.body;
  r = send("POST", "/api/v2/browser-intake", "{}", {}, {{"ddforward", "/api/v2/replay?x=1"}});
  EXPECT_EQ(r.status, 404);
  EXPECT_NE(r.body.find("'/api/v2/replay' is not served here"), std::string::npos) << r.body;
  // Preflight for a cross-origin page.
  r = send("OPTIONS", "/api/v2/rum", "");
  EXPECT_EQ(r.status, 204);
  bool allow_origin = false;
  for (const auto& h : r.headers) allow_origin |= h.name == "Access-Control-Allow-Origin";
  EXPECT_TRUE(allow_origin);
}

TEST_F(DatadogHttpTest, RumBadInput) {
  const int64_t ts_ms = (now_seconds() - 30) * 1000;
  net::Response r = post("/api/v2/rum", "not json");
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("invalid JSON at byte 1"), std::string::npos) << r.body;
  r = post("/api/v2/rum", "42");
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("expected RUM event objects"), std::string::npos) << r.body;
  // A broken line and an event without a type are dropped; the rest is kept.
  r = post("/api/v2/rum", "{\"type\":\"action\",\"action\":{\"id\":\"a-1\"},\"date\":" +
                              std::to_string(ts_ms) + "}\n{broken\n{\"date\":1}\n[1]\n");
  EXPECT_EQ(r.status, 202) << r.body;
  const auto answer = nlohmann::json::parse(r.body);
  EXPECT_EQ(answer["dropped"], 3);
  EXPECT_NE(answer["errors"][1].get<std::string>().find("\"type\" must be a non-empty string"),
            std::string::npos)
      << r.body;
  ASSERT_EQ(consumer.rum.size(), 1u);
  EXPECT_EQ(consumer.rum[0].event_id, "a-1");
  // Nothing usable: 400 and nothing stored.
  r = post("/api/v2/rum", "{\"date\":1}\n{\"type\":7}\n");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(consumer.rum.size(), 1u);
  // An absurd date becomes the receive time; a missing id gets one from the content.
  r = post("/api/v2/rum", R"({"type":"vital","date":99999999999999999})");
  EXPECT_EQ(r.status, 202);
  ASSERT_EQ(consumer.rum.size(), 2u);
  EXPECT_NEAR(consumer.rum[1].timestamp_ms, now_seconds() * 1000, 5000);
  EXPECT_EQ(consumer.rum[1].event_id.size(), 16u);
  // Hostile nesting stops at a depth, without failing the event.
  std::string deep = R"({"type":"action","action":{"id":"deep"},"x":)";
  for (int i = 0; i < 500; ++i) deep += R"({"a":)";
  deep += "1";
  for (int i = 0; i < 500; ++i) deep += "}";
  deep += "}";
  r = post("/api/v2/rum", deep);
  EXPECT_EQ(r.status, 202) << r.body;
  EXPECT_EQ(consumer.rum.back().event_id, "deep");
  // Encodings other than deflate, and corrupt deflate data.
  r = send("POST", "/api/v2/rum", "x", {}, {{"dd-evp-encoding", "br"}});
  EXPECT_EQ(r.status, 415);
  r = send("POST", "/api/v2/rum", "not zlib", {}, {{"dd-evp-encoding", "deflate"}});
  EXPECT_EQ(r.status, 400);
}

TEST_F(DatadogHttpTest, RumClientTokenIsAnApiKey) {
  build("k1");
  net::Response r = send("POST", "/api/v2/rum", R"({"type":"view","view":{"id":"v"}})", {},
                         {{"dd-api-key", "k2"}});
  EXPECT_EQ(r.status, 403);
  EXPECT_TRUE(consumer.rum.empty());
  r = send("POST", "/api/v2/rum", R"({"type":"view","view":{"id":"v"}})", {},
           {{"dd-api-key", "k1"}});
  EXPECT_EQ(r.status, 202);
  EXPECT_EQ(consumer.rum.size(), 1u);
}

}  // namespace
}  // namespace heeler::intake
