#include "pipeline/cumulative.h"

#include <gtest/gtest.h>

#include <cmath>
#include <thread>
#include <vector>

namespace heeler::pipeline {
namespace {

constexpr int64_t kCreated = 1'000'000;

// Keys whose high four bits are equal land in the same shard.
constexpr uint64_t key(uint64_t shard, uint64_t n) {
  return shard << 60 | n;
}

TEST(CumulativeToDelta, FirstPointOfASeriesStartedBeforeCreationIsABaseline) {
  CumulativeToDelta deltas(kCreated);
  EXPECT_EQ(deltas.delta(key(0, 1), kCreated - 10, kCreated + 1, 100), std::nullopt);
  EXPECT_EQ(deltas.delta(key(0, 1), kCreated - 10, kCreated + 2, 130), 30.0);
  EXPECT_EQ(deltas.delta(key(0, 1), kCreated - 10, kCreated + 3, 130), 0.0);
  EXPECT_EQ(deltas.size(), 1u);
}

TEST(CumulativeToDelta, FirstPointOfASeriesStartedAfterCreationIsWhole) {
  CumulativeToDelta deltas(kCreated);
  EXPECT_EQ(deltas.delta(key(1, 1), kCreated, kCreated + 5, 7), 7.0);
  EXPECT_EQ(deltas.delta(key(1, 2), kCreated + 1, kCreated + 5, 3), 3.0);
  // A start time after the point's own time is not believed.
  EXPECT_EQ(deltas.delta(key(1, 3), kCreated + 9, kCreated + 5, 3), std::nullopt);
}

TEST(CumulativeToDelta, UnknownStartTimeIsABaseline) {
  CumulativeToDelta deltas(kCreated);
  EXPECT_EQ(deltas.delta(key(2, 1), 0, kCreated + 1, 5), std::nullopt);
  EXPECT_EQ(deltas.delta(key(2, 1), 0, kCreated + 2, 8), 3.0);
}

TEST(CumulativeToDelta, RetriesAndOutOfOrderPointsEmitNothing) {
  CumulativeToDelta deltas(kCreated);
  deltas.delta(key(3, 1), kCreated - 1, kCreated + 10, 10);
  EXPECT_EQ(deltas.delta(key(3, 1), kCreated - 1, kCreated + 20, 15), 5.0);
  EXPECT_EQ(deltas.delta(key(3, 1), kCreated - 1, kCreated + 20, 15), std::nullopt);
  EXPECT_EQ(deltas.delta(key(3, 1), kCreated - 1, kCreated + 15, 12), std::nullopt);
  EXPECT_EQ(deltas.delta(key(3, 1), kCreated - 1, kCreated + 30, 16), 1.0);
}

TEST(CumulativeToDelta, NewStartTimeIsARestart) {
  CumulativeToDelta deltas(kCreated);
  deltas.delta(key(4, 1), kCreated - 1, kCreated + 10, 100);
  EXPECT_EQ(deltas.delta(key(4, 1), kCreated + 50, kCreated + 60, 4), 4.0);
  EXPECT_EQ(deltas.delta(key(4, 1), kCreated + 50, kCreated + 70, 9), 5.0);
  // A restart whose value happens to be higher than before is still a restart.
  EXPECT_EQ(deltas.delta(key(4, 1), kCreated + 80, kCreated + 90, 500), 500.0);
}

TEST(CumulativeToDelta, DropWithoutStartTimeIsAReset) {
  CumulativeToDelta deltas(kCreated);
  deltas.delta(key(5, 1), 0, kCreated + 10, 100);
  EXPECT_EQ(deltas.delta(key(5, 1), 0, kCreated + 20, 3), 3.0);
  EXPECT_EQ(deltas.delta(key(5, 1), 0, kCreated + 30, 10), 7.0);
}

TEST(CumulativeToDelta, NonFiniteValuesAreIgnored) {
  CumulativeToDelta deltas(kCreated);
  deltas.delta(key(6, 1), 0, kCreated + 10, 100);
  // Prometheus marks a stale series with a NaN sample.
  EXPECT_EQ(deltas.delta(key(6, 1), 0, kCreated + 20, std::nan("")), std::nullopt);
  EXPECT_EQ(deltas.delta(key(6, 1), 0, kCreated + 30, INFINITY), std::nullopt);
  EXPECT_EQ(deltas.delta(key(6, 1), 0, kCreated + 40, 110), 10.0);
  EXPECT_EQ(deltas.delta(key(6, 2), kCreated + 1, kCreated + 40, std::nan("")), std::nullopt);
  EXPECT_EQ(deltas.size(), 1u);
}

TEST(CumulativeToDelta, MemoryIsBounded) {
  // 16 shards × 2 generations × 2 series each.
  CumulativeToDelta deltas(kCreated, 64);
  for (uint64_t n = 0; n < 10'000; ++n) deltas.delta(key(n % 16, n), 0, kCreated + 1, 1);
  EXPECT_LE(deltas.size(), 64u);
  EXPECT_GE(deltas.size(), 16u);
}

TEST(CumulativeToDelta, RecentlySeenSeriesSurviveAGenerationChange) {
  CumulativeToDelta deltas(kCreated, 64);  // two series per generation and shard
  deltas.delta(key(7, 1), 0, kCreated + 1, 10);
  deltas.delta(key(7, 2), 0, kCreated + 1, 10);
  deltas.delta(key(7, 3), 0, kCreated + 1, 10);  // key 1 and 2 move to the old generation
  EXPECT_EQ(deltas.delta(key(7, 1), 0, kCreated + 2, 12), 2.0);  // found there
}

// A series forgotten for lack of room comes back as a baseline, even when it started
// after the converter was created: emitting its whole value again would count twice.
TEST(CumulativeToDelta, ForgottenSeriesIsNotCountedTwice) {
  CumulativeToDelta deltas(kCreated, 64);
  const int64_t start = kCreated + 100;
  EXPECT_EQ(deltas.delta(key(8, 1), start, start + 10, 50), 50.0);
  EXPECT_EQ(deltas.delta(key(8, 1), start, start + 20, 60), 10.0);
  for (uint64_t n = 2; n < 10; ++n) deltas.delta(key(8, n), start, start + 30, 1);
  // Key 1 is gone now; its next point must not repeat the 60 already counted.
  EXPECT_EQ(deltas.delta(key(8, 1), start, start + 40, 65), std::nullopt);
  EXPECT_EQ(deltas.delta(key(8, 1), start, start + 50, 70), 5.0);
  // A series that starts after what was forgotten is still whole.
  EXPECT_EQ(deltas.delta(key(8, 100), start + 55, start + 60, 4), 4.0);
  // Other shards forgot nothing.
  EXPECT_EQ(deltas.delta(key(9, 1), start, start + 40, 3), 3.0);
}

TEST(CumulativeToDelta, ConcurrentSeriesKeepTheirOwnTotals) {
  CumulativeToDelta deltas(kCreated);
  constexpr int kThreads = 4, kSteps = 2000;
  std::vector<double> totals(kThreads, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 1; i <= kSteps; ++i) {
        for (uint64_t s = 0; s < 8; ++s) {
          const uint64_t k = key(s * 2, static_cast<uint64_t>(t) * 100 + s);
          if (auto d = deltas.delta(k, kCreated, kCreated + i, i * 2.0)) totals[t] += *d;
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  for (double total : totals) EXPECT_EQ(total, 8 * 2.0 * kSteps);
  EXPECT_EQ(deltas.size(), static_cast<size_t>(kThreads * 8));
}

}  // namespace
}  // namespace heeler::pipeline
