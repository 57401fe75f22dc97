// Where notifications go. A channel is configured once and named in messages:
// @webhook-<name> (Datadog's webhooks integration shape: {name, url, payload,
// custom_headers, encode_as}), @slack-<name> and @teams-<name> (incoming-webhook
// URLs), and e-mail addresses (the server's SMTP settings).
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/status.h"
#include "store/metadata.h"

namespace heeler::monitors {

enum class ChannelKind { webhook, slack, teams };
std::string_view channel_kind_name(ChannelKind kind);  // "webhook", "slack", "teams"

struct Channel {
  ChannelKind kind = ChannelKind::webhook;
  std::string name;
  std::string url;
  std::string payload;  // webhooks: a JSON template with $VARIABLES; empty: the default
  std::vector<std::pair<std::string, std::string>> headers;  // webhooks: custom headers
  bool form = false;  // webhooks: encode_as "form" (the payload's fields form-encoded)
};

// Checks a webhook configuration body (Datadog's shape); errors name the field.
core::Result<Channel> parse_webhook(const nlohmann::json& body);
// Checks a Slack or Teams body {name, url}.
core::Result<Channel> parse_incoming_webhook(ChannelKind kind, const nlohmann::json& body);
// The served JSON of a channel (webhooks in Datadog's shape).
nlohmann::json channel_json(const Channel& channel);

class ChannelStore {
 public:
  explicit ChannelStore(store::MetadataStore& meta) : meta_(meta) {}
  // invalid_argument when a channel of that kind and name exists.
  core::Status create(const Channel& channel);
  core::Status replace(const Channel& channel);  // not_found when absent
  core::Status remove(ChannelKind kind, const std::string& name);
  core::Result<Channel> get(ChannelKind kind, const std::string& name);
  core::Result<std::vector<Channel>> list(ChannelKind kind);

 private:
  store::MetadataStore& meta_;
};

}  // namespace heeler::monitors
