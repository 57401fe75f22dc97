// Helpers of the OTLP decoder tests: batches decoded back into plain rows, the
// captured request bodies, and small builders for OTLP messages.
#pragma once

#include <cstdint>
#include <fstream>
#include <iterator>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "intake/otlp/decode.h"
#include "pipeline/signals.h"

namespace heeler::intake::otlp::test {

namespace common = opentelemetry::proto::common::v1;
namespace trace = opentelemetry::proto::trace::v1;
namespace logs = opentelemetry::proto::logs::v1;
namespace metrics = opentelemetry::proto::metrics::v1;
using TraceRequest = collector::trace::v1::ExportTraceServiceRequest;
using LogsRequest = collector::logs::v1::ExportLogsServiceRequest;
using MetricsRequest = collector::metrics::v1::ExportMetricsServiceRequest;

// 2026-11-22T07:00:00Z, near the captured bodies' own times.
inline constexpr int64_t kNow = 1'795'330'800'000'000'000;

inline std::string hex(std::string_view bytes) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  for (char c : bytes) {
    out.push_back(digits[static_cast<unsigned char>(c) >> 4]);
    out.push_back(digits[static_cast<unsigned char>(c) & 15]);
  }
  return out;
}

inline std::string unhex(std::string_view text) {
  std::string out;
  for (size_t i = 0; i + 1 < text.size(); i += 2)
    out.push_back(static_cast<char>(std::stoi(std::string(text.substr(i, 2)), nullptr, 16)));
  return out;
}

template <typename T>
const T& column(const store::ColumnBatch& batch, size_t index) {
  return std::get<T>(batch.columns()[index].data);
}

inline std::map<std::string, std::string> map_row(const store::MapColumn& map, size_t row) {
  std::map<std::string, std::string> out;
  for (int32_t i = map.offsets[row]; i < map.offsets[row + 1]; ++i)
    out[std::string(map.keys.at(i))] = std::string(map.values.at(i));
  return out;
}

struct SpanRow {
  int64_t timestamp_ns = 0;
  uint64_t duration_ns = 0;
  std::string trace_id, span_id, parent_span_id;  // hex
  std::string service, env, version, host, name, resource, kind, type;
  int status_code = 0;
  bool error = false;
  std::string status_message;
  std::map<std::string, std::string> attributes;
  std::map<std::string, double> metrics;
  std::map<std::string, std::string> resource_attributes;
  std::string events, links;
};

inline std::vector<SpanRow> span_rows(const pipeline::SpanBatch& batch) {
  using namespace store;
  const ColumnBatch& c = batch.columns();
  std::vector<SpanRow> rows;
  for (size_t r = 0; r < batch.size(); ++r) {
    SpanRow row;
    row.timestamp_ns = column<TimestampColumn>(c, 0).values[r];
    row.duration_ns = column<FixedColumn<uint64_t>>(c, 1).values[r];
    row.trace_id = hex(column<FixedBytesColumn>(c, 2).data.substr(r * 16, 16));
    row.span_id = hex(column<FixedBytesColumn>(c, 3).data.substr(r * 8, 8));
    row.parent_span_id = hex(column<FixedBytesColumn>(c, 4).data.substr(r * 8, 8));
    std::string* strings[] = {&row.service, &row.env,      &row.version, &row.host,
                              &row.name,    &row.resource, &row.kind,    &row.type};
    for (size_t i = 0; i < std::size(strings); ++i)
      *strings[i] = std::string(column<StringColumn>(c, 5 + i).at(r));
    row.status_code = column<FixedColumn<uint8_t>>(c, 13).values[r];
    row.error = column<FixedColumn<uint8_t>>(c, 14).values[r] != 0;
    row.status_message = std::string(column<StringColumn>(c, 15).at(r));
    row.attributes = map_row(column<MapColumn>(c, 16), r);
    for (const auto& [k, v] : map_row(column<MapColumn>(c, 17), r)) row.metrics[k] = std::stod(v);
    row.resource_attributes = map_row(column<MapColumn>(c, 18), r);
    row.events = std::string(column<StringColumn>(c, 19).at(r));
    row.links = std::string(column<StringColumn>(c, 20).at(r));
    rows.push_back(std::move(row));
  }
  return rows;
}

struct LogRow {
  int64_t timestamp_ns = 0;
  std::string service, env, version, host, status, source, message;
  int severity = 0;
  std::string trace_id, span_id;  // hex
  std::map<std::string, std::string> attributes, resource_attributes;
};

inline std::vector<LogRow> log_rows(const pipeline::LogBatch& batch) {
  using namespace store;
  const ColumnBatch& c = batch.columns();
  std::vector<LogRow> rows;
  for (size_t r = 0; r < batch.size(); ++r) {
    LogRow row;
    row.timestamp_ns = column<TimestampColumn>(c, 0).values[r];
    row.service = std::string(column<StringColumn>(c, 2).at(r));
    row.env = std::string(column<StringColumn>(c, 3).at(r));
    row.version = std::string(column<StringColumn>(c, 4).at(r));
    row.host = std::string(column<StringColumn>(c, 5).at(r));
    row.status = std::string(column<StringColumn>(c, 6).at(r));
    row.severity = column<FixedColumn<uint8_t>>(c, 7).values[r];
    row.source = std::string(column<StringColumn>(c, 8).at(r));
    row.message = std::string(column<StringColumn>(c, 9).at(r));
    row.trace_id = hex(column<FixedBytesColumn>(c, 10).data.substr(r * 16, 16));
    row.span_id = hex(column<FixedBytesColumn>(c, 11).data.substr(r * 8, 8));
    row.attributes = map_row(column<MapColumn>(c, 12), r);
    row.resource_attributes = map_row(column<MapColumn>(c, 13), r);
    rows.push_back(std::move(row));
  }
  return rows;
}

struct PointRow {
  std::string metric, kind;
  std::map<std::string, std::string> tags;
  int64_t timestamp_ms = 0;
  double value = 0;
  uint64_t weight = 0;
};

inline std::vector<PointRow> point_rows(const pipeline::MetricBatch& batch) {
  using namespace store;
  const ColumnBatch& series = batch.series();
  std::map<uint64_t, std::map<std::string, std::string>> tags_by_id;
  const auto& ids = column<FixedColumn<uint64_t>>(series, 0).values;
  for (size_t r = 0; r < ids.size(); ++r)
    tags_by_id[ids[r]] = map_row(column<MapColumn>(series, 2), r);
  const ColumnBatch& p = batch.points();
  std::vector<PointRow> rows;
  for (size_t r = 0; r < batch.size(); ++r) {
    PointRow row;
    row.metric = std::string(column<StringColumn>(p, 0).at(r));
    row.tags = tags_by_id[column<FixedColumn<uint64_t>>(p, 1).values[r]];
    row.timestamp_ms = column<TimestampColumn>(p, 2).values[r] / 1'000'000;
    row.value = column<FixedColumn<double>>(p, 3).values[r];
    row.weight = column<FixedColumn<uint64_t>>(p, 4).values[r];
    row.kind = std::string(column<StringColumn>(p, 5).at(r));
    rows.push_back(std::move(row));
  }
  return rows;
}

// The request bodies of a captured sample file ({"requests":[{"body_json":…}]}), as
// JSON text.
inline std::vector<std::string> captured_bodies(const std::string& file) {
  std::ifstream in(std::string(OTLP_TESTDATA) + "/" + file);
  const nlohmann::json capture = nlohmann::json::parse(in);
  std::vector<std::string> bodies;
  for (const auto& request : capture.at("requests"))
    bodies.push_back(request.at("body_json").dump());
  return bodies;
}

inline void set_string(common::KeyValue& kv, std::string key, std::string value) {
  kv.set_key(std::move(key));
  kv.mutable_value()->set_string_value(std::move(value));
}

inline void add_string(google::protobuf::RepeatedPtrField<common::KeyValue>& attributes,
                       std::string key, std::string value) {
  set_string(*attributes.Add(), std::move(key), std::move(value));
}

inline void add_int(google::protobuf::RepeatedPtrField<common::KeyValue>& attributes,
                    std::string key, int64_t value) {
  common::KeyValue* kv = attributes.Add();
  kv->set_key(std::move(key));
  kv->mutable_value()->set_int_value(value);
}

inline void add_double(google::protobuf::RepeatedPtrField<common::KeyValue>& attributes,
                       std::string key, double value) {
  common::KeyValue* kv = attributes.Add();
  kv->set_key(std::move(key));
  kv->mutable_value()->set_double_value(value);
}

// A resource with the unified service tags.
inline void fill_resource(opentelemetry::proto::resource::v1::Resource& resource) {
  add_string(*resource.mutable_attributes(), "service.name", "checkout");
  add_string(*resource.mutable_attributes(), "deployment.environment.name", "prod");
  add_string(*resource.mutable_attributes(), "service.version", "1.2.3");
  add_string(*resource.mutable_attributes(), "host.name", "web-1");
}

}  // namespace heeler::intake::otlp::test
