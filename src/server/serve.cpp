#include "server/serve.h"

#include <signal.h>

#include <chrono>
#include <memory>
#include <tuple>
#include <vector>

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
#include "api/ui_files.h"
#include "core/log.h"
#include "core/metrics.h"
#include "intake/receiver.h"
#include "net/http_server.h"
#include "pipeline/ingest.h"
#include "pipeline/wal.h"
#include "pipeline/writer.h"
#include "query/time_spec.h"
#include "server/process.h"
#include "store/embedded_engine.h"
#include "store/metadata.h"
#include "store/schema.h"

namespace heeler::server {
namespace {

using Clock = std::chrono::steady_clock;

std::string ms_since(Clock::time_point t0) {
  return std::to_string(
      std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t0).count());
}

sigset_t stop_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  return set;
}

void add_process_metrics(core::Metrics& metrics, Clock::time_point started) {
  metrics.gauge("heeler_build_info", "build of this binary", {{"version", HEELER_VERSION}}).set(1);
  metrics.on_collect([started](core::Metrics& m) {
    m.gauge("heeler_process_resident_memory_bytes", "resident set size")
        .set(static_cast<double>(resident_memory_bytes()));
    m.gauge("heeler_process_uptime_seconds", "seconds since start")
        .set(std::chrono::duration<double>(Clock::now() - started).count());
  });
}

int fail(const core::Status& status, std::string_view what) {
  core::log::error("serve", what, {{"error", status.to_string()}});
  return 1;
}

net::HttpServerConfig http_config(const core::Config& config, std::string name,
                                  const core::ListenAddress& address) {
  net::HttpServerConfig http;
  http.name = std::move(name);
  http.host = address.host;
  http.port = address.port;
  http.max_body_bytes = config.http.max_body_bytes;
  http.max_decoded_body_bytes = config.http.max_decoded_body_bytes;
  http.threads = config.http.threads;
  http.idle_timeout = std::chrono::seconds(config.http.idle_timeout_seconds);
  http.read_timeout = std::chrono::seconds(config.http.read_timeout_seconds);
  http.log_requests = config.http.log_requests;
  return http;
}

monitors::NotifierConfig notifier_config(const core::Config::Notifications& n) {
  monitors::NotifierConfig out;
  out.attempts = n.attempts;
  out.backoff_ms = n.backoff_ms;
  out.timeout_ms = n.timeout_ms;
  out.smtp.url = n.smtp_url;
  out.smtp.username = n.smtp_username;
  out.smtp.password = n.smtp_password;
  out.smtp.from = n.smtp_from;
  out.smtp.require_starttls = n.smtp_require_starttls;
  out.smtp.verify_tls = n.smtp_verify_tls;
  return out;
}

// Everything that runs after the stores are open, stopped in reverse order of start.
struct Running {
  std::vector<std::unique_ptr<net::HttpServer>> servers;
  std::vector<std::unique_ptr<intake::Receiver>> receivers;

  void stop(std::chrono::milliseconds grace) {
    for (auto& s : servers) s->stop(grace);
    for (auto it = receivers.rbegin(); it != receivers.rend(); ++it) (*it)->stop();
  }
};

}  // namespace

void block_stop_signals() {
  sigset_t set = stop_signals();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

int run_serve(const core::Config& config) {
  const auto started = Clock::now();
  core::log::Level level = core::log::Level::info;
  core::log::parse_level(config.log_level, level);
  core::log::set_level(level);
  core::log::info("serve", "starting",
                  {{"version", HEELER_VERSION},
                   {"data_dir", config.data_dir.string()},
                   {"listen", config.listen.to_string()}});

  if (core::Status st = ensure_writable_directory(config.data_dir); !st.ok())
    return fail(st, "cannot use the data directory");

  core::Metrics metrics;
  add_process_metrics(metrics, started);

  auto metadata = store::MetadataStore::open(config.data_dir / "metadata.db");
  if (!metadata) return fail(metadata.status(), "cannot open the metadata store");
  auto meta_applied = (*metadata)->migrate(store::metadata_migrations());
  if (!meta_applied) return fail(meta_applied.status(), "metadata migrations failed");

  api::Readiness readiness;
  if (auto id = (*metadata)->setting("installation_id")) readiness.installation_id = *id;

  store::EmbeddedEngineConfig engine_config;
  engine_config.data_dir = config.data_dir;
  engine_config.library_path = config.store.chdb_library;
  engine_config.memory_limit_bytes = config.store.memory_limit_bytes != 0
                                         ? config.store.memory_limit_bytes
                                         : physical_memory_bytes() / 2;
  engine_config.ingest_connections = config.store.ingest_connections;
  engine_config.interactive_connections = config.store.interactive_connections;
  engine_config.background_connections = config.store.background_connections;
  engine_config.system_log_ttl_days = config.store.system_log_ttl_days;
  std::unique_ptr<store::Engine> engine = store::make_embedded_engine(engine_config, metrics);
  if (core::Status st = engine->start(); !st.ok()) return fail(st, "cannot start the store");
  readiness.engine = engine.get();

  auto applied = store::migrate(*engine, store::telemetry_migrations());
  if (!applied) {
    engine->stop();
    return fail(applied.status(), "store migrations failed");
  }
  readiness.migrations_done = true;
  core::log::info("serve", "store ready",
                  {{"engine", engine->version()},
                   {"migrations_applied", std::to_string(*applied)},
                   {"ms", ms_since(started)}});

  // The pipeline: receivers → WAL (durable ack) → writer → store.
  pipeline::WalConfig wal_config;
  wal_config.dir = config.data_dir / "wal";
  wal_config.max_pending_bytes = config.wal.max_pending_bytes;
  wal_config.segment_bytes = config.wal.segment_bytes;
  auto wal = pipeline::WriteAheadLog::open(wal_config, metrics);
  if (!wal) {
    engine->stop();
    return fail(wal.status(), "cannot open the write-ahead log");
  }
  pipeline::Writer writer(pipeline::WriterConfig{}, **wal, *engine, metrics);
  if (core::Status st = writer.start(); !st.ok()) {
    (*wal)->close();
    engine->stop();
    return fail(st, "cannot start the store writer");
  }
  pipeline::DurableConsumer consumer(**wal, metrics);

  auto api_router = std::make_shared<net::Router>();
  auto otlp_router = std::make_shared<net::Router>();
  auto apm_router = std::make_shared<net::Router>();
  api::add_health_routes(*api_router, readiness, metrics);
  if (config.api.sql_enabled) api::add_sql_routes(*api_router, *engine);
  api::add_metrics_query_routes(*api_router, *engine);
  api::add_logs_search_routes(*api_router, *engine);
  api::add_spans_search_routes(*api_router, *engine);
  api::add_rum_search_routes(*api_router, *engine);
  dashboards::DashboardStore dashboard_store(**metadata);
  api::add_dashboard_routes(*api_router, dashboard_store);
  api::add_event_routes(*api_router, *engine);
  monitors::MonitorStore monitor_store(**metadata);
  api::EngineMonitorData monitor_data(*engine);
  monitors::SchedulerConfig scheduler_config;
  scheduler_config.interval_ms = int64_t{config.monitors.interval_seconds} * 1000;
  monitors::MonitorScheduler monitor_scheduler(monitor_store, monitor_data, query::now_ms,
                                               scheduler_config);
  monitors::ChannelStore channel_store(**metadata);
  monitors::DowntimeStore downtime_store(**metadata);
  monitors::Notifier notifier(channel_store, **metadata, notifier_config(config.notifications));
  const std::string base_url = !config.notifications.base_url.empty()
                                   ? config.notifications.base_url
                                   : "http://" + config.listen.to_string();
  // State changes become events; those that notify go to their channels.
  monitor_scheduler.set_listener(
      [&](const monitors::StoredMonitor& m, const monitors::Evaluation& evaluation) {
        const auto notes = monitors::notifications_for(m, evaluation, query::now_ms(), base_url);
        pipeline::EventBatch batch;
        for (const auto& n : notes) {
          const monitors::AlertEvent e = monitors::alert_event(n);
          std::vector<std::string_view> tags(e.tags.begin(), e.tags.end());
          batch.append({e.timestamp_ms, e.title, e.text, "monitor", "normal", e.alert_type, e.host,
                        e.service, e.env, e.aggregation_key, tags});
          if (!n.notify) continue;
          // A downtime keeps the monitor evaluated and its changes recorded, but quiet.
          auto silenced = downtime_store.silencing(m.monitor, n.group, n.at_ms / 1000);
          if (silenced && !silenced->empty()) {
            notifier.record_silenced(n, silenced->front());
            continue;
          }
          notifier.notify(n);
        }
        if (core::Status st = consumer.consume_events(std::move(batch)); !st.ok())
          core::log::warn("monitors", "state change events were not stored",
                          {{"error", st.to_string()}});
      });
  api::add_monitor_routes(*api_router,
                          {monitor_store, monitor_scheduler, notifier, downtime_store});
  api::add_integration_routes(*api_router, channel_store);
  synthetics::TestStore synthetic_tests(**metadata);
  synthetics::SyntheticsService synthetics_service(synthetic_tests, *engine, consumer,
                                                   query::now_ms);
  api::add_synthetics_routes(
      *api_router, {synthetic_tests, synthetics_service, monitor_store, monitor_scheduler});

  Running running;
  auto shutdown = [&](std::chrono::milliseconds grace) {
    synthetics_service.stop();
    monitor_scheduler.stop();
    notifier.stop();
    running.stop(grace);
    writer.stop();
    (*wal)->close();
    engine->stop();
  };
  intake::ReceiverContext context{config,      consumer,     metrics,
                                  *api_router, *otlp_router, *apm_router};
  for (const auto& registration : intake::registered_receivers()) {
    auto receiver = registration.factory(context);
    if (!receiver) continue;
    if (core::Status st = receiver->start(); !st.ok()) {
      shutdown(std::chrono::milliseconds(0));
      return fail(st, "cannot start receiver " + registration.name);
    }
    running.receivers.push_back(std::move(receiver));
  }
  // The web UI answers only what no API or intake route does.
  const std::filesystem::path ui_dir = api::resolve_ui_dir(config.ui.dir);
  api::add_ui_routes(*api_router, ui_dir);
  core::log::info("serve", "web ui", {{"dir", ui_dir.string()}});

  const std::tuple<const char*, const core::ListenAddress*, std::shared_ptr<net::Router>>
      listeners[] = {{"api", &config.listen, api_router},
                     {"otlp_http", &config.otlp_http_listen, otlp_router},
                     {"apm", &config.apm_listen, apm_router}};
  for (const auto& [name, address, router] : listeners) {
    // A receiver port is served only when enabled and some receiver routes to it.
    if (std::string_view(name) != "api" && (!address->enabled() || router->empty())) continue;
    auto server =
        std::make_unique<net::HttpServer>(http_config(config, name, *address), router, metrics);
    if (core::Status st = server->start(); !st.ok()) {
      shutdown(std::chrono::milliseconds(0));
      return fail(st, fmt::format("cannot serve HTTP ({})", name));
    }
    core::log::info("serve", "listening",
                    {{"name", name},
                     {"address", core::ListenAddress{address->host, server->port()}.to_string()},
                     {"ms", ms_since(started)}});
    running.servers.push_back(std::move(server));
  }

  sigset_t set = stop_signals();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  // Started with the stop signals blocked, as every thread must be for sigwait.
  notifier.start();
  monitor_scheduler.start();
  synthetics_service.start();
  int sig = 0;
  sigwait(&set, &sig);
  const auto stopping = Clock::now();
  core::log::info("serve", "stopping", {{"signal", sig == SIGTERM ? "SIGTERM" : "SIGINT"}});
  readiness.stopping = true;
  shutdown(std::chrono::seconds(config.shutdown_grace_seconds));
  core::log::info("serve", "stopped", {{"ms", ms_since(stopping)}});
  return 0;
}

}  // namespace heeler::server
