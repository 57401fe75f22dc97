// Reading fields of JSON that users send. nlohmann's value() throws when a field holds
// another type than its default's; field() does the same with an error that names the
// field, which parsers catch at their boundary and return as invalid_argument
// ("options.tick_every must be a number").
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <type_traits>

namespace heeler::core {

struct BadField {
  std::string key;
  std::string expected;  // "a string", "a number", "true or false"
  std::string message() const { return key + " must be " + expected; }
};

// The field's value, or `fallback` when the object lacks it (or is not an object, or
// holds null); BadField when it holds another type.
template <typename T>
auto field(const nlohmann::json& object, std::string_view key, T fallback) {
  constexpr bool kText = std::is_convertible_v<T, std::string_view> && !std::is_same_v<T, bool>;
  using R = std::conditional_t<kText, std::string, T>;
  if (!object.is_object()) return R(fallback);
  auto it = object.find(key);
  if (it == object.end() || it->is_null()) return R(fallback);
  if constexpr (kText) {
    if (!it->is_string()) throw BadField{std::string(key), "a string"};
    return it->template get<std::string>();
  } else if constexpr (std::is_same_v<R, bool>) {
    if (!it->is_boolean()) throw BadField{std::string(key), "true or false"};
    return it->template get<bool>();
  } else {
    static_assert(std::is_arithmetic_v<R>, "field() reads text, booleans and numbers");
    if (!it->is_number()) throw BadField{std::string(key), "a number"};
    return it->template get<R>();
  }
}

}  // namespace heeler::core
