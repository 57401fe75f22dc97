// The DogStatsD aggregator (private to the receiver; shared with its tests, fuzz
// target and benchmark). Like the Datadog Agent's: samples go to the flush interval
// they arrive in (buckets aligned on multiples of the interval) and to their series
// (type + name + sorted tags); flush() turns every closed interval into one
// MetricBatch (and an EventBatch when events came in) for the Consumer.
//
// Per interval and series: counts are summed and scaled by 1/sample_rate (kind count);
// gauges keep the last value, '+'/'-' values adjust it; sets report their number of
// distinct members; histograms and timings give <name>.avg, .count, .max, .median and
// .95percentile; distributions keep a log-bucketed histogram (relative accuracy 1%)
// emitted as one point of kind distribution per non-empty bucket, weight = its count.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "core/metrics.h"
#include "intake/dogstatsd/parse.h"
#include "pipeline/consumer.h"

namespace heeler::intake {

struct AggregatorOptions {
  int64_t flush_interval_ms = 10'000;
  size_t max_series = 1'000'000;           // live series over all open intervals
  size_t max_events = 10'000;              // events + service checks per interval
  size_t max_samples_per_series = 65'536;  // histogram samples kept for the percentiles
  size_t max_set_members = 65'536;         // distinct members counted per set
};

// Log-bucketed histogram with relative accuracy `kRelativeAccuracy` (DDSketch mapping).
class LogHistogram {
 public:
  static constexpr double kRelativeAccuracy = 0.01;
  // Buckets kept per histogram: 1e-9…1e9 needs ~2100 per sign.
  static constexpr size_t kMaxBuckets = 4096;
  void add(double value, double weight);
  bool empty() const { return buckets_.empty(); }
  // Calls f(representative value, weight) per non-empty bucket, in increasing order.
  template <typename F>
  void for_each(F&& f) const {
    for (const auto& [index, weight] : buckets_) f(value_of(index), weight);
  }

 private:
  static int32_t index_of(double value);
  static double value_of(int32_t index);
  std::map<int32_t, double> buckets_;  // signed index: negatives below zero, 0 for zero
};

class Aggregator {
 public:
  Aggregator(AggregatorOptions options, pipeline::Consumer& consumer, core::Metrics& metrics);
  ~Aggregator();
  Aggregator(const Aggregator&) = delete;
  Aggregator& operator=(const Aggregator&) = delete;

  // One datagram or HTTP body of '\n'-separated lines received at `now_ms`.
  void ingest(std::string_view packet, int64_t now_ms);
  // Hands every interval that ended at or before `now_ms` to the consumer; with `all`,
  // every open interval too (at stop).
  void flush(int64_t now_ms, bool all = false);
  size_t live_series() const;
  int64_t flush_interval_ms() const { return options_.flush_interval_ms; }

 private:
  struct Interval;
  void add_line(const StatsdLine& line, int64_t now_ms);
  Interval& interval_at(int64_t timestamp_ms);
  void emit(int64_t start_ms, Interval& interval);
  void count_refusal(const core::Status& status, size_t records);

  AggregatorOptions options_;
  pipeline::Consumer& consumer_;
  mutable std::mutex mu_;
  std::map<int64_t, std::unique_ptr<Interval>> intervals_;  // by start, in ms
  size_t live_series_ = 0;
  std::string key_;                     // scratch: the series key being built
  std::vector<std::string_view> tags_;  // scratch: sorted tags

  core::Counter& packets_;
  core::Counter& lines_;
  std::vector<core::Counter*> parse_drops_;  // by StatsdError
  core::Counter& series_drops_;
  core::Counter& event_drops_;
  core::Counter& backpressure_drops_;
  core::Counter& overflow_drops_;
  core::Counter& consumer_error_drops_;
  core::Counter& flushes_;
  core::Gauge& series_gauge_;
};

}  // namespace heeler::intake
