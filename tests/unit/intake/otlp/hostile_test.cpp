// Hostile OTLP input: truncated and random bodies, huge values, invalid UTF-8,
// deep nesting, and a request with a million data points.
#include <gtest/gtest.h>
#include <sys/resource.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <random>
#include <string>

#include "otlp_test_util.h"

namespace heeler::intake::otlp::test {
namespace {

void varint(uint64_t v, std::string& out) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>(v | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}

// A length-delimited protobuf field.
std::string field(int number, const std::string& payload) {
  std::string out;
  varint(static_cast<uint64_t>(number) << 3 | 2, out);
  varint(payload.size(), out);
  return out + payload;
}

// ExportTraceServiceRequest{resource_spans{scope_spans{spans{<span_fields>}}}}.
std::string trace_request_bytes(const std::string& span_fields) {
  return field(1, field(2, field(2, span_fields)));
}

// A JSON traces request with one span whose attribute "huge" has `value` (no escapes).
std::string one_attribute_json(const std::string& value) {
  return R"({"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"0102030405060708090a0b0c0d0e0f10",)"
         R"("spanId":"0102030405060708","attributes":[{"key":"huge","value":{"stringValue":")" +
         value + R"("}}]}]}]}]})";
}

TraceRequest sample_traces() {
  TraceRequest request;
  fill_resource(*request.add_resource_spans()->mutable_resource());
  trace::ScopeSpans* scope = request.mutable_resource_spans(0)->add_scope_spans();
  for (int i = 0; i < 3; ++i) {
    trace::Span* span = scope->add_spans();
    span->set_trace_id(std::string(16, 'T'));
    span->set_span_id(std::string(7, 'S') + static_cast<char>('0' + i));
    span->set_name("span name " + std::to_string(i));
    span->set_start_time_unix_nano(kNow);
    span->set_end_time_unix_nano(kNow + 10);
    add_string(*span->mutable_attributes(), "k", "value");
    add_int(*span->mutable_attributes(), "n", 12345);
  }
  return request;
}

// Parses `body` as `signal` (0 traces, 1 logs, 2 metrics); when it parses, converts it
// and checks the batch. Returns the parse status.
core::Status decode_any(int signal, std::string_view body, Encoding encoding) {
  if (signal == 0) {
    TraceRequest request;
    core::Status s = parse_request(body, encoding, request);
    if (s.ok()) {
      pipeline::SpanBatch batch;
      ExportResult result;
      convert_traces(request, kNow, batch, result);
      EXPECT_EQ(batch.size(), result.accepted);
      EXPECT_TRUE(batch.columns().validate().ok());
    }
    return s;
  }
  if (signal == 1) {
    LogsRequest request;
    core::Status s = parse_request(body, encoding, request);
    if (s.ok()) {
      pipeline::LogBatch batch;
      ExportResult result;
      convert_logs(request, kNow, batch, result);
      EXPECT_EQ(batch.size(), result.accepted);
      EXPECT_TRUE(batch.columns().validate().ok());
    }
    return s;
  }
  MetricsRequest request;
  core::Status s = parse_request(body, encoding, request);
  if (s.ok()) {
    pipeline::CumulativeToDelta deltas(0);
    pipeline::MetricBatch batch;
    ExportResult result;
    convert_metrics(request, MetricContext{&deltas, kNow}, batch, result);
    EXPECT_TRUE(batch.points().validate().ok());
    EXPECT_TRUE(batch.series().validate().ok());
  }
  return s;
}

TEST(OtlpHostile, TruncatedProtobufIsRefusedCleanly) {
  const std::string wire = sample_traces().SerializeAsString();
  size_t refused = 0;
  for (size_t n = 0; n < wire.size(); ++n) {
    TraceRequest request;
    const core::Status s = parse_request(wire.substr(0, n), Encoding::protobuf, request);
    if (s.ok()) continue;
    ++refused;
    EXPECT_EQ(s.code(), core::Code::invalid_argument);
    EXPECT_EQ(s.message().rfind("malformed protobuf ExportTraceServiceRequest", 0), 0u)
        << s.message();
  }
  EXPECT_GT(refused, wire.size() / 2);
  // Cut inside the first span's name.
  TraceRequest request;
  const size_t at = wire.find("span name 0") + 4;
  EXPECT_EQ(parse_request(wire.substr(0, at), Encoding::protobuf, request).code(),
            core::Code::invalid_argument);
}

TEST(OtlpHostile, RandomBytesNeverCrash) {
  std::mt19937_64 rng(20261122);
  const std::string valid = sample_traces().SerializeAsString();
  for (int i = 0; i < 3000; ++i) {
    std::string body;
    if (i % 3 == 0) {
      body = valid;  // a valid body with a few bytes changed
      for (int k = 0; k < 4; ++k) body[rng() % body.size()] = static_cast<char>(rng());
    } else {
      body.resize(rng() % 300);
      for (char& c : body) c = static_cast<char>(rng());
    }
    for (int signal = 0; signal < 3; ++signal) {
      for (Encoding encoding : {Encoding::protobuf, Encoding::json}) {
        const core::Status s = decode_any(signal, body, encoding);
        EXPECT_TRUE(s.ok() || s.code() == core::Code::invalid_argument) << s.to_string();
      }
    }
  }
}

TEST(OtlpHostile, EmptyBodies) {
  TraceRequest request;
  EXPECT_TRUE(parse_request("", Encoding::protobuf, request).ok());
  EXPECT_TRUE(parse_request("{}", Encoding::json, request).ok());
  pipeline::SpanBatch batch;
  ExportResult result;
  convert_traces(request, kNow, batch, result);
  EXPECT_EQ(batch.size(), 0u);
  EXPECT_EQ(result.accepted + result.rejected, 0u);
}

TEST(OtlpHostile, HugeAttributeValuesAreCutAndCounted) {
  const std::string huge(10 << 20, 'x');
  TraceRequest request = sample_traces();
  trace::Span* span = request.mutable_resource_spans(0)->mutable_scope_spans(0)->mutable_spans(0);
  add_string(*span->mutable_attributes(), "huge", huge);
  common::KeyValue* array = span->add_attributes();
  array->set_key("huge.array");
  array->mutable_value()->mutable_array_value()->add_values()->set_string_value(huge);
  trace::Span::Event* event = span->add_events();
  event->set_name("big");
  add_string(*event->mutable_attributes(), "payload", huge);

  const std::string wire = request.SerializeAsString();
  google::protobuf::Arena arena;
  auto* parsed = google::protobuf::Arena::CreateMessage<TraceRequest>(&arena);
  ASSERT_TRUE(parse_request(wire, Encoding::protobuf, *parsed).ok());
  pipeline::SpanBatch batch;
  ExportResult result;
  convert_traces(*parsed, kNow, batch, result);
  ASSERT_EQ(batch.size(), 3u);
  EXPECT_GE(batch.truncated(), 2u);
  const SpanRow row = span_rows(batch)[0];
  EXPECT_EQ(row.attributes.at("huge").size(), pipeline::Limits{}.max_value_bytes);
  EXPECT_EQ(row.attributes.at("huge.array").size(), pipeline::Limits{}.max_value_bytes);
  const nlohmann::json events = nlohmann::json::parse(row.events);
  EXPECT_EQ(events[0]["attributes"]["payload"].get<std::string>().size(),
            pipeline::Limits{}.max_value_bytes);

  // The same through JSON, and for logs and metric tags.
  const std::string json_body = one_attribute_json(huge);
  TraceRequest from_json;
  ASSERT_TRUE(parse_request(json_body, Encoding::json, from_json).ok());
  pipeline::SpanBatch json_batch;
  ExportResult json_result;
  convert_traces(from_json, kNow, json_batch, json_result);
  ASSERT_EQ(json_batch.size(), 1u);
  EXPECT_EQ(json_batch.truncated(), 1u);

  LogsRequest logs;
  logs::LogRecord* log = logs.add_resource_logs()->add_scope_logs()->add_log_records();
  log->mutable_body()->set_string_value(huge);
  add_string(*log->mutable_attributes(), "huge", huge);
  pipeline::LogBatch log_batch;
  ExportResult log_result;
  convert_logs(logs, kNow, log_batch, log_result);
  ASSERT_EQ(log_batch.size(), 1u);
  EXPECT_EQ(log_batch.truncated(), 2u);
  EXPECT_EQ(log_rows(log_batch)[0].message.size(), pipeline::Limits{}.max_message_bytes);

  MetricsRequest metrics_request;
  metrics::NumberDataPoint* point = metrics_request.add_resource_metrics()
                                        ->add_scope_metrics()
                                        ->add_metrics()
                                        ->mutable_gauge()
                                        ->add_data_points();
  metrics_request.mutable_resource_metrics(0)
      ->mutable_scope_metrics(0)
      ->mutable_metrics(0)
      ->set_name("g");
  point->set_as_double(1);
  point->set_time_unix_nano(kNow);
  add_string(*point->mutable_attributes(), "huge", huge);
  pipeline::MetricBatch metric_batch;
  ExportResult metric_result;
  convert_metrics(metrics_request, MetricContext{nullptr, kNow}, metric_batch, metric_result);
  ASSERT_EQ(metric_batch.size(), 1u);
  EXPECT_GE(metric_batch.truncated(), 1u);
}

TEST(OtlpHostile, InvalidUtf8IsAnInvalidArgument) {
  // A span name of two bytes that are not UTF-8: libprotobuf refuses proto3 strings
  // that are not UTF-8 when parsing.
  const std::string name = field(5, "\xff\xfe");
  TraceRequest request;
  const core::Status s = parse_request(trace_request_bytes(name), Encoding::protobuf, request);
  EXPECT_EQ(s.code(), core::Code::invalid_argument);
  EXPECT_NE(s.message().find("not UTF-8"), std::string::npos) << s.message();
  // The same bytes as `bytes` (a span id) are fine.
  EXPECT_TRUE(parse_request(trace_request_bytes(field(2, "\xff\xfe\xfd\xfc\xfb\xfa\xf9\xf8")),
                            Encoding::protobuf, request)
                  .ok());
  // An attribute key that is not UTF-8.
  const std::string attribute = field(9, field(1, "k\xc3("));
  EXPECT_EQ(parse_request(trace_request_bytes(attribute), Encoding::protobuf, request).code(),
            core::Code::invalid_argument);

  const core::Status json = parse_request(
      "{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{\"name\":\"\xc0\xaf\"}]}]}]}",
      Encoding::json, request);
  EXPECT_EQ(json.code(), core::Code::invalid_argument);
  EXPECT_EQ(json.message().rfind("invalid JSON", 0), 0u) << json.message();
}

TEST(OtlpHostile, InvalidUtf8InBuiltMessagesStillGivesValidJson) {
  // gRPC hands over parsed (so valid) messages; one built in process may not be.
  TraceRequest request = sample_traces();
  trace::Span* span = request.mutable_resource_spans(0)->mutable_scope_spans(0)->mutable_spans(0);
  trace::Span::Event* event = span->add_events();
  event->set_name("bad \xff name");
  add_string(*event->mutable_attributes(), "k\xe2\x82", "v\xed\xa0\x80");  // cut, surrogate
  common::KeyValue* array = span->add_attributes();
  array->set_key("array");
  array->mutable_value()->mutable_array_value()->add_values()->set_string_value("\x80");
  pipeline::SpanBatch batch;
  ExportResult result;
  convert_traces(request, kNow, batch, result);
  const SpanRow row = span_rows(batch)[0];
  const nlohmann::json events = nlohmann::json::parse(row.events);
  EXPECT_EQ(events[0]["name"], "bad \xef\xbf\xbd name");
  EXPECT_EQ(row.attributes.at("array"), "[\"\\ufffd\"]");
}

TEST(OtlpHostile, DeepNestingIsRefused) {
  std::string value = "\x18\x01";                                   // AnyValue{int_value: 1}
  for (int i = 0; i < 150; ++i) value = field(5, field(1, value));  // array_value.values
  const std::string attribute = field(9, field(1, "k") + field(2, value));
  TraceRequest request;
  const core::Status s = parse_request(trace_request_bytes(attribute), Encoding::protobuf, request);
  EXPECT_EQ(s.code(), core::Code::invalid_argument);

  // Within protobuf's limit the converter's own bound keeps the JSON text finite.
  std::string shallow = "\x18\x01";
  for (int i = 0; i < 40; ++i) shallow = field(5, field(1, shallow));
  ASSERT_TRUE(parse_request(trace_request_bytes(field(1, std::string(16, 'T')) +
                                                field(2, std::string(8, 'S')) +
                                                field(9, field(1, "k") + field(2, shallow))),
                            Encoding::protobuf, request)
                  .ok());
  pipeline::SpanBatch batch;
  ExportResult result;
  convert_traces(request, kNow, batch, result);
  ASSERT_EQ(batch.size(), 1u);
  EXPECT_EQ(span_rows(batch)[0].attributes.at("k"),
            std::string(40, '[') + "1" + std::string(40, ']'));
}

int64_t peak_rss_mb() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss / 1024;
}

TEST(OtlpHostile, AMillionTinyDataPoints) {
  constexpr int kPoints = 1'000'000;
  std::string wire;
  {
    MetricsRequest request;
    metrics::Metric* metric = request.add_resource_metrics()->add_scope_metrics()->add_metrics();
    metric->set_name("tiny");
    metrics::Gauge* gauge = metric->mutable_gauge();
    gauge->mutable_data_points()->Reserve(kPoints);
    for (int i = 0; i < kPoints; ++i) {
      metrics::NumberDataPoint* p = gauge->add_data_points();
      p->set_time_unix_nano(kNow - i);
      p->set_as_int(i);
    }
    wire = request.SerializeAsString();
  }
  const auto start = std::chrono::steady_clock::now();
  google::protobuf::Arena arena;
  auto* request = google::protobuf::Arena::CreateMessage<MetricsRequest>(&arena);
  ASSERT_TRUE(parse_request(wire, Encoding::protobuf, *request).ok());
  pipeline::MetricBatch batch;
  ExportResult result;
  convert_metrics(*request, MetricContext{nullptr, kNow}, batch, result);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_EQ(batch.size(), static_cast<size_t>(kPoints));
  EXPECT_EQ(result.accepted, static_cast<uint64_t>(kPoints));
  EXPECT_EQ(batch.series().rows(), 1u);
  RecordProperty("seconds", std::to_string(seconds));
  RecordProperty("peak_rss_mb", std::to_string(peak_rss_mb()));
  EXPECT_LT(seconds, 120.0);
  EXPECT_LT(peak_rss_mb(), 4096);
}

TEST(OtlpHostile, ManyJsonDataPoints) {
  constexpr int kPoints = 200'000;
  std::string body =
      R"({"resourceMetrics":[{"scopeMetrics":[{"metrics":[{"name":"tiny","gauge":{"dataPoints":[)";
  for (int i = 0; i < kPoints; ++i) {
    if (i > 0) body += ',';
    body += R"({"timeUnixNano":")" + std::to_string(kNow - i) + R"(","asInt":")" +
            std::to_string(i) + "\"}";
  }
  body += "]}}]}]}]}";
  MetricsRequest request;
  ASSERT_TRUE(parse_request(body, Encoding::json, request).ok());
  pipeline::MetricBatch batch;
  ExportResult result;
  convert_metrics(request, MetricContext{nullptr, kNow}, batch, result);
  EXPECT_EQ(batch.size(), static_cast<size_t>(kPoints));
}

}  // namespace
}  // namespace heeler::intake::otlp::test
