// docs/api/openapi.json against the running server: every example request of the file
// is sent, answers with the status the example names, that status is documented, and
// the JSON answer matches the documented schema.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "openapi_check.h"
#include "process_harness.h"

namespace heeler::testing {
namespace {

using json = nlohmann::json;

const std::filesystem::path kSpec =
    std::filesystem::path(HEELER_SOURCE_DIR) / "docs" / "api" / "openapi.json";

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// "$NOW_MS", "$NOW_MS-<n>" (ms) and "$NOW_S", "$NOW_S±<n>" (seconds) strings become numbers.
json substitute(const json& v, int64_t now) {
  if (v.is_string()) {
    const std::string s = v.get<std::string>();
    if (s == "$NOW_MS") return now;
    if (s.rfind("$NOW_MS-", 0) == 0) return now - std::stoll(s.substr(8));
    if (s == "$NOW_S") return now / 1000;
    if (s.rfind("$NOW_S+", 0) == 0) return now / 1000 + std::stoll(s.substr(7));
    if (s.rfind("$NOW_S-", 0) == 0) return now / 1000 - std::stoll(s.substr(7));
    return v;
  }
  if (v.is_object()) {
    json out = json::object();
    for (const auto& [k, item] : v.items()) out[k] = substitute(item, now);
    return out;
  }
  if (v.is_array()) {
    json out = json::array();
    for (const auto& item : v) out.push_back(substitute(item, now));
    return out;
  }
  return v;
}

TEST(OpenApi, EveryExampleAnswersAsDocumented) {
  std::ifstream in(kSpec);
  ASSERT_TRUE(in) << kSpec;
  json spec = json::parse(in);
  OpenApiChecker checker(spec);

  const auto root =
      std::filesystem::temp_directory_path() / ("heeler-it-openapi-" + std::to_string(::getpid()));
  std::filesystem::remove_all(root);
  HeelerProcess server(root / "data");
  server.start({"--set", "api.sql_enabled=true"});
  ASSERT_TRUE(server.wait_ready()) << server.log();
  // Some data for the examples to find.
  const int64_t now_s = now_ms() / 1000;
  json series = {
      {"series",
       {{{"metric", "it.cpu"}, {"type", "gauge"}, {"host", "a"}, {"points", {{now_s - 60, 10}}}}}}};
  ASSERT_EQ(http_request(server.port(), "POST", "/api/v1/series", series.dump(),
                         {"Content-Type: application/json"})
                .status,
            202);
  json logs = json::array();
  for (int i = 0; i < 3; ++i)
    logs.push_back(
        {{"service", "web"}, {"message", "hello " + std::to_string(i)}, {"status", "info"}});
  ASSERT_EQ(http_request(server.port(), "POST", "/api/v2/logs", logs.dump(),
                         {"Content-Type: application/json"})
                .status,
            202);
  ASSERT_TRUE(wait_for_number(server.port(), "SELECT count() FROM logs", json::object(), 3));
  ASSERT_TRUE(
      wait_for_number(server.port(), "SELECT count() FROM metric_series", json::object(), 1));

  int examples = 0;
  for (const auto& [path, methods] : spec["paths"].items()) {
    for (const auto& [method, operation] : methods.items()) {
      if (!operation.contains("x-heeler-examples")) continue;
      for (const json& example : operation["x-heeler-examples"]) {
        std::string target = path;
        if (example.contains("path"))
          for (const auto& [name, value] : example["path"].items()) {
            const std::string key = "{" + name + "}";
            target.replace(target.find(key), key.size(), value.get<std::string>());
          }
        if (example.contains("query")) target += "?" + example["query"].get<std::string>();
        std::string upper = method;
        for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        const std::string body =
            example.contains("body") ? substitute(example["body"], now_ms()).dump() : std::string();
        HttpReply reply =
            http_request(server.port(), upper, target, body, {"Content-Type: application/json"});
        const std::string where = upper + " " + target + " " + body;
        const int want = example["status"].get<int>();
        EXPECT_EQ(reply.status, want) << where << "\n" << reply.body;
        const std::string status = std::to_string(reply.status);
        ASSERT_TRUE(operation["responses"].contains(status))
            << where << ": answered " << status << ", which the description does not list";
        const json& response = checker.resolve(operation["responses"][status]);
        if (response.contains("content") && response["content"].contains("application/json")) {
          json answer = json::parse(reply.body, nullptr, false);
          ASSERT_FALSE(answer.is_discarded()) << where << ": not JSON: " << reply.body;
          auto problems = checker.check(answer, response["content"]["application/json"]["schema"]);
          EXPECT_TRUE(problems.empty()) << where << "\n"
                                        << reply.body.substr(0, 2000) << "\n"
                                        << json(problems).dump(1);
        }
        ++examples;
      }
    }
  }
  EXPECT_GE(examples, 25);
  std::filesystem::remove_all(root);
}

}  // namespace
}  // namespace heeler::testing
