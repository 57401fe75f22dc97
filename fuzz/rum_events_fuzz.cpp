// Browser RUM intake bodies: any bytes go through the RUM event decoder (NDJSON, an
// array or one object, flattened into attribute maps) without crashing; every kept
// event is one row and the batch is internally consistent.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "intake/datadog_http/decode.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  constexpr int64_t kNow = 1'700'000'000'000'000'000;

  heeler::pipeline::RumBatch batch;
  heeler::intake::DropReport report;
  const heeler::core::Status status = heeler::intake::decode_rum(input, kNow, batch, report);
  if (status.ok() && batch.size() != report.items) std::abort();
  if (!status.ok() && batch.size() != 0) std::abort();
  if (!batch.columns().validate().ok()) std::abort();
  return 0;
}
