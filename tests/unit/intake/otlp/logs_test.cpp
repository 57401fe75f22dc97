// OTLP logs → LogBatch: the captured JS SDK bodies, body kinds, severities, times.
#include <gtest/gtest.h>

#include <string>

#include "otlp_test_util.h"

namespace heeler::intake::otlp::test {
namespace {

std::vector<LogRow> convert(const LogsRequest& request, ExportResult& result) {
  pipeline::LogBatch batch;
  convert_logs(request, kNow, batch, result);
  EXPECT_TRUE(batch.columns().validate().ok());
  return log_rows(batch);
}

std::vector<LogRow> convert_json(const std::string& body, ExportResult& result) {
  LogsRequest request;
  const core::Status s = parse_request(body, Encoding::json, request);
  EXPECT_TRUE(s.ok()) << s.message();
  return convert(request, result);
}

logs::LogRecord& add_log(LogsRequest& request) {
  if (request.resource_logs_size() == 0) {
    fill_resource(*request.add_resource_logs()->mutable_resource());
    request.mutable_resource_logs(0)->add_scope_logs();
  }
  logs::LogRecord* log = request.mutable_resource_logs(0)->mutable_scope_logs(0)->add_log_records();
  log->set_time_unix_nano(kNow - 1'000'000'000);
  return *log;
}

TEST(OtlpLogs, CapturedJsStringBody) {
  const std::vector<std::string> bodies = captured_bodies("otel_httpjson_POST_v1_logs.json");
  ASSERT_EQ(bodies.size(), 2u);
  ExportResult result;
  const std::vector<LogRow> rows = convert_json(bodies[0], result);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(result.accepted, 1u);
  EXPECT_EQ(result.clamped, 0u);
  const LogRow& r = rows[0];
  EXPECT_EQ(r.timestamp_ns, 1795318973825000000);
  EXPECT_EQ(r.message, "hello from otel logs");
  EXPECT_EQ(r.status, "info");
  EXPECT_EQ(r.severity, 9);
  EXPECT_EQ(r.service, "otel-svc");
  EXPECT_EQ(r.env, "capture-env");
  EXPECT_EQ(r.version, "2.0.0");
  EXPECT_EQ(r.host, "host-otel");
  EXPECT_EQ(r.trace_id, "400362ed3939535aada42ba962f003ec");
  EXPECT_EQ(r.span_id, "e2c007d6d44d8c8a");
  EXPECT_EQ(r.attributes.at("log.attr"), "v");
  EXPECT_EQ(r.attributes.at("n"), "7");
  EXPECT_EQ(r.attributes.at("otel.scope.name"), "capture-logger");
  EXPECT_EQ(r.attributes.at("otel.scope.version"), "0.1.0");
  EXPECT_EQ(r.attributes.at("otel.severity_text"), "INFO");
  EXPECT_EQ(r.resource_attributes.at("host.name"), "host-otel");
}

TEST(OtlpLogs, CapturedJsMapBodyIsFlattened) {
  ExportResult result;
  const std::vector<LogRow> rows =
      convert_json(captured_bodies("otel_httpjson_POST_v1_logs.json")[1], result);
  ASSERT_EQ(rows.size(), 1u);
  const LogRow& r = rows[0];
  EXPECT_EQ(r.timestamp_ns, 1795318973827000000);
  EXPECT_EQ(r.status, "error");
  EXPECT_EQ(r.severity, 17);
  EXPECT_EQ(r.message, "");
  EXPECT_EQ(r.attributes.at("structured"), "body");
  EXPECT_EQ(r.attributes.at("code"), "5");
  EXPECT_EQ(r.attributes.at("exception.type"), "Error");
  EXPECT_EQ(r.trace_id, std::string(32, '0'));
}

TEST(OtlpLogs, JsonStringBodyGoesThroughTheLogProcessor) {
  LogsRequest request;
  add_log(request).mutable_body()->set_string_value(
      R"({"message":"payment failed","user":{"id":42,"tier":"gold"},"status":"warn"})");
  ExportResult result;
  const LogRow r = convert(request, result)[0];
  EXPECT_EQ(r.message, "payment failed");
  EXPECT_EQ(r.attributes.at("user.id"), "42");
  EXPECT_EQ(r.attributes.at("user.tier"), "gold");
  EXPECT_EQ(r.status, "warning");  // no severity on the record: the body's status
}

TEST(OtlpLogs, NestedMapBodiesAndOtherBodyKinds) {
  LogsRequest request;
  common::KeyValueList* map = add_log(request).mutable_body()->mutable_kvlist_value();
  add_string(*map->mutable_values(), "message", "from map");
  common::KeyValue* inner = map->add_values();
  inner->set_key("http");
  add_int(*inner->mutable_value()->mutable_kvlist_value()->mutable_values(), "status", 503);
  add_log(request).mutable_body()->set_int_value(42);
  add_log(request).mutable_body()->set_double_value(0.25);
  common::ArrayValue* array = add_log(request).mutable_body()->mutable_array_value();
  array->add_values()->set_string_value("a");
  array->add_values()->set_bool_value(true);
  add_log(request).mutable_body()->set_bytes_value("hi");
  add_log(request);  // no body
  ExportResult result;
  const std::vector<LogRow> rows = convert(request, result);
  ASSERT_EQ(rows.size(), 6u);
  EXPECT_EQ(rows[0].message, "from map");
  EXPECT_EQ(rows[0].attributes.at("http.status"), "503");
  EXPECT_EQ(rows[1].message, "42");
  EXPECT_EQ(rows[2].message, "0.25");
  EXPECT_EQ(rows[3].message, R"(["a",true])");
  EXPECT_EQ(rows[4].message, "aGk=");
  EXPECT_EQ(rows[5].message, "");
  EXPECT_EQ(result.accepted, 6u);
}

TEST(OtlpLogs, SeverityNumbersAndTexts) {
  struct Case {
    int number;
    std::string text, status;
    int severity;
  };
  const std::vector<Case> cases = {
      {1, "", "debug", 1},        {5, "", "debug", 5},        {10, "", "info", 10},
      {13, "", "warning", 13},    {17, "x", "error", 17},     {21, "", "emergency", 21},
      {24, "", "emergency", 24},  {0, "WARN", "warning", 13}, {0, "Error", "error", 17},
      {0, "nonsense", "info", 0}, {0, "", "info", 0},         {99, "fatal", "emergency", 24},
  };
  for (const Case& c : cases) {
    LogsRequest request;
    logs::LogRecord& log = add_log(request);
    log.set_severity_number(static_cast<logs::SeverityNumber>(c.number));
    log.set_severity_text(c.text);
    ExportResult result;
    const LogRow r = convert(request, result)[0];
    EXPECT_EQ(r.status, c.status) << c.number << " " << c.text;
    EXPECT_EQ(r.severity, c.severity) << c.number << " " << c.text;
  }
}

TEST(OtlpLogs, TimesAndIds) {
  LogsRequest request;
  add_log(request).set_time_unix_nano(5);  // absurd
  logs::LogRecord& observed = add_log(request);
  observed.set_time_unix_nano(0);
  observed.set_observed_time_unix_nano(kNow - 7);
  logs::LogRecord& none = add_log(request);
  none.set_time_unix_nano(0);
  add_log(request).set_time_unix_nano(kNow + 3 * 86'400'000'000'000);
  logs::LogRecord& ids = add_log(request);
  ids.set_trace_id("0123456789abcdef");
  ids.set_span_id("short");
  ExportResult result;
  const std::vector<LogRow> rows = convert(request, result);
  ASSERT_EQ(rows.size(), 5u);
  EXPECT_EQ(rows[0].timestamp_ns, kNow);
  EXPECT_EQ(rows[1].timestamp_ns, kNow - 7);
  EXPECT_EQ(rows[2].timestamp_ns, kNow);
  EXPECT_EQ(rows[3].timestamp_ns, kNow);
  EXPECT_EQ(rows[4].trace_id, hex("0123456789abcdef"));
  EXPECT_EQ(rows[4].span_id, std::string(16, '0'));
  EXPECT_EQ(result.clamped, 2u);
  EXPECT_EQ(result.accepted, 5u);
}

TEST(OtlpLogs, RecordTimeWinsOverABodyTimestamp) {
  LogsRequest request;
  add_log(request).mutable_body()->set_string_value(
      R"({"message":"m","timestamp":"2020-01-01T00:00:00Z"})");
  logs::LogRecord& untimed = add_log(request);
  untimed.set_time_unix_nano(0);
  untimed.mutable_body()->set_string_value(R"({"message":"m","timestamp":"2026-11-22T06:00:00Z"})");
  ExportResult result;
  const std::vector<LogRow> rows = convert(request, result);
  EXPECT_EQ(rows[0].timestamp_ns, kNow - 1'000'000'000);
  EXPECT_EQ(rows[1].timestamp_ns, kNow - 3'600'000'000'000);
}

TEST(OtlpLogs, ProtobufRoundTripWithEventName) {
  LogsRequest request;
  logs::LogRecord& log = add_log(request);
  log.set_event_name("browser.page_view");
  log.mutable_body()->set_string_value("viewed");
  add_double(*log.mutable_attributes(), "load.seconds", 1.25);
  const std::string wire = request.SerializeAsString();
  LogsRequest parsed;
  ASSERT_TRUE(parse_request(wire, Encoding::protobuf, parsed).ok());
  ExportResult result;
  const LogRow r = convert(parsed, result)[0];
  EXPECT_EQ(r.message, "viewed");
  EXPECT_EQ(r.attributes.at("event.name"), "browser.page_view");
  EXPECT_EQ(r.attributes.at("load.seconds"), "1.25");
  EXPECT_EQ(r.service, "checkout");
}

}  // namespace
}  // namespace heeler::intake::otlp::test
