// WAL batch payloads: any bytes give a ColumnBatch or invalid_argument, never a crash, a
// hang or unbounded memory; a batch that decodes encodes back to the same bytes and
// decodes again to an equal batch.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "pipeline/wal.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  auto batch = heeler::pipeline::decode_batch(bytes);
  if (!batch.ok()) return 0;
  if (!batch->validate().ok()) std::abort();
  std::string again = heeler::pipeline::encode_batch(*batch);
  if (again != bytes) std::abort();
  auto round_trip = heeler::pipeline::decode_batch(again);
  if (!round_trip.ok() || round_trip->rows() != batch->rows() ||
      round_trip->columns().size() != batch->columns().size() ||
      heeler::pipeline::encode_batch(*round_trip) != again)
    std::abort();
  return 0;
}
