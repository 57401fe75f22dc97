// Times as API callers write them: "now", "now-15m" (s, m, h, d, w), epoch seconds or
// milliseconds (told apart by magnitude), or RFC 3339 ("2026-11-22T10:00:00Z").
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace heeler::query {

std::optional<int64_t> parse_time_ms(std::string_view text, int64_t now_ms);
int64_t now_ms();

}  // namespace heeler::query
