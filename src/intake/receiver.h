// Receivers: each protocol is a folder under intake/ that registers a factory here
// (adding one touches only its folder). `heeler serve` builds every registered
// receiver, starts it, and stops them all before the pipeline on shutdown.
//
// A receiver may listen on its own address (config: otlp_grpc_listen, dogstatsd_listen
// …; port 0 → the factory returns nullptr: disabled) and/or add routes to the HTTP
// routers that `heeler serve` runs: `api_router` (listen, e.g. /api/v2/logs),
// `otlp_http_router` (otlp_http_listen) and `apm_router` (apm_listen, the Datadog
// tracer's "agent" API). A router whose port is 0 is not served.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/config.h"
#include "core/metrics.h"
#include "core/status.h"
#include "net/http.h"
#include "pipeline/consumer.h"

namespace heeler::intake {

struct ReceiverContext {
  const core::Config& config;
  pipeline::Consumer& consumer;
  core::Metrics& metrics;
  net::Router& api_router;
  net::Router& otlp_http_router;
  net::Router& apm_router;
};

class Receiver {
 public:
  virtual ~Receiver() = default;
  // Binds its sockets, if any. May fail with a clear error (address in use).
  virtual core::Status start() = 0;
  // Stops listening and lets work in flight finish. Safe without start() and twice.
  virtual void stop() = 0;
};

// Returns nullptr when the receiver has nothing to run (e.g. its port is 0); routes
// added to the routers in the factory are served regardless.
using ReceiverFactory = std::function<std::unique_ptr<Receiver>(ReceiverContext&)>;

struct ReceiverRegistration {
  std::string name;
  ReceiverFactory factory;
};

// Receivers register once, at static initialisation, with:
//   static const bool registered = heeler::intake::register_receiver("dogstatsd", make);
bool register_receiver(std::string name, ReceiverFactory factory);
const std::vector<ReceiverRegistration>& registered_receivers();

// The HTTP answer when a Consumer refused a batch: 503 with Retry-After when the
// pipeline is behind (`unavailable`), else the status's own error response.
net::Response consume_failed(const core::Status& status);

}  // namespace heeler::intake
