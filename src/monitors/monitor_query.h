// Monitor queries in Datadog's syntax: what a monitor evaluates and the condition that
// trips it.
//
//   metric:     avg(last_5m):avg:system.cpu.user{env:prod} by {host} > 90
//               change(avg(last_5m),last_1h):sum:orders{*}.as_count() < -50
//               pct_change(max(last_10m),last_1d):avg:latency{*} >= 20
//   logs:       logs("service:web status:error").index("*").rollup("count")
//                 .by("service").last("5m") > 100
//               logs("*").rollup("avg", "@duration").by("host").last("15m") >= 2e9
//   spans:      trace-analytics("service:web @http.status_code:>=500").rollup("count")
//                 .by("resource_name").last("5m") > 5
//   events:     events("source:deploy status:error").rollup("count").last("30m") > 0
//   rum:        rum("@type:resource @resource.status_code:>=500").rollup("count")
//                 .by("@view.name").last("5m") > 10
//   synthetics: synthetics("abc-def-ghi").over("*").last("5m") >= 2
//                 (locations where the test has been failing for at least 5 minutes)
//   composite:  (12 && 14) || !15
//
// Errors carry the byte offset they were found at, as the other query languages do.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "query/metric_query.h"

namespace heeler::monitors {

enum class QueryKind { metric, logs, spans, events, rum, synthetics, composite };
std::string_view query_kind_name(QueryKind kind);

// A search over events (logs, spans, events, RUM) rolled up over a window.
struct EventQuery {
  std::string search;                 // the search syntax; "*" or empty: everything
  size_t search_position = 0;         // offset of the search text in the monitor query
  std::string index = "*";            // logs indexes: accepted, all logs are one index
  std::string aggregation = "count";  // count, cardinality, avg, sum, min, max, pc50…pc99
  std::string measure;                // "@duration" for every aggregation but count
  std::vector<std::string> group_by;  // facets, e.g. "service", "@http.status_code"
};

// A boolean over other monitors' states.
struct CompositeNode {
  enum class Kind { monitor, all, any, negate };
  Kind kind = Kind::monitor;
  int64_t monitor_id = 0;
  std::vector<std::unique_ptr<CompositeNode>> children;
};

struct MonitorQuery {
  QueryKind kind = QueryKind::metric;
  int64_t window_seconds = 0;  // last_5m / .last("5m"); 0 for composites

  // metric
  std::string time_aggregator;  // avg, sum, min, max, last, median, or pNN (percentile)
  double percentile = 0;        // for pNN: 0.NN
  enum class Change { none, change, pct_change } change = Change::none;
  int64_t change_shift_seconds = 0;           // the second argument of change()/pct_change()
  std::shared_ptr<query::MetricExpr> metric;  // the metric query or formula
  std::string metric_text;

  EventQuery events;                         // logs, spans, events, rum
  std::shared_ptr<CompositeNode> composite;  // composite

  std::string comparator;  // >, >=, <, <= (composites: none)
  double threshold = 0;
  size_t threshold_position = 0;

  // The tag keys or facets that make groups (multi-alert); empty for simple alerts.
  std::vector<std::string> group_by() const;
  // The monitor ids a composite refers to.
  std::vector<int64_t> composite_ids() const;
};

struct MonitorQueryError {
  size_t position = 0;
  std::string message;
};

struct ParsedMonitorQuery {
  std::optional<MonitorQuery> query;
  std::optional<MonitorQueryError> error;
  bool ok() const { return !error; }
};

ParsedMonitorQuery parse_monitor_query(std::string_view text);

// "5m", "1h", "30s", "1d", "1w" → seconds; 0 when not a duration.
int64_t parse_window(std::string_view text);

// True when `value` breaks a threshold by `comparator` (">" : value > threshold).
bool breaches(std::string_view comparator, double value, double threshold);

}  // namespace heeler::monitors
