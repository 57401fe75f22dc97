// API test assertions in Datadog's shape, checked against one response:
//   {type: statusCode | responseTime | header | body | certificate, operator, target,
//    property (header name)} and {type: body, operator: validatesJSONPath, target:
//   {jsonPath, operator, targetValue, elementsOperator}}.
// Operators: is, isNot, contains, doesNotContain, matches, doesNotMatch (RE2 syntax,
// linear time), lessThan, lessThanOrEqual, moreThan, moreThanOrEqual, isInMoreThan /
// isInLessThan (certificate days), doesNotExist (header), isUndefined (JSON path).
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/status.h"
#include "synthetics/http_check.h"

namespace heeler::synthetics {

// Checks an assertions array when a test is saved; errors name the assertion.
core::Status check_assertions(const nlohmann::json& assertions, std::string_view where);

struct AssertionResult {
  bool valid = false;
  nlohmann::json assertion;  // as written
  nlohmann::json actual;     // what was found (null when nothing was)
  std::string error;         // why it failed, for people
};

std::vector<AssertionResult> evaluate_assertions(const nlohmann::json& assertions,
                                                 const HttpResult& response, int64_t now_s);

// The values a JSONPath selects ("$.items[0].id", "$['a b'].c", "$.items[*].id");
// nullopt when the path itself is malformed.
std::optional<std::vector<nlohmann::json>> json_path(const nlohmann::json& document,
                                                     std::string_view path);

}  // namespace heeler::synthetics
