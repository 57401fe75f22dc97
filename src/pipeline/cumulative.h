// Turns cumulative counters (OTLP cumulative sums and histogram buckets, Prometheus
// counters) into the deltas Heeler stores, one series at a time, with reset detection.
//
// Per series key the last (start time, time, value) is kept:
//  - first point of a series: emitted whole when its start time is known and not
//    before this converter was created (nothing was missed), else kept as a baseline;
//  - a later start time, or a value below the last one: the series restarted, and the
//    new value is the delta since the restart;
//  - a point not after the last one (a retry, out of order): nothing is emitted;
//  - otherwise value − last value.
// Memory is bounded: past `max_series` the series unseen longest are forgotten (their
// next point is a baseline again). Thread-safe; receivers share one converter.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <unordered_map>

namespace heeler::pipeline {

class CumulativeToDelta {
 public:
  // `created_ns`: points of series that started before it are baselines, not deltas.
  explicit CumulativeToDelta(int64_t created_ns, size_t max_series = 1 << 20);

  // `start_ns` 0 = unknown (Prometheus). Returns the delta to store, if any.
  std::optional<double> delta(uint64_t series_key, int64_t start_ns, int64_t time_ns, double value);
  size_t size() const;  // series remembered

 private:
  struct Last {
    int64_t start_ns;
    int64_t time_ns;
    double value;
  };
  using Map = std::unordered_map<uint64_t, Last>;
  // Two generations per shard: lookups promote from `old` to `current`; when
  // `current` is full, `old` is dropped and `current` becomes `old`.
  struct Shard {
    mutable std::mutex mutex;
    Map current;
    Map old;
    int64_t latest_ns = 0;          // the latest point time seen
    int64_t forgotten_through = 0;  // forgotten series had no point after this time
  };
  static constexpr size_t kShards = 16;

  int64_t created_ns_;
  size_t max_per_generation_;
  std::array<Shard, kShards> shards_;
};

}  // namespace heeler::pipeline
