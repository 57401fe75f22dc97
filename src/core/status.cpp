#include "core/status.h"

namespace heeler::core {

std::string_view code_name(Code code) {
  switch (code) {
    case Code::ok:
      return "ok";
    case Code::invalid_argument:
      return "invalid_argument";
    case Code::not_found:
      return "not_found";
    case Code::payload_too_large:
      return "payload_too_large";
    case Code::unsupported_media:
      return "unsupported_media";
    case Code::config_invalid:
      return "config_invalid";
    case Code::unavailable:
      return "unavailable";
    case Code::io_error:
      return "io_error";
    case Code::engine_error:
      return "engine_error";
    case Code::internal:
      return "internal";
  }
  return "unknown";
}

std::string Status::to_string() const {
  if (ok()) return "ok";
  return fmt::format("{}: {}", code_name(code_), message_);
}

}  // namespace heeler::core
