// The query API against a running `heeler serve` fed through its own intake: metric
// queries and formulas, log search with cursors and aggregation, span search, traces.
// Requests and answers use Datadog's shapes, so existing tooling fits.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "process_harness.h"

namespace heeler::testing {
namespace {

using json = nlohmann::json;
using namespace std::chrono_literals;

const std::filesystem::path kClients =
    std::filesystem::path(HEELER_SOURCE_DIR) / "tests" / "clients";

int64_t now_s() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string url_encode(const std::string& s) {
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~')
      out += static_cast<char>(c);
    else {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%%%02X", c);
      out += buf;
    }
  }
  return out;
}

class QueryApiTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    root_ = new std::filesystem::path(std::filesystem::temp_directory_path() /
                                      ("heeler-it-query-" + std::to_string(::getpid())));
    std::filesystem::remove_all(*root_);
    std::filesystem::create_directories(*root_);
    apm_port_ = free_port();
    server_ = new HeelerProcess(*root_ / "data");
    server_->start({"--set", "api.sql_enabled=true", "--set",
                    "apm_listen=127.0.0.1:" + std::to_string(apm_port_)});
    ASSERT_TRUE(server_->wait_ready()) << server_->log();
    load();
  }
  static void TearDownTestSuite() {
    delete server_;
    std::filesystem::remove_all(*root_);
    delete root_;
  }

  static void load() {
    const uint16_t port = server_->port();
    const int64_t t = now_s() - 120;
    // Metrics: cpu per host, requests and errors as counts.
    json series = json::array();
    for (int i = 0; i < 6; ++i) {
      const int64_t ts = t + i * 10;
      series.push_back({{"metric", "it.cpu"},
                        {"type", "gauge"},
                        {"host", "a"},
                        {"points", {{ts, 10}}},
                        {"tags", {"env:prod"}}});
      series.push_back({{"metric", "it.cpu"},
                        {"type", "gauge"},
                        {"host", "b"},
                        {"points", {{ts, 30}}},
                        {"tags", {"env:prod"}}});
      series.push_back({{"metric", "it.requests"},
                        {"type", "count"},
                        {"points", {{ts, 4}}},
                        {"tags", {"service:web"}}});
      series.push_back({{"metric", "it.errors"},
                        {"type", "count"},
                        {"points", {{ts, 1}}},
                        {"tags", {"service:web"}}});
    }
    HttpReply r = http_request(port, "POST", "/api/v1/series", json{{"series", series}}.dump(),
                               {"Content-Type: application/json"});
    ASSERT_EQ(r.status, 202) << r.body;
    // Logs: 30 web logs (every third an error with a 5xx), 5 api logs.
    json logs = json::array();
    for (int i = 0; i < 30; ++i)
      logs.push_back({{"service", "web"},
                      {"hostname", "web-1"},
                      {"status", i % 3 == 0 ? "error" : "info"},
                      {"message", i % 3 == 0 ? "Payment Timeout for order " + std::to_string(i)
                                             : "order " + std::to_string(i) + " done"},
                      {"ddtags", "env:prod,team:pay"},
                      {"http", {{"status_code", i % 3 == 0 ? 503 : 200}, {"method", "POST"}}},
                      {"duration", i * 1000000},
                      {"timestamp", (t + i) * 1000}});
    for (int i = 0; i < 5; ++i)
      logs.push_back({{"service", "api"},
                      {"hostname", "api-1"},
                      {"status", "warn"},
                      {"message", "slow call " + std::to_string(i)},
                      {"timestamp", (t + i) * 1000}});
    r = http_request(port, "POST", "/api/v2/logs", logs.dump(), {"Content-Type: application/json"});
    ASSERT_EQ(r.status, 202) << r.body;
    // Spans: the real dd-trace client.
    const std::filesystem::path out = *root_ / "node.log";
    const std::string command =
        "cd '" + kClients.string() +
        "' && env DD_TRACE_AGENT_URL=http://127.0.0.1:" + std::to_string(apm_port_) +
        " DD_SERVICE=shop DD_ENV=it DD_TRACE_STARTUP_LOGS=false timeout 60 "
        "node ddtrace_spans.js query-api > '" +
        out.string() + "' 2>&1";
    ASSERT_EQ(std::system(command.c_str()), 0);
    std::ifstream in(out);
    for (std::string line; std::getline(in, line);)
      if (line.starts_with("{\"trace_id\"")) trace_ = new json(json::parse(line));
    ASSERT_NE(trace_, nullptr);
    ASSERT_TRUE(wait_for_number(port, "SELECT count() FROM logs", json::object(), 35));
    ASSERT_TRUE(wait_for_number(port, "SELECT count() FROM metric_series", json::object(), 4));
    ASSERT_TRUE(wait_for_number(port, "SELECT count() FROM spans WHERE service = 'shop'",
                                json::object(), 4));
  }

  static json get(const std::string& target, int want = 200) {
    HttpReply r = http_request(server_->port(), "GET", target);
    EXPECT_EQ(r.status, want) << target << "\n" << r.body;
    return json::parse(r.body, nullptr, false);
  }
  static json post(const std::string& target, const json& body, int want = 200) {
    HttpReply r = http_request(server_->port(), "POST", target, body.dump(),
                               {"Content-Type: application/json"});
    EXPECT_EQ(r.status, want) << target << " " << body.dump() << "\n" << r.body;
    return json::parse(r.body, nullptr, false);
  }

  static inline std::filesystem::path* root_ = nullptr;
  static inline HeelerProcess* server_ = nullptr;
  static inline uint16_t apm_port_ = 0;
  static inline json* trace_ = nullptr;
};

TEST_F(QueryApiTest, V1QueryAnswersDatadogSeries) {
  const std::string q = url_encode("avg:it.cpu{env:prod} by {host}");
  json body = get("/api/v1/query?from=" + std::to_string(now_s() - 600) +
                  "&to=" + std::to_string(now_s()) + "&query=" + q);
  EXPECT_EQ(body["status"], "ok");
  ASSERT_EQ(body["series"].size(), 2u) << body.dump();
  for (const json& s : body["series"]) {
    EXPECT_EQ(s["metric"], "it.cpu");
    const double want = s["tag_set"][0] == "host:a" ? 10 : 30;
    int points = 0;
    for (const json& p : s["pointlist"])
      if (!p[1].is_null()) {
        EXPECT_EQ(p[1].get<double>(), want);
        ++points;
      }
    EXPECT_GT(points, 0);
    EXPECT_EQ(s["pointlist"][0][0].get<double>(), s["start"].get<double>());
  }
  json total = get("/api/v1/query?from=now-10m&to=now&query=" +
                   url_encode("sum:it.requests{service:web}.as_count().rollup(sum, 600)"));
  ASSERT_EQ(total["series"].size(), 1u) << total.dump();
  double sum = 0;
  for (const json& p : total["series"][0]["pointlist"])
    if (!p[1].is_null()) sum += p[1].get<double>();
  EXPECT_EQ(sum, 24);
}

TEST_F(QueryApiTest, V2TimeseriesFormulas) {
  json request = {
      {"data",
       {{"type", "timeseries_request"},
        {"attributes",
         {{"from", (now_s() - 600) * 1000},
          {"to", now_s() * 1000},
          {"interval", 600000},
          {"queries",
           {{{"data_source", "metrics"}, {"name", "e"}, {"query", "sum:it.errors{*}"}},
            {{"data_source", "metrics"}, {"name", "r"}, {"query", "sum:it.requests{*}"}}}},
          {"formulas", {{{"formula", "e / r * 100"}}}}}}}}};
  json body = post("/api/v2/query/timeseries", request);
  const json& a = body["data"]["attributes"];
  ASSERT_EQ(a["series"].size(), 1u) << body.dump();
  double value = -1;
  for (const json& v : a["values"][0])
    if (!v.is_null()) value = v.get<double>();
  EXPECT_EQ(value, 25);
  EXPECT_EQ(a["times"].size(), a["values"][0].size());
}

TEST_F(QueryApiTest, MetricCatalogue) {
  json metrics = get("/api/v1/metrics?from=" + std::to_string(now_s() - 3600));
  std::vector<std::string> names = metrics["metrics"];
  EXPECT_NE(std::find(names.begin(), names.end(), "it.cpu"), names.end());
  json tags = get("/api/v2/metrics/it.cpu/all-tags");
  std::vector<std::string> t = tags["data"]["attributes"]["tags"];
  EXPECT_NE(std::find(t.begin(), t.end(), "host:a"), t.end());
  EXPECT_NE(std::find(t.begin(), t.end(), "env:prod"), t.end());
  get("/api/v2/metrics/no.such.metric/all-tags", 404);
}

TEST_F(QueryApiTest, LogSearchPagesWithCursors) {
  json request = {
      {"filter", {{"query", "service:web status:error"}, {"from", "now-1h"}, {"to", "now"}}},
      {"page", {{"limit", 4}}},
      {"sort", "-timestamp"}};
  std::set<std::string> seen;
  std::string previous_time = "9999";
  for (int page = 0; page < 5; ++page) {
    json body = post("/api/v2/logs/events/search", request);
    for (const json& log : body["data"]) {
      EXPECT_EQ(log["type"], "log");
      EXPECT_EQ(log["attributes"]["service"], "web");
      EXPECT_EQ(log["attributes"]["status"], "error");
      EXPECT_EQ(log["attributes"]["attributes"]["http"]["status_code"], "503");
      EXPECT_LE(log["attributes"]["timestamp"].get<std::string>(), previous_time);
      previous_time = log["attributes"]["timestamp"];
      EXPECT_TRUE(seen.insert(log["id"]).second) << "a log came twice";
    }
    if (!body["meta"].contains("page")) break;
    request["page"]["cursor"] = body["meta"]["page"]["after"];
  }
  EXPECT_EQ(seen.size(), 10u);
  json text = post(
      "/api/v2/logs/events/search",
      {{"filter", {{"query", "payment timeout"}, {"from", "now-1h"}}}, {"page", {{"limit", 100}}}});
  EXPECT_EQ(text["data"].size(), 10u);
  json measure =
      post("/api/v2/logs/events/search",
           {{"filter", {{"query", "@http.status_code:[500 TO 599] -team:ops"}, {"from", "now-1h"}}},
            {"page", {{"limit", 100}}}});
  EXPECT_EQ(measure["data"].size(), 10u);
  json get_form =
      get("/api/v2/logs/events?filter[query]=service:api&filter[from]=now-1h&page[limit]=50");
  EXPECT_EQ(get_form["data"].size(), 5u);
  EXPECT_EQ(get_form["data"][0]["attributes"]["status"], "warning");
}

TEST_F(QueryApiTest, SearchesSortByAnAttribute) {
  json request = {{"filter", {{"query", "service:web"}, {"from", "now-1h"}}},
                  {"page", {{"limit", 4}}},
                  {"sort", "-@duration"}};
  std::vector<std::string> durations;
  for (int page = 0; page < 10; ++page) {
    json body = post("/api/v2/logs/events/search", request);
    for (const json& log : body["data"])
      durations.push_back(log["attributes"]["attributes"]["duration"].get<std::string>());
    if (!body["meta"].contains("page")) break;
    request["page"]["cursor"] = body["meta"]["page"]["after"];
  }
  ASSERT_EQ(durations.size(), 30u);
  for (size_t i = 0; i < durations.size(); ++i)  // numeric order, not text order
    EXPECT_EQ(std::stoll(durations[i]), (29 - static_cast<int64_t>(i)) * 1000000) << i;
  json spans = post("/api/v2/spans/events/search",
                    {{"data",
                      {{"attributes",
                        {{"filter", {{"query", "service:shop"}, {"from", "now-1h"}}},
                         {"sort", "-@duration"}}}}}});
  ASSERT_EQ(spans["data"].size(), 4u);
  EXPECT_EQ(spans["data"][0]["attributes"]["parent_id"], "0");  // the root lasts longest
  json by_service =
      post("/api/v2/logs/events/search",
           {{"filter", {{"from", "now-1h"}}}, {"page", {{"limit", 1}}}, {"sort", "service"}});
  EXPECT_EQ(by_service["data"][0]["attributes"]["service"], "api");
}

TEST_F(QueryApiTest, LogAggregation) {
  json body = post(
      "/api/v2/logs/analytics/aggregate",
      {{"compute", {{{"aggregation", "count"}}, {{"aggregation", "max"}, {"metric", "@duration"}}}},
       {"filter", {{"query", "*"}, {"from", "now-1h"}, {"to", "now"}}},
       {"group_by", {{{"facet", "service"}}, {{"facet", "status"}}}}});
  std::map<std::string, double> counts;
  for (const json& b : body["data"]["buckets"])
    counts[b["by"]["service"].get<std::string>() + "/" + b["by"]["status"].get<std::string>()] =
        b["computes"]["c0"];
  EXPECT_EQ(counts, (std::map<std::string, double>{
                        {"api/warning", 5}, {"web/error", 10}, {"web/info", 20}}));
  json series =
      post("/api/v2/logs/analytics/aggregate",
           {{"compute", {{{"aggregation", "count"}, {"type", "timeseries"}, {"interval", "1m"}}}},
            {"filter", {{"query", "service:web"}, {"from", "now-1h"}}}});
  ASSERT_EQ(series["data"]["buckets"].size(), 1u);
  double total = 0;
  for (const json& point : series["data"]["buckets"][0]["computes"]["c0"])
    total += point["value"].get<double>();
  EXPECT_EQ(total, 30);
}

TEST_F(QueryApiTest, FacetsForExplorerSidebars) {
  json keys = get("/api/v1/facets/logs?from=now-1h&query=" + url_encode("service:web"));
  std::map<std::string, int64_t> counts;
  for (const json& f : keys["facets"])
    if (f.contains("count")) counts[f["facet"]] = f["count"];
  EXPECT_EQ(counts["@http.status_code"], 30);
  EXPECT_EQ(counts["@team"], 30);
  json values = get("/api/v1/facets/logs?from=now-1h&facet=status");
  std::map<std::string, int64_t> statuses;
  for (const json& v : values["values"]) statuses[v["value"]] = v["count"];
  EXPECT_EQ(statuses,
            (std::map<std::string, int64_t>{{"error", 10}, {"info", 20}, {"warning", 5}}));
  json codes = get("/api/v1/facets/logs?from=now-1h&facet=" + url_encode("@http.status_code"));
  EXPECT_EQ(codes["values"][0]["value"], "200");
  EXPECT_EQ(codes["values"][0]["count"], 20);
  json span_keys = get("/api/v1/facets/spans?from=now-1h&query=service:shop");
  bool customer = false;
  for (const json& f : span_keys["facets"]) customer = customer || f["facet"] == "@customer_id";
  EXPECT_TRUE(customer) << span_keys.dump();
}

TEST_F(QueryApiTest, SpansTracesAndTraceLogs) {
  json search =
      post("/api/v2/spans/events/search",
           {{"data",
             {{"type", "search_request"},
              {"attributes",
               {{"filter", {{"query", "service:shop @company_id:acme-co"}, {"from", "now-1h"}}},
                {"page", {{"limit", 10}}}}}}}});
  ASSERT_EQ(search["data"].size(), 1u) << search.dump();
  const json& root = search["data"][0]["attributes"];
  EXPECT_EQ(root["resource_name"], "GET /checkout/:id");
  EXPECT_EQ(root["custom"]["customer_id"], "cust-42");
  const std::string trace_id = root["trace_id"];
  json trace = get("/api/v1/traces/" + trace_id);
  EXPECT_EQ(trace["data"]["spans"].size(), 4u);
  json errors =
      post("/api/v2/spans/events/search",
           {{"data",
             {{"attributes",
               {{"filter", {{"query", "service:shop status:error"}, {"from", "now-1h"}}}}}}}});
  ASSERT_EQ(errors["data"].size(), 1u);
  EXPECT_EQ(errors["data"][0]["attributes"]["resource_name"], "do_fail");
  json list = get("/api/v1/traces?query=service:shop&from=now-1h");
  ASSERT_EQ(list["data"].size(), 1u) << list.dump();
  EXPECT_EQ(list["data"][0]["span_count"], 4);
  EXPECT_EQ(list["data"][0]["error_count"], 1);
  EXPECT_EQ(list["data"][0]["root_service"], "shop");
  json agg = post("/api/v2/spans/analytics/aggregate",
                  {{"data",
                    {{"attributes",
                      {{"compute", {{{"aggregation", "count"}}}},
                       {"filter", {{"query", "service:shop"}, {"from", "now-1h"}}},
                       {"group_by", {{{"facet", "resource_name"}, {"limit", 2}}}}}}}}});
  EXPECT_EQ(agg["data"]["buckets"].size(), 2u);
}

TEST_F(QueryApiTest, BadRequestsAreClear) {
  json syntax =
      get("/api/v1/query?from=now-1h&to=now&query=" + url_encode("avg:cpu{env:prod"), 400);
  EXPECT_NE(syntax["errors"][0].get<std::string>().find("at 16"), std::string::npos)
      << syntax.dump();
  get("/api/v1/query?from=yesterday&to=now&query=avg:x{*}", 400);
  get("/api/v1/query?from=now&to=now-1h&query=avg:x{*}", 400);
  json search =
      post("/api/v2/logs/events/search", {{"filter", {{"query", "service:(web OR"}}}}, 400);
  EXPECT_NE(search["errors"][0].get<std::string>().find("filter.query"), std::string::npos);
  post("/api/v2/logs/events/search", {{"page", {{"cursor", "not-a-cursor!"}}}}, 400);
  post("/api/v2/logs/events/search", {{"page", {{"limit", 0}}}}, 400);
  post("/api/v2/logs/analytics/aggregate",
       {{"compute", {{{"aggregation", "pc42"}, {"metric", "@d"}}}}}, 400);
  post("/api/v2/spans/events/search", json::object(), 400);
  get("/api/v1/traces/xyz", 400);
  get("/api/v1/traces/0000000000000000000000000000beef", 404);
  HttpReply garbage = http_request(server_->port(), "POST", "/api/v2/query/timeseries", "{nope",
                                   {"Content-Type: application/json"});
  EXPECT_EQ(garbage.status, 400);
}

TEST_F(QueryApiTest, CommandLinePrintsTables) {
  const std::string server = "http://127.0.0.1:" + std::to_string(server_->port());
  std::string out;
  ASSERT_EQ(
      run_heeler(
          {"query", "avg:it.cpu{env:prod} by {host}", "--from", "now-1h", "--server", server}, out),
      0)
      << out;
  EXPECT_NE(out.find("series"), std::string::npos) << out;
  EXPECT_NE(out.find("{host:a}"), std::string::npos) << out;
  EXPECT_NE(out.find("{host:b}"), std::string::npos) << out;
  EXPECT_NE(out.find("30"), std::string::npos) << out;

  ASSERT_EQ(run_heeler({"query", "--logs", "service:api", "--limit", "3", "--server", server}, out),
            0)
      << out;
  EXPECT_NE(out.find("slow call"), std::string::npos) << out;
  EXPECT_NE(out.find("more: --limit"), std::string::npos) << out;

  ASSERT_EQ(run_heeler({"query", "--spans", "service:shop status:error", "--server", server}, out),
            0)
      << out;
  EXPECT_NE(out.find("do_fail"), std::string::npos) << out;

  EXPECT_EQ(run_heeler({"query", "avg:it.cpu{", "--server", server}, out), 1) << out;
  EXPECT_NE(out.find("at 11"), std::string::npos) << out;
  EXPECT_EQ(run_heeler({"query", "avg:it.cpu{*}", "--server", "http://127.0.0.1:1"}, out), 2);
}

}  // namespace
}  // namespace heeler::testing
