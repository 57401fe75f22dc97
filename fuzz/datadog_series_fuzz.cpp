// Datadog series, event and check-run bodies: any bytes are decoded by the v1 and v2
// series decoders (v2 as JSON and as the Agent's protobuf), the event decoder and the
// check-run decoder without crashing, and whatever is appended is internally
// consistent.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "intake/datadog_http/decode.h"

namespace {

template <typename Decode>
void metrics(std::string_view input, Decode decode) {
  heeler::pipeline::MetricBatch batch;
  heeler::intake::DropReport report;
  const heeler::core::Status status = decode(input, 1'700'000'000'000'000'000, batch, report);
  if (batch.size() != (status.ok() ? report.items : 0)) std::abort();
  if (!batch.points().validate().ok() || !batch.series().validate().ok()) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  metrics(input, heeler::intake::decode_series_v1);
  metrics(input, heeler::intake::decode_series_v2);
  metrics(input, heeler::intake::decode_series_v2_protobuf);

  heeler::pipeline::EventBatch events;
  heeler::intake::DropReport report;
  std::string echo;
  if (heeler::intake::decode_event(input, 1'700'000'000'000'000'000, events, report, echo).ok() &&
      events.size() != report.items)
    std::abort();
  heeler::pipeline::EventBatch checks;
  heeler::intake::DropReport check_report;
  if (heeler::intake::decode_check_runs(input, 1'700'000'000'000'000'000, checks, check_report)
          .ok() &&
      checks.size() != check_report.items)
    std::abort();
  if (!events.columns().validate().ok() || !checks.columns().validate().ok()) std::abort();
  return 0;
}
