#include "synthetics/runner.h"

#include <fmt/format.h>

#include <chrono>
#include <cmath>
#include <map>
#include <random>
#include <thread>

namespace heeler::synthetics {
namespace {

using nlohmann::json;

json timings_json(const Timings& t) {
  auto r = [](double v) { return std::round(v * 100) / 100; };
  return {{"dns", r(t.dns)},           {"tcp", r(t.tcp)},
          {"ssl", r(t.ssl)},           {"firstByte", r(t.first_byte)},
          {"download", r(t.download)}, {"total", r(t.total)}};
}

struct StepOutcome {
  bool passed = false;
  HttpResult response;
  std::vector<AssertionResult> assertions;
  std::string failure_code, failure_message;
  json detail;
};

StepOutcome run_step(const ApiStep& step, const ApiTest& test,
                     std::map<std::string, std::string>& vars, const CheckLimits& limits,
                     int64_t now_s) {
  StepOutcome out;
  for (int attempt = 0; attempt <= step.retry_count; ++attempt) {
    if (attempt) std::this_thread::sleep_for(std::chrono::milliseconds(step.retry_interval_ms));
    out = StepOutcome{};
    auto spec = request_of(step, test, vars);
    if (!spec) {
      out.failure_code = "INVALID_REQUEST";
      out.failure_message = spec.status().message();
    } else {
      out.response = perform_http(*spec, limits);
      if (!out.response.completed) {
        out.failure_code = out.response.failure_code;
        out.failure_message = out.response.failure_message;
      } else {
        out.assertions = evaluate_assertions(step.assertions, out.response, now_s);
        out.passed = true;
        for (const auto& a : out.assertions)
          if (!a.valid) {
            out.passed = false;
            out.failure_code = "INCORRECT_ASSERTION";
            out.failure_message = a.error;
            break;
          }
      }
    }
    if (out.passed) break;
  }
  json assertion_results = json::array();
  for (const auto& a : out.assertions)
    assertion_results.push_back({{"valid", a.valid},
                                 {"actual", a.actual},
                                 {"assertion", a.assertion},
                                 {"error", a.error.empty() ? json(nullptr) : json(a.error)}});
  json headers = json::object();
  for (const auto& [k, v] : out.response.headers) headers[k] = v;
  const std::string& body = out.response.body;
  out.detail = {{"name", step.name},
                {"passed", out.passed},
                {"httpStatusCode", out.response.status},
                {"timings", timings_json(out.response.timings)},
                {"responseHeaders", headers},
                {"responseSize", out.response.body_size},
                {"responseBody", body.size() > 10000 ? body.substr(0, 10000) : body},
                {"assertionResults", assertion_results}};
  if (!out.passed)
    out.detail["failure"] = {{"code", out.failure_code}, {"message", out.failure_message}};
  if (out.passed) {
    json extracted = json::array();
    for (const Extraction& e : step.extractions) {
      auto value = extract(e, out.response);
      if (value) vars[e.name] = *value;
      extracted.push_back({{"name", e.name}, {"value", value ? json(*value) : json(nullptr)}});
    }
    if (!extracted.empty()) out.detail["extractedValues"] = extracted;
  }
  return out;
}

}  // namespace

std::string new_result_id() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  return std::to_string(rng() >> 1);
}

RunResult run_api_test(const ApiTest& test, const std::string& location,
                       const std::string& run_type, int64_t now_ms, const CheckLimits& limits) {
  RunResult r;
  r.result_id = new_result_id();
  r.public_id = test.public_id;
  r.location = location;
  r.run_type = run_type;
  r.check_time_ms = now_ms;
  json steps;
  for (int attempt = 0; attempt <= test.retry_count; ++attempt) {
    if (attempt) std::this_thread::sleep_for(std::chrono::milliseconds(test.retry_interval_ms));
    r.attempts = attempt + 1;
    std::map<std::string, std::string> vars = test.variables;
    steps = json::array();
    r.passed = true;
    r.failure_code.clear();
    r.failure_message.clear();
    r.duration_ms = 0;
    for (const ApiStep& step : test.steps) {
      StepOutcome o = run_step(step, test, vars, limits, now_ms / 1000);
      r.duration_ms += o.response.timings.total;
      r.http_status = o.response.status;
      r.timings = o.response.timings;
      steps.push_back(std::move(o.detail));
      if (!o.passed && !step.allow_failure) {
        r.passed = false;
        r.failure_code = o.failure_code;
        r.failure_message = test.steps.size() > 1
                                ? fmt::format("step '{}': {}", step.name, o.failure_message)
                                : o.failure_message;
        break;
      }
    }
    if (r.passed) break;
  }
  json result = test.subtype == "multi" ? json{{"steps", steps}} : steps.at(0);
  result["passed"] = r.passed;
  result["eventType"] = "finished";
  result["timings"] = timings_json(r.timings);
  if (test.subtype == "multi") result["duration"] = std::round(r.duration_ms * 100) / 100;
  if (!r.passed) result["failure"] = {{"code", r.failure_code}, {"message", r.failure_message}};
  r.detail = {{"check_time", r.check_time_ms},
              {"check_version", 1},
              {"probe_dc", location},
              {"result_id", r.result_id},
              {"status", r.passed ? 0 : 1},
              {"result", std::move(result)},
              {"check", {{"config", test.body.value("config", json::object())}}},
              {"run_type", run_type},
              {"attempts", r.attempts}};
  return r;
}

}  // namespace heeler::synthetics
