// Notification messages: Datadog's template language over a monitor's name and
// message, the @-mentions that route a message to channels, and event titles.
//
//   {{value}} {{threshold}} {{warn_threshold}} {{ok_threshold}} {{warn_ok_threshold}}
//   {{comparator}} {{last_triggered_at}} {{last_triggered_at_epoch}} {{link}}
//   {{host.name}} {{service.name}} …  the value of a group-by key ("name" or "value")
//   {{#is_alert}}…{{/is_alert}}  {{^is_alert}}…{{/is_alert}}  and is_warning,
//   is_recovery, is_alert_recovery, is_warning_recovery, is_no_data, is_renotify,
//   {{#is_match "host.name" "web"}}…{{/is_match}} (substring),
//   {{#is_exact_match "env.name" "prod"}}…{{/is_exact_match}}
//   @slack-<name> @teams-<name> @webhook-<name> @someone@example.com
//
// check() finds template errors when a monitor is saved, with their byte offset.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "monitors/evaluation.h"

namespace heeler::monitors {

struct TemplateError {
  size_t position = 0;
  std::string message;
};

// Errors of a template: unknown or unbalanced sections, unknown variables, group-key
// variables of keys the monitor is not grouped by. `group_keys` are the group-by keys
// ("host", "service", "http.method").
std::optional<TemplateError> check_template(std::string_view text,
                                            const std::vector<std::string>& group_keys);

struct MessageContext {
  State from = State::ok;
  State to = State::ok;
  bool renotify = false;
  double value = 0;
  Thresholds thresholds;
  std::string comparator;
  std::map<std::string, std::string> group;  // "host" → "web-1"
  int64_t triggered_ms = 0;
  std::string link;
};

// Renders a checked template (an unchecked one renders what it can).
std::string render_template(std::string_view text, const MessageContext& context);

// "host:web-1,env:prod" → {"host": "web-1", "env": "prod"}; "" → {}.
std::map<std::string, std::string> group_tags(std::string_view group);

// The @-mentions of a rendered message, in order, each once: "slack-ops",
// "webhook-pager", "jane@example.com".
std::vector<std::string> mentions(std::string_view rendered);

// Datadog's event title: "[Triggered on {host:web-1}] CPU high".
std::string event_title(const MessageContext& context, std::string_view group,
                        std::string_view rendered_name);

// "Triggered", "Recovered", "Warn", "No Data", "Re-Triggered", "Re-Warn", …
std::string transition_name(const MessageContext& context);

}  // namespace heeler::monitors
