#include "pipeline/log_processing.h"

#include <gtest/gtest.h>

#include <string>

#include "../intake/datadog_http/log_rows.h"

namespace heeler::pipeline {
namespace {

constexpr int64_t kNow = 1'700'000'000'000'000'000;  // 2023-11-14T22:13:20Z

LogRow process_json(const std::string& json) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc = parser.parse(json).value();
  LogProcessor p(kNow);
  LogBatch batch;
  p.begin();
  p.add_json("", doc);
  p.finish(batch);
  auto rows = log_rows(batch);
  EXPECT_EQ(rows.size(), 1u);
  return rows.at(0);
}

TEST(LogProcessing, FlattensNestedObjectsIntoDottedAttributes) {
  LogRow row = process_json(
      R"({"message":"hello","http":{"status_code":503,"url":"/a","ok":false,"ratio":0.25},)"
      R"("list":[1,"two",{"x":null}],"nothing":null,"usr":{"id":"u1"}})");
  EXPECT_EQ(row.message, "hello");
  EXPECT_EQ(row.attributes.at("http.status_code"), "503");
  EXPECT_EQ(row.attributes.at("http.url"), "/a");
  EXPECT_EQ(row.attributes.at("http.ok"), "false");
  EXPECT_EQ(row.attributes.at("http.ratio"), "0.25");
  EXPECT_EQ(row.attributes.at("list"), R"([1,"two",{"x":null}])");
  EXPECT_EQ(row.attributes.at("usr.id"), "u1");
  EXPECT_EQ(row.attributes.count("nothing"), 0u);
  EXPECT_EQ(row.attributes.count("message"), 0u);
}

TEST(LogProcessing, JsonMessageBodyIsTakenApart) {
  LogRow row = process_json(
      R"({"message":"{\"msg\":\"user logged in\",\"level\":\"WARN\",\"user\":{\"id\":42},)"
      R"(\"dd.trace_id\":\"12345678901234567890\"}","service":"web","ddsource":"nodejs"})");
  EXPECT_EQ(row.message, "user logged in");
  EXPECT_EQ(row.status, "warning");
  EXPECT_EQ(row.severity, 13);
  EXPECT_EQ(row.attributes.at("user.id"), "42");
  EXPECT_EQ(row.service, "web");
  EXPECT_EQ(row.source, "nodejs");
  // 12345678901234567890 = 0xab54a98ceb1f0ad2
  EXPECT_EQ(row.trace_id, hex_bytes("0000000000000000ab54a98ceb1f0ad2"));
}

TEST(LogProcessing, JsonMessageWithoutMessageFieldKeepsTheText) {
  const std::string body = R"({"a":1})";
  LogProcessor p(kNow);
  LogBatch batch;
  p.begin();
  EXPECT_TRUE(p.add_message(body));
  p.finish(batch);
  LogRow row = log_rows(batch).at(0);
  EXPECT_EQ(row.message, body);
  EXPECT_EQ(row.attributes.at("a"), "1");
}

TEST(LogProcessing, PlainMessageStaysText) {
  LogProcessor p(kNow);
  LogBatch batch;
  p.begin();
  EXPECT_FALSE(p.add_message("{not json}"));
  p.finish(batch);
  EXPECT_EQ(log_rows(batch).at(0).message, "{not json}");
}

TEST(LogProcessing, DecimalTraceIdAbove2To53IsExact) {
  // 2^53 + 1 = 9007199254740993 would round to ...992 through a double.
  LogRow row =
      process_json(R"({"dd.trace_id":9007199254740993,"dd":{"span_id":"18446744073709551615"}})");
  EXPECT_EQ(row.trace_id, hex_bytes("00000000000000000020000000000001"));
  EXPECT_EQ(row.span_id, hex_bytes("ffffffffffffffff"));
  EXPECT_EQ(row.attributes.at("dd.trace_id"), "9007199254740993");
  LogRow row2 = process_json(R"({"dd":{"trace_id":"9007199254740993"}})");
  EXPECT_EQ(row2.trace_id, hex_bytes("00000000000000000020000000000001"));
}

TEST(LogProcessing, HexTraceIds) {
  LogRow row = process_json(
      R"({"trace_id":"4BF92F3577B34DA6A3CE929D0E0E4736","span_id":"00f067aa0ba902b7"})");
  EXPECT_EQ(row.trace_id, hex_bytes("4bf92f3577b34da6a3ce929d0e0e4736"));
  EXPECT_EQ(row.span_id, hex_bytes("00f067aa0ba902b7"));
  LogRow row2 = process_json(R"({"traceId":"a3ce929d0e0e4736"})");
  EXPECT_EQ(row2.trace_id, hex_bytes("0000000000000000a3ce929d0e0e4736"));
  LogRow row3 = process_json(R"({"trace_id":"not-an-id"})");
  EXPECT_EQ(row3.trace_id, std::string(16, '\0'));
  EXPECT_EQ(row3.attributes.at("trace_id"), "not-an-id");
}

TEST(LogProcessing, StatusMapping) {
  EXPECT_EQ(datadog_status("ERROR"), "error");
  EXPECT_EQ(datadog_status("err"), "error");
  EXPECT_EQ(datadog_status("warn"), "warning");
  EXPECT_EQ(datadog_status("Warning"), "warning");
  EXPECT_EQ(datadog_status("fatal"), "emergency");
  EXPECT_EQ(datadog_status("emerg"), "emergency");
  EXPECT_EQ(datadog_status("crit"), "critical");
  EXPECT_EQ(datadog_status("alert"), "alert");
  EXPECT_EQ(datadog_status("notice"), "notice");
  EXPECT_EQ(datadog_status("INFO"), "info");
  EXPECT_EQ(datadog_status("trace"), "debug");
  EXPECT_EQ(datadog_status("debug"), "debug");
  EXPECT_EQ(datadog_status("ok"), "ok");
  EXPECT_EQ(datadog_status("3"), "error");
  EXPECT_EQ(datadog_status("7"), "debug");
  EXPECT_EQ(datadog_status("banana"), "");
  EXPECT_EQ(datadog_status(""), "");
  LogRow row = process_json(R"({"severity":"banana"})");
  EXPECT_EQ(row.status, "info");
  EXPECT_EQ(row.attributes.at("severity"), "banana");
  EXPECT_EQ(process_json(R"({"level":"error"})").status, "error");
}

TEST(LogProcessing, DdtagsFillUnifiedColumnsAndAttributes) {
  LogRow row = process_json(
      R"({"ddtags":"env:prod, version:1.2.3,team:core,bare,host:h1,service:from-tag,url:http://x:80/"})");
  EXPECT_EQ(row.env, "prod");
  EXPECT_EQ(row.version, "1.2.3");
  EXPECT_EQ(row.host, "h1");
  EXPECT_EQ(row.service, "from-tag");
  EXPECT_EQ(row.attributes.at("team"), "core");
  EXPECT_EQ(row.attributes.at("bare"), "");
  EXPECT_EQ(row.attributes.at("url"), "http://x:80/");
  // An explicit field wins over a tag, whichever comes first.
  LogRow row2 = process_json(R"({"ddtags":"service:tagged","service":"field","hostname":"hh"})");
  EXPECT_EQ(row2.service, "field");
  EXPECT_EQ(row2.host, "hh");
}

TEST(LogProcessing, Timestamps) {
  int64_t ns = 0;
  ASSERT_TRUE(parse_log_timestamp("2024-05-01T12:00:00.123Z", ns));
  EXPECT_EQ(ns, 1'714'564'800'123'000'000);
  ASSERT_TRUE(parse_log_timestamp("2024-05-01T14:00:00+02:00", ns));
  EXPECT_EQ(ns, 1'714'564'800'000'000'000);
  ASSERT_TRUE(parse_log_timestamp("1714564800", ns));
  EXPECT_EQ(ns, 1'714'564'800'000'000'000);
  ASSERT_TRUE(parse_log_timestamp("1714564800123", ns));
  EXPECT_EQ(ns, 1'714'564'800'123'000'000);
  ASSERT_TRUE(parse_log_timestamp("1714564800123456", ns));
  EXPECT_EQ(ns, 1'714'564'800'123'456'000);
  ASSERT_TRUE(parse_log_timestamp("1714564800123456789", ns));
  EXPECT_EQ(ns, 1'714'564'800'123'456'789);
  EXPECT_FALSE(parse_log_timestamp("yesterday", ns));
  EXPECT_FALSE(parse_log_timestamp("2024-13-01T00:00:00Z", ns));

  EXPECT_EQ(process_json(R"({"timestamp":1699999999000})").timestamp_ns, 1'699'999'999'000'000'000);
  EXPECT_EQ(process_json(R"({"@timestamp":"2023-11-14T22:13:19Z"})").timestamp_ns,
            1'699'999'999'000'000'000);
}

TEST(LogProcessing, AbsurdTimestampsAreClampedAndReported) {
  for (const char* json :
       {R"({"timestamp":-5})", R"({"timestamp":4102444800000})", R"({"timestamp":"garbage"})"}) {
    simdjson::dom::parser parser;
    simdjson::dom::element doc = parser.parse(std::string(json)).value();
    LogProcessor p(kNow);
    LogBatch batch;
    p.begin();
    p.add_json("", doc);
    EXPECT_FALSE(p.finish(batch)) << json;
    EXPECT_EQ(log_rows(batch).at(0).timestamp_ns, kNow) << json;
  }
}

TEST(LogProcessing, ArenaKeepsViewsAcrossManyFields) {
  std::string json = "{";
  for (int i = 0; i < 300; ++i)
    json += "\"k" + std::to_string(i) + "\":" + std::to_string(i * 7) + ",";
  json += R"("long":")" + std::string(40000, 'x') + "\"}";
  LogRow row = process_json(json);
  EXPECT_EQ(row.attributes.size(), 256u);  // the batch's attribute cap
  EXPECT_EQ(row.attributes.at("k0"), "0");
  EXPECT_EQ(row.attributes.at("k255"), std::to_string(255 * 7));
}

TEST(LogProcessing, ProcessorIsReusableAcrossRecords) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc = parser
                                   .parse(std::string(R"([{"message":"{\"msg\":\"a\",\"n\":1}"},
    {"message":"{\"msg\":\"b\",\"n\":2}","service":"s2"}])"))
                                   .value();
  LogProcessor p(kNow);
  LogBatch batch;
  simdjson::dom::array items;
  ASSERT_EQ(doc.get_array().get(items), simdjson::SUCCESS);
  for (simdjson::dom::element item : items) {
    p.begin();
    p.add_json("", item);
    p.finish(batch);
  }
  auto rows = log_rows(batch);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].message, "a");
  EXPECT_EQ(rows[0].attributes.at("n"), "1");
  EXPECT_EQ(rows[0].service, "");
  EXPECT_EQ(rows[1].message, "b");
  EXPECT_EQ(rows[1].attributes.at("n"), "2");
  EXPECT_EQ(rows[1].service, "s2");
}

}  // namespace
}  // namespace heeler::pipeline
