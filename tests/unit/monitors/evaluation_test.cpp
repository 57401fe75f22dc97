// Monitor evaluation with a scripted data source and a clock the test moves: states,
// thresholds and recoveries, no data, renotify, change, composites.
#include "monitors/evaluation.h"

#include <gtest/gtest.h>

#include <cmath>

namespace heeler::monitors {
namespace {

using nlohmann::json;

constexpr int64_t kMinute = 60'000;
constexpr int64_t kT0 = 1'800'000'000'000;

Monitor monitor(const std::string& query, json options = json::object(),
                const std::string& type = "metric alert") {
  auto m = parse_monitor({{"type", type}, {"query", query}, {"options", options}});
  EXPECT_TRUE(m.ok()) << m.status().to_string();
  return m.ok() ? *m : Monitor{};
}

// Values per group, set by the test; windows asked for are recorded.
class Script final : public DataSource {
 public:
  std::map<std::string, double> now;
  std::map<std::string, double> before;  // for change(): windows ending before `split`
  std::map<std::string, bool> partial;
  int64_t split = 0;
  std::vector<std::pair<int64_t, int64_t>> asked;

  core::Result<std::vector<GroupValue>> values(const MonitorQuery&, int64_t from,
                                               int64_t to) override {
    asked.emplace_back(from, to);
    const auto& source = split && to <= split ? before : now;
    std::vector<GroupValue> out;
    for (const auto& [g, v] : source) out.push_back({g, v, !partial.count(g)});
    return out;
  }
};

struct Scenario {
  Monitor m;
  Script data;
  std::map<std::string, GroupState> groups;
  int64_t t = kT0;

  Evaluation step(int64_t advance_ms = kMinute) {
    t += advance_ms;
    auto e = evaluate(m, groups, data, t);
    EXPECT_TRUE(e.ok());
    groups = e->groups;
    return *e;
  }
};

TEST(Evaluation, AlertsWarnsAndRecoversPerGroup) {
  Scenario r{
      monitor("avg(last_5m):avg:cpu{*} by {host} > 90",
              {{"thresholds", {{"critical", 90}, {"warning", 80}}}, {"evaluation_delay", 60}})};
  r.data.now = {{"host:a", 50}, {"host:b", 85}};
  auto e = r.step();
  EXPECT_EQ(r.data.asked.back().second, r.t - 60'000) << "the window ends evaluation_delay ago";
  EXPECT_EQ(r.data.asked.back().second - r.data.asked.back().first, 300'000);
  EXPECT_EQ(e.groups["host:a"].state, State::ok);
  EXPECT_EQ(e.groups["host:b"].state, State::warn);
  EXPECT_EQ(e.overall, State::warn);
  ASSERT_EQ(e.transitions.size(), 1u) << "a new group that starts OK is not news";
  EXPECT_EQ(e.transitions[0].group, "host:b");
  EXPECT_EQ(e.transitions[0].to, State::warn);

  r.data.now = {{"host:a", 95}, {"host:b", 85}};
  e = r.step();
  ASSERT_EQ(e.transitions.size(), 1u);
  EXPECT_EQ(e.transitions[0].group, "host:a");
  EXPECT_EQ(e.transitions[0].from, State::ok);
  EXPECT_EQ(e.transitions[0].to, State::alert);
  EXPECT_EQ(e.transitions[0].value, 95);
  EXPECT_TRUE(e.transitions[0].notify);
  EXPECT_EQ(e.overall, State::alert);

  r.data.now = {{"host:a", 10}, {"host:b", 10}};
  e = r.step();
  ASSERT_EQ(e.transitions.size(), 2u);
  EXPECT_EQ(e.transitions[0].to, State::ok);
  EXPECT_EQ(e.transitions[1].from, State::warn);
  EXPECT_EQ(e.overall, State::ok);
}

TEST(Evaluation, RecoveryThresholdsHoldTheState) {
  Scenario r{monitor("max(last_5m):avg:cpu{*} > 90",
                     {{"thresholds", {{"critical", 90}, {"critical_recovery", 70}}}})};
  r.data.now = {{"", 95}};
  EXPECT_EQ(r.step().overall, State::alert);
  r.data.now = {{"", 80}};
  auto e = r.step();
  EXPECT_EQ(e.overall, State::alert) << "80 is above the recovery threshold";
  EXPECT_TRUE(e.transitions.empty());
  r.data.now = {{"", 70}};
  e = r.step();
  EXPECT_EQ(e.overall, State::ok);
  ASSERT_EQ(e.transitions.size(), 1u);
}

TEST(Evaluation, BelowComparatorsWork) {
  Scenario r{monitor("min(last_15m):sum:orders{*}.as_count() < 10",
                     {{"thresholds", {{"critical", 10}, {"warning", 20}}}})};
  r.data.now = {{"", 15}};
  EXPECT_EQ(r.step().overall, State::warn);
  r.data.now = {{"", 5}};
  EXPECT_EQ(r.step().overall, State::alert);
  r.data.now = {{"", 25}};
  EXPECT_EQ(r.step().overall, State::ok);
}

TEST(Evaluation, NoDataNotifiesAfterTheTimeframeWhenAskedTo) {
  Scenario r{monitor("avg(last_5m):avg:cpu{*} by {host} > 90",
                     {{"notify_no_data", true}, {"no_data_timeframe", 10}})};
  r.data.now = {{"host:a", 95}};
  EXPECT_EQ(r.step().overall, State::alert);
  r.data.now = {};
  auto e = r.step(5 * kMinute);
  EXPECT_EQ(e.groups["host:a"].state, State::alert) << "within the no-data timeframe";
  EXPECT_TRUE(std::isnan(e.groups["host:a"].value));
  e = r.step(5 * kMinute);
  EXPECT_EQ(e.groups["host:a"].state, State::no_data);
  ASSERT_EQ(e.transitions.size(), 1u);
  EXPECT_TRUE(e.transitions[0].notify);
  r.data.now = {{"host:a", 10}};
  e = r.step();
  EXPECT_EQ(e.groups["host:a"].state, State::ok);
  EXPECT_TRUE(e.transitions.at(0).notify);
}

TEST(Evaluation, MissingDataPolicies) {
  for (auto [policy, want, notify] :
       {std::tuple{"show_no_data", State::no_data, false},
        std::tuple{"show_and_notify_no_data", State::no_data, true},
        std::tuple{"resolve", State::ok, true}, std::tuple{"default", State::alert, false}}) {
    Scenario r{monitor("avg(last_5m):avg:cpu{*} > 90", {{"on_missing_data", policy}})};
    r.data.now = {{"", 95}};
    r.step();
    r.data.now = {};
    auto e = r.step(11 * kMinute);
    EXPECT_EQ(e.overall, want) << policy;
    if (want != State::alert) {
      ASSERT_EQ(e.transitions.size(), 1u) << policy;
      EXPECT_EQ(e.transitions[0].notify, notify) << policy;
    }
  }
  // A monitor that never had data shows NO DATA without notifying.
  Scenario fresh{monitor("avg(last_5m):avg:cpu{*} > 90")};
  auto e = fresh.step();
  EXPECT_EQ(e.overall, State::no_data);
  ASSERT_EQ(e.transitions.size(), 1u);
  EXPECT_FALSE(e.transitions[0].notify);
}

TEST(Evaluation, RenotifiesWhileTheStatePersists) {
  Scenario r{monitor("avg(last_5m):avg:cpu{*} > 90", {{"renotify_interval", 10}})};
  r.data.now = {{"", 95}};
  EXPECT_EQ(r.step().transitions.size(), 1u);
  EXPECT_TRUE(r.step(5 * kMinute).transitions.empty());
  auto e = r.step(5 * kMinute);
  ASSERT_EQ(e.transitions.size(), 1u);
  EXPECT_TRUE(e.transitions[0].renotify);
  EXPECT_TRUE(r.step(9 * kMinute).transitions.empty());
  EXPECT_EQ(r.step(kMinute).transitions.size(), 1u);
}

TEST(Evaluation, RequireFullWindowSkipsPartialWindows) {
  Scenario r{monitor("avg(last_5m):avg:cpu{*} by {host} > 90", {{"require_full_window", true}})};
  r.data.now = {{"host:a", 95}};
  r.data.partial = {{"host:a", true}};
  auto e = r.step();
  EXPECT_EQ(e.groups["host:a"].state, State::skipped);
  EXPECT_FALSE(e.transitions.at(0).notify);
  r.data.partial.clear();
  e = r.step();
  EXPECT_EQ(e.groups["host:a"].state, State::alert);
  EXPECT_TRUE(e.transitions.at(0).notify);
}

TEST(Evaluation, ChangeComparesWithTheShiftedWindow) {
  Scenario r{monitor("pct_change(avg(last_5m),last_1h):avg:latency{*} > 50")};
  r.data.split = kT0 + kMinute - 3600'000 + 1;
  r.data.before = {{"", 100}};
  r.data.now = {{"", 180}};
  auto e = r.step();
  EXPECT_EQ(e.groups[""].value, 80);
  EXPECT_EQ(e.overall, State::alert);
  ASSERT_EQ(r.data.asked.size(), 2u);
  EXPECT_EQ(r.data.asked[0].first - r.data.asked[1].first, 3600'000);

  Scenario c{monitor("change(avg(last_5m),last_5m):avg:queue{*} < -10")};
  c.data.split = kT0 + kMinute - 300'000 + 1;
  c.data.before = {{"", 50}};
  c.data.now = {{"", 30}};
  e = c.step();
  EXPECT_EQ(e.groups[""].value, -20);
  EXPECT_EQ(e.overall, State::alert);
}

TEST(Evaluation, LogCountsAreZeroWhereNothingMatched) {
  Scenario r{monitor(R"(logs("status:error").rollup("count").by("service").last("5m") > 5)", {},
                     "log alert")};
  r.data.now = {{"service:web", 9}};
  EXPECT_EQ(r.step().groups["service:web"].state, State::alert);
  r.data.now = {};
  auto e = r.step();
  EXPECT_EQ(e.groups["service:web"].state, State::ok);
  EXPECT_EQ(e.groups["service:web"].value, 0);
  Scenario below{
      monitor(R"(logs("service:heartbeat").rollup("count").last("5m") < 1)", {}, "log alert")};
  EXPECT_EQ(below.step().overall, State::alert) << "no heartbeat logs at all";
}

TEST(Evaluation, Composites) {
  Monitor m = monitor("(1 && 2) || !3", {}, "composite");
  std::map<std::string, GroupState> prev;
  auto e = evaluate_composite(m, prev, {{1, State::alert}, {2, State::ok}, {3, State::alert}}, kT0);
  EXPECT_EQ(e.overall, State::ok);
  e = evaluate_composite(m, e.groups, {{1, State::alert}, {2, State::alert}, {3, State::alert}},
                         kT0);
  EXPECT_EQ(e.overall, State::alert);
  ASSERT_EQ(e.transitions.size(), 1u);
  e = evaluate_composite(m, e.groups, {{1, State::ok}, {2, State::ok}, {3, State::warn}}, kT0);
  EXPECT_EQ(e.overall, State::alert) << "3 is not in ALERT, so !3 holds";
  e = evaluate_composite(m, e.groups, {{1, State::ok}, {2, State::alert}}, kT0);
  EXPECT_EQ(e.overall, State::no_data) << "monitor 3 is unknown";
}

TEST(Monitor, ValidationNamesTheProblem) {
  auto err = [](json body) {
    auto m = parse_monitor(body);
    EXPECT_FALSE(m.ok()) << body.dump();
    return m.ok() ? std::string() : m.status().message();
  };
  EXPECT_EQ(err({{"query", "avg(last_5m):avg:cpu{*} > 1"}}), "type is required");
  EXPECT_EQ(err({{"type", "metric alert"}}), "query is required");
  EXPECT_EQ(err({{"type", "service check"}, {"query", "x"}}),
            "type 'service check' is not a monitor type (metric alert, query alert, log alert, "
            "trace-analytics alert, rum alert, event-v2 alert, synthetics alert, composite)");
  EXPECT_EQ(err({{"type", "rum alert"}, {"query", "avg(last_5m):avg:cpu{*} > 1"}}),
            "query: a 'rum alert' monitor takes a rum query, not a metric query");
  EXPECT_EQ(err({{"type", "metric alert"}, {"query", "avg(last_5m):avg:cpu{*} > x"}}),
            "query: at 26: the threshold after > must be a number");
  EXPECT_EQ(err({{"type", "log alert"}, {"query", "avg(last_5m):avg:cpu{*} > 1"}}),
            "query: a 'log alert' monitor takes a logs query, not a metric query");
  EXPECT_EQ(err({{"type", "metric alert"},
                 {"query", "avg(last_5m):avg:cpu{*} > 90"},
                 {"options", {{"thresholds", {{"critical", 80}}}}}}),
            "options.thresholds.critical (80) does not match the threshold in the query (90)");
  EXPECT_EQ(err({{"type", "metric alert"},
                 {"query", "avg(last_5m):avg:cpu{*} > 90"},
                 {"options", {{"thresholds", {{"warning", 95}}}}}}),
            "options.thresholds.warning (95) must be lower than critical (90)");
  EXPECT_EQ(err({{"type", "metric alert"},
                 {"query", "avg(last_5m):avg:cpu{*} < 10"},
                 {"options", {{"thresholds", {{"critical_recovery", 5}}}}}}),
            "options.thresholds.critical_recovery (5) must be higher than critical (10)");
  EXPECT_EQ(err({{"type", "metric alert"},
                 {"query", "avg(last_5m):avg:cpu{*} > 90"},
                 {"options", {{"on_missing_data", "panic"}}}}),
            "options.on_missing_data must be default, show_no_data, show_and_notify_no_data or "
            "resolve");
  EXPECT_EQ(
      err({{"type", "metric alert"}, {"query", "avg(last_5m):avg:cpu{*} > 90"}, {"priority", 9}}),
      "priority must be a whole number from 1 to 5, or null");

  auto m = parse_monitor({{"type", "query alert"},
                          {"query", "avg(last_5m):avg:cpu{*} > 90"},
                          {"id", 5},
                          {"overall_state", "Alert"},
                          {"options", {{"renotify_interval", 30}, {"evaluation_delay", 120}}}});
  ASSERT_TRUE(m.ok()) << m.status().to_string();
  EXPECT_FALSE(m->body.contains("id"));
  EXPECT_FALSE(m->body.contains("overall_state"));
  EXPECT_EQ(m->body["options"]["thresholds"]["critical"], 90);
  EXPECT_EQ(m->body["name"], "avg(last_5m):avg:cpu{*} > 90");
  EXPECT_EQ(m->options.renotify_interval_seconds, 1800);
  EXPECT_EQ(m->options.evaluation_delay_seconds, 120);
}

}  // namespace
}  // namespace heeler::monitors
