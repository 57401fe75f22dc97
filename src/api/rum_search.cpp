#include "api/rum_search.h"

#include <fmt/format.h>

#include <cmath>
#include <nlohmann/json.hpp>

#include "api/event_search.h"
#include "api/json_values.h"

namespace heeler::api {
namespace {

using nlohmann::json;

// The same row hash in the SELECT and in the cursor condition.
constexpr const char* kRowHash = "cityHash64(type, event_id, application_id)";

const std::string kRumColumns = std::string("toUnixTimestamp64Nano(timestamp) AS ts, ") + kRowHash +
                                " AS h, type, service, env, version, application_id, session_id, "
                                "view_id, view_name, view_url, attributes, numeric";

json rum_json(const std::vector<store::Value>& row) {
  json tags = json::array();
  const char* names[] = {"service", "env", "version"};
  for (size_t i = 0; i < 3; ++i)
    if (const std::string v = row[3 + i].as_string(); !v.empty())
      tags.push_back(fmt::format("{}:{}", names[i], v));
  json flat = to_json(row[11]);
  if (!flat.is_object()) flat = json::object();
  const json numeric = to_json(row[12]);
  if (numeric.is_object())
    for (const auto& [key, value] : numeric.items()) {
      // Counts, status codes and nanosecond durations read as the integers they were sent as.
      const double v = value.is_number() ? value.get<double>() : NAN;
      if (std::isfinite(v) && v == std::trunc(v) && std::fabs(v) < 9.0e15)
        flat[key] = static_cast<int64_t>(v);
      else
        flat[key] = value;
    }
  flat["type"] = row[2].as_string();
  const char* keys[] = {"application.id", "session.id", "view.id", "view.name", "view.url"};
  for (size_t i = 0; i < 5; ++i)
    if (const std::string v = row[6 + i].as_string(); !v.empty()) flat[keys[i]] = v;
  return json({{"id", encode_cursor({row[0].as_int64(), row[1].as_uint64()})},
               {"type", "rum"},
               {"attributes",
                {{"timestamp", iso_time(row[0].as_int64())},
                 {"service", row[3].as_string()},
                 {"tags", std::move(tags)},
                 {"attributes", nest(flat)}}}});
}

}  // namespace

void add_rum_search_routes(net::Router& router, store::Engine& engine) {
  add_search_routes(router, engine,
                    {"/api/v2/rum", &query::rum_search_target(), kRumColumns, kRowHash, rum_json});
}

}  // namespace heeler::api
