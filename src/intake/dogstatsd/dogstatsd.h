// DogStatsD receiver: UDP (dogstatsd_listen), an optional Unix datagram socket
// (dogstatsd.socket_path) and POST /dogstatsd/v2/proxy on the APM router (where
// dd-trace sends its runtime metrics). Lines are aggregated per flush interval
// (dogstatsd.flush_interval_seconds) like the Datadog Agent does, and each flush hands
// one MetricBatch (plus an EventBatch for events and service checks) to the Consumer.
// Registered as "dogstatsd"; disabled (nullptr, no route) when neither the UDP port
// nor the socket path is set.
#pragma once

#include <memory>

#include "intake/receiver.h"

namespace heeler::intake {

std::unique_ptr<Receiver> make_dogstatsd_receiver(ReceiverContext& context);

}  // namespace heeler::intake
