// Runs metric queries and formulas (metric_query.h) against the store.
//
// A query is evaluated as Datadog does: points of each series are first rolled up
// into intervals (time aggregation: avg for gauges, sum for counts, unless .rollup()
// says otherwise), then the series of each `by` group are combined (space
// aggregation). Distributions are aggregated over their weighted points in one step,
// so p95 is the 95th percentile of every sample of the group in the interval.
// Intervals are aligned on multiples of their length since the epoch; a time range
// gets at most kMaxPoints intervals per series (a longer range gets longer intervals).
// Intervals of whole five minutes whose time aggregation is avg, sum, min, max or count
// read the five-minute roll-ups instead of the points (gauges, counts and rates).
//
// Formulas combine series of the same group (a / b matches a's group host:x with b's);
// a side with one ungrouped series applies to every series of the other.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/status.h"
#include "query/metric_query.h"
#include "store/engine.h"

namespace heeler::query {

struct TimeRange {
  int64_t from_ms = 0;
  int64_t to_ms = 0;  // exclusive
};

inline constexpr int64_t kMaxPoints = 1500;
inline constexpr int64_t kTargetPoints = 300;

// The interval for a range: the smallest of 10 s, 20 s, 30 s, 1 m, 2 m, 5 m, 10 m,
// 15 m, 30 m, 1 h, 2 h, 4 h, 12 h, 1 d that gives at most kTargetPoints points, and
// never fewer seconds than `at_least` (a .rollup() interval), nor so few that a series
// has more than kMaxPoints.
int64_t interval_for(const TimeRange& range, int64_t at_least = 0);

struct Series {
  std::string expression;                                  // the query or formula
  std::string metric;                                      // empty for formulas
  std::vector<std::pair<std::string, std::string>> group;  // by-tags and their values
  int64_t start_ms = 0;                                    // the first interval
  int64_t interval_s = 0;
  std::vector<double> values;  // one per interval; NaN where there is no data
  std::string unit_kind;       // gauge, count, rate, distribution

  std::vector<std::string> tag_set() const;  // "host:a", …
};

// The SQL for one query over one range (exposed for tests and EXPLAIN). `kind` is the
// metric's stored kind.
struct CompiledQuery {
  std::string sql;
  store::Params params;
  std::string source = "metric_points";  // or metric_rollup_5m for whole 5-minute intervals
};
core::Result<CompiledQuery> compile_metric_query(const MetricQuery& query, const TimeRange& range,
                                                 int64_t interval_s, std::string_view kind);

// Trace metrics, derived from stored spans as the Datadog Agent derives them from
// service entry spans (roots, server and consumer spans, spans marked _dd.top_level):
// trace.<operation>.hits and .errors (counts), .duration (seconds, summed), and
// trace.<operation> (the distribution of durations in seconds: avg, p50 … p99). Tags
// are the span's service, env, version, host, resource (also resource_name), span.kind
// and attributes such as http.status_code. A stored metric of the same name wins.
struct TraceMetric {
  std::string operation;  // the span name, e.g. "http.request"
  enum class Stat { hits, errors, duration, distribution } stat = Stat::hits;
  std::string_view kind() const;  // count, gauge or distribution
};
std::optional<TraceMetric> parse_trace_metric(std::string_view metric);
core::Result<CompiledQuery> compile_trace_metric_query(const MetricQuery& query,
                                                       const TraceMetric& metric,
                                                       const TimeRange& range, int64_t interval_s);

class MetricSource {
 public:
  virtual ~MetricSource() = default;
  virtual core::Result<std::vector<Series>> fetch(const MetricQuery& query, const TimeRange& range,
                                                  int64_t interval_s) = 0;
};

// Reads metric_series and metric_points of an engine.
class EngineMetricSource final : public MetricSource {
 public:
  explicit EngineMetricSource(store::Engine& engine) : engine_(engine) {}
  core::Result<std::vector<Series>> fetch(const MetricQuery& query, const TimeRange& range,
                                          int64_t interval_s) override;

 private:
  store::Engine& engine_;
};

// Named queries a formula may refer to (a, b, query1).
using NamedQueries = std::map<std::string, const MetricExpr*, std::less<>>;

// Evaluates an expression; `interval_s` 0 picks interval_for(range, the largest
// .rollup() seconds in the expression). invalid_argument for unknown names and bad
// function arguments.
core::Result<std::vector<Series>> evaluate(const MetricExpr& expr, const TimeRange& range,
                                           MetricSource& source, const NamedQueries& named = {},
                                           int64_t interval_s = 0);

}  // namespace heeler::query
