// What the log and span search endpoints share (private to api/): the search filter
// ({query, from, to}), keyset cursors, sort order, facet expressions and the
// aggregate computation.
#pragma once

#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "net/http.h"
#include "query/search_sql.h"
#include "store/engine.h"

namespace heeler::api {

struct EventFilter {
  int64_t from_ms = 0;
  int64_t to_ms = 0;
  query::SqlCondition condition;  // the compiled search, parameters prefixed "s"
};

// filter = {query, from, to}; from defaults to now-15m, to to now.
core::Result<EventFilter> parse_filter(const nlohmann::json& filter,
                                       const query::SearchTarget& target);

// A position in timestamp order: the last row's timestamp (ns) and row hash.
struct Cursor {
  int64_t timestamp_ns = 0;
  uint64_t hash = 0;
};
std::string encode_cursor(const Cursor& cursor);
core::Result<Cursor> decode_cursor(std::string_view text);

struct Page {
  size_t limit = 10;
  std::optional<Cursor> cursor;  // timestamp order: a keyset position
  size_t offset = 0;             // attribute order: rows already returned
  bool ascending = false;        // sort "timestamp"; the default "-timestamp" is newest first
  std::string sort_field;        // empty: timestamp; else a reserved field or @attribute
};
// page = {limit (1–5000), cursor}, sort = "timestamp" | "-timestamp" | "<field>" |
// "-<field>" (e.g. "-@duration": numbers in numeric order, then text).
core::Result<Page> parse_page(const nlohmann::json& page, const nlohmann::json& sort);

// One page of a search: the rows of `table` that match, in timestamp order (the page's
// direction), after the page's cursor. `columns` must begin with the timestamp in
// nanoseconds and `<row_hash> AS h`. `meta` and `links` are Datadog's, with the next
// cursor when the page is full.
struct SearchPage {
  store::QueryResult rows;
  nlohmann::json meta;
  nlohmann::json links;
};
core::Result<SearchPage> search_page(store::Engine& engine, const query::SearchTarget& target,
                                     std::string_view columns, std::string_view row_hash,
                                     const EventFilter& filter, const Page& page,
                                     std::string_view path);

// The GET form of a search: filter[query], filter[from], filter[to], page[limit],
// page[cursor] and sort parameters, as the POST body's {filter, page, sort}.
core::Status search_parameters(const net::Request& request, nlohmann::json& filter,
                               nlohmann::json& page, nlohmann::json& sort);

// The SQL expression of a facet: a reserved field's column, or the attribute
// (@name or a tag name).
std::string facet_sql(std::string_view facet, const query::SearchTarget& target,
                      store::Params& params, std::string_view param_name);

// Runs {compute, group_by} over the filtered rows of target.table; answers
// {"buckets":[{"by":{…},"computes":{"c0":…}}]}.
core::Result<nlohmann::json> aggregate(store::Engine& engine, const query::SearchTarget& target,
                                       const EventFilter& filter, const nlohmann::json& compute,
                                       const nlohmann::json& group_by);

// Explorer sidebars, GET /api/v1/facets/{logs|spans}?query=&from=&to=[&facet=&limit=]:
// without `facet`, the attribute keys of the matching rows and how many rows carry
// each ({"facets":[{"facet":"@http.method","count":N}]}, reserved fields first); with
// it, that facet's values and their counts ({"facet":…, "values":[{"value","count"}]}).
core::Result<nlohmann::json> facets(store::Engine& engine, const query::SearchTarget& target,
                                    const EventFilter& filter, std::string_view facet,
                                    size_t limit);

// Flat "a.b.c" keys turned into nested objects where no key is both a value and a
// parent.
nlohmann::json nest(const nlohmann::json& flat);

// The routes of a searchable signal in Datadog's v2 shapes (logs, RUM):
//   POST <prefix>/events/search       {filter, page, sort} → {data, meta, links}
//   GET  <prefix>/events              the same from filter[query]=, page[limit]= …
//   POST <prefix>/analytics/aggregate {compute, filter, group_by} → {data:{buckets}, meta}
// `columns` and `row_hash` are as search_page takes them; `row_json` makes one data item.
struct SearchRoutes {
  std::string prefix;  // "/api/v2/logs"
  const query::SearchTarget* target = nullptr;
  std::string columns;
  std::string row_hash;
  std::function<nlohmann::json(const std::vector<store::Value>&)> row_json;
};
void add_search_routes(net::Router& router, store::Engine& engine, SearchRoutes routes);

// RFC 3339 in UTC with milliseconds, or nanoseconds (span times, whose order within a
// millisecond matters).
std::string iso_time(int64_t ns, bool nanoseconds = false);

}  // namespace heeler::api
