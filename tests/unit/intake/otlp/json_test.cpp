// OTLP/JSON → messages: the field names, hex ids, exact 64-bit integers, enums,
// oneofs, and the errors that name the JSON path.
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "otlp_test_util.h"

namespace heeler::intake::otlp::test {
namespace {

core::Status parse_traces(const std::string& body, TraceRequest& request) {
  return parse_request(body, Encoding::json, request);
}

// A request with one span whose fields are `span_fields` (JSON object members).
std::string one_span(const std::string& span_fields) {
  return R"({"resourceSpans":[{"scopeSpans":[{"spans":[{)" + span_fields + "}]}]}]}";
}

std::string span_attribute(const std::string& value_json) {
  return one_span(R"("attributes":[{"key":"k","value":)" + value_json + "}]");
}

TEST(OtlpJson, HexIdsAndCamelCaseNames) {
  TraceRequest request;
  ASSERT_TRUE(parse_traces(one_span(R"("traceId":"400362ED3939535aada42ba962f003ec",)"
                                    R"("spanId":"1e2225a2b7544f97","parentSpanId":"",)"
                                    R"("name":"n","startTimeUnixNano":"1795318973814000000")"),
                           request)
                  .ok());
  const trace::Span& span = request.resource_spans(0).scope_spans(0).spans(0);
  EXPECT_EQ(hex(span.trace_id()), "400362ed3939535aada42ba962f003ec");
  EXPECT_EQ(hex(span.span_id()), "1e2225a2b7544f97");
  EXPECT_TRUE(span.parent_span_id().empty());
  EXPECT_EQ(span.name(), "n");
  EXPECT_EQ(span.start_time_unix_nano(), 1795318973814000000ULL);
}

TEST(OtlpJson, SnakeCaseNamesAreAccepted) {
  TraceRequest request;
  ASSERT_TRUE(
      parse_traces(
          R"({"resource_spans":[{"scope_spans":[{"spans":[{"trace_id":"0102030405060708090a0b0c0d0e0f10",)"
          R"("span_id":"0102030405060708","start_time_unix_nano":12,"end_time_unix_nano":"13"}]}]}]})",
          request)
          .ok());
  const trace::Span& span = request.resource_spans(0).scope_spans(0).spans(0);
  EXPECT_EQ(hex(span.span_id()), "0102030405060708");
  EXPECT_EQ(span.start_time_unix_nano(), 12u);
  EXPECT_EQ(span.end_time_unix_nano(), 13u);
}

TEST(OtlpJson, SixtyFourBitIntegersAreExactAsStringsAndNumbers) {
  TraceRequest request;
  // 2^53 + 1 cannot be held by a double; the maximum uint64 neither.
  ASSERT_TRUE(
      parse_traces(one_span(R"("startTimeUnixNano":18446744073709551615,)"
                            R"("endTimeUnixNano":"18446744073709551614",)"
                            R"("attributes":[{"key":"a","value":{"intValue":9007199254740993}},)"
                            R"({"key":"b","value":{"intValue":"9007199254740993"}},)"
                            R"({"key":"c","value":{"intValue":"-9223372036854775808"}},)"
                            R"({"key":"d","value":{"intValue":-9223372036854775807}},)"
                            R"({"key":"e","value":{"intValue":3.0}},)"
                            R"({"key":"f","value":{"intValue":1e3}}])"),
                   request)
          .ok());
  const trace::Span& span = request.resource_spans(0).scope_spans(0).spans(0);
  EXPECT_EQ(span.start_time_unix_nano(), 18446744073709551615ULL);
  EXPECT_EQ(span.end_time_unix_nano(), 18446744073709551614ULL);
  EXPECT_EQ(span.attributes(0).value().int_value(), 9007199254740993LL);
  EXPECT_EQ(span.attributes(1).value().int_value(), 9007199254740993LL);
  EXPECT_EQ(span.attributes(2).value().int_value(), INT64_MIN);
  EXPECT_EQ(span.attributes(3).value().int_value(), -9223372036854775807LL);
  EXPECT_EQ(span.attributes(4).value().int_value(), 3);
  EXPECT_EQ(span.attributes(5).value().int_value(), 1000);
}

TEST(OtlpJson, IntegersOutOfRangeOrFractionalAreRefused) {
  TraceRequest request;
  for (const char* value :
       {R"({"intValue":9223372036854775808})", R"({"intValue":"1.5"})", R"({"intValue":1.5})",
        R"({"intValue":1e19})", R"({"intValue":"12abc"})", R"({"intValue":""})",
        R"({"intValue":true})"}) {
    const core::Status s = parse_traces(span_attribute(value), request);
    EXPECT_EQ(s.code(), core::Code::invalid_argument) << value;
    EXPECT_NE(s.message().find("resourceSpans[0].scopeSpans[0].spans[0].attributes[0].value."
                               "intValue: expected an integer"),
              std::string::npos)
        << s.message();
  }
  const core::Status negative = parse_traces(one_span(R"("startTimeUnixNano":-1)"), request);
  EXPECT_NE(negative.message().find("startTimeUnixNano: expected a non-negative integer"),
            std::string::npos)
      << negative.message();
  const core::Status wide =
      parse_traces(one_span(R"("droppedAttributesCount":4294967296)"), request);
  EXPECT_NE(wide.message().find("droppedAttributesCount: expected an unsigned 32-bit integer"),
            std::string::npos)
      << wide.message();
}

TEST(OtlpJson, WrongTypeNamesTheJsonPath) {
  TraceRequest request;
  const core::Status s = parse_traces(
      R"({"resourceSpans":[{"scopeSpans":[{"spans":[{},{},{"startTimeUnixNano":true}]}]}]})",
      request);
  EXPECT_EQ(s.code(), core::Code::invalid_argument);
  EXPECT_EQ(s.message(),
            "resourceSpans[0].scopeSpans[0].spans[2].startTimeUnixNano: expected an integer, "
            "found a boolean");

  const core::Status array = parse_traces(R"({"resourceSpans":{}})", request);
  EXPECT_EQ(array.message(), "resourceSpans: expected an array, found an object");
  const core::Status object = parse_traces(R"({"resourceSpans":[{"resource":"x"}]})", request);
  EXPECT_EQ(object.message(), "resourceSpans[0].resource: expected an object, found a string");
  const core::Status name = parse_traces(one_span(R"("name":5)"), request);
  EXPECT_EQ(name.message(),
            "resourceSpans[0].scopeSpans[0].spans[0].name: expected a string, found a number");
  const core::Status flag = parse_traces(span_attribute(R"({"boolValue":"true"})"), request);
  EXPECT_NE(flag.message().find("boolValue: expected true or false"), std::string::npos);
  const core::Status top = parse_traces("[]", request);
  EXPECT_EQ(top.message(), "expected an object, found an array");
}

TEST(OtlpJson, BadHexNamesTheField) {
  TraceRequest request;
  for (const char* id : {R"("traceId":"zz0362ed3939535aada42ba962f003ec")",
                         R"("traceId":"400362ed3939535aada42ba962f003e")", R"("traceId":12)"}) {
    const core::Status s = parse_traces(one_span(id), request);
    EXPECT_EQ(s.code(), core::Code::invalid_argument);
    EXPECT_NE(s.message().find("resourceSpans[0].scopeSpans[0].spans[0].traceId: expected a hex "
                               "string"),
              std::string::npos)
        << s.message();
  }
  const core::Status parent =
      parse_traces(one_span(R"("parentSpanId":"e2c007d6d44d8c8g")"), request);
  EXPECT_NE(parent.message().find("spans[0].parentSpanId: expected a hex string"),
            std::string::npos);
  // Links and log records carry ids too.
  const core::Status link = parse_traces(one_span(R"("links":[{"spanId":"not hex"}])"), request);
  EXPECT_NE(link.message().find("spans[0].links[0].spanId: expected a hex string"),
            std::string::npos);
  LogsRequest logs;
  const core::Status log =
      parse_request(R"({"resourceLogs":[{"scopeLogs":[{"logRecords":[{"spanId":"xyz"}]}]}]})",
                    Encoding::json, logs);
  EXPECT_NE(log.message().find("resourceLogs[0].scopeLogs[0].logRecords[0].spanId: expected a "
                               "hex string"),
            std::string::npos)
      << log.message();
}

TEST(OtlpJson, EnumsAsNamesOrIntegers) {
  TraceRequest request;
  ASSERT_TRUE(parse_traces(R"({"resourceSpans":[{"scopeSpans":[{"spans":[)"
                           R"({"kind":"SPAN_KIND_SERVER","status":{"code":"STATUS_CODE_ERROR"}},)"
                           R"({"kind":3,"status":{"code":1}},)"
                           R"({"kind":"4"},)"
                           R"({"kind":42}]}]}]})",
                           request)
                  .ok());
  const auto& spans = request.resource_spans(0).scope_spans(0).spans();
  EXPECT_EQ(spans[0].kind(), trace::Span::SPAN_KIND_SERVER);
  EXPECT_EQ(spans[0].status().code(), trace::Status::STATUS_CODE_ERROR);
  EXPECT_EQ(spans[1].kind(), trace::Span::SPAN_KIND_CLIENT);
  EXPECT_EQ(spans[1].status().code(), trace::Status::STATUS_CODE_OK);
  EXPECT_EQ(spans[2].kind(), trace::Span::SPAN_KIND_PRODUCER);
  EXPECT_EQ(static_cast<int>(spans[3].kind()), 42);  // proto3 enums are open

  const core::Status unknown = parse_traces(one_span(R"("kind":"SPAN_KIND_SIDEWAYS")"), request);
  EXPECT_EQ(unknown.message(),
            "resourceSpans[0].scopeSpans[0].spans[0].kind: unknown SpanKind value "
            "\"SPAN_KIND_SIDEWAYS\"");
  const core::Status wrong = parse_traces(one_span(R"("kind":[])"), request);
  EXPECT_NE(wrong.message().find("kind: expected an integer or a SpanKind name, found an array"),
            std::string::npos);

  MetricsRequest metrics;
  ASSERT_TRUE(
      parse_request(R"({"resourceMetrics":[{"scopeMetrics":[{"metrics":[{"name":"m",)"
                    R"("sum":{"aggregationTemporality":"AGGREGATION_TEMPORALITY_DELTA"}}]}]}]})",
                    Encoding::json, metrics)
          .ok());
  EXPECT_EQ(metrics.resource_metrics(0).scope_metrics(0).metrics(0).sum().aggregation_temporality(),
            metrics::AGGREGATION_TEMPORALITY_DELTA);
}

TEST(OtlpJson, AnyValueOneofs) {
  TraceRequest request;
  ASSERT_TRUE(
      parse_traces(
          one_span(
              R"("attributes":[)"
              R"({"key":"s","value":{"stringValue":"x\n\u00e9"}},)"
              R"({"key":"b","value":{"boolValue":false}},)"
              R"({"key":"i","value":{"intValue":"7"}},)"
              R"({"key":"d","value":{"doubleValue":2}},)"
              R"({"key":"y","value":{"bytesValue":"aGVsbG8="}},)"
              R"({"key":"u","value":{"bytesValue":"-_8"}},)"
              R"({"key":"a","value":{"arrayValue":{"values":[{"intValue":1},{"stringValue":"z"}]}}},)"
              R"({"key":"m","value":{"kvlistValue":{"values":[{"key":"in","value":{"boolValue":true}}]}}},)"
              R"({"key":"e","value":{}},)"
              R"({"key":"n","value":null}])"),
          request)
          .ok());
  const auto& a = request.resource_spans(0).scope_spans(0).spans(0).attributes();
  ASSERT_EQ(a.size(), 10);
  EXPECT_EQ(a[0].value().string_value(), "x\n\xc3\xa9");
  EXPECT_EQ(a[1].value().value_case(), common::AnyValue::kBoolValue);
  EXPECT_FALSE(a[1].value().bool_value());
  EXPECT_EQ(a[2].value().int_value(), 7);
  EXPECT_EQ(a[3].value().double_value(), 2.0);
  EXPECT_EQ(a[4].value().bytes_value(), "hello");
  EXPECT_EQ(a[5].value().bytes_value(), "\xfb\xff");
  ASSERT_EQ(a[6].value().array_value().values_size(), 2);
  EXPECT_EQ(a[6].value().array_value().values(1).string_value(), "z");
  EXPECT_TRUE(a[7].value().kvlist_value().values(0).value().bool_value());
  EXPECT_EQ(a[8].value().value_case(), common::AnyValue::VALUE_NOT_SET);
  EXPECT_FALSE(a[9].has_value());

  const core::Status bad = parse_traces(span_attribute(R"({"bytesValue":"a*=="})"), request);
  EXPECT_NE(bad.message().find("bytesValue: expected a base64 string"), std::string::npos);
}

TEST(OtlpJson, DoublesAcceptSpecialStrings) {
  MetricsRequest request;
  ASSERT_TRUE(
      parse_request(R"({"resourceMetrics":[{"scopeMetrics":[{"metrics":[{"gauge":{"dataPoints":[)"
                    R"({"asDouble":"NaN"},{"asDouble":"Infinity"},{"asDouble":"-Infinity"},)"
                    R"({"asDouble":"1.25"},{"asDouble":3},{"asDouble":-2.5e-3},)"
                    R"({"asInt":"-5"}]}}]}]}]})",
                    Encoding::json, request)
          .ok());
  const auto& p = request.resource_metrics(0).scope_metrics(0).metrics(0).gauge().data_points();
  EXPECT_TRUE(std::isnan(p[0].as_double()));
  EXPECT_EQ(p[1].as_double(), INFINITY);
  EXPECT_EQ(p[2].as_double(), -INFINITY);
  EXPECT_EQ(p[3].as_double(), 1.25);
  EXPECT_EQ(p[4].as_double(), 3.0);
  EXPECT_EQ(p[5].as_double(), -2.5e-3);
  EXPECT_EQ(p[6].as_int(), -5);
  const core::Status bad = parse_request(
      R"({"resourceMetrics":[{"scopeMetrics":[{"metrics":[{"gauge":{"dataPoints":[{"asDouble":"lots"}]}}]}]}]})",
      Encoding::json, request);
  EXPECT_EQ(
      bad.message(),
      "resourceMetrics[0].scopeMetrics[0].metrics[0].gauge.dataPoints[0].asDouble: expected a "
      "number, found a string");
}

TEST(OtlpJson, RepeatedScalarsAndNulls) {
  MetricsRequest request;
  ASSERT_TRUE(
      parse_request(R"({"resourceMetrics":[{"scopeMetrics":[{"metrics":[{"name":"h",)"
                    R"("histogram":{"dataPoints":[{"bucketCounts":["1",2,"18446744073709551615"],)"
                    R"("explicitBounds":[0.5,10],"sum":null,"min":-1}]}}]}]}]})",
                    Encoding::json, request)
          .ok());
  const auto& p =
      request.resource_metrics(0).scope_metrics(0).metrics(0).histogram().data_points(0);
  ASSERT_EQ(p.bucket_counts_size(), 3);
  EXPECT_EQ(p.bucket_counts(2), 18446744073709551615ULL);
  EXPECT_EQ(p.explicit_bounds(1), 10.0);
  EXPECT_FALSE(p.has_sum());
  EXPECT_TRUE(p.has_min());
  EXPECT_EQ(p.min(), -1.0);
}

TEST(OtlpJson, UnknownKeysAreIgnored) {
  TraceRequest request;
  ASSERT_TRUE(
      parse_traces(R"({"extra":{"deep":[1,2,{"x":null}]},"resourceSpans":[{"schemaUrl":"u",)"
                   R"("futureField":"x","scopeSpans":[{"spans":[{"name":"n","newThing":[]}]}]}]})",
                   request)
          .ok());
  EXPECT_EQ(request.resource_spans(0).schema_url(), "u");
  EXPECT_EQ(request.resource_spans(0).scope_spans(0).spans(0).name(), "n");
}

TEST(OtlpJson, NestingIsBounded) {
  auto nested = [](int levels) {
    std::string value = R"({"intValue":1})";
    for (int i = 0; i < levels; ++i) value = R"({"arrayValue":{"values":[)" + value + "]}}";
    return span_attribute(value);
  };
  TraceRequest request;
  EXPECT_TRUE(parse_traces(nested(20), request).ok());
  const core::Status deep = parse_traces(nested(40), request);
  EXPECT_EQ(deep.code(), core::Code::invalid_argument);
  EXPECT_NE(deep.message().find("messages nested deeper than 64 levels"), std::string::npos)
      << deep.message();
  // Past the JSON parser's own bound, without a stack overflow.
  const std::string brackets(200000, '[');
  const core::Status raw = parse_traces(brackets, request);
  EXPECT_EQ(raw.code(), core::Code::invalid_argument);
}

TEST(OtlpJson, SyntaxErrorsGiveTheOffset) {
  TraceRequest request;
  const core::Status s = parse_traces(R"({"resourceSpans": [}])", request);
  EXPECT_EQ(s.code(), core::Code::invalid_argument);
  EXPECT_EQ(s.message().rfind("invalid JSON at byte 19:", 0), 0u) << s.message();
  EXPECT_EQ(parse_traces("", request).message(), "invalid JSON at byte 0: empty body");
  EXPECT_EQ(parse_traces("{\"a\":\"\xff\"}", request).code(), core::Code::invalid_argument);
}

TEST(OtlpJson, ParsingReplacesEarlierContent) {
  TraceRequest request;
  ASSERT_TRUE(parse_traces(one_span(R"("name":"first")"), request).ok());
  ASSERT_TRUE(parse_traces(R"({"resourceSpans":[]})", request).ok());
  EXPECT_EQ(request.resource_spans_size(), 0);
}

}  // namespace
}  // namespace heeler::intake::otlp::test
