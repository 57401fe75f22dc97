#include "api/rum_search.h"

#include <fmt/format.h>

#include <cmath>
#include <nlohmann/json.hpp>

#include "api/event_search.h"
#include "api/json_values.h"

namespace heeler::api {
namespace {

using net::Request;
using net::Response;
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

Response search(store::Engine& engine, const json& filter_in, const json& page_in,
                const json& sort_in, const Request& request) {
  const query::SearchTarget& target = query::rum_search_target();
  auto filter = parse_filter(filter_in, target);
  if (!filter.ok()) return Response::error(filter.status());
  auto page = parse_page(page_in, sort_in);
  if (!page.ok()) return Response::error(page.status());
  auto result = search_page(engine, target, kRumColumns, kRowHash, *filter, *page, request.path);
  if (!result.ok()) return Response::error(result.status());
  json data = json::array();
  for (const auto& row : result->rows.rows()) data.push_back(rum_json(row));
  return Response::json(
      200,
      json{{"data", std::move(data)}, {"meta", result->meta}, {"links", result->links}}.dump());
}

json parse_body(const Request& request, bool& ok) {
  if (request.body.empty()) {
    ok = true;
    return json::object();
  }
  json body = json::parse(request.body, nullptr, false);
  ok = !body.is_discarded() && body.is_object();
  return body;
}

}  // namespace

void add_rum_search_routes(net::Router& router, store::Engine& engine) {
  router.add("POST", "/api/v2/rum/events/search", [&engine](Request& request) {
    bool ok = false;
    json body = parse_body(request, ok);
    if (!ok) return Response::error(400, "the body must be a JSON object {filter, page, sort}");
    return search(engine, body.value("filter", json()), body.value("page", json()),
                  body.value("sort", json()), request);
  });
  router.add("GET", "/api/v2/rum/events", [&engine](Request& request) {
    json filter, page, sort;
    if (core::Status st = search_parameters(request, filter, page, sort); !st.ok())
      return Response::error(st);
    return search(engine, filter, page, sort, request);
  });
  router.add("POST", "/api/v2/rum/analytics/aggregate", [&engine](Request& request) {
    bool ok = false;
    json body = parse_body(request, ok);
    if (!ok)
      return Response::error(400, "the body must be a JSON object {compute, filter, group_by}");
    auto filter = parse_filter(body.value("filter", json()), query::rum_search_target());
    if (!filter.ok()) return Response::error(filter.status());
    auto result = aggregate(engine, query::rum_search_target(), *filter,
                            body.value("compute", json()), body.value("group_by", json()));
    if (!result.ok()) return Response::error(result.status());
    return Response::json(
        200, json{{"data", std::move(*result)}, {"meta", {{"status", "done"}}}}.dump());
  });
}

}  // namespace heeler::api
