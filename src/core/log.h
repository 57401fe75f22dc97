// Structured logs to stderr, one event a line in logfmt:
//   ts=2026-11-22T03:55:00.123Z level=info component=http msg="request" method=GET status=200
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace heeler::core::log {

enum class Level { debug, info, warn, error };

using Fields = std::vector<std::pair<std::string_view, std::string>>;

// Parses "debug", "info", "warn", "error"; false when the name is none of them.
bool parse_level(std::string_view name, Level& out);
void set_level(Level level);
bool enabled(Level level);

void write(Level level, std::string_view component, std::string_view message,
           const Fields& fields = {});

inline void debug(std::string_view c, std::string_view m, const Fields& f = {}) {
  if (enabled(Level::debug)) write(Level::debug, c, m, f);
}
inline void info(std::string_view c, std::string_view m, const Fields& f = {}) {
  write(Level::info, c, m, f);
}
inline void warn(std::string_view c, std::string_view m, const Fields& f = {}) {
  write(Level::warn, c, m, f);
}
inline void error(std::string_view c, std::string_view m, const Fields& f = {}) {
  write(Level::error, c, m, f);
}

// Formats one line without writing it (for tests).
std::string format_line(Level level, std::string_view component, std::string_view message,
                        const Fields& fields);

}  // namespace heeler::core::log
