// Synthetic API tests through a running `heeler serve`, driven by the official
// @datadog/datadog-api-client against target endpoints on 127.0.0.1: a flaky endpoint
// passes after the test's retry, a slow one trips the response-time assertion, a
// multistep test carries a token from its first step into its second; results read
// back in Datadog's shapes, metrics emitted per run, bad tests refused with the field.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>

#include "loopback_servers.h"
#include "process_harness.h"

namespace heeler::testing {
namespace {

using json = nlohmann::json;
using namespace std::chrono_literals;

const std::filesystem::path kClients =
    std::filesystem::path(HEELER_SOURCE_DIR) / "tests" / "clients";

class SyntheticsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = std::filesystem::temp_directory_path() /
            ("heeler-it-synthetics-" + std::to_string(::getpid()));
    std::filesystem::remove_all(root_);
    std::filesystem::create_directories(root_);
    server_ = std::make_unique<HeelerProcess>(root_ / "data");
    server_->start({"--set", "api.sql_enabled=true"});
    ASSERT_TRUE(server_->wait_ready()) << server_->log();
  }
  void TearDown() override {
    server_.reset();
    std::filesystem::remove_all(root_);
  }
  HttpReply call(const std::string& method, const std::string& target, const json& body = {}) {
    return http_request(server_->port(), method, target, body.is_null() ? "" : body.dump(),
                        {"Content-Type: application/json"});
  }
  std::string target() { return "http://127.0.0.1:" + std::to_string(target_.port()); }

  HttpSink target_;
  std::filesystem::path root_;
  std::unique_ptr<HeelerProcess> server_;
};

TEST_F(SyntheticsTest, TheDatadogClientCreatesTriggersAndReadsResults) {
  ASSERT_TRUE(std::filesystem::exists(kClients / "node_modules" / "@datadog"))
      << "run scripts/setup.sh (npm ci in tests/clients)";
  target_.fail_next("/flaky", 1);
  target_.respond("/slow", 200, "slow but fine", {}, 700);
  target_.respond("/login", 200, R"({"token": "tok-42"})", {{"Content-Type", "application/json"}});
  target_.respond("/orders?t=tok-42", 200, R"({"orders": [{"id": 17}]})",
                  {{"Content-Type", "application/json"}});

  const std::filesystem::path out = root_ / "client.log";
  const std::string command =
      "cd '" + kClients.string() + "' && timeout 90 node synthetics_api.js " +
      std::to_string(server_->port()) + " " + target() + " > '" + out.string() + "' 2>&1";
  const int rc = std::system(command.c_str());
  std::ifstream in(out);
  std::stringstream text;
  text << in.rdbuf();
  ASSERT_EQ(rc, 0) << text.str() << server_->log();
  json result = json::parse(text.str(), nullptr, false);
  ASSERT_TRUE(result.is_object()) << text.str();
  const json& t = result["tests"];

  EXPECT_TRUE(t["flaky"]["latest"]["passed"].get<bool>()) << t["flaky"].dump();
  EXPECT_EQ(t["flaky"]["latest"]["probe_dc"], "local");
  EXPECT_EQ(t["flaky"]["full"]["attempts"], 2) << "passed on its retry";
  EXPECT_EQ(t["flaky"]["full"]["http_status"], 200);

  EXPECT_FALSE(t["slow"]["latest"]["passed"].get<bool>());
  EXPECT_EQ(t["slow"]["latest"]["status"], 1);
  EXPECT_EQ(t["slow"]["full"]["failure"]["code"], "INCORRECT_ASSERTION");
  EXPECT_EQ(t["slow"]["full"]["failure"]["message"].get<std::string>().rfind(
                "expected responseTime lessThan 300, got ", 0),
            0u)
      << t["slow"].dump();
  EXPECT_GE(t["slow"]["full"]["total_ms"].get<double>(), 700);

  EXPECT_TRUE(t["login"]["latest"]["passed"].get<bool>()) << t["login"].dump();
  ASSERT_EQ(t["login"]["full"]["steps"].size(), 2u);
  EXPECT_EQ(t["login"]["full"]["steps"][0]["extractedValues"][0]["value"], "tok-42");
  EXPECT_TRUE(t["login"]["full"]["steps"][1]["passed"].get<bool>());
  bool saw_token = false;
  for (const auto& r : target_.requests()) saw_token |= r.path == "/orders?t=tok-42";
  EXPECT_TRUE(saw_token) << "the second step used the extracted token";

  EXPECT_EQ(result["list"].size(), 3u);
  EXPECT_EQ(result["list"][0]["status"], "paused");
  // Set live by the client, the flaky test is now run on its schedule too.
  json latest;
  for (int i = 0; i < 100; ++i) {
    latest = json::parse(call("GET", "/api/v1/synthetics/tests/" +
                                         t["flaky"]["public_id"].get<std::string>() + "/results")
                             .body);
    if (latest["results"].size() >= 2) break;
    std::this_thread::sleep_for(100ms);
  }
  ASSERT_EQ(latest["results"].size(), 2u);
  EXPECT_EQ(latest["results"][0]["run_type"], "scheduled");

  // Each run is a point of synthetics.test_runs, by test and status.
  json series;
  for (int i = 0; i < 100; ++i) {
    auto r = call("GET",
                  "/api/v1/query?from=now-10m&to=now&query=sum:synthetics.test_runs%7Bstatus:"
                  "failed%7D%20by%20%7Btest_name%7D.as_count()");
    series = json::parse(r.body, nullptr, false)["series"];
    if (series.is_array() && !series.empty()) break;
    std::this_thread::sleep_for(200ms);
  }
  ASSERT_EQ(series.size(), 1u) << series.dump();
  EXPECT_EQ(series[0]["scope"], "test_name:slow");
}

TEST_F(SyntheticsTest, RunsAreRefusedOrFailClearly) {
  auto create = [&](const json& request, const json& assertions) {
    return call("POST", "/api/v1/synthetics/tests/api",
                {{"name", "t"},
                 {"type", "api"},
                 {"config", {{"request", request}, {"assertions", assertions}}},
                 {"locations", {"local"}}});
  };
  HttpReply bad = create({{"url", "file:///etc/passwd"}}, json::array());
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(json::parse(bad.body)["errors"][0],
            "config.request.url must start with http:// or https://");
  bad = create({{"url", target()}},
               json::parse(R"([{"type": "body", "operator": "matches", "target": "(x"}])"));
  EXPECT_EQ(bad.status, 400);

  struct Case {
    std::string url;
    std::string code;
  };
  target_.respond("/big", 200, std::string(6 << 20, 'x'));
  target_.respond("/loop", 302, "", {{"Location", "/loop"}});
  for (const Case& c :
       {Case{"http://169.254.169.254/latest/meta-data/", "DENIED"},
        Case{"http://127.0.0.1:1/", "CONNREFUSED"}, Case{"http://no-such-host.invalid/", "DNS"},
        Case{target() + "/big", "BODY_TOO_LARGE"},
        Case{target() + "/loop", "TOO_MANY_REDIRECTS"}}) {
    HttpReply r = create({{"url", c.url}, {"timeout", 5}}, json::array());
    ASSERT_EQ(r.status, 200) << r.body;
    const std::string id = json::parse(r.body)["public_id"];
    HttpReply trig =
        call("POST", "/api/v1/synthetics/tests/trigger", {{"tests", {{{"public_id", id}}}}});
    ASSERT_EQ(trig.status, 200) << trig.body;
    const std::string result_id = json::parse(trig.body)["results"][0]["result_id"];
    json full;
    for (int i = 0; i < 200; ++i) {
      HttpReply g = call("GET", "/api/v1/synthetics/tests/" + id + "/results/" + result_id);
      if (g.status == 200) {
        full = json::parse(g.body);
        break;
      }
      std::this_thread::sleep_for(100ms);
    }
    ASSERT_TRUE(full.is_object()) << c.url;
    EXPECT_FALSE(full["result"]["passed"].get<bool>()) << c.url;
    EXPECT_EQ(full["result"]["failure"]["code"], c.code) << c.url << ": " << full["result"].dump();
  }

  // Pausing and deleting.
  HttpReply r = create({{"url", target()}}, json::array());
  const std::string id = json::parse(r.body)["public_id"];
  EXPECT_EQ(
      call("PUT", "/api/v1/synthetics/tests/" + id + "/status", {{"new_status", "paused"}}).body,
      "true");
  EXPECT_EQ(json::parse(call("GET", "/api/v1/synthetics/tests/" + id).body)["status"], "paused");
  HttpReply del = call("POST", "/api/v1/synthetics/tests/delete", {{"public_ids", {id}}});
  EXPECT_EQ(json::parse(del.body)["deleted_tests"][0]["public_id"], id);
  EXPECT_EQ(call("GET", "/api/v1/synthetics/tests/" + id).status, 404);
  EXPECT_EQ(
      call("POST", "/api/v1/synthetics/tests/trigger", {{"tests", {{{"public_id", id}}}}}).status,
      404);
}

TEST_F(SyntheticsTest, TheCiCommandExitsByTheOutcome) {
  target_.respond("/ok", 200, "fine");
  target_.respond("/slow", 200, "late", {}, 500);
  auto create = [&](const std::string& name, const std::string& path, const std::string& tag) {
    HttpReply r = call(
        "POST", "/api/v1/synthetics/tests/api",
        {{"name", name},
         {"type", "api"},
         {"config",
          {{"request", {{"method", "GET"}, {"url", target() + path}}},
           {"assertions", json::parse(R"([{"type": "statusCode", "operator": "is", "target": 200},
               {"type": "responseTime", "operator": "lessThan", "target": 300}])")}}},
         {"locations", {"local"}},
         {"tags", {tag}},
         {"status", "paused"}});
    ASSERT_EQ(r.status, 200) << r.body;
  };
  create("Home page", "/ok", "smoke");
  create("Reports", "/slow", "nightly");
  const std::string server = "http://127.0.0.1:" + std::to_string(server_->port());
  std::string output;
  EXPECT_EQ(
      run_heeler({"ci", "synthetics", "run-tests", "--search", "tag:smoke", "--server", server},
                 output),
      0)
      << output;
  EXPECT_NE(output.find("✓ Home page"), std::string::npos) << output;
  EXPECT_NE(output.find("1 passed, 0 failed"), std::string::npos) << output;
  EXPECT_EQ(
      run_heeler({"ci", "synthetics", "run-tests", "-s", "reports", "--server", server}, output), 1)
      << output;
  EXPECT_NE(output.find("✗ Reports"), std::string::npos) << output;
  EXPECT_NE(output.find("INCORRECT_ASSERTION: expected responseTime lessThan 300"),
            std::string::npos)
      << output;
  EXPECT_EQ(
      run_heeler({"ci", "synthetics", "run-tests", "--search", "tag:nothing", "--server", server},
                 output),
      1);
  EXPECT_NE(output.find("no test matches the search 'tag:nothing'"), std::string::npos) << output;
  EXPECT_EQ(run_heeler({"ci", "synthetics", "run-tests", "--search", "tag:smoke", "--server",
                        "http://127.0.0.1:1"},
                       output),
            2);
  EXPECT_NE(output.find("cannot reach"), std::string::npos) << output;
}

}  // namespace
}  // namespace heeler::testing
