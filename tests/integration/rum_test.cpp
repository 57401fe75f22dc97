// The real Datadog browser SDKs (@datadog/browser-rum and browser-logs, pinned in
// tests/clients) in Chromium against `heeler serve`: a shop page on another origin
// sends its session through the SDKs' proxy option; the session's events are read
// back through the RUM search and aggregate APIs, its logs through the log search,
// and a RUM monitor on failing resources alerts for the view that had them.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <thread>

#include "process_harness.h"

namespace heeler::testing {
namespace {

using json = nlohmann::json;
using namespace std::chrono_literals;

const std::filesystem::path kClients =
    std::filesystem::path(HEELER_SOURCE_DIR) / "tests" / "clients";

class BrowserRumTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!std::filesystem::exists("/usr/bin/chromium")) GTEST_SKIP() << "chromium is not installed";
    root_ = std::filesystem::temp_directory_path() /
            ("heeler-it-rum-" + std::to_string(::getpid()) + "-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(root_);
    std::filesystem::create_directories(root_);
    server_ = std::make_unique<HeelerProcess>(root_ / "data");
    server_->start({"--set", "monitors.interval_seconds=1"});
    ASSERT_TRUE(server_->wait_ready()) << server_->log();
  }
  void TearDown() override {
    server_.reset();
    std::filesystem::remove_all(root_);
  }

  // Runs the browser client; returns what it printed ({session_id, view_ids, …}).
  json run_browser() {
    const std::filesystem::path out = root_ / "browser.log";
    const std::string command =
        "cd '" + kClients.string() +
        "' && timeout 120 node browser_rum.js http://127.0.0.1:" + std::to_string(server_->port()) +
        " > '" + out.string() + "' 2>&1";
    const int rc = std::system(command.c_str());
    std::ifstream in(out);
    std::stringstream s;
    s << in.rdbuf();
    EXPECT_EQ(rc, 0) << s.str();
    std::string line;
    while (std::getline(s, line))
      if (line.starts_with("{\"session_id\"")) return json::parse(line);
    ADD_FAILURE() << "the browser client printed no session:\n" << s.str();
    return json::object();
  }

  json post(const std::string& target, const json& body) {
    HttpReply r = http_request(server_->port(), "POST", target, body.dump(),
                               {"Content-Type: application/json"});
    EXPECT_EQ(r.status, 200) << target << ": " << r.body;
    return json::parse(r.body, nullptr, false);
  }
  json search(const std::string& query, size_t limit = 200) {
    return post("/api/v2/rum/events/search",
                {{"filter", {{"query", query}, {"from", "now-1h"}, {"to", "now+1m"}}},
                 {"page", {{"limit", limit}}},
                 {"sort", "timestamp"}})["data"];
  }
  // Polls the search until `done` holds for its rows.
  json wait_search(const std::string& query, const std::function<bool(const json&)>& done) {
    json rows;
    for (auto end = std::chrono::steady_clock::now() + 30s; std::chrono::steady_clock::now() < end;
         std::this_thread::sleep_for(300ms)) {
      rows = search(query);
      if (done(rows)) return rows;
    }
    ADD_FAILURE() << "the search '" << query << "' never held what was expected:\n" << rows.dump(1);
    return rows;
  }

  std::filesystem::path root_;
  std::unique_ptr<HeelerProcess> server_;
};

// The rows of one type, by their nested attributes.
std::vector<json> of_type(const json& rows, const std::string& type) {
  std::vector<json> out;
  for (const json& r : rows)
    if (r["attributes"]["attributes"]["type"] == type) out.push_back(r["attributes"]["attributes"]);
  return out;
}

TEST_F(BrowserRumTest, RealSdkSessionIsSearchableAndAlerts) {
  const json client = run_browser();
  ASSERT_TRUE(client.contains("session_id")) << client.dump();
  const std::string session = client["session_id"];
  const std::string app = client["application_id"];
  ASSERT_EQ(app, "app-browser-e2e");

  // Everything of the session, in time order: both views, the click and the custom
  // action, the handled and the unhandled error, the failing fetch.
  const json rows = wait_search("@session.id:" + session, [](const json& rows) {
    return of_type(rows, "view").size() == 2 && of_type(rows, "error").size() == 2 &&
           of_type(rows, "action").size() == 2 &&
           of_type(rows, "view")[0]["view"]["error"]["count"] == 2;
  });
  for (const json& r : rows) {
    const json& a = r["attributes"];
    EXPECT_EQ(a["service"], "shop-web");
    EXPECT_EQ(a["tags"], json({"service:shop-web", "env:e2e", "version:1.2.3"}));
    EXPECT_EQ(a["attributes"]["session"]["id"], session);
    EXPECT_EQ(a["attributes"]["application"]["id"], app);
    EXPECT_EQ(a["attributes"]["usr"]["email"], "alice@example.com");
    EXPECT_EQ(a["attributes"]["context"]["tenant"], "t-7");
    EXPECT_EQ(r["type"], "rum");
  }
  for (size_t i = 1; i < rows.size(); ++i)
    EXPECT_LE(rows[i - 1]["attributes"]["timestamp"].get<std::string>(),
              rows[i]["attributes"]["timestamp"].get<std::string>());

  // Views: one row each, the latest version (the SDK re-sends a view as it changes).
  const auto views = of_type(rows, "view");
  ASSERT_EQ(views.size(), 2u);
  EXPECT_EQ(views[0]["view"]["id"], client["view_ids"][0]);
  EXPECT_EQ(views[0]["view"]["name"], "/cart");
  EXPECT_EQ(views[0]["view"]["url_path"], "/cart");
  EXPECT_EQ(views[0]["view"]["action"]["count"], 2);
  EXPECT_EQ(views[0]["view"]["error"]["count"], 2);
  EXPECT_GT(views[0]["view"]["time_spent"].get<int64_t>(), 0);
  EXPECT_EQ(views[1]["view"]["id"], client["view_ids"][1]);
  EXPECT_EQ(views[1]["view"]["name"], "/done");

  const auto actions = of_type(rows, "action");
  EXPECT_EQ(actions[0]["action"]["type"], "click");
  EXPECT_EQ(actions[0]["action"]["target"]["name"], "Pay now");
  EXPECT_EQ(actions[1]["action"]["type"], "custom");
  EXPECT_EQ(actions[1]["action"]["target"]["name"], "checkout");
  EXPECT_EQ(actions[1]["context"]["cart_size"], 3);

  const auto errors = of_type(rows, "error");
  EXPECT_EQ(errors[0]["error"]["message"], "Payment failed");
  EXPECT_EQ(errors[0]["error"]["source"], "custom");
  EXPECT_EQ(errors[0]["context"]["order_id"], "o-9");
  EXPECT_EQ(errors[1]["error"]["message"], "Unhandled checkout crash");
  EXPECT_EQ(errors[1]["error"]["source"], "source");
  EXPECT_NE(errors[1]["error"]["stack"].get<std::string>().find("Unhandled checkout crash"),
            std::string::npos);

  // The failing fetch, found with numeric comparisons on its attributes.
  const json failed = search("@session.id:" + session +
                             " @type:resource @resource.status_code:>=500 @resource.duration:>0ms");
  ASSERT_EQ(failed.size(), 1u) << failed.dump(1);
  const json& fetch = failed[0]["attributes"]["attributes"]["resource"];
  EXPECT_EQ(fetch["type"], "fetch");
  EXPECT_EQ(fetch["method"], "POST");
  EXPECT_EQ(fetch["status_code"], 503);
  EXPECT_NE(fetch["url"].get<std::string>().find("/api/pay"), std::string::npos);

  // Free text finds the error by its message; other fields by their values.
  EXPECT_EQ(search("\"Payment failed\" @session.id:" + session).size(), 1u);
  EXPECT_EQ(search("@type:action @action.target.name:\"Pay now\"").size(), 1u);
  EXPECT_EQ(search("@usr.email:alice@example.com @type:view").size(), 2u);
  EXPECT_EQ(search("@session.id:" + session + " -@view.name:/cart @type:view").size(), 1u);

  // Counts by type and view, as a RUM explorer's table.
  const json agg = post("/api/v2/rum/analytics/aggregate",
                        {{"filter", {{"query", "@session.id:" + session}, {"from", "now-1h"}}},
                         {"compute", {{{"aggregation", "count"}}}},
                         {"group_by", {{{"facet", "@type"}}, {{"facet", "@view.name"}}}}});
  std::map<std::string, double> counts;
  for (const json& b : agg["data"]["buckets"])
    counts[b["by"]["@type"].get<std::string>() + " " + b["by"]["@view.name"].get<std::string>()] =
        b["computes"]["c0"].get<double>();
  EXPECT_EQ(counts["view /cart"], 1);
  EXPECT_EQ(counts["view /done"], 1);
  EXPECT_EQ(counts["error /cart"], 2);
  EXPECT_EQ(counts["action /cart"], 2);
  EXPECT_GE(counts["resource /cart"], 3);

  // The logs SDK's records, through the same proxy: the logger call, the forwarded
  // unhandled error and the failed fetch, with the page's session.
  const json logs =
      post("/api/v2/logs/events/search",
           {{"filter", {{"query", "service:shop-web @session_id:" + session}, {"from", "now-1h"}}},
            {"page", {{"limit", 50}}}})["data"];
  std::set<std::string> messages;
  for (const json& l : logs) messages.insert(l["attributes"]["message"].get<std::string>());
  EXPECT_TRUE(messages.count("payment retry scheduled")) << logs.dump(1);
  EXPECT_TRUE(messages.count("Unhandled checkout crash")) << logs.dump(1);

  // A RUM monitor on failing resources per view alerts for the cart only.
  HttpReply created = http_request(
      server_->port(), "POST", "/api/v1/monitor",
      json{{"name", "5xx resources on {{view.name}}"},
           {"type", "rum alert"},
           {"query",
            "rum(\"@type:resource @resource.status_code:>=500\").index(\"*\").rollup(\"count\")"
            ".by(\"@view.name\").last(\"1h\") > 0"},
           {"message", "{{#is_alert}}{{value}} failing requests on {{view.name}}{{/is_alert}}"}}
          .dump(),
      {"Content-Type: application/json"});
  ASSERT_EQ(created.status, 200) << created.body;
  const int64_t id = json::parse(created.body)["id"];
  json monitor;
  for (auto end = std::chrono::steady_clock::now() + 30s; std::chrono::steady_clock::now() < end;
       std::this_thread::sleep_for(300ms)) {
    HttpReply r = http_request(server_->port(), "GET",
                               "/api/v1/monitor/" + std::to_string(id) + "?group_states=all");
    monitor = json::parse(r.body, nullptr, false);
    if (monitor.value("overall_state", "") == "Alert") break;
  }
  ASSERT_EQ(monitor.value("overall_state", ""), "Alert") << monitor.dump(1);
  EXPECT_EQ(monitor["state"]["groups"]["view.name:/cart"]["status"], "Alert") << monitor.dump(1);
  EXPECT_EQ(monitor["state"]["groups"]["view.name:/cart"]["value"], 1) << monitor.dump(1);
  EXPECT_FALSE(monitor["state"]["groups"].contains("view.name:/done")) << monitor.dump(1);
  // The alert's event carries the rendered message.
  HttpReply events;
  for (auto end = std::chrono::steady_clock::now() + 20s; std::chrono::steady_clock::now() < end;
       std::this_thread::sleep_for(300ms)) {
    events = http_request(server_->port(), "GET", "/api/v1/events?start=0&sources=monitor");
    if (events.body.find("1 failing requests on /cart") != std::string::npos) break;
  }
  EXPECT_NE(events.body.find("1 failing requests on /cart"), std::string::npos) << events.body;
}

TEST_F(BrowserRumTest, BadIntakeRequestsAreRefusedAndValidOnesKept) {
  // The browser intake's own answers, as a page would get them.
  HttpReply r = http_request(server_->port(), "POST", "/api/v2/rum?ddsource=browser", "{oops",
                             {"Content-Type: text/plain;charset=UTF-8", "Origin: http://shop"});
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.headers["access-control-allow-origin"], "*");
  r = http_request(server_->port(), "OPTIONS", "/api/v2/browser-intake", "",
                   {"Origin: http://shop", "Access-Control-Request-Method: POST"});
  EXPECT_EQ(r.status, 204);
  EXPECT_EQ(r.headers["access-control-allow-methods"], "POST, OPTIONS");
  r = http_request(server_->port(), "POST",
                   "/api/v2/browser-intake?ddforward=%2Fapi%2Fv2%2Frum%3Fddsource%3Dbrowser",
                   "{\"type\":\"view\",\"session\":{\"id\":\"bad-1\"},\"view\":{\"id\":\"v\","
                   "\"url\":\"http://shop/x\"}}\n{\"no\":\"type\"}\nnot json\n");
  EXPECT_EQ(r.status, 202) << r.body;
  EXPECT_EQ(json::parse(r.body)["dropped"], 2);
  const json rows =
      wait_search("@session.id:bad-1", [](const json& rows) { return rows.size() == 1; });
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0]["attributes"]["attributes"]["view"]["name"], "/x");
  // A search error names its position.
  r = http_request(server_->port(), "POST", "/api/v2/rum/events/search",
                   R"({"filter":{"query":"@type:(view OR"}})", {"Content-Type: application/json"});
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("at "), std::string::npos) << r.body;
}

}  // namespace
}  // namespace heeler::testing
