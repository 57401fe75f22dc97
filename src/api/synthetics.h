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
// The test JSON's monitor_id names its monitor.
#pragma once

#include "monitors/monitor_store.h"
#include "monitors/scheduler.h"
#include "net/http.h"
#include "synthetics/service.h"

namespace heeler::api {

// Each test drives a "synthetics alert" monitor, made, changed and deleted with it:
// synthetics("<public_id>").over("*").last("<min_failure_duration>s") >=
// <min_location_failed>, with the test's message (so its @-mentions are notified).
struct SyntheticsServices {
  synthetics::TestStore& tests;
  synthetics::SyntheticsService& service;
  monitors::MonitorStore& monitors;
  monitors::MonitorScheduler& scheduler;
};

void add_synthetics_routes(net::Router& router, SyntheticsServices services);

}  // namespace heeler::api
