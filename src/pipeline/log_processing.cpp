#include "pipeline/log_processing.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstring>

namespace heeler::pipeline {
namespace {

constexpr int64_t kNsPerSecond = 1'000'000'000;
constexpr int64_t kDayNs = 86'400 * kNsPerSecond;
constexpr int kMaxDepth = 32;  // deeper objects are kept as JSON text
constexpr size_t kChunkBytes = 16 * 1024;
// Magnitude bounds telling seconds, ms, us and ns apart; each keeps the product within
// int64 nanoseconds (seconds up to year 2255).
constexpr int64_t kMaxSeconds = 9'000'000'000LL;
constexpr int64_t kMaxMillis = 9'000'000'000'000LL;
constexpr int64_t kMaxMicros = 9'000'000'000'000'000LL;

char lower(char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

bool starts_with(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

bool all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

bool parse_u64(std::string_view s, uint64_t& out) {
  if (!all_digits(s)) return false;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && ptr == s.data() + s.size();
}

bool parse_hex_bytes(std::string_view s, uint8_t* out, size_t bytes) {
  if (s.size() != bytes * 2) return false;
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    c = lower(c);
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
  };
  for (size_t i = 0; i < bytes; ++i) {
    int hi = nibble(s[2 * i]), lo = nibble(s[2 * i + 1]);
    if (hi < 0 || lo < 0) return false;
    out[i] = static_cast<uint8_t>(hi << 4 | lo);
  }
  return true;
}

// Days since 1970-01-01 of a proleptic Gregorian date.
int64_t days_from_civil(int64_t y, int64_t m, int64_t d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

bool read_int(std::string_view s, size_t& pos, size_t digits, int& out) {
  if (pos + digits > s.size()) return false;
  out = 0;
  for (size_t i = 0; i < digits; ++i) {
    char c = s[pos + i];
    if (c < '0' || c > '9') return false;
    out = out * 10 + (c - '0');
  }
  pos += digits;
  return true;
}

bool parse_iso8601(std::string_view s, int64_t& out_ns) {
  size_t p = 0;
  int year, month, day, hour, minute, second;
  if (!read_int(s, p, 4, year) || p >= s.size() || s[p++] != '-' || !read_int(s, p, 2, month) ||
      p >= s.size() || s[p++] != '-' || !read_int(s, p, 2, day))
    return false;
  if (p >= s.size() || (s[p] != 'T' && s[p] != 't' && s[p] != ' ')) return false;
  ++p;
  if (!read_int(s, p, 2, hour) || p >= s.size() || s[p++] != ':' || !read_int(s, p, 2, minute) ||
      p >= s.size() || s[p++] != ':' || !read_int(s, p, 2, second))
    return false;
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60)
    return false;
  int64_t frac_ns = 0;
  if (p < s.size() && (s[p] == '.' || s[p] == ',')) {
    ++p;
    int64_t scale = 100'000'000;
    size_t digits = 0;
    while (p < s.size() && s[p] >= '0' && s[p] <= '9') {
      if (scale > 0) {
        frac_ns += (s[p] - '0') * scale;
        scale /= 10;
      }
      ++p;
      ++digits;
    }
    if (digits == 0) return false;
  }
  int64_t offset_s = 0;
  if (p < s.size()) {
    if (s[p] == 'Z' || s[p] == 'z') {
      ++p;
    } else if (s[p] == '+' || s[p] == '-') {
      const int sign = s[p] == '-' ? -1 : 1;
      ++p;
      int oh, om = 0;
      if (!read_int(s, p, 2, oh)) return false;
      if (p < s.size() && s[p] == ':') ++p;
      if (p < s.size() && !read_int(s, p, 2, om)) return false;
      offset_s = sign * (oh * 3600 + om * 60);
    } else {
      return false;
    }
  }
  if (p != s.size()) return false;
  const int64_t seconds =
      days_from_civil(year, month, day) * 86'400 + hour * 3600 + minute * 60 + second - offset_s;
  if (seconds <= -kMaxSeconds || seconds >= kMaxSeconds) return false;
  out_ns = seconds * kNsPerSecond + frac_ns;
  return true;
}

bool integer_timestamp(int64_t v, int64_t& out_ns) {
  const int64_t a = v < 0 ? -(v + 1) : v;
  if (a < kMaxSeconds) {
    out_ns = v * kNsPerSecond;
  } else if (a < kMaxMillis) {
    out_ns = v * 1'000'000;
  } else if (a < kMaxMicros) {
    out_ns = v * 1'000;
  } else {
    out_ns = v;
  }
  return true;
}

void append_number(std::string& out, double v) {
  std::array<char, 32> buf;
  auto [ptr, ec] = std::to_chars(buf.data(), buf.data() + buf.size(), v);
  if (ec == std::errc()) out.append(buf.data(), ptr);
}

template <typename Int>
std::string_view int_text(std::array<char, 24>& buf, Int v) {
  auto [ptr, ec] = std::to_chars(buf.data(), buf.data() + buf.size(), v);
  return {buf.data(), static_cast<size_t>(ptr - buf.data())};
}

enum class Field : uint8_t {
  none,
  message,
  status,
  timestamp,
  date,  // a timestamp when it reads as one (the browser SDK's `date`), else an attribute
  service,
  env,
  version,
  host,
  source,
  ddtags,
  trace_id,
  span_id,
  dd_service,
  dd_env,
  dd_version,
};

Field classify(std::string_view key) {
  if (key.empty() || key.size() > 16) return Field::none;
  switch (key[0]) {
    case 'm':
      if (key == "message" || key == "msg") return Field::message;
      break;
    case 's':
      if (key == "status" || key == "severity") return Field::status;
      if (key == "service") return Field::service;
      if (key == "span_id" || key == "spanId") return Field::span_id;
      break;
    case 'l':
      if (key == "level") return Field::status;
      break;
    case 't':
      if (key == "timestamp") return Field::timestamp;
      if (key == "trace_id" || key == "traceId") return Field::trace_id;
      break;
    case '@':
      if (key == "@timestamp") return Field::timestamp;
      break;
    case 'e':
      if (key == "env") return Field::env;
      break;
    case 'v':
      if (key == "version") return Field::version;
      break;
    case 'h':
      if (key == "host" || key == "hostname") return Field::host;
      break;
    case 'd':
      if (key == "date") return Field::date;
      if (key == "ddsource") return Field::source;
      if (key == "ddtags") return Field::ddtags;
      if (key == "dd.trace_id") return Field::trace_id;
      if (key == "dd.span_id") return Field::span_id;
      if (key == "dd.service") return Field::dd_service;
      if (key == "dd.env") return Field::dd_env;
      if (key == "dd.version") return Field::dd_version;
      break;
    default:
      break;
  }
  return Field::none;
}

}  // namespace

std::string_view datadog_status(std::string_view level) {
  std::array<char, 16> buf{};
  if (level.empty() || level.size() > buf.size()) return {};
  for (size_t i = 0; i < level.size(); ++i) buf[i] = lower(level[i]);
  const std::string_view s(buf.data(), level.size());
  if (s.size() == 1 && s[0] >= '0' && s[0] <= '7') {
    static constexpr std::array<std::string_view, 8> kSyslog = {
        "emergency", "alert", "critical", "error", "warning", "notice", "info", "debug"};
    return kSyslog[static_cast<size_t>(s[0] - '0')];
  }
  if (s == "ok" || s == "success" || s == "o" || s == "s") return "ok";
  if (starts_with(s, "emerg") || starts_with(s, "fatal") || starts_with(s, "panic") || s == "f")
    return "emergency";
  if (starts_with(s, "alert") || s == "a") return "alert";
  if (starts_with(s, "crit") || s == "c") return "critical";
  if (starts_with(s, "err") || s == "e") return "error";
  if (starts_with(s, "warn") || s == "w") return "warning";
  if (starts_with(s, "notice") || s == "n") return "notice";
  if (starts_with(s, "info") || s == "i") return "info";
  if (starts_with(s, "debug") || starts_with(s, "trace") || starts_with(s, "verbose") || s == "d" ||
      s == "t" || s == "v")
    return "debug";
  return {};
}

uint8_t severity_for_status(std::string_view status) {
  if (status == "emergency") return 24;
  if (status == "alert") return 23;
  if (status == "critical") return 21;
  if (status == "error") return 17;
  if (status == "warning") return 13;
  if (status == "notice") return 10;
  if (status == "info" || status == "ok") return 9;
  if (status == "debug") return 5;
  return 0;
}

bool log_timestamp_from_number(double value, int64_t& out_ns) {
  if (!std::isfinite(value)) return false;
  const double a = std::fabs(value);
  double ns;
  if (a < static_cast<double>(kMaxSeconds)) {
    ns = value * 1e9;
  } else if (a < static_cast<double>(kMaxMillis)) {
    ns = value * 1e6;
  } else if (a < static_cast<double>(kMaxMicros)) {
    ns = value * 1e3;
  } else {
    ns = value;
  }
  if (!(ns > -9.2e18 && ns < 9.2e18)) return false;
  out_ns = static_cast<int64_t>(ns);
  return true;
}

bool parse_log_timestamp(std::string_view text, int64_t& out_ns) {
  if (text.empty() || text.size() > 64) return false;
  const bool negative = text[0] == '-';
  const std::string_view digits = negative ? text.substr(1) : text;
  if (all_digits(digits)) {
    uint64_t v = 0;
    if (!parse_u64(digits, v) || v > static_cast<uint64_t>(INT64_MAX)) return false;
    return integer_timestamp(negative ? -static_cast<int64_t>(v) : static_cast<int64_t>(v), out_ns);
  }
  if (text.size() >= 19 && text[4] == '-') return parse_iso8601(text, out_ns);
  double d = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), d);
  if (ec != std::errc() || ptr != text.data() + text.size()) return false;
  return log_timestamp_from_number(d, out_ns);
}

bool parse_log_trace_id(std::string_view text, TraceId& out) {
  uint64_t v = 0;
  if (text.size() != 32 && parse_u64(text, v)) {
    out = trace_id_from_u64(0, v);
    return true;
  }
  TraceId id{};
  if (parse_hex_bytes(text, id.data(), 16) || parse_hex_bytes(text, id.data() + 8, 8)) {
    out = id;
    return true;
  }
  return false;
}

bool parse_log_span_id(std::string_view text, SpanId& out) {
  uint64_t v = 0;
  if (parse_u64(text, v)) {
    out = span_id_from_u64(v);
    return true;
  }
  SpanId id{};
  if (parse_hex_bytes(text, id.data(), 8)) {
    out = id;
    return true;
  }
  return false;
}

LogProcessor::LogProcessor(int64_t receive_ns)
    : receive_ns_(receive_ns), message_parser_(std::make_unique<simdjson::dom::parser>()) {
  attributes_.reserve(32);
}

void LogProcessor::begin() {
  record_ = LogRecord{};
  record_.observed_timestamp_ns = receive_ns_;
  bad_timestamp_ = false;
  message_parsed_ = false;
  attributes_.clear();
  chunk_index_ = 0;
  if (!chunks_.empty()) chunks_[0].clear();
}

std::string_view LogProcessor::keep(std::string_view text) {
  if (text.empty()) return {};
  while (true) {
    if (chunk_index_ == chunks_.size()) {
      chunks_.emplace_back();
      chunks_.back().reserve(std::max(kChunkBytes, text.size()));
    }
    std::string& chunk = chunks_[chunk_index_];
    if (chunk.capacity() - chunk.size() >= text.size()) {
      const size_t at = chunk.size();
      chunk.append(text);
      return std::string_view(chunk).substr(at, text.size());
    }
    ++chunk_index_;
    if (chunk_index_ < chunks_.size()) chunks_[chunk_index_].clear();
  }
}

void LogProcessor::add_attribute(std::string_view key, std::string_view value) {
  for (Attribute& a : attributes_) {
    if (a.key == key) {
      a.value = value;
      return;
    }
  }
  attributes_.push_back({key, value});
}

void LogProcessor::set_timestamp_text(std::string_view text) {
  int64_t ns = 0;
  if (parse_log_timestamp(text, ns)) {
    record_.timestamp_ns = ns;
    bad_timestamp_ = false;
  } else {
    bad_timestamp_ = true;
  }
}

void LogProcessor::add_field(std::string_view key, std::string_view value) {
  switch (classify(key)) {
    case Field::message:
      record_.message = value;
      return;
    case Field::status: {
      const std::string_view status = datadog_status(value);
      if (status.empty()) break;
      record_.status = status;
      record_.severity_number = severity_for_status(status);
      return;
    }
    case Field::timestamp:
      set_timestamp_text(value);
      return;
    case Field::date: {
      int64_t ns = 0;
      if (!parse_log_timestamp(value, ns)) break;
      record_.timestamp_ns = ns;
      return;
    }
    case Field::service:
      record_.service = value;
      return;
    case Field::env:
      record_.env = value;
      return;
    case Field::version:
      record_.version = value;
      return;
    case Field::host:
      record_.host = value;
      return;
    case Field::source:
      record_.source = value;
      return;
    case Field::ddtags:
      add_ddtags(value);
      return;
    case Field::trace_id:
      parse_log_trace_id(value, record_.trace_id);
      break;
    case Field::span_id:
      parse_log_span_id(value, record_.span_id);
      break;
    case Field::dd_service:
      if (record_.service.empty()) record_.service = value;
      break;
    case Field::dd_env:
      if (record_.env.empty()) record_.env = value;
      break;
    case Field::dd_version:
      if (record_.version.empty()) record_.version = value;
      break;
    case Field::none:
      break;
  }
  add_attribute(key, value);
}

void LogProcessor::flatten(std::string& key, simdjson::dom::element value, int depth) {
  using simdjson::dom::element_type;
  std::array<char, 24> buf;
  switch (value.type()) {
    case element_type::OBJECT: {
      if (depth >= kMaxDepth) {
        add_field(keep(key), keep(simdjson::minify(value)));
        return;
      }
      const size_t base = key.size();
      simdjson::dom::object object;
      if (value.get_object().get(object) != simdjson::SUCCESS) return;
      for (auto field : object) {
        if (base > 0) key.push_back('.');
        key.append(field.key);
        flatten(key, field.value, depth + 1);
        key.resize(base);
      }
      return;
    }
    case element_type::ARRAY:
      add_field(keep(key), keep(simdjson::minify(value)));
      return;
    case element_type::STRING: {
      const std::string_view s = value.get_string().value_unsafe();
      const Field f = classify(key);
      // A text message that is itself a JSON object is taken apart too.
      if (f == Field::message && depth == 1 && !s.empty() && s.front() == '{' && add_message(s))
        return;
      add_field(keep(key), s);
      return;
    }
    case element_type::INT64:
      add_field(keep(key), keep(int_text(buf, value.get_int64().value_unsafe())));
      return;
    case element_type::UINT64:
      add_field(keep(key), keep(int_text(buf, value.get_uint64().value_unsafe())));
      return;
    case element_type::DOUBLE: {
      std::string text;
      append_number(text, value.get_double().value_unsafe());
      add_field(keep(key), keep(text));
      return;
    }
    case element_type::BOOL:
      add_field(keep(key), value.get_bool().value_unsafe() ? "true" : "false");
      return;
    case element_type::NULL_VALUE:
      return;
  }
}

void LogProcessor::add_json(std::string_view key, simdjson::dom::element value) {
  scratch_key_.assign(key);
  flatten(scratch_key_, value, key.empty() ? 0 : 1);
}

bool LogProcessor::add_message(std::string_view message) {
  if (!message_parsed_ && message.size() >= 2 && message.front() == '{' && message.back() == '}') {
    message_parsed_ = true;
    // The message parser is used once per record, so its document (which string
    // values point into) lives until the record is appended.
    simdjson::dom::element doc;
    if (message_parser_->parse(message.data(), message.size(), true).get(doc) ==
            simdjson::SUCCESS &&
        doc.is_object()) {
      const std::string_view before = record_.message;
      record_.message = {};
      std::string key;
      simdjson::dom::object object;
      if (doc.get_object().get(object) != simdjson::SUCCESS) return false;
      for (auto field : object) {
        key.assign(field.key);
        if (field.value.is_string() && classify(key) == Field::message) {
          add_field(keep(key), field.value.get_string().value_unsafe());
          continue;
        }
        flatten(key, field.value, 2);
      }
      if (record_.message.empty()) record_.message = before.empty() ? message : before;
      return true;
    }
  }
  record_.message = message;
  return false;
}

void LogProcessor::add_ddtags(std::string_view ddtags) {
  size_t start = 0;
  while (start <= ddtags.size()) {
    size_t end = ddtags.find(',', start);
    if (end == std::string_view::npos) end = ddtags.size();
    std::string_view tag = ddtags.substr(start, end - start);
    while (!tag.empty() && tag.front() == ' ') tag.remove_prefix(1);
    while (!tag.empty() && tag.back() == ' ') tag.remove_suffix(1);
    start = end + 1;
    if (tag.empty()) continue;
    const size_t colon = tag.find(':');
    const std::string_view key = colon == std::string_view::npos ? tag : tag.substr(0, colon);
    const std::string_view value =
        colon == std::string_view::npos ? std::string_view{} : tag.substr(colon + 1);
    if (key.empty()) continue;
    if (key == "service") {
      if (record_.service.empty()) record_.service = value;
    } else if (key == "env") {
      if (record_.env.empty()) record_.env = value;
    } else if (key == "version") {
      if (record_.version.empty()) record_.version = value;
    } else if (key == "host") {
      if (record_.host.empty()) record_.host = value;
    } else {
      add_attribute(key, value);
    }
  }
}

bool LogProcessor::finish(LogBatch& batch) {
  bool ok = !bad_timestamp_;
  if (record_.timestamp_ns < 0 || record_.timestamp_ns > receive_ns_ + kDayNs) ok = false;
  if (!ok) record_.timestamp_ns = receive_ns_;
  if (record_.timestamp_ns == 0) record_.timestamp_ns = receive_ns_;
  record_.observed_timestamp_ns = receive_ns_;
  record_.attributes = attributes_;
  batch.append(record_);
  return ok;
}

}  // namespace heeler::pipeline
