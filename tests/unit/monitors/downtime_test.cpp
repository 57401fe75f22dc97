#include "monitors/downtime.h"

#include <gtest/gtest.h>

namespace heeler::monitors {
namespace {

using nlohmann::json;

// Monday 2026-11-23 09:00:00 UTC.
constexpr int64_t kMonday9 = 1795424400;
constexpr int64_t kHour = 3600;
constexpr int64_t kDay = 86400;

Downtime downtime(json body) {
  auto d = parse_downtime(body, kMonday9);
  EXPECT_TRUE(d.ok()) << d.status().to_string();
  return d.ok() ? *d : Downtime{};
}

std::string error(json body) {
  auto d = parse_downtime(body, kMonday9);
  EXPECT_FALSE(d.ok()) << body.dump();
  return d.ok() ? "" : d.status().message();
}

TEST(Downtime, OneWindow) {
  Downtime d = downtime({{"scope", "env:prod"}, {"start", kMonday9}, {"end", kMonday9 + kHour}});
  EXPECT_FALSE(downtime_active(d, kMonday9 - 1));
  EXPECT_TRUE(downtime_active(d, kMonday9));
  EXPECT_TRUE(downtime_active(d, kMonday9 + kHour - 1));
  EXPECT_FALSE(downtime_active(d, kMonday9 + kHour));
  Downtime open = downtime({{"scope", {"*"}}});
  EXPECT_EQ(open.start_s, kMonday9) << "starts now";
  EXPECT_TRUE(downtime_active(open, kMonday9 + 365 * kDay)) << "until cancelled";
  open.disabled = true;
  EXPECT_FALSE(downtime_active(open, kMonday9 + 1));
}

TEST(Downtime, DailyAndWeeklyRecurrences) {
  Downtime daily =
      downtime({{"start", kMonday9},
                {"end", kMonday9 + kHour},
                {"recurrence", {{"type", "days"}, {"period", 2}, {"until_occurrences", 3}}}});
  EXPECT_TRUE(downtime_active(daily, kMonday9 + 2 * kDay + 10));
  EXPECT_FALSE(downtime_active(daily, kMonday9 + 1 * kDay + 10)) << "every other day";
  EXPECT_FALSE(downtime_active(daily, kMonday9 + 2 * kDay + kHour));
  EXPECT_TRUE(downtime_active(daily, kMonday9 + 4 * kDay + 10));
  EXPECT_FALSE(downtime_active(daily, kMonday9 + 6 * kDay + 10)) << "three occurrences only";

  Downtime weekly = downtime({{"start", kMonday9},
                              {"end", kMonday9 + 2 * kHour},
                              {"recurrence",
                               {{"type", "weeks"},
                                {"period", 1},
                                {"week_days", {"Mon", "Fri"}},
                                {"until_date", kMonday9 + 14 * kDay}}}});
  EXPECT_TRUE(downtime_active(weekly, kMonday9 + kHour));
  EXPECT_FALSE(downtime_active(weekly, kMonday9 + 1 * kDay + kHour)) << "Tuesday";
  EXPECT_TRUE(downtime_active(weekly, kMonday9 + 4 * kDay + kHour)) << "Friday";
  EXPECT_TRUE(downtime_active(weekly, kMonday9 + 7 * kDay + kHour)) << "next Monday";
  EXPECT_FALSE(downtime_active(weekly, kMonday9 + 7 * kDay + 3 * kHour));
  EXPECT_FALSE(downtime_active(weekly, kMonday9 + 21 * kDay + kHour)) << "after until_date";
}

TEST(Downtime, MatchesMonitorAndGroupScope) {
  auto m = parse_monitor({{"type", "metric alert"},
                          {"query", "avg(last_5m):avg:cpu{*} by {host,env} > 1"},
                          {"tags", {"team:web", "tier:1"}}});
  ASSERT_TRUE(m.ok());
  m->id = 7;
  EXPECT_TRUE(downtime_matches(downtime({{"scope", "*"}}), *m, "host:a,env:prod"));
  EXPECT_TRUE(downtime_matches(downtime({{"scope", "env:prod"}}), *m, "host:a,env:prod"));
  EXPECT_FALSE(downtime_matches(downtime({{"scope", "env:prod"}}), *m, "host:a,env:dev"));
  EXPECT_TRUE(downtime_matches(downtime({{"scope", "env:prod,host:a"}}), *m, "host:a,env:prod"));
  EXPECT_FALSE(
      downtime_matches(downtime({{"scope", {"env:prod", "host:b"}}}), *m, "host:a,env:prod"));
  EXPECT_TRUE(downtime_matches(downtime({{"monitor_id", 7}}), *m, "host:a,env:prod"));
  EXPECT_FALSE(downtime_matches(downtime({{"monitor_id", 8}}), *m, "host:a,env:prod"));
  EXPECT_TRUE(downtime_matches(downtime({{"monitor_tags", {"team:web"}}}), *m, ""));
  EXPECT_FALSE(downtime_matches(downtime({{"monitor_tags", {"team:db"}}}), *m, ""));
}

TEST(Downtime, ErrorsNameTheField) {
  EXPECT_EQ(error(json::array()), "the body must be a JSON object (a downtime)");
  EXPECT_EQ(error({{"start", kMonday9}, {"end", kMonday9}}), "end must be after start");
  EXPECT_EQ(error({{"start", "tomorrow"}}), "start must be epoch seconds");
  EXPECT_EQ(error({{"scope", 5}}), "scope must be a string or an array of strings");
  EXPECT_EQ(error({{"monitor_id", "x"}}), "monitor_id must be a monitor's id");
  EXPECT_EQ(error({{"timezone", "Europe/Paris"}}),
            "timezone must be UTC: downtimes in other time zones are not supported yet");
  EXPECT_EQ(error({{"recurrence", {{"type", "days"}}}}),
            "a recurring downtime needs an end (its first window)");
  EXPECT_EQ(error({{"end", kMonday9 + 1}, {"recurrence", {{"type", "hours"}}}}),
            "recurrence.type must be \"days\" or \"weeks\"");
  EXPECT_EQ(error({{"end", kMonday9 + 1},
                   {"recurrence", {{"type", "weeks"}, {"week_days", {"Monday"}}}}}),
            "recurrence.week_days holds Mon, Tue, Wed, Thu, Fri, Sat or Sun");
  EXPECT_EQ(error({{"end", kMonday9 + 2 * kDay}, {"recurrence", {{"type", "days"}}}}),
            "each window is longer than the recurrence period");
}

}  // namespace
}  // namespace heeler::monitors
