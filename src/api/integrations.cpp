#include "api/integrations.h"

#include <nlohmann/json.hpp>

namespace heeler::api {
namespace {

using monitors::Channel;
using monitors::ChannelKind;
using net::Request;
using net::Response;
using nlohmann::json;

core::Result<Channel> parse(ChannelKind kind, const Request& r) {
  json body = json::parse(r.body, nullptr, false);
  if (body.is_discarded())
    return core::Status(core::Code::invalid_argument, "the body is not valid JSON");
  return kind == ChannelKind::webhook ? monitors::parse_webhook(body)
                                      : monitors::parse_incoming_webhook(kind, body);
}

void add_kind(net::Router& router, monitors::ChannelStore& channels, ChannelKind kind,
              const std::string& base) {
  router.add("GET", base, [&channels, kind](Request&) {
    auto all = channels.list(kind);
    if (!all) return Response::error(all.status());
    json out = json::array();
    for (const auto& c : *all) out.push_back(monitors::channel_json(c));
    return Response::json(200, out.dump());
  });
  router.add("POST", base, [&channels, kind](Request& r) {
    auto c = parse(kind, r);
    if (!c) return Response::error(c.status());
    if (auto st = channels.create(*c); !st.ok()) return Response::error(st);
    return Response::json(200, monitors::channel_json(*c).dump());
  });
  router.add("GET", base + "/{name}", [&channels, kind](Request& r) {
    auto c = channels.get(kind, r.path_params["name"]);
    if (!c) return Response::error(c.status());
    return Response::json(200, monitors::channel_json(*c).dump());
  });
  router.add("PUT", base + "/{name}", [&channels, kind](Request& r) {
    // Datadog's update: the fields given replace the stored ones.
    auto current = channels.get(kind, r.path_params["name"]);
    if (!current) return Response::error(current.status());
    json patch = json::parse(r.body, nullptr, false);
    if (!patch.is_object()) return Response::error(400, "the body must be a JSON object");
    json merged = monitors::channel_json(*current);
    merged.merge_patch(patch);
    merged["name"] = current->name;
    auto c = kind == ChannelKind::webhook ? monitors::parse_webhook(merged)
                                          : monitors::parse_incoming_webhook(kind, merged);
    if (!c) return Response::error(c.status());
    if (auto st = channels.replace(*c); !st.ok()) return Response::error(st);
    return Response::json(200, monitors::channel_json(*c).dump());
  });
  router.add("DELETE", base + "/{name}", [&channels, kind](Request& r) {
    if (auto st = channels.remove(kind, r.path_params["name"]); !st.ok())
      return Response::error(st);
    return Response::json(200, "{}");
  });
}

}  // namespace

void add_integration_routes(net::Router& router, monitors::ChannelStore& channels) {
  add_kind(router, channels, ChannelKind::webhook,
           "/api/v1/integration/webhooks/configuration/webhooks");
  add_kind(router, channels, ChannelKind::slack,
           "/api/v1/integration/slack/configuration/webhooks");
  add_kind(router, channels, ChannelKind::teams,
           "/api/v1/integration/ms-teams/configuration/webhooks");
}

}  // namespace heeler::api
