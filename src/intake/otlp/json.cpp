#include "intake/otlp/json.h"

#include <fmt/format.h>
#include <google/protobuf/descriptor.h>
#include <simdjson.h>

#include <array>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <limits>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <unordered_map>
#include <vector>

namespace heeler::intake::otlp::detail {
namespace {

namespace pb = google::protobuf;
using simdjson::dom::element;
using simdjson::dom::element_type;

// A parser keeps its buffers between requests of one thread unless they grew past this.
constexpr size_t kKeepParserCapacity = 64 << 20;

enum class Kind : uint8_t {
  int32,
  int64,
  uint32,
  uint64,
  float32,
  float64,
  boolean,
  enumeration,
  string,
  bytes,
  hex_bytes,
  message,
};

struct MessageInfo;

// One field as the reader needs it, resolved once per message type.
struct FieldInfo {
  std::string_view name;       // as in the .proto (snake_case)
  std::string_view json_name;  // lowerCamelCase
  const pb::FieldDescriptor* field = nullptr;
  Kind kind = Kind::string;
  bool repeated = false;
  const MessageInfo* message = nullptr;  // Kind::message
};

struct MessageInfo {
  std::vector<FieldInfo> fields;

  const FieldInfo* find(std::string_view key) const {
    for (const FieldInfo& f : fields)
      if (f.json_name == key || f.name == key) return &f;
    return nullptr;
  }
};

bool is_hex_id(std::string_view name) {
  return name == "trace_id" || name == "span_id" || name == "parent_span_id";
}

// Every message type reachable from one root type (OTLP's AnyValue ⇄ ArrayValue
// cycle included), built once and then only read.
class Schema {
 public:
  explicit Schema(const pb::Descriptor* root) : root_(build(root)) {}
  const MessageInfo& root() const { return *root_; }

 private:
  const MessageInfo* build(const pb::Descriptor* descriptor) {
    auto [it, inserted] = infos_.try_emplace(descriptor);
    if (!inserted) return it->second.get();
    it->second = std::make_unique<MessageInfo>();
    MessageInfo* info = it->second.get();
    for (int i = 0; i < descriptor->field_count(); ++i) {
      const pb::FieldDescriptor* fd = descriptor->field(i);
      if (fd->is_map()) continue;  // OTLP has none; their keys are ignored
      FieldInfo f;
      f.name = fd->name();
      f.json_name = fd->json_name();
      f.field = fd;
      f.repeated = fd->is_repeated();
      switch (fd->cpp_type()) {
        case pb::FieldDescriptor::CPPTYPE_INT32:
          f.kind = Kind::int32;
          break;
        case pb::FieldDescriptor::CPPTYPE_INT64:
          f.kind = Kind::int64;
          break;
        case pb::FieldDescriptor::CPPTYPE_UINT32:
          f.kind = Kind::uint32;
          break;
        case pb::FieldDescriptor::CPPTYPE_UINT64:
          f.kind = Kind::uint64;
          break;
        case pb::FieldDescriptor::CPPTYPE_FLOAT:
          f.kind = Kind::float32;
          break;
        case pb::FieldDescriptor::CPPTYPE_DOUBLE:
          f.kind = Kind::float64;
          break;
        case pb::FieldDescriptor::CPPTYPE_BOOL:
          f.kind = Kind::boolean;
          break;
        case pb::FieldDescriptor::CPPTYPE_ENUM:
          f.kind = Kind::enumeration;
          break;
        case pb::FieldDescriptor::CPPTYPE_STRING:
          f.kind = fd->type() == pb::FieldDescriptor::TYPE_BYTES
                       ? (is_hex_id(fd->name()) ? Kind::hex_bytes : Kind::bytes)
                       : Kind::string;
          break;
        case pb::FieldDescriptor::CPPTYPE_MESSAGE:
          f.kind = Kind::message;
          f.message = build(fd->message_type());
          break;
      }
      info->fields.push_back(f);
    }
    return info;
  }

  std::unordered_map<const pb::Descriptor*, std::unique_ptr<MessageInfo>> infos_;
  const MessageInfo* root_;
};

const MessageInfo& schema_for(const pb::Descriptor* descriptor) {
  static std::mutex mutex;
  static std::unordered_map<const pb::Descriptor*, std::unique_ptr<Schema>> schemas;
  std::lock_guard lock(mutex);
  std::unique_ptr<Schema>& schema = schemas[descriptor];
  if (!schema) schema = std::make_unique<Schema>(descriptor);
  return schema->root();
}

std::string_view type_name(element_type t) {
  switch (t) {
    case element_type::ARRAY:
      return "an array";
    case element_type::OBJECT:
      return "an object";
    case element_type::INT64:
    case element_type::UINT64:
    case element_type::DOUBLE:
      return "a number";
    case element_type::STRING:
      return "a string";
    case element_type::BOOL:
      return "a boolean";
    case element_type::NULL_VALUE:
      return "null";
  }
  return "a value";
}

// A number written with a fraction or an exponent ("3.0", "1e3") is an integer only
// when integral and below 2^53, where a double holds every integer exactly.
constexpr double kExactDoubleLimit = 9007199254740992.0;

bool double_to_int64(double d, int64_t& out) {
  if (!(d > -kExactDoubleLimit && d < kExactDoubleLimit) || std::trunc(d) != d) return false;
  out = static_cast<int64_t>(d);
  return true;
}

bool double_to_uint64(double d, uint64_t& out) {
  if (!(d >= 0 && d < kExactDoubleLimit) || std::trunc(d) != d) return false;
  out = static_cast<uint64_t>(d);
  return true;
}

template <typename Int>
bool parse_integer_text(std::string_view text, Int& out) {
  if (text.empty()) return false;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && end == text.data() + text.size();
}

// 64-bit integers are read exactly: as JSON integers or decimal strings.
bool read_int64(element v, int64_t& out) {
  switch (v.type()) {
    case element_type::INT64:
      out = v.get_int64().value_unsafe();
      return true;
    case element_type::UINT64: {
      const uint64_t u = v.get_uint64().value_unsafe();
      if (u > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) return false;
      out = static_cast<int64_t>(u);
      return true;
    }
    case element_type::DOUBLE:
      return double_to_int64(v.get_double().value_unsafe(), out);
    case element_type::STRING:
      return parse_integer_text(v.get_string().value_unsafe(), out);
    default:
      return false;
  }
}

bool read_uint64(element v, uint64_t& out) {
  switch (v.type()) {
    case element_type::INT64: {
      const int64_t i = v.get_int64().value_unsafe();
      if (i < 0) return false;
      out = static_cast<uint64_t>(i);
      return true;
    }
    case element_type::UINT64:
      out = v.get_uint64().value_unsafe();
      return true;
    case element_type::DOUBLE:
      return double_to_uint64(v.get_double().value_unsafe(), out);
    case element_type::STRING:
      return parse_integer_text(v.get_string().value_unsafe(), out);
    default:
      return false;
  }
}

bool read_double(element v, double& out) {
  switch (v.type()) {
    case element_type::INT64:
      out = static_cast<double>(v.get_int64().value_unsafe());
      return true;
    case element_type::UINT64:
      out = static_cast<double>(v.get_uint64().value_unsafe());
      return true;
    case element_type::DOUBLE:
      out = v.get_double().value_unsafe();
      return true;
    case element_type::STRING: {
      const std::string_view s = v.get_string().value_unsafe();
      if (s == "NaN") {
        out = std::numeric_limits<double>::quiet_NaN();
        return true;
      }
      if (s == "Infinity" || s == "-Infinity") {
        out = s[0] == '-' ? -std::numeric_limits<double>::infinity()
                          : std::numeric_limits<double>::infinity();
        return true;
      }
      if (s.empty()) return false;
      auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
      return ec == std::errc() && end == s.data() + s.size();
    }
    default:
      return false;
  }
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool decode_hex(std::string_view text, std::string& out) {
  out.clear();
  if (text.size() % 2 != 0) return false;
  out.reserve(text.size() / 2);
  for (size_t i = 0; i < text.size(); i += 2) {
    const int hi = hex_digit(text[i]), lo = hex_digit(text[i + 1]);
    if (hi < 0 || lo < 0) return false;
    out.push_back(static_cast<char>(hi << 4 | lo));
  }
  return true;
}

int base64_digit(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+' || c == '-') return 62;
  if (c == '/' || c == '_') return 63;
  return -1;
}

// Standard or URL-safe alphabet; padding optional.
bool decode_base64(std::string_view text, std::string& out) {
  out.clear();
  while (!text.empty() && text.back() == '=') text.remove_suffix(1);
  if (text.size() % 4 == 1) return false;
  out.reserve(text.size() * 3 / 4);
  uint32_t acc = 0;
  int bits = 0;
  for (char c : text) {
    const int d = base64_digit(c);
    if (d < 0) return false;
    acc = (acc << 6) | static_cast<uint32_t>(d);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xFF));
    }
  }
  return true;
}

class Reader {
 public:
  core::Status message(element value, const MessageInfo& info, pb::Message& msg, int depth) {
    if (depth > kMaxJsonDepth)
      return fail(fmt::format("messages nested deeper than {} levels", kMaxJsonDepth));
    simdjson::dom::object object;
    if (value.get_object().get(object) != simdjson::SUCCESS)
      return fail(fmt::format("expected an object, found {}", type_name(value.type())));
    for (auto [key, v] : object) {
      const FieldInfo* f = info.find(key);
      if (f == nullptr || v.is_null()) continue;
      path_.push_back({key, 0});
      HEELER_RETURN_IF_ERROR(field(v, *f, msg, depth));
      path_.pop_back();
    }
    return {};
  }

 private:
  struct Step {
    std::string_view key;  // empty: an array index
    size_t index;
  };

  core::Status field(element value, const FieldInfo& f, pb::Message& msg, int depth) {
    if (!f.repeated) return single(value, f, msg, false, depth);
    simdjson::dom::array array;
    if (value.get_array().get(array) != simdjson::SUCCESS)
      return fail(fmt::format("expected an array, found {}", type_name(value.type())));
    size_t index = 0;
    for (element item : array) {
      path_.push_back({{}, index++});
      HEELER_RETURN_IF_ERROR(single(item, f, msg, true, depth));
      path_.pop_back();
    }
    return {};
  }

  core::Status single(element v, const FieldInfo& f, pb::Message& msg, bool add, int depth) {
    const pb::Reflection* r = msg.GetReflection();
    const pb::FieldDescriptor* fd = f.field;
    switch (f.kind) {
      case Kind::message: {
        pb::Message* sub = add ? r->AddMessage(&msg, fd) : r->MutableMessage(&msg, fd);
        return message(v, *f.message, *sub, depth + 1);
      }
      case Kind::int64: {
        int64_t x = 0;
        if (!read_int64(v, x)) return expected("an integer", v);
        add ? r->AddInt64(&msg, fd, x) : r->SetInt64(&msg, fd, x);
        return {};
      }
      case Kind::int32: {
        int64_t x = 0;
        if (!read_int64(v, x) || x < std::numeric_limits<int32_t>::min() ||
            x > std::numeric_limits<int32_t>::max())
          return expected("a 32-bit integer", v);
        add ? r->AddInt32(&msg, fd, static_cast<int32_t>(x))
            : r->SetInt32(&msg, fd, static_cast<int32_t>(x));
        return {};
      }
      case Kind::uint64: {
        uint64_t x = 0;
        if (!read_uint64(v, x))
          return expected(v.type() == element_type::INT64 ? "a non-negative integer" : "an integer",
                          v);
        add ? r->AddUInt64(&msg, fd, x) : r->SetUInt64(&msg, fd, x);
        return {};
      }
      case Kind::uint32: {
        uint64_t x = 0;
        if (!read_uint64(v, x) || x > std::numeric_limits<uint32_t>::max())
          return expected("an unsigned 32-bit integer", v);
        add ? r->AddUInt32(&msg, fd, static_cast<uint32_t>(x))
            : r->SetUInt32(&msg, fd, static_cast<uint32_t>(x));
        return {};
      }
      case Kind::float64: {
        double x = 0;
        if (!read_double(v, x)) return expected("a number", v);
        add ? r->AddDouble(&msg, fd, x) : r->SetDouble(&msg, fd, x);
        return {};
      }
      case Kind::float32: {
        double x = 0;
        if (!read_double(v, x)) return expected("a number", v);
        add ? r->AddFloat(&msg, fd, static_cast<float>(x))
            : r->SetFloat(&msg, fd, static_cast<float>(x));
        return {};
      }
      case Kind::boolean: {
        bool x = false;
        if (v.get_bool().get(x) != simdjson::SUCCESS) return expected("true or false", v);
        add ? r->AddBool(&msg, fd, x) : r->SetBool(&msg, fd, x);
        return {};
      }
      case Kind::enumeration: {
        int64_t number = 0;
        std::string_view name;
        if (v.get_string().get(name) == simdjson::SUCCESS) {
          const pb::EnumValueDescriptor* value =
              fd->enum_type()->FindValueByName(std::string(name));
          if (value != nullptr) {
            number = value->number();
          } else if (!parse_integer_text(name, number) ||
                     number < std::numeric_limits<int32_t>::min() ||
                     number > std::numeric_limits<int32_t>::max()) {
            return fail(fmt::format("unknown {} value \"{}\"", fd->enum_type()->name(),
                                    name.substr(0, 64)));
          }
        } else if (!read_int64(v, number) || number < std::numeric_limits<int32_t>::min() ||
                   number > std::numeric_limits<int32_t>::max()) {
          return expected(fmt::format("an integer or a {} name", fd->enum_type()->name()), v);
        }
        add ? r->AddEnumValue(&msg, fd, static_cast<int>(number))
            : r->SetEnumValue(&msg, fd, static_cast<int>(number));
        return {};
      }
      case Kind::string: {
        std::string_view s;
        if (v.get_string().get(s) != simdjson::SUCCESS) return expected("a string", v);
        add ? r->AddString(&msg, fd, std::string(s)) : r->SetString(&msg, fd, std::string(s));
        return {};
      }
      case Kind::bytes:
      case Kind::hex_bytes: {
        std::string_view s;
        const bool hex = f.kind == Kind::hex_bytes;
        if (v.get_string().get(s) != simdjson::SUCCESS)
          return expected(hex ? "a hex string" : "a base64 string", v);
        std::string bytes;
        if (hex ? !decode_hex(s, bytes) : !decode_base64(s, bytes))
          return fail(hex ? "expected a hex string (an even number of hex digits)"
                          : "expected a base64 string");
        add ? r->AddString(&msg, fd, std::move(bytes)) : r->SetString(&msg, fd, std::move(bytes));
        return {};
      }
    }
    return {};
  }

  core::Status expected(std::string_view what, element found) const {
    return fail(fmt::format("expected {}, found {}", what, type_name(found.type())));
  }

  core::Status fail(std::string_view what) const {
    std::string path;
    for (const Step& step : path_) {
      if (step.key.empty()) {
        fmt::format_to(std::back_inserter(path), "[{}]", step.index);
      } else {
        if (!path.empty()) path.push_back('.');
        path.append(step.key.substr(0, 128));
      }
    }
    if (path.empty()) return {core::Code::invalid_argument, std::string(what)};
    return {core::Code::invalid_argument, fmt::format("{}: {}", path, what)};
  }

  std::vector<Step> path_;
};

// Finds where a body stops being JSON (only on the error path), without building a
// document.
class ErrorLocator final : public nlohmann::json_sax<nlohmann::json> {
 public:
  bool null() override { return true; }
  bool boolean(bool) override { return true; }
  bool number_integer(number_integer_t) override { return true; }
  bool number_unsigned(number_unsigned_t) override { return true; }
  bool number_float(number_float_t, const string_t&) override { return true; }
  bool string(string_t&) override { return true; }
  bool binary(binary_t&) override { return true; }
  bool start_object(std::size_t) override { return true; }
  bool key(string_t&) override { return true; }
  bool end_object() override { return true; }
  bool start_array(std::size_t) override { return true; }
  bool end_array() override { return true; }
  bool parse_error(std::size_t position, const std::string&,
                   const nlohmann::detail::exception& e) override {
    failed = true;
    this->position = position;
    what = e.what();
    return false;
  }

  bool failed = false;
  size_t position = 0;
  std::string what;
};

std::string json_error(std::string_view body, simdjson::error_code code) {
  ErrorLocator locator;
  try {
    nlohmann::json::sax_parse(body.begin(), body.end(), &locator);
  } catch (const std::exception&) {
  }
  if (locator.failed) {
    std::string_view what = locator.what;
    if (const size_t at = what.find("] "); at != std::string_view::npos) what.remove_prefix(at + 2);
    return fmt::format("invalid JSON at byte {}: {}",
                       locator.position > 0 ? locator.position - 1 : 0, what);
  }
  return fmt::format("invalid JSON: {}", simdjson::error_message(code));
}

}  // namespace

core::Status parse_json(std::string_view body, google::protobuf::Message& message) {
  if (body.empty()) return {core::Code::invalid_argument, "invalid JSON at byte 0: empty body"};
  thread_local simdjson::dom::parser parser;
  element root;
  if (const simdjson::error_code code = parser.parse(body.data(), body.size(), true).get(root);
      code != simdjson::SUCCESS)
    return {core::Code::invalid_argument, json_error(body, code)};
  message.Clear();
  Reader reader;
  core::Status status = reader.message(root, schema_for(message.GetDescriptor()), message, 1);
  if (parser.capacity() > kKeepParserCapacity) parser = simdjson::dom::parser();
  return status;
}

}  // namespace heeler::intake::otlp::detail
