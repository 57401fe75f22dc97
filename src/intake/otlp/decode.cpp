#include "intake/otlp/decode.h"

#include <fmt/format.h>
#include <google/protobuf/stubs/logging.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <climits>
#include <cmath>

#include "intake/otlp/convert_common.h"
#include "intake/otlp/json.h"
#include "net/http.h"

namespace heeler::intake::otlp {

namespace {

constexpr size_t kMaxReasons = 5;
constexpr size_t kChunkBytes = 16 * 1024;
constexpr char kBase64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr char kHex[] = "0123456789abcdef";

}  // namespace

void ExportResult::reject(std::string_view reason) {
  ++rejected;
  if (reasons_kept >= kMaxReasons) return;
  ++reasons_kept;
  if (!error_message.empty()) error_message += "; ";
  error_message += reason;
}

core::Status parse_request(std::string_view body, Encoding encoding,
                           google::protobuf::Message& request) {
  if (encoding == Encoding::json) return detail::parse_json(body, request);
  if (body.size() > static_cast<size_t>(INT_MAX))
    return {core::Code::payload_too_large, "protobuf body larger than 2 GiB"};
  // libprotobuf logs each string that is not UTF-8; the answer says so instead, and a
  // client cannot fill the server's log with them.
  const google::protobuf::LogSilencer silence;
  if (!request.ParseFromArray(body.data(), static_cast<int>(body.size())))
    return {core::Code::invalid_argument,
            fmt::format("malformed protobuf {}: truncated or invalid wire data, nesting deeper "
                        "than 100 levels, or a string field that is not UTF-8",
                        request.GetDescriptor()->name())};
  return {};
}

namespace detail {

std::string_view TextArena::keep(std::string_view text) {
  if (text.empty()) return {};
  while (true) {
    if (index_ == chunks_.size()) {
      chunks_.emplace_back();
      chunks_.back().reserve(std::max(kChunkBytes, text.size()));
    }
    std::string& chunk = chunks_[index_];
    if (chunk.capacity() - chunk.size() >= text.size()) {
      const size_t at = chunk.size();
      chunk.append(text);
      return std::string_view(chunk).substr(at, text.size());
    }
    ++index_;
    if (index_ < chunks_.size()) chunks_[index_].clear();
  }
}

void TextArena::reset() {
  // Chunks far larger than usual (one huge value) are not kept for the next use.
  constexpr size_t kKeepBytes = 1 << 20;
  for (size_t i = 0; i <= index_ && i < chunks_.size(); ++i) {
    if (chunks_[i].capacity() > kKeepBytes) {
      chunks_.erase(chunks_.begin() + static_cast<std::ptrdiff_t>(i), chunks_.end());
      break;
    }
  }
  index_ = 0;
  if (!chunks_.empty()) chunks_[0].clear();
}

bool plausible_time(uint64_t ns, int64_t now_ns) {
  const uint64_t latest = static_cast<uint64_t>(std::max<int64_t>(now_ns, 0)) + kDayNs;
  return ns >= static_cast<uint64_t>(kDayNs) && ns <= latest;
}

void append_base64(std::string& out, std::string_view bytes) {
  const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
  const size_t n = bytes.size();
  size_t i = 0;
  for (; i + 3 <= n; i += 3) {
    const uint32_t v = uint32_t(p[i]) << 16 | uint32_t(p[i + 1]) << 8 | p[i + 2];
    const char quad[4] = {kBase64[v >> 18], kBase64[(v >> 12) & 63], kBase64[(v >> 6) & 63],
                          kBase64[v & 63]};
    out.append(quad, 4);
  }
  if (i + 1 == n) {
    const uint32_t v = uint32_t(p[i]) << 16;
    const char quad[4] = {kBase64[v >> 18], kBase64[(v >> 12) & 63], '=', '='};
    out.append(quad, 4);
  } else if (i + 2 == n) {
    const uint32_t v = uint32_t(p[i]) << 16 | uint32_t(p[i + 1]) << 8;
    const char quad[4] = {kBase64[v >> 18], kBase64[(v >> 12) & 63], kBase64[(v >> 6) & 63], '='};
    out.append(quad, 4);
  }
}

void append_hex(std::string& out, std::string_view bytes) {
  for (char c : bytes) {
    const auto b = static_cast<unsigned char>(c);
    const char pair[2] = {kHex[b >> 4], kHex[b & 15]};
    out.append(pair, 2);
  }
}

void append_double(std::string& out, double value) {
  if (std::isnan(value)) {
    out += "NaN";
  } else if (std::isinf(value)) {
    out += value > 0 ? "Infinity" : "-Infinity";
  } else {
    fmt::format_to(std::back_inserter(out), "{}", value);
  }
}

void append_json_string(std::string& out, std::string_view text) {
  out.push_back('"');
  net::append_json_escaped(out, text);
  out.push_back('"');
}

std::string_view clip_utf8(std::string_view text, size_t max) {
  if (text.size() <= max) return text;
  size_t n = max;
  while (n > 0 && (static_cast<unsigned char>(text[n]) & 0xC0) == 0x80) --n;
  return text.substr(0, n);
}

void append_json(std::string& out, const common::AnyValue& value, size_t max_string_bytes,
                 int depth) {
  switch (value.value_case()) {
    case common::AnyValue::kStringValue:
      append_json_string(out, clip_utf8(value.string_value(), max_string_bytes));
      return;
    case common::AnyValue::kBoolValue:
      out += value.bool_value() ? "true" : "false";
      return;
    case common::AnyValue::kIntValue:
      fmt::format_to(std::back_inserter(out), "{}", value.int_value());
      return;
    case common::AnyValue::kDoubleValue:
      if (std::isfinite(value.double_value())) {
        append_double(out, value.double_value());
      } else {
        out.push_back('"');
        append_double(out, value.double_value());
        out.push_back('"');
      }
      return;
    case common::AnyValue::kBytesValue:
      out.push_back('"');
      append_base64(out, value.bytes_value());
      out.push_back('"');
      return;
    case common::AnyValue::kArrayValue: {
      if (depth >= kMaxValueDepth) {
        out += "null";
        return;
      }
      out.push_back('[');
      bool first = true;
      for (const common::AnyValue& item : value.array_value().values()) {
        if (!first) out.push_back(',');
        first = false;
        append_json(out, item, max_string_bytes, depth + 1);
      }
      out.push_back(']');
      return;
    }
    case common::AnyValue::kKvlistValue:
      if (depth >= kMaxValueDepth) {
        out += "null";
        return;
      }
      append_json_object(out, value.kvlist_value().values(), max_string_bytes, depth + 1);
      return;
    case common::AnyValue::VALUE_NOT_SET:
      break;
  }
  out += "null";
}

void append_json_object(std::string& out, const KeyValues& attributes, size_t max_string_bytes,
                        int depth) {
  out.push_back('{');
  bool first = true;
  for (const common::KeyValue& kv : attributes) {
    if (!first) out.push_back(',');
    first = false;
    append_json_string(out, kv.key());
    out.push_back(':');
    append_json(out, kv.value(), max_string_bytes, depth);
  }
  out.push_back('}');
}

void append_text(std::string& out, const common::AnyValue& value) {
  switch (value.value_case()) {
    case common::AnyValue::kStringValue:
      out += value.string_value();
      return;
    case common::AnyValue::kBytesValue:
      append_base64(out, value.bytes_value());
      return;
    case common::AnyValue::kDoubleValue:
      append_double(out, value.double_value());
      return;
    case common::AnyValue::VALUE_NOT_SET:
      return;
    default:
      append_json(out, value, SIZE_MAX);
  }
}

std::string_view value_text(const common::AnyValue& value, TextArena& arena, std::string& scratch) {
  switch (value.value_case()) {
    case common::AnyValue::kStringValue:
      return value.string_value();
    case common::AnyValue::kBoolValue:
      return value.bool_value() ? "true" : "false";
    case common::AnyValue::kIntValue: {
      std::array<char, 24> buf;
      auto [end, ec] = std::to_chars(buf.data(), buf.data() + buf.size(), value.int_value());
      return arena.keep(std::string_view(buf.data(), static_cast<size_t>(end - buf.data())));
    }
    case common::AnyValue::VALUE_NOT_SET:
      return {};
    default:
      scratch.clear();
      append_text(scratch, value);
      return arena.keep(scratch);
  }
}

bool numeric_value(const common::AnyValue& value, double& out) {
  if (value.value_case() == common::AnyValue::kIntValue) {
    out = static_cast<double>(value.int_value());
    return true;
  }
  if (value.value_case() == common::AnyValue::kDoubleValue) {
    out = value.double_value();
    return true;
  }
  return false;
}

void ResourceInfo::load(const opentelemetry::proto::resource::v1::Resource& resource,
                        TextArena& arena, std::string& scratch) {
  service = env = version = host = {};
  attributes.clear();
  tags.clear();
  bool env_from_name = false, host_from_name = false;
  for (const common::KeyValue& kv : resource.attributes()) {
    const std::string_view key = kv.key();
    const std::string_view text = value_text(kv.value(), arena, scratch);
    attributes.push_back({key, text});
    if (key == "service.name") {
      service = text;
    } else if (key == "service.version") {
      version = text;
    } else if (key == "deployment.environment.name") {
      env = text;
      env_from_name = true;
    } else if (key == "deployment.environment") {
      if (!env_from_name) env = text;
    } else if (key == "host.name") {
      host = text;
      host_from_name = true;
    } else if (key == "host.id") {
      if (!host_from_name) host = text;
    }
  }
  const std::pair<std::string_view, std::string_view> unified[] = {
      {"service:", service}, {"env:", env}, {"version:", version}, {"host:", host}};
  for (const auto& [prefix, value] : unified) {
    if (value.empty()) continue;
    scratch.assign(prefix);
    scratch.append(value);
    tags.push_back(arena.keep(scratch));
  }
}

}  // namespace detail
}  // namespace heeler::intake::otlp
