// Runs an API test once at one location: each step's request with its variables
// filled, the step's retries, the values it extracts for the next steps, its
// assertions; the whole run again after options.retry.interval while it fails and
// options.retry.count allows. The result is Datadog's result JSON.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "synthetics/api_test.h"

namespace heeler::synthetics {

struct RunResult {
  std::string result_id;  // a decimal 63-bit number, as Datadog's
  std::string public_id;
  std::string location;
  std::string run_type;  // scheduled, manual, ci
  int64_t check_time_ms = 0;
  bool passed = false;
  double duration_ms = 0;  // of the last attempt, every step included
  int attempts = 1;
  std::string failure_code;  // of the first failing step; empty when passed
  std::string failure_message;
  int http_status = 0;    // of the last step run
  Timings timings;        // of the last step run
  nlohmann::json detail;  // Datadog's full result: {result: {…}, check: {config}, …}
};

RunResult run_api_test(const ApiTest& test, const std::string& location,
                       const std::string& run_type, int64_t now_ms, const CheckLimits& limits = {});

std::string new_result_id();

}  // namespace heeler::synthetics
