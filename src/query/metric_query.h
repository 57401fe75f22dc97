// The metric query language (Datadog's), parsed into a tree:
//
//   avg:trace.http.request.duration{service:web,env:prod,!host:canary-*} by {resource_name,host}
//       .rollup(p95, 60).as_count().fill(zero)
//   sum:requests{env IN (prod, staging) AND NOT region:eu}.as_rate()
//   a / b * 100      timeshift(avg:cpu{*}, -86400)      top(avg:cpu{*} by {host}, 10, 'mean',
//   'desc') per_second(q)  cumsum(q)  abs(q)  log10(q)  log2(q)  diff(q)  day_before(q)
//   week_before(q) calendar_shift(q, '-1w')
//
// A query names a metric with an optional space aggregator (avg, sum, min, max, count,
// p50, p75, p90, p95, p99; avg by default), a scope over its tags (`*` for all; a comma
// means AND), an optional `by {tags}` and methods. Formulas combine queries, numbers
// and named queries (a, b, query1) with + - * / and functions.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace heeler::query {

// One condition of a scope: key:value (value may hold * wildcards), a bare tag (key
// only), or key IN (values).
struct TagCondition {
  std::string key;
  std::string value;                // empty for a bare tag or IN
  std::vector<std::string> values;  // IN
  bool in = false;
  bool bare = false;  // a tag without a value ("prod", "canary")
};

struct ScopeNode {
  enum class Kind { condition, all, any, negate };
  Kind kind = Kind::condition;
  TagCondition condition;
  std::vector<std::unique_ptr<ScopeNode>> children;
};

struct MetricQuery {
  std::string space_aggregator = "avg";
  std::string metric;
  std::unique_ptr<ScopeNode> scope;  // null: every series (*)
  std::vector<std::string> group_by;
  std::string rollup_aggregator;  // empty: by kind (avg for gauges, sum for counts)
  int64_t rollup_seconds = 0;     // 0: chosen from the time range
  enum class As { none, count, rate } as = As::none;
  enum class Fill { none, null, zero, last } fill = Fill::none;
  int64_t fill_limit_seconds = 0;
  std::string text;  // as written, for labels
};

struct MetricExpr {
  enum class Kind { number, query, reference, binary, negate, function };
  Kind kind = Kind::number;
  double number = 0;
  std::shared_ptr<MetricQuery> query;             // kind == query
  std::string name;                               // reference: the query's name; function: its name
  char op = 0;                                    // binary: + - * /
  std::vector<std::unique_ptr<MetricExpr>> args;  // binary: 2; negate: 1; function: any
  std::vector<std::string> string_args;           // function string arguments, in order
  size_t position = 0;
};

struct MetricParseError {
  size_t position = 0;
  std::string message;
};

struct ParsedMetricExpr {
  std::unique_ptr<MetricExpr> root;
  std::optional<MetricParseError> error;
  bool ok() const { return !error; }
};

ParsedMetricExpr parse_metric_expression(std::string_view text);

// Every metric query inside an expression, in order of appearance.
std::vector<const MetricQuery*> metric_queries(const MetricExpr& expr);

// The space aggregators and rollup aggregators accepted.
bool is_space_aggregator(std::string_view name);
bool is_rollup_aggregator(std::string_view name);

}  // namespace heeler::query
