// Monitor notifications from a running `heeler serve` to real receivers on loopback:
// a Datadog-style webhook (payload template, custom header, a retried 500), Slack
// (Block Kit) and Teams (Adaptive Card) incoming webhooks, e-mail to an SMTP sink over
// STARTTLS with AUTH; a dead channel fails without holding up the others; deliveries
// are listed on the monitor and state changes land in the event stream.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

#include "notification_sinks.h"
#include "process_harness.h"

namespace heeler::testing {
namespace {

using json = nlohmann::json;
using namespace std::chrono_literals;

int64_t now_s() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

class NotificationsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ =
        std::filesystem::temp_directory_path() / ("heeler-it-notify-" + std::to_string(::getpid()));
    std::filesystem::remove_all(root_);
    std::filesystem::create_directories(root_);
    server_ = std::make_unique<HeelerProcess>(root_ / "data");
    server_->start(
        {"--set", "monitors.interval_seconds=1",
         "--set", "notifications.smtp_url=smtp://127.0.0.1:" + std::to_string(smtp_.port()),
         "--set", "notifications.smtp_username=heeler",
         "--set", "notifications.smtp_password=s3cret",
         "--set", "notifications.smtp_from=alerts@heeler.test",
         "--set", "notifications.smtp_require_starttls=true",
         "--set", "notifications.smtp_verify_tls=false",
         "--set", "notifications.backoff_ms=200",
         "--set", "notifications.timeout_ms=2000",
         "--set", "notifications.base_url=http://heeler.test"});
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
  json ok(const HttpReply& r) {
    EXPECT_EQ(r.status, 200) << r.body;
    return json::parse(r.body, nullptr, false);
  }
  void gauge(double value, int64_t at) {
    json series = {{"series",
                    {{{"metric", "it.notify.cpu"},
                      {"type", "gauge"},
                      {"host", "web-1"},
                      {"points", {{at, value}}}}}}};
    ASSERT_EQ(call("POST", "/api/v1/series", series).status, 202);
  }
  std::string sink(const std::string& path) {
    return "http://127.0.0.1:" + std::to_string(http_.port()) + path;
  }

  HttpSink http_;
  SmtpSink smtp_{"heeler", "s3cret"};
  std::filesystem::path root_;
  std::unique_ptr<HeelerProcess> server_;
};

TEST_F(NotificationsTest, AlertAndRecoveryReachEveryChannel) {
  // Channels, configured once.
  json hook = ok(call("POST", "/api/v1/integration/webhooks/configuration/webhooks",
                      {{"name", "ops"},
                       {"url", sink("/hook")},
                       {"payload", R"({"title": "$EVENT_TITLE", "transition": "$ALERT_TRANSITION",
                                       "host": "$HOSTNAME", "tags": "$TAGS", "msg": "$EVENT_MSG",
                                       "link": "$LINK", "monitor": "$ALERT_ID"})"},
                       {"custom_headers", R"({"X-Token": "abc123"})"}}));
  EXPECT_EQ(hook["name"], "ops");
  EXPECT_EQ(hook["encode_as"], "json");
  ok(call("POST", "/api/v1/integration/webhooks/configuration/webhooks",
          {{"name", "dead"}, {"url", "http://127.0.0.1:1/nothing-listens"}}));
  ok(call("POST", "/api/v1/integration/slack/configuration/webhooks",
          {{"name", "oncall"}, {"url", sink("/slack")}}));
  ok(call("POST", "/api/v1/integration/ms-teams/configuration/webhooks",
          {{"name", "qa"}, {"url", sink("/teams")}}));
  EXPECT_EQ(call("POST", "/api/v1/integration/webhooks/configuration/webhooks",
                 {{"name", "ops"}, {"url", sink("/x")}})
                .status,
            400)
      << "names are unique";
  EXPECT_EQ(call("POST", "/api/v1/integration/webhooks/configuration/webhooks",
                 {{"name", "bad"}, {"url", sink("/x")}, {"payload", "{not json"}})
                .status,
            400);

  http_.fail_next("/hook", 1);  // the webhook's first attempt gets a 500 and is retried
  gauge(97, now_s() - 10);
  json monitor = ok(call(
      "POST", "/api/v1/monitor",
      {{"name", "CPU on {{host.name}}"},
       {"type", "metric alert"},
       {"query", "avg(last_1m):avg:it.notify.cpu{*} by {host} > 90"},
       {"message",
        "{{#is_alert}}CPU is {{value}} on {{host.name}} (threshold {{threshold}}) @webhook-ops "
        "@webhook-dead @slack-oncall @teams-qa @oncall@example.com{{/is_alert}}"
        "{{#is_recovery}}CPU back to {{value}} @webhook-ops{{/is_recovery}}"},
       {"tags", {"team:web"}},
       {"priority", 2}}));
  const std::string id = std::to_string(monitor.value("id", 0));

  auto hooks = http_.wait_for("/hook", 2, 30s);
  ASSERT_EQ(hooks.size(), 2u) << "a failed attempt and its retry";
  json payload = json::parse(hooks[1].body);
  EXPECT_EQ(payload["title"], "[Triggered on {host:web-1}] CPU on web-1");
  EXPECT_EQ(payload["transition"], "Triggered");
  EXPECT_EQ(payload["host"], "web-1");
  EXPECT_EQ(payload["tags"], "team:web,host:web-1");
  EXPECT_EQ(payload["link"], "http://heeler.test/monitors/" + id);
  EXPECT_EQ(payload["monitor"], id);
  EXPECT_NE(payload["msg"].get<std::string>().find("CPU is 97 on web-1 (threshold 90)"),
            std::string::npos);
  EXPECT_EQ(hooks[1].headers["x-token"], "abc123");
  EXPECT_EQ(hooks[1].headers["content-type"], "application/json");

  auto slack = http_.wait_for("/slack", 1, 10s);
  ASSERT_EQ(slack.size(), 1u);
  json blocks = json::parse(slack[0].body);
  EXPECT_EQ(blocks["text"], "[Triggered on {host:web-1}] CPU on web-1");
  EXPECT_EQ(blocks["blocks"][0]["type"], "header");
  EXPECT_EQ(blocks["blocks"][2]["elements"][0]["text"],
            "<http://heeler.test/monitors/" + id + "|View monitor>");
  auto teams = http_.wait_for("/teams", 1, 10s);
  ASSERT_EQ(teams.size(), 1u);
  json card = json::parse(teams[0].body);
  EXPECT_EQ(card["attachments"][0]["content"]["type"], "AdaptiveCard");
  EXPECT_EQ(card["attachments"][0]["content"]["body"][0]["text"],
            "[Triggered on {host:web-1}] CPU on web-1");

  auto mails = smtp_.wait_for(1, 15s);
  ASSERT_EQ(mails.size(), 1u);
  EXPECT_TRUE(mails[0].tls) << "STARTTLS before the message";
  EXPECT_EQ(mails[0].user, "heeler");
  EXPECT_EQ(mails[0].from, "<alerts@heeler.test>");
  ASSERT_EQ(mails[0].to.size(), 1u);
  EXPECT_EQ(mails[0].to[0], "<oncall@example.com>");
  EXPECT_NE(mails[0].data.find("Subject: [Triggered on {host:web-1}] CPU on web-1\r\n"),
            std::string::npos)
      << mails[0].data;
  EXPECT_NE(mails[0].data.find("To: <oncall@example.com>\r\n"), std::string::npos);
  EXPECT_NE(mails[0].data.find("CPU is 97 on web-1"), std::string::npos);

  // Every delivery is on the monitor: the retried one took two attempts, the dead one
  // failed after three without holding up the rest.
  json deliveries;
  for (int i = 0; i < 100; ++i) {
    deliveries = ok(call("GET", "/api/v1/monitor/" + id + "/notifications"))["notifications"];
    if (deliveries.size() >= 5) break;
    std::this_thread::sleep_for(100ms);
  }
  ASSERT_EQ(deliveries.size(), 5u) << deliveries.dump(1);
  std::map<std::string, json> by_channel;
  for (const json& d : deliveries) by_channel[d["channel"]] = d;
  EXPECT_EQ(by_channel["@webhook-ops"]["status"], "delivered");
  EXPECT_EQ(by_channel["@webhook-ops"]["attempts"], 2);
  EXPECT_EQ(by_channel["@webhook-dead"]["status"], "failed");
  EXPECT_EQ(by_channel["@webhook-dead"]["attempts"], 3);
  EXPECT_EQ(by_channel["@slack-oncall"]["status"], "delivered");
  EXPECT_EQ(by_channel["@teams-qa"]["status"], "delivered");
  EXPECT_EQ(by_channel["@oncall@example.com"]["status"], "delivered");
  EXPECT_EQ(by_channel["@oncall@example.com"]["transition"], "Triggered");

  // Recovery goes only where the recovery section sends it.
  gauge(1, now_s() - 1);
  hooks = http_.wait_for("/hook", 3, 30s);
  ASSERT_EQ(hooks.size(), 3u);
  payload = json::parse(hooks[2].body);
  EXPECT_EQ(payload["transition"], "Recovered");
  EXPECT_EQ(payload["title"], "[Recovered on {host:web-1}] CPU on web-1");
  EXPECT_NE(payload["msg"].get<std::string>().find("CPU back to 49"), std::string::npos)
      << payload.dump();
  std::this_thread::sleep_for(500ms);
  EXPECT_EQ(http_.wait_for("/slack", 2, 0ms).size(), 1u);

  // The state changes are in the event stream.
  json events;
  for (int i = 0; i < 100; ++i) {
    events = ok(
        call("GET", "/api/v1/events?start=now-1h&sources=monitor&tags=monitor_id:" + id))["events"];
    if (events.size() >= 2) break;
    std::this_thread::sleep_for(100ms);
  }
  ASSERT_EQ(events.size(), 2u) << events.dump(1);
  EXPECT_EQ(events[0]["title"], "[Recovered on {host:web-1}] CPU on web-1");
  EXPECT_EQ(events[0]["alert_type"], "success");
  EXPECT_EQ(events[1]["alert_type"], "error");
  EXPECT_EQ(events[1]["host"], "web-1");
  EXPECT_EQ(events[1]["source_type_name"], "monitor");
}

TEST_F(NotificationsTest, ADowntimeKeepsAlertsQuietUntilItIsCancelled) {
  ok(call("POST", "/api/v1/integration/webhooks/configuration/webhooks",
          {{"name", "ops"}, {"url", sink("/quiet")}}));
  json downtime =
      ok(call("POST", "/api/v1/downtime", {{"scope", "host:web-1"}, {"message", "maintenance"}}));
  EXPECT_TRUE(downtime["active"].get<bool>());
  const std::string downtime_id = std::to_string(downtime.value("id", 0));
  gauge(97, now_s() - 10);
  json monitor = ok(call("POST", "/api/v1/monitor",
                         {{"name", "CPU"},
                          {"type", "metric alert"},
                          {"query", "avg(last_1m):avg:it.notify.cpu{*} by {host} > 90"},
                          {"message", "CPU {{value}} @webhook-ops"}}));
  const std::string id = std::to_string(monitor.value("id", 0));
  json deliveries;
  for (int i = 0; i < 300 && deliveries.empty(); ++i) {
    deliveries = ok(call("GET", "/api/v1/monitor/" + id + "/notifications"))["notifications"];
    std::this_thread::sleep_for(100ms);
  }
  ASSERT_EQ(deliveries.size(), 1u);
  EXPECT_EQ(deliveries[0]["status"], "silenced");
  EXPECT_EQ(deliveries[0]["detail"], "downtime " + downtime_id);
  json shown = ok(call("GET", "/api/v1/monitor/" + id));
  EXPECT_EQ(shown["overall_state"], "Alert") << "evaluated all the same";
  ASSERT_EQ(shown["matching_downtimes"].size(), 1u);
  EXPECT_TRUE(http_.wait_for("/quiet", 1, 1s).empty()) << "nothing was sent";

  ok(call("DELETE", "/api/v1/downtime/" + downtime_id));
  EXPECT_FALSE(ok(call("GET", "/api/v1/downtime/" + downtime_id))["active"].get<bool>());
  EXPECT_TRUE(ok(call("GET", "/api/v1/monitor/" + id))["matching_downtimes"].empty());
  gauge(1, now_s() - 1);
  auto sent = http_.wait_for("/quiet", 1, 30s);
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(json::parse(sent[0].body)["title"], "[Recovered on {host:web-1}] CPU");

  // Mute and unmute are downtimes of the monitor.
  EXPECT_EQ(
      ok(call("POST", "/api/v1/monitor/" + id + "/mute", json::object()))["matching_downtimes"]
          .size(),
      1u);
  EXPECT_TRUE(
      ok(call("POST", "/api/v1/monitor/" + id + "/unmute", json::object()))["matching_downtimes"]
          .empty());
  EXPECT_EQ(call("POST", "/api/v1/downtime", {{"end", 5}, {"start", 10}}).status, 400);
}

TEST_F(NotificationsTest, TemplateErrorsAreRefusedWhenTheMonitorIsSaved) {
  HttpReply r = call("POST", "/api/v1/monitor",
                     {{"type", "metric alert"},
                      {"query", "avg(last_5m):avg:cpu{*} by {host} > 90"},
                      {"message", "{{#is_alert}}down on {{service.name}}{{/is_alert}}"}});
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(json::parse(r.body)["errors"][0],
            "message: at 21: {{service.name}} needs the monitor grouped by service");
  r = call("POST", "/api/v1/monitor/validate",
           {{"type", "metric alert"},
            {"query", "avg(last_5m):avg:cpu{*} > 90"},
            {"message", "{{#is_alert}}down"}});
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(json::parse(r.body)["errors"][0], "message: at 0: {{#is_alert}} is never closed");
}

}  // namespace
}  // namespace heeler::testing
