#include "monitors/message.h"

#include <gtest/gtest.h>

namespace heeler::monitors {
namespace {

MessageContext alert_on_web1() {
  MessageContext c;
  c.from = State::ok;
  c.to = State::alert;
  c.value = 95.25;
  c.thresholds.critical = 90;
  c.thresholds.warning = 80;
  c.comparator = ">";
  c.group = {{"host", "web-1"}, {"env", "prod"}};
  c.triggered_ms = 1'800'000'000'000;
  c.link = "http://heeler.local/monitors/7";
  return c;
}

TEST(Template, RendersVariablesAndSections) {
  const std::string text =
      "{{#is_alert}}CPU on {{host.name}} is {{value}} (over {{threshold}}, warn at "
      "{{warn_threshold}}) @slack-ops{{/is_alert}}"
      "{{#is_recovery}}{{host.name}} recovered @slack-ops{{/is_recovery}}"
      "{{^is_alert}} not alerting{{/is_alert}}"
      "{{#is_match \"host.name\" \"web\"}} @webhook-web{{/is_match}}"
      "{{#is_exact_match \"env.name\" \"staging\"}} @teams-qa{{/is_exact_match}}"
      " since {{last_triggered_at}} {{link}}";
  ASSERT_FALSE(check_template(text, {"host", "env"}));
  MessageContext c = alert_on_web1();
  EXPECT_EQ(render_template(text, c),
            "CPU on web-1 is 95.25 (over 90, warn at 80) @slack-ops @webhook-web since "
            "2027-01-15 08:00:00 UTC http://heeler.local/monitors/7");
  c.from = State::alert;
  c.to = State::ok;
  c.value = 12;
  EXPECT_EQ(render_template(text, c),
            "web-1 recovered @slack-ops not alerting @webhook-web since 2027-01-15 08:00:00 UTC "
            "http://heeler.local/monitors/7");
}

TEST(Template, TransitionSections) {
  MessageContext c = alert_on_web1();
  auto shown = [&](const char* section) {
    return render_template(std::string("{{#") + section + "}}y{{/" + section + "}}", c) == "y";
  };
  EXPECT_TRUE(shown("is_alert"));
  EXPECT_FALSE(shown("is_warning"));
  EXPECT_FALSE(shown("is_renotify"));
  c.renotify = true;
  EXPECT_TRUE(shown("is_renotify"));
  c = alert_on_web1();
  c.from = State::warn;
  c.to = State::ok;
  EXPECT_TRUE(shown("is_recovery"));
  EXPECT_TRUE(shown("is_warning_recovery"));
  EXPECT_FALSE(shown("is_alert_recovery"));
  c.from = State::ok;
  c.to = State::no_data;
  EXPECT_TRUE(shown("is_no_data"));
  EXPECT_FALSE(shown("is_recovery"));
  EXPECT_EQ(transition_name(c), "No Data");
  EXPECT_EQ(event_title(alert_on_web1(), "host:web-1,env:prod", "CPU high"),
            "[Triggered on {host:web-1,env:prod}] CPU high");
  c = alert_on_web1();
  c.renotify = true;
  EXPECT_EQ(event_title(c, "", "CPU high"), "[Re-Triggered] CPU high");
}

TEST(Template, ErrorsAreFoundWithTheirPosition) {
  auto err = [](std::string_view text) {
    auto e = check_template(text, {"host"});
    EXPECT_TRUE(e) << text;
    return e ? *e : TemplateError{};
  };
  auto e = err("Hi {{#is_alert}}down");
  EXPECT_EQ(e.position, 3u);
  EXPECT_EQ(e.message, "{{#is_alert}} is never closed");
  e = err("{{#is_alert}}x{{/is_warning}}");
  EXPECT_EQ(e.position, 14u);
  EXPECT_EQ(e.message, "{{/is_warning}} closes {{#is_alert}}");
  EXPECT_EQ(err("x {{/is_alert}}").message, "{{/is_alert}} closes nothing");
  EXPECT_EQ(err("{{#is_critical}}x{{/is_critical}}").message, "unknown section {{#is_critical}}");
  EXPECT_EQ(err("{{valeu}}").message, "unknown variable {{valeu}}");
  e = err("CPU on {{service.name}}");
  EXPECT_EQ(e.position, 7u);
  EXPECT_EQ(e.message, "{{service.name}} needs the monitor grouped by service");
  EXPECT_EQ(err("{{value").message, "'{{' is not closed by '}}'");
  EXPECT_EQ(err("{{#is_match \"host.name\"}}x{{/is_match}}").message.rfind("is_match takes", 0),
            0u);
  EXPECT_FALSE(check_template("plain text, no tags; {single braces}", {}));
  EXPECT_FALSE(check_template("{{@http.method.name}} {{http.method.value}}", {"http.method"}));
}

TEST(Template, HostileTextRendersAsText) {
  MessageContext c = alert_on_web1();
  c.group["host"] = "\"}]}<script>{{value}}";
  EXPECT_EQ(render_template("{{host.name}}", c), "\"}]}<script>{{value}}")
      << "values are not templates";
  EXPECT_EQ(render_template("{{#is_alert}}{{#is_alert}}a{{/is_alert}}", c), "a");
  EXPECT_EQ(render_template("{{", c), "{{");
}

TEST(Mentions, RoutesToEachHandleOnce) {
  EXPECT_EQ(
      mentions("Down! @slack-ops, @webhook-pager @jane@example.com (@teams-qa) "
               "@slack-ops again; mail me at bob@example.com."),
      (std::vector<std::string>{"slack-ops", "webhook-pager", "jane@example.com", "teams-qa"}));
  EXPECT_TRUE(mentions("no mentions here").empty());
  EXPECT_EQ(mentions("end @webhook-x."), std::vector<std::string>{"webhook-x"});
}

TEST(GroupTags, SplitsTheGroupName) {
  EXPECT_EQ(group_tags("host:web-1,env:prod"),
            (std::map<std::string, std::string>{{"env", "prod"}, {"host", "web-1"}}));
  EXPECT_TRUE(group_tags("").empty());
  EXPECT_EQ(group_tags("url:http://x:1")["url"], "http://x:1");
}

}  // namespace
}  // namespace heeler::monitors
