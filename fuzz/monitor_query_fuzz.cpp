// The monitor query language: any text parses to a query or to an error that points
// inside the text; a parsed query names its groups and, as a monitor of its kind,
// passes or fails the monitor checks without crashing.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "monitors/monitor.h"
#include "monitors/monitor_query.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  auto parsed = heeler::monitors::parse_monitor_query(input);
  if (!parsed.ok()) {
    if (parsed.error->position > input.size() || parsed.error->message.empty()) std::abort();
    return 0;
  }
  (void)parsed.query->group_by();
  (void)parsed.query->composite_ids();
  for (const char* type : {"metric alert", "log alert", "trace-analytics alert", "composite"})
    (void)heeler::monitors::parse_monitor(
        nlohmann::json{{"type", type}, {"query", std::string(input)}});
  return 0;
}
