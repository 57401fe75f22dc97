// Prometheus remote-write 1.0 decoding (private to intake/prometheus; the receiver,
// tests, the fuzz target and the benchmark use it). A body is snappy block-compressed
// protobuf (`prometheus.WriteRequest`); it is uncompressed with a cap, parsed, and its
// series converted into a MetricBatch.
//
// Mapping:
//  - `__name__` is the metric; every other label with a non-empty value is a
//    "name:value" tag (so `service`, `env` and `host` labels fill the series columns);
//    a series without `__name__` is rejected;
//  - sample timestamps are milliseconds; samples before 1970 or more than a day past
//    the receive time are rejected; staleness markers and other NaN samples are
//    skipped (counted);
//  - counters are stored as per-interval deltas (kind count) through a
//    CumulativeToDelta keyed by the series id: a series is a counter when the metadata
//    Prometheus sent for its family says COUNTER (or HISTOGRAM/SUMMARY for the
//    `_bucket`, `_count` and `_sum` series), or, with no metadata for it, when its
//    name ends in `_total`, `_count`, `_sum` or `_bucket`. Prometheus has no start
//    times, so the first sample of a counter is a baseline and stores nothing.
//    Everything else is a gauge with its raw value;
//  - native histograms become distribution points, one per non-empty bucket, valued
//    at the bucket's geometric midpoint (bucket i of schema s covers
//    (base^(i-1), base^i], base = 2^(2^-s); the zero bucket is 0) and weighted by its
//    count, plus `<name>.count` and `<name>.sum`. Histograms other than gauge
//    histograms are cumulative: each bucket, the count and the sum are turned into
//    deltas (reset_hint YES starts them over).
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/status.h"
#include "pipeline/cumulative.h"
#include "pipeline/signals.h"
#include "remote_write.pb.h"

namespace heeler::intake::prometheus {

using ::prometheus::WriteRequest;
using MetricType = ::prometheus::MetricMetadata::MetricType;

// The largest uncompressed body taken (Prometheus sends a few MiB at most).
inline constexpr size_t kMaxUncompressedBytes = 64ull << 20;

// Snappy block format → bytes. invalid_argument "invalid snappy data" for corrupt
// input (an empty body included); payload_too_large when the declared length is
// above `max_bytes` (checked before anything is allocated).
core::Result<std::string> uncompress_snappy(std::string_view body,
                                            size_t max_bytes = kMaxUncompressedBytes);

// Protobuf bytes → message; invalid_argument when they do not parse.
core::Status parse_write_request(std::string_view bytes, WriteRequest& request);

// The metric type of each family, from the metadata Prometheus sends every
// metadata_config.send_interval (usually in requests of their own), remembered
// across requests. Bounded: past `max_families` the oldest half is forgotten.
// Thread-safe.
class MetadataCache {
 public:
  explicit MetadataCache(size_t max_families = 100'000);
  void remember(const WriteRequest& request);
  std::optional<MetricType> type(std::string_view family) const;
  size_t size() const;

 private:
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>()(s); }
  };
  using Map = std::unordered_map<std::string, MetricType, Hash, std::equal_to<>>;
  size_t max_per_generation_;
  mutable std::mutex mutex_;
  Map current_, old_;
};

// True when samples of `metric` are cumulative (see the mapping above).
bool is_cumulative(std::string_view metric, const MetadataCache* metadata);

struct ConvertContext {
  pipeline::CumulativeToDelta* deltas = nullptr;  // required
  // When `deltas` was created: the start time given to a histogram bucket first seen
  // in a histogram already known, so its whole count is stored.
  int64_t deltas_created_ns = 0;
  const MetadataCache* metadata = nullptr;  // optional
  int64_t now_ns = 0;
};

struct WriteResult {
  static constexpr size_t kMaxErrors = 5;
  uint64_t series = 0;                        // time series converted (not rejected)
  uint64_t samples = 0;                       // float samples accepted
  uint64_t histograms = 0;                    // native histogram samples accepted
  uint64_t points = 0;                        // rows appended to the batch
  uint64_t stale = 0;                         // staleness markers skipped
  uint64_t nan = 0;                           // other NaN samples skipped
  uint64_t rejected = 0;                      // series, samples and histograms rejected
  std::vector<std::string> errors;            // the first kMaxErrors reasons
  std::map<std::string, uint64_t> by_reason;  // short reason → count

  void reject(std::string_view reason, std::string message, uint64_t n = 1);
  uint64_t accepted() const { return samples + histograms; }
};

// Appends the request's series to `batch` (metadata is not remembered here).
void convert_write_request(const WriteRequest& request, const ConvertContext& context,
                           pipeline::MetricBatch& batch, WriteResult& result);

// True for Prometheus's staleness marker (a NaN with a fixed bit pattern).
bool is_stale_marker(double value);

}  // namespace heeler::intake::prometheus
