#include "api/logs_search.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "api/event_search.h"
#include "api/json_values.h"

namespace heeler::api {
namespace {

using net::Request;
using net::Response;
using nlohmann::json;

// The same row hash in the SELECT and in the cursor condition.
constexpr const char* kRowHash =
    "cityHash64(toUnixTimestamp64Nano(observed_timestamp), message, span_id, service, host)";

bool zero_hex(const std::string& hex) {
  return hex.find_first_not_of('0') == std::string::npos;
}

std::string lower(std::string s) {
  for (char& c : s)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return s;
}

const std::string kLogColumns = std::string("toUnixTimestamp64Nano(timestamp) AS ts, ") + kRowHash +
                                " AS h, service, env, version, host, status, source, message, "
                                "hex(trace_id), hex(span_id), attributes";

json log_json(const std::vector<store::Value>& row) {
  json tags = json::array();
  const char* names[] = {"service", "env", "version", "host", "source"};
  const size_t columns[] = {2, 3, 4, 5, 7};
  for (size_t i = 0; i < 5; ++i)
    if (const std::string v = row[columns[i]].as_string(); !v.empty())
      tags.push_back(fmt::format("{}:{}", names[i], v));
  json attributes = nest(to_json(row[11]));
  if (const std::string t = lower(row[9].as_string()); !zero_hex(t)) attributes["trace_id"] = t;
  if (const std::string s = lower(row[10].as_string()); !zero_hex(s)) attributes["span_id"] = s;
  return json({{"id", encode_cursor({row[0].as_int64(), row[1].as_uint64()})},
               {"type", "log"},
               {"attributes",
                {{"timestamp", iso_time(row[0].as_int64())},
                 {"service", row[2].as_string()},
                 {"host", row[5].as_string()},
                 {"status", row[6].as_string()},
                 {"message", row[8].as_string()},
                 {"tags", std::move(tags)},
                 {"attributes", std::move(attributes)}}}});
}

}  // namespace

void add_logs_search_routes(net::Router& router, store::Engine& engine) {
  router.add("GET", "/api/v1/facets/{signal}", [&engine](Request& request) {
    const std::string& signal = request.path_params["signal"];
    const query::SearchTarget* target = signal == "logs"    ? &query::logs_search_target()
                                        : signal == "spans" ? &query::spans_search_target()
                                        : signal == "rum"   ? &query::rum_search_target()
                                                            : nullptr;
    if (!target) return Response::error(404, "facets exist for logs, spans and rum");
    json filter = json::object();
    if (auto q = request.query_param("query")) filter["query"] = std::string(*q);
    if (auto f = request.query_param("from")) filter["from"] = std::string(*f);
    if (auto t = request.query_param("to")) filter["to"] = std::string(*t);
    auto parsed = parse_filter(filter, *target);
    if (!parsed.ok()) return Response::error(parsed.status());
    size_t limit = 50;
    if (auto l = request.query_param("limit")) {
      limit = static_cast<size_t>(std::atoll(std::string(*l).c_str()));
      if (limit < 1 || limit > 1000) return Response::error(400, "limit must be 1 to 1000");
    }
    auto result =
        facets(engine, *target, *parsed, request.query_param("facet").value_or(""), limit);
    if (!result.ok()) return Response::error(result.status());
    return Response::json(200, result->dump());
  });
  add_search_routes(
      router, engine,
      {"/api/v2/logs", &query::logs_search_target(), kLogColumns, kRowHash, log_json});
}

}  // namespace heeler::api
