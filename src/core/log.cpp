#include "core/log.h"

#include <fmt/chrono.h>
#include <fmt/format.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <mutex>

namespace heeler::core::log {
namespace {

std::atomic<Level> g_level{Level::info};
std::mutex g_write_mu;

std::string_view level_name(Level level) {
  switch (level) {
    case Level::debug:
      return "debug";
    case Level::info:
      return "info";
    case Level::warn:
      return "warn";
    case Level::error:
      return "error";
  }
  return "info";
}

bool needs_quotes(std::string_view v) {
  if (v.empty()) return true;
  for (char c : v) {
    if (c == ' ' || c == '"' || c == '=' || c == '\\' || static_cast<unsigned char>(c) < 0x20)
      return true;
  }
  return false;
}

void append_value(std::string& out, std::string_view v) {
  if (!needs_quotes(v)) {
    out += v;
    return;
  }
  out += '"';
  for (char c : v) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20)
          out += fmt::format("\\x{:02x}", c);
        else
          out += c;
    }
  }
  out += '"';
}

}  // namespace

bool parse_level(std::string_view name, Level& out) {
  if (name == "debug")
    out = Level::debug;
  else if (name == "info")
    out = Level::info;
  else if (name == "warn" || name == "warning")
    out = Level::warn;
  else if (name == "error")
    out = Level::error;
  else
    return false;
  return true;
}

void set_level(Level level) {
  g_level.store(level);
}
bool enabled(Level level) {
  return level >= g_level.load(std::memory_order_relaxed);
}

std::string format_line(Level level, std::string_view component, std::string_view message,
                        const Fields& fields) {
  auto now = std::chrono::system_clock::now();
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()) % 1000;
  std::string out = fmt::format("ts={:%Y-%m-%dT%H:%M:%S}.{:03d}Z level={} component=",
                                std::chrono::floor<std::chrono::seconds>(now),
                                static_cast<int>(ms.count()), level_name(level));
  append_value(out, component);
  out += " msg=";
  append_value(out, message);
  for (const auto& [k, v] : fields) {
    out += ' ';
    out += k;
    out += '=';
    append_value(out, v);
  }
  out += '\n';
  return out;
}

void write(Level level, std::string_view component, std::string_view message,
           const Fields& fields) {
  if (!enabled(level)) return;
  std::string line = format_line(level, component, message, fields);
  std::lock_guard lock(g_write_mu);
  std::fwrite(line.data(), 1, line.size(), stderr);
}

}  // namespace heeler::core::log
