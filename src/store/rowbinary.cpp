#include "store/rowbinary.h"

#include <arpa/inet.h>
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <optional>
#include <utility>
#include <vector>

namespace heeler::store::rowbinary {
namespace {

constexpr int kMaxTypeDepth = 32;
// Elements that take no bytes (Nothing, Tuple()) cannot be bounded by the input size.
constexpr uint64_t kMaxZeroWidthElements = 1024;

enum class Kind {
  int_signed,    // width 1/2/4/8 → int64_t
  int_unsigned,  // width 1/2/4/8 → uint64_t
  big_signed,    // width 16/32 → decimal string
  big_unsigned,
  float32,
  float64,
  bfloat16,
  boolean,
  string,
  fixed_string,  // width
  date,          // UInt16 days
  date32,        // Int32 days
  datetime,      // UInt32 seconds
  uuid,
  ipv4,
  ipv6,
  enum8,
  enum16,
  decimal,  // width, scale
  nothing,
  nullable,  // children[0]
  array,     // children[0]
  map,       // children[0], children[1]
  tuple,     // children
};

struct Type {
  Kind kind = Kind::nothing;
  size_t width = 0;
  int scale = 0;
  std::vector<Type> children;
  std::vector<std::pair<int64_t, std::string>> enum_names;
  size_t min_size = 0;  // fewest bytes one value can take
};

struct ParseError {
  std::string message;
};

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\n'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\n'))
    s.remove_suffix(1);
  return s;
}

bool is_word_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

// Skips a quoted run starting at s[i] (a ' or ` quote) with backslash escapes; returns
// the index after the closing quote, or npos when it is not closed.
size_t skip_quoted(std::string_view s, size_t i) {
  const char quote = s[i];
  for (++i; i < s.size(); ++i) {
    if (s[i] == '\\') {
      ++i;
    } else if (s[i] == quote) {
      return i + 1;
    }
  }
  return std::string_view::npos;
}

// Splits "a, b(c, d), 'e,f'" at the commas outside brackets and quotes.
std::optional<std::vector<std::string_view>> split_args(std::string_view s) {
  std::vector<std::string_view> out;
  int depth = 0;
  size_t start = 0;
  for (size_t i = 0; i < s.size();) {
    char c = s[i];
    if (c == '\'' || c == '`') {
      i = skip_quoted(s, i);
      if (i == std::string_view::npos) return std::nullopt;
      continue;
    }
    if (c == '(') ++depth;
    if (c == ')' && --depth < 0) return std::nullopt;
    if (c == ',' && depth == 0) {
      out.push_back(trim(s.substr(start, i - start)));
      start = i + 1;
    }
    ++i;
  }
  if (depth != 0) return std::nullopt;
  out.push_back(trim(s.substr(start)));
  return out;
}

std::optional<int64_t> parse_int(std::string_view s) {
  s = trim(s);
  bool negative = false;
  if (!s.empty() && (s.front() == '-' || s.front() == '+')) {
    negative = s.front() == '-';
    s.remove_prefix(1);
  }
  if (s.empty() || s.size() > 18) return std::nullopt;
  int64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + (c - '0');
  }
  return negative ? -v : v;
}

// 'text' with backslash escapes → text.
std::optional<std::string> unquote(std::string_view s) {
  if (s.size() < 2 || s.front() != '\'' || s.back() != '\'') return std::nullopt;
  std::string out;
  for (size_t i = 1; i + 1 < s.size(); ++i) {
    if (s[i] == '\\' && i + 2 < s.size()) ++i;
    out += s[i];
  }
  return out;
}

class TypeParser {
 public:
  std::optional<Type> parse(std::string_view text, int depth = 0) {
    if (depth > kMaxTypeDepth) return fail("nested too deeply");
    text = trim(text);
    size_t n = 0;
    while (n < text.size() && is_word_char(text[n])) ++n;
    std::string_view name = text.substr(0, n);
    if (name.empty()) return fail("no type name");
    std::vector<std::string_view> args;
    bool has_args = false;
    if (n < text.size()) {
      if (text[n] != '(' || text.back() != ')') return fail("unexpected text after the name");
      auto split = split_args(text.substr(n + 1, text.size() - n - 2));
      if (!split) return fail("unbalanced brackets or quotes");
      args = std::move(*split);
      has_args = true;
      if (args.size() == 1 && args[0].empty()) args.clear();
    }
    return build(name, args, has_args, depth);
  }

  const std::string& error() const { return error_; }
  bool unknown() const { return unknown_; }

 private:
  std::nullopt_t fail(std::string why) {
    if (error_.empty()) error_ = std::move(why);
    return std::nullopt;
  }
  std::nullopt_t unknown_type(std::string_view name) {
    if (error_.empty()) {
      error_ = fmt::format("unknown type {}", name);
      unknown_ = true;
    }
    return std::nullopt;
  }

  static Type simple(Kind kind, size_t width) {
    Type t;
    t.kind = kind;
    t.width = width;
    t.min_size = width;
    return t;
  }

  std::optional<Type> wrap(Kind kind, std::vector<Type> children, size_t min_size) {
    Type t;
    t.kind = kind;
    t.children = std::move(children);
    t.min_size = min_size;
    return t;
  }

  std::optional<Type> one_child(std::string_view name, const std::vector<std::string_view>& args,
                                int depth) {
    if (args.size() != 1) return fail(fmt::format("{} takes one type", name));
    return parse(args[0], depth + 1);
  }

  std::optional<Type> decimal(size_t precision, std::string_view scale_text) {
    auto scale = parse_int(scale_text);
    if (!scale || *scale < 0 || static_cast<size_t>(*scale) > precision || precision < 1 ||
        precision > 76)
      return fail("bad decimal precision or scale");
    Type t = simple(Kind::decimal, precision <= 9    ? 4
                                   : precision <= 18 ? 8
                                   : precision <= 38 ? 16
                                                     : 32);
    t.scale = static_cast<int>(*scale);
    return t;
  }

  std::optional<Type> build(std::string_view name, const std::vector<std::string_view>& args,
                            bool has_args, int depth) {
    struct Fixed {
      std::string_view name;
      Kind kind;
      size_t width;
    };
    static constexpr Fixed kFixed[] = {
        {"Int8", Kind::int_signed, 1},
        {"Int16", Kind::int_signed, 2},
        {"Int32", Kind::int_signed, 4},
        {"Int64", Kind::int_signed, 8},
        {"UInt8", Kind::int_unsigned, 1},
        {"UInt16", Kind::int_unsigned, 2},
        {"UInt32", Kind::int_unsigned, 4},
        {"UInt64", Kind::int_unsigned, 8},
        {"Int128", Kind::big_signed, 16},
        {"Int256", Kind::big_signed, 32},
        {"UInt128", Kind::big_unsigned, 16},
        {"UInt256", Kind::big_unsigned, 32},
        {"Float32", Kind::float32, 4},
        {"Float64", Kind::float64, 8},
        {"BFloat16", Kind::bfloat16, 2},
        {"Bool", Kind::boolean, 1},
        {"String", Kind::string, 1},
        {"Date", Kind::date, 2},
        {"Date32", Kind::date32, 4},
        {"UUID", Kind::uuid, 16},
        {"IPv4", Kind::ipv4, 4},
        {"IPv6", Kind::ipv6, 16},
        {"Nothing", Kind::nothing, 0},
        {"Time", Kind::int_signed, 4},
    };
    for (const auto& f : kFixed) {
      if (name == f.name) {
        if (has_args) return fail(fmt::format("{} takes no arguments", name));
        return simple(f.kind, f.width);
      }
    }
    if (name.starts_with("Interval") && !has_args) return simple(Kind::int_signed, 8);
    if (name == "DateTime") {
      if (args.size() > 1) return fail("DateTime takes at most a time zone");
      return simple(Kind::datetime, 4);
    }
    if (name == "DateTime64" || name == "Time64") {
      if (args.empty() || args.size() > 2 || !parse_int(args[0]))
        return fail(fmt::format("{} needs a precision", name));
      return simple(Kind::int_signed, 8);
    }
    if (name == "FixedString") {
      auto width = args.size() == 1 ? parse_int(args[0]) : std::nullopt;
      if (!width || *width < 1 || *width > (int64_t{1} << 30))
        return fail("FixedString needs a positive width");
      return simple(Kind::fixed_string, static_cast<size_t>(*width));
    }
    if (name == "Decimal") {
      if (args.empty() || args.size() > 2) return fail("Decimal takes a precision and a scale");
      auto precision = parse_int(args[0]);
      if (!precision || *precision < 1) return fail("bad decimal precision");
      return decimal(static_cast<size_t>(*precision), args.size() == 2 ? args[1] : "0");
    }
    if (name == "Decimal32" || name == "Decimal64" || name == "Decimal128" ||
        name == "Decimal256") {
      if (args.size() != 1) return fail(fmt::format("{} takes a scale", name));
      size_t precision = name == "Decimal32"    ? 9
                         : name == "Decimal64"  ? 18
                         : name == "Decimal128" ? 38
                                                : 76;
      return decimal(precision, args[0]);
    }
    if (name == "Enum8" || name == "Enum16") return enumeration(name, args);
    if (name == "Nullable") {
      auto inner = one_child(name, args, depth);
      if (!inner) return std::nullopt;
      return wrap(Kind::nullable, {std::move(*inner)}, 1);
    }
    if (name == "LowCardinality") return one_child(name, args, depth);
    if (name == "SimpleAggregateFunction") {
      if (args.size() != 2) return fail("SimpleAggregateFunction takes a function and a type");
      return parse(args[1], depth + 1);
    }
    if (name == "Array") {
      auto inner = one_child(name, args, depth);
      if (!inner) return std::nullopt;
      return wrap(Kind::array, {std::move(*inner)}, 1);
    }
    if (name == "Map") {
      if (args.size() != 2) return fail("Map takes a key and a value type");
      auto key = parse(args[0], depth + 1);
      if (!key) return std::nullopt;
      auto value = parse(args[1], depth + 1);
      if (!value) return std::nullopt;
      return wrap(Kind::map, {std::move(*key), std::move(*value)}, 1);
    }
    if (name == "Tuple") return tuple(args, depth);
    // Geo types are aliases of tuples and arrays.
    if (!has_args) {
      if (name == "Point") return parse("Tuple(Float64, Float64)", depth + 1);
      if (name == "Ring" || name == "LineString") return parse("Array(Point)", depth + 1);
      if (name == "Polygon" || name == "MultiLineString") return parse("Array(Ring)", depth + 1);
      if (name == "MultiPolygon") return parse("Array(Polygon)", depth + 1);
    }
    return unknown_type(name);
  }

  std::optional<Type> enumeration(std::string_view name,
                                  const std::vector<std::string_view>& args) {
    Type t = simple(name == "Enum8" ? Kind::enum8 : Kind::enum16, name == "Enum8" ? 1 : 2);
    for (auto arg : args) {
      // 'name' = number; the name may itself hold '='.
      if (arg.empty() || arg.front() != '\'') return fail("bad enum element");
      size_t end = skip_quoted(arg, 0);
      if (end == std::string_view::npos) return fail("bad enum element");
      auto label = unquote(arg.substr(0, end));
      std::string_view rest = trim(arg.substr(end));
      if (!label || rest.empty() || rest.front() != '=') return fail("bad enum element");
      auto number = parse_int(rest.substr(1));
      if (!number) return fail("bad enum value");
      t.enum_names.emplace_back(*number, std::move(*label));
    }
    return t;
  }

  std::optional<Type> tuple(const std::vector<std::string_view>& args, int depth) {
    std::vector<Type> elements;
    size_t min_size = 0;
    for (auto arg : args) {
      // Named elements read "name Type" (the name possibly `quoted`): drop the name.
      std::string_view type_text = arg;
      if (!arg.empty() && arg.front() == '`') {
        size_t end = skip_quoted(arg, 0);
        if (end == std::string_view::npos) return fail("bad tuple element name");
        type_text = arg.substr(end);
      } else {
        size_t i = 0;
        while (i < arg.size() && is_word_char(arg[i])) ++i;
        if (i < arg.size() && (arg[i] == ' ' || arg[i] == '\t')) type_text = arg.substr(i);
      }
      auto element = parse(type_text, depth + 1);
      if (!element) return std::nullopt;
      min_size += element->min_size;
      elements.push_back(std::move(*element));
    }
    return wrap(Kind::tuple, std::move(elements), min_size);
  }

  std::string error_;
  bool unknown_ = false;
};

class Reader {
 public:
  explicit Reader(std::string_view data)
      : p_(reinterpret_cast<const uint8_t*>(data.data())), end_(p_ + data.size()) {}

  size_t remaining() const { return static_cast<size_t>(end_ - p_); }
  bool empty() const { return p_ == end_; }

  bool take(size_t n, const uint8_t*& out) {
    if (n > remaining()) return false;
    out = p_;
    p_ += n;
    return true;
  }

  bool varint(uint64_t& out) {
    out = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (p_ == end_) return false;
      uint8_t byte = *p_++;
      out |= static_cast<uint64_t>(byte & 0x7f) << shift;
      if ((byte & 0x80) == 0) return true;
    }
    return false;  // more than 10 bytes: not a valid LEB128 for 64 bits
  }

  bool string(std::string& out) {
    uint64_t n = 0;
    const uint8_t* bytes = nullptr;
    if (!varint(n) || n > remaining() || !take(static_cast<size_t>(n), bytes)) return false;
    out.assign(reinterpret_cast<const char*>(bytes), static_cast<size_t>(n));
    return true;
  }

 private:
  const uint8_t* p_;
  const uint8_t* end_;
};

template <typename T>
T load(const uint8_t* p) {
  T v;
  std::memcpy(&v, p, sizeof(T));
  return v;  // x86_64 and aarch64 Linux are little-endian, as is the format
}

int64_t load_signed(const uint8_t* p, size_t width) {
  switch (width) {
    case 1:
      return load<int8_t>(p);
    case 2:
      return load<int16_t>(p);
    case 4:
      return load<int32_t>(p);
    default:
      return load<int64_t>(p);
  }
}

uint64_t load_unsigned(const uint8_t* p, size_t width) {
  switch (width) {
    case 1:
      return load<uint8_t>(p);
    case 2:
      return load<uint16_t>(p);
    case 4:
      return load<uint32_t>(p);
    default:
      return load<uint64_t>(p);
  }
}

// Little-endian two's complement integer of `width` bytes → 32-bit limbs of its magnitude.
std::vector<uint32_t> magnitude(const uint8_t* p, size_t width, bool is_signed, bool& negative) {
  std::vector<uint32_t> limbs(width / 4);
  for (size_t i = 0; i < limbs.size(); ++i) limbs[i] = load<uint32_t>(p + 4 * i);
  negative = is_signed && (p[width - 1] & 0x80) != 0;
  if (negative) {
    uint64_t carry = 1;
    for (auto& limb : limbs) {
      uint64_t v = static_cast<uint64_t>(static_cast<uint32_t>(~limb)) + carry;
      limb = static_cast<uint32_t>(v);
      carry = v >> 32;
    }
  }
  return limbs;
}

std::string big_to_string(const uint8_t* p, size_t width, bool is_signed) {
  bool negative = false;
  auto limbs = magnitude(p, width, is_signed, negative);
  std::string digits;
  while (std::any_of(limbs.begin(), limbs.end(), [](uint32_t l) { return l != 0; })) {
    uint64_t rem = 0;
    for (size_t i = limbs.size(); i-- > 0;) {
      uint64_t cur = (rem << 32) | limbs[i];
      limbs[i] = static_cast<uint32_t>(cur / 1000000000);
      rem = cur % 1000000000;
    }
    bool more = std::any_of(limbs.begin(), limbs.end(), [](uint32_t l) { return l != 0; });
    digits.insert(0, more ? fmt::format("{:09}", rem) : fmt::format("{}", rem));
  }
  if (digits.empty()) digits = "0";
  if (negative) digits.insert(0, "-");
  return digits;
}

double big_to_double(const uint8_t* p, size_t width) {
  bool negative = false;
  auto limbs = magnitude(p, width, true, negative);
  double v = 0;
  for (size_t i = limbs.size(); i-- > 0;) v = v * 4294967296.0 + limbs[i];
  return negative ? -v : v;
}

std::string uuid_text(const uint8_t* p) {
  // Two little-endian UInt64 halves, the high half first.
  auto hi = load<uint64_t>(p);
  auto lo = load<uint64_t>(p + 8);
  return fmt::format("{:08x}-{:04x}-{:04x}-{:04x}-{:012x}", hi >> 32, (hi >> 16) & 0xffff,
                     hi & 0xffff, lo >> 48, lo & 0xffffffffffffULL);
}

std::string ipv4_text(const uint8_t* p) {
  auto v = load<uint32_t>(p);
  return fmt::format("{}.{}.{}.{}", v >> 24, (v >> 16) & 0xff, (v >> 8) & 0xff, v & 0xff);
}

std::string ipv6_text(const uint8_t* p) {
  char buf[INET6_ADDRSTRLEN] = {};
  if (inet_ntop(AF_INET6, p, buf, sizeof(buf)) == nullptr) return {};
  return buf;
}

bool decode_value(Reader& r, const Type& t, Value& out);

bool element_count(Reader& r, const Type& element, uint64_t& n) {
  if (!r.varint(n)) return false;
  if (element.min_size == 0) return n <= kMaxZeroWidthElements;
  return n <= r.remaining() / element.min_size;
}

bool decode_value(Reader& r, const Type& t, Value& out) {
  const uint8_t* p = nullptr;
  switch (t.kind) {
    case Kind::nothing:
      out.v = std::monostate{};
      return true;
    case Kind::nullable: {
      if (!r.take(1, p)) return false;
      if (*p != 0) {
        out.v = std::monostate{};
        return true;
      }
      return decode_value(r, t.children[0], out);
    }
    case Kind::string: {
      std::string s;
      if (!r.string(s)) return false;
      out.v = std::move(s);
      return true;
    }
    case Kind::array: {
      uint64_t n = 0;
      if (!element_count(r, t.children[0], n)) return false;
      Array items(static_cast<size_t>(n));
      for (auto& item : items)
        if (!decode_value(r, t.children[0], item)) return false;
      out.v = std::move(items);
      return true;
    }
    case Kind::map: {
      uint64_t n = 0;
      Type entry;
      entry.min_size = t.children[0].min_size + t.children[1].min_size;
      if (!element_count(r, entry, n)) return false;
      MapEntries entries(static_cast<size_t>(n));
      for (auto& [key, value] : entries)
        if (!decode_value(r, t.children[0], key) || !decode_value(r, t.children[1], value))
          return false;
      out.v = std::move(entries);
      return true;
    }
    case Kind::tuple: {
      Array items(t.children.size());
      for (size_t i = 0; i < items.size(); ++i)
        if (!decode_value(r, t.children[i], items[i])) return false;
      out.v = std::move(items);
      return true;
    }
    default:
      break;
  }
  if (!r.take(t.width, p)) return false;
  switch (t.kind) {
    case Kind::int_signed:
      out.v = load_signed(p, t.width);
      break;
    case Kind::int_unsigned:
      out.v = load_unsigned(p, t.width);
      break;
    case Kind::big_signed:
      out.v = big_to_string(p, t.width, true);
      break;
    case Kind::big_unsigned:
      out.v = big_to_string(p, t.width, false);
      break;
    case Kind::float32:
      out.v = static_cast<double>(load<float>(p));
      break;
    case Kind::float64:
      out.v = load<double>(p);
      break;
    case Kind::bfloat16: {
      uint32_t bits = static_cast<uint32_t>(load<uint16_t>(p)) << 16;
      float f = 0;
      std::memcpy(&f, &bits, sizeof(f));
      out.v = static_cast<double>(f);
      break;
    }
    case Kind::boolean:
      out.v = *p != 0;
      break;
    case Kind::fixed_string:
      out.v = std::string(reinterpret_cast<const char*>(p), t.width);
      break;
    case Kind::date:
      out.v = static_cast<int64_t>(load<uint16_t>(p));
      break;
    case Kind::date32:
      out.v = static_cast<int64_t>(load<int32_t>(p));
      break;
    case Kind::datetime:
      out.v = static_cast<int64_t>(load<uint32_t>(p));
      break;
    case Kind::uuid:
      out.v = uuid_text(p);
      break;
    case Kind::ipv4:
      out.v = ipv4_text(p);
      break;
    case Kind::ipv6:
      out.v = ipv6_text(p);
      break;
    case Kind::enum8:
    case Kind::enum16: {
      int64_t number = load_signed(p, t.width);
      auto it = std::find_if(t.enum_names.begin(), t.enum_names.end(),
                             [&](const auto& e) { return e.first == number; });
      out.v = it != t.enum_names.end() ? it->second : fmt::format("{}", number);
      break;
    }
    case Kind::decimal: {
      double unscaled =
          t.width <= 8 ? static_cast<double>(load_signed(p, t.width)) : big_to_double(p, t.width);
      out.v = unscaled / std::pow(10.0, t.scale);
      break;
    }
    default:
      return false;
  }
  return true;
}

core::Status truncated() {
  return core::Status(core::Code::engine_error, "truncated result");
}

}  // namespace

core::Result<QueryResult> decode(std::string_view data) {
  // Statements without a result set (INSERT, CREATE, …) print nothing at all.
  if (data.empty()) return QueryResult();
  Reader r(data);
  uint64_t n = 0;
  if (!r.varint(n)) return truncated();
  if (n > r.remaining()) return truncated();  // each name takes at least one byte
  std::vector<ResultColumn> columns(static_cast<size_t>(n));
  for (auto& c : columns)
    if (!r.string(c.name)) return truncated();
  for (auto& c : columns)
    if (!r.string(c.type)) return truncated();

  std::vector<Type> types;
  types.reserve(columns.size());
  size_t row_min_size = 0;
  for (const auto& c : columns) {
    TypeParser parser;
    auto type = parser.parse(c.type);
    if (!type) {
      if (parser.unknown())
        return core::error(core::Code::engine_error,
                           "result column {} has type {}, which Heeler cannot decode ({})", c.name,
                           c.type, parser.error());
      return core::error(core::Code::engine_error, "cannot parse type '{}' of result column {}: {}",
                         c.type, c.name, parser.error());
    }
    row_min_size += type->min_size;
    types.push_back(std::move(*type));
  }

  std::vector<std::vector<Value>> rows;
  if (!r.empty() && row_min_size == 0)
    return core::error(core::Code::engine_error,
                       "result rows of zero width cannot be delimited (columns of type Nothing "
                       "or Tuple())");
  while (!r.empty()) {
    std::vector<Value> row(columns.size());
    for (size_t i = 0; i < row.size(); ++i)
      if (!decode_value(r, types[i], row[i])) return truncated();
    rows.push_back(std::move(row));
  }
  return QueryResult(std::move(columns), std::move(rows));
}

}  // namespace heeler::store::rowbinary
