// OTLP request bodies: any bytes parse into an Export*ServiceRequest or are refused
// with invalid_argument, and whatever parses converts into consistent batches. The
// first byte picks the signal (value % 3: traces, logs, metrics) and the encoding
// (value / 3 % 2: protobuf, JSON); the rest is the body. A JSON body that parses must
// also survive a protobuf round trip, and every item is either accepted or rejected.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "intake/otlp/decode.h"

namespace {

using namespace heeler;
using namespace heeler::intake::otlp;
namespace metrics_v1 = opentelemetry::proto::metrics::v1;

constexpr int64_t kNow = 1'795'330'800'000'000'000;

void check(bool ok) {
  if (!ok) std::abort();
}

template <typename Request>
bool parse(std::string_view body, Encoding encoding, Request& request) {
  const core::Status status = parse_request(body, encoding, request);
  check(status.ok() || status.code() == core::Code::invalid_argument);
  if (status.ok() && encoding == Encoding::json) {
    Request copy;
    check(copy.ParseFromString(request.SerializeAsString()));
  }
  return status.ok();
}

uint64_t points(const collector::metrics::v1::ExportMetricsServiceRequest& request) {
  uint64_t n = 0;
  for (const auto& rm : request.resource_metrics()) {
    for (const auto& sm : rm.scope_metrics()) {
      for (const metrics_v1::Metric& m : sm.metrics()) {
        switch (m.data_case()) {
          case metrics_v1::Metric::kGauge:
            n += m.gauge().data_points_size();
            break;
          case metrics_v1::Metric::kSum:
            n += m.sum().data_points_size();
            break;
          case metrics_v1::Metric::kHistogram:
            n += m.histogram().data_points_size();
            break;
          case metrics_v1::Metric::kExponentialHistogram:
            n += m.exponential_histogram().data_points_size();
            break;
          case metrics_v1::Metric::kSummary:
            n += m.summary().data_points_size();
            break;
          case metrics_v1::Metric::DATA_NOT_SET:
            break;
        }
      }
    }
  }
  return n;
}

void traces(std::string_view body, Encoding encoding) {
  collector::trace::v1::ExportTraceServiceRequest request;
  if (!parse(body, encoding, request)) return;
  pipeline::SpanBatch batch;
  ExportResult result;
  convert_traces(request, kNow, batch, result);
  check(batch.size() == result.accepted);
  uint64_t spans = 0;
  for (const auto& rs : request.resource_spans())
    for (const auto& ss : rs.scope_spans()) spans += ss.spans_size();
  check(result.accepted + result.rejected == spans);
  check(batch.columns().validate().ok());
}

void logs(std::string_view body, Encoding encoding) {
  collector::logs::v1::ExportLogsServiceRequest request;
  if (!parse(body, encoding, request)) return;
  pipeline::LogBatch batch;
  ExportResult result;
  convert_logs(request, kNow, batch, result);
  check(batch.size() == result.accepted);
  check(result.rejected == 0);
  check(batch.columns().validate().ok());
}

void metrics(std::string_view body, Encoding encoding) {
  collector::metrics::v1::ExportMetricsServiceRequest request;
  if (!parse(body, encoding, request)) return;
  pipeline::CumulativeToDelta deltas(kNow - 3'600'000'000'000, 64);
  MetricContext context{&deltas, kNow};
  pipeline::MetricBatch batch;
  ExportResult result;
  convert_metrics(request, context, batch, result);
  check(result.accepted + result.rejected == points(request));
  // Again with the cumulative state of the first pass.
  ExportResult again;
  convert_metrics(request, context, batch, again);
  check(again.accepted == result.accepted && again.rejected == result.rejected);
  check(batch.points().validate().ok());
  check(batch.series().validate().ok());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string_view body(reinterpret_cast<const char*>(data + 1), size - 1);
  const Encoding encoding = data[0] / 3 % 2 == 0 ? Encoding::protobuf : Encoding::json;
  switch (data[0] % 3) {
    case 0:
      traces(body, encoding);
      break;
    case 1:
      logs(body, encoding);
      break;
    default:
      metrics(body, encoding);
      break;
  }
  return 0;
}
