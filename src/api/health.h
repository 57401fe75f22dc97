// Operability endpoints: /healthz (the process answers), /readyz (the store is
// reachable and migrated) and /metrics (Prometheus text format).
#pragma once

#include <atomic>
#include <string>

#include "core/metrics.h"
#include "net/http.h"
#include "store/engine.h"

namespace heeler::api {

struct Readiness {
  std::atomic<bool> migrations_done{false};
  std::atomic<bool> stopping{false};
  store::Engine* engine = nullptr;
  std::string installation_id;
};

void add_health_routes(net::Router& router, Readiness& readiness, core::Metrics& metrics);

}  // namespace heeler::api
