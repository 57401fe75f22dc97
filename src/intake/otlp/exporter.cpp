#include "intake/otlp/exporter.h"

#include <chrono>
#include <string>
#include <utility>

namespace heeler::intake::otlp {

std::string_view signal_name(Signal signal) {
  switch (signal) {
    case Signal::traces:
      return "traces";
    case Signal::metrics:
      return "metrics";
    case Signal::logs:
      return "logs";
  }
  return "unknown";
}

int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Exporter::Exporter(pipeline::Consumer& consumer, core::Metrics& metrics, int64_t created_ns)
    : consumer_(consumer), metrics_(metrics), deltas_(created_ns) {}

core::Status Exporter::export_traces(const collector::trace::v1::ExportTraceServiceRequest& request,
                                     std::string_view transport, ExportResult& result) {
  pipeline::SpanBatch batch;
  convert_traces(request, now_ns(), batch, result);
  count(Signal::traces, transport, result);
  if (batch.size() == 0) return {};
  return consumer_.consume_spans(std::move(batch));
}

core::Status Exporter::export_metrics(
    const collector::metrics::v1::ExportMetricsServiceRequest& request, std::string_view transport,
    ExportResult& result) {
  pipeline::MetricBatch batch;
  MetricContext context;
  context.deltas = &deltas_;
  context.now_ns = now_ns();
  convert_metrics(request, context, batch, result);
  count(Signal::metrics, transport, result);
  if (batch.size() == 0) return {};
  return consumer_.consume_metrics(std::move(batch));
}

core::Status Exporter::export_logs(const collector::logs::v1::ExportLogsServiceRequest& request,
                                   std::string_view transport, ExportResult& result) {
  pipeline::LogBatch batch;
  convert_logs(request, now_ns(), batch, result);
  count(Signal::logs, transport, result);
  if (batch.size() == 0) return {};
  return consumer_.consume_logs(std::move(batch));
}

void Exporter::count(Signal signal, std::string_view transport, const ExportResult& result) {
  const core::Labels labels = {{"signal", std::string(signal_name(signal))},
                               {"transport", std::string(transport)}};
  metrics_.counter("heeler_otlp_requests_total", "OTLP export requests received", labels).inc();
  if (result.accepted > 0)
    metrics_
        .counter("heeler_otlp_items_total", "OTLP spans, log records and data points accepted",
                 labels)
        .inc(result.accepted);
  if (result.rejected > 0)
    metrics_
        .counter("heeler_otlp_rejected_total",
                 "OTLP spans, log records and data points rejected (partial success)", labels)
        .inc(result.rejected);
}

void Exporter::count_malformed(Signal signal, std::string_view transport) {
  metrics_
      .counter(
          "heeler_otlp_malformed_requests_total",
          "OTLP export requests refused before decoding (malformed body, content type)",
          {{"signal", std::string(signal_name(signal))}, {"transport", std::string(transport)}})
      .inc();
}

}  // namespace heeler::intake::otlp
