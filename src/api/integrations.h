// Notification channel endpoints:
//   /api/v1/integration/webhooks/configuration/webhooks[/{name}]    Datadog's webhooks
//       integration: POST {name, url, payload, custom_headers, encode_as}, GET, PUT, DELETE
//   /api/v1/integration/slack/configuration/webhooks[/{name}]       {name, url}: a Slack
//       incoming webhook, named in messages as @slack-<name>
//   /api/v1/integration/ms-teams/configuration/webhooks[/{name}]    {name, url}: a Teams
//       incoming webhook, named as @teams-<name>
#pragma once

#include "monitors/channels.h"
#include "net/http.h"

namespace heeler::api {

void add_integration_routes(net::Router& router, monitors::ChannelStore& channels);

}  // namespace heeler::api
