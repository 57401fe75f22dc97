// Datadog tracer payloads: any bytes decode to spans or to invalid_argument /
// payload_too_large, and a failed payload hands nothing on. The first byte picks
// the decoder: v0.4 traces, v0.5 traces or v0.6 stats; the rest is the body.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "intake/datadog_apm/apm_decode.h"

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace heeler;
  if (size == 0) return 0;
  const uint8_t selector = data[0];
  const std::string_view body(reinterpret_cast<const char*>(data + 1), size - 1);
  if (selector % 3 == 2) {
    pipeline::MetricBatch batch;
    core::Status status =
        intake::decode_stats(body, "fuzz-host", [&](const pipeline::MetricPoint& p) {
          check(p.metric.starts_with("trace."));
          batch.append(p);
        });
    check(status.ok() || status.code() == core::Code::invalid_argument);
    check(status.ok() || batch.size() == 0);
    return 0;
  }
  intake::TraceDecodeOptions options;
  options.max_spans = 1000;
  options.host = "fuzz-host";
  pipeline::SpanBatch batch;
  size_t spans = 0;
  core::Status status =
      intake::decode_traces(selector % 3 == 0 ? intake::TraceFormat::v04 : intake::TraceFormat::v05,
                            body, options, [&](const pipeline::SpanRecord& r) {
                              check(r.attributes.size() + r.metrics.size() <= body.size());
                              check(r.error == (r.status_code == 2));
                              batch.append(r);
                              ++spans;
                            });
  check(status.ok() || status.code() == core::Code::invalid_argument ||
        status.code() == core::Code::payload_too_large);
  check(spans <= options.max_spans);
  if (status.ok()) check(batch.size() == spans);
  return 0;
}
