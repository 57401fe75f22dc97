#include "intake/dogstatsd/aggregator.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "capture_consumer.h"

namespace heeler::intake {
namespace {

constexpr int64_t kInterval = 10'000;
constexpr int64_t kT0 = 1'700'000'000'000;  // a multiple of the interval

struct Fixture {
  explicit Fixture(AggregatorOptions options = {}) : aggregator(options, consumer, metrics) {}
  uint64_t counter(const std::string& name, const std::string& reason = {}) {
    core::Labels labels;
    if (!reason.empty()) labels = {{"reason", reason}};
    return metrics.counter(name, "", labels).value();
  }
  CaptureConsumer consumer;
  core::Metrics metrics;
  Aggregator aggregator;
};

double only_value(const CaptureConsumer& c, const std::string& metric,
                  const std::map<std::string, std::string>& tags = {}) {
  auto points = c.find(metric, tags);
  EXPECT_EQ(points.size(), 1u) << metric;
  return points.empty() ? NAN : points.front().value;
}

// ClickHouse's quantileExactWeighted over (value, weight) pairs.
double weighted_quantile(std::vector<std::pair<double, uint64_t>> pairs, double level) {
  std::sort(pairs.begin(), pairs.end());
  uint64_t total = 0;
  for (const auto& p : pairs) total += p.second;
  double threshold = std::ceil(static_cast<double>(total) * level);
  uint64_t sum = 0;
  for (const auto& p : pairs) {
    sum += p.second;
    if (static_cast<double>(sum) >= threshold) return p.first;
  }
  return pairs.back().first;
}

TEST(DogstatsdAggregator, CountsSumAndScaleBySampleRate) {
  Fixture f;
  f.aggregator.ingest("req:3|c|#route:/x,env:e\nreq:2|c|#env:e,route:/x", kT0 + 10);
  f.aggregator.ingest("req:1|c|@0.5|#route:/x,env:e", kT0 + 20);
  f.aggregator.ingest("req:1|c|#route:/y,env:e", kT0 + 30);
  f.aggregator.ingest("dec:-1|c\ndec:-1|c", kT0 + 40);
  f.aggregator.flush(kT0 + kInterval - 1);
  EXPECT_TRUE(f.consumer.points.empty()) << "the interval is still open";
  f.aggregator.flush(kT0 + kInterval);
  EXPECT_EQ(f.consumer.metric_batches, 1);
  auto x = f.consumer.find("req", {{"route", "/x"}});
  ASSERT_EQ(x.size(), 1u);
  EXPECT_DOUBLE_EQ(x[0].value, 7);  // 3 + 2 + 1/0.5
  EXPECT_EQ(x[0].kind, "count");
  EXPECT_EQ(x[0].timestamp_ms, kT0);
  EXPECT_EQ(x[0].tags, (std::map<std::string, std::string>{{"env", "e"}, {"route", "/x"}}));
  EXPECT_DOUBLE_EQ(only_value(f.consumer, "req", {{"route", "/y"}}), 1);
  EXPECT_DOUBLE_EQ(only_value(f.consumer, "dec"), -2);
  EXPECT_EQ(f.counter("heeler_dogstatsd_packets_total"), 4u);
  EXPECT_EQ(f.counter("heeler_dogstatsd_lines_total"), 6u);
  EXPECT_EQ(f.counter("heeler_dogstatsd_flushes_total"), 1u);
  EXPECT_EQ(f.aggregator.live_series(), 0u);
}

TEST(DogstatsdAggregator, IntervalsAreAlignedAndFlushedSeparately) {
  Fixture f;
  f.aggregator.ingest("c:1|c", kT0 + 5);
  f.aggregator.ingest("c:1|c", kT0 + kInterval + 5);
  f.aggregator.flush(kT0 + kInterval + 6);
  ASSERT_EQ(f.consumer.points.size(), 1u);
  EXPECT_EQ(f.consumer.points[0].timestamp_ms, kT0);
  EXPECT_EQ(f.aggregator.live_series(), 1u);
  f.aggregator.flush(kT0 + kInterval + 7, true);  // at stop: everything
  ASSERT_EQ(f.consumer.points.size(), 2u);
  EXPECT_EQ(f.consumer.points[1].timestamp_ms, kT0 + kInterval);
  EXPECT_EQ(f.aggregator.live_series(), 0u);
  f.aggregator.flush(kT0 + 3 * kInterval, true);
  EXPECT_EQ(f.consumer.metric_batches, 2) << "nothing left to flush";
}

TEST(DogstatsdAggregator, TimestampedSamplesGoToTheirInterval) {
  Fixture f;
  f.aggregator.ingest("old:5|g|T1699999990", kT0 + 100);     // 10 s before kT0
  f.aggregator.ingest("future:5|g|T1800000000", kT0 + 100);  // clamped to now
  f.aggregator.flush(kT0 + kInterval);
  auto old_points = f.consumer.find("old");
  ASSERT_EQ(old_points.size(), 1u);
  EXPECT_EQ(old_points[0].timestamp_ms, kT0 - kInterval);
  auto future = f.consumer.find("future");
  ASSERT_EQ(future.size(), 1u);
  EXPECT_EQ(future[0].timestamp_ms, kT0);
}

TEST(DogstatsdAggregator, GaugeKeepsTheLastValueAndAppliesDeltas) {
  Fixture f;
  f.aggregator.ingest("g:10|g\ng:42.5|g|#a:b", kT0);
  f.aggregator.ingest("g:20|g\ng:+3|g\ng:-5|g", kT0 + 1);
  f.aggregator.ingest("only.delta:-3|g", kT0 + 2);
  f.aggregator.ingest("multi:1:2:7|g", kT0 + 3);
  f.aggregator.flush(kT0 + kInterval);
  EXPECT_DOUBLE_EQ(only_value(f.consumer, "g", {{"a", "b"}}), 42.5);
  auto untagged = f.consumer.find("g");
  ASSERT_EQ(untagged.size(), 2u);
  auto plain = std::find_if(untagged.begin(), untagged.end(),
                            [](const CapturedPoint& p) { return p.tags.empty(); });
  ASSERT_NE(plain, untagged.end());
  EXPECT_DOUBLE_EQ(plain->value, 18);  // 20 + 3 - 5
  EXPECT_EQ(plain->kind, "gauge");
  EXPECT_DOUBLE_EQ(only_value(f.consumer, "only.delta"), -3);
  EXPECT_DOUBLE_EQ(only_value(f.consumer, "multi"), 7);
}

TEST(DogstatsdAggregator, SetsCountUniqueMembers) {
  Fixture f;
  f.aggregator.ingest("users:u1|s\nusers:u2|s\nusers:u1|s\nusers:ü3|s", kT0);
  f.aggregator.ingest("users:u9|s|#other", kT0);
  f.aggregator.flush(kT0 + kInterval);
  auto points = f.consumer.find("users");
  ASSERT_EQ(points.size(), 2u);
  for (const auto& p : points) {
    EXPECT_EQ(p.kind, "gauge");
    EXPECT_DOUBLE_EQ(p.value, p.tags.empty() ? 3 : 1);
  }
}

TEST(DogstatsdAggregator, HistogramsAndTimingsGiveAgentDerivedMetrics) {
  Fixture f;
  std::string lines;
  for (int v = 1; v <= 100; ++v) lines += "lat:" + std::to_string(v) + "|h|#svc:a\n";
  f.aggregator.ingest(lines, kT0);
  f.aggregator.ingest("t:350|ms|@0.5\nt:150|ms|@0.5", kT0);
  f.aggregator.ingest("mv:1:2:3:10|h", kT0);
  f.aggregator.flush(kT0 + kInterval);
  const std::map<std::string, std::string> a{{"svc", "a"}};
  EXPECT_DOUBLE_EQ(only_value(f.consumer, "lat.avg", a), 50.5);
  EXPECT_DOUBLE_EQ(only_value(f.consumer, "lat.count", a), 100);
  EXPECT_DOUBLE_EQ(only_value(f.consumer, "lat.max", a), 100);
  EXPECT_DOUBLE_EQ(only_value(f.consumer, "lat.median", a), 50);
  EXPECT_DOUBLE_EQ(only_value(f.consumer, "lat.95percentile", a), 95);
  EXPECT_EQ(f.consumer.find("lat.count")[0].kind, "count");
  EXPECT_EQ(f.consumer.find("lat.avg")[0].kind, "gauge");
  EXPECT_TRUE(f.consumer.find("lat").empty());
  EXPECT_DOUBLE_EQ(only_value(f.consumer, "t.count"), 4);  // two samples at rate 0.5
  EXPECT_DOUBLE_EQ(only_value(f.consumer, "t.avg"), 250);
  EXPECT_DOUBLE_EQ(only_value(f.consumer, "t.max"), 350);
  EXPECT_DOUBLE_EQ(only_value(f.consumer, "mv.count"), 4);
  EXPECT_DOUBLE_EQ(only_value(f.consumer, "mv.avg"), 4);
  EXPECT_DOUBLE_EQ(only_value(f.consumer, "mv.median"), 2);
  EXPECT_DOUBLE_EQ(only_value(f.consumer, "mv.95percentile"), 10);
}

TEST(DogstatsdAggregator, DistributionPercentilesFromBucketsWithinOnePercent) {
  Fixture f;
  std::vector<double> samples;
  std::string lines;
  for (int i = 1; i <= 10'000; ++i) {
    double v = 0.001 * i * i;  // 0.001 … 100000, skewed
    samples.push_back(v);
    lines += "dist:" + std::to_string(v) + "|d|#k:v\n";
    if (lines.size() > 60'000) {
      f.aggregator.ingest(lines, kT0);
      lines.clear();
    }
  }
  f.aggregator.ingest(lines, kT0);
  f.aggregator.ingest("dist:0|d|#k:v\ndist:-5|d|#k:v", kT0);
  samples.push_back(0);
  samples.push_back(-5);
  f.aggregator.flush(kT0 + kInterval);
  auto points = f.consumer.find("dist", {{"k", "v"}});
  ASSERT_GT(points.size(), 10u);
  EXPECT_LT(points.size(), 2000u);  // buckets, not samples
  std::vector<std::pair<double, uint64_t>> pairs;
  uint64_t total = 0;
  for (const auto& p : points) {
    EXPECT_EQ(p.kind, "distribution");
    EXPECT_GE(p.weight, 1u);
    pairs.emplace_back(p.value, p.weight);
    total += p.weight;
  }
  EXPECT_EQ(total, samples.size());
  std::sort(samples.begin(), samples.end());
  for (double level : {0.5, 0.75, 0.95, 0.99}) {
    double exact = samples[static_cast<size_t>(std::ceil(level * samples.size())) - 1];
    double estimate = weighted_quantile(pairs, level);
    EXPECT_NEAR(estimate, exact, exact * 0.01) << "p" << level * 100;
  }
  EXPECT_NEAR(weighted_quantile(pairs, 0.00005), -5, 0.05);
}

TEST(DogstatsdAggregator, DistributionBucketsAreBounded) {
  LogHistogram h;
  for (int e = -300; e <= 300; ++e)
    for (int i = 1; i <= 20; ++i) h.add(i * std::pow(10.0, e), 1);
  size_t buckets = 0;
  double total = 0, largest = 0;
  h.for_each([&](double value, double weight) {
    ++buckets;
    total += weight;
    largest = value;
  });
  EXPECT_EQ(buckets, LogHistogram::kMaxBuckets);
  EXPECT_EQ(total, 601 * 20);  // folded, never lost
  EXPECT_NEAR(largest, 20e300, 20e300 * 0.01);
  LogHistogram extreme;
  extreme.add(1.7e308, 1);
  extreme.add(-1.7e308, 1);
  extreme.for_each([](double value, double) { EXPECT_TRUE(std::isfinite(value)) << value; });
}

TEST(DogstatsdAggregator, SampledDistributionsWeighByInverseRate) {
  Fixture f;
  f.aggregator.ingest("d:10|d|@0.25", kT0);
  f.aggregator.flush(kT0 + kInterval);
  ASSERT_EQ(f.consumer.points.size(), 1u);
  EXPECT_EQ(f.consumer.points[0].weight, 4u);
  EXPECT_NEAR(f.consumer.points[0].value, 10, 0.1);
}

TEST(DogstatsdAggregator, EventsAndServiceChecks) {
  Fixture f;
  f.aggregator.ingest(
      "_e{15,28}:Deploy happened|v1.2.3 deployed\\nsecond line|d:1700000000|h:host-1|k:agg|"
      "p:low|s:my_src|t:info|#env:capture-env,service:hs-svc,deploy:yes",
      kT0 + 1);
  f.aggregator.ingest("_e{4,2}:Note|hi|#host:tag-host", kT0 + 2);
  f.aggregator.ingest(
      "_sc|hs.service.check|1|h:host-1|#env:capture-env,service:hs-svc,disk:sda|m:disk almost full",
      kT0 + 3);
  f.aggregator.ingest("_sc|db.up|2\n_sc|ok.check|0|d:1700000001\n_sc|unk|3", kT0 + 4);
  f.aggregator.flush(kT0 + kInterval);
  EXPECT_EQ(f.consumer.metric_batches, 0) << "no metric points, no metric batch";
  ASSERT_EQ(f.consumer.event_batches, 1);
  ASSERT_EQ(f.consumer.events.size(), 6u);
  const CapturedEvent& deploy = f.consumer.events[0];
  EXPECT_EQ(deploy.title, "Deploy happened");
  EXPECT_EQ(deploy.text, "v1.2.3 deployed\nsecond line");
  EXPECT_EQ(deploy.timestamp_ms, 1'700'000'000'000);
  EXPECT_EQ(deploy.host, "host-1");
  EXPECT_EQ(deploy.aggregation_key, "agg");
  EXPECT_EQ(deploy.priority, "low");
  EXPECT_EQ(deploy.source, "my_src");
  EXPECT_EQ(deploy.alert_type, "info");
  EXPECT_EQ(deploy.service, "hs-svc");
  EXPECT_EQ(deploy.env, "capture-env");
  EXPECT_EQ(deploy.tags.at("deploy"), "yes");
  const CapturedEvent& note = f.consumer.events[1];
  EXPECT_EQ(note.source, "dogstatsd");
  EXPECT_EQ(note.priority, "normal");
  EXPECT_EQ(note.host, "tag-host");
  EXPECT_EQ(note.timestamp_ms, kT0 + 2);
  const CapturedEvent& check = f.consumer.events[2];
  EXPECT_EQ(check.source, "service_check");
  EXPECT_EQ(check.title, "hs.service.check");
  EXPECT_EQ(check.text, "disk almost full");
  EXPECT_EQ(check.alert_type, "warning");
  EXPECT_EQ(check.host, "host-1");
  EXPECT_EQ(check.tags.at("check_status"), "1");
  EXPECT_EQ(check.tags.at("disk"), "sda");
  EXPECT_EQ(f.consumer.events[3].alert_type, "error");
  EXPECT_EQ(f.consumer.events[4].alert_type, "success");
  EXPECT_EQ(f.consumer.events[4].timestamp_ms, 1'700'000'001'000);
  EXPECT_EQ(f.consumer.events[5].alert_type, "info");
}

TEST(DogstatsdAggregator, SeriesCapDropsAndCounts) {
  AggregatorOptions options;
  options.max_series = 3;
  Fixture f(options);
  f.aggregator.ingest("a:1|c\nb:1|c\nc:1|c\nd:1|c\na:1|c\nc:1|c|#new", kT0);
  EXPECT_EQ(f.aggregator.live_series(), 3u);
  EXPECT_EQ(f.counter("heeler_dogstatsd_dropped_total", "series_limit"), 2u);
  f.aggregator.flush(kT0 + kInterval);
  EXPECT_EQ(f.consumer.points.size(), 3u);
  EXPECT_DOUBLE_EQ(only_value(f.consumer, "a"), 2);
  EXPECT_TRUE(f.consumer.find("d").empty());
  // A new interval starts with room again.
  f.aggregator.ingest("d:1|c", kT0 + kInterval);
  EXPECT_EQ(f.aggregator.live_series(), 1u);
}

TEST(DogstatsdAggregator, EventCapDropsAndCounts) {
  AggregatorOptions options;
  options.max_events = 2;
  Fixture f(options);
  f.aggregator.ingest("_sc|a|0\n_sc|b|0\n_sc|c|0", kT0);
  f.aggregator.flush(kT0 + kInterval);
  EXPECT_EQ(f.consumer.events.size(), 2u);
  EXPECT_EQ(f.counter("heeler_dogstatsd_dropped_total", "event_limit"), 1u);
}

TEST(DogstatsdAggregator, MalformedLinesAreCountedByReasonAndTheRestKept) {
  Fixture f;
  f.aggregator.ingest("ok:1|c\n:1|c\nx:nan|g\nx:1|q\nok:1|c\n\xff:1|c", kT0);
  EXPECT_EQ(f.counter("heeler_dogstatsd_lines_total"), 6u);
  EXPECT_EQ(f.counter("heeler_dogstatsd_lines_dropped_total", "empty_name"), 1u);
  EXPECT_EQ(f.counter("heeler_dogstatsd_lines_dropped_total", "not_finite"), 1u);
  EXPECT_EQ(f.counter("heeler_dogstatsd_lines_dropped_total", "unknown_type"), 1u);
  EXPECT_EQ(f.counter("heeler_dogstatsd_lines_dropped_total", "invalid_utf8"), 1u);
  f.aggregator.flush(kT0 + kInterval);
  EXPECT_DOUBLE_EQ(only_value(f.consumer, "ok"), 2);
}

TEST(DogstatsdAggregator, BackpressureIsCountedAsDrops) {
  Fixture f;
  f.consumer.refuse = core::Status(core::Code::unavailable, "behind");
  f.aggregator.ingest("a:1|c\nb:2|g\n_sc|x|0", kT0);
  f.aggregator.flush(kT0 + kInterval);
  EXPECT_EQ(f.counter("heeler_dogstatsd_dropped_total", "backpressure"), 3u);
  EXPECT_TRUE(f.consumer.points.empty());
  f.consumer.refuse = core::Status(core::Code::io_error, "disk");
  f.aggregator.ingest("a:1|c", kT0 + kInterval);
  f.aggregator.flush(kT0 + 2 * kInterval);
  EXPECT_EQ(f.counter("heeler_dogstatsd_dropped_total", "consumer_error"), 1u);
}

TEST(DogstatsdAggregator, OverflowingSumsAreDroppedNotStored) {
  Fixture f;
  f.aggregator.ingest("big:1e300|c|@1e-20\nfine:1|c\nd:1e300|d|@1e-20", kT0);
  f.aggregator.flush(kT0 + kInterval);
  EXPECT_TRUE(f.consumer.find("big").empty());
  EXPECT_DOUBLE_EQ(only_value(f.consumer, "fine"), 1);
  auto d = f.consumer.find("d");
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].weight, 9'000'000'000'000'000'000u);  // clamped, not wrapped
  EXPECT_EQ(f.counter("heeler_dogstatsd_dropped_total", "overflow"), 1u);
}

TEST(DogstatsdAggregator, TagOrderAndDuplicatesMakeOneSeries) {
  Fixture f;
  f.aggregator.ingest("m:1|c|#b:2,a:1\nm:1|c|#a:1,b:2,a:1\nm:1|c|#a:1,,b:2", kT0);
  EXPECT_EQ(f.aggregator.live_series(), 1u);
  f.aggregator.flush(kT0 + kInterval);
  EXPECT_DOUBLE_EQ(only_value(f.consumer, "m"), 3);
  // The same name as a gauge is another series.
  f.aggregator.ingest("m:1|c\nm:5|g", kT0 + kInterval);
  EXPECT_EQ(f.aggregator.live_series(), 2u);
}

TEST(DogstatsdAggregator, SeriesGaugeReportsTheLastFlush) {
  Fixture f;
  f.aggregator.ingest("a:1|c\nb:1|c", kT0);
  f.aggregator.flush(kT0 + kInterval);
  EXPECT_EQ(f.metrics.gauge("heeler_dogstatsd_series", "").value(), 2);
}

}  // namespace
}  // namespace heeler::intake
