// Signal batches: what receivers build and the pipeline stores. Each batch appends
// records given as views (no heap object per record) straight into the columns of
// its table, applying the attribute limits as it goes. Receivers fill a record,
// append it, and hand the whole batch to a Consumer (consumer.h).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>

#include "store/columns.h"

namespace heeler::pipeline {

// 128-bit trace ids and 64-bit span ids, big-endian bytes as in OTLP. A Datadog
// 64-bit trace id fills the low 8 bytes; `_dd.p.tid` supplies the high 8.
using TraceId = std::array<uint8_t, 16>;
using SpanId = std::array<uint8_t, 8>;

TraceId trace_id_from_u64(uint64_t high, uint64_t low);
SpanId span_id_from_u64(uint64_t id);
uint64_t span_id_to_u64(const SpanId& id);
// Parses 32 hex digits (OTLP JSON), 16 hex digits (low half) or a decimal 64-bit
// number (Datadog `dd.trace_id`); false when the text is none of these.
bool parse_trace_id(std::string_view text, TraceId& out);
bool parse_span_id(std::string_view text, SpanId& out);
bool is_zero(std::span<const uint8_t> id);

struct Attribute {
  std::string_view key;
  std::string_view value;
};

struct NumericAttribute {
  std::string_view key;
  double value;
};

// Caps applied when a record is appended; what they cut is counted per batch.
struct Limits {
  size_t max_attributes = 256;  // per map, per record
  size_t max_key_bytes = 256;
  size_t max_value_bytes = 64 * 1024;  // attribute values
  size_t max_message_bytes = 1 << 20;  // log messages, span status messages
};

struct LogRecord {
  int64_t timestamp_ns = 0;           // 0 → observed time
  int64_t observed_timestamp_ns = 0;  // 0 → now
  std::string_view service, env, version, host;
  std::string_view status;      // Datadog status: emergency … debug, "info" when empty
  uint8_t severity_number = 0;  // OTLP 1–24 when known
  std::string_view source;
  std::string_view message;
  TraceId trace_id{};
  SpanId span_id{};
  std::span<const Attribute> attributes;
  std::span<const Attribute> resource_attributes;
};

struct SpanRecord {
  int64_t timestamp_ns = 0;  // start
  uint64_t duration_ns = 0;
  TraceId trace_id{};
  SpanId span_id{};
  SpanId parent_span_id{};  // zero for a root span
  std::string_view service, env, version, host;
  std::string_view name;      // operation name
  std::string_view resource;  // e.g. "GET /users/:id"; the name when empty
  std::string_view kind;      // server, client, producer, consumer, internal
  std::string_view type;      // Datadog span type: web, db, http, cache …
  uint8_t status_code = 0;    // OTLP: 0 unset, 1 ok, 2 error
  bool error = false;
  std::string_view status_message;
  std::span<const Attribute> attributes;
  std::span<const NumericAttribute> metrics;
  std::span<const Attribute> resource_attributes;
  std::string_view events_json;  // "[]" when empty
  std::string_view links_json;
};

// Metric kinds as stored in metric_points.kind / metric_series.kind.
enum class MetricKind : uint8_t { gauge, count, rate, distribution };
std::string_view metric_kind_name(MetricKind kind);

struct MetricPoint {
  std::string_view metric;
  // Tags as "key:value" (or bare "key") strings, in any order; service/env/host tags
  // also fill the series' real columns.
  std::span<const std::string_view> tags;
  MetricKind kind = MetricKind::gauge;
  int64_t timestamp_ms = 0;
  double value = 0;
  // Samples this point stands for (a distribution bucket's count); 1 otherwise.
  uint64_t weight = 1;
};

struct Event {
  int64_t timestamp_ms = 0;
  std::string_view title, text, source, priority, alert_type, host, service, env, aggregation_key;
  std::span<const std::string_view> tags;  // "key:value"
};

// One event of the browser RUM SDK (a view, action, error, resource, long task …).
// Its nested fields arrive flattened ("resource.status_code"); numbers also go to
// `numeric` so ranges compare them as numbers. A view is sent again as it changes,
// with a growing document_version: the store keeps the latest.
struct RumEvent {
  int64_t timestamp_ms = 0;
  std::string_view type;
  std::string_view event_id;  // view.id for views, action.id, error.id …
  uint64_t document_version = 0;
  std::string_view application_id, session_id, view_id, view_name, view_url;
  std::string_view service, env, version;
  std::span<const Attribute> attributes;
  std::span<const NumericAttribute> numeric;
};

// The rows of one table, built record by record; what the limits cut is counted.
class TableBatch {
 public:
  size_t size() const { return columns_.rows(); }
  uint64_t truncated() const { return truncated_; }  // values/attributes cut by limits
  store::ColumnBatch& columns() { return columns_; }
  const store::ColumnBatch& columns() const { return columns_; }

 protected:
  explicit TableBatch(Limits limits) : limits_(limits) {}
  Limits limits_;
  uint64_t truncated_ = 0;
  store::ColumnBatch columns_;
};

class LogBatch : public TableBatch {
 public:
  static constexpr std::string_view kTable = "logs";
  explicit LogBatch(Limits limits = {});
  void append(const LogRecord& record);
};

class SpanBatch : public TableBatch {
 public:
  static constexpr std::string_view kTable = "spans";
  explicit SpanBatch(Limits limits = {});
  void append(const SpanRecord& record);
};

// Points go to metric_points; each distinct series of the batch also gets one row in
// metric_series (series_id = a stable 64-bit hash of the metric and its sorted tags).
class MetricBatch {
 public:
  static constexpr std::string_view kPointsTable = "metric_points";
  static constexpr std::string_view kSeriesTable = "metric_series";
  explicit MetricBatch(Limits limits = {});
  void append(const MetricPoint& point);
  size_t size() const { return points_.rows(); }
  uint64_t truncated() const { return truncated_; }
  store::ColumnBatch& points() { return points_; }
  store::ColumnBatch& series() { return series_; }
  const store::ColumnBatch& points() const { return points_; }
  const store::ColumnBatch& series() const { return series_; }

 private:
  Limits limits_;
  uint64_t truncated_ = 0;
  store::ColumnBatch points_;
  store::ColumnBatch series_;
  std::vector<uint64_t> seen_series_;  // sorted ids already in series_
};

class EventBatch : public TableBatch {
 public:
  static constexpr std::string_view kTable = "events";
  explicit EventBatch(Limits limits = {});
  void append(const Event& record);
};

class RumBatch : public TableBatch {
 public:
  static constexpr std::string_view kTable = "rum_events";
  explicit RumBatch(Limits limits = {});
  void append(const RumEvent& record);
};

// The stable series id: xxh64 over the metric name and the sorted, de-duplicated tags.
uint64_t series_id(std::string_view metric, std::span<const std::string_view> tags);

}  // namespace heeler::pipeline
