// OTLP decoding (private to intake/otlp; the receiver, tests, fuzz targets and the
// benchmark use it). A request body — protobuf, or OTLP JSON (hex trace/span ids,
// enums as numbers, 64-bit integers as strings or numbers) — is parsed into the
// Export*ServiceRequest message, then converted into the pipeline's batches. gRPC
// hands over parsed messages, so the converters are public too.
//
// Mapping (what Datadog users expect of OTel data):
//  - unified service tags from resource attributes: service.name → service,
//    deployment.environment.name / deployment.environment → env, service.version →
//    version, host.name (else host.id) → host; all resource attributes are also kept;
//  - attribute values become text: strings as they are, numbers and booleans in their
//    JSON spelling, arrays and maps as JSON, bytes as base64;
//  - spans: resource as Datadog names it — the span's resource.name attribute; else
//    "<method> <http.route>" for server spans (the method alone without a route or for
//    clients); else the database query (db.query.text / db.statement, or operation and
//    collection); "<operation> <destination>" for messaging; "<rpc.service>/<rpc.method>";
//    else the span name. Type: web, http, sql (or redis, memcached, mongodb …, or db),
//    queue, custom. error = status ERROR; http.response.status_code is also stored as
//    http.status_code; events and links as JSON text;
//  - logs: body string → message (JSON bodies are parsed by the log processor), map
//    bodies flattened into attributes; severity number/text → Datadog status;
//  - metrics: gauge → gauge; monotonic sum → count (cumulative turned into deltas);
//    non-monotonic sum → gauge; histogram and exponential histogram → distribution
//    points (a representative value per bucket, weighted by its count) plus
//    <name>.count and <name>.sum counts; summary → <name>.count, <name>.sum counts
//    and <name>.quantile gauges tagged quantile:<q>. Tags: point attributes plus the
//    unified service tags of the resource.
// Items that cannot be stored (a span without ids, a point without a value) are
// rejected and counted in `ExportResult`, as OTLP's partial success expects.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/status.h"
#include "opentelemetry/proto/collector/logs/v1/logs_service.pb.h"
#include "opentelemetry/proto/collector/metrics/v1/metrics_service.pb.h"
#include "opentelemetry/proto/collector/trace/v1/trace_service.pb.h"
#include "pipeline/cumulative.h"
#include "pipeline/signals.h"

namespace heeler::intake::otlp {

namespace collector = opentelemetry::proto::collector;

enum class Encoding { protobuf, json };

// What a request kept and rejected; `error_message` explains the first rejections.
struct ExportResult {
  uint64_t accepted = 0;
  uint64_t rejected = 0;
  uint64_t clamped = 0;  // accepted with an absurd timestamp replaced by the receive time
  std::string error_message;
  uint32_t reasons_kept = 0;             // reasons in error_message
  void reject(std::string_view reason);  // counts one and keeps the first few reasons
};

// Body → message. invalid_argument naming the problem (truncated protobuf, JSON
// syntax error with its offset, a field of the wrong type, bad hex id).
core::Status parse_request(std::string_view body, Encoding encoding,
                           google::protobuf::Message& request);

struct MetricContext {
  pipeline::CumulativeToDelta* deltas = nullptr;  // required for cumulative sums
  int64_t now_ns = 0;  // timestamps before 1970 or a day past now are replaced by it
};

void convert_traces(const collector::trace::v1::ExportTraceServiceRequest& request, int64_t now_ns,
                    pipeline::SpanBatch& batch, ExportResult& result);
void convert_logs(const collector::logs::v1::ExportLogsServiceRequest& request, int64_t now_ns,
                  pipeline::LogBatch& batch, ExportResult& result);
void convert_metrics(const collector::metrics::v1::ExportMetricsServiceRequest& request,
                     const MetricContext& context, pipeline::MetricBatch& batch,
                     ExportResult& result);

}  // namespace heeler::intake::otlp
