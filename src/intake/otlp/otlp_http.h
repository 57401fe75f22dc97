// OTLP/HTTP routes (private to intake/otlp).
#pragma once

#include <memory>

#include "intake/otlp/exporter.h"
#include "net/http.h"

namespace heeler::intake::otlp {

// POST /v1/traces, /v1/metrics and /v1/logs.
void add_http_routes(net::Router& router, std::shared_ptr<Exporter> exporter);

}  // namespace heeler::intake::otlp
