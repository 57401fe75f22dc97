// Compiles a parsed search (search.h) into a parameterised ClickHouse condition for one
// table. Values never enter the SQL text: each becomes a {sN:Type} parameter.
//
// Per term, for the logs table:
//   free text word     hasAnyTokens(message, w) — case-insensitive, served by the text
//                      index (its preprocessor lower-cases), phrases also checked whole
//   word with * or ?   message ILIKE '%w%' (the wildcards translated)
//   service:web        the real column (service, env, version, host, status, source …);
//                      status values are normalised (warn → warning) as at intake
//   @key:value, tag:v  attributes['key'] (a tag that is not a column is an attribute, as
//                      Datadog tags of logs are)
//   @key:>n, [a TO b]  the attribute read as a number (spans: the numeric map first)
//   @key:*             mapContains(attributes, 'key')
//   *:value            any attribute value
// For spans the free text is matched against resource and name, and @duration is the
// duration column in nanoseconds (units allowed: @duration:>1.5s).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "query/search.h"
#include "store/engine.h"

namespace heeler::query {

struct ColumnField {
  std::string_view name;    // as typed in a query (without @)
  std::string_view column;  // SQL expression
  enum class Type { text, number, status, trace_id, span_id } type = Type::text;
};

struct SearchTarget {
  std::string_view table;
  std::vector<ColumnField> columns;            // reserved fields
  std::vector<ColumnField> attributes;         // @fields backed by columns (e.g. @duration)
  std::vector<std::string_view> text_columns;  // free text
  bool text_index = false;                     // text_columns[0] has a lower-casing text index
  std::string_view attribute_map;              // Map(String, String)
  std::string_view numeric_map;                // Map(String, Float64), or empty
};

const SearchTarget& logs_search_target();
const SearchTarget& spans_search_target();
// The event stream: source (or sources), status (the alert type), priority, host,
// service, env, title and text; other keys are tags.
const SearchTarget& events_search_target();
// Browser RUM events (rum_events, latest version of each view): service, env and
// version are columns; @type, @session.id, @view.id, @view.name, @view.url and
// @application.id too; every other @field is a flattened attribute, numbers compared
// as numbers (durations in nanoseconds, so @resource.duration:>1s works). Free text
// looks in the view name and URL, error messages and action names.
const SearchTarget& rum_search_target();

struct SqlCondition {
  std::string sql = "1";  // a boolean expression
  store::Params params;
};

// `prefix` names the parameters ({s0:String}, …) so several conditions can share a
// query. invalid_argument when a value cannot be used (a bad trace id, a non-number
// compared with a number), naming the term.
core::Result<SqlCondition> compile_search(const SearchNode* root, const SearchTarget& target,
                                          std::string_view prefix = "s");

// Parses and compiles; the error of a bad query carries its position ("at 12: …").
core::Result<SqlCondition> search_condition(std::string_view query, const SearchTarget& target,
                                            std::string_view prefix = "s");

}  // namespace heeler::query
