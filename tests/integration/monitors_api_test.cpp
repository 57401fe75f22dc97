// Monitors through a running `heeler serve` fed through its own intake: Datadog's
// monitor API (create, validate, read, edit, delete), and metric, log, trace and
// composite monitors that alert and recover on real data, their group states and
// history kept across a restart. The scheduler runs every second here.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
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

int64_t now_s() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

class MonitorsApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = std::filesystem::temp_directory_path() /
            ("heeler-it-mon-" + std::to_string(::getpid()) + "-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(root_);
    std::filesystem::create_directories(root_);
    apm_port_ = free_port();
    start();
  }
  void TearDown() override {
    server_.reset();
    std::filesystem::remove_all(root_);
  }
  void start() {
    server_ = std::make_unique<HeelerProcess>(root_ / "data");
    server_->start({"--set", "monitors.interval_seconds=1", "--set",
                    "apm_listen=127.0.0.1:" + std::to_string(apm_port_)});
    ASSERT_TRUE(server_->wait_ready()) << server_->log();
  }
  HttpReply call(const std::string& method, const std::string& target, const json& body = {}) {
    return http_request(server_->port(), method, target, body.is_null() ? "" : body.dump(),
                        {"Content-Type: application/json"});
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
  int64_t create(const json& monitor) {
    json m = ok(call("POST", "/api/v1/monitor", monitor));
    return m.value("id", int64_t{0});
  }
  // Polls the monitor until `done` holds for it (with group states); returns it.
  json wait_for(int64_t id, const std::function<bool(const json&)>& done,
                std::chrono::seconds timeout = 30s) {
    json m;
    for (auto end = std::chrono::steady_clock::now() + timeout;
         std::chrono::steady_clock::now() < end; std::this_thread::sleep_for(200ms)) {
      m = ok(call("GET", "/api/v1/monitor/" + std::to_string(id) + "?group_states=all"));
      if (done(m)) return m;
    }
    ADD_FAILURE() << "monitor " << id << " never reached the state wanted:\n" << m.dump(1);
    return m;
  }
  static std::function<bool(const json&)> overall(const std::string& state) {
    return [state](const json& m) { return m.value("overall_state", "") == state; };
  }
  void gauge(const std::string& host, double value, int64_t at) {
    json series = {{"series",
                    {{{"metric", "it.mon.cpu"},
                      {"type", "gauge"},
                      {"host", host},
                      {"points", {{at, value}}},
                      {"tags", {"env:prod"}}}}}};
    ASSERT_EQ(call("POST", "/api/v1/series", series).status, 202);
  }

  std::filesystem::path root_;
  uint16_t apm_port_ = 0;
  std::unique_ptr<HeelerProcess> server_;
};

TEST_F(MonitorsApiTest, MetricMonitorAlertsPerHostAndRecovers) {
  const int64_t t = now_s();
  gauge("web-1", 95, t - 20);
  gauge("web-2", 10, t - 20);
  const int64_t id = create({{"name", "CPU on {{host.name}}"},
                             {"type", "metric alert"},
                             {"query", "avg(last_1m):avg:it.mon.cpu{env:prod} by {host} > 90"},
                             {"message", "CPU is {{value}} @webhook-ops"},
                             {"tags", {"team:web"}},
                             {"options", {{"thresholds", {{"critical", 90}, {"warning", 50}}}}}});
  ASSERT_GT(id, 0);
  json m = wait_for(id, overall("Alert"));
  EXPECT_TRUE(m["multi"].get<bool>());
  EXPECT_EQ(m["state"]["groups"]["host:web-1"]["status"], "Alert");
  EXPECT_EQ(m["state"]["groups"]["host:web-1"]["value"], 95);
  EXPECT_EQ(m["state"]["groups"]["host:web-2"]["status"], "OK");

  // A low point pulls the minute's average under the threshold and the warning.
  gauge("web-1", 1, now_s() - 1);
  m = wait_for(id, overall("OK"));
  EXPECT_EQ(m["state"]["groups"]["host:web-1"]["value"], 48);

  json history = ok(call("GET", "/api/v1/monitor/" + std::to_string(id) + "/history"))["history"];
  ASSERT_GE(history.size(), 2u) << history.dump();
  EXPECT_EQ(history[0]["to"], "OK");
  EXPECT_EQ(history[0]["group"], "host:web-1");
  EXPECT_EQ(history.back()["from"], "OK");
  EXPECT_EQ(history.back()["to"], "Alert");
  EXPECT_EQ(history.back()["value"], 95);

  // Lists filter by name and tags.
  EXPECT_EQ(ok(call("GET", "/api/v1/monitor?name=cpu"))[0]["id"], id);
  EXPECT_EQ(ok(call("GET", "/api/v1/monitor?monitor_tags=team:web")).size(), 1u);
  EXPECT_EQ(ok(call("GET", "/api/v1/monitor?monitor_tags=team:db")).size(), 0u);
}

TEST_F(MonitorsApiTest, LogTraceAndCompositeMonitorsAlertOnRealData) {
  ASSERT_TRUE(std::filesystem::exists(kClients / "node_modules" / "dd-trace"))
      << "run scripts/setup.sh (npm ci in tests/clients)";
  json logs = json::array();
  for (int i = 0; i < 3; ++i)
    logs.push_back({{"service", "checkout"}, {"status", "error"}, {"message", "payment failed"}});
  logs.push_back({{"service", "search"}, {"status", "info"}, {"message", "fine"}});
  ASSERT_EQ(call("POST", "/api/v2/logs", logs).status, 202);
  // One trace from the real dd-trace client: its failing span is an error.
  const std::string command =
      "cd '" + kClients.string() +
      "' && env DD_TRACE_AGENT_URL=http://127.0.0.1:" + std::to_string(apm_port_) +
      " DD_SERVICE=shop DD_ENV=it DD_TRACE_STARTUP_LOGS=false timeout 60 node ddtrace_spans.js "
      "monitors > '" +
      (root_ / "node.log").string() + "' 2>&1";
  ASSERT_EQ(std::system(command.c_str()), 0);

  const int64_t log_id = create(
      {{"name", "Errors in {{service.name}}"},
       {"type", "log alert"},
       {"query", R"(logs("status:error").index("*").rollup("count").by("service").last("5m") > 2)"},
       {"options", {{"thresholds", {{"critical", 2}}}}}});
  const int64_t trace_id = create(
      {{"name", "Trace errors"},
       {"type", "trace-analytics alert"},
       {"query",
        R"(trace-analytics("service:shop status:error").rollup("count").by("resource_name").last("15m") >= 1)"}});
  // An APM monitor on the trace metrics of the real tracer's service entry span.
  const int64_t hits_id = create({{"name", "Shop traffic"},
                                  {"type", "metric alert"},
                                  {"query",
                                   "sum(last_15m):sum:trace.web.request.hits{service:shop} by "
                                   "{resource_name}.as_count() >= 1"}});
  json m = wait_for(hits_id, overall("Alert"));
  EXPECT_EQ(m["state"]["groups"]["resource_name:GET /checkout/:id"]["value"], 1) << m.dump(1);
  ASSERT_EQ(ok(call("DELETE", "/api/v1/monitor/" + std::to_string(hits_id)))["deleted_monitor_id"],
            hits_id);
  m = wait_for(log_id, overall("Alert"));
  EXPECT_EQ(m["state"]["groups"]["service:checkout"]["value"], 3);
  EXPECT_FALSE(m["state"]["groups"].contains("service:search"));
  m = wait_for(trace_id, overall("Alert"));
  EXPECT_EQ(m["state"]["groups"]["resource_name:do_fail"]["status"], "Alert") << m.dump(1);

  const int64_t composite =
      create({{"name", "Both"},
              {"type", "composite"},
              {"query", std::to_string(log_id) + " && " + std::to_string(trace_id)}});
  wait_for(composite, overall("Alert"));
  EXPECT_EQ(error(call("DELETE", "/api/v1/monitor/" + std::to_string(log_id)), 400),
            "monitor " + std::to_string(log_id) + " is named by composite monitor " +
                std::to_string(composite) + " (Both)");

  // Edited to a threshold the data no longer breaks: it recovers.
  json edited =
      ok(call("PUT", "/api/v1/monitor/" + std::to_string(log_id),
              {{"query",
                R"(logs("status:error").index("*").rollup("count").by("service").last("5m") > 10)"},
               {"options", {{"thresholds", {{"critical", 10}}}}}}));
  EXPECT_EQ(edited["name"], "Errors in {{service.name}}") << "fields not given are kept";
  wait_for(log_id, overall("OK"));
  wait_for(composite, overall("OK"));

  // States and history survive a restart.
  server_->signal(SIGTERM);
  ASSERT_EQ(server_->wait_exit(30s), 0) << server_->log();
  start();
  json all = ok(call("GET", "/api/v1/monitor?group_states=all"));
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[1]["overall_state"], "Alert");
  EXPECT_EQ(all[1]["state"]["groups"]["resource_name:do_fail"]["status"], "Alert");
  EXPECT_FALSE(
      ok(call("GET", "/api/v1/monitor/" + std::to_string(log_id) + "/history"))["history"].empty());

  ASSERT_EQ(
      ok(call("DELETE", "/api/v1/monitor/" + std::to_string(composite)))["deleted_monitor_id"],
      composite);
  EXPECT_EQ(ok(call("DELETE", "/api/v1/monitor/" + std::to_string(log_id)))["deleted_monitor_id"],
            log_id);
  EXPECT_EQ(error(call("GET", "/api/v1/monitor/" + std::to_string(log_id)), 404),
            "Monitor " + std::to_string(log_id) + " not found");
}

TEST_F(MonitorsApiTest, EventMonitorCountsEventsPostedToTheStream) {
  for (const char* source : {"deploy", "deploy", "nagios"})
    ASSERT_EQ(call("POST", "/api/v1/events",
                   {{"title", "Deploy failed"},
                    {"text", "rollback"},
                    {"source_type_name", source},
                    {"alert_type", "error"},
                    {"host", "web-1"},
                    {"tags", {"team:web"}}})
                  .status,
              202);
  const int64_t id = create(
      {{"name", "Failed deploys on {{host.name}}"},
       {"type", "event-v2 alert"},
       {"query",
        R"(events("source:deploy status:error").rollup("count").by("host").last("30m") > 1)"}});
  json m = wait_for(id, overall("Alert"));
  EXPECT_EQ(m["state"]["groups"]["host:web-1"]["value"], 2);
  // Its own state change is an event too, found by the monitor's id.
  json events;
  for (int i = 0; i < 100; ++i) {
    events = ok(call("GET", "/api/v1/events?start=now-1h&sources=monitor&tags=monitor_id:" +
                                std::to_string(id)))["events"];
    if (!events.empty()) break;
    std::this_thread::sleep_for(100ms);
  }
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0]["title"], "[Triggered on {host:web-1}] Failed deploys on web-1");
}

TEST_F(MonitorsApiTest, BadMonitorsAreRefusedAtCreateWithTheirPosition) {
  auto validate = [&](const json& body) { return call("POST", "/api/v1/monitor/validate", body); };
  EXPECT_EQ(ok(validate({{"type", "metric alert"}, {"query", "avg(last_5m):avg:x{*} > 1"}})),
            json::object());
  EXPECT_EQ(error(validate({{"type", "metric alert"}, {"query", "avg(last_5m):avg:x{*} > "}}), 400),
            "query: at 24: the threshold after > must be a number");
  EXPECT_EQ(error(call("POST", "/api/v1/monitor",
                       {{"type", "metric alert"}, {"query", "avg(last_5m):avg:x{host:a > 1"}}),
                  400)
                .rfind("query: at ", 0),
            0u);
  EXPECT_EQ(error(call("POST", "/api/v1/monitor",
                       {{"type", "log alert"},
                        {"query", R"(logs("status:(error").rollup("count").last("5m") > 1)"}}),
                  400)
                .rfind("query: at ", 0),
            0u);
  EXPECT_EQ(
      error(call("POST", "/api/v1/monitor", {{"type", "composite"}, {"query", "41 || 42"}}), 400),
      "query: monitor 41 does not exist");
  EXPECT_EQ(error(http_request(server_->port(), "POST", "/api/v1/monitor",
                               "{\"type\":", {"Content-Type: application/json"}),
                  400),
            "the body is not valid JSON");
  EXPECT_EQ(error(call("GET", "/api/v1/monitor/abc"), 400),
            "monitor id 'abc' is not a positive integer");
  EXPECT_EQ(error(call("PUT", "/api/v1/monitor/7", {{"name", "x"}}), 404), "Monitor 7 not found");
  EXPECT_EQ(ok(call("GET", "/api/v1/monitor")).size(), 0u) << "nothing was stored";
}

}  // namespace
}  // namespace heeler::testing
