// Dashboards through a running `heeler serve`: Datadog's v1 dashboard API (create,
// read, list, replace, delete), a Datadog-exported dashboard imported as it is, bad
// bodies refused with the field named, and dashboards kept across a restart. Also the
// tag values that template variables offer.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

#include "process_harness.h"

namespace heeler::testing {
namespace {

using json = nlohmann::json;
using namespace std::chrono_literals;

class DashboardsApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = std::filesystem::temp_directory_path() /
            ("heeler-it-dash-" + std::to_string(::getpid()) + "-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(root_);
    std::filesystem::create_directories(root_);
    start();
  }
  void TearDown() override {
    server_.reset();
    std::filesystem::remove_all(root_);
  }
  void start() {
    server_ = std::make_unique<HeelerProcess>(root_ / "data");
    server_->start();
    ASSERT_TRUE(server_->wait_ready()) << server_->log();
  }
  void restart() {
    server_->signal(SIGTERM);
    ASSERT_EQ(server_->wait_exit(30s), 0) << server_->log();
    start();
  }
  HttpReply call(const std::string& method, const std::string& target, const json& body = {}) {
    return http_request(server_->port(), method, target, body.is_null() ? "" : body.dump(),
                        body.is_null()
                            ? std::vector<std::string>{}
                            : std::vector<std::string>{"Content-Type: application/json"});
  }
  json ok(const HttpReply& r) {
    EXPECT_EQ(r.status, 200) << r.body;
    return json::parse(r.body, nullptr, false);
  }
  std::string error(const HttpReply& r, int status) {
    EXPECT_EQ(r.status, status) << r.body;
    json j = json::parse(r.body, nullptr, false);
    return j.is_object() && j.contains("errors") ? j["errors"][0].get<std::string>() : r.body;
  }

  std::filesystem::path root_;
  std::unique_ptr<HeelerProcess> server_;
};

// A dashboard as Datadog exports it: server-owned fields and keys we do not know.
const char* kDatadogExport = R"({
  "id": "abc-def-ghi", "title": "Checkout service", "description": "Payments",
  "url": "/dashboard/abc-def-ghi/checkout-service", "author_handle": "jane@example.com",
  "author_name": "Jane", "created_at": "2024-03-01T10:00:00.000000+00:00",
  "modified_at": "2024-03-02T10:00:00.000000+00:00", "is_read_only": false,
  "layout_type": "ordered", "reflow_type": "fixed", "notify_list": [], "tags": ["team:pay"],
  "template_variables": [{"name": "host", "prefix": "host", "available_values": [],
                          "default": "*"}],
  "widgets": [
    {"id": 4114960318376302, "definition": {"title": "CPU", "type": "timeseries",
      "requests": [{"q": "avg:system.cpu.user{$host} by {host}", "display_type": "line",
                    "style": {"palette": "dog_classic"}}], "show_legend": true},
     "layout": {"x": 0, "y": 0, "width": 6, "height": 3}},
    {"id": 8872039512383316, "definition": {"type": "query_value", "precision": 2,
      "requests": [{"q": "avg:system.load.1{*}", "aggregator": "last",
        "conditional_formats": [{"comparator": ">", "value": 4, "palette": "white_on_red"}]}]},
     "layout": {"x": 6, "y": 0, "width": 2, "height": 2}},
    {"id": 1, "definition": {"type": "group", "title": "More", "layout_type": "ordered",
      "widgets": [{"definition": {"type": "note", "content": "Runbook: **restart**"}}]},
     "layout": {"x": 0, "y": 3, "width": 12, "height": 4}}
  ]})";

TEST_F(DashboardsApiTest, ImportsADatadogExportAndServesItBackInTheSameShape) {
  json created = ok(call("POST", "/api/v1/dashboard", json::parse(kDatadogExport)));
  ASSERT_TRUE(created.is_object());
  const std::string id = created["id"];
  EXPECT_NE(id, "abc-def-ghi") << "the id is the server's own";
  EXPECT_EQ(created["url"], "/dashboard/" + id + "/checkout-service");
  EXPECT_EQ(created["author_handle"], "");
  EXPECT_NE(created["created_at"], "2024-03-01T10:00:00.000000+00:00");
  EXPECT_EQ(created["title"], "Checkout service");
  EXPECT_EQ(created["reflow_type"], "fixed");
  EXPECT_EQ(created["tags"], json::array({"team:pay"}));
  EXPECT_EQ(created["template_variables"][0]["prefix"], "host");
  ASSERT_EQ(created["widgets"].size(), 3u);
  EXPECT_EQ(created["widgets"][0]["id"], 4114960318376302);
  EXPECT_EQ(created["widgets"][1]["definition"]["requests"][0]["conditional_formats"][0]["palette"],
            "white_on_red");
  EXPECT_TRUE(created["widgets"][2]["definition"]["widgets"][0]["id"].is_number_integer());

  json got = ok(call("GET", "/api/v1/dashboard/" + id));
  EXPECT_EQ(got, created);
  json list = ok(call("GET", "/api/v1/dashboard"));
  ASSERT_EQ(list["dashboards"].size(), 1u);
  EXPECT_EQ(list["dashboards"][0]["id"], id);
  EXPECT_EQ(list["dashboards"][0]["description"], "Payments");
  EXPECT_FALSE(list["dashboards"][0].contains("widgets")) << "lists carry summaries";
}

TEST_F(DashboardsApiTest, ReplacesDeletesAndKeepsDashboardsAcrossARestart) {
  json first =
      ok(call("POST", "/api/v1/dashboard",
              {{"title", "First"}, {"layout_type", "ordered"}, {"widgets", json::array()}}));
  json second =
      ok(call("POST", "/api/v1/dashboard",
              {{"title", "Second"}, {"layout_type", "free"}, {"widgets", json::array()}}));
  json edited = first;
  edited["title"] = "First, edited";
  edited["widgets"] = json::parse(
      R"([{"definition": {"type": "note", "content": "moved"},
           "layout": {"x": 4, "y": 2, "width": 3, "height": 2}}])");
  json replaced = ok(call("PUT", "/api/v1/dashboard/" + first["id"].get<std::string>(), edited));
  EXPECT_EQ(replaced["title"], "First, edited");
  EXPECT_EQ(replaced["id"], first["id"]);
  EXPECT_EQ(replaced["created_at"], first["created_at"]);
  EXPECT_EQ(replaced["widgets"][0]["layout"]["x"], 4);

  restart();
  json list = ok(call("GET", "/api/v1/dashboard"));
  ASSERT_EQ(list["dashboards"].size(), 2u);
  EXPECT_EQ(list["dashboards"][0]["title"], "First, edited") << "most recently modified first";
  EXPECT_EQ(ok(call("GET", "/api/v1/dashboard/" + first["id"].get<std::string>())), replaced);

  const std::string gone = second["id"];
  EXPECT_EQ(ok(call("DELETE", "/api/v1/dashboard/" + gone))["deleted_dashboard_id"], gone);
  EXPECT_EQ(error(call("GET", "/api/v1/dashboard/" + gone), 404),
            "Dashboard " + gone + " not found");
  EXPECT_EQ(error(call("DELETE", "/api/v1/dashboard/" + gone), 404),
            "Dashboard " + gone + " not found");
  EXPECT_EQ(error(call("PUT", "/api/v1/dashboard/" + gone, edited), 404),
            "Dashboard " + gone + " not found");
  EXPECT_EQ(ok(call("GET", "/api/v1/dashboard"))["dashboards"].size(), 1u);
}

TEST_F(DashboardsApiTest, RefusesBadBodiesNamingTheProblemAndStoresNothing) {
  auto post = [&](const std::string& raw) {
    return http_request(server_->port(), "POST", "/api/v1/dashboard", raw,
                        {"Content-Type: application/json"});
  };
  EXPECT_EQ(error(post("{\"title\": \"x\", "), 400), "the body is not valid JSON");
  EXPECT_EQ(error(post("[]"), 400), "the body must be a JSON object (a dashboard)");
  EXPECT_EQ(error(post(R"({"title": "x", "widgets": []})"), 400),
            "layout_type is required (\"ordered\" or \"free\")");
  EXPECT_EQ(error(post(R"({"title": "x", "layout_type": "ordered",
                           "widgets": [{"definition": {"type": "note"}}, {"layout": {}}]})"),
                  400),
            "widgets[1].definition is required");
  EXPECT_EQ(error(post("\xff\xfe{}"), 400), "the body is not valid JSON");
  std::string huge = R"({"title": "x", "layout_type": "ordered", "widgets": [)";
  for (int i = 0; i < 1001; ++i)
    huge += std::string(i ? "," : "") + R"({"definition": {"type": "note"}})";
  EXPECT_EQ(error(post(huge + "]}"), 400), "a dashboard holds at most 1000 widgets");
  EXPECT_EQ(ok(call("GET", "/api/v1/dashboard"))["dashboards"].size(), 0u);
}

TEST_F(DashboardsApiTest, TagValuesOfferWhatMetricSeriesCarry) {
  const int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  json series = json::array();
  for (const auto& [host, service] :
       {std::pair{"web-1", "web"}, std::pair{"web-2", "web"}, std::pair{"db-1", "db"}})
    series.push_back({{"metric", "dash.cpu"},
                      {"type", "gauge"},
                      {"host", host},
                      {"points", json::array({json::array({now, 1.5})})},
                      {"tags", json::array({std::string("service:") + service, "env:prod"})}});
  series.push_back({{"metric", "dash.other"},
                    {"points", json::array({json::array({now, 1})})},
                    {"tags", json::array({"service:batch"})}});
  ASSERT_EQ(call("POST", "/api/v1/series", {{"series", series}}).status, 202);
  json values;
  for (int i = 0; i < 100; ++i) {
    values = ok(call("GET", "/api/v1/tags/values?key=service"));
    if (values["values"].size() == 3) break;
    std::this_thread::sleep_for(100ms);
  }
  EXPECT_EQ(values, json::parse(R"({"key": "service", "values": ["batch", "db", "web"]})"));
  EXPECT_EQ(ok(call("GET", "/api/v1/tags/values?key=service&metric=dash.cpu"))["values"],
            json::array({"db", "web"}));
  EXPECT_EQ(ok(call("GET", "/api/v1/tags/values?key=host&metric=dash.cpu"))["values"],
            json::array({"db-1", "web-1", "web-2"}));
  EXPECT_EQ(ok(call("GET", "/api/v1/tags/values?key=no.such.key"))["values"], json::array());
  EXPECT_EQ(error(call("GET", "/api/v1/tags/values?metric=dash.cpu"), 400),
            "key is required (a tag key such as host)");
  EXPECT_EQ(error(call("GET", "/api/v1/tags/values?key=host&from=yesterday"), 400)
                .rfind("'from' must be", 0),
            0u);
}

}  // namespace
}  // namespace heeler::testing
