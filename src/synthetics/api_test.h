// Synthetic API tests in Datadog's JSON shape (POST /api/v1/synthetics/tests/api):
// {name, type: "api", subtype: "http" | "multi", config: {request, assertions,
// configVariables, steps}, options: {tick_every, retry: {count, interval},
// min_failure_duration, min_location_failed, follow_redirects, accept_self_signed,
// scheduling: {timeframes: [{day, from, to}], timezone}}, locations, tags, status:
// "live" | "paused", message}. A multistep test's steps extract values
// (extractedValues: {name, type: http_body | http_header | http_status_code, field,
// parser: {type: raw | json_path | regex, value}}) into {{ NAME }} variables of the steps
// after them.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/status.h"
#include "synthetics/assertions.h"
#include "synthetics/http_check.h"

namespace heeler::synthetics {

struct Extraction {
  std::string name;
  std::string from;            // http_body, http_header, http_status_code
  std::string field;           // the header for http_header
  std::string parser = "raw";  // raw, json_path, regex
  std::string pattern;
};

struct ApiStep {
  std::string name;
  nlohmann::json request;     // Datadog's request object, {{ VARIABLES }} not yet filled
  nlohmann::json assertions;  // Datadog's assertions
  std::vector<Extraction> extractions;
  bool allow_failure = false;
  int retry_count = 0;
  int64_t retry_interval_ms = 300;
};

struct Timeframe {
  int day = 1;  // 1 = Monday … 7 = Sunday
  int from_minute = 0;
  int to_minute = 0;
};

struct ApiTest {
  std::string public_id;
  std::string name;
  std::string subtype = "http";
  std::vector<ApiStep> steps;                    // one for an http test
  std::map<std::string, std::string> variables;  // configVariables: name → value
  int64_t tick_every_s = 300;
  int retry_count = 0;
  int64_t retry_interval_ms = 300;
  int64_t min_failure_duration_s = 0;
  int min_location_failed = 1;
  bool follow_redirects = true;
  bool accept_self_signed = false;
  std::vector<Timeframe> timeframes;  // empty: always
  std::vector<std::string> locations;
  std::vector<std::string> tags;
  bool live = true;
  std::string message;
  nlohmann::json body;  // the normalised JSON
};

// Checks a test body; errors name the field.
core::Result<ApiTest> parse_api_test(const nlohmann::json& body);

// Whether `now_s` falls in the test's scheduling timeframes (UTC).
bool in_timeframes(const ApiTest& test, int64_t now_s);

// {{ NAME }} replaced from `vars`; unknown names are left as written.
std::string fill_variables(std::string_view text, const std::map<std::string, std::string>& vars);

// The request of a step with its variables filled.
core::Result<HttpRequestSpec> request_of(const ApiStep& step, const ApiTest& test,
                                         const std::map<std::string, std::string>& vars);

// A value extracted from a response; nullopt when nothing matched.
std::optional<std::string> extract(const Extraction& e, const HttpResult& response);

}  // namespace heeler::synthetics
