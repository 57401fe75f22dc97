// OTLP traces → SpanBatch: the captured JS SDK bodies, protobuf round trips, span
// types, error attributes, rejected ids and clamped times.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "otlp_test_util.h"

namespace heeler::intake::otlp::test {
namespace {

const std::string kTraceId = unhex("400362ed3939535aada42ba962f003ec");

std::vector<SpanRow> convert_json(const std::string& body, ExportResult& result) {
  TraceRequest request;
  const core::Status s = parse_request(body, Encoding::json, request);
  EXPECT_TRUE(s.ok()) << s.message();
  pipeline::SpanBatch batch;
  convert_traces(request, kNow, batch, result);
  EXPECT_TRUE(batch.columns().validate().ok());
  return span_rows(batch);
}

std::vector<SpanRow> convert(const TraceRequest& request, ExportResult& result) {
  pipeline::SpanBatch batch;
  convert_traces(request, kNow, batch, result);
  EXPECT_TRUE(batch.columns().validate().ok());
  return span_rows(batch);
}

trace::Span& add_span(TraceRequest& request, uint64_t n = 1) {
  if (request.resource_spans_size() == 0) {
    fill_resource(*request.add_resource_spans()->mutable_resource());
    request.mutable_resource_spans(0)->add_scope_spans();
  }
  trace::Span* span = request.mutable_resource_spans(0)->mutable_scope_spans(0)->add_spans();
  span->set_trace_id(kTraceId);
  span->set_span_id(std::string("\x11\x22\x33\x44\x55\x66\x77", 7) + static_cast<char>(n));
  span->set_name("op");
  span->set_start_time_unix_nano(kNow - 5'000'000);
  span->set_end_time_unix_nano(kNow - 2'000'000);
  return *span;
}

TEST(OtlpTraces, CapturedJsClientSpan) {
  const std::vector<std::string> bodies = captured_bodies("otel_httpjson_POST_v1_traces.json");
  ASSERT_EQ(bodies.size(), 3u);
  ExportResult result;
  const std::vector<SpanRow> rows = convert_json(bodies[0], result);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(result.accepted, 1u);
  EXPECT_EQ(result.rejected, 0u);
  EXPECT_EQ(result.clamped, 0u);
  const SpanRow& r = rows[0];
  EXPECT_EQ(r.trace_id, "400362ed3939535aada42ba962f003ec");
  EXPECT_EQ(r.span_id, "1e2225a2b7544f97");
  EXPECT_EQ(r.parent_span_id, "e2c007d6d44d8c8a");
  EXPECT_EQ(r.timestamp_ns, 1795318973814000000);
  EXPECT_EQ(r.duration_ns, 221526u);
  EXPECT_EQ(r.service, "otel-svc");
  EXPECT_EQ(r.env, "capture-env");
  EXPECT_EQ(r.version, "2.0.0");
  EXPECT_EQ(r.host, "host-otel");
  EXPECT_EQ(r.name, "db.select");
  EXPECT_EQ(r.resource, "db.select");  // no query text or operation: the name
  EXPECT_EQ(r.kind, "client");
  EXPECT_EQ(r.type, "sql");
  EXPECT_FALSE(r.error);
  EXPECT_EQ(r.status_code, 0);
  EXPECT_EQ(r.attributes.at("db.system"), "postgresql");
  EXPECT_EQ(r.attributes.at("otel.scope.name"), "capture-tracer");
  EXPECT_EQ(r.attributes.at("otel.scope.version"), "0.1.0");
  EXPECT_EQ(r.resource_attributes.at("service.name"), "otel-svc");
  EXPECT_EQ(r.resource_attributes.at("deployment.environment.name"), "capture-env");
  EXPECT_EQ(r.resource_attributes.size(), 4u);
  EXPECT_EQ(
      r.events,
      R"([{"time_unix_nano":1795318973814145673,"name":"rows.fetched","attributes":{"count":3}}])");
  EXPECT_EQ(r.links, "[]");
}

TEST(OtlpTraces, CapturedJsErrorSpanGetsDatadogErrorAttributes) {
  ExportResult result;
  const std::vector<SpanRow> rows =
      convert_json(captured_bodies("otel_httpjson_POST_v1_traces.json")[1], result);
  ASSERT_EQ(rows.size(), 1u);
  const SpanRow& r = rows[0];
  EXPECT_EQ(r.span_id, "95c32279e6a97388");
  EXPECT_EQ(r.parent_span_id, "e2c007d6d44d8c8a");
  EXPECT_EQ(r.name, "failing");
  EXPECT_EQ(r.kind, "internal");
  EXPECT_EQ(r.type, "custom");
  EXPECT_TRUE(r.error);
  EXPECT_EQ(r.status_code, 2);
  EXPECT_EQ(r.status_message, "otel boom");
  EXPECT_EQ(r.attributes.at("error.message"), "otel boom");
  EXPECT_EQ(r.attributes.at("error.type"), "Error");
  EXPECT_EQ(r.attributes.at("error.stack").rfind("Error: otel boom\n    at Object.<anonymous>", 0),
            0u);
  const nlohmann::json events = nlohmann::json::parse(r.events);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0]["name"], "exception");
  EXPECT_EQ(events[0]["time_unix_nano"].get<uint64_t>(), 1795318973817490800ULL);
  EXPECT_EQ(events[0]["attributes"]["exception.type"], "Error");
  EXPECT_EQ(events[0]["attributes"]["exception.message"], "otel boom");
  EXPECT_EQ(events[0]["attributes"]["exception.stacktrace"], r.attributes.at("error.stack"));
}

TEST(OtlpTraces, CapturedJsServerRootSpan) {
  ExportResult result;
  const std::vector<SpanRow> rows =
      convert_json(captured_bodies("otel_httpjson_POST_v1_traces.json")[2], result);
  ASSERT_EQ(rows.size(), 1u);
  const SpanRow& r = rows[0];
  EXPECT_EQ(r.span_id, "e2c007d6d44d8c8a");
  EXPECT_EQ(r.parent_span_id, "0000000000000000");
  EXPECT_EQ(r.timestamp_ns, 1795318973813000000);
  EXPECT_EQ(r.duration_ns, 4737403u);
  EXPECT_EQ(r.kind, "server");
  EXPECT_EQ(r.type, "web");
  EXPECT_EQ(r.resource, "GET");  // no http.route: the method alone, as Datadog names it
  EXPECT_EQ(r.attributes.at("http.request.method"), "GET");
  EXPECT_EQ(r.attributes.at("http.response.status_code"), "200");
  EXPECT_EQ(r.attributes.at("custom.bool"), "true");
  EXPECT_EQ(r.attributes.at("custom.arr"), R"(["a","b"])");
  EXPECT_EQ(r.attributes.at("custom.float"), "1.5");
  EXPECT_EQ(r.metrics.size(), 3u);
  EXPECT_EQ(r.metrics.at("http.response.status_code"), 200.0);
  EXPECT_EQ(r.metrics.at("http.status_code"), 200.0);  // Datadog's name, added
  EXPECT_EQ(r.attributes.at("http.status_code"), "200");
  EXPECT_EQ(r.metrics.at("custom.float"), 1.5);
  EXPECT_EQ(r.events, "[]");
  EXPECT_EQ(r.links,
            R"([{"trace_id":"400362ed3939535aada42ba962f003ec","span_id":"1e2225a2b7544f97",)"
            R"("flags":257,"attributes":{"link.attr":"x"}}])");
}

TEST(OtlpTraces, ProtobufRoundTrip) {
  TraceRequest request;
  trace::Span& span = add_span(request);
  span.set_kind(trace::Span::SPAN_KIND_SERVER);
  span.set_name("http.server");
  span.set_parent_span_id(std::string("\x01\x02\x03\x04\x05\x06\x07\x08", 8));
  span.set_trace_state("dd=s:1");
  add_string(*span.mutable_attributes(), "http.request.method", "POST");
  add_string(*span.mutable_attributes(), "http.route", "/users/:id");
  add_int(*span.mutable_attributes(), "http.response.status_code", 201);
  add_double(*span.mutable_attributes(), "ratio", 0.1);
  common::KeyValue* bytes = span.add_attributes();
  bytes->set_key("raw");
  bytes->mutable_value()->set_bytes_value(std::string("\x00\xff\x10", 3));
  common::KeyValue* map = span.add_attributes();
  map->set_key("map");
  common::KeyValueList* list = map->mutable_value()->mutable_kvlist_value();
  add_string(*list->mutable_values(), "q\"uote", "line\nbreak");
  add_double(*list->mutable_values(), "nan", std::nan(""));
  request.mutable_resource_spans(0)->mutable_scope_spans(0)->mutable_scope()->set_name("lib");
  trace::Span::Link* link = span.add_links();
  link->set_trace_id(kTraceId);
  link->set_span_id(std::string("\xaa\xbb\xcc\xdd\xee\xff\x00\x11", 8));
  link->set_trace_state("k=v");

  const std::string wire = request.SerializeAsString();
  google::protobuf::Arena arena;
  auto* parsed = google::protobuf::Arena::CreateMessage<TraceRequest>(&arena);
  ASSERT_TRUE(parse_request(wire, Encoding::protobuf, *parsed).ok());
  ExportResult result;
  const std::vector<SpanRow> rows = convert(*parsed, result);
  ASSERT_EQ(rows.size(), 1u);
  const SpanRow& r = rows[0];
  EXPECT_EQ(r.trace_id, "400362ed3939535aada42ba962f003ec");
  EXPECT_EQ(r.span_id, "1122334455667701");
  EXPECT_EQ(r.parent_span_id, "0102030405060708");
  EXPECT_EQ(r.timestamp_ns, kNow - 5'000'000);
  EXPECT_EQ(r.duration_ns, 3'000'000u);
  EXPECT_EQ(r.service, "checkout");
  EXPECT_EQ(r.env, "prod");
  EXPECT_EQ(r.version, "1.2.3");
  EXPECT_EQ(r.host, "web-1");
  EXPECT_EQ(r.name, "http.server");
  EXPECT_EQ(r.resource, "POST /users/:id");
  EXPECT_EQ(r.type, "web");
  EXPECT_EQ(r.attributes.at("http.response.status_code"), "201");
  EXPECT_EQ(r.attributes.at("ratio"), "0.1");
  EXPECT_EQ(r.attributes.at("raw"), "AP8Q");
  EXPECT_EQ(r.attributes.at("map"), R"({"q\"uote":"line\nbreak","nan":"NaN"})");
  EXPECT_EQ(r.attributes.at("otel.scope.name"), "lib");
  EXPECT_EQ(r.attributes.count("otel.scope.version"), 0u);
  EXPECT_EQ(r.attributes.at("w3c.tracestate"), "dd=s:1");
  EXPECT_EQ(r.metrics.at("http.response.status_code"), 201.0);
  EXPECT_EQ(r.metrics.at("ratio"), 0.1);
  EXPECT_EQ(r.links,
            R"([{"trace_id":"400362ed3939535aada42ba962f003ec","span_id":"aabbccddeeff0011",)"
            R"("trace_state":"k=v","attributes":{}}])");
}

TEST(OtlpTraces, SpanTypesAndKinds) {
  struct Case {
    trace::Span::SpanKind kind;
    std::vector<std::pair<std::string, std::string>> attributes;
    std::string type, kind_name;
  };
  const std::vector<Case> cases = {
      {trace::Span::SPAN_KIND_SERVER, {{"http.method", "GET"}}, "web", "server"},
      {trace::Span::SPAN_KIND_CLIENT, {{"http.request.method", "GET"}}, "http", "client"},
      {trace::Span::SPAN_KIND_CLIENT, {{"db.system", "postgresql"}}, "sql", "client"},
      {trace::Span::SPAN_KIND_CLIENT, {{"db.system.name", "redis"}}, "redis", "client"},
      {trace::Span::SPAN_KIND_CLIENT, {{"db.system", "memcached"}}, "memcached", "client"},
      {trace::Span::SPAN_KIND_CLIENT, {{"db.system.name", "couchdb"}}, "db", "client"},
      {trace::Span::SPAN_KIND_PRODUCER, {{"messaging.system", "kafka"}}, "queue", "producer"},
      {trace::Span::SPAN_KIND_CONSUMER, {{"messaging.system", "rabbitmq"}}, "queue", "consumer"},
      {trace::Span::SPAN_KIND_INTERNAL, {}, "custom", "internal"},
      {trace::Span::SPAN_KIND_UNSPECIFIED, {}, "custom", "internal"},
      {trace::Span::SPAN_KIND_SERVER, {}, "custom", "server"},
  };
  for (const Case& c : cases) {
    TraceRequest request;
    trace::Span& span = add_span(request);
    span.set_kind(c.kind);
    for (const auto& [k, v] : c.attributes) add_string(*span.mutable_attributes(), k, v);
    ExportResult result;
    const std::vector<SpanRow> rows = convert(request, result);
    ASSERT_EQ(rows.size(), 1u);
    EXPECT_EQ(rows[0].type, c.type) << c.type;
    EXPECT_EQ(rows[0].kind, c.kind_name);
  }
}

TEST(OtlpTraces, ServerResourcePrefersTheNewMethodAttribute) {
  TraceRequest request;
  trace::Span& span = add_span(request);
  span.set_kind(trace::Span::SPAN_KIND_SERVER);
  add_string(*span.mutable_attributes(), "http.request.method", "PUT");
  add_string(*span.mutable_attributes(), "http.method", "GET");
  add_string(*span.mutable_attributes(), "http.route", "/a");
  ExportResult result;
  EXPECT_EQ(convert(request, result)[0].resource, "PUT /a");
}

TEST(OtlpTraces, ErrorAttributesAlreadySetAreKept) {
  TraceRequest request;
  trace::Span& span = add_span(request);
  span.mutable_status()->set_code(trace::Status::STATUS_CODE_ERROR);
  span.mutable_status()->set_message("status text");
  add_string(*span.mutable_attributes(), "error.message", "mine");
  trace::Span::Event* event = span.add_events();
  event->set_name("exception");
  add_string(*event->mutable_attributes(), "exception.message", "from event");
  add_string(*event->mutable_attributes(), "exception.type", "TypeError");
  ExportResult result;
  const SpanRow r = convert(request, result)[0];
  EXPECT_EQ(r.attributes.at("error.message"), "mine");
  EXPECT_EQ(r.attributes.at("error.type"), "TypeError");
  EXPECT_EQ(r.attributes.count("error.stack"), 0u);
}

TEST(OtlpTraces, StatusMessageStandsInForAMissingException) {
  TraceRequest request;
  trace::Span& span = add_span(request);
  span.mutable_status()->set_code(trace::Status::STATUS_CODE_ERROR);
  span.mutable_status()->set_message("deadline exceeded");
  trace::Span& ok = add_span(request, 2);
  ok.mutable_status()->set_code(trace::Status::STATUS_CODE_OK);
  trace::Span::Event* event = ok.add_events();
  event->set_name("exception");
  add_string(*event->mutable_attributes(), "exception.message", "handled");
  ExportResult result;
  const std::vector<SpanRow> rows = convert(request, result);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].attributes.at("error.message"), "deadline exceeded");
  EXPECT_TRUE(rows[0].error);
  EXPECT_FALSE(rows[1].error);
  EXPECT_EQ(rows[1].status_code, 1);
  EXPECT_EQ(rows[1].attributes.count("error.message"), 0u);  // not an error span
}

TEST(OtlpTraces, SpansWithBadIdsAreRejectedAndCounted) {
  TraceRequest request;
  add_span(request, 1).set_trace_id(kTraceId.substr(0, 15));
  add_span(request, 2).set_span_id("");
  add_span(request, 3).set_trace_id(std::string(16, '\0'));
  add_span(request, 4).set_parent_span_id("abc");
  add_span(request, 5);
  add_span(request, 6).set_span_id(std::string(8, '\0'));
  ExportResult result;
  const std::vector<SpanRow> rows = convert(request, result);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].span_id, "1122334455667705");
  EXPECT_EQ(result.accepted, 1u);
  EXPECT_EQ(result.rejected, 5u);
  EXPECT_NE(result.error_message.find(
                "resourceSpans[0].scopeSpans[0].spans[0]: trace_id must be 16 bytes, not 15"),
            std::string::npos)
      << result.error_message;
  EXPECT_NE(result.error_message.find("spans[1]: span_id must be 8 bytes, not 0"),
            std::string::npos);
  EXPECT_NE(result.error_message.find("spans[2]: trace_id is all zeros"), std::string::npos);
  EXPECT_NE(result.error_message.find("spans[3]: parent_span_id must be empty or 8 bytes"),
            std::string::npos);
  EXPECT_NE(result.error_message.find("spans[5]: span_id is all zeros"), std::string::npos);
}

TEST(OtlpTraces, RejectionReasonsAreBounded) {
  TraceRequest request;
  for (int i = 0; i < 100; ++i) add_span(request, static_cast<uint64_t>(i)).set_trace_id("x");
  ExportResult result;
  convert(request, result);
  EXPECT_EQ(result.rejected, 100u);
  EXPECT_EQ(result.reasons_kept, 5u);
  EXPECT_LT(result.error_message.size(), 1000u);
}

TEST(OtlpTraces, AbsurdTimesAreClampedAndCounted) {
  TraceRequest request;
  add_span(request, 1).set_start_time_unix_nano(0);
  add_span(request, 2).set_start_time_unix_nano(1'000'000);  // 1970-01-01
  trace::Span& future = add_span(request, 3);
  future.set_start_time_unix_nano(kNow + 2 * 86'400'000'000'000);
  future.set_end_time_unix_nano(kNow + 2 * 86'400'000'000'000 + 5);
  trace::Span& backwards = add_span(request, 4);
  backwards.set_end_time_unix_nano(backwards.start_time_unix_nano() - 1);
  add_span(request, 5).set_start_time_unix_nano(UINT64_MAX);
  ExportResult result;
  const std::vector<SpanRow> rows = convert(request, result);
  ASSERT_EQ(rows.size(), 5u);
  EXPECT_EQ(result.accepted, 5u);
  EXPECT_EQ(result.clamped, 5u);
  for (int i : {0, 1, 2, 4}) {
    EXPECT_EQ(rows[i].timestamp_ns, kNow) << i;
    EXPECT_EQ(rows[i].duration_ns, 0u) << i;
  }
  EXPECT_EQ(rows[3].timestamp_ns, kNow - 5'000'000);
  EXPECT_EQ(rows[3].duration_ns, 0u);
}

TEST(OtlpTraces, SeveralResourcesKeepTheirOwnTags) {
  TraceRequest request;
  add_span(request);
  trace::ResourceSpans* other = request.add_resource_spans();
  add_string(*other->mutable_resource()->mutable_attributes(), "service.name", "billing");
  add_string(*other->mutable_resource()->mutable_attributes(), "deployment.environment", "old-env");
  add_string(*other->mutable_resource()->mutable_attributes(), "host.id", "i-123");
  trace::Span* span = other->add_scope_spans()->add_spans();
  span->set_trace_id(kTraceId);
  span->set_span_id("12345678");
  span->set_start_time_unix_nano(kNow);
  ExportResult result;
  const std::vector<SpanRow> rows = convert(request, result);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].service, "checkout");
  EXPECT_EQ(rows[1].service, "billing");
  EXPECT_EQ(rows[1].env, "old-env");
  EXPECT_EQ(rows[1].version, "");
  EXPECT_EQ(rows[1].host, "i-123");
  EXPECT_EQ(rows[1].resource_attributes.size(), 3u);
}

TEST(OtlpTraces, ManyEventsStayValidJson) {
  TraceRequest request;
  trace::Span& span = add_span(request);
  const std::string big(100'000, 'e');
  for (int i = 0; i < 40; ++i) {
    trace::Span::Event* event = span.add_events();
    event->set_name("e");
    add_string(*event->mutable_attributes(), "payload", big);
  }
  ExportResult result;
  const std::vector<SpanRow> rows = convert(request, result);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_LE(rows[0].events.size(), pipeline::Limits{}.max_message_bytes);
  const nlohmann::json events = nlohmann::json::parse(rows[0].events);
  EXPECT_GT(events.size(), 5u);
  EXPECT_LT(events.size(), 40u);
  EXPECT_EQ(events[0]["attributes"]["payload"].get<std::string>().size(),
            pipeline::Limits{}.max_value_bytes);
}

TEST(OtlpTraces, ResourceNamesFollowDatadog) {
  struct Case {
    trace::Span::SpanKind kind;
    std::vector<std::pair<std::string, std::string>> attributes;
    std::string resource;
  };
  const std::vector<Case> cases = {
      {trace::Span::SPAN_KIND_SERVER,
       {{"http.request.method", "POST"}, {"http.route", "/carts/{id}"}},
       "POST /carts/{id}"},
      {trace::Span::SPAN_KIND_SERVER, {{"http.request.method", "POST"}}, "POST"},
      {trace::Span::SPAN_KIND_CLIENT,
       {{"http.request.method", "GET"}, {"http.route", "/ignored"}},
       "GET"},
      {trace::Span::SPAN_KIND_INTERNAL, {{"resource.name", "my-resource"}}, "my-resource"},
      {trace::Span::SPAN_KIND_CLIENT,
       {{"db.system.name", "postgresql"}, {"db.query.text", "SELECT * FROM t WHERE id = $1"}},
       "SELECT * FROM t WHERE id = $1"},
      {trace::Span::SPAN_KIND_CLIENT,
       {{"db.system", "mongodb"}, {"db.operation.name", "find"}, {"db.collection.name", "orders"}},
       "find orders"},
      {trace::Span::SPAN_KIND_PRODUCER,
       {{"messaging.system", "kafka"},
        {"messaging.operation.name", "send"},
        {"messaging.destination.name", "orders"}},
       "send orders"},
      {trace::Span::SPAN_KIND_CLIENT,
       {{"rpc.service", "shop.Cart"}, {"rpc.method", "Get"}},
       "shop.Cart/Get"},
      {trace::Span::SPAN_KIND_INTERNAL, {}, "the-span-name"},
  };
  for (const Case& c : cases) {
    TraceRequest request;
    trace::Span& span = add_span(request);
    span.set_kind(c.kind);
    span.set_name("the-span-name");
    for (const auto& [k, v] : c.attributes) add_string(*span.mutable_attributes(), k, v);
    ExportResult result;
    const std::vector<SpanRow> rows = convert(request, result);
    ASSERT_EQ(rows.size(), 1u);
    EXPECT_EQ(rows[0].resource, c.resource);
  }
}

}  // namespace
}  // namespace heeler::intake::otlp::test
