// Every route the API port serves is in docs/api/openapi.json, and everything the file
// describes is served: the routes are collected the way `heeler serve` adds them.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <string>

#include "api/dashboards.h"
#include "api/events.h"
#include "api/health.h"
#include "api/integrations.h"
#include "api/logs_search.h"
#include "api/metrics_query.h"
#include "api/monitors.h"
#include "api/rum_search.h"
#include "api/spans_search.h"
#include "api/sql.h"
#include "api/synthetics.h"
#include "intake/receiver.h"

namespace heeler::api {
namespace {

// Never queried: the test only collects routes.
class NoEngine final : public store::Engine {
 public:
  core::Status start() override { return {}; }
  void stop() override {}
  core::Result<store::QueryResult> query(std::string_view, const store::Params&,
                                         store::Lane) override {
    return core::error(core::Code::unavailable, "no engine");
  }
  core::Status execute(std::string_view, const store::Params&, store::Lane) override { return {}; }
  core::Status insert(std::string_view, const store::ColumnBatch&,
                      const store::InsertOptions&) override {
    return {};
  }
  core::Status ping() override { return {}; }
  std::string version() override { return "none"; }
  store::EngineStats stats() const override { return {}; }
};

class NoConsumer final : public pipeline::Consumer {
 public:
  core::Status consume_logs(pipeline::LogBatch&&) override { return {}; }
  core::Status consume_spans(pipeline::SpanBatch&&) override { return {}; }
  core::Status consume_metrics(pipeline::MetricBatch&&) override { return {}; }
  core::Status consume_events(pipeline::EventBatch&&) override { return {}; }
  core::Status consume_rum(pipeline::RumBatch&&) override { return {}; }
};

TEST(ApiDescription, DescribesExactlyTheRoutesServed) {
  NoEngine engine;
  NoConsumer consumer;
  core::Metrics metrics;
  core::Config config;
  config.otlp_grpc_listen.port = 0;  // no listener is started, routes only
  Readiness readiness;
  net::Router api, otlp, apm;
  add_health_routes(api, readiness, metrics);
  add_sql_routes(api, engine);
  add_metrics_query_routes(api, engine);
  add_logs_search_routes(api, engine);
  add_spans_search_routes(api, engine);
  add_rum_search_routes(api, engine);
  const auto meta_file = std::filesystem::temp_directory_path() /
                         ("heeler-routes-" + std::to_string(::getpid()) + ".db");
  auto meta = store::MetadataStore::open(meta_file);
  ASSERT_TRUE(meta.ok());
  dashboards::DashboardStore dashboard_store(**meta);
  add_dashboard_routes(api, dashboard_store);
  monitors::MonitorStore monitor_store(**meta);
  EngineMonitorData monitor_data(engine);
  monitors::MonitorScheduler scheduler(monitor_store, monitor_data, [] { return int64_t{0}; });
  monitors::ChannelStore channels(**meta);
  monitors::Notifier notifier(channels, **meta, {});
  monitors::DowntimeStore downtimes(**meta);
  add_monitor_routes(api, {monitor_store, scheduler, notifier, downtimes});
  add_integration_routes(api, channels);
  add_event_routes(api, engine);
  synthetics::TestStore synthetic_tests(**meta);
  synthetics::SyntheticsService synthetics_service(synthetic_tests, engine, consumer,
                                                   [] { return int64_t{0}; });
  add_synthetics_routes(api, {synthetic_tests, synthetics_service, monitor_store, scheduler});
  for (const char* suffix : {"", "-wal", "-shm"})
    std::filesystem::remove(meta_file.string() + suffix);
  intake::ReceiverContext context{config, consumer, metrics, api, otlp, apm};
  std::vector<std::unique_ptr<intake::Receiver>> receivers;
  for (const auto& r : intake::registered_receivers()) receivers.push_back(r.factory(context));

  std::set<std::string> served;
  for (const auto& [method, pattern] : api.routes()) {
    std::string lower = method;
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    served.insert(lower + " " + pattern);
  }
  std::ifstream in(HEELER_OPENAPI);
  ASSERT_TRUE(in) << HEELER_OPENAPI;
  const nlohmann::json spec = nlohmann::json::parse(in);
  std::set<std::string> documented;
  for (const auto& [path, methods] : spec["paths"].items())
    for (const auto& [method, _] : methods.items()) documented.insert(method + " " + path);

  for (const auto& route : served)
    EXPECT_TRUE(documented.count(route)) << route << " is served but not in openapi.json";
  for (const auto& route : documented)
    EXPECT_TRUE(served.count(route)) << route << " is in openapi.json but not served";
}

}  // namespace
}  // namespace heeler::api
