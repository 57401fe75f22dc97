#include "api/events.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "query/time_spec.h"

namespace heeler::api {
namespace {

using net::Request;
using net::Response;
using nlohmann::json;

std::vector<std::string> split(std::string_view s) {
  std::vector<std::string> out;
  size_t from = 0;
  while (from < s.size()) {
    const size_t comma = std::min(s.find(',', from), s.size());
    if (comma > from) out.emplace_back(s.substr(from, comma - from));
    from = comma + 1;
  }
  return out;
}

Response list_events(store::Engine& engine, Request& r) {
  const int64_t now = query::now_ms();
  int64_t range[2] = {0, now};
  const char* names[2] = {"start", "end"};
  for (int i = 0; i < 2; ++i) {
    auto v = r.query_param(names[i]);
    if (!v) {
      if (i == 0) return Response::error(400, "start is required (epoch seconds)");
      continue;
    }
    auto ms = query::parse_time_ms(*v, now);
    if (!ms)
      return Response::error(
          400, fmt::format("{} must be epoch seconds, RFC 3339 or now-1h, not '{}'", names[i], *v));
    range[i] = *ms;
  }
  if (range[1] <= range[0]) return Response::error(400, "end must be after start");
  store::Params params;
  params.add("from", range[0]).add("to", range[1]);
  std::string where =
      "timestamp >= fromUnixTimestamp64Milli({from:Int64}) AND timestamp <= "
      "fromUnixTimestamp64Milli({to:Int64})";
  const auto sources = split(r.query_param("sources").value_or(""));
  for (size_t i = 0; i < sources.size(); ++i) {
    where += fmt::format(" AND source = {{src{}:String}}", i);
    params.add(fmt::format("src{}", i), sources[i]);
  }
  const auto tags = split(r.query_param("tags").value_or(""));
  for (size_t i = 0; i < tags.size(); ++i) {
    const size_t colon = tags[i].find(':');
    const std::string key = tags[i].substr(0, colon);
    const std::string value = colon == std::string::npos ? "" : tags[i].substr(colon + 1);
    if (key == "host" || key == "service" || key == "env") {
      where += fmt::format(" AND {} = {{tv{}:String}}", key, i);
    } else {
      where += fmt::format(" AND tags[{{tk{}:String}}] = {{tv{}:String}}", i, i);
      params.add(fmt::format("tk{}", i), key);
    }
    params.add(fmt::format("tv{}", i), value);
  }
  if (auto p = r.query_param("priority")) {
    where += " AND priority = {priority:String}";
    params.add("priority", *p);
  }
  auto rows = engine.query(
      "SELECT toString(id), toUnixTimestamp64Milli(timestamp), title, text, source, priority, "
      "alert_type, host, service, env, aggregation_key, "
      "arrayMap((k, v) -> concat(k, ':', v), mapKeys(tags), mapValues(tags)) FROM events WHERE " +
          where + " ORDER BY timestamp DESC LIMIT 1000",
      params);
  if (!rows.ok()) return Response::error(rows.status());
  json events = json::array();
  for (const auto& row : rows->rows()) {
    json tags_out = json::array();
    for (const auto& t : std::get<store::Array>(row[11].v)) tags_out.push_back(t.as_string());
    for (int c : {8, 9})
      if (std::string v = row[c].as_string(); !v.empty())
        tags_out.push_back(fmt::format("{}:{}", c == 8 ? "service" : "env", v));
    events.push_back({{"id", row[0].as_string()},
                      {"date_happened", row[1].as_int64() / 1000},
                      {"timestamp_ms", row[1].as_int64()},
                      {"title", row[2].as_string()},
                      {"text", row[3].as_string()},
                      {"source_type_name", row[4].as_string()},
                      {"priority", row[5].as_string()},
                      {"alert_type", row[6].as_string()},
                      {"host", row[7].as_string()},
                      {"aggregation_key", row[10].as_string()},
                      {"tags", std::move(tags_out)}});
  }
  return Response::json(200, json{{"events", std::move(events)}}.dump());
}

}  // namespace

void add_event_routes(net::Router& router, store::Engine& engine) {
  router.add("GET", "/api/v1/events", [&engine](Request& r) { return list_events(engine, r); });
}

}  // namespace heeler::api
