#include "api/health.h"

#include <nlohmann/json.hpp>

namespace heeler::api {

void add_health_routes(net::Router& router, Readiness& readiness, core::Metrics& metrics) {
  router.add("GET", "/healthz",
             [](net::Request&) { return net::Response::json(200, R"({"status":"ok"})"); });

  router.add("GET", "/readyz", [&readiness](net::Request&) {
    nlohmann::json body;
    nlohmann::json checks;
    bool ready = true;
    if (readiness.stopping.load()) {
      checks["server"] = "stopping";
      ready = false;
    }
    if (!readiness.migrations_done.load()) {
      checks["migrations"] = "pending";
      ready = false;
    } else {
      checks["migrations"] = "ok";
    }
    if (readiness.engine) {
      core::Status ping = readiness.engine->ping();
      checks["store"] = ping.ok() ? std::string("ok") : ping.to_string();
      ready = ready && ping.ok();
    } else {
      checks["store"] = "not started";
      ready = false;
    }
    body["status"] = ready ? "ready" : "not ready";
    body["checks"] = checks;
    body["installation_id"] = readiness.installation_id;
    return net::Response::json(ready ? 200 : 503, body.dump());
  });

  router.add("GET", "/metrics", [&metrics](net::Request&) {
    return net::Response::text(200, metrics.render_prometheus(),
                               "text/plain; version=0.0.4; charset=utf-8");
  });
}

}  // namespace heeler::api
