// DogStatsD line parser (private to the dogstatsd receiver, shared with its tests,
// fuzz target and benchmark). Every field is a view into the caller's buffer.
//
//   name:value[:value…]|type[|@rate][|#tag,tag:v][|c:container][|T<unix seconds>]
//   _e{<title bytes>,<text
//   bytes>}:title|text[|d:ts][|h:host][|k:key][|p:prio][|s:src][|t:type][|#tags]
//   _sc|name|status[|d:ts][|h:host][|#tags][|m:message]
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace heeler::intake {

enum class StatsdType : uint8_t { gauge, count, histogram, distribution, set, timing };

enum class StatsdError : uint8_t {
  none,
  line_too_long,
  invalid_utf8,
  empty_name,
  missing_value,
  missing_type,
  unknown_type,
  bad_value,
  not_finite,
  bad_sample_rate,
  bad_timestamp,
  bad_tags,
  bad_event,
  bad_service_check,
};
inline constexpr size_t kStatsdErrorCount = 14;
std::string_view statsd_error_name(StatsdError error);

inline constexpr size_t kMaxLineBytes = 64 * 1024;
inline constexpr size_t kMaxTagBytes = 4096;
inline constexpr size_t kMaxTags = 256;

struct StatsdMetric {
  std::string_view name;
  std::string_view values;  // one value, or several joined by ':' (never for sets)
  StatsdType type = StatsdType::gauge;
  bool delta = false;  // a gauge value with a leading '+' or '-'
  double sample_rate = 1;
  std::string_view tags;       // comma-separated, without the '#'
  std::string_view container;  // the c: field
  int64_t timestamp_s = 0;     // the T field; 0 when absent
};

struct StatsdEvent {
  std::string_view title, text;  // still escaped: "\\n" stands for a newline
  int64_t timestamp_s = 0;
  std::string_view host, aggregation_key, priority, source, alert_type, tags;
};

struct StatsdServiceCheck {
  std::string_view name;
  int status = 0;  // 0 ok, 1 warning, 2 critical, 3 unknown
  int64_t timestamp_s = 0;
  std::string_view host, tags, message;
};

struct StatsdLine {
  enum class Kind : uint8_t { metric, event, service_check } kind = Kind::metric;
  StatsdMetric metric;
  StatsdEvent event;
  StatsdServiceCheck check;
};

// Parses one line (no '\n'; a trailing '\r' is ignored). Never throws.
StatsdError parse_statsd_line(std::string_view line, StatsdLine& out);

// Numbers of a metric's value field, already validated by the parser: takes the next
// one from `values` (advancing it); false once none is left.
bool next_statsd_value(std::string_view& values, double& value);

// Calls `f(line)` for each non-empty line of a datagram or body ('\n' separated).
template <typename F>
void for_each_statsd_line(std::string_view packet, F&& f) {
  while (!packet.empty()) {
    size_t nl = packet.find('\n');
    std::string_view line = packet.substr(0, nl);
    packet = nl == std::string_view::npos ? std::string_view() : packet.substr(nl + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (!line.empty()) f(line);
  }
}

// Undoes the "\\n" escape of event and service check texts.
std::string unescape_statsd_text(std::string_view text);

}  // namespace heeler::intake
