// The Datadog tracer ("agent") API served on apm_listen: /info, /v0.4/traces and
// /v0.5/traces (msgpack spans → the spans table), /v0.6/stats (client-side stats →
// trace.<name>.hits/errors/duration metrics), /v0.7/config (no remote config) and the
// telemetry proxy (acknowledged, counted, not stored).
#pragma once

#include <memory>

#include "intake/receiver.h"

namespace heeler::intake {

// Adds the routes to context.apm_router and returns the (listener-less) receiver;
// nullptr without routes when apm_listen's port is 0. Registered as "datadog_apm".
std::unique_ptr<Receiver> make_datadog_apm_receiver(ReceiverContext& context);

}  // namespace heeler::intake
