// Notification payloads: Datadog's webhook variables substituted JSON-safely, form
// encoding, Slack Block Kit, Teams Adaptive Card, e-mail; and the notifications and
// events an evaluation produces.
#include "monitors/notifier.h"

#include <gtest/gtest.h>

namespace heeler::monitors {
namespace {

using nlohmann::json;

Notification triggered() {
  Notification n;
  n.monitor_id = 42;
  n.monitor_name = "CPU on web-1";
  n.title = "[Triggered on {host:web-1,env:prod}] CPU on web-1";
  n.body = "CPU is 95 @webhook-ops";
  n.group = "host:web-1,env:prod";
  n.transition = "Triggered";
  n.from = State::ok;
  n.to = State::alert;
  n.value = 95;
  n.query = "avg(last_5m):avg:cpu{*} by {host,env} > 90";
  n.metric = "cpu";
  n.tags = {"team:web"};
  n.priority = 2;
  n.link = "http://heeler:8080/monitors/42";
  n.at_ms = 1'800'000'000'000;
  return n;
}

TEST(WebhookPayload, SubstitutesDatadogVariablesInsideJsonStrings) {
  Channel c;
  c.payload = R"({"title": "$EVENT_TITLE", "text": "$EVENT_MSG", "status": "$ALERT_TRANSITION",
      "meta": {"host": "$HOSTNAME", "tags": "$TAGS", "scope": "$ALERT_SCOPE",
               "p": "$ALERT_PRIORITY", "id": "$ALERT_ID", "when": "$DATE", "link": "$LINK",
               "unknown": "$NOT_A_VARIABLE", "price": "$5", "query": "$ALERT_QUERY",
               "type": "$ALERT_TYPE", "metric": "$ALERT_METRIC"}})";
  auto p = webhook_payload(c, triggered());
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->content_type, "application/json");
  json body = json::parse(p->body);
  EXPECT_EQ(body["title"], "[Triggered on {host:web-1,env:prod}] CPU on web-1");
  EXPECT_EQ(body["text"], "CPU is 95 @webhook-ops");
  EXPECT_EQ(body["status"], "Triggered");
  EXPECT_EQ(body["meta"]["host"], "web-1");
  EXPECT_EQ(body["meta"]["tags"], "team:web,env:prod,host:web-1");
  EXPECT_EQ(body["meta"]["scope"], "host:web-1,env:prod");
  EXPECT_EQ(body["meta"]["p"], "P2");
  EXPECT_EQ(body["meta"]["id"], "42");
  EXPECT_EQ(body["meta"]["when"], "1800000000000");
  EXPECT_EQ(body["meta"]["link"], "http://heeler:8080/monitors/42");
  EXPECT_EQ(body["meta"]["unknown"], "$NOT_A_VARIABLE");
  EXPECT_EQ(body["meta"]["price"], "$5");
  EXPECT_EQ(body["meta"]["type"], "error");
  EXPECT_EQ(body["meta"]["metric"], "cpu");
}

TEST(WebhookPayload, HostileValuesCannotBreakTheJson) {
  Notification n = triggered();
  n.body = "quote \" backslash \\ brace } newline \n tab \t nul " + std::string(1, '\0') +
           " $EVENT_TITLE";
  n.group = "host:\"}]{\"injected\":true";  // group values hold no commas
  Channel c;
  c.payload = R"({"msg": "$EVENT_MSG", "host": "$HOSTNAME"})";
  auto p = webhook_payload(c, n);
  ASSERT_TRUE(p.ok());
  json body = json::parse(p->body);
  EXPECT_EQ(body.size(), 2u) << p->body;
  EXPECT_EQ(body["msg"], n.body) << "values are not substituted again";
  EXPECT_EQ(body["host"], "\"}]{\"injected\":true");
}

TEST(WebhookPayload, DefaultAndFormEncodings) {
  Channel c;
  auto p = webhook_payload(c, triggered());
  ASSERT_TRUE(p.ok());
  json body = json::parse(p->body);
  EXPECT_EQ(body["title"], triggered().title);
  EXPECT_EQ(body["body"], triggered().body);
  EXPECT_EQ(body["alert_transition"], "Triggered");
  EXPECT_EQ(body["org"]["name"], "Heeler");
  c.form = true;
  c.payload = R"({"text": "$EVENT_TITLE", "n": 5})";
  p = webhook_payload(c, triggered());
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->content_type, "application/x-www-form-urlencoded");
  EXPECT_EQ(p->body,
            "n=5&text=%5BTriggered%20on%20%7Bhost%3Aweb-1%2Cenv%3Aprod%7D%5D%20CPU%20on%20web-1");
}

TEST(SlackAndTeams, CarryTitleBodyAndLink) {
  json slack = slack_payload(triggered());
  EXPECT_EQ(slack["text"], triggered().title);
  EXPECT_EQ(slack["blocks"][0]["type"], "header");
  EXPECT_EQ(slack["blocks"][0]["text"]["text"], triggered().title);
  EXPECT_EQ(slack["blocks"][1]["text"]["type"], "mrkdwn");
  EXPECT_NE(slack["blocks"][1]["text"]["text"].get<std::string>().find("CPU is 95"),
            std::string::npos);
  EXPECT_EQ(slack["blocks"][2]["elements"][0]["text"],
            "<http://heeler:8080/monitors/42|View monitor>");
  json teams = teams_payload(triggered());
  EXPECT_EQ(teams["type"], "message");
  const json& card = teams["attachments"][0]["content"];
  EXPECT_EQ(teams["attachments"][0]["contentType"], "application/vnd.microsoft.card.adaptive");
  EXPECT_EQ(card["type"], "AdaptiveCard");
  EXPECT_EQ(card["body"][0]["text"], triggered().title);
  EXPECT_EQ(card["body"][0]["color"], "Attention");
  EXPECT_EQ(card["actions"][0]["url"], "http://heeler:8080/monitors/42");
}

TEST(Email, HeadersStayOnOneLineAndTheBodyUsesCrlf) {
  Notification n = triggered();
  n.title = "Évènement\r\nBcc: victim@example.com";
  n.body = "line one\nline two";
  const std::string m = email_message(n, "heeler@example.com", "ops@example.com");
  EXPECT_NE(m.find("From: Heeler <heeler@example.com>\r\n"), std::string::npos);
  EXPECT_NE(m.find("To: <ops@example.com>\r\n"), std::string::npos);
  EXPECT_EQ(m.find("\r\nBcc:"), std::string::npos) << m;
  EXPECT_NE(m.find("Subject: =?UTF-8?B?"), std::string::npos);
  EXPECT_NE(m.find("Date: Fri, 15 Jan 2027 08:00:00 +0000\r\n"), std::string::npos);
  EXPECT_NE(m.find("\r\n\r\nline one\r\nline two\r\n"), std::string::npos);
  EXPECT_NE(m.find("View the monitor: http://heeler:8080/monitors/42"), std::string::npos);
}

TEST(Notifications, OnePerTransitionRenderedForItsGroup) {
  auto parsed = parse_monitor({{"type", "metric alert"},
                               {"name", "CPU on {{host.name}}"},
                               {"query", "avg(last_5m):avg:cpu{*} by {host} > 90"},
                               {"message",
                                "{{#is_alert}}{{value}} on {{host.name}} @slack-ops{{/is_alert}}"
                                "{{#is_recovery}}fine @slack-ops{{/is_recovery}}"},
                               {"tags", {"team:web"}},
                               {"priority", 1}});
  ASSERT_TRUE(parsed.ok()) << parsed.status().to_string();
  StoredMonitor m{*parsed};
  m.monitor.id = 9;
  Evaluation e;
  e.transitions = {{"host:a", State::ok, State::alert, 97, false, true},
                   {"host:b", State::alert, State::ok, 3, false, true}};
  e.groups["host:a"] = {State::alert, 97, 1000, 1000, 1000};
  auto notes = notifications_for(m, e, 5000, "http://h");
  ASSERT_EQ(notes.size(), 2u);
  EXPECT_EQ(notes[0].title, "[Triggered on {host:a}] CPU on a");
  EXPECT_EQ(notes[0].body, "97 on a @slack-ops");
  EXPECT_EQ(notes[0].link, "http://h/monitors/9");
  EXPECT_EQ(notes[0].metric, "cpu");
  EXPECT_EQ(notes[0].priority, 1);
  EXPECT_EQ(notes[1].title, "[Recovered on {host:b}] CPU on b");
  EXPECT_EQ(notes[1].body, "fine @slack-ops");
  AlertEvent ev = alert_event(notes[0]);
  EXPECT_EQ(ev.host, "a");
  EXPECT_EQ(ev.alert_type, "error");
  EXPECT_EQ(ev.aggregation_key, "monitor-9");
  EXPECT_EQ(ev.tags, (std::vector<std::string>{"team:web", "monitor_id:9", "monitor_state:Alert"}));
}

}  // namespace
}  // namespace heeler::monitors
