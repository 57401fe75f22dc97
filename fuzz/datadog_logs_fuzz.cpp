// Datadog logs intake bodies: any bytes go through the logs body parser (JSON array,
// one object or NDJSON) and the shared log processor, without crashing, and every
// appended batch is internally consistent. The processor also sees the input as a
// bare message and as a ddtags string.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "intake/datadog_http/decode.h"
#include "pipeline/log_processing.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  constexpr int64_t kNow = 1'700'000'000'000'000'000;

  heeler::pipeline::LogBatch batch;
  heeler::intake::DropReport report;
  const heeler::core::Status status =
      heeler::intake::decode_logs(input, kNow, batch, report, "fuzz");
  if (status.ok() && batch.size() != report.items) std::abort();
  if (!status.ok() && batch.size() != 0) std::abort();
  if (!batch.columns().validate().ok()) std::abort();

  heeler::pipeline::LogProcessor processor(kNow);
  heeler::pipeline::LogBatch single;
  processor.begin();
  processor.add_message(input);
  processor.add_ddtags(input);
  processor.finish(single);
  if (single.size() != 1 || !single.columns().validate().ok()) std::abort();

  heeler::pipeline::TraceId trace{};
  heeler::pipeline::SpanId span{};
  int64_t ns = 0;
  (void)heeler::pipeline::parse_log_trace_id(input, trace);
  (void)heeler::pipeline::parse_log_span_id(input, span);
  (void)heeler::pipeline::parse_log_timestamp(input, ns);
  (void)heeler::pipeline::datadog_status(input);
  return 0;
}
