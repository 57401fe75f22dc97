// The OTLP receiver: OTLP/HTTP (POST /v1/traces, /v1/metrics, /v1/logs; protobuf or
// JSON bodies, gzip undone by the HTTP server) on otlp_http_listen, and OTLP/gRPC
// (TraceService, MetricsService and LogsService Export) on otlp_grpc_listen. Both
// answer only once the batch is durable; a pipeline that is behind gets 503 with
// Retry-After (HTTP) or UNAVAILABLE (gRPC), which OTLP exporters retry.
#pragma once

#include <memory>

#include "intake/receiver.h"

namespace heeler::intake {

// Adds the HTTP routes to context.otlp_http_router and returns the gRPC server (or
// nullptr when otlp_grpc_listen's port is 0). Registered as "otlp".
std::unique_ptr<Receiver> make_otlp_receiver(ReceiverContext& context);

}  // namespace heeler::intake
