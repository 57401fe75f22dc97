#include "api/metrics_query.h"

#include <fmt/format.h>

#include <cmath>
#include <nlohmann/json.hpp>
#include <set>

#include "query/metric_eval.h"
#include "query/metric_query.h"
#include "query/time_spec.h"

namespace heeler::api {
namespace {

using net::Request;
using net::Response;
using nlohmann::json;

json number_or_null(double v) {
  return std::isnan(v) || std::isinf(v) ? json(nullptr) : json(v);
}

// A from/to parameter; `what` names it in errors.
core::Result<int64_t> time_param(std::string_view text, std::string_view what, int64_t now) {
  auto ms = query::parse_time_ms(text, now);
  if (!ms)
    return core::error(core::Code::invalid_argument,
                       "'{}' must be epoch seconds or milliseconds, RFC 3339 or now-15m, not '{}'",
                       what, text);
  return *ms;
}

core::Result<query::TimeRange> range_of(const json& from, const json& to, int64_t now) {
  query::TimeRange range;
  auto one = [&](const json& v, std::string_view what, int64_t& out) -> core::Status {
    if (v.is_number_integer()) {
      // Numbers: milliseconds in v2 bodies, but accept seconds as Datadog's v1 does.
      const int64_t n = v.get<int64_t>();
      out = n < 100'000'000'000 ? n * 1000 : n;
      return {};
    }
    if (v.is_string()) {
      auto ms = time_param(v.get<std::string>(), what, now);
      if (!ms.ok()) return ms.status();
      out = *ms;
      return {};
    }
    return core::error(core::Code::invalid_argument, "'{}' is missing or not a time", what);
  };
  if (auto s = one(from, "from", range.from_ms); !s.ok()) return s;
  if (auto s = one(to, "to", range.to_ms); !s.ok()) return s;
  if (range.to_ms <= range.from_ms)
    return core::error(core::Code::invalid_argument, "'to' must be after 'from'");
  if (range.to_ms - range.from_ms > 400LL * 86400'000)
    return core::error(core::Code::invalid_argument, "the time range is longer than 400 days");
  return range;
}

core::Result<query::ParsedMetricExpr> parse(std::string_view text, std::string_view where) {
  query::ParsedMetricExpr parsed = query::parse_metric_expression(text);
  if (!parsed.ok())
    return core::error(core::Code::invalid_argument, "{}: at {}: {}", where, parsed.error->position,
                       parsed.error->message);
  return parsed;
}

std::string scope_of(const query::Series& s) {
  std::vector<std::string> tags = s.tag_set();
  return tags.empty() ? "*" : fmt::format("{}", fmt::join(tags, ","));
}

Response v1_query(store::Engine& engine, Request& request) {
  const int64_t now = query::now_ms();
  const auto from_text = request.query_param("from");
  const auto to_text = request.query_param("to");
  const auto text = request.query_param("query");
  if (!from_text || !to_text || !text)
    return Response::error(400, "from, to and query are required");
  auto range = range_of(json(std::string(*from_text)), json(std::string(*to_text)), now);
  if (!range.ok()) return Response::error(range.status());
  auto parsed = parse(*text, "query");
  if (!parsed.ok()) return Response::error(parsed.status());
  query::EngineMetricSource source(engine);
  auto series = query::evaluate(*parsed->root, *range, source);
  if (!series.ok()) return Response::error(series.status());

  json out_series = json::array();
  for (const query::Series& s : *series) {
    json points = json::array();
    for (size_t i = 0; i < s.values.size(); ++i)
      points.push_back(json::array(
          {static_cast<double>(s.start_ms + static_cast<int64_t>(i) * s.interval_s * 1000),
           number_or_null(s.values[i])}));
    const int64_t end = s.start_ms + static_cast<int64_t>(s.values.size()) * s.interval_s * 1000;
    out_series.push_back({{"metric", s.metric.empty() ? s.expression : s.metric},
                          {"display_name", s.metric.empty() ? s.expression : s.metric},
                          {"expression", s.expression},
                          {"scope", scope_of(s)},
                          {"tag_set", s.tag_set()},
                          {"pointlist", std::move(points)},
                          {"start", s.start_ms},
                          {"end", end - 1},
                          {"interval", s.interval_s},
                          {"length", s.values.size()},
                          {"aggr", nullptr},
                          {"unit", nullptr}});
  }
  json group_by = json::array();
  for (const query::MetricQuery* q : query::metric_queries(*parsed->root))
    for (const auto& g : q->group_by) group_by.push_back(g);
  json body = {
      {"status", "ok"},          {"res_type", "time_series"},      {"from_date", range->from_ms},
      {"to_date", range->to_ms}, {"query", std::string(*text)},    {"message", ""},
      {"group_by", group_by},    {"series", std::move(out_series)}};
  return Response::json(200, body.dump());
}

Response v2_timeseries(store::Engine& engine, Request& request) {
  json body = json::parse(request.body, nullptr, false);
  if (body.is_discarded() || !body.is_object())
    return Response::error(400, "the body must be a JSON object {\"data\":{\"attributes\":…}}");
  const json* attributes = nullptr;
  if (auto d = body.find("data"); d != body.end() && d->is_object())
    if (auto a = d->find("attributes"); a != d->end() && a->is_object()) attributes = &*a;
  if (!attributes) return Response::error(400, "data.attributes is required");
  const json& a = *attributes;
  auto range = range_of(a.value("from", json()), a.value("to", json()), query::now_ms());
  if (!range.ok()) return Response::error(range.status());
  int64_t interval_s = 0;
  if (auto it = a.find("interval"); it != a.end()) {
    if (!it->is_number_integer() || it->get<int64_t>() < 1000)
      return Response::error(400, "data.attributes.interval must be milliseconds ≥ 1000");
    interval_s = it->get<int64_t>() / 1000;
  }
  auto queries_it = a.find("queries");
  if (queries_it == a.end() || !queries_it->is_array() || queries_it->empty())
    return Response::error(400, "data.attributes.queries must be a non-empty array");
  if (queries_it->size() > 32) return Response::error(400, "at most 32 queries per request");

  std::vector<query::ParsedMetricExpr> parsed;
  std::vector<std::string> names;
  query::NamedQueries named;
  for (size_t i = 0; i < queries_it->size(); ++i) {
    const json& q = (*queries_it)[i];
    const std::string where = fmt::format("queries[{}]", i);
    if (!q.is_object() || !q.contains("query") || !q["query"].is_string())
      return Response::error(400, where + ".query must be a string");
    if (q.value("data_source", "metrics") != "metrics")
      return Response::error(400, where + ".data_source must be \"metrics\"");
    auto p = parse(q["query"].get<std::string>(), where + ".query");
    if (!p.ok()) return Response::error(p.status());
    if (p->root->kind != query::MetricExpr::Kind::query)
      return Response::error(400,
                             where + ".query must be one metric query; use formulas to combine");
    names.push_back(q.value("name", fmt::format("query{}", i + 1)));
    parsed.push_back(std::move(*p));
  }
  for (size_t i = 0; i < parsed.size(); ++i) named[names[i]] = parsed[i].root.get();

  // Formulas, or each query on its own.
  std::vector<std::pair<query::ParsedMetricExpr, json>> formulas;
  if (auto f = a.find("formulas"); f != a.end() && f->is_array() && !f->empty()) {
    for (size_t i = 0; i < f->size(); ++i) {
      const json& item = (*f)[i];
      if (!item.is_object() || !item.contains("formula") || !item["formula"].is_string())
        return Response::error(400, fmt::format("formulas[{}].formula must be a string", i));
      auto p = parse(item["formula"].get<std::string>(), fmt::format("formulas[{}].formula", i));
      if (!p.ok()) return Response::error(p.status());
      formulas.emplace_back(std::move(*p), item.value("limit", json()));
    }
  } else {
    for (const std::string& name : names)
      formulas.emplace_back(query::parse_metric_expression(name), json());
  }
  if (interval_s == 0) {
    int64_t rollup = 0;
    for (const auto& p : parsed) rollup = std::max(rollup, p.root->query->rollup_seconds);
    interval_s = query::interval_for(*range, rollup);
  }
  query::EngineMetricSource source(engine);
  json series_out = json::array();
  json values_out = json::array();
  json times = json::array();
  for (size_t i = 0; i < formulas.size(); ++i) {
    auto result = query::evaluate(*formulas[i].first.root, *range, source, named, interval_s);
    if (!result.ok()) return Response::error(result.status());
    std::vector<query::Series> series = std::move(*result);
    // limit {count, order}: keep the top series by mean.
    if (const json& limit = formulas[i].second; limit.is_object() && limit.contains("count")) {
      const size_t count = limit.value("count", 10);
      const bool ascending = limit.value("order", "desc") == "asc";
      auto mean = [](const query::Series& s) {
        double sum = 0;
        size_t n = 0;
        for (double v : s.values)
          if (!std::isnan(v)) sum += v, ++n;
        return n ? sum / static_cast<double>(n) : -INFINITY;
      };
      std::stable_sort(series.begin(), series.end(), [&](const auto& x, const auto& y) {
        return ascending ? mean(x) < mean(y) : mean(x) > mean(y);
      });
      if (series.size() > count) series.resize(count);
    }
    for (const query::Series& s : series) {
      if (times.empty())
        for (size_t k = 0; k < s.values.size(); ++k)
          times.push_back(s.start_ms + static_cast<int64_t>(k) * s.interval_s * 1000);
      series_out.push_back({{"group_tags", s.tag_set()}, {"query_index", i}, {"unit", nullptr}});
      json values = json::array();
      for (double v : s.values) values.push_back(number_or_null(v));
      values_out.push_back(std::move(values));
    }
  }
  if (times.empty()) {
    const int64_t step = interval_s * 1000;
    for (int64_t t = range->from_ms / step * step; t < range->to_ms; t += step) times.push_back(t);
  }
  json out = {{"data",
               {{"type", "timeseries_response"},
                {"attributes",
                 {{"series", std::move(series_out)},
                  {"times", std::move(times)},
                  {"values", std::move(values_out)}}}}}};
  return Response::json(200, out.dump());
}

Response list_metrics(store::Engine& engine, Request& request) {
  const int64_t now = query::now_ms();
  int64_t from = now - 86400'000;
  if (auto f = request.query_param("from")) {
    auto ms = time_param(*f, "from", now);
    if (!ms.ok()) return Response::error(ms.status());
    from = *ms;
  }
  store::Params params;
  params.add("from", from);
  std::string where = "last_seen >= fromUnixTimestamp64Milli({from:Int64})";
  if (auto host = request.query_param("host")) {
    where += " AND host = {host:String}";
    params.add("host", *host);
  }
  auto rows = engine.query(
      "SELECT DISTINCT metric FROM metric_series WHERE " + where + " ORDER BY metric LIMIT 100000",
      params);
  if (!rows.ok()) return Response::error(rows.status());
  std::set<std::string> names;
  for (const auto& row : rows->rows()) names.insert(row[0].as_string());
  // Trace metrics of the operations that service entry spans reported (metric_eval.h).
  if (!request.query_param("host")) {
    auto ops = engine.query(
        "SELECT DISTINCT name FROM spans WHERE timestamp >= fromUnixTimestamp64Milli({from:Int64}) "
        "AND (reinterpretAsUInt64(parent_span_id) = 0 OR kind IN ('server', 'consumer') OR "
        "metrics['_dd.top_level'] = 1) LIMIT 1000",
        store::Params().add("from", from));
    if (!ops.ok()) return Response::error(ops.status());
    for (const auto& row : ops->rows())
      for (const char* suffix : {"", ".hits", ".errors", ".duration"})
        names.insert("trace." + row[0].as_string() + suffix);
  }
  json metrics = json::array();
  for (const auto& name : names) metrics.push_back(name);
  return Response::json(200,
                        json{{"metrics", metrics}, {"from", std::to_string(from / 1000)}}.dump());
}

Response metric_tags(store::Engine& engine, Request& request) {
  const std::string& metric = request.path_params["metric"];
  auto rows = engine.query(
      "SELECT DISTINCT concat(k, ':', v) AS tag FROM metric_series "
      "ARRAY JOIN mapKeys(tags) AS k, mapValues(tags) AS v WHERE metric = {metric:String} "
      "ORDER BY tag LIMIT 10000",
      store::Params().add("metric", metric));
  if (!rows.ok()) return Response::error(rows.status());
  json tags = json::array();
  for (const auto& row : rows->rows()) tags.push_back(row[0].as_string());
  if (tags.empty()) {
    auto exists = engine.query("SELECT 1 FROM metric_series WHERE metric = {metric:String} LIMIT 1",
                               store::Params().add("metric", metric));
    if (exists.ok() && exists->row_count() == 0)
      return Response::error(404, fmt::format("no metric named '{}'", metric));
  }
  json out = {{"data", {{"type", "metrics"}, {"id", metric}, {"attributes", {{"tags", tags}}}}}};
  return Response::json(200, out.dump());
}

Response host_tags(store::Engine& engine, Request&) {
  auto rows = engine.query(
      "SELECT concat(k, ':', v) AS tag, groupUniqArray(1000)(host) FROM metric_series "
      "ARRAY JOIN mapKeys(tags) AS k, mapValues(tags) AS v WHERE host != '' AND k != 'host' "
      "GROUP BY tag ORDER BY tag LIMIT 10000");
  if (!rows.ok()) return Response::error(rows.status());
  json tags = json::object();
  for (const auto& row : rows->rows()) {
    json hosts = json::array();
    for (const auto& h : std::get<store::Array>(row[1].v)) hosts.push_back(h.as_string());
    tags[row[0].as_string()] = std::move(hosts);
  }
  return Response::json(200, json{{"tags", tags}}.dump());
}

// The values of one tag key across metric series, for template variables and pickers.
Response tag_values(store::Engine& engine, Request& request) {
  auto key = request.query_param("key");
  if (!key || key->empty()) return Response::error(400, "key is required (a tag key such as host)");
  const int64_t now = query::now_ms();
  int64_t from = now - 86400'000;
  if (auto f = request.query_param("from")) {
    auto ms = time_param(*f, "from", now);
    if (!ms.ok()) return Response::error(ms.status());
    from = *ms;
  }
  store::Params params;
  params.add("from", from).add("key", *key);
  // host is a column of its own; every other tag lives in the map.
  const bool host = *key == "host";
  std::string sql = host ? "SELECT DISTINCT host AS v FROM metric_series WHERE host != ''"
                         : "SELECT DISTINCT tags[{key:String}] AS v FROM metric_series "
                           "WHERE mapContains(tags, {key:String})";
  sql += " AND last_seen >= fromUnixTimestamp64Milli({from:Int64})";
  if (auto metric = request.query_param("metric"); metric && !metric->empty()) {
    sql += " AND metric = {metric:String}";
    params.add("metric", *metric);
  }
  sql += " ORDER BY v LIMIT 10000";
  auto rows = engine.query(sql, params);
  if (!rows.ok()) return Response::error(rows.status());
  json values = json::array();
  for (const auto& row : rows->rows()) values.push_back(row[0].as_string());
  return Response::json(200, json{{"key", *key}, {"values", std::move(values)}}.dump());
}

}  // namespace

void add_metrics_query_routes(net::Router& router, store::Engine& engine) {
  router.add("GET", "/api/v1/query", [&engine](Request& r) { return v1_query(engine, r); });
  router.add("POST", "/api/v2/query/timeseries",
             [&engine](Request& r) { return v2_timeseries(engine, r); });
  router.add("GET", "/api/v1/metrics", [&engine](Request& r) { return list_metrics(engine, r); });
  router.add("GET", "/api/v2/metrics/{metric}/all-tags",
             [&engine](Request& r) { return metric_tags(engine, r); });
  router.add("GET", "/api/v1/tags/hosts", [&engine](Request& r) { return host_tags(engine, r); });
  router.add("GET", "/api/v1/tags/values", [&engine](Request& r) { return tag_values(engine, r); });
}

}  // namespace heeler::api
