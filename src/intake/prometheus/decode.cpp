#include "intake/prometheus/decode.h"

#include <fmt/format.h>
#include <snappy.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>

namespace heeler::intake::prometheus {
namespace {

constexpr int64_t kNsPerMs = 1'000'000;
constexpr int64_t kDayMs = 86'400'000;
constexpr uint64_t kStaleNaN = 0x7ff0000000000002ull;
// Prometheus' native histogram schemas for exponential buckets.
constexpr int kMinSchema = -4;
constexpr int kMaxSchema = 8;

using ::prometheus::BucketSpan;
using ::prometheus::Histogram;
using ::prometheus::MetricMetadata;
using ::prometheus::TimeSeries;

uint64_t mix(uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

// Key of one bucket of a histogram series for the cumulative converter.
enum class Side : uint64_t { positive = 1, negative = 2, zero = 3 };
uint64_t bucket_key(uint64_t series, Side side, int64_t index) {
  const uint64_t code = (static_cast<uint64_t>(side) << 56) ^ static_cast<uint64_t>(index);
  return mix(series ^ mix(code));
}

struct SuffixFamily {
  std::string_view suffix;
  MetricType types[2];
};
constexpr SuffixFamily kCumulativeSuffixes[] = {
    {"_total", {MetricMetadata::COUNTER, MetricMetadata::COUNTER}},
    {"_bucket", {MetricMetadata::HISTOGRAM, MetricMetadata::HISTOGRAM}},
    {"_count", {MetricMetadata::HISTOGRAM, MetricMetadata::SUMMARY}},
    {"_sum", {MetricMetadata::HISTOGRAM, MetricMetadata::SUMMARY}},
};

bool timestamp_ok(int64_t ms, int64_t now_ns) {
  return ms >= 0 && ms <= now_ns / kNsPerMs + kDayMs;
}

// The labels of one series: metric name and "name:value" tags viewing `buffer`.
struct SeriesLabels {
  std::string_view metric;
  std::string buffer;
  std::vector<std::string_view> tags;
};

// False (with the short reason and the message) when the labels cannot make a series.
bool read_labels(const TimeSeries& series, SeriesLabels& out, std::string_view& reason,
                 std::string& why) {
  out.metric = {};
  out.tags.clear();
  out.buffer.clear();
  size_t bytes = 0;
  for (const auto& label : series.labels()) {
    if (label.name().empty()) {
      reason = "bad_label";
      why = "a label has an empty name";
      return false;
    }
    if (label.name() == "__name__") {
      if (out.metric.empty()) out.metric = label.value();
      continue;
    }
    if (!label.value().empty()) bytes += label.name().size() + 1 + label.value().size();
  }
  if (out.metric.empty()) {
    reason = "missing_name";
    why = "no __name__ label";
    return false;
  }
  // Reserved up front, so the views below stay valid.
  out.buffer.reserve(bytes);
  for (const auto& label : series.labels()) {
    if (label.name() == "__name__" || label.value().empty()) continue;
    const size_t at = out.buffer.size();
    out.buffer.append(label.name()).append(1, ':').append(label.value());
    out.tags.push_back(std::string_view(out.buffer).substr(at));
  }
  return true;
}

std::string describe(size_t index, std::string_view metric) {
  if (metric.empty()) return fmt::format("timeseries[{}]", index);
  return fmt::format("timeseries[{}] \"{}\"", index, metric.substr(0, 200));
}

struct Bucket {
  int64_t index;
  double count;
};

// Spans + integer deltas or float counts → (index, count) per bucket; false with the
// reason when they do not fit together.
bool read_buckets(const google::protobuf::RepeatedPtrField<BucketSpan>& spans,
                  const google::protobuf::RepeatedField<int64_t>& deltas,
                  const google::protobuf::RepeatedField<double>& counts, bool is_float,
                  std::string_view side, std::vector<Bucket>& out, std::string& why) {
  out.clear();
  if (is_float ? !deltas.empty() : !counts.empty()) {
    why = fmt::format("{} buckets mix integer deltas and float counts", side);
    return false;
  }
  uint64_t expected = 0;
  for (const BucketSpan& span : spans) expected += span.length();
  const uint64_t have = static_cast<uint64_t>(is_float ? counts.size() : deltas.size());
  if (expected != have) {
    why = fmt::format("{} spans cover {} buckets but {} are given", side, expected, have);
    return false;
  }
  out.reserve(have);
  int64_t index = 0;
  int64_t running = 0;
  int k = 0;
  for (const BucketSpan& span : spans) {
    index += span.offset();  // the first span's offset is its start index
    for (uint32_t j = 0; j < span.length(); ++j, ++index, ++k) {
      double count;
      if (is_float) {
        count = counts[k];
      } else {
        if (__builtin_add_overflow(running, deltas[k], &running)) {
          why = fmt::format("{} bucket deltas overflow", side);
          return false;
        }
        count = static_cast<double>(running);
      }
      if (!(count >= 0) || !std::isfinite(count)) {
        why = fmt::format("{} bucket {} has count {}", side, index, count);
        return false;
      }
      out.push_back({index, count});
    }
  }
  return true;
}

// The geometric midpoint of bucket `index` of `schema`: bucket i covers
// (base^(i-1), base^i] with base = 2^(2^-schema).
double bucket_midpoint(int64_t index, int schema) {
  return std::exp2((static_cast<double>(index) - 0.5) * std::ldexp(1.0, -schema));
}

class Converter {
 public:
  Converter(const ConvertContext& context, pipeline::MetricBatch& batch, WriteResult& result)
      : context_(context), batch_(batch), result_(result) {}

  void series(const TimeSeries& ts, size_t index) {
    std::string_view reason;
    std::string why;
    if (!read_labels(ts, labels_, reason, why)) {
      result_.reject(reason, fmt::format("{}: {}", describe(index, labels_.metric), why),
                     static_cast<uint64_t>(std::max(1, ts.samples_size() + ts.histograms_size())));
      return;
    }
    ++result_.series;
    if (!ts.samples().empty()) samples(ts, index);
    if (!ts.histograms().empty()) histograms(ts, index);
  }

 private:
  void append(std::string_view metric, pipeline::MetricKind kind, int64_t ms, double value,
              uint64_t weight = 1) {
    pipeline::MetricPoint p;
    p.metric = metric;
    p.tags = labels_.tags;
    p.kind = kind;
    p.timestamp_ms = ms;
    p.value = value;
    p.weight = weight;
    batch_.append(p);
    ++result_.points;
  }

  void samples(const TimeSeries& ts, size_t index) {
    const std::string_view metric = labels_.metric;
    const bool cumulative = is_cumulative(metric, context_.metadata);
    const uint64_t key = cumulative ? pipeline::series_id(metric, labels_.tags) : 0;
    size_t si = 0;
    for (const auto& sample : ts.samples()) {
      const size_t i = si++;
      const double value = sample.value();
      if (std::isnan(value)) {
        ++(is_stale_marker(value) ? result_.stale : result_.nan);
        continue;
      }
      if (!timestamp_ok(sample.timestamp(), context_.now_ns)) {
        result_.reject("bad_timestamp",
                       fmt::format("{}: samples[{}] has timestamp {} ms", describe(index, metric),
                                   i, sample.timestamp()));
        continue;
      }
      if (!cumulative) {
        ++result_.samples;
        append(metric, pipeline::MetricKind::gauge, sample.timestamp(), value);
        continue;
      }
      if (!std::isfinite(value)) {
        result_.reject("bad_value", fmt::format("{}: samples[{}] of a counter is {}",
                                                describe(index, metric), i, value));
        continue;
      }
      ++result_.samples;
      const std::optional<double> d =
          context_.deltas->delta(key, 0, sample.timestamp() * kNsPerMs, value);
      if (d) append(metric, pipeline::MetricKind::count, sample.timestamp(), *d);
    }
  }

  void histograms(const TimeSeries& ts, size_t index) {
    const std::string_view metric = labels_.metric;
    count_name_.assign(metric).append(".count");
    sum_name_.assign(metric).append(".sum");
    const uint64_t id = pipeline::series_id(metric, labels_.tags);
    const uint64_t count_key = pipeline::series_id(count_name_, labels_.tags);
    const uint64_t sum_key = pipeline::series_id(sum_name_, labels_.tags);
    size_t hi = 0;
    for (const Histogram& h : ts.histograms()) {
      const size_t i = hi++;
      if (is_stale_marker(h.sum())) {
        ++result_.stale;
        continue;
      }
      const int64_t ms = h.timestamp();
      if (!timestamp_ok(ms, context_.now_ns)) {
        result_.reject("bad_timestamp", fmt::format("{}: histograms[{}] has timestamp {} ms",
                                                    describe(index, metric), i, ms));
        continue;
      }
      std::string why;
      if (!read(h, why)) {
        result_.reject("bad_histogram",
                       fmt::format("{}: histograms[{}]: {}", describe(index, metric), i, why));
        continue;
      }
      ++result_.histograms;
      const int schema = h.schema();
      const int64_t ns = ms * kNsPerMs;
      if (h.reset_hint() == Histogram::GAUGE) {
        if (zero_count_ > 0) distribution(metric, ms, 0, zero_count_);
        for (const Bucket& b : positive_)
          distribution(metric, ms, bucket_midpoint(b.index, schema), b.count);
        for (const Bucket& b : negative_)
          distribution(metric, ms, -bucket_midpoint(b.index, schema), b.count);
        append(count_name_, pipeline::MetricKind::gauge, ms, count_);
        append(sum_name_, pipeline::MetricKind::gauge, ms, h.sum());
        continue;
      }
      // Cumulative: a reset starts every part over; a bucket first seen in a histogram
      // already known was empty before, so its whole count is new.
      const int64_t start = h.reset_hint() == Histogram::YES ? ns : 0;
      const std::optional<double> count = context_.deltas->delta(count_key, start, ns, count_);
      const std::optional<double> sum = context_.deltas->delta(sum_key, start, ns, h.sum());
      const int64_t bucket_start =
          start != 0 ? start : (count ? std::max<int64_t>(context_.deltas_created_ns, 1) : 0);
      auto bucket = [&](Side side, int64_t bucket_index, double value, double cumulative) {
        const std::optional<double> d = context_.deltas->delta(bucket_key(id, side, bucket_index),
                                                               bucket_start, ns, cumulative);
        if (d) distribution(metric, ms, value, *d);
      };
      bucket(Side::zero, 0, 0, zero_count_);
      for (const Bucket& b : positive_)
        bucket(Side::positive, b.index, bucket_midpoint(b.index, schema), b.count);
      for (const Bucket& b : negative_)
        bucket(Side::negative, b.index, -bucket_midpoint(b.index, schema), b.count);
      if (count) append(count_name_, pipeline::MetricKind::count, ms, *count);
      if (sum) append(sum_name_, pipeline::MetricKind::count, ms, *sum);
    }
  }

  void distribution(std::string_view metric, int64_t ms, double value, double count) {
    if (!(count >= 0.5)) return;
    const double rounded = std::round(count);
    const uint64_t weight =
        rounded >= 1.8e19 ? std::numeric_limits<uint64_t>::max() : static_cast<uint64_t>(rounded);
    append(metric, pipeline::MetricKind::distribution, ms, value, weight);
  }

  // Fills count_, zero_count_, positive_ and negative_; false with the reason.
  bool read(const Histogram& h, std::string& why) {
    if (h.schema() < kMinSchema || h.schema() > kMaxSchema) {
      why = fmt::format("schema {} is outside {}..{}", h.schema(), kMinSchema, kMaxSchema);
      return false;
    }
    const bool is_float = h.count_case() == Histogram::kCountFloat ||
                          (h.count_case() == Histogram::COUNT_NOT_SET &&
                           (!h.positive_counts().empty() || !h.negative_counts().empty()));
    count_ = is_float ? h.count_float() : static_cast<double>(h.count_int());
    zero_count_ = h.zero_count_case() == Histogram::kZeroCountFloat
                      ? h.zero_count_float()
                      : static_cast<double>(h.zero_count_int());
    if (!(count_ >= 0) || !std::isfinite(count_) || !(zero_count_ >= 0) ||
        !std::isfinite(zero_count_)) {
      why = fmt::format("count {} and zero count {} must be finite and not negative", count_,
                        zero_count_);
      return false;
    }
    if (!std::isfinite(h.sum())) {
      why = fmt::format("sum is {}", h.sum());
      return false;
    }
    if (!read_buckets(h.positive_spans(), h.positive_deltas(), h.positive_counts(), is_float,
                      "positive", positive_, why) ||
        !read_buckets(h.negative_spans(), h.negative_deltas(), h.negative_counts(), is_float,
                      "negative", negative_, why))
      return false;
    for (const auto* side : {&positive_, &negative_}) {
      for (const Bucket& b : *side) {
        const double v = bucket_midpoint(b.index, h.schema());
        if (!std::isfinite(v) || v == 0) {
          why = fmt::format("bucket index {} is out of range for schema {}", b.index, h.schema());
          return false;
        }
      }
    }
    return true;
  }

  const ConvertContext& context_;
  pipeline::MetricBatch& batch_;
  WriteResult& result_;
  SeriesLabels labels_;
  std::string count_name_, sum_name_;
  double count_ = 0, zero_count_ = 0;
  std::vector<Bucket> positive_, negative_;
};

}  // namespace

bool is_stale_marker(double value) {
  return std::bit_cast<uint64_t>(value) == kStaleNaN;
}

core::Result<std::string> uncompress_snappy(std::string_view body, size_t max_bytes) {
  size_t length = 0;
  if (!snappy::GetUncompressedLength(body.data(), body.size(), &length))
    return core::Status(core::Code::invalid_argument, "invalid snappy data");
  if (length > max_bytes)
    return core::error(core::Code::payload_too_large,
                       "snappy body declares {} uncompressed bytes, more than the {} allowed",
                       length, max_bytes);
  std::string out;
  if (!snappy::Uncompress(body.data(), body.size(), &out))
    return core::Status(core::Code::invalid_argument, "invalid snappy data");
  return out;
}

core::Status parse_write_request(std::string_view bytes, WriteRequest& request) {
  if (bytes.size() > static_cast<size_t>(std::numeric_limits<int>::max()) ||
      !request.ParseFromArray(bytes.data(), static_cast<int>(bytes.size())))
    return {core::Code::invalid_argument,
            fmt::format("invalid protobuf: the {} byte body is not a prometheus.WriteRequest",
                        bytes.size())};
  return {};
}

MetadataCache::MetadataCache(size_t max_families)
    : max_per_generation_(std::max<size_t>(1, max_families / 2)) {}

void MetadataCache::remember(const WriteRequest& request) {
  if (request.metadata().empty()) return;
  std::lock_guard lock(mutex_);
  for (const auto& m : request.metadata()) {
    const std::string& family = m.metric_family_name();
    if (family.empty()) continue;
    if (auto it = current_.find(family); it != current_.end()) {
      it->second = m.type();
      continue;
    }
    old_.erase(family);
    if (current_.size() >= max_per_generation_) {
      old_ = std::move(current_);
      current_ = Map();
    }
    current_.emplace(family, m.type());
  }
}

std::optional<MetricType> MetadataCache::type(std::string_view family) const {
  std::lock_guard lock(mutex_);
  if (auto it = current_.find(family); it != current_.end()) return it->second;
  if (auto it = old_.find(family); it != old_.end()) return it->second;
  return std::nullopt;
}

size_t MetadataCache::size() const {
  std::lock_guard lock(mutex_);
  return current_.size() + old_.size();
}

bool is_cumulative(std::string_view metric, const MetadataCache* metadata) {
  if (metadata != nullptr) {
    // Untyped families ("unknown") say nothing; the suffixes decide for them.
    if (auto t = metadata->type(metric); t && *t != MetricMetadata::UNKNOWN)
      return *t == MetricMetadata::COUNTER;
    for (const SuffixFamily& s : kCumulativeSuffixes) {
      if (!metric.ends_with(s.suffix)) continue;
      auto t = metadata->type(metric.substr(0, metric.size() - s.suffix.size()));
      if (t && *t != MetricMetadata::UNKNOWN) return *t == s.types[0] || *t == s.types[1];
    }
  }
  return std::any_of(std::begin(kCumulativeSuffixes), std::end(kCumulativeSuffixes),
                     [&](const SuffixFamily& s) { return metric.ends_with(s.suffix); });
}

void WriteResult::reject(std::string_view reason, std::string message, uint64_t n) {
  rejected += n;
  by_reason[std::string(reason)] += n;
  if (errors.size() < kMaxErrors) errors.push_back(std::move(message));
}

void convert_write_request(const WriteRequest& request, const ConvertContext& context,
                           pipeline::MetricBatch& batch, WriteResult& result) {
  Converter converter(context, batch, result);
  size_t index = 0;
  for (const TimeSeries& ts : request.timeseries()) converter.series(ts, index++);
}

}  // namespace heeler::intake::prometheus
