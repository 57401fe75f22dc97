// Status and Result: how every part of Heeler reports an expected failure.
//
// Expected failures are return values, never exceptions. A Status carries a stable
// code (tests assert the code, not the wording) and a human message that says what
// was wrong and where. net/http_status.h maps codes to HTTP statuses in one place.
#pragma once

#include <fmt/format.h>

#include <cassert>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace heeler::core {

enum class Code {
  ok,
  invalid_argument,   // the caller sent something malformed (→ 400)
  not_found,          // no such route, object or file (→ 404)
  payload_too_large,  // over a configured size limit (→ 413)
  unsupported_media,  // a content type or encoding we do not take (→ 415)
  config_invalid,     // a configuration key has a bad value
  unavailable,        // retry later: overloaded, starting, stopping (→ 503)
  io_error,           // the file system or a socket failed
  engine_error,       // the store rejected a query or insert
  internal,           // a bug: an invariant did not hold
};

std::string_view code_name(Code code);

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(Code code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status ok_status() { return {}; }

  bool ok() const { return code_ == Code::ok; }
  Code code() const { return code_; }
  const std::string& message() const { return message_; }
  // "code_name: message", for logs and error bodies.
  std::string to_string() const;

 private:
  Code code_ = Code::ok;
  std::string message_;
};

template <typename... Args>
Status error(Code code, fmt::format_string<Args...> format, Args&&... args) {
  return Status(code, fmt::format(format, std::forward<Args>(args)...));
}

// A value or the Status that explains why there is none.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : state_(std::move(value)) {}        // NOLINT: implicit by design
  Result(Status status) : state_(std::move(status)) {  // NOLINT
    assert(!std::get<Status>(state_).ok() && "a Result built from a Status must hold an error");
  }

  bool ok() const { return std::holds_alternative<T>(state_); }
  explicit operator bool() const { return ok(); }

  const Status& status() const {
    static const Status kOk;
    return ok() ? kOk : std::get<Status>(state_);
  }
  T& value() & { return std::get<T>(state_); }
  const T& value() const& { return std::get<T>(state_); }
  T&& value() && { return std::get<T>(std::move(state_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  std::variant<T, Status> state_;
};

}  // namespace heeler::core

// Returns early from the enclosing function when `expr` yields a failed Status.
#define HEELER_RETURN_IF_ERROR(expr)     \
  do {                                   \
    ::heeler::core::Status _st = (expr); \
    if (!_st.ok()) return _st;           \
  } while (0)
