#include "intake/datadog_apm/datadog_apm.h"

#include <array>
#include <set>
#include <string>
#include <string_view>

#include "intake/datadog_apm/apm_decode.h"

namespace heeler::intake {
namespace {

using net::Request;
using net::Response;

constexpr std::string_view kHostHeader = "Datadog-Hostname";

constexpr std::array<std::string_view, 13> kTelemetryTypes = {"app-started",
                                                              "app-dependencies-loaded",
                                                              "app-integrations-change",
                                                              "app-heartbeat",
                                                              "app-extended-heartbeat",
                                                              "app-closing",
                                                              "app-client-configuration-change",
                                                              "app-product-change",
                                                              "generate-metrics",
                                                              "distributions",
                                                              "sketches",
                                                              "logs",
                                                              "message-batch"};

class DatadogApm final : public Receiver {
 public:
  core::Status start() override { return {}; }
  void stop() override {}
};

struct Counters {
  core::Counter* payloads;
  core::Counter* decode_errors;
};

Counters endpoint_counters(core::Metrics& metrics, const std::string& endpoint) {
  return {&metrics.counter("heeler_apm_payloads_total", "Payloads received from Datadog tracers",
                           {{"endpoint", endpoint}}),
          &metrics.counter("heeler_apm_decode_errors_total",
                           "Tracer payloads rejected as malformed", {{"endpoint", endpoint}})};
}

std::string info_body(const core::Config& config) {
  return fmt::format(
      R"({{"version":"heeler-{}","git_commit":"","endpoints":["/v0.4/traces","/v0.5/traces","/v0.6/stats",)"
      R"("/v0.7/config","/telemetry/proxy/","/dogstatsd/v2/proxy"],"feature_flags":[],)"
      R"("client_drop_p0s":false,"span_meta_structs":false,"long_running_spans":false,)"
      R"("evp_proxy_allowed_headers":["Content-Type","Accept-Encoding","Content-Encoding","User-Agent",)"
      R"("DD-CI-PROVIDER-NAME"],"config":{{"statsd_port":{}}},"peer_tags":[]}})",
      HEELER_VERSION, config.dogstatsd_listen.port);
}

void add_trace_route(ReceiverContext& ctx, TraceFormat format, const std::string& path,
                     core::Counter& spans_total) {
  Counters counters = endpoint_counters(ctx.metrics, path);
  pipeline::Consumer* consumer = &ctx.consumer;
  net::Handler handler = [format, counters, consumer, &spans_total](Request& request) {
    counters.payloads->inc();
    pipeline::SpanBatch batch;
    std::set<std::string> seen{"service:,env:"};
    TraceDecodeOptions options;
    options.host = request.header(kHostHeader).value_or("");
    const SpanSink sink = [&](const pipeline::SpanRecord& record) {
      batch.append(record);
      seen.insert(fmt::format("service:{},env:{}", record.service, record.env));
    };
    core::Status status = decode_traces(format, request.body, options, sink);
    if (!status.ok()) {
      counters.decode_errors->inc();
      return Response::error(status);
    }
    const size_t spans = batch.size();
    if (spans > 0) {
      status = consumer->consume_spans(std::move(batch));
      if (!status.ok()) return consume_failed(status);
      spans_total.inc(spans);
    }
    std::string body = R"({"rate_by_service":{)";
    bool first = true;
    for (const std::string& key : seen) {
      body += fmt::format(R"({}"{}":1)", first ? "" : ",", net::json_escape(key));
      first = false;
    }
    body += "}}";
    return Response::json(200, std::move(body));
  };
  ctx.apm_router.add("PUT", path, handler);
  ctx.apm_router.add("POST", path, handler);
}

void add_stats_route(ReceiverContext& ctx) {
  Counters counters = endpoint_counters(ctx.metrics, "/v0.6/stats");
  pipeline::Consumer* consumer = &ctx.consumer;
  ctx.apm_router.add("PUT", "/v0.6/stats", [counters, consumer](Request& request) {
    counters.payloads->inc();
    pipeline::MetricBatch batch;
    const MetricSink sink = [&](const pipeline::MetricPoint& point) { batch.append(point); };
    core::Status status =
        decode_stats(request.body, request.header(kHostHeader).value_or(""), sink);
    if (!status.ok()) {
      counters.decode_errors->inc();
      return Response::error(status);
    }
    if (batch.size() > 0) {
      status = consumer->consume_metrics(std::move(batch));
      if (!status.ok()) return consume_failed(status);
    }
    return Response::json(200, "{}");
  });
}

void add_telemetry_route(ReceiverContext& ctx) {
  std::array<core::Counter*, kTelemetryTypes.size() + 1> counters{};
  for (size_t i = 0; i <= kTelemetryTypes.size(); ++i)
    counters[i] = &ctx.metrics.counter(
        "heeler_apm_telemetry_requests_total",
        "Tracer telemetry requests acknowledged (not stored)",
        {{"request_type", std::string(i < kTelemetryTypes.size() ? kTelemetryTypes[i] : "other")}});
  ctx.apm_router.add("POST", "/telemetry/proxy/api/v2/apmtelemetry", [counters](Request& request) {
    const std::string_view type = request.header("DD-Telemetry-Request-Type").value_or("");
    size_t i = 0;
    while (i < kTelemetryTypes.size() && kTelemetryTypes[i] != type) ++i;
    counters[i]->inc();
    return Response::json(202, "{}");
  });
}

}  // namespace

std::unique_ptr<Receiver> make_datadog_apm_receiver(ReceiverContext& ctx) {
  if (!ctx.config.apm_listen.enabled()) return nullptr;
  core::Counter& spans_total =
      ctx.metrics.counter("heeler_apm_spans_total", "Spans received from Datadog tracers");
  const std::string info = info_body(ctx.config);
  ctx.apm_router.add("GET", "/info", [info](Request&) { return Response::json(200, info); });
  add_trace_route(ctx, TraceFormat::v04, "/v0.4/traces", spans_total);
  add_trace_route(ctx, TraceFormat::v05, "/v0.5/traces", spans_total);
  add_stats_route(ctx);
  ctx.apm_router.add("POST", "/v0.7/config", [](Request&) { return Response::json(200, "{}"); });
  add_telemetry_route(ctx);
  return std::make_unique<DatadogApm>();
}

namespace {
const bool registered = register_receiver("datadog_apm", make_datadog_apm_receiver);
}  // namespace

}  // namespace heeler::intake
