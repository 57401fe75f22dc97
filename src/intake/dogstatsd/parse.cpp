#include "intake/dogstatsd/parse.h"

#include <charconv>
#include <cmath>
#include <cstring>

namespace heeler::intake {
namespace {

bool valid_utf8(std::string_view s) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const auto* end = p + s.size();
  while (p < end) {
    // ASCII fast path, eight bytes at a time.
    while (end - p >= 8) {
      uint64_t word;
      std::memcpy(&word, p, 8);
      if (word & 0x8080808080808080ull) break;
      p += 8;
    }
    if (p == end) break;
    unsigned char c = *p;
    if (c < 0x80) {
      ++p;
      continue;
    }
    size_t n;
    uint32_t cp;
    if ((c & 0xE0) == 0xC0) {
      n = 1;
      cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      n = 2;
      cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      n = 3;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (static_cast<size_t>(end - p) <= n) return false;
    for (size_t i = 1; i <= n; ++i) {
      if ((p[i] & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (p[i] & 0x3F);
    }
    static constexpr uint32_t kMin[] = {0, 0x80, 0x800, 0x10000};
    if (cp < kMin[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    p += n + 1;
  }
  return true;
}

bool parse_double(std::string_view text, double& out) {
  if (!text.empty() && text.front() == '+') text.remove_prefix(1);
  if (text.empty()) return false;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && ptr == text.data() + text.size();
}

bool parse_int(std::string_view text, int64_t& out) {
  if (text.empty()) return false;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && ptr == text.data() + text.size();
}

// Unix seconds up to the year 9999 (so milliseconds never overflow).
bool parse_timestamp(std::string_view text, int64_t& out) {
  return parse_int(text, out) && out >= 0 && out <= 253'402'300'799;
}

// Splits off the text up to the next '|' (or the end).
std::string_view next_field(std::string_view& rest) {
  size_t bar = rest.find('|');
  std::string_view field = rest.substr(0, bar);
  rest = bar == std::string_view::npos ? std::string_view() : rest.substr(bar + 1);
  return field;
}

bool valid_tags(std::string_view tags) {
  size_t count = 0;
  while (!tags.empty()) {
    size_t comma = tags.find(',');
    std::string_view tag = tags.substr(0, comma);
    if (tag.size() > kMaxTagBytes || ++count > kMaxTags) return false;
    if (comma == std::string_view::npos) break;
    tags.remove_prefix(comma + 1);
  }
  return true;
}

StatsdError check_value(std::string_view text) {
  double v;
  if (!parse_double(text, v)) {
    // from_chars reads "nan"/"inf" too; a well-formed non-finite value has its own reason.
    return StatsdError::bad_value;
  }
  return std::isfinite(v) ? StatsdError::none : StatsdError::not_finite;
}

StatsdError parse_metric(std::string_view line, StatsdMetric& m) {
  m = StatsdMetric{};
  std::string_view rest = line;
  std::string_view name_value = next_field(rest);
  size_t colon = name_value.find(':');
  if (colon == std::string_view::npos) return StatsdError::missing_value;
  m.name = name_value.substr(0, colon);
  if (m.name.empty()) return StatsdError::empty_name;
  m.values = name_value.substr(colon + 1);
  if (m.values.empty()) return StatsdError::missing_value;
  if (line.size() == name_value.size()) return StatsdError::missing_type;
  std::string_view type = next_field(rest);
  if (type == "c") {
    m.type = StatsdType::count;
  } else if (type == "g") {
    m.type = StatsdType::gauge;
  } else if (type == "h") {
    m.type = StatsdType::histogram;
  } else if (type == "d") {
    m.type = StatsdType::distribution;
  } else if (type == "s") {
    m.type = StatsdType::set;
  } else if (type == "ms") {
    m.type = StatsdType::timing;
  } else {
    return type.empty() ? StatsdError::missing_type : StatsdError::unknown_type;
  }
  if (m.type == StatsdType::set) {
    // A set member is any text.
  } else {
    if (m.type == StatsdType::gauge && (m.values.front() == '+' || m.values.front() == '-'))
      m.delta = true;
    std::string_view values = m.values;
    while (true) {
      size_t sep = values.find(':');
      if (StatsdError e = check_value(values.substr(0, sep)); e != StatsdError::none) return e;
      if (sep == std::string_view::npos) break;
      values.remove_prefix(sep + 1);
    }
  }
  while (!rest.empty()) {
    std::string_view field = next_field(rest);
    if (field.empty()) continue;
    switch (field.front()) {
      case '@': {
        double rate;
        if (!parse_double(field.substr(1), rate) || !(rate > 0) || rate > 1)
          return StatsdError::bad_sample_rate;
        m.sample_rate = rate;
        break;
      }
      case '#':
        m.tags = field.substr(1);
        if (!valid_tags(m.tags)) return StatsdError::bad_tags;
        break;
      case 'c':
        if (field.size() >= 2 && field[1] == ':') m.container = field.substr(2);
        break;
      case 'T':
        if (!parse_timestamp(field.substr(1), m.timestamp_s)) return StatsdError::bad_timestamp;
        break;
      default:
        break;  // newer fields (e.g. e: external data) are tolerated
    }
  }
  return StatsdError::none;
}

bool parse_length(std::string_view text, size_t& out) {
  int64_t v;
  if (!parse_int(text, v) || v < 0 || static_cast<uint64_t>(v) > kMaxLineBytes) return false;
  out = static_cast<size_t>(v);
  return true;
}

StatsdError parse_event(std::string_view line, StatsdEvent& e) {
  e = StatsdEvent{};
  // "_e{" title_len "," text_len "}:"
  size_t close = line.find("}:");
  if (close == std::string_view::npos) return StatsdError::bad_event;
  std::string_view lengths = line.substr(3, close - 3);
  size_t comma = lengths.find(',');
  size_t title_len, text_len;
  if (comma == std::string_view::npos || !parse_length(lengths.substr(0, comma), title_len) ||
      !parse_length(lengths.substr(comma + 1), text_len))
    return StatsdError::bad_event;
  std::string_view body = line.substr(close + 2);
  if (title_len == 0 || title_len + 1 + text_len > body.size() || body[title_len] != '|')
    return StatsdError::bad_event;
  e.title = body.substr(0, title_len);
  e.text = body.substr(title_len + 1, text_len);
  std::string_view rest = body.substr(title_len + 1 + text_len);
  if (!rest.empty()) {
    if (rest.front() != '|') return StatsdError::bad_event;
    rest.remove_prefix(1);
  }
  while (!rest.empty()) {
    std::string_view field = next_field(rest);
    if (field.empty()) continue;
    if (field.front() == '#') {
      e.tags = field.substr(1);
      if (!valid_tags(e.tags)) return StatsdError::bad_tags;
      continue;
    }
    if (field.size() < 2 || field[1] != ':') continue;
    std::string_view value = field.substr(2);
    switch (field.front()) {
      case 'd':
        if (!parse_timestamp(value, e.timestamp_s)) return StatsdError::bad_timestamp;
        break;
      case 'h':
        e.host = value;
        break;
      case 'k':
        e.aggregation_key = value;
        break;
      case 'p':
        e.priority = value;
        break;
      case 's':
        e.source = value;
        break;
      case 't':
        e.alert_type = value;
        break;
      default:
        break;
    }
  }
  return StatsdError::none;
}

StatsdError parse_service_check(std::string_view line, StatsdServiceCheck& c) {
  c = StatsdServiceCheck{};
  std::string_view rest = line.substr(4);  // after "_sc|"
  c.name = next_field(rest);
  if (c.name.empty()) return StatsdError::bad_service_check;
  std::string_view status = next_field(rest);
  if (status.size() != 1 || status[0] < '0' || status[0] > '3')
    return StatsdError::bad_service_check;
  c.status = status[0] - '0';
  while (!rest.empty()) {
    if (rest.starts_with("m:")) {
      c.message = rest.substr(2);  // the message is last and may hold '|'
      break;
    }
    std::string_view field = next_field(rest);
    if (field.empty()) continue;
    if (field.front() == '#') {
      c.tags = field.substr(1);
      if (!valid_tags(c.tags)) return StatsdError::bad_tags;
    } else if (field.starts_with("d:")) {
      if (!parse_timestamp(field.substr(2), c.timestamp_s)) return StatsdError::bad_timestamp;
    } else if (field.starts_with("h:")) {
      c.host = field.substr(2);
    }
  }
  return StatsdError::none;
}

}  // namespace

std::string_view statsd_error_name(StatsdError error) {
  static constexpr std::string_view kNames[] = {
      "none",          "line_too_long", "invalid_utf8", "empty_name",       "missing_value",
      "missing_type",  "unknown_type",  "bad_value",    "not_finite",       "bad_sample_rate",
      "bad_timestamp", "bad_tags",      "bad_event",    "bad_service_check"};
  static_assert(std::size(kNames) == kStatsdErrorCount);
  auto i = static_cast<size_t>(error);
  return i < std::size(kNames) ? kNames[i] : "unknown";
}

StatsdError parse_statsd_line(std::string_view line, StatsdLine& out) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  if (line.size() > kMaxLineBytes) return StatsdError::line_too_long;
  if (!valid_utf8(line)) return StatsdError::invalid_utf8;
  if (line.starts_with("_e{")) {
    out.kind = StatsdLine::Kind::event;
    return parse_event(line, out.event);
  }
  if (line.starts_with("_sc|")) {
    out.kind = StatsdLine::Kind::service_check;
    return parse_service_check(line, out.check);
  }
  out.kind = StatsdLine::Kind::metric;
  return parse_metric(line, out.metric);
}

bool next_statsd_value(std::string_view& values, double& value) {
  while (!values.empty()) {
    size_t sep = values.find(':');
    std::string_view one = values.substr(0, sep);
    values = sep == std::string_view::npos ? std::string_view() : values.substr(sep + 1);
    if (parse_double(one, value)) return true;
  }
  return false;
}

std::string unescape_statsd_text(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\\' && i + 1 < text.size() && text[i + 1] == 'n') {
      out.push_back('\n');
      ++i;
    } else {
      out.push_back(text[i]);
    }
  }
  return out;
}

}  // namespace heeler::intake
