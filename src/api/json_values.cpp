#include "api/json_values.h"

namespace heeler::api {
namespace {

// nlohmann::json refuses invalid UTF-8 when dumping; keep such bytes readable instead.
std::string valid_utf8(const std::string& s) {
  std::string out;
  out.reserve(s.size());
  size_t i = 0;
  while (i < s.size()) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    size_t len = c < 0x80           ? 1
                 : (c >> 5) == 0x6  ? 2
                 : (c >> 4) == 0xE  ? 3
                 : (c >> 3) == 0x1E ? 4
                                    : 0;
    bool ok = len > 0 && i + len <= s.size();
    for (size_t k = 1; ok && k < len; ++k)
      ok = (static_cast<unsigned char>(s[i + k]) & 0xC0) == 0x80;
    if (ok) {
      out.append(s, i, len);
      i += len;
    } else {
      out += "\xEF\xBF\xBD";  // U+FFFD
      ++i;
    }
  }
  return out;
}

}  // namespace

nlohmann::json to_json(const store::Value& value) {
  return std::visit(
      [](const auto& v) -> nlohmann::json {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, std::monostate>)
          return nullptr;
        else if constexpr (std::is_same_v<T, std::string>)
          return valid_utf8(v);
        else if constexpr (std::is_same_v<T, store::Array>) {
          nlohmann::json arr = nlohmann::json::array();
          for (const auto& item : v) arr.push_back(to_json(item));
          return arr;
        } else if constexpr (std::is_same_v<T, store::MapEntries>) {
          bool string_keys = true;
          for (const auto& [k, _] : v)
            string_keys = string_keys && std::holds_alternative<std::string>(k.v);
          if (string_keys) {
            nlohmann::json obj = nlohmann::json::object();
            for (const auto& [k, val] : v)
              obj[valid_utf8(std::get<std::string>(k.v))] = to_json(val);
            return obj;
          }
          nlohmann::json pairs = nlohmann::json::array();
          for (const auto& [k, val] : v) pairs.push_back({to_json(k), to_json(val)});
          return pairs;
        } else {
          return v;
        }
      },
      value.v);
}

nlohmann::json to_json(const store::QueryResult& result) {
  nlohmann::json meta = nlohmann::json::array();
  for (const auto& c : result.columns()) meta.push_back({{"name", c.name}, {"type", c.type}});
  nlohmann::json data = nlohmann::json::array();
  for (const auto& row : result.rows()) {
    nlohmann::json r = nlohmann::json::array();
    for (const auto& cell : row) r.push_back(to_json(cell));
    data.push_back(std::move(r));
  }
  return {{"meta", meta},
          {"data", data},
          {"rows", result.row_count()},
          {"statistics",
           {{"elapsed", result.elapsed_seconds},
            {"rows_read", result.rows_read},
            {"bytes_read", result.bytes_read}}}};
}

}  // namespace heeler::api
