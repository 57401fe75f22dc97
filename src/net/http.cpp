#include "net/http.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cstddef>
#include <cstdint>
#include <set>

namespace heeler::net {
namespace {

char ascii_lower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (ascii_lower(a[i]) != ascii_lower(b[i])) return false;
  }
  return true;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// "/a/b" → {"a", "b"}; "/" → {""}; "/a/" → {"a", ""}. Empty segments are kept so
// that a trailing slash is a different path.
std::vector<std::string_view> split_path(std::string_view path) {
  std::vector<std::string_view> out;
  if (!path.empty() && path.front() == '/') path.remove_prefix(1);
  for (;;) {
    size_t slash = path.find('/');
    out.push_back(path.substr(0, slash));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return out;
}

bool is_param(std::string_view segment) {
  return segment.size() >= 2 && segment.front() == '{' && segment.back() == '}';
}

bool matches(const std::vector<std::string>& pattern, const std::vector<std::string_view>& path) {
  if (pattern.size() != path.size()) return false;
  for (size_t i = 0; i < pattern.size(); ++i) {
    if (is_param(pattern[i])) {
      if (path[i].empty()) return false;
    } else if (pattern[i] != path[i]) {
      return false;
    }
  }
  return true;
}

// True when `a` is more specific than `b`: at the first position where one has a
// literal segment and the other a parameter, the literal wins.
bool more_specific(const std::vector<std::string>& a, const std::vector<std::string>& b) {
  for (size_t i = 0; i < a.size() && i < b.size(); ++i) {
    bool pa = is_param(a[i]);
    bool pb = is_param(b[i]);
    if (pa != pb) return !pa;
  }
  return false;
}

// The length of the well-formed UTF-8 sequence starting at text[i], or 0 when it is
// not one (bad lead or continuation byte, overlong form, surrogate, beyond U+10FFFF).
size_t utf8_sequence_length(std::string_view text, size_t i) {
  const auto lead = static_cast<unsigned char>(text[i]);
  size_t n = 0;
  uint32_t cp = 0;
  if ((lead & 0xe0) == 0xc0) {
    n = 2;
    cp = lead & 0x1f;
  } else if ((lead & 0xf0) == 0xe0) {
    n = 3;
    cp = lead & 0x0f;
  } else if ((lead & 0xf8) == 0xf0) {
    n = 4;
    cp = lead & 0x07;
  } else {
    return 0;
  }
  if (text.size() - i < n) return 0;
  for (size_t k = 1; k < n; ++k) {
    const auto b = static_cast<unsigned char>(text[i + k]);
    if ((b & 0xc0) != 0x80) return 0;
    cp = (cp << 6) | (b & 0x3f);
  }
  static constexpr uint32_t kMinimum[] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < kMinimum[n] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return 0;
  return n;
}

}  // namespace

void append_json_escaped(std::string& out, std::string_view text) {
  size_t run = 0;  // start of the bytes still to copy as they are
  size_t i = 0;
  while (i < text.size()) {
    const auto byte = static_cast<unsigned char>(text[i]);
    if (byte >= 0x20 && byte < 0x80 && byte != '"' && byte != '\\') {
      ++i;
      continue;
    }
    if (byte >= 0x80) {
      // Bytes that are not UTF-8 (from a percent-decoded path, say) would make the
      // document invalid JSON; each one becomes U+FFFD.
      if (const size_t n = utf8_sequence_length(text, i); n > 0) {
        i += n;
        continue;
      }
    }
    out.append(text.substr(run, i - run));
    switch (byte) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
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
        out += byte < 0x20 ? fmt::format("\\u{:04x}", static_cast<unsigned>(byte)) : "\\ufffd";
    }
    run = ++i;
  }
  out.append(text.substr(run));
}

std::string json_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 8);
  append_json_escaped(out, text);
  return out;
}

std::optional<std::string_view> Request::header(std::string_view name) const {
  for (const Header& h : headers) {
    if (iequals(h.name, name)) return std::string_view(h.value);
  }
  return std::nullopt;
}

std::optional<std::string_view> Request::query_param(std::string_view name) const {
  for (const auto& [key, value] : query) {
    if (key == name) return std::string_view(value);
  }
  return std::nullopt;
}

Response Response::json(int status, std::string body) {
  Response r;
  r.status = status;
  r.content_type = "application/json";
  r.body = std::move(body);
  return r;
}

Response Response::text(int status, std::string body, std::string content_type) {
  Response r;
  r.status = status;
  r.content_type = std::move(content_type);
  r.body = std::move(body);
  return r;
}

Response Response::error(const core::Status& status) {
  return error(http_status_for(status.code()), status.message());
}

Response Response::error(int http_status, std::string_view message) {
  return json(http_status, fmt::format("{{\"errors\":[\"{}\"]}}", json_escape(message)));
}

std::string url_encode(std::string_view text) {
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~')
      out += static_cast<char>(c);
    else
      out += fmt::format("%{:02X}", c);
  }
  return out;
}

int http_status_for(core::Code code) {
  switch (code) {
    case core::Code::ok:
      return 200;
    case core::Code::invalid_argument:
    case core::Code::config_invalid:
      return 400;
    case core::Code::not_found:
      return 404;
    case core::Code::payload_too_large:
      return 413;
    case core::Code::unsupported_media:
      return 415;
    case core::Code::unavailable:
      return 503;
    case core::Code::io_error:
    case core::Code::engine_error:
    case core::Code::internal:
      return 500;
  }
  return 500;
}

void Router::add(std::string method, std::string pattern, Handler handler) {
  Route route;
  route.method = std::move(method);
  for (std::string_view segment : split_path(pattern)) route.segments.emplace_back(segment);
  route.handler = std::move(handler);
  routes_.push_back(std::move(route));
}

std::vector<std::pair<std::string, std::string>> Router::routes() const {
  std::vector<std::pair<std::string, std::string>> out;
  for (const Route& r : routes_) {
    std::string pattern;
    for (const std::string& segment : r.segments) pattern += "/" + segment;
    out.emplace_back(r.method, pattern.empty() ? "/" : pattern);
  }
  return out;
}

Response Router::dispatch(Request& request) const {
  const std::vector<std::string_view> segments = split_path(request.path);

  const Route* best = nullptr;      // same method
  const Route* fallback = nullptr;  // GET route answering a HEAD request
  std::set<std::string> allowed;
  for (const Route& route : routes_) {
    if (!matches(route.segments, segments)) continue;
    allowed.insert(route.method);
    if (route.method == request.method) {
      if (best == nullptr || more_specific(route.segments, best->segments)) best = &route;
    } else if (request.method == "HEAD" && route.method == "GET") {
      if (fallback == nullptr || more_specific(route.segments, fallback->segments)) {
        fallback = &route;
      }
    }
  }
  if (best == nullptr) best = fallback;

  if (best != nullptr) {
    request.path_params.clear();
    for (size_t i = 0; i < best->segments.size(); ++i) {
      const std::string& pattern = best->segments[i];
      if (is_param(pattern)) {
        request.path_params[pattern.substr(1, pattern.size() - 2)] = std::string(segments[i]);
      }
    }
    return best->handler(request);
  }

  if (!allowed.empty()) {
    if (allowed.count("GET") != 0) allowed.insert("HEAD");
    std::string allow;
    for (const std::string& method : allowed) {
      if (!allow.empty()) allow += ", ";
      allow += method;
    }
    Response r = Response::error(
        405, fmt::format("method {} not allowed for {}", request.method, request.path));
    r.headers.push_back({"Allow", std::move(allow)});
    return r;
  }
  if (fallback_) return fallback_(request);
  return Response::error(404, fmt::format("no route for {} {}", request.method, request.path));
}

std::vector<std::pair<std::string, std::string>> parse_query_string(std::string_view query) {
  std::vector<std::pair<std::string, std::string>> out;
  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view piece = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (piece.empty()) continue;

    size_t eq = piece.find('=');
    std::string_view raw_key = piece.substr(0, eq);
    std::string_view raw_value =
        eq == std::string_view::npos ? std::string_view() : piece.substr(eq + 1);
    std::string key;
    std::string value;
    // A malformed escape keeps the text as sent rather than dropping the parameter.
    if (!percent_decode(raw_key, key, true)) key.assign(raw_key);
    if (!percent_decode(raw_value, value, true)) value.assign(raw_value);
    out.emplace_back(std::move(key), std::move(value));
  }
  return out;
}

bool percent_decode(std::string_view in, std::string& out, bool plus_is_space) {
  out.clear();
  out.reserve(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    char c = in[i];
    if (c == '%') {
      if (i + 2 >= in.size()) return false;
      int hi = hex_value(in[i + 1]);
      int lo = hex_value(in[i + 2]);
      if (hi < 0 || lo < 0) return false;
      out += static_cast<char>(hi * 16 + lo);
      i += 2;
    } else if (c == '+' && plus_is_space) {
      out += ' ';
    } else {
      out += c;
    }
  }
  return true;
}

}  // namespace heeler::net
