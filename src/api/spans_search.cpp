#include "api/spans_search.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "api/event_search.h"
#include "api/json_values.h"
#include "pipeline/log_processing.h"
#include "query/time_spec.h"

namespace heeler::api {
namespace {

using net::Request;
using net::Response;
using nlohmann::json;

constexpr const char* kRowHash = "cityHash64(trace_id, span_id)";
constexpr const char* kSpanColumns =
    "toUnixTimestamp64Nano(timestamp) AS ts, cityHash64(trace_id, span_id) AS h, service, env, "
    "version, host, name, resource, kind, type, error, status_message, lower(hex(trace_id)), "
    "lower(hex(span_id)), lower(hex(parent_span_id)), duration_ns, attributes, metrics, events";

bool zero_hex(const std::string& hex) {
  return hex.find_first_not_of('0') == std::string::npos;
}

json span_json(const std::vector<store::Value>& row) {
  const int64_t start = row[0].as_int64();
  const int64_t duration = static_cast<int64_t>(row[15].as_uint64());
  json custom = to_json(row[16]);
  const json numbers = to_json(row[17]);
  for (const auto& [k, v] : numbers.items()) custom[k] = v;
  json tags = json::array();
  const char* names[] = {"service", "env", "version", "host"};
  for (size_t i = 0; i < 4; ++i)
    if (const std::string v = row[2 + i].as_string(); !v.empty())
      tags.push_back(fmt::format("{}:{}", names[i], v));
  json events = json::parse(row[18].as_string(), nullptr, false);
  const std::string parent = row[14].as_string();
  json attributes = {{"service", row[2].as_string()},
                     {"env", row[3].as_string()},
                     {"version", row[4].as_string()},
                     {"host", row[5].as_string()},
                     {"operation_name", row[6].as_string()},
                     {"resource_name", row[7].as_string()},
                     {"span_kind", row[8].as_string()},
                     {"type", row[9].as_string()},
                     {"status", row[10].as_uint64() ? "error" : "ok"},
                     {"trace_id", row[12].as_string()},
                     {"span_id", row[13].as_string()},
                     {"parent_id", zero_hex(parent) ? "0" : parent},
                     {"start_timestamp", iso_time(start, true)},
                     {"end_timestamp", iso_time(start + duration, true)},
                     {"duration", duration},
                     {"tags", std::move(tags)},
                     {"custom", nest(custom)},
                     {"events", events.is_discarded() ? json::array() : events}};
  if (const std::string m = row[11].as_string(); !m.empty()) attributes["status_message"] = m;
  return {{"id", row[13].as_string()}, {"type", "spans"}, {"attributes", std::move(attributes)}};
}

Response search(store::Engine& engine, const json& filter_in, const json& page_in,
                const json& sort_in, const Request& request) {
  auto filter = parse_filter(filter_in, query::spans_search_target());
  if (!filter.ok()) return Response::error(filter.status());
  auto page = parse_page(page_in, sort_in);
  if (!page.ok()) return Response::error(page.status());
  auto result = search_page(engine, query::spans_search_target(), kSpanColumns, kRowHash, *filter,
                            *page, request.path);
  if (!result.ok()) return Response::error(result.status());
  json data = json::array();
  for (const auto& row : result->rows.rows()) data.push_back(span_json(row));
  return Response::json(
      200,
      json{{"data", std::move(data)}, {"meta", result->meta}, {"links", result->links}}.dump());
}

// The body's data.attributes (Datadog wraps span requests), or the body itself.
const json* attributes_of(const json& body) {
  if (auto d = body.find("data"); d != body.end() && d->is_object())
    if (auto a = d->find("attributes"); a != d->end() && a->is_object()) return &*a;
  return nullptr;
}

Response trace(store::Engine& engine, Request& request) {
  const std::string& id = request.path_params["trace_id"];
  pipeline::TraceId trace_id{};
  if (!pipeline::parse_log_trace_id(id, trace_id))
    return Response::error(
        400, fmt::format("'{}' is not a trace id (32 or 16 hex digits, or decimal)", id));
  std::string hex;
  for (uint8_t b : trace_id) hex += fmt::format("{:02x}", b);
  // A 64-bit id (Datadog) names the low half; match it against either form.
  const bool short_id = id.size() != 32;
  const std::string where = short_id ? "substring(trace_id, 9, 8) = unhex({low:String})"
                                     : "trace_id = unhex({id:String})";
  auto rows =
      engine.query(fmt::format("SELECT {} FROM spans WHERE {} ORDER BY timestamp LIMIT 100000",
                               kSpanColumns, where),
                   store::Params().add("id", hex).add("low", hex.substr(16)));
  if (!rows.ok()) return Response::error(rows.status());
  if (rows->row_count() == 0) return Response::error(404, fmt::format("no spans of trace {}", id));
  json spans = json::array();
  for (const auto& row : rows->rows()) spans.push_back(span_json(row)["attributes"]);
  const std::string full = rows->rows()[0][12].as_string();
  return Response::json(200,
                        json{{"data", {{"trace_id", full}, {"spans", std::move(spans)}}}}.dump());
}

Response traces(store::Engine& engine, Request& request) {
  json filter = json::object();
  if (auto q = request.query_param("query")) filter["query"] = std::string(*q);
  if (auto f = request.query_param("from")) filter["from"] = std::string(*f);
  if (auto t = request.query_param("to")) filter["to"] = std::string(*t);
  auto parsed = parse_filter(filter, query::spans_search_target());
  if (!parsed.ok()) return Response::error(parsed.status());
  int64_t limit = 50;
  if (auto l = request.query_param("limit")) {
    limit = std::atoll(std::string(*l).c_str());
    if (limit < 1 || limit > 1000) return Response::error(400, "limit must be 1 to 1000");
  }
  store::Params params = parsed->condition.params;
  params.add("from", parsed->from_ms).add("to", parsed->to_ms);
  const std::string range =
      "timestamp >= fromUnixTimestamp64Milli({from:Int64}) AND timestamp < "
      "fromUnixTimestamp64Milli({to:Int64})";
  const std::string sql = fmt::format(
      "SELECT lower(hex(trace_id)) AS id, toUnixTimestamp64Nano(min(timestamp)) AS start, "
      "max(toUnixTimestamp64Nano(timestamp) + duration_ns) - toUnixTimestamp64Nano(min(timestamp)) "
      "AS duration, count() AS spans, countIf(error = 1) AS errors, "
      "argMinIf(service, timestamp, parent_span_id = repeat('\\0', 8)) AS root_service, "
      "argMinIf(resource, timestamp, parent_span_id = repeat('\\0', 8)) AS root_resource, "
      "groupUniqArray(20)(service) AS services FROM spans WHERE {range} AND trace_id IN "
      "(SELECT trace_id FROM spans WHERE {range} AND {cond} ORDER BY timestamp DESC LIMIT {limit}) "
      "GROUP BY trace_id ORDER BY start DESC LIMIT {limit}",
      fmt::arg("range", range), fmt::arg("cond", parsed->condition.sql),
      fmt::arg("limit", limit * 20));
  auto rows = engine.query(sql, params);
  if (!rows.ok()) return Response::error(rows.status());
  json data = json::array();
  for (const auto& row : rows->rows()) {
    if (data.size() >= static_cast<size_t>(limit)) break;
    json services = json::array();
    for (const auto& s : std::get<store::Array>(row[7].v)) services.push_back(s.as_string());
    data.push_back({{"trace_id", row[0].as_string()},
                    {"start_timestamp", iso_time(row[1].as_int64())},
                    {"duration", row[2].as_int64()},
                    {"span_count", row[3].as_uint64()},
                    {"error_count", row[4].as_uint64()},
                    {"root_service", row[5].as_string()},
                    {"root_resource", row[6].as_string()},
                    {"services", std::move(services)}});
  }
  return Response::json(200, json{{"data", std::move(data)}}.dump());
}

}  // namespace

void add_spans_search_routes(net::Router& router, store::Engine& engine) {
  router.add("POST", "/api/v2/spans/events/search", [&engine](Request& request) {
    json body = json::parse(request.body, nullptr, false);
    const json* a = body.is_object() ? attributes_of(body) : nullptr;
    if (!a)
      return Response::error(
          400,
          "the body must be {\"data\":{\"type\":\"search_request\",\"attributes\":{filter, page, "
          "sort}}}");
    return search(engine, a->value("filter", json()), a->value("page", json()),
                  a->value("sort", json()), request);
  });
  router.add("GET", "/api/v2/spans/events", [&engine](Request& request) {
    json filter, page, sort;
    if (core::Status st = search_parameters(request, filter, page, sort); !st.ok())
      return Response::error(st);
    return search(engine, filter, page, sort, request);
  });
  router.add("POST", "/api/v2/spans/analytics/aggregate", [&engine](Request& request) {
    json body = json::parse(request.body, nullptr, false);
    const json* a = body.is_object() ? attributes_of(body) : nullptr;
    if (!a)
      return Response::error(
          400, "the body must be {\"data\":{\"attributes\":{compute, filter, group_by}}}");
    auto filter = parse_filter(a->value("filter", json()), query::spans_search_target());
    if (!filter.ok()) return Response::error(filter.status());
    auto result = aggregate(engine, query::spans_search_target(), *filter,
                            a->value("compute", json()), a->value("group_by", json()));
    if (!result.ok()) return Response::error(result.status());
    return Response::json(
        200, json{{"data", std::move(*result)}, {"meta", {{"status", "done"}}}}.dump());
  });
  router.add("GET", "/api/v1/traces/{trace_id}",
             [&engine](Request& r) { return trace(engine, r); });
  router.add("GET", "/api/v1/traces", [&engine](Request& r) { return traces(engine, r); });
}

}  // namespace heeler::api
