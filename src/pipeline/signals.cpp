#include "pipeline/signals.h"

// The state struct is needed to keep it on the stack.
#define XXH_STATIC_LINKING_ONLY
#include <xxhash.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <chrono>
#include <vector>

namespace heeler::pipeline {
namespace {

using store::FixedBytesColumn;
using store::FixedColumn;
using store::MapColumn;
using store::StringColumn;
using store::TimestampColumn;

int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Cuts `v` to at most `max` bytes without splitting a UTF-8 sequence.
std::string_view clip(std::string_view v, size_t max, uint64_t& truncated) {
  if (v.size() <= max) return v;
  ++truncated;
  size_t n = max;
  while (n > 0 && (static_cast<unsigned char>(v[n]) & 0xC0) == 0x80) --n;
  return v.substr(0, n);
}

void append_attributes(MapColumn& column, std::span<const Attribute> attributes,
                       const Limits& limits, uint64_t& truncated) {
  size_t n = std::min(attributes.size(), limits.max_attributes);
  if (n < attributes.size()) truncated += attributes.size() - n;
  for (size_t i = 0; i < n; ++i)
    column.add(clip(attributes[i].key, limits.max_key_bytes, truncated),
               clip(attributes[i].value, limits.max_value_bytes, truncated));
  column.end_row();
}

// Numbers go into Map(String, Float64) columns as decimal text (the engine converts).
void append_numbers(MapColumn& column, std::span<const NumericAttribute> numbers,
                    const Limits& limits, uint64_t& truncated) {
  size_t n = std::min(numbers.size(), limits.max_attributes);
  if (n < numbers.size()) truncated += numbers.size() - n;
  char buf[32];
  for (size_t i = 0; i < n; ++i) {
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, numbers[i].value);
    column.add(clip(numbers[i].key, limits.max_key_bytes, truncated),
               std::string_view(buf, ec == std::errc() ? end - buf : 0));
  }
  column.end_row();
}

template <typename T>
T& col(store::ColumnBatch& batch, size_t index) {
  return std::get<T>(batch.columns()[index].data);
}

bool hex_value(char c, uint8_t& out) {
  if (c >= '0' && c <= '9')
    out = static_cast<uint8_t>(c - '0');
  else if (c >= 'a' && c <= 'f')
    out = static_cast<uint8_t>(c - 'a' + 10);
  else if (c >= 'A' && c <= 'F')
    out = static_cast<uint8_t>(c - 'A' + 10);
  else
    return false;
  return true;
}

bool parse_hex(std::string_view text, uint8_t* out, size_t bytes) {
  if (text.size() != bytes * 2) return false;
  for (size_t i = 0; i < bytes; ++i) {
    uint8_t hi, lo;
    if (!hex_value(text[2 * i], hi) || !hex_value(text[2 * i + 1], lo)) return false;
    out[i] = static_cast<uint8_t>(hi << 4 | lo);
  }
  return true;
}

bool parse_decimal_u64(std::string_view text, uint64_t& out) {
  if (text.empty() || text.size() > 20) return false;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && ptr == text.data() + text.size();
}

void put_u64(uint8_t* out, uint64_t v) {
  for (int i = 7; i >= 0; --i) {
    out[i] = static_cast<uint8_t>(v & 0xFF);
    v >>= 8;
  }
}

std::string_view tag_value(std::string_view tag, std::string_view key) {
  if (tag.size() > key.size() && tag.substr(0, key.size()) == key && tag[key.size()] == ':')
    return tag.substr(key.size() + 1);
  return {};
}

}  // namespace

TraceId trace_id_from_u64(uint64_t high, uint64_t low) {
  TraceId id{};
  put_u64(id.data(), high);
  put_u64(id.data() + 8, low);
  return id;
}

SpanId span_id_from_u64(uint64_t v) {
  SpanId id{};
  put_u64(id.data(), v);
  return id;
}

uint64_t span_id_to_u64(const SpanId& id) {
  uint64_t v = 0;
  for (uint8_t b : id) v = v << 8 | b;
  return v;
}

bool parse_trace_id(std::string_view text, TraceId& out) {
  TraceId id{};
  if (parse_hex(text, id.data(), 16)) {
    out = id;
    return true;
  }
  if (parse_hex(text, id.data() + 8, 8)) {
    out = id;
    return true;
  }
  uint64_t low = 0;
  if (parse_decimal_u64(text, low)) {
    out = trace_id_from_u64(0, low);
    return true;
  }
  return false;
}

bool parse_span_id(std::string_view text, SpanId& out) {
  SpanId id{};
  if (parse_hex(text, id.data(), 8)) {
    out = id;
    return true;
  }
  uint64_t v = 0;
  if (parse_decimal_u64(text, v)) {
    out = span_id_from_u64(v);
    return true;
  }
  return false;
}

bool is_zero(std::span<const uint8_t> id) {
  return std::all_of(id.begin(), id.end(), [](uint8_t b) { return b == 0; });
}

std::string_view metric_kind_name(MetricKind kind) {
  switch (kind) {
    case MetricKind::gauge:
      return "gauge";
    case MetricKind::count:
      return "count";
    case MetricKind::rate:
      return "rate";
    case MetricKind::distribution:
      return "distribution";
  }
  return "gauge";
}

uint64_t series_id(std::string_view metric, std::span<const std::string_view> tags) {
  // Called once per point: no heap work for the usual handful of tags.
  constexpr size_t kInline = 32;
  std::array<std::string_view, kInline> inline_tags;
  std::vector<std::string_view> many;
  std::span<std::string_view> sorted;
  if (tags.size() <= kInline) {
    std::copy(tags.begin(), tags.end(), inline_tags.begin());
    sorted = std::span<std::string_view>(inline_tags.data(), tags.size());
  } else {
    many.assign(tags.begin(), tags.end());
    sorted = many;
  }
  std::sort(sorted.begin(), sorted.end());
  const auto end = std::unique(sorted.begin(), sorted.end());
  XXH3_state_t state;
  XXH3_64bits_reset(&state);
  XXH3_64bits_update(&state, metric.data(), metric.size());
  for (auto it = sorted.begin(); it != end; ++it) {
    XXH3_64bits_update(&state, "\0", 1);  // separator no tag or name contains
    XXH3_64bits_update(&state, it->data(), it->size());
  }
  return XXH3_64bits_digest(&state);
}

// Column order matches each table's DDL (store/schema.cpp); indexes below follow it.
LogBatch::LogBatch(Limits limits) : TableBatch(limits) {
  columns_.add<TimestampColumn>("timestamp");
  columns_.add<TimestampColumn>("observed_timestamp");
  for (const char* name : {"service", "env", "version", "host", "status"})
    columns_.add<StringColumn>(name);
  columns_.add<FixedColumn<uint8_t>>("severity_number");
  columns_.add<StringColumn>("source");
  columns_.add<StringColumn>("message");
  columns_.add("trace_id", FixedBytesColumn(16));
  columns_.add("span_id", FixedBytesColumn(8));
  columns_.add<MapColumn>("attributes");
  columns_.add<MapColumn>("resource_attributes");
}

void LogBatch::append(const LogRecord& r) {
  int64_t observed = r.observed_timestamp_ns ? r.observed_timestamp_ns : now_ns();
  col<TimestampColumn>(columns_, 0).append(r.timestamp_ns ? r.timestamp_ns : observed);
  col<TimestampColumn>(columns_, 1).append(observed);
  col<StringColumn>(columns_, 2).append(clip(r.service, limits_.max_key_bytes, truncated_));
  col<StringColumn>(columns_, 3).append(clip(r.env, limits_.max_key_bytes, truncated_));
  col<StringColumn>(columns_, 4).append(clip(r.version, limits_.max_key_bytes, truncated_));
  col<StringColumn>(columns_, 5).append(clip(r.host, limits_.max_key_bytes, truncated_));
  col<StringColumn>(columns_, 6)
      .append(r.status.empty() ? std::string_view("info") : clip(r.status, 32, truncated_));
  col<FixedColumn<uint8_t>>(columns_, 7).append(r.severity_number);
  col<StringColumn>(columns_, 8).append(clip(r.source, limits_.max_key_bytes, truncated_));
  col<StringColumn>(columns_, 9).append(clip(r.message, limits_.max_message_bytes, truncated_));
  col<FixedBytesColumn>(columns_, 10)
      .append(
          std::string_view(reinterpret_cast<const char*>(r.trace_id.data()), r.trace_id.size()));
  col<FixedBytesColumn>(columns_, 11)
      .append(std::string_view(reinterpret_cast<const char*>(r.span_id.data()), r.span_id.size()));
  append_attributes(col<MapColumn>(columns_, 12), r.attributes, limits_, truncated_);
  append_attributes(col<MapColumn>(columns_, 13), r.resource_attributes, limits_, truncated_);
}

SpanBatch::SpanBatch(Limits limits) : TableBatch(limits) {
  columns_.add<TimestampColumn>("timestamp");
  columns_.add<FixedColumn<uint64_t>>("duration_ns");
  columns_.add("trace_id", FixedBytesColumn(16));
  columns_.add("span_id", FixedBytesColumn(8));
  columns_.add("parent_span_id", FixedBytesColumn(8));
  for (const char* name : {"service", "env", "version", "host", "name", "resource", "kind", "type"})
    columns_.add<StringColumn>(name);
  columns_.add<FixedColumn<uint8_t>>("status_code");
  columns_.add<FixedColumn<uint8_t>>("error");
  columns_.add<StringColumn>("status_message");
  columns_.add<MapColumn>("attributes");
  columns_.add<MapColumn>("metrics");  // values are stored as decimal text → Float64
  columns_.add<MapColumn>("resource_attributes");
  columns_.add<StringColumn>("events");
  columns_.add<StringColumn>("links");
}

void SpanBatch::append(const SpanRecord& r) {
  auto bytes = [](const auto& id) {
    return std::string_view(reinterpret_cast<const char*>(id.data()), id.size());
  };
  col<TimestampColumn>(columns_, 0).append(r.timestamp_ns);
  col<FixedColumn<uint64_t>>(columns_, 1).append(r.duration_ns);
  col<FixedBytesColumn>(columns_, 2).append(bytes(r.trace_id));
  col<FixedBytesColumn>(columns_, 3).append(bytes(r.span_id));
  col<FixedBytesColumn>(columns_, 4).append(bytes(r.parent_span_id));
  const std::string_view strings[] = {r.service, r.env,  r.version,
                                      r.host,    r.name, r.resource.empty() ? r.name : r.resource,
                                      r.kind,    r.type};
  for (size_t i = 0; i < std::size(strings); ++i)
    col<StringColumn>(columns_, 5 + i)
        .append(
            clip(strings[i], i == 5 ? limits_.max_value_bytes : limits_.max_key_bytes, truncated_));
  col<FixedColumn<uint8_t>>(columns_, 13).append(r.status_code);
  col<FixedColumn<uint8_t>>(columns_, 14).append(r.error ? 1 : 0);
  col<StringColumn>(columns_, 15)
      .append(clip(r.status_message, limits_.max_message_bytes, truncated_));
  append_attributes(col<MapColumn>(columns_, 16), r.attributes, limits_, truncated_);
  append_numbers(col<MapColumn>(columns_, 17), r.metrics, limits_, truncated_);
  append_attributes(col<MapColumn>(columns_, 18), r.resource_attributes, limits_, truncated_);
  col<StringColumn>(columns_, 19)
      .append(r.events_json.empty() ? std::string_view("[]")
                                    : clip(r.events_json, limits_.max_message_bytes, truncated_));
  col<StringColumn>(columns_, 20)
      .append(r.links_json.empty() ? std::string_view("[]")
                                   : clip(r.links_json, limits_.max_message_bytes, truncated_));
}

MetricBatch::MetricBatch(Limits limits) : limits_(limits) {
  points_.add<StringColumn>("metric");
  points_.add<FixedColumn<uint64_t>>("series_id");
  points_.add<TimestampColumn>("timestamp");  // milliseconds; converted on insert
  points_.add<FixedColumn<double>>("value");
  points_.add<FixedColumn<uint64_t>>("weight");
  points_.add<StringColumn>("kind");

  series_.add<FixedColumn<uint64_t>>("series_id");
  series_.add<StringColumn>("metric");
  series_.add<MapColumn>("tags");
  for (const char* name : {"service", "env", "host", "kind"}) series_.add<StringColumn>(name);
  series_.add<TimestampColumn>("first_seen");
  series_.add<TimestampColumn>("last_seen");
}

void MetricBatch::append(const MetricPoint& p) {
  std::string_view metric = clip(p.metric, limits_.max_key_bytes, truncated_);
  std::span<const std::string_view> tags = p.tags;
  if (tags.size() > limits_.max_attributes) {
    truncated_ += tags.size() - limits_.max_attributes;
    tags = tags.first(limits_.max_attributes);
  }
  uint64_t id = series_id(metric, tags);
  // Timestamp columns hold nanoseconds; the table keeps milliseconds (DateTime64(3)).
  col<StringColumn>(points_, 0).append(metric);
  col<FixedColumn<uint64_t>>(points_, 1).append(id);
  col<TimestampColumn>(points_, 2).append(p.timestamp_ms * 1000000);
  col<FixedColumn<double>>(points_, 3).append(p.value);
  col<FixedColumn<uint64_t>>(points_, 4).append(p.weight);
  col<StringColumn>(points_, 5).append(metric_kind_name(p.kind));

  auto it = std::lower_bound(seen_series_.begin(), seen_series_.end(), id);
  if (it != seen_series_.end() && *it == id) return;
  seen_series_.insert(it, id);
  col<FixedColumn<uint64_t>>(series_, 0).append(id);
  col<StringColumn>(series_, 1).append(metric);
  auto& tag_map = col<MapColumn>(series_, 2);
  std::string_view service, env, host;
  for (auto tag : tags) {
    tag = clip(tag, limits_.max_key_bytes + limits_.max_value_bytes, truncated_);
    auto colon = tag.find(':');
    std::string_view key = colon == std::string_view::npos ? tag : tag.substr(0, colon);
    std::string_view value =
        colon == std::string_view::npos ? std::string_view() : tag.substr(colon + 1);
    tag_map.add(clip(key, limits_.max_key_bytes, truncated_), value);
    if (auto v = tag_value(tag, "service"); !v.empty()) service = v;
    if (auto v = tag_value(tag, "env"); !v.empty()) env = v;
    if (auto v = tag_value(tag, "host"); !v.empty()) host = v;
  }
  tag_map.end_row();
  col<StringColumn>(series_, 3).append(service);
  col<StringColumn>(series_, 4).append(env);
  col<StringColumn>(series_, 5).append(host);
  col<StringColumn>(series_, 6).append(metric_kind_name(p.kind));
  col<TimestampColumn>(series_, 7).append(p.timestamp_ms * 1000000);
  col<TimestampColumn>(series_, 8).append(p.timestamp_ms * 1000000);
}

EventBatch::EventBatch(Limits limits) : TableBatch(limits) {
  columns_.add<TimestampColumn>("timestamp");
  for (const char* name : {"title", "text", "source", "priority", "alert_type", "host", "service",
                           "env", "aggregation_key"})
    columns_.add<StringColumn>(name);
  columns_.add<MapColumn>("tags");
}

void EventBatch::append(const Event& e) {
  col<TimestampColumn>(columns_, 0).append(e.timestamp_ms * 1000000);
  const std::string_view strings[] = {e.title, e.text,    e.source, e.priority,       e.alert_type,
                                      e.host,  e.service, e.env,    e.aggregation_key};
  for (size_t i = 0; i < std::size(strings); ++i)
    col<StringColumn>(columns_, 1 + i)
        .append(clip(strings[i], i == 1 ? limits_.max_message_bytes : limits_.max_value_bytes,
                     truncated_));
  auto& tags = col<MapColumn>(columns_, 10);
  size_t n = std::min(e.tags.size(), limits_.max_attributes);
  if (n < e.tags.size()) truncated_ += e.tags.size() - n;
  for (size_t i = 0; i < n; ++i) {
    auto tag = e.tags[i];
    auto colon = tag.find(':');
    tags.add(clip(colon == std::string_view::npos ? tag : tag.substr(0, colon),
                  limits_.max_key_bytes, truncated_),
             colon == std::string_view::npos
                 ? std::string_view()
                 : clip(tag.substr(colon + 1), limits_.max_value_bytes, truncated_));
  }
  tags.end_row();
}

RumBatch::RumBatch(Limits limits) : TableBatch(limits) {
  columns_.add<TimestampColumn>("timestamp");
  columns_.add<StringColumn>("type");
  columns_.add<StringColumn>("event_id");
  columns_.add<FixedColumn<uint64_t>>("document_version");
  for (const char* name : {"application_id", "session_id", "view_id", "view_name", "view_url",
                           "service", "env", "version"})
    columns_.add<StringColumn>(name);
  columns_.add<MapColumn>("attributes");
  columns_.add<MapColumn>("numeric");  // values are stored as decimal text → Float64
}

void RumBatch::append(const RumEvent& e) {
  col<TimestampColumn>(columns_, 0).append(e.timestamp_ms * 1000000);
  col<StringColumn>(columns_, 1).append(clip(e.type, limits_.max_key_bytes, truncated_));
  col<StringColumn>(columns_, 2).append(clip(e.event_id, limits_.max_key_bytes, truncated_));
  col<FixedColumn<uint64_t>>(columns_, 3).append(e.document_version);
  const std::string_view strings[] = {e.application_id, e.session_id, e.view_id, e.view_name,
                                      e.view_url,       e.service,    e.env,     e.version};
  for (size_t i = 0; i < std::size(strings); ++i)
    col<StringColumn>(columns_, 4 + i)
        .append(clip(strings[i], limits_.max_value_bytes, truncated_));
  append_attributes(col<MapColumn>(columns_, 12), e.attributes, limits_, truncated_);
  append_numbers(col<MapColumn>(columns_, 13), e.numeric, limits_, truncated_);
}

}  // namespace heeler::pipeline
