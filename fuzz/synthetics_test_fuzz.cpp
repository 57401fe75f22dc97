// Synthetic test definitions: any bytes as a test body parse to a test or an error;
// any text as a JSONPath selects or is refused; variables fill without crashing.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "synthetics/api_test.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  nlohmann::json body = nlohmann::json::parse(input, nullptr, false);
  if (!body.is_discarded()) {
    auto test = heeler::synthetics::parse_api_test(body);
    if (!test.ok() && test.status().message().empty()) std::abort();
    if (test.ok())
      for (const auto& step : test->steps)
        (void)heeler::synthetics::request_of(step, *test, test->variables);
  }
  static const nlohmann::json doc =
      nlohmann::json::parse(R"({"a": [{"b": 1}, {"b": [2, 3]}], "c d": {"e": null}})");
  (void)heeler::synthetics::json_path(doc, input);
  (void)heeler::synthetics::fill_variables(input, {{"A", "x"}, {"TOKEN", "{{ A }}"}});
  return 0;
}
