#include "api/event_search.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <ctime>
#include <map>
#include <memory>
#include <set>

#include "query/time_spec.h"

namespace heeler::api {
namespace {

using nlohmann::json;

constexpr size_t kMaxGroups = 4;
constexpr size_t kMaxBucketsScanned = 10000;

core::Result<int64_t> time_of(const json& v, std::string_view what, int64_t fallback, int64_t now) {
  if (v.is_null()) return fallback;
  if (v.is_number_integer()) return v.get<int64_t>();  // milliseconds, as Datadog's v2
  if (v.is_string()) {
    auto ms = query::parse_time_ms(v.get<std::string>(), now);
    if (ms) return *ms;
  }
  return core::error(core::Code::invalid_argument,
                     "filter.{} must be milliseconds, RFC 3339 or now-15m, not {}", what, v.dump());
}

const query::ColumnField* find_field(const std::vector<query::ColumnField>& fields,
                                     std::string_view name) {
  for (const auto& f : fields)
    if (f.name == name) return &f;
  return nullptr;
}

// A measure as a number: @duration on spans is a column; other attributes are read
// as numbers (spans' numeric map first).
std::string measure_sql(std::string_view metric, const query::SearchTarget& target,
                        store::Params& params, std::string_view param_name) {
  std::string_view name = metric;
  const bool attribute = !name.empty() && name.front() == '@';
  if (attribute) name.remove_prefix(1);
  if (const auto* f = find_field(attribute ? target.attributes : target.columns, name))
    return f->type == query::ColumnField::Type::number
               ? fmt::format("toFloat64({})", f->column)
               : fmt::format("toFloat64OrNull(toString({}))", f->column);
  params.add(std::string(param_name), std::string(name));
  const std::string key = fmt::format("{{{}:String}}", param_name);
  const std::string text = fmt::format("toFloat64OrNull({}[{}])", target.attribute_map, key);
  if (target.numeric_map.empty()) return text;
  return fmt::format("if(mapContains({0}, {1}), {0}[{1}], {2})", target.numeric_map, key, text);
}

core::Result<std::string> aggregation_sql(std::string_view aggregation,
                                          const std::string& measure) {
  if (aggregation == "count") return std::string("toFloat64(count())");
  if (measure.empty())
    return core::error(core::Code::invalid_argument, "aggregation '{}' needs a metric (@attribute)",
                       aggregation);
  if (aggregation == "cardinality") return fmt::format("toFloat64(uniq({}))", measure);
  if (aggregation == "sum" || aggregation == "avg" || aggregation == "min" || aggregation == "max")
    return fmt::format("{}({})", aggregation, measure);
  if (aggregation == "median") return fmt::format("quantile(0.5)({})", measure);
  if (aggregation.size() == 4 && aggregation.substr(0, 2) == "pc") {
    const int q = (aggregation[2] - '0') * 10 + (aggregation[3] - '0');
    if (q == 75 || q == 90 || q == 95 || q == 98 || q == 99)
      return fmt::format("quantile({})({})", q / 100.0, measure);
  }
  return core::error(core::Code::invalid_argument,
                     "unknown aggregation '{}': use count, cardinality, sum, avg, min, max, "
                     "median, pc75, pc90, pc95, pc98 or pc99",
                     aggregation);
}

core::Result<int64_t> interval_seconds(const json& v, int64_t range_ms) {
  if (v.is_null()) return std::max<int64_t>(1, range_ms / 1000 / 100);
  if (v.is_string()) {
    auto ns = query::parse_number_with_unit(v.get<std::string>());
    if (ns && *ns >= 1e9) return static_cast<int64_t>(*ns / 1e9);
  }
  if (v.is_number_integer() && v.get<int64_t>() >= 1000) return v.get<int64_t>() / 1000;
  return core::error(core::Code::invalid_argument,
                     "compute.interval must be like \"1m\" or milliseconds ≥ 1000, not {}",
                     v.dump());
}

json number_or_null(double v) {
  return std::isnan(v) || std::isinf(v) ? json(nullptr) : json(v);
}

}  // namespace

std::string iso_time(int64_t ns, bool nanoseconds) {
  const time_t seconds = static_cast<time_t>(ns / 1'000'000'000 - (ns % 1'000'000'000 < 0));
  const int64_t frac = ((ns % 1'000'000'000) + 1'000'000'000) % 1'000'000'000;
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  if (nanoseconds)
    return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:09}Z", tm.tm_year + 1900,
                       tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, frac);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", tm.tm_year + 1900, tm.tm_mon + 1,
                     tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, frac / 1'000'000);
}

core::Result<EventFilter> parse_filter(const json& filter, const query::SearchTarget& target) {
  if (!filter.is_null() && !filter.is_object())
    return core::error(core::Code::invalid_argument,
                       "filter must be an object {{query, from, to}}");
  const json f = filter.is_object() ? filter : json::object();
  const int64_t now = query::now_ms();
  EventFilter out;
  auto from = time_of(f.value("from", json()), "from", now - 15 * 60'000, now);
  if (!from.ok()) return from.status();
  auto to = time_of(f.value("to", json()), "to", now, now);
  if (!to.ok()) return to.status();
  if (*to <= *from)
    return core::error(core::Code::invalid_argument, "filter.to must be after filter.from");
  out.from_ms = *from;
  out.to_ms = *to;
  std::string text;
  if (auto q = f.find("query"); q != f.end()) {
    if (!q->is_string())
      return core::error(core::Code::invalid_argument, "filter.query must be a string");
    text = q->get<std::string>();
  }
  auto condition = query::search_condition(text, target, "s");
  if (!condition.ok())
    return core::error(core::Code::invalid_argument, "filter.query: {}",
                       condition.status().message());
  out.condition = std::move(*condition);
  return out;
}

std::string encode_cursor(const Cursor& c) {
  return fmt::format("{:x}-{:x}", static_cast<uint64_t>(c.timestamp_ns), c.hash);
}

core::Result<Cursor> decode_cursor(std::string_view text) {
  Cursor c;
  const size_t dash = text.find('-');
  auto hex = [](std::string_view s, uint64_t& out) {
    if (s.empty() || s.size() > 16) return false;
    out = 0;
    for (char ch : s) {
      int d = ch >= '0' && ch <= '9' ? ch - '0' : ch >= 'a' && ch <= 'f' ? ch - 'a' + 10 : -1;
      if (d < 0) return false;
      out = out * 16 + static_cast<uint64_t>(d);
    }
    return true;
  };
  uint64_t ts = 0;
  if (dash == std::string_view::npos || !hex(text.substr(0, dash), ts) ||
      !hex(text.substr(dash + 1), c.hash))
    return core::error(core::Code::invalid_argument,
                       "page.cursor '{}' is not a cursor this server gave", text);
  c.timestamp_ns = static_cast<int64_t>(ts);
  return c;
}

core::Result<Page> parse_page(const json& page, const json& sort) {
  Page out;
  if (page.is_object()) {
    if (auto l = page.find("limit"); l != page.end()) {
      if (!l->is_number_integer() || l->get<int64_t>() < 1 || l->get<int64_t>() > 5000)
        return core::error(core::Code::invalid_argument, "page.limit must be 1 to 5000");
      out.limit = l->get<size_t>();
    }
    if (auto c = page.find("cursor"); c != page.end() && !c->is_null()) {
      if (!c->is_string())
        return core::error(core::Code::invalid_argument, "page.cursor must be a string");
      const std::string text = c->get<std::string>();
      if (text.size() > 1 && text[0] == 'o' &&
          text.find_first_not_of("0123456789", 1) == std::string::npos && text.size() < 12) {
        out.offset = std::stoull(text.substr(1));
      } else {
        auto cursor = decode_cursor(text);
        if (!cursor.ok()) return cursor.status();
        out.cursor = *cursor;
      }
    }
  } else if (!page.is_null()) {
    return core::error(core::Code::invalid_argument, "page must be an object {{limit, cursor}}");
  }
  if (sort.is_string()) {
    const std::string s = sort.get<std::string>();
    const bool descending = !s.empty() && s[0] == '-';
    const std::string field = descending ? s.substr(1) : s;
    if (field.empty() || field.size() > 256 || field == "@")
      return core::error(
          core::Code::invalid_argument,
          "sort must be \"timestamp\", \"-timestamp\", a field or -field, not \"{}\"", s);
    out.ascending = !descending;
    if (field != "timestamp") out.sort_field = field;
  } else if (!sort.is_null()) {
    return core::error(core::Code::invalid_argument, "sort must be a string");
  }
  return out;
}

core::Result<SearchPage> search_page(store::Engine& engine, const query::SearchTarget& target,
                                     std::string_view columns, std::string_view row_hash,
                                     const EventFilter& filter, const Page& page,
                                     std::string_view path) {
  store::Params params = filter.condition.params;
  params.add("from", filter.from_ms).add("to", filter.to_ms);
  const char* dir = page.ascending ? "ASC" : "DESC";
  std::string after, order;
  if (!page.sort_field.empty()) {
    // By an attribute: numbers in numeric order first, then text; ties newest first.
    // Pages are counted (the order has no cheap keyset).
    const std::string number = measure_sql(page.sort_field, target, params, "sort_n");
    const std::string text = facet_sql(page.sort_field, target, params, "sort_t");
    order = fmt::format("isNull({0}), {0} {2}, {1} {2}, timestamp DESC, h DESC", number, text, dir);
  } else {
    if (page.cursor) {
      params.add("cts", page.cursor->timestamp_ns).add("ch", page.cursor->hash);
      after = fmt::format(
          " AND (toUnixTimestamp64Nano(timestamp), {}) {} ({{cts:Int64}}, {{ch:UInt64}})", row_hash,
          page.ascending ? ">" : "<");
    }
    order = fmt::format("timestamp {0}, h {0}", dir);
  }
  const std::string sql = fmt::format(
      "SELECT {columns} FROM {table} WHERE timestamp >= fromUnixTimestamp64Milli({{from:Int64}}) "
      "AND timestamp < fromUnixTimestamp64Milli({{to:Int64}}) AND {cond}{after} "
      "ORDER BY {order} LIMIT {limit} OFFSET {offset}",
      fmt::arg("columns", columns), fmt::arg("table", target.table),
      fmt::arg("cond", filter.condition.sql), fmt::arg("after", after), fmt::arg("order", order),
      fmt::arg("limit", page.limit), fmt::arg("offset", page.offset));
  auto rows = engine.query(sql, params);
  if (!rows.ok()) return rows.status();
  SearchPage out;
  out.meta = {{"status", "done"}, {"elapsed", static_cast<int64_t>(rows->elapsed_seconds * 1000)}};
  out.links = json::object();
  if (rows->row_count() == page.limit && page.limit > 0) {
    const auto& last = rows->rows().back();
    const std::string cursor = page.sort_field.empty()
                                   ? encode_cursor({last[0].as_int64(), last[1].as_uint64()})
                                   : fmt::format("o{}", page.offset + page.limit);
    out.meta["page"] = {{"after", cursor}};
    out.links["next"] = fmt::format("{}?page[cursor]={}", path, cursor);
  }
  out.rows = std::move(*rows);
  return out;
}

core::Status search_parameters(const net::Request& request, json& filter, json& page, json& sort) {
  filter = json::object();
  page = json::object();
  for (const auto& [key, value] : request.query) {
    if (key == "filter[query]") filter["query"] = value;
    if (key == "filter[from]") filter["from"] = value;
    if (key == "filter[to]") filter["to"] = value;
    if (key == "page[cursor]") page["cursor"] = value;
    if (key == "page[limit]") {
      char* end = nullptr;
      const long n = std::strtol(value.c_str(), &end, 10);
      if (end == value.c_str() || *end)
        return core::error(core::Code::invalid_argument, "page[limit] must be a number");
      page["limit"] = n;
    }
    if (key == "sort") sort = value;
  }
  return {};
}

std::string facet_sql(std::string_view facet, const query::SearchTarget& target,
                      store::Params& params, std::string_view param_name) {
  std::string_view name = facet;
  const bool attribute = !name.empty() && name.front() == '@';
  if (attribute) name.remove_prefix(1);
  if (const auto* f = find_field(attribute ? target.attributes : target.columns, name))
    return fmt::format("toString({})", f->column);
  params.add(std::string(param_name), std::string(name));
  const std::string key = fmt::format("{{{}:String}}", param_name);
  if (target.numeric_map.empty()) return fmt::format("{}[{}]", target.attribute_map, key);
  return fmt::format("if(mapContains({0}, {1}), toString({0}[{1}]), {2}[{1}])", target.numeric_map,
                     key, target.attribute_map);
}

core::Result<json> aggregate(store::Engine& engine, const query::SearchTarget& target,
                             const EventFilter& filter, const json& compute_in,
                             const json& group_by) {
  json compute = compute_in.is_null() ? json::array({{{"aggregation", "count"}}}) : compute_in;
  if (!compute.is_array() || compute.empty() || compute.size() > 10)
    return core::error(core::Code::invalid_argument, "compute must be an array of 1 to 10 items");
  if (!group_by.is_null() && (!group_by.is_array() || group_by.size() > kMaxGroups))
    return core::error(core::Code::invalid_argument,
                       "group_by must be an array of at most 4 facets");
  store::Params params = filter.condition.params;
  params.add("from", filter.from_ms).add("to", filter.to_ms);

  std::vector<std::string> select, groups, facets;
  std::vector<size_t> limits;
  std::vector<std::string> missing;
  const json gb = group_by.is_null() ? json::array() : group_by;
  for (size_t i = 0; i < gb.size(); ++i) {
    const json& g = gb[i];
    if (!g.is_object() || !g.contains("facet") || !g["facet"].is_string())
      return core::error(core::Code::invalid_argument, "group_by[{}].facet must be a string", i);
    const std::string facet = g["facet"].get<std::string>();
    select.push_back(
        fmt::format("{} AS g{}", facet_sql(facet, target, params, fmt::format("f{}", i)), i));
    groups.push_back(fmt::format("g{}", i));
    facets.push_back(facet);
    const int64_t limit = g.value("limit", 10);
    if (limit < 1 || limit > 10000)
      return core::error(core::Code::invalid_argument, "group_by[{}].limit must be 1 to 10000", i);
    limits.push_back(static_cast<size_t>(limit));
    missing.push_back(g.contains("missing") && g["missing"].is_string()
                          ? g["missing"].get<std::string>()
                          : std::string());
  }
  bool timeseries = false;
  int64_t interval_s = 0;
  std::vector<std::string> computes;
  for (size_t i = 0; i < compute.size(); ++i) {
    const json& c = compute[i];
    if (!c.is_object())
      return core::error(core::Code::invalid_argument, "compute[{}] must be an object", i);
    const std::string aggregation = c.value("aggregation", "count");
    std::string measure;
    if (auto m = c.find("metric"); m != c.end() && m->is_string())
      measure = measure_sql(m->get<std::string>(), target, params, fmt::format("m{}", i));
    auto sql = aggregation_sql(aggregation, measure);
    if (!sql.ok())
      return core::error(core::Code::invalid_argument, "compute[{}]: {}", i,
                         sql.status().message());
    computes.push_back(fmt::format("{} AS c{}", *sql, i));
    if (c.value("type", "total") == "timeseries") {
      timeseries = true;
      auto iv = interval_seconds(c.value("interval", json()), filter.to_ms - filter.from_ms);
      if (!iv.ok()) return iv.status();
      interval_s = interval_s ? std::min(interval_s, *iv) : *iv;
    }
  }
  const std::string where = fmt::format(
      "timestamp >= fromUnixTimestamp64Milli({{from:Int64}}) AND timestamp < "
      "fromUnixTimestamp64Milli({{to:Int64}}) AND {}",
      filter.condition.sql);
  const std::string group_list = fmt::format("{}", fmt::join(groups, ", "));
  std::string totals_sql = fmt::format(
      "SELECT {}{}{} FROM {} WHERE {} {} ORDER BY c0 DESC LIMIT {}", fmt::join(select, ", "),
      select.empty() ? "" : ", ", fmt::join(computes, ", "), target.table, where,
      groups.empty() ? "" : "GROUP BY " + group_list, kMaxBucketsScanned);
  auto totals = engine.query(totals_sql, params);
  if (!totals.ok()) return totals.status();

  // Per-level limits: keep the first `limit` values of each facet among the rows, in
  // the order of the first compute.
  std::vector<std::map<std::vector<std::string>, std::set<std::string>>> kept(groups.size());
  json buckets = json::array();
  std::map<std::vector<std::string>, size_t> bucket_index;
  for (const auto& row : totals->rows()) {
    std::vector<std::string> key;
    bool keep = true;
    for (size_t g = 0; g < groups.size() && keep; ++g) {
      std::string value = row[g].as_string();
      auto& seen = kept[g][key];
      if (!seen.count(value)) {
        if (seen.size() >= limits[g])
          keep = false;
        else
          seen.insert(value);
      }
      key.push_back(std::move(value));
    }
    if (!keep) continue;
    json by = json::object();
    for (size_t g = 0; g < groups.size(); ++g)
      by[facets[g]] = key[g].empty() && !missing[g].empty() ? missing[g] : key[g];
    json values = json::object();
    for (size_t c = 0; c < computes.size(); ++c)
      values[fmt::format("c{}", c)] = number_or_null(row[groups.size() + c].as_double());
    bucket_index[key] = buckets.size();
    buckets.push_back({{"by", std::move(by)}, {"computes", std::move(values)}});
  }
  if (timeseries && !buckets.empty()) {
    params.add("interval_ms", interval_s * 1000);
    std::string series_sql = fmt::format(
        "SELECT {}{}intDiv(toUnixTimestamp64Milli(timestamp), {{interval_ms:Int64}}) * "
        "{{interval_ms:Int64}} AS t, {} FROM {} WHERE {} GROUP BY {}{}t ORDER BY t",
        fmt::join(select, ", "), select.empty() ? "" : ", ", fmt::join(computes, ", "),
        target.table, where, group_list, groups.empty() ? "" : ", ");
    auto series = engine.query(series_sql, params);
    if (!series.ok()) return series.status();
    for (size_t c = 0; c < compute.size(); ++c)
      if (compute[c].value("type", "total") == "timeseries")
        for (auto& b : buckets) b["computes"][fmt::format("c{}", c)] = json::array();
    for (const auto& row : series->rows()) {
      std::vector<std::string> key;
      for (size_t g = 0; g < groups.size(); ++g) key.push_back(row[g].as_string());
      auto it = bucket_index.find(key);
      if (it == bucket_index.end()) continue;
      const int64_t t = row[groups.size()].as_int64();
      for (size_t c = 0; c < compute.size(); ++c)
        if (compute[c].value("type", "total") == "timeseries")
          buckets[it->second]["computes"][fmt::format("c{}", c)].push_back(
              {{"time", iso_time(t * 1'000'000)},
               {"value", number_or_null(row[groups.size() + 1 + c].as_double())}});
    }
  }
  return json{{"buckets", std::move(buckets)}};
}

core::Result<json> facets(store::Engine& engine, const query::SearchTarget& target,
                          const EventFilter& filter, std::string_view facet, size_t limit) {
  store::Params params = filter.condition.params;
  params.add("from", filter.from_ms).add("to", filter.to_ms);
  const std::string where = fmt::format(
      "timestamp >= fromUnixTimestamp64Milli({{from:Int64}}) AND timestamp < "
      "fromUnixTimestamp64Milli({{to:Int64}}) AND {}",
      filter.condition.sql);
  if (!facet.empty()) {
    const std::string expr = facet_sql(facet, target, params, "facet");
    auto rows = engine.query(fmt::format("SELECT {0} AS v, count() AS n FROM {1} WHERE {2} AND "
                                         "v != '' GROUP BY v ORDER BY n DESC, v LIMIT {3}",
                                         expr, target.table, where, limit),
                             params);
    if (!rows.ok()) return rows.status();
    json values = json::array();
    for (const auto& row : rows->rows())
      values.push_back({{"value", row[0].as_string()}, {"count", row[1].as_uint64()}});
    return json{{"facet", std::string(facet)}, {"values", std::move(values)}};
  }
  std::string keys = fmt::format("mapKeys({})", target.attribute_map);
  if (!target.numeric_map.empty())
    keys = fmt::format("arrayDistinct(arrayConcat({}, mapKeys({})))", keys, target.numeric_map);
  auto rows = engine.query(fmt::format("SELECT k, count() AS n FROM {} ARRAY JOIN {} AS k WHERE {} "
                                       "GROUP BY k ORDER BY n DESC, k LIMIT {}",
                                       target.table, keys, where, limit),
                           params);
  if (!rows.ok()) return rows.status();
  json out = json::array();
  for (const auto& f : target.columns)
    if (f.type != query::ColumnField::Type::trace_id &&
        f.type != query::ColumnField::Type::span_id && f.name != "message")
      out.push_back({{"facet", std::string(f.name)}, {"reserved", true}});
  for (const auto& row : rows->rows())
    out.push_back({{"facet", "@" + row[0].as_string()}, {"count", row[1].as_uint64()}});
  return json{{"facets", std::move(out)}};
}

json nest(const json& flat) {
  json out = json::object();
  std::vector<std::pair<std::string, const json*>> conflicts;
  for (const auto& [key, value] : flat.items()) {
    json* node = &out;
    size_t start = 0;
    bool ok = true;
    while (true) {
      const size_t dot = key.find('.', start);
      const std::string part =
          key.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
      if (part.empty()) {
        ok = false;
        break;
      }
      if (dot == std::string::npos) {
        if (node->contains(part))
          ok = false;
        else
          (*node)[part] = value;
        break;
      }
      json& child = (*node)[part];
      if (child.is_null()) child = json::object();
      if (!child.is_object()) {
        ok = false;
        break;
      }
      node = &child;
      start = dot + 1;
    }
    if (!ok) conflicts.emplace_back(key, &value);
  }
  for (const auto& [key, value] : conflicts) out[key] = *value;
  return out;
}

namespace {

// The body as a JSON object ({} when empty); discarded when it is not one.
json body_object(const net::Request& request) {
  if (request.body.empty()) return json::object();
  json body = json::parse(request.body, nullptr, false);
  return body.is_object() ? body : json(json::value_t::discarded);
}

}  // namespace

void add_search_routes(net::Router& router, store::Engine& engine, SearchRoutes routes) {
  auto r = std::make_shared<const SearchRoutes>(std::move(routes));
  auto search = [&engine, r](const json& filter_in, const json& page_in, const json& sort_in,
                             const net::Request& request) {
    auto filter = parse_filter(filter_in, *r->target);
    if (!filter.ok()) return net::Response::error(filter.status());
    auto page = parse_page(page_in, sort_in);
    if (!page.ok()) return net::Response::error(page.status());
    auto result =
        search_page(engine, *r->target, r->columns, r->row_hash, *filter, *page, request.path);
    if (!result.ok()) return net::Response::error(result.status());
    json data = json::array();
    for (const auto& row : result->rows.rows()) data.push_back(r->row_json(row));
    return net::Response::json(
        200,
        json{{"data", std::move(data)}, {"meta", result->meta}, {"links", result->links}}.dump());
  };
  router.add("POST", r->prefix + "/events/search", [search](net::Request& request) {
    const json body = body_object(request);
    if (body.is_discarded())
      return net::Response::error(400, "the body must be a JSON object {filter, page, sort}");
    return search(body.value("filter", json()), body.value("page", json()),
                  body.value("sort", json()), request);
  });
  router.add("GET", r->prefix + "/events", [search](net::Request& request) {
    json filter, page, sort;
    if (core::Status st = search_parameters(request, filter, page, sort); !st.ok())
      return net::Response::error(st);
    return search(filter, page, sort, request);
  });
  router.add("POST", r->prefix + "/analytics/aggregate", [&engine, r](net::Request& request) {
    const json body = body_object(request);
    if (body.is_discarded())
      return net::Response::error(400,
                                  "the body must be a JSON object {compute, filter, group_by}");
    auto filter = parse_filter(body.value("filter", json()), *r->target);
    if (!filter.ok()) return net::Response::error(filter.status());
    auto result = aggregate(engine, *r->target, *filter, body.value("compute", json()),
                            body.value("group_by", json()));
    if (!result.ok()) return net::Response::error(result.status());
    return net::Response::json(
        200, json{{"data", std::move(*result)}, {"meta", {{"status", "done"}}}}.dump());
  });
}

}  // namespace heeler::api
