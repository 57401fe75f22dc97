// Prometheus remote-write 1.0 on the API router: POST /api/v1/write, a snappy
// block-compressed prometheus.WriteRequest (decode.h has the mapping), answered 204.
// No authentication is checked: Prometheus sends basic auth or a bearer token, which a
// reverse proxy in front of Heeler can verify.
#pragma once

#include <memory>

#include "intake/receiver.h"

namespace heeler::intake {

// Adds the route; returns nullptr (no sockets of its own to run).
std::unique_ptr<Receiver> make_prometheus_receiver(ReceiverContext& ctx);

}  // namespace heeler::intake
