#include "core/metrics.h"

#include <gtest/gtest.h>

#include <thread>

namespace heeler::core {
namespace {

TEST(Metrics, CountersAreSharedByNameAndLabels) {
  Metrics m;
  m.counter("heeler_x_total", "x", {{"a", "1"}}).inc();
  m.counter("heeler_x_total", "x", {{"a", "1"}}).inc(2);
  m.counter("heeler_x_total", "x", {{"a", "2"}}).inc();
  EXPECT_EQ(m.counter("heeler_x_total", "x", {{"a", "1"}}).value(), 3u);
  std::string text = m.render_prometheus();
  EXPECT_NE(text.find("# TYPE heeler_x_total counter\n"), std::string::npos);
  EXPECT_NE(text.find("heeler_x_total{a=\"1\"} 3\n"), std::string::npos) << text;
  EXPECT_NE(text.find("heeler_x_total{a=\"2\"} 1\n"), std::string::npos) << text;
}

TEST(Metrics, HistogramBucketsAreCumulative) {
  Metrics m;
  auto& h = m.histogram("heeler_lat_seconds", "latency", {}, {0.1, 1});
  h.observe(0.05);
  h.observe(0.5);
  h.observe(5);
  std::string text = m.render_prometheus();
  EXPECT_NE(text.find("heeler_lat_seconds_bucket{le=\"0.1\"} 1\n"), std::string::npos) << text;
  EXPECT_NE(text.find("heeler_lat_seconds_bucket{le=\"1\"} 2\n"), std::string::npos) << text;
  EXPECT_NE(text.find("heeler_lat_seconds_bucket{le=\"+Inf\"} 3\n"), std::string::npos) << text;
  EXPECT_NE(text.find("heeler_lat_seconds_count 3\n"), std::string::npos) << text;
  EXPECT_DOUBLE_EQ(h.sum(), 5.55);
}

TEST(Metrics, LabelValuesAreEscaped) {
  Metrics m;
  m.gauge("heeler_g", "g", {{"path", "a\"b\\c\nd"}}).set(1.5);
  EXPECT_NE(m.render_prometheus().find(R"(heeler_g{path="a\"b\\c\nd"} 1.5)"), std::string::npos);
}

TEST(Metrics, CollectorsRefreshAtRender) {
  Metrics m;
  int calls = 0;
  m.on_collect([&](Metrics& mm) { mm.gauge("heeler_calls", "calls").set(++calls); });
  m.render_prometheus();
  EXPECT_NE(m.render_prometheus().find("heeler_calls 2\n"), std::string::npos);
}

TEST(Metrics, ConcurrentIncrementsAreNotLost) {
  Metrics m;
  auto& c = m.counter("heeler_c_total", "c");
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 10000; ++i) c.inc();
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(c.value(), 40000u);
}

TEST(Metrics, OneNameOneType) {
  Metrics m;
  m.counter("heeler_same", "s");
  EXPECT_THROW(m.gauge("heeler_same", "s"), std::logic_error);
}

}  // namespace
}  // namespace heeler::core
