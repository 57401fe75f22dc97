// The search syntax: any text parses to a tree or to an error that points inside the
// text, and the tree prints.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "query/search.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  heeler::query::ParsedSearch parsed = heeler::query::parse_search(input);
  if (!parsed.ok()) {
    if (parsed.error->position > input.size() || parsed.error->message.empty()) std::abort();
    return 0;
  }
  std::string printed = heeler::query::to_string(parsed.root.get());
  if (printed.empty()) std::abort();
  return 0;
}
