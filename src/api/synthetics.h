// Synthetic test endpoints, in Datadog's v1 shapes:
//   POST /api/v1/synthetics/tests/api                 create an API test
//   GET  /api/v1/synthetics/tests                     {tests: […]}
//   GET  /api/v1/synthetics/tests/{public_id}         (also …/tests/api/{public_id})
//   PUT  /api/v1/synthetics/tests/api/{public_id}     replace
//   PUT  /api/v1/synthetics/tests/{public_id}/status  {new_status: live|paused} → true
//   POST /api/v1/synthetics/tests/delete              {public_ids} → {deleted_tests}
//   POST /api/v1/synthetics/tests/trigger             {tests: [{public_id}]} → queued runs
//   POST /api/v1/synthetics/tests/trigger/ci          the same, run_type ci
//   GET  /api/v1/synthetics/tests/{public_id}/results              latest results
//   GET  /api/v1/synthetics/tests/{public_id}/results/{result_id}  one in full
#pragma once

#include "net/http.h"
#include "synthetics/service.h"

namespace heeler::api {

void add_synthetics_routes(net::Router& router, synthetics::TestStore& tests,
                           synthetics::SyntheticsService& service);

}  // namespace heeler::api
