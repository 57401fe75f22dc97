// RowBinaryWithNamesAndTypes results: any bytes give a QueryResult or an engine_error,
// never a crash, a hang or unbounded memory.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "store/rowbinary.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  auto result = heeler::store::rowbinary::decode(bytes);
  if (result.ok()) {
    size_t total = 0;
    for (const auto& row : result->rows()) {
      for (const auto& value : row) {
        total += value.as_string().size();
        (void)value.as_double();
      }
    }
    (void)result->column_index("c");
    (void)total;
  }
  return 0;
}
