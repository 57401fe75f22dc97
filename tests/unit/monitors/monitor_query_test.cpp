#include "monitors/monitor_query.h"

#include <gtest/gtest.h>

namespace heeler::monitors {
namespace {

MonitorQuery ok(std::string_view text) {
  auto parsed = parse_monitor_query(text);
  EXPECT_TRUE(parsed.ok()) << text << ": at " << parsed.error->position << ": "
                           << parsed.error->message;
  return parsed.ok() ? std::move(*parsed.query) : MonitorQuery{};
}

MonitorQueryError error(std::string_view text) {
  auto parsed = parse_monitor_query(text);
  EXPECT_FALSE(parsed.ok()) << text;
  return parsed.ok() ? MonitorQueryError{} : *parsed.error;
}

TEST(MonitorQuery, MetricThreshold) {
  auto q = ok("avg(last_5m):avg:system.cpu.user{env:prod} by {host} > 90");
  EXPECT_EQ(q.kind, QueryKind::metric);
  EXPECT_EQ(q.time_aggregator, "avg");
  EXPECT_EQ(q.window_seconds, 300);
  EXPECT_EQ(q.metric_text, "avg:system.cpu.user{env:prod} by {host}");
  EXPECT_EQ(q.comparator, ">");
  EXPECT_EQ(q.threshold, 90);
  EXPECT_EQ(q.group_by(), std::vector<std::string>{"host"});
  EXPECT_EQ(q.change, MonitorQuery::Change::none);

  q = ok("max(last_1h):sum:orders{*}.as_count() / sum:visits{*}.as_count() * 100 <= -2.5e1");
  EXPECT_EQ(q.time_aggregator, "max");
  EXPECT_EQ(q.window_seconds, 3600);
  EXPECT_EQ(q.comparator, "<=");
  EXPECT_EQ(q.threshold, -25);
  EXPECT_TRUE(q.group_by().empty());

  q = ok("p95(last_15m):avg:latency{service:web} by {resource,host}>=0.5");
  EXPECT_EQ(q.time_aggregator, "p95");
  EXPECT_DOUBLE_EQ(q.percentile, 0.95);
  EXPECT_EQ(q.group_by(), (std::vector<std::string>{"resource", "host"}));
}

TEST(MonitorQuery, MetricChange) {
  auto q = ok("change(avg(last_5m),last_1h):sum:orders{*}.as_count() < -50");
  EXPECT_EQ(q.change, MonitorQuery::Change::change);
  EXPECT_EQ(q.window_seconds, 300);
  EXPECT_EQ(q.change_shift_seconds, 3600);
  q = ok("pct_change(max(last_10m),last_1d):avg:latency{*} >= 20");
  EXPECT_EQ(q.change, MonitorQuery::Change::pct_change);
  EXPECT_EQ(q.time_aggregator, "max");
  EXPECT_EQ(q.change_shift_seconds, 86400);
}

TEST(MonitorQuery, LogsSpansEventsRum) {
  auto q = ok(
      R"(logs("service:web status:error").index("*").rollup("count").by("service").last("5m") > 100)");
  EXPECT_EQ(q.kind, QueryKind::logs);
  EXPECT_EQ(q.events.search, "service:web status:error");
  EXPECT_EQ(q.events.search_position, 6u);
  EXPECT_EQ(q.events.aggregation, "count");
  EXPECT_EQ(q.group_by(), std::vector<std::string>{"service"});
  EXPECT_EQ(q.window_seconds, 300);
  EXPECT_EQ(q.threshold, 100);

  q = ok(
      R"(logs("@http.status_code:>=500 \"gateway timeout\"").rollup("avg", "@duration").by("host,@http.method").last("15m") >= 2e9)");
  EXPECT_EQ(q.events.search, R"(@http.status_code:>=500 "gateway timeout")");
  EXPECT_EQ(q.events.measure, "@duration");
  EXPECT_EQ(q.group_by(), (std::vector<std::string>{"host", "@http.method"}));
  EXPECT_EQ(q.comparator, ">=");
  EXPECT_EQ(q.threshold, 2e9);

  q = ok(
      R"(trace-analytics("service:web @http.status_code:>=500").rollup("count").by("resource_name").last("5m") > 5)");
  EXPECT_EQ(q.kind, QueryKind::spans);
  q = ok(R"(events("source:deploy status:error").rollup("count").last("30m") > 0)");
  EXPECT_EQ(q.kind, QueryKind::events);
  EXPECT_EQ(q.window_seconds, 1800);
  q = ok(
      R"(rum("@type:resource @resource.status_code:>=500").rollup("count").by("@view.name").last("5m") > 10)");
  EXPECT_EQ(q.kind, QueryKind::rum);
  EXPECT_EQ(q.group_by(), std::vector<std::string>{"@view.name"});
}

TEST(MonitorQuery, Composite) {
  auto q = ok("(12 && 14) || !15");
  EXPECT_EQ(q.kind, QueryKind::composite);
  EXPECT_EQ(q.composite_ids(), (std::vector<int64_t>{12, 14, 15}));
  ASSERT_EQ(q.composite->kind, CompositeNode::Kind::any);
  EXPECT_EQ(q.composite->children[0]->kind, CompositeNode::Kind::all);
  EXPECT_EQ(q.composite->children[1]->kind, CompositeNode::Kind::negate);
  EXPECT_EQ(error("12 && ").message, "expected a monitor id");
  EXPECT_EQ(error("12 14").message, "expected && or || between monitor ids");
  EXPECT_EQ(error("(12 && 14").message, "expected ')' closing the parenthesis");
}

TEST(MonitorQuery, ErrorsPointAtTheProblem) {
  auto e = error("avg(last_5m):avg:cpu{*}");
  EXPECT_EQ(e.message, "the query needs a condition at its end, such as > 90");
  e = error("avg(last_5m):avg:cpu{*} > ninety");
  EXPECT_EQ(e.message, "the threshold after > must be a number");
  EXPECT_EQ(e.position, 26u);
  e = error("mean(last_5m):avg:cpu{*} > 1");
  EXPECT_EQ(e.position, 0u);
  EXPECT_NE(e.message.find("'mean' is not a time aggregation"), std::string::npos);
  e = error("avg(last_5x):avg:cpu{*} > 1");
  EXPECT_EQ(e.position, 4u);
  EXPECT_EQ(e.message, "'last_5x' is not a window such as last_5m, last_1h or last_1d");
  e = error("avg(last_5m):avg:cpu{host:a > 1");
  EXPECT_GE(e.position, 13u) << "inside the metric query: " << e.message;
  e = error(R"(logs("service:(web").rollup("count").last("5m") > 1)");
  EXPECT_EQ(e.message.rfind("in the search: ", 0), 0u);
  EXPECT_GE(e.position, 6u);
  e = error(R"(logs("*").rollup("p95").last("5m") > 1)");
  EXPECT_EQ(e.position, 17u);
  e = error(R"(logs("*").rollup("avg").last("5m") > 1)");
  EXPECT_EQ(e.message, R"(.rollup("avg") needs a measure, as in .rollup("avg", "@duration"))");
  e = error(R"(logs("*").rollup("count") > 1)");
  EXPECT_EQ(e.message, R"(the query needs a window, as in .last("5m"))");
  e = error(R"(logs("*").last("5 minutes") > 1)");
  EXPECT_EQ(e.message, "'5 minutes' is not a window such as 5m, 1h or 1d");
  e = error(R"(logs("*").since("5m") > 1)");
  EXPECT_EQ(e.message, "unknown function .since() (index, rollup, by, last)");
  e = error(R"(logs("never closed) > 1)");
  EXPECT_EQ(e.message, "this string is not closed");
  EXPECT_EQ(e.position, 5u);
  EXPECT_EQ(error("   ").message, "the query is empty");
}

TEST(MonitorQuery, HostileInputNeverCrashes) {
  for (std::string_view text :
       {"(((((", ")))) > 1", "\"\"\" > 1", "logs(", "logs(\"\\", "avg(", "avg(last_5m", ":", "> >",
        "!!!!1", "&&", "change(", "change(avg(last_5m),", "logs(\"*\").by(\"\") > 1",
        "\xff\xfe > 1", "avg(last_99999999999999m):avg:x{*} > 1"})
    (void)parse_monitor_query(text);
}

TEST(Breaches, ComparesAndNeverTripsOnNaN) {
  EXPECT_TRUE(breaches(">", 2, 1));
  EXPECT_FALSE(breaches(">", 1, 1));
  EXPECT_TRUE(breaches(">=", 1, 1));
  EXPECT_TRUE(breaches("<", 0, 1));
  EXPECT_TRUE(breaches("<=", 1, 1));
  EXPECT_FALSE(breaches(">", NAN, 1));
}

}  // namespace
}  // namespace heeler::monitors
