// What OTLP/HTTP and OTLP/gRPC share once a request is parsed: convert it, hand the
// batch to the pipeline, count it. One Exporter per server, shared by both
// transports (it holds the cumulative-to-delta state of every metric series).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/metrics.h"
#include "core/status.h"
#include "intake/otlp/decode.h"
#include "pipeline/consumer.h"
#include "pipeline/cumulative.h"

namespace heeler::intake::otlp {

enum class Signal { traces, metrics, logs };

class Exporter {
 public:
  Exporter(pipeline::Consumer& consumer, core::Metrics& metrics, int64_t created_ns);

  // `transport` labels the counters ("http", "grpc"). Fills `result`; the Status is
  // the consumer's (unavailable when the pipeline is behind).
  core::Status export_traces(const collector::trace::v1::ExportTraceServiceRequest& request,
                             std::string_view transport, ExportResult& result);
  core::Status export_metrics(const collector::metrics::v1::ExportMetricsServiceRequest& request,
                              std::string_view transport, ExportResult& result);
  core::Status export_logs(const collector::logs::v1::ExportLogsServiceRequest& request,
                           std::string_view transport, ExportResult& result);

  // Counts a request refused before conversion (malformed body, wrong content type).
  void count_malformed(Signal signal, std::string_view transport);

 private:
  void count(Signal signal, std::string_view transport, const ExportResult& result);

  pipeline::Consumer& consumer_;
  core::Metrics& metrics_;
  pipeline::CumulativeToDelta deltas_;
};

std::string_view signal_name(Signal signal);
int64_t now_ns();

}  // namespace heeler::intake::otlp
