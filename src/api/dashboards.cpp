#include "api/dashboards.h"

#include <nlohmann/json.hpp>

namespace heeler::api {
namespace {

using net::Request;
using net::Response;
using nlohmann::json;

core::Result<json> parse_dashboard(const Request& request) {
  json body = json::parse(request.body, nullptr, false);
  if (body.is_discarded())
    return core::Status(core::Code::invalid_argument, "the body is not valid JSON");
  return dashboards::normalize(body);
}

Response reply(const core::Result<json>& result) {
  if (!result) return Response::error(result.status());
  return Response::json(200, result->dump());
}

}  // namespace

void add_dashboard_routes(net::Router& router, dashboards::DashboardStore& store) {
  router.add("GET", "/api/v1/dashboard", [&store](Request&) {
    auto all = store.list();
    if (!all) return Response::error(all.status());
    json list = json::array();
    for (const auto& s : *all) list.push_back(dashboards::summary_json(s));
    return Response::json(200, json{{"dashboards", std::move(list)}}.dump());
  });
  router.add("POST", "/api/v1/dashboard", [&store](Request& r) {
    auto body = parse_dashboard(r);
    if (!body) return Response::error(body.status());
    return reply(store.create(*body));
  });
  router.add("GET", "/api/v1/dashboard/{id}",
             [&store](Request& r) { return reply(store.get(r.path_params["id"])); });
  router.add("PUT", "/api/v1/dashboard/{id}", [&store](Request& r) {
    auto body = parse_dashboard(r);
    if (!body) return Response::error(body.status());
    return reply(store.replace(r.path_params["id"], *body));
  });
  router.add("DELETE", "/api/v1/dashboard/{id}", [&store](Request& r) {
    const std::string id = r.path_params["id"];
    if (auto st = store.remove(id); !st.ok()) return Response::error(st);
    return Response::json(200, json{{"deleted_dashboard_id", id}}.dump());
  });
}

}  // namespace heeler::api
