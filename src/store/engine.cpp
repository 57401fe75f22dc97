#include "store/engine.h"

#include <fmt/format.h>

#include <cmath>
#include <iterator>
#include <limits>
#include <type_traits>

namespace heeler::store {
namespace {

// Out-of-range and NaN doubles clamp instead of being undefined behaviour.
template <typename I>
I clamp_double(double d) {
  if (std::isnan(d)) return 0;
  constexpr double lo = static_cast<double>(std::numeric_limits<I>::min());
  constexpr double hi = static_cast<double>(std::numeric_limits<I>::max());
  if (d <= lo) return std::numeric_limits<I>::min();
  if (d >= hi) return std::numeric_limits<I>::max();
  return static_cast<I>(d);
}

void append_text(std::string& out, const Value& v, bool quote_strings);

void append_quoted(std::string& out, const std::string& s) {
  out += '\'';
  for (char c : s) {
    if (c == '\'' || c == '\\') out += '\\';
    out += c;
  }
  out += '\'';
}

void append_text(std::string& out, const Value& value, bool quote_strings) {
  std::visit(
      [&](const auto& v) {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, std::monostate>) {
          if (quote_strings) out += "NULL";
        } else if constexpr (std::is_same_v<T, bool>) {
          out += v ? "true" : "false";
        } else if constexpr (std::is_same_v<T, std::string>) {
          if (quote_strings)
            append_quoted(out, v);
          else
            out += v;
        } else if constexpr (std::is_same_v<T, Array>) {
          out += '[';
          for (size_t i = 0; i < v.size(); ++i) {
            if (i) out += ',';
            append_text(out, v[i], true);
          }
          out += ']';
        } else if constexpr (std::is_same_v<T, MapEntries>) {
          out += '{';
          for (size_t i = 0; i < v.size(); ++i) {
            if (i) out += ',';
            append_text(out, v[i].first, true);
            out += ':';
            append_text(out, v[i].second, true);
          }
          out += '}';
        } else {
          fmt::format_to(std::back_inserter(out), "{}", v);
        }
      },
      value.v);
}

}  // namespace

Params::Params(std::initializer_list<std::pair<std::string, std::string>> items) : items_(items) {}

Params& Params::add(std::string name, std::string value) {
  items_.emplace_back(std::move(name), std::move(value));
  return *this;
}

Params& Params::add(std::string name, int64_t value) {
  return add(std::move(name), fmt::format("{}", value));
}

Params& Params::add(std::string name, uint64_t value) {
  return add(std::move(name), fmt::format("{}", value));
}

// fmt's "{}" is the shortest text that parses back to the same double.
Params& Params::add(std::string name, double value) {
  return add(std::move(name), fmt::format("{}", value));
}

int64_t Value::as_int64() const {
  if (auto* i = std::get_if<int64_t>(&v)) return *i;
  if (auto* u = std::get_if<uint64_t>(&v)) return static_cast<int64_t>(*u);
  if (auto* d = std::get_if<double>(&v)) return clamp_double<int64_t>(*d);
  if (auto* b = std::get_if<bool>(&v)) return *b ? 1 : 0;
  return 0;
}

uint64_t Value::as_uint64() const {
  if (auto* u = std::get_if<uint64_t>(&v)) return *u;
  if (auto* i = std::get_if<int64_t>(&v)) return static_cast<uint64_t>(*i);
  if (auto* d = std::get_if<double>(&v)) return clamp_double<uint64_t>(*d);
  if (auto* b = std::get_if<bool>(&v)) return *b ? 1 : 0;
  return 0;
}

double Value::as_double() const {
  if (auto* d = std::get_if<double>(&v)) return *d;
  if (auto* i = std::get_if<int64_t>(&v)) return static_cast<double>(*i);
  if (auto* u = std::get_if<uint64_t>(&v)) return static_cast<double>(*u);
  if (auto* b = std::get_if<bool>(&v)) return *b ? 1.0 : 0.0;
  return 0;
}

std::string Value::as_string() const {
  if (auto* s = std::get_if<std::string>(&v)) return *s;
  std::string out;
  append_text(out, *this, false);
  return out;
}

int QueryResult::column_index(std::string_view name) const {
  for (size_t i = 0; i < columns_.size(); ++i)
    if (columns_[i].name == name) return static_cast<int>(i);
  return -1;
}

}  // namespace heeler::store
