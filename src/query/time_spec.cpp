#include "query/time_spec.h"

#include <charconv>
#include <chrono>

#include "pipeline/log_processing.h"

namespace heeler::query {

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::optional<int64_t> parse_time_ms(std::string_view text, int64_t now) {
  while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
  while (!text.empty() && text.back() == ' ') text.remove_suffix(1);
  if (text.empty()) return std::nullopt;
  if (text.substr(0, 3) == "now") {
    text.remove_prefix(3);
    if (text.empty()) return now;
    if (text.front() != '-' && text.front() != '+') return std::nullopt;
    const int sign = text.front() == '-' ? -1 : 1;
    text.remove_prefix(1);
    int64_t n = 0;
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
    if (ec != std::errc() || n < 0 || n > 100'000'000) return std::nullopt;
    const std::string_view unit(ptr, static_cast<size_t>(text.data() + text.size() - ptr));
    int64_t unit_ms = 0;
    if (unit == "s")
      unit_ms = 1000;
    else if (unit == "m" || unit == "min")
      unit_ms = 60'000;
    else if (unit == "h")
      unit_ms = 3600'000;
    else if (unit == "d")
      unit_ms = 86400'000;
    else if (unit == "w")
      unit_ms = 7 * 86400'000LL;
    else if (unit == "mo")
      unit_ms = 30 * 86400'000LL;
    else
      return std::nullopt;
    return now + sign * n * unit_ms;
  }
  int64_t ns = 0;
  if (!pipeline::parse_log_timestamp(text, ns)) return std::nullopt;
  return ns / 1'000'000;
}

}  // namespace heeler::query
