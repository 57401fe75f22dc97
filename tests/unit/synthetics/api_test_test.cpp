#include "synthetics/api_test.h"

#include <gtest/gtest.h>

namespace heeler::synthetics {
namespace {

using nlohmann::json;

json http_test() {
  return json::parse(R"({
    "name": "Checkout API", "type": "api", "subtype": "http",
    "config": {
      "request": {"method": "POST", "url": "https://{{ HOST }}/checkout",
                  "headers": {"Authorization": "Bearer {{ TOKEN }}"}, "body": "{\"cart\": 1}",
                  "timeout": 10, "basicAuth": {"username": "u", "password": "p"}},
      "assertions": [{"type": "statusCode", "operator": "is", "target": 200}],
      "configVariables": [{"name": "HOST", "type": "text", "example": "shop.example"},
                          {"name": "TOKEN", "type": "text", "example": "t0k"}]},
    "options": {"tick_every": 60, "retry": {"count": 2, "interval": 500},
                "min_failure_duration": 120, "min_location_failed": 2,
                "scheduling": {"timeframes": [{"day": 1, "from": "09:00", "to": "17:30"}],
                               "timezone": "UTC"}},
    "locations": ["local", "seoul"], "tags": ["team:shop", "smoke"], "status": "live",
    "message": "Checkout is failing @slack-shop",
    "public_id": "old-old-old", "monitor_id": 5, "created_at": "2020-01-01"})");
}

TEST(ApiTest, ParsesDatadogsShape) {
  auto t = parse_api_test(http_test());
  ASSERT_TRUE(t.ok()) << t.status().to_string();
  EXPECT_EQ(t->name, "Checkout API");
  ASSERT_EQ(t->steps.size(), 1u);
  EXPECT_EQ(t->tick_every_s, 60);
  EXPECT_EQ(t->retry_count, 2);
  EXPECT_EQ(t->retry_interval_ms, 500);
  EXPECT_EQ(t->min_failure_duration_s, 120);
  EXPECT_EQ(t->min_location_failed, 2);
  EXPECT_EQ(t->locations, (std::vector<std::string>{"local", "seoul"}));
  EXPECT_EQ(t->variables.at("HOST"), "shop.example");
  EXPECT_FALSE(t->body.contains("public_id"));
  EXPECT_FALSE(t->body.contains("monitor_id"));
  auto spec = request_of(t->steps[0], *t, t->variables);
  ASSERT_TRUE(spec.ok());
  EXPECT_EQ(spec->method, "POST");
  EXPECT_EQ(spec->url, "https://shop.example/checkout");
  ASSERT_EQ(spec->headers.size(), 1u);
  EXPECT_EQ(spec->headers[0].second, "Bearer t0k");
  EXPECT_EQ(spec->timeout_s, 10);
  EXPECT_EQ(spec->basic_auth->first, "u");
}

TEST(ApiTest, TimeframesAreUtcWeekdaysAndMinutes) {
  auto t = parse_api_test(http_test());
  ASSERT_TRUE(t.ok());
  const int64_t monday_0900 = 1795424400;  // Monday 2026-11-23 09:00 UTC
  EXPECT_TRUE(in_timeframes(*t, monday_0900));
  EXPECT_TRUE(in_timeframes(*t, monday_0900 + 8 * 3600 + 29 * 60));
  EXPECT_FALSE(in_timeframes(*t, monday_0900 + 8 * 3600 + 30 * 60));
  EXPECT_FALSE(in_timeframes(*t, monday_0900 - 60));
  EXPECT_FALSE(in_timeframes(*t, monday_0900 + 86400)) << "Tuesday";
}

TEST(ApiTest, MultistepExtractsValuesForLaterSteps) {
  auto t = parse_api_test(json::parse(R"json({
    "name": "Login then order", "subtype": "multi", "locations": ["local"],
    "config": {"steps": [
      {"name": "login", "request": {"method": "POST", "url": "http://127.0.0.1/login"},
       "assertions": [], "extractedValues": [
         {"name": "TOKEN", "type": "http_body", "parser": {"type": "json_path", "value": "$.token"}},
         {"name": "SESSION", "type": "http_header", "field": "set-cookie",
          "parser": {"type": "regex", "value": "sid=([a-z0-9]+)"}}]},
      {"name": "order", "request": {"url": "http://127.0.0.1/orders?t={{ TOKEN }}"},
       "assertions": [], "allowFailure": true, "retry": {"count": 1, "interval": 10}}]}})json"));
  ASSERT_TRUE(t.ok()) << t.status().to_string();
  ASSERT_EQ(t->steps.size(), 2u);
  EXPECT_TRUE(t->steps[1].allow_failure);
  EXPECT_EQ(t->steps[1].retry_count, 1);
  HttpResult login;
  login.status = 200;
  login.body = R"({"token": "abc", "user": {"id": 4}})";
  login.headers = {{"set-cookie", "sid=s3ss10n; Path=/"}};
  EXPECT_EQ(extract(t->steps[0].extractions[0], login), "abc");
  EXPECT_EQ(extract(t->steps[0].extractions[1], login), "s3ss10n");
  EXPECT_EQ(extract({"CODE", "http_status_code"}, login), "200");
  EXPECT_FALSE(extract({"X", "http_header", "x-missing"}, login));
  EXPECT_EQ(fill_variables("t={{ TOKEN }}&s={{SESSION}}&u={{ UNKNOWN }}",
                           {{"TOKEN", "abc"}, {"SESSION", "s"}}),
            "t=abc&s=s&u={{ UNKNOWN }}");
}

TEST(ApiTest, ErrorsNameTheField) {
  auto err = [](json body) {
    auto t = parse_api_test(body);
    EXPECT_FALSE(t.ok()) << body.dump();
    return t.ok() ? std::string() : t.status().message();
  };
  json b = http_test();
  b.erase("name");
  EXPECT_EQ(err(b), "name is required");
  b = http_test();
  b["subtype"] = "grpc";
  EXPECT_EQ(err(b), "subtype must be \"http\" or \"multi\" (other API test kinds are not run yet)");
  b = http_test();
  b["config"]["request"]["url"] = "ftp://x";
  EXPECT_EQ(err(b), "config.request.url must start with http:// or https://");
  b = http_test();
  b["config"]["request"]["method"] = "BREW";
  EXPECT_EQ(err(b), "config.request.method must be GET, POST, PUT, PATCH, DELETE, HEAD or OPTIONS");
  b = http_test();
  b["config"]["request"]["headers"] = {{"X-Evil", "a\r\nInjected: 1"}};
  EXPECT_EQ(err(b), "config.request.headers.X-Evil is not a valid header");
  b = http_test();
  b["options"]["tick_every"] = 5;
  EXPECT_EQ(err(b), "options.tick_every must be seconds from 30 to 604800");
  b = http_test();
  b["options"]["retry"]["count"] = 9;
  EXPECT_EQ(err(b), "options.retry.count must be 0 to 5");
  b = http_test();
  b["options"]["scheduling"]["timeframes"][0]["to"] = "08:00";
  EXPECT_EQ(err(b).rfind("options.scheduling.timeframes[0] must be", 0), 0u);
  b = http_test();
  b["options"]["scheduling"]["timezone"] = "Asia/Seoul";
  EXPECT_EQ(err(b),
            "options.scheduling.timezone must be UTC (other time zones are not supported yet)");
  b = http_test();
  b["locations"] = json::array();
  EXPECT_EQ(err(b), "locations must name at least one location (\"local\" is the server's own)");
  b = http_test();
  b["config"]["assertions"][0]["operator"] = "equals";
  EXPECT_EQ(err(b), "config.assertions[0].operator 'equals' is not an operator");
  EXPECT_EQ(err(json::parse(R"({"name": "t", "type": ["local"]})")), "type must be a string");
  b = http_test();
  b["options"]["tick_every"] = "60";
  EXPECT_EQ(err(b), "options.tick_every must be seconds from 30 to 604800");
  b = http_test();
  b["options"]["follow_redirects"] = "yes";
  EXPECT_EQ(err(b), "follow_redirects must be true or false");
  b = http_test();
  b["status"] = "on";
  EXPECT_EQ(err(b), "status must be \"live\" or \"paused\"");
}

}  // namespace
}  // namespace heeler::synthetics
