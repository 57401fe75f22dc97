// What the OTLP converters share (private to intake/otlp): attribute values as text
// and JSON, the unified service tags of a resource, timestamp checks, and a text arena
// whose views stay valid until it is reset.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "opentelemetry/proto/common/v1/common.pb.h"
#include "opentelemetry/proto/resource/v1/resource.pb.h"
#include "pipeline/signals.h"

namespace heeler::intake::otlp::detail {

namespace common = opentelemetry::proto::common::v1;
using KeyValues = google::protobuf::RepeatedPtrField<common::KeyValue>;

inline constexpr int64_t kNsPerMs = 1'000'000;
inline constexpr int64_t kDayNs = 86'400'000'000'000;
// AnyValue arrays and maps nested deeper than this are written as null.
inline constexpr int kMaxValueDepth = 64;

// Text kept until reset(): chunks are reserved once and never grow, so the views
// keep() returns stay valid while more text is added.
class TextArena {
 public:
  std::string_view keep(std::string_view text);
  void reset();

 private:
  std::vector<std::string> chunks_;
  size_t index_ = 0;
};

// A time in ns since the epoch is plausible when it is on or after 1970-01-02 and not
// more than a day after `now_ns`.
bool plausible_time(uint64_t ns, int64_t now_ns);

void append_base64(std::string& out, std::string_view bytes);
void append_hex(std::string& out, std::string_view bytes);
// Shortest round-trip form; NaN and the infinities as NaN, Infinity, -Infinity.
void append_double(std::string& out, double value);
// A JSON string literal; invalid UTF-8 becomes U+FFFD.
void append_json_string(std::string& out, std::string_view text);
// The value as JSON: strings quoted, numbers and booleans bare, bytes as a base64
// string, arrays and maps as JSON, an empty value as null. Non-finite doubles become
// the strings "NaN", "Infinity" and "-Infinity". Strings longer than
// `max_string_bytes` are cut (at a UTF-8 boundary).
void append_json(std::string& out, const common::AnyValue& value, size_t max_string_bytes,
                 int depth = 0);
// Attributes as a JSON object.
void append_json_object(std::string& out, const KeyValues& attributes, size_t max_string_bytes,
                        int depth = 0);
// The text form of a value: strings as they are, others as append_json writes them
// (bytes as base64 without quotes).
void append_text(std::string& out, const common::AnyValue& value);

// The text of a value: a view of the message's own string for string values,
// otherwise the text form kept in `arena`.
std::string_view value_text(const common::AnyValue& value, TextArena& arena, std::string& scratch);
// The numeric value of an int or double value; false for other kinds.
bool numeric_value(const common::AnyValue& value, double& out);

// The unified service tags and every attribute of a resource, as text.
struct ResourceInfo {
  std::string_view service, env, version, host;
  std::vector<pipeline::Attribute> attributes;
  std::vector<std::string_view> tags;  // "service:…", "env:…", "version:…", "host:…" when set

  void load(const opentelemetry::proto::resource::v1::Resource& resource, TextArena& arena,
            std::string& scratch);
};

// Cuts `text` to at most `max` bytes without splitting a UTF-8 sequence.
std::string_view clip_utf8(std::string_view text, size_t max);

}  // namespace heeler::intake::otlp::detail
