// The Datadog HTTP intake on the API router: logs (/api/v2/logs, /v1/input), series
// (/api/v1/series JSON, /api/v2/series JSON or the Agent's protobuf), events
// (/api/v1/events), service checks (/api/v1/check_run) and key validation
// (/api/v1/validate). When intake.api_keys is set, requests must carry one of its keys
// (DD-API-KEY header or dd-api-key query).
#pragma once

#include <memory>

#include "intake/receiver.h"

namespace heeler::intake {

// Adds the routes; returns nullptr (no sockets of its own to run).
std::unique_ptr<Receiver> make_datadog_http_receiver(ReceiverContext& ctx);

}  // namespace heeler::intake
