// Monitor endpoints, in Datadog's v1 shapes:
//   GET    /api/v1/monitor?name=&tags=&monitor_tags=&group_states=   every monitor
//   POST   /api/v1/monitor                  a monitor JSON → the stored monitor with its id
//   POST   /api/v1/monitor/validate         {} when the monitor is valid, else 400 errors
//   GET    /api/v1/monitor/{id}?group_states=all   the monitor, with its groups' states
//   PUT    /api/v1/monitor/{id}             changes the fields given → the stored monitor
//   DELETE /api/v1/monitor/{id}             {deleted_monitor_id}; 400 while a composite
//                                           names it
//   GET    /api/v1/monitor/{id}/history     the monitor's state changes, newest first
//   GET    /api/v1/monitor/{id}/notifications   delivery attempts and outcomes, newest first
//   POST   /api/v1/monitor/{id}/mute        {scope?, end?}: a downtime for this monitor
//   POST   /api/v1/monitor/{id}/unmute      {scope?}: cancels its mute downtimes
//   GET/POST /api/v1/downtime, GET/PUT/DELETE /api/v1/downtime/{id}   downtimes (DELETE
//                                           cancels)
// and the store-backed data source monitors are evaluated against.
#pragma once

#include "monitors/downtime.h"
#include "monitors/evaluation.h"
#include "monitors/monitor_store.h"
#include "monitors/notifier.h"
#include "monitors/scheduler.h"
#include "net/http.h"
#include "store/engine.h"

namespace heeler::api {

// Values for metric monitors from the metric query engine, and for log and span
// monitors from the search aggregation.
class EngineMonitorData final : public monitors::DataSource {
 public:
  explicit EngineMonitorData(store::Engine& engine) : engine_(engine) {}
  core::Result<std::vector<monitors::GroupValue>> values(const monitors::MonitorQuery& query,
                                                         int64_t from_ms, int64_t to_ms) override;

 private:
  store::Engine& engine_;
};

struct MonitorServices {
  monitors::MonitorStore& store;
  monitors::MonitorScheduler& scheduler;
  monitors::Notifier& notifier;
  monitors::DowntimeStore& downtimes;
};

void add_monitor_routes(net::Router& router, MonitorServices services);

}  // namespace heeler::api
