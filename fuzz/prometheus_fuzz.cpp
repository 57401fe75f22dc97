// Prometheus remote-write bodies: any bytes are parsed as a WriteRequest and converted
// twice (the second pass sees every counter and histogram again) without crashing, and
// whatever is appended is internally consistent. An input starting with 'S' has the
// rest uncompressed as snappy first, as the receiver does.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "intake/prometheus/decode.h"

namespace prom = heeler::intake::prometheus;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  std::string uncompressed;
  if (!input.empty() && input.front() == 'S') {
    auto raw = prom::uncompress_snappy(input.substr(1), 1 << 20);
    if (!raw.ok()) return 0;
    uncompressed = std::move(raw).value();
    input = uncompressed;
  }
  prom::WriteRequest request;
  if (!prom::parse_write_request(input, request).ok()) return 0;

  constexpr int64_t kNow = 1'700'000'000'000'000'000;
  heeler::pipeline::CumulativeToDelta deltas(kNow - 3'600'000'000'000, 4096);
  prom::MetadataCache metadata(64);
  metadata.remember(request);
  prom::ConvertContext context{&deltas, kNow - 3'600'000'000'000, &metadata, kNow};
  for (int pass = 0; pass < 2; ++pass) {
    heeler::pipeline::MetricBatch batch;
    prom::WriteResult result;
    prom::convert_write_request(request, context, batch, result);
    if (batch.size() != result.points) std::abort();
    if (!batch.points().validate().ok() || !batch.series().validate().ok()) std::abort();
    if (result.errors.size() > prom::WriteResult::kMaxErrors) std::abort();
  }
  return 0;
}
