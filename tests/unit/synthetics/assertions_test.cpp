#include "synthetics/assertions.h"

#include <gtest/gtest.h>

namespace heeler::synthetics {
namespace {

using nlohmann::json;

constexpr int64_t kNow = 1'800'000'000;

HttpResult response() {
  HttpResult r;
  r.completed = true;
  r.status = 200;
  r.headers = {{"content-type", "application/json; charset=utf-8"}, {"x-request-id", "abc-123"}};
  r.body = R"({"status": "ok", "items": [{"id": 1, "name": "a"}, {"id": 7, "name": "b"}],
              "odd key": {"n": 2.5}})";
  r.timings.total = 123.456;
  r.cert_not_after_s = kNow + 40 * 86400 + 100;
  return r;
}

std::vector<AssertionResult> run(const json& assertions) {
  EXPECT_TRUE(check_assertions(assertions, "assertions").ok()) << assertions.dump();
  return evaluate_assertions(assertions, response(), kNow);
}

TEST(Assertions, StatusTimeHeadersBodyCertificate) {
  auto r = run(json::parse(R"([
    {"type": "statusCode", "operator": "is", "target": 200},
    {"type": "statusCode", "operator": "isNot", "target": "500"},
    {"type": "responseTime", "operator": "lessThan", "target": 1000},
    {"type": "header", "property": "Content-Type", "operator": "contains", "target": "json"},
    {"type": "header", "property": "x-request-id", "operator": "matches", "target": "^[a-z]+-\\d+$"},
    {"type": "header", "property": "x-missing", "operator": "doesNotExist"},
    {"type": "body", "operator": "contains", "target": "\"status\": \"ok\""},
    {"type": "body", "operator": "doesNotMatch", "target": "error|fail"},
    {"type": "certificate", "operator": "isInMoreThan", "target": 30}])"));
  for (const auto& a : r) EXPECT_TRUE(a.valid) << a.assertion.dump() << ": " << a.error;
  EXPECT_EQ(r[2].actual, 123.46);
  EXPECT_EQ(r[8].actual, 40);
}

TEST(Assertions, FailuresSayWhatWasExpectedAndFound) {
  auto r = run(json::parse(R"([
    {"type": "statusCode", "operator": "is", "target": 201},
    {"type": "responseTime", "operator": "lessThan", "target": 100},
    {"type": "header", "property": "x-trace", "operator": "is", "target": "1"},
    {"type": "certificate", "operator": "isInMoreThan", "target": 60}])"));
  ASSERT_EQ(r.size(), 4u);
  for (const auto& a : r) EXPECT_FALSE(a.valid) << a.assertion.dump();
  EXPECT_EQ(r[0].error, "expected statusCode is 201, got 200");
  EXPECT_EQ(r[1].error, "expected responseTime lessThan 100, got 123.46");
  EXPECT_EQ(r[2].error, "the response has no x-trace header");
  EXPECT_EQ(r[3].error, "expected certificate isInMoreThan 60, got 40");
}

TEST(Assertions, JsonPath) {
  auto r = run(json::parse(R"([
    {"type": "body", "operator": "validatesJSONPath",
     "target": {"jsonPath": "$.status", "operator": "is", "targetValue": "ok"}},
    {"type": "body", "operator": "validatesJSONPath",
     "target": {"jsonPath": "$.items[*].id", "operator": "is", "targetValue": 7}},
    {"type": "body", "operator": "validatesJSONPath",
     "target": {"jsonPath": "$['odd key'].n", "operator": "moreThan", "targetValue": 2}},
    {"type": "body", "operator": "validatesJSONPath",
     "target": {"jsonPath": "$.items[1].name", "operator": "is", "targetValue": "a"}},
    {"type": "body", "operator": "validatesJSONPath",
     "target": {"jsonPath": "$.nothing", "operator": "isUndefined"}}])"));
  EXPECT_TRUE(r[0].valid);
  EXPECT_TRUE(r[1].valid) << r[1].error;
  EXPECT_TRUE(r[2].valid) << r[2].error;
  EXPECT_FALSE(r[3].valid);
  EXPECT_EQ(r[3].actual, "b");
  EXPECT_TRUE(r[4].valid);
  auto paths = json_path(json::parse(R"({"a": [{"b": 1}, {"b": 2}]})"), "$.a[*].b");
  ASSERT_TRUE(paths);
  EXPECT_EQ(*paths, (std::vector<json>{1, 2}));
  EXPECT_FALSE(json_path(json::object(), "a.b"));
  EXPECT_FALSE(json_path(json::object(), "$.a[x]"));
  EXPECT_FALSE(json_path(json::object(), "$.a[0"));
}

TEST(Assertions, BadAssertionsAreRefusedWhenTheTestIsSaved) {
  auto err = [](const char* text) {
    auto st = check_assertions(json::parse(text), "config.assertions");
    EXPECT_FALSE(st.ok()) << text;
    return st.message();
  };
  EXPECT_EQ(err(R"({"type": "statusCode"})"), "config.assertions must be an array");
  EXPECT_EQ(err(R"([{"type": "latency", "operator": "is", "target": 1}])"),
            "config.assertions[0].type must be statusCode, responseTime, header, body or "
            "certificate");
  EXPECT_EQ(err(R"([{"type": "body", "operator": "equals", "target": 1}])"),
            "config.assertions[0].operator 'equals' is not an operator");
  EXPECT_EQ(err(R"([{"type": "header", "operator": "is", "target": "x"}])"),
            "config.assertions[0].property must name the header");
  EXPECT_EQ(err(R"([{"type": "body", "operator": "matches", "target": "(unclosed"}])")
                .rfind("config.assertions[0].target is not a valid regular expression", 0),
            0u);
  EXPECT_EQ(err(R"([{"type": "body", "operator": "validatesJSONPath",
                     "target": {"jsonPath": "items", "operator": "is"}}])"),
            "config.assertions[0].target.jsonPath 'items' is not a JSONPath");
  EXPECT_EQ(err(R"([{"type": "statusCode", "operator": "is"}])"),
            "config.assertions[0].target is required");
}

TEST(Assertions, HostileRegexStaysLinear) {
  HttpResult r = response();
  r.body = std::string(100000, 'a') + "!";
  auto out = evaluate_assertions(
      json::parse(R"([{"type": "body", "operator": "matches", "target": "(a+)+$"}])"), r, kNow);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_FALSE(out[0].valid);
}

}  // namespace
}  // namespace heeler::synthetics
