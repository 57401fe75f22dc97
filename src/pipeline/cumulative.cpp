#include "pipeline/cumulative.h"

#include <algorithm>
#include <cmath>

namespace heeler::pipeline {

CumulativeToDelta::CumulativeToDelta(int64_t created_ns, size_t max_series)
    : created_ns_(created_ns),
      max_per_generation_(std::max<size_t>(1, max_series / (2 * kShards))) {}

std::optional<double> CumulativeToDelta::delta(uint64_t series_key, int64_t start_ns,
                                               int64_t time_ns, double value) {
  // NaN (Prometheus' staleness marker) or an infinity would poison every later delta.
  if (!std::isfinite(value)) return std::nullopt;
  // The key is already a hash; its high bits pick the shard, the map uses all of it.
  Shard& shard = shards_[(series_key >> 60) % kShards];
  std::lock_guard lock(shard.mutex);
  const int64_t latest_before = shard.latest_ns;
  shard.latest_ns = std::max(shard.latest_ns, time_ns);
  auto it = shard.current.find(series_key);
  if (it == shard.current.end()) {
    std::optional<Last> previous;
    if (auto old = shard.old.find(series_key); old != shard.old.end()) {
      previous = old->second;
      shard.old.erase(old);
    }
    if (shard.current.size() >= max_per_generation_) {
      if (!shard.old.empty()) shard.forgotten_through = latest_before;
      shard.old = std::move(shard.current);
      shard.current = Map();
    }
    if (!previous) {
      shard.current.emplace(series_key, Last{start_ns, time_ns, value});
      // Whole only when nothing of it can have been seen: it started after this
      // converter was created and after the last point of any series forgotten here
      // (a forgotten series comes back with its old start time, as a baseline).
      if (start_ns > 0 && start_ns >= created_ns_ && start_ns > shard.forgotten_through &&
          time_ns >= start_ns)
        return value;
      return std::nullopt;
    }
    it = shard.current.emplace(series_key, *previous).first;
  }
  Last& last = it->second;
  if (start_ns > 0 && last.start_ns > 0 && start_ns > last.start_ns) {
    last = Last{start_ns, time_ns, value};  // restarted: counted from the new start
    return value;
  }
  if (time_ns <= last.time_ns) return std::nullopt;
  if (value < last.value) {
    last = Last{start_ns, time_ns, value};  // reset without a new start time
    return value;
  }
  const double d = value - last.value;
  last.time_ns = time_ns;
  last.value = value;
  if (start_ns > 0) last.start_ns = start_ns;
  return d;
}

size_t CumulativeToDelta::size() const {
  size_t n = 0;
  for (const Shard& shard : shards_) {
    std::lock_guard lock(shard.mutex);
    n += shard.current.size() + shard.old.size();
  }
  return n;
}

}  // namespace heeler::pipeline
