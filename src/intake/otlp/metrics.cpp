// ExportMetricsServiceRequest → MetricBatch.
#include <fmt/format.h>

#include <bit>
#include <cmath>
#include <limits>
#include <optional>

#include "intake/otlp/convert_common.h"
#include "intake/otlp/decode.h"

namespace heeler::intake::otlp {
namespace {

using namespace detail;
namespace metrics = opentelemetry::proto::metrics::v1;
using pipeline::MetricKind;

constexpr uint32_t kNoRecordedValue = metrics::DATA_POINT_FLAGS_NO_RECORDED_VALUE_MASK;
constexpr int kMinScale = -10, kMaxScale = 20;  // the exponential scales OTLP defines

// Keys of the cumulative state of a histogram's buckets, count and sum, derived from
// the series id of the metric and its tags (no text is built for them).
uint64_t mix(uint64_t x) {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  x ^= x >> 31;
  return x;
}

uint64_t derive(uint64_t base, uint64_t salt) {
  return mix(base ^ mix(salt + 0x9e3779b97f4a7c15ULL));
}

enum Salt : uint64_t {
  kCountSalt = 1,
  kSumSalt = 2,
  kZeroSalt = 3,
  kExplicitBucketSalt = 0x10,
  kPositiveSalt = 0x20,
  kNegativeSalt = 0x30,
};

// How a NumberDataPoint is stored.
enum class SumMode { gauge, delta_count, cumulative_count };

// The value standing for bucket `i` of an explicit-bounds histogram point: the
// midpoint of (lower, upper]; the first bucket's is the minimum when known, else half
// its upper bound (or the bound itself when it is not positive); the overflow
// bucket's is the maximum when known, else the last bound. Known minimum and maximum
// bound every representative.
double explicit_representative(const metrics::HistogramDataPoint& p, int i) {
  const auto& bounds = p.explicit_bounds();
  const int n = bounds.size();
  const bool has_min = p.has_min() && std::isfinite(p.min());
  const bool has_max = p.has_max() && std::isfinite(p.max());
  double v;
  if (n == 0) {
    if (p.has_sum() && p.count() > 0 && std::isfinite(p.sum()))
      v = p.sum() / static_cast<double>(p.count());
    else if (has_min && has_max)
      v = (p.min() + p.max()) / 2;
    else
      v = has_min ? p.min() : has_max ? p.max() : 0;
  } else if (i == 0) {
    const double upper = bounds[0];
    v = has_min ? p.min() : upper > 0 ? upper / 2 : upper;
  } else if (i == n) {
    v = has_max ? p.max() : bounds[n - 1];
  } else {
    v = bounds[i - 1] / 2 + bounds[i] / 2;
  }
  if (has_min && v < p.min()) v = p.min();
  if (has_max && v > p.max()) v = p.max();
  return v;
}

// Exponential bucket `index` at `scale` covers (base^index, base^(index+1)] with
// base = 2^(2^-scale); its representative is 2·lo·hi/(lo+hi), the value with the
// smallest worst-case relative error over the bucket.
double exponential_representative(int64_t index, int scale) {
  const double base = std::exp2(std::ldexp(1.0, -scale));
  const double lo = std::exp2(std::ldexp(static_cast<double>(index), -scale));
  return lo * (2 * base / (1 + base));
}

class MetricConverter {
 public:
  MetricConverter(const MetricContext& context, pipeline::MetricBatch& batch, ExportResult& result)
      : context_(context), batch_(batch), result_(result) {}

  void run(const collector::metrics::v1::ExportMetricsServiceRequest& request) {
    for (const metrics::ResourceMetrics& rm : request.resource_metrics()) {
      resource_arena_.reset();
      resource_.load(rm.resource(), resource_arena_, scratch_);
      for (const metrics::ScopeMetrics& sm : rm.scope_metrics())
        for (const metrics::Metric& m : sm.metrics()) metric(m);
    }
  }

 private:
  void metric(const metrics::Metric& m) {
    metric_ = &m;
    const std::string_view name = m.name();
    if (name.empty()) {
      const int points = point_count(m);
      for (int i = 0; i < points; ++i) result_.reject("a metric without a name");
      return;
    }
    switch (m.data_case()) {
      case metrics::Metric::kGauge:
        for (int i = 0; i < m.gauge().data_points_size(); ++i)
          number_point(m.gauge().data_points(i), i, SumMode::gauge);
        return;
      case metrics::Metric::kSum: {
        const metrics::Sum& sum = m.sum();
        SumMode mode = SumMode::gauge;
        if (sum.is_monotonic()) {
          if (!known_temporality(sum.aggregation_temporality(), sum.data_points_size())) return;
          mode = sum.aggregation_temporality() == metrics::AGGREGATION_TEMPORALITY_CUMULATIVE
                     ? SumMode::cumulative_count
                     : SumMode::delta_count;
        }
        for (int i = 0; i < sum.data_points_size(); ++i) number_point(sum.data_points(i), i, mode);
        return;
      }
      case metrics::Metric::kHistogram: {
        const metrics::Histogram& h = m.histogram();
        if (!known_temporality(h.aggregation_temporality(), h.data_points_size())) return;
        set_derived_names(name);
        const bool cumulative =
            h.aggregation_temporality() == metrics::AGGREGATION_TEMPORALITY_CUMULATIVE;
        for (int i = 0; i < h.data_points_size(); ++i)
          histogram_point(h.data_points(i), i, cumulative);
        return;
      }
      case metrics::Metric::kExponentialHistogram: {
        const metrics::ExponentialHistogram& h = m.exponential_histogram();
        if (!known_temporality(h.aggregation_temporality(), h.data_points_size())) return;
        set_derived_names(name);
        const bool cumulative =
            h.aggregation_temporality() == metrics::AGGREGATION_TEMPORALITY_CUMULATIVE;
        for (int i = 0; i < h.data_points_size(); ++i)
          exponential_point(h.data_points(i), i, cumulative);
        return;
      }
      case metrics::Metric::kSummary:
        set_derived_names(name);
        for (int i = 0; i < m.summary().data_points_size(); ++i)
          summary_point(m.summary().data_points(i), i);
        return;
      case metrics::Metric::DATA_NOT_SET:
        return;
    }
  }

  static int point_count(const metrics::Metric& m) {
    switch (m.data_case()) {
      case metrics::Metric::kGauge:
        return m.gauge().data_points_size();
      case metrics::Metric::kSum:
        return m.sum().data_points_size();
      case metrics::Metric::kHistogram:
        return m.histogram().data_points_size();
      case metrics::Metric::kExponentialHistogram:
        return m.exponential_histogram().data_points_size();
      case metrics::Metric::kSummary:
        return m.summary().data_points_size();
      case metrics::Metric::DATA_NOT_SET:
        break;
    }
    return 0;
  }

  bool known_temporality(int temporality, int points) {
    if (temporality == metrics::AGGREGATION_TEMPORALITY_DELTA ||
        temporality == metrics::AGGREGATION_TEMPORALITY_CUMULATIVE)
      return true;
    for (int i = 0; i < points; ++i)
      reject(i, fmt::format("aggregation temporality {} is neither delta (1) nor cumulative (2)",
                            temporality));
    return false;
  }

  void reject(int point, std::string_view what) {
    result_.reject(
        fmt::format("metric \"{}\" point {}: {}", clip_utf8(metric_->name(), 128), point, what));
  }

  void set_derived_names(std::string_view name) {
    count_name_.assign(name).append(".count");
    sum_name_.assign(name).append(".sum");
    quantile_name_.assign(name).append(".quantile");
  }

  // The point's attributes as "key:value" tags, then the resource's unified tags.
  void build_tags(const KeyValues& attributes) {
    point_arena_.reset();
    tags_.clear();
    for (const common::KeyValue& kv : attributes) {
      scratch_.assign(kv.key());
      scratch_.push_back(':');
      append_text(scratch_, kv.value());
      tags_.push_back(point_arena_.keep(scratch_));
    }
    tags_.insert(tags_.end(), resource_.tags.begin(), resource_.tags.end());
  }

  // Sets timestamp_ms_, and the times the cumulative state is kept with.
  void set_times(uint64_t start_ns, uint64_t time_ns) {
    if (plausible_time(time_ns, context_.now_ns)) {
      time_ns_ = static_cast<int64_t>(time_ns);
    } else {
      time_ns_ = context_.now_ns;
      ++result_.clamped;
    }
    timestamp_ms_ = time_ns_ / kNsPerMs;
    start_ns_ = plausible_time(start_ns, context_.now_ns) ? static_cast<int64_t>(start_ns) : 0;
  }

  void emit(std::string_view name, MetricKind kind, double value, uint64_t weight = 1) {
    pipeline::MetricPoint p;
    p.metric = name;
    p.tags = tags_;
    p.kind = kind;
    p.timestamp_ms = timestamp_ms_;
    p.value = value;
    p.weight = weight;
    batch_.append(p);
  }

  // The amount to store for a cumulative value: the delta since the last point of the
  // same key, if any.
  std::optional<double> delta(uint64_t key, double value) {
    return context_.deltas->delta(key, start_ns_, time_ns_, value);
  }

  // A bucket count to store (0 = none): as it is, or its cumulative delta.
  uint64_t bucket_weight(bool cumulative, uint64_t key, uint64_t count) {
    if (!cumulative) return count;
    const std::optional<double> d = delta(key, static_cast<double>(count));
    return d && *d > 0 ? static_cast<uint64_t>(std::llround(*d)) : 0;
  }

  void count_and_sum(bool cumulative, uint64_t base, uint64_t count, bool has_sum, double sum) {
    if (!cumulative) {
      emit(count_name_, MetricKind::count, static_cast<double>(count));
      if (has_sum && std::isfinite(sum)) emit(sum_name_, MetricKind::count, sum);
      return;
    }
    if (auto d = delta(derive(base, kCountSalt), static_cast<double>(count)))
      emit(count_name_, MetricKind::count, *d);
    if (has_sum && std::isfinite(sum))
      if (auto d = delta(derive(base, kSumSalt), sum)) emit(sum_name_, MetricKind::count, *d);
  }

  bool needs_converter(bool cumulative, int i) {
    if (!cumulative || context_.deltas != nullptr) return false;
    reject(i, "cumulative points need a delta converter");
    return true;
  }

  void number_point(const metrics::NumberDataPoint& p, int i, SumMode mode) {
    if (p.flags() & kNoRecordedValue) return reject(i, "no recorded value");
    double value;
    switch (p.value_case()) {
      case metrics::NumberDataPoint::kAsDouble:
        value = p.as_double();
        break;
      case metrics::NumberDataPoint::kAsInt:
        value = static_cast<double>(p.as_int());
        break;
      default:
        return reject(i, "no value");
    }
    if (!std::isfinite(value)) return reject(i, "value is not a finite number");
    if (needs_converter(mode == SumMode::cumulative_count, i)) return;
    build_tags(p.attributes());
    set_times(p.start_time_unix_nano(), p.time_unix_nano());
    ++result_.accepted;
    switch (mode) {
      case SumMode::gauge:
        emit(metric_->name(), MetricKind::gauge, value);
        return;
      case SumMode::delta_count:
        emit(metric_->name(), MetricKind::count, value);
        return;
      case SumMode::cumulative_count:
        if (auto d = delta(pipeline::series_id(metric_->name(), tags_), value))
          emit(metric_->name(), MetricKind::count, *d);
        return;
    }
  }

  void histogram_point(const metrics::HistogramDataPoint& p, int i, bool cumulative) {
    if (p.flags() & kNoRecordedValue) return reject(i, "no recorded value");
    const auto& counts = p.bucket_counts();
    const auto& bounds = p.explicit_bounds();
    if (!counts.empty() && counts.size() != bounds.size() + 1)
      return reject(i, fmt::format("{} bucket counts for {} explicit bounds (expected {})",
                                   counts.size(), bounds.size(), bounds.size() + 1));
    for (int b = 0; b < bounds.size(); ++b) {
      if (!std::isfinite(bounds[b])) return reject(i, "an explicit bound is not finite");
      if (b > 0 && !(bounds[b] > bounds[b - 1]))
        return reject(i, "explicit bounds are not strictly increasing");
    }
    if (needs_converter(cumulative, i)) return;
    build_tags(p.attributes());
    set_times(p.start_time_unix_nano(), p.time_unix_nano());
    ++result_.accepted;
    const uint64_t base = cumulative ? pipeline::series_id(metric_->name(), tags_) : 0;
    for (int b = 0; b < counts.size(); ++b) {
      const double upper = b < bounds.size() ? bounds[b] : std::numeric_limits<double>::infinity();
      const uint64_t key =
          cumulative ? derive(derive(base, kExplicitBucketSalt + static_cast<uint64_t>(b)),
                              std::bit_cast<uint64_t>(upper))
                     : 0;
      if (const uint64_t weight = bucket_weight(cumulative, key, counts[b]); weight > 0)
        emit(metric_->name(), MetricKind::distribution, explicit_representative(p, b), weight);
    }
    count_and_sum(cumulative, base, p.count(), p.has_sum(), p.sum());
  }

  void exponential_point(const metrics::ExponentialHistogramDataPoint& p, int i, bool cumulative) {
    if (p.flags() & kNoRecordedValue) return reject(i, "no recorded value");
    const int scale = p.scale();
    if (scale < kMinScale || scale > kMaxScale)
      return reject(i, fmt::format("scale {} is outside [{}, {}]", scale, kMinScale, kMaxScale));
    if (needs_converter(cumulative, i)) return;
    build_tags(p.attributes());
    set_times(p.start_time_unix_nano(), p.time_unix_nano());
    ++result_.accepted;
    const uint64_t base = cumulative ? pipeline::series_id(metric_->name(), tags_) : 0;
    const bool has_min = p.has_min() && std::isfinite(p.min());
    const bool has_max = p.has_max() && std::isfinite(p.max());
    auto bounded = [&](double v) {
      if (has_min && v < p.min()) v = p.min();
      if (has_max && v > p.max()) v = p.max();
      return v;
    };
    if (const uint64_t weight = bucket_weight(cumulative, derive(base, kZeroSalt), p.zero_count());
        weight > 0)
      emit(metric_->name(), MetricKind::distribution, bounded(0), weight);
    // A scale change starts new bucket keys: the salt holds the scale.
    const uint64_t scale_bits = static_cast<uint32_t>(scale);
    for (const bool positive : {true, false}) {
      const auto& buckets = positive ? p.positive() : p.negative();
      const uint64_t salt = (positive ? kPositiveSalt : kNegativeSalt) | scale_bits << 8;
      for (int k = 0; k < buckets.bucket_counts_size(); ++k) {
        const uint64_t count = buckets.bucket_counts(k);
        const int64_t index = static_cast<int64_t>(buckets.offset()) + k;
        const uint64_t key =
            cumulative ? derive(derive(base, salt), static_cast<uint64_t>(index)) : 0;
        const uint64_t weight = bucket_weight(cumulative, key, count);
        if (weight == 0) continue;
        const double magnitude = exponential_representative(index, scale);
        if (!std::isfinite(magnitude)) continue;  // past the range of a double
        emit(metric_->name(), MetricKind::distribution, bounded(positive ? magnitude : -magnitude),
             weight);
      }
    }
    count_and_sum(cumulative, base, p.count(), p.has_sum(), p.sum());
  }

  // Summaries are cumulative: count and sum become deltas; quantiles are gauges.
  void summary_point(const metrics::SummaryDataPoint& p, int i) {
    if (p.flags() & kNoRecordedValue) return reject(i, "no recorded value");
    if (needs_converter(true, i)) return;
    build_tags(p.attributes());
    set_times(p.start_time_unix_nano(), p.time_unix_nano());
    ++result_.accepted;
    count_and_sum(true, pipeline::series_id(metric_->name(), tags_), p.count(), true, p.sum());
    for (const auto& q : p.quantile_values()) {
      if (!std::isfinite(q.value()) || !std::isfinite(q.quantile())) continue;
      scratch_.assign("quantile:");
      append_double(scratch_, q.quantile());
      tags_.push_back(point_arena_.keep(scratch_));
      emit(quantile_name_, MetricKind::gauge, q.value());
      tags_.pop_back();
    }
  }

  const MetricContext& context_;
  pipeline::MetricBatch& batch_;
  ExportResult& result_;
  const metrics::Metric* metric_ = nullptr;
  ResourceInfo resource_;
  TextArena resource_arena_, point_arena_;
  std::vector<std::string_view> tags_;
  std::string scratch_, count_name_, sum_name_, quantile_name_;
  int64_t start_ns_ = 0, time_ns_ = 0, timestamp_ms_ = 0;
};

}  // namespace

void convert_metrics(const collector::metrics::v1::ExportMetricsServiceRequest& request,
                     const MetricContext& context, pipeline::MetricBatch& batch,
                     ExportResult& result) {
  MetricConverter(context, batch, result).run(request);
}

}  // namespace heeler::intake::otlp
