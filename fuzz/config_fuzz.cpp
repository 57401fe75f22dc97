// Configuration files and HEELER_* values: any bytes give a Config or a Status.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  heeler::core::Config config;
  (void)heeler::core::apply_toml(config, text, "fuzz.toml");
  (void)config.validate();
  heeler::core::Config env_config;
  (void)heeler::core::apply_environment(
      env_config,
      {"HEELER_LISTEN=" + std::string(text), "HEELER_HTTP_MAX_BODY_BYTES=" + std::string(text)});
  (void)heeler::core::parse_byte_size(text);
  (void)heeler::core::parse_listen_address(text);
  return 0;
}
