#include "query/metric_eval.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <optional>

namespace heeler::query {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

int64_t floor_div(int64_t a, int64_t b) {
  return a / b - ((a % b != 0) && ((a < 0) != (b < 0)));
}

std::string like_pattern(std::string_view value) {
  std::string out;
  for (char c : value) {
    if (c == '*')
      out += '%';
    else if (c == '%' || c == '_' || c == '\\') {
      out += '\\';
      out += c;
    } else {
      out += c;
    }
  }
  return out;
}

double quantile_of(std::string_view agg) {
  if (agg.size() == 3 && agg[0] == 'p') return (agg[1] - '0') * 0.1 + (agg[2] - '0') * 0.01;
  return -1;
}

// A tag of a span, for trace metrics: the unified service tags and the resource are
// columns; other keys are attributes, text or numeric.
std::string span_tag(const std::string& key, const std::string& param) {
  if (key == "service" || key == "env" || key == "version" || key == "host") return key;
  if (key == "resource" || key == "resource_name") return "resource";
  if (key == "span.kind") return "kind";
  return fmt::format(
      "multiIf(mapContains(attributes, {0}), attributes[{0}], mapContains(metrics, {0}), "
      "toString(metrics[{0}]), '')",
      param);
}

// Scope conditions as SQL over metric series tags, or over span columns.
class ScopeSql {
 public:
  explicit ScopeSql(store::Params& params, bool spans = false) : params_(params), spans_(spans) {}

  std::string node(const ScopeNode* n) {
    if (!n) return "1";
    switch (n->kind) {
      case ScopeNode::Kind::negate:
        return fmt::format("NOT ({})", node(n->children[0].get()));
      case ScopeNode::Kind::all:
      case ScopeNode::Kind::any: {
        std::vector<std::string> parts;
        for (const auto& c : n->children) parts.push_back(node(c.get()));
        return "(" +
               fmt::to_string(
                   fmt::join(parts, n->kind == ScopeNode::Kind::all ? " AND " : " OR ")) +
               ")";
      }
      case ScopeNode::Kind::condition:
        break;
    }
    const TagCondition& c = n->condition;
    const std::string key = param(c.key);
    const std::string column = spans_ ? span_tag(c.key, key) : fmt::format("tags[{}]", key);
    if (c.bare)
      return spans_ ? fmt::format("{} != ''", column) : fmt::format("mapContains(tags, {})", key);
    if (c.in) {
      std::vector<std::string> values;
      for (const auto& v : c.values) values.push_back(param(v));
      return fmt::format("{} IN ({})", column, fmt::join(values, ", "));
    }
    if (c.value.find('*') != std::string::npos)
      return fmt::format("{} LIKE {}", column, param(like_pattern(c.value)));
    return fmt::format("{} = {}", column, param(c.value));
  }
  std::string column(const std::string& key) {
    const std::string p = param(key);
    return spans_ ? span_tag(key, p) : fmt::format("tags[{}]", p);
  }

  std::string param(std::string value) {
    std::string name = fmt::format("t{}", next_++);
    params_.add(name, std::move(value));
    return fmt::format("{{{}:String}}", name);
  }

 private:
  store::Params& params_;
  bool spans_;
  int next_ = 0;
};

// Time aggregation of one series' points in an interval.
std::string rollup_sql(const MetricQuery& q, std::string_view kind, int64_t interval_s) {
  std::string agg = q.rollup_aggregator;
  if (agg.empty()) agg = kind == "count" ? "sum" : "avg";
  std::string sql;
  if (double quantile = quantile_of(agg); quantile > 0)
    sql = fmt::format("quantile({})(value)", quantile);
  else if (agg == "count")
    sql = "toFloat64(count())";
  else
    sql = fmt::format("{}(value)", agg);
  if (kind == "count" && q.as == MetricQuery::As::rate)
    sql = fmt::format("{} / {}", sql, interval_s);
  else if (kind == "rate" && q.as == MetricQuery::As::count)
    sql = fmt::format("{} * {}", sql, interval_s);
  return sql;
}

// The same time aggregation from the five-minute roll-ups, when they can answer it:
// intervals made of whole five-minute buckets, and an aggregation the buckets keep.
// The roll-up expression for one series and interval. With `merged_rows` each
// (series, five minutes) is one row (read with FINAL) and the interval is five
// minutes, so the row's own columns are the value; otherwise rows are aggregated.
std::optional<std::string> rollup_from_5m(const MetricQuery& q, std::string_view kind,
                                          int64_t interval_s, bool merged_rows) {
  if (kind == "distribution" || interval_s % 300 != 0) return std::nullopt;
  std::string agg = q.rollup_aggregator;
  if (agg.empty()) agg = kind == "count" ? "sum" : "avg";
  std::string sql;
  if (agg == "avg")
    sql = merged_rows ? "sum / count" : "sum(sum) / sum(count)";
  else if (agg == "sum")
    sql = merged_rows ? "sum" : "sum(sum)";
  else if (agg == "min")
    sql = merged_rows ? "min" : "min(min)";
  else if (agg == "max")
    sql = merged_rows ? "max" : "max(max)";
  else if (agg == "count")
    sql = merged_rows ? "toFloat64(count)" : "toFloat64(sum(count))";
  else
    return std::nullopt;  // percentiles need the points
  if (kind == "count" && q.as == MetricQuery::As::rate)
    sql = fmt::format("{} / {}", sql, interval_s);
  else if (kind == "rate" && q.as == MetricQuery::As::count)
    sql = fmt::format("{} * {}", sql, interval_s);
  return sql;
}

// Space aggregation across the series of a group.
std::string space_sql(std::string_view agg) {
  if (double quantile = quantile_of(agg); quantile > 0)
    return fmt::format("quantile({})(v)", quantile);
  if (agg == "count") return "toFloat64(count())";
  return fmt::format("{}(v)", agg);
}

// One-step aggregation of weighted distribution points.
std::string distribution_sql(const MetricQuery& q) {
  std::string agg = q.space_aggregator;
  if (quantile_of(agg) < 0 && quantile_of(q.rollup_aggregator) > 0) agg = q.rollup_aggregator;
  if (double quantile = quantile_of(agg); quantile > 0)
    return fmt::format("toFloat64(quantileExactWeighted({})(value, weight))", quantile);
  if (agg == "count") return "toFloat64(sum(weight))";
  if (agg == "sum") return "sum(value * weight)";
  if (agg == "min" || agg == "max") return fmt::format("{}(value)", agg);
  return "sum(value * weight) / sum(weight)";
}

std::vector<std::pair<std::string, std::string>> group_of(const Series& s) {
  return s.group;
}

// --- formula evaluation -------------------------------------------------------------

struct Operand {
  bool scalar = false;
  double number = 0;
  std::vector<Series> series;
};

double apply(char op, double a, double b) {
  switch (op) {
    case '+':
      return a + b;
    case '-':
      return a - b;
    case '*':
      return a * b;
    case '/':
      return b == 0 ? kNaN : a / b;
  }
  return kNaN;
}

Series combine(const Series& a, const Series& b, char op, std::string expression) {
  Series out = a;
  out.expression = std::move(expression);
  out.metric.clear();
  if (a.group.empty()) out.group = b.group;
  for (size_t i = 0; i < out.values.size(); ++i) {
    const double bv = i < b.values.size() ? b.values[i] : kNaN;
    out.values[i] = apply(op, a.values[i], bv);
  }
  return out;
}

class Evaluator {
 public:
  Evaluator(const TimeRange& range, int64_t interval_s, MetricSource& source,
            const NamedQueries& named)
      : range_(range), interval_s_(interval_s), source_(source), named_(named) {}

  core::Result<Operand> eval(const MetricExpr& e, int64_t shift_ms, int depth) {
    if (depth > 64) return core::error(core::Code::invalid_argument, "formula nested too deeply");
    switch (e.kind) {
      case MetricExpr::Kind::number: {
        Operand o;
        o.scalar = true;
        o.number = e.number;
        return o;
      }
      case MetricExpr::Kind::query: {
        TimeRange shifted{range_.from_ms + shift_ms, range_.to_ms + shift_ms};
        auto series = source_.fetch(*e.query, shifted, interval_s_);
        if (!series.ok()) return series.status();
        Operand o;
        o.series = std::move(*series);
        // Shifted data is drawn on the requested timeline.
        const int64_t start = aligned_start();
        for (Series& s : o.series) {
          s.start_ms = start;
          s.values.resize(static_cast<size_t>(intervals()), kNaN);
        }
        return o;
      }
      case MetricExpr::Kind::reference: {
        auto it = named_.find(e.name);
        if (it == named_.end())
          return core::error(core::Code::invalid_argument, "at {}: no query is named '{}'",
                             e.position, e.name);
        if (++references_ > 256)
          return core::error(core::Code::invalid_argument, "formula refers to queries too often");
        return eval(*it->second, shift_ms, depth + 1);
      }
      case MetricExpr::Kind::negate: {
        auto inner = eval(*e.args[0], shift_ms, depth + 1);
        if (!inner.ok()) return inner;
        if (inner->scalar) inner->number = -inner->number;
        for (Series& s : inner->series)
          for (double& v : s.values) v = -v;
        return inner;
      }
      case MetricExpr::Kind::binary:
        return binary(e, shift_ms, depth);
      case MetricExpr::Kind::function:
        return function(e, shift_ms, depth);
    }
    return core::error(core::Code::internal, "unknown expression");
  }

  int64_t aligned_start() const {
    return floor_div(range_.from_ms, interval_s_ * 1000) * interval_s_ * 1000;
  }
  int64_t intervals() const {
    return std::max<int64_t>(
        0, (range_.to_ms - aligned_start() + interval_s_ * 1000 - 1) / (interval_s_ * 1000));
  }

 private:
  core::Result<Operand> binary(const MetricExpr& e, int64_t shift_ms, int depth) {
    auto left = eval(*e.args[0], shift_ms, depth + 1);
    if (!left.ok()) return left;
    auto right = eval(*e.args[1], shift_ms, depth + 1);
    if (!right.ok()) return right;
    const std::string label = fmt::format("({} {} {})", label_of(*left), e.op, label_of(*right));
    Operand out;
    if (left->scalar && right->scalar) {
      out.scalar = true;
      out.number = apply(e.op, left->number, right->number);
      return out;
    }
    if (left->scalar || right->scalar) {
      const bool scalar_left = left->scalar;
      const double k = scalar_left ? left->number : right->number;
      out.series = scalar_left ? std::move(right->series) : std::move(left->series);
      for (Series& s : out.series) {
        s.expression = label;
        s.metric.clear();
        for (double& v : s.values) v = scalar_left ? apply(e.op, k, v) : apply(e.op, v, k);
      }
      return out;
    }
    const auto& a = left->series;
    const auto& b = right->series;
    if (b.size() == 1 && (b[0].group.empty() || a.size() == 1)) {
      for (const Series& s : a) out.series.push_back(combine(s, b[0], e.op, label));
    } else if (a.size() == 1 && a[0].group.empty()) {
      for (const Series& s : b) {
        Series r = combine(a[0], s, e.op, label);
        r.group = s.group;
        out.series.push_back(std::move(r));
      }
    } else {
      for (const Series& s : a)
        for (const Series& t : b)
          if (group_of(s) == group_of(t)) out.series.push_back(combine(s, t, e.op, label));
    }
    return out;
  }

  static std::string label_of(const Operand& o) {
    if (o.scalar) return fmt::format("{}", o.number);
    return o.series.empty() ? std::string() : o.series.front().expression;
  }

  core::Result<Operand> function(const MetricExpr& e, int64_t shift_ms, int depth) {
    int64_t extra_shift = 0;
    if (e.name == "timeshift") {
      extra_shift = static_cast<int64_t>(e.args[1]->number * 1000);
    } else if (e.name == "hour_before") {
      extra_shift = -3600'000;
    } else if (e.name == "day_before") {
      extra_shift = -86400'000;
    } else if (e.name == "week_before") {
      extra_shift = -7 * 86400'000LL;
    } else if (e.name == "month_before") {
      extra_shift = -28 * 86400'000LL;  // four weeks, so weekdays line up
    } else if (e.name == "calendar_shift") {
      auto shift = calendar_shift(e.string_args[0]);
      if (!shift)
        return core::error(core::Code::invalid_argument,
                           "at {}: calendar_shift takes -1h, -1d, -1w or -1mo, not '{}'",
                           e.position, e.string_args[0]);
      extra_shift = *shift;
    }
    auto inner = eval(*e.args[0], shift_ms + extra_shift, depth + 1);
    if (!inner.ok()) return inner;
    if (inner->scalar)
      return core::error(core::Code::invalid_argument, "at {}: {}() needs a query, not a number",
                         e.position, e.name);
    for (Series& s : inner->series) s.expression = fmt::format("{}({})", e.name, s.expression);
    if (e.name == "top") return top(e, std::move(*inner));
    for (Series& s : inner->series) {
      auto& v = s.values;
      if (e.name == "abs") {
        for (double& x : v) x = std::fabs(x);
      } else if (e.name == "log10") {
        for (double& x : v) x = x > 0 ? std::log10(x) : kNaN;
      } else if (e.name == "log2") {
        for (double& x : v) x = x > 0 ? std::log2(x) : kNaN;
      } else if (e.name == "cumsum") {
        double total = 0;
        for (double& x : v)
          if (!std::isnan(x)) x = total += x;
      } else if (e.name == "diff") {
        double previous = kNaN;
        for (double& x : v) {
          const double current = x;
          x = std::isnan(previous) || std::isnan(current) ? kNaN : current - previous;
          if (!std::isnan(current)) previous = current;
        }
      } else if (e.name == "per_second" || e.name == "per_minute" || e.name == "per_hour") {
        const double per = e.name == "per_second" ? 1 : e.name == "per_minute" ? 60 : 3600;
        for (double& x : v) x = x / static_cast<double>(s.interval_s) * per;
      }
    }
    return inner;
  }

  static std::optional<int64_t> calendar_shift(std::string_view text) {
    if (text.size() < 3 || text[0] != '-') return std::nullopt;
    int64_t n = 0;
    size_t i = 1;
    while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i])))
      n = n * 10 + (text[i++] - '0');
    const std::string_view unit = text.substr(i);
    if (n <= 0 || n > 1000) return std::nullopt;
    if (unit == "h") return -n * 3600'000;
    if (unit == "d") return -n * 86400'000;
    if (unit == "w") return -n * 7 * 86400'000;
    if (unit == "mo") return -n * 28 * 86400'000;
    return std::nullopt;
  }

  core::Result<Operand> top(const MetricExpr& e, Operand in) {
    const double n_arg = e.args.size() > 1 ? e.args[1]->number : 10;
    if (n_arg < 1 || n_arg > 100 || n_arg != std::floor(n_arg))
      return core::error(core::Code::invalid_argument, "at {}: top() takes 1 to 100 series",
                         e.position);
    const std::string by = e.string_args.size() > 0 ? e.string_args[0] : "mean";
    const std::string dir = e.string_args.size() > 1 ? e.string_args[1] : "desc";
    if (dir != "desc" && dir != "asc")
      return core::error(core::Code::invalid_argument, "at {}: top() order is 'desc' or 'asc'",
                         e.position);
    auto rank = [&](const Series& s) -> std::optional<double> {
      std::vector<double> v;
      for (double x : s.values)
        if (!std::isnan(x)) v.push_back(x);
      if (v.empty()) return kNaN;
      if (by == "mean" || by == "avg")
        return std::accumulate(v.begin(), v.end(), 0.0) / static_cast<double>(v.size());
      if (by == "max") return *std::max_element(v.begin(), v.end());
      if (by == "min") return *std::min_element(v.begin(), v.end());
      if (by == "sum" || by == "area") return std::accumulate(v.begin(), v.end(), 0.0);
      if (by == "last") return v.back();
      if (by == "l2norm" || by == "norm") {
        double squares = 0;
        for (double x : v) squares += x * x;
        return std::sqrt(squares);
      }
      return std::nullopt;
    };
    std::vector<std::pair<double, size_t>> scores;
    for (size_t i = 0; i < in.series.size(); ++i) {
      auto score = rank(in.series[i]);
      if (!score)
        return core::error(core::Code::invalid_argument,
                           "at {}: top() ranks by mean, max, min, sum, last, area, l2norm or "
                           "norm, not '{}'",
                           e.position, by);
      if (!std::isnan(*score)) scores.emplace_back(*score, i);
    }
    std::stable_sort(scores.begin(), scores.end(), [&](const auto& x, const auto& y) {
      return dir == "desc" ? x.first > y.first : x.first < y.first;
    });
    Operand out;
    for (size_t i = 0; i < scores.size() && i < static_cast<size_t>(n_arg); ++i)
      out.series.push_back(std::move(in.series[scores[i].second]));
    return out;
  }

  TimeRange range_;
  int64_t interval_s_;
  MetricSource& source_;
  const NamedQueries& named_;
  int references_ = 0;
};

void max_rollup(const MetricExpr& e, const NamedQueries& named, int64_t& out, int depth) {
  if (depth > 64) return;
  if (e.kind == MetricExpr::Kind::query) out = std::max(out, e.query->rollup_seconds);
  if (e.kind == MetricExpr::Kind::reference)
    if (auto it = named.find(e.name); it != named.end())
      max_rollup(*it->second, named, out, depth + 1);
  for (const auto& a : e.args)
    if (a) max_rollup(*a, named, out, depth + 1);
}

}  // namespace

std::vector<std::string> Series::tag_set() const {
  std::vector<std::string> out;
  for (const auto& [k, v] : group) out.push_back(k + ":" + v);
  return out;
}

int64_t interval_for(const TimeRange& range, int64_t at_least) {
  static constexpr int64_t steps[] = {10,  20,   30,   60,   120,   300,   600,
                                      900, 1800, 3600, 7200, 14400, 43200, 86400};
  const int64_t span_s = std::max<int64_t>(1, (range.to_ms - range.from_ms + 999) / 1000);
  int64_t chosen = steps[std::size(steps) - 1];
  for (int64_t s : steps)
    if (span_s / s <= kTargetPoints) {
      chosen = s;
      break;
    }
  chosen = std::max(chosen, at_least);
  // Never more than kMaxPoints per series, whatever the rollup asked for.
  while (span_s / chosen > kMaxPoints) chosen *= 2;
  return chosen;
}

core::Result<CompiledQuery> compile_metric_query(const MetricQuery& q, const TimeRange& range,
                                                 int64_t interval_s, std::string_view kind) {
  if (interval_s <= 0) return core::error(core::Code::invalid_argument, "interval must be > 0");
  CompiledQuery out;
  ScopeSql scope(out.params);
  const std::string where_scope = scope.node(q.scope.get());
  std::vector<std::string> group_cols, group_names;
  for (size_t i = 0; i < q.group_by.size(); ++i) {
    group_cols.push_back(fmt::format("{} AS g{}", scope.column(q.group_by[i]), i));
    group_names.push_back(fmt::format("g{}", i));
  }
  const int64_t step_ms = interval_s * 1000;
  const int64_t start = floor_div(range.from_ms, step_ms) * step_ms;
  out.params.add("metric", q.metric)
      .add("from", range.from_ms)
      .add("to", range.to_ms)
      .add("start", start)
      .add("step", step_ms);
  const std::string series_select = fmt::format(
      "SELECT series_id{}{} FROM metric_series WHERE metric = {{metric:String}} AND {} "
      "LIMIT 1 BY series_id",
      group_cols.empty() ? "" : ", ", fmt::join(group_cols, ", "), where_scope);
  const std::string bucket =
      "intDiv(toUnixTimestamp64Milli(timestamp) - {start:Int64}, {step:Int64})";
  const std::string points_where =
      "metric = {metric:String} AND timestamp >= fromUnixTimestamp64Milli({from:Int64}) AND "
      "timestamp < fromUnixTimestamp64Milli({to:Int64})";
  const std::string groups =
      group_names.empty() ? std::string() : ", " + fmt::to_string(fmt::join(group_names, ", "));
  if (kind == "distribution") {
    out.sql = fmt::format(
        "SELECT {bucket} AS bucket{groups}, {agg} AS value FROM metric_points AS p "
        "INNER JOIN ({series}) AS s ON p.series_id = s.series_id WHERE {where} "
        "GROUP BY bucket{groups} ORDER BY {order}bucket",
        fmt::arg("bucket", bucket), fmt::arg("groups", groups),
        fmt::arg("agg", distribution_sql(q)), fmt::arg("series", series_select),
        fmt::arg("where", points_where),
        fmt::arg("order", group_names.empty()
                              ? std::string()
                              : fmt::to_string(fmt::join(group_names, ", ")) + ", "));
    return out;
  }
  std::string rollup = rollup_sql(q, kind, interval_s);
  std::string table = "metric_points";
  std::string where = points_where;
  std::string time_bucket = bucket;
  // At five-minute intervals each merged roll-up row is one series' bucket: reading
  // with FINAL (rows merged in key order) replaces a hash aggregation over every
  // (series, bucket), several times cheaper at thousands of series.
  const bool merged_rows = interval_s == 300;
  std::string per_series_group = " GROUP BY series_id, bucket";
  if (auto from_rollup = rollup_from_5m(q, kind, interval_s, merged_rows)) {
    // Buckets are five-minute starts: the first one may begin before `from`.
    rollup = *from_rollup;
    table = merged_rows ? "metric_rollup_5m FINAL" : "metric_rollup_5m";
    if (merged_rows) per_series_group.clear();
    out.source = "metric_rollup_5m";
    where =
        "metric = {metric:String} AND timestamp >= "
        "toStartOfFiveMinutes(fromUnixTimestamp64Milli({from:Int64})) AND "
        "timestamp < fromUnixTimestamp64Milli({to:Int64})";
    time_bucket =
        "intDiv(toInt64(toUnixTimestamp(timestamp)) * 1000 - {start:Int64}, {step:Int64})";
  }
  out.sql = fmt::format(
      "SELECT bucket{groups}, {space} AS value FROM ("
      "SELECT series_id, {bucket} AS bucket, {rollup} AS v FROM {table} "
      "WHERE {where} AND series_id IN (SELECT series_id FROM ({series})){per_series}) AS p "
      "INNER JOIN ({series}) AS s ON p.series_id = s.series_id "
      "GROUP BY bucket{groups} ORDER BY {order}bucket",
      fmt::arg("groups", groups), fmt::arg("space", space_sql(q.space_aggregator)),
      fmt::arg("bucket", time_bucket), fmt::arg("rollup", rollup), fmt::arg("table", table),
      fmt::arg("where", where), fmt::arg("series", series_select),
      fmt::arg("per_series", per_series_group),
      fmt::arg("order", group_names.empty() ? std::string()
                                            : fmt::to_string(fmt::join(group_names, ", ")) + ", "));
  return out;
}

std::string_view TraceMetric::kind() const {
  switch (stat) {
    case Stat::hits:
    case Stat::errors:
      return "count";
    case Stat::duration:
      return "gauge";
    case Stat::distribution:
      return "distribution";
  }
  return "gauge";
}

std::optional<TraceMetric> parse_trace_metric(std::string_view metric) {
  if (!metric.starts_with("trace.") || metric.size() <= 6) return std::nullopt;
  std::string_view rest = metric.substr(6);
  TraceMetric out;
  out.stat = TraceMetric::Stat::distribution;
  for (auto [suffix, stat] :
       {std::pair{std::string_view(".hits"), TraceMetric::Stat::hits},
        std::pair{std::string_view(".errors"), TraceMetric::Stat::errors},
        std::pair{std::string_view(".duration"), TraceMetric::Stat::duration}}) {
    if (rest.size() > suffix.size() && rest.ends_with(suffix)) {
      rest.remove_suffix(suffix.size());
      out.stat = stat;
      break;
    }
  }
  out.operation = std::string(rest);
  return out;
}

core::Result<CompiledQuery> compile_trace_metric_query(const MetricQuery& q,
                                                       const TraceMetric& metric,
                                                       const TimeRange& range, int64_t interval_s) {
  if (interval_s <= 0) return core::error(core::Code::invalid_argument, "interval must be > 0");
  CompiledQuery out;
  out.source = "spans";
  ScopeSql scope(out.params, /*spans=*/true);
  const std::string where_scope = scope.node(q.scope.get());
  std::vector<std::string> group_cols, group_names;
  for (size_t i = 0; i < q.group_by.size(); ++i) {
    group_cols.push_back(fmt::format("{} AS g{}", scope.column(q.group_by[i]), i));
    group_names.push_back(fmt::format("g{}", i));
  }
  const int64_t step_ms = interval_s * 1000;
  const int64_t start = floor_div(range.from_ms, step_ms) * step_ms;
  out.params.add("operation", metric.operation)
      .add("from", range.from_ms)
      .add("to", range.to_ms)
      .add("start", start)
      .add("step", step_ms);
  std::string value;
  switch (metric.stat) {
    case TraceMetric::Stat::hits:
      value = "toFloat64(count())";
      break;
    case TraceMetric::Stat::errors:
      value = "toFloat64(countIf(error = 1))";
      break;
    case TraceMetric::Stat::duration:
      value = "sum(duration_ns) / 1e9";
      break;
    case TraceMetric::Stat::distribution: {
      std::string agg = q.space_aggregator;
      if (quantile_of(agg) < 0 && quantile_of(q.rollup_aggregator) > 0) agg = q.rollup_aggregator;
      if (double quantile = quantile_of(agg); quantile > 0)
        value = fmt::format("quantile({})(duration_ns) / 1e9", quantile);
      else if (agg == "count")
        value = "toFloat64(count())";
      else if (agg == "sum")
        value = "sum(duration_ns) / 1e9";
      else if (agg == "min" || agg == "max")
        value = fmt::format("{}(duration_ns) / 1e9", agg);
      else
        value = "avg(duration_ns) / 1e9";
      break;
    }
  }
  if (metric.kind() == "count" && q.as == MetricQuery::As::rate)
    value = fmt::format("{} / {}", value, interval_s);
  const std::string groups =
      group_names.empty() ? std::string() : ", " + fmt::to_string(fmt::join(group_names, ", "));
  out.sql = fmt::format(
      "SELECT intDiv(toUnixTimestamp64Milli(timestamp) - {{start:Int64}}, {{step:Int64}}) AS "
      "bucket{select}, {value} AS value FROM spans "
      "WHERE name = {{operation:String}} AND timestamp >= fromUnixTimestamp64Milli({{from:Int64}}) "
      "AND timestamp < fromUnixTimestamp64Milli({{to:Int64}}) "
      "AND (reinterpretAsUInt64(parent_span_id) = 0 OR kind IN ('server', 'consumer') OR "
      "metrics['_dd.top_level'] = 1) AND {scope} "
      "GROUP BY bucket{groups} ORDER BY {order}bucket",
      fmt::arg("select",
               group_cols.empty() ? "" : ", " + fmt::to_string(fmt::join(group_cols, ", "))),
      fmt::arg("value", value), fmt::arg("scope", where_scope), fmt::arg("groups", groups),
      fmt::arg("order", group_names.empty() ? std::string()
                                            : fmt::to_string(fmt::join(group_names, ", ")) + ", "));
  return out;
}

core::Result<std::vector<Series>> EngineMetricSource::fetch(const MetricQuery& q,
                                                            const TimeRange& range,
                                                            int64_t interval_s) {
  auto kind_rows =
      engine_.query("SELECT kind FROM metric_series WHERE metric = {metric:String} LIMIT 1",
                    store::Params().add("metric", q.metric));
  if (!kind_rows.ok()) return kind_rows.status();
  std::string kind;
  core::Result<CompiledQuery> compiled = core::Status(core::Code::internal, "not compiled");
  if (kind_rows->row_count() > 0) {
    kind = kind_rows->at(0, 0).as_string();
    compiled = compile_metric_query(q, range, interval_s, kind);
  } else if (auto trace = parse_trace_metric(q.metric)) {
    kind = std::string(trace->kind());
    compiled = compile_trace_metric_query(q, *trace, range, interval_s);
  } else {
    return std::vector<Series>{};
  }
  if (!compiled.ok()) return compiled.status();
  auto rows = engine_.query(compiled->sql, compiled->params);
  if (!rows.ok()) return rows.status();

  const int64_t step_ms = interval_s * 1000;
  const int64_t start = floor_div(range.from_ms, step_ms) * step_ms;
  const int64_t count = std::max<int64_t>(0, (range.to_ms - start + step_ms - 1) / step_ms);
  std::vector<Series> out;
  std::map<std::vector<std::string>, size_t> index;
  const size_t groups = q.group_by.size();
  // Rows come ordered by group, so the group is looked up only when it changes.
  std::vector<std::string> key;
  size_t current = 0;
  bool have_current = false;
  auto same_group = [&](const std::vector<store::Value>& row) {
    if (!have_current) return false;
    for (size_t g = 0; g < groups; ++g) {
      const auto* text = std::get_if<std::string>(&row[1 + g].v);
      if (text ? *text != key[g] : row[1 + g].as_string() != key[g]) return false;
    }
    return true;
  };
  for (const auto& row : rows->rows()) {
    if (!same_group(row)) {
      key.clear();
      for (size_t g = 0; g < groups; ++g) key.push_back(row[1 + g].as_string());
      auto [it, inserted] = index.try_emplace(key, out.size());
      if (inserted) {
        Series s;
        s.expression = q.text;
        s.metric = q.metric;
        for (size_t g = 0; g < groups; ++g) s.group.emplace_back(q.group_by[g], key[g]);
        s.start_ms = start;
        s.interval_s = interval_s;
        s.values.assign(static_cast<size_t>(count), kNaN);
        s.unit_kind = kind;
        out.push_back(std::move(s));
      }
      current = it->second;
      have_current = true;
    }
    const int64_t bucket = row[0].as_int64();
    if (bucket >= 0 && bucket < count)
      out[current].values[static_cast<size_t>(bucket)] = row[1 + groups].as_double();
  }
  // Gaps: null by default; zero or the last value when asked (within the limit).
  for (Series& s : out) {
    if (q.fill == MetricQuery::Fill::zero) {
      for (double& v : s.values)
        if (std::isnan(v)) v = 0;
    } else if (q.fill == MetricQuery::Fill::last) {
      double last = kNaN;
      int64_t since = 0;
      const int64_t limit =
          q.fill_limit_seconds > 0 ? q.fill_limit_seconds : std::numeric_limits<int64_t>::max();
      for (double& v : s.values) {
        if (!std::isnan(v)) {
          last = v;
          since = 0;
        } else if (!std::isnan(last) && (since += interval_s) <= limit) {
          v = last;
        }
      }
    }
  }
  return out;
}

core::Result<std::vector<Series>> evaluate(const MetricExpr& expr, const TimeRange& range,
                                           MetricSource& source, const NamedQueries& named,
                                           int64_t interval_s) {
  if (range.to_ms <= range.from_ms)
    return core::error(core::Code::invalid_argument, "the time range is empty (to <= from)");
  if (interval_s <= 0) {
    int64_t rollup = 0;
    max_rollup(expr, named, rollup, 0);
    interval_s = interval_for(range, rollup);
  }
  Evaluator evaluator(range, interval_s, source, named);
  auto result = evaluator.eval(expr, 0, 0);
  if (!result.ok()) return result.status();
  if (result->scalar) {
    Series s;
    s.expression = fmt::format("{}", result->number);
    s.start_ms = evaluator.aligned_start();
    s.interval_s = interval_s;
    s.values.assign(static_cast<size_t>(evaluator.intervals()), result->number);
    return std::vector<Series>{std::move(s)};
  }
  return std::move(result->series);
}

}  // namespace heeler::query
