// Decodes the columns of a LogBatch back into plain rows, for assertions.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <variant>
#include <vector>

#include "pipeline/signals.h"

namespace heeler::pipeline {

struct LogRow {
  int64_t timestamp_ns = 0;
  std::string service, env, version, host, status, source, message;
  int severity = 0;
  std::string trace_id, span_id;  // raw bytes
  std::map<std::string, std::string> attributes;
};

inline std::vector<LogRow> log_rows(const LogBatch& batch) {
  using namespace store;
  const auto& cols = batch.columns().columns();
  auto str = [&](size_t c, size_t r) {
    return std::string(std::get<StringColumn>(cols[c].data).at(r));
  };
  const auto& ts = std::get<TimestampColumn>(cols[0].data).values;
  const auto& sev = std::get<FixedColumn<uint8_t>>(cols[7].data).values;
  const auto& trace = std::get<FixedBytesColumn>(cols[10].data).data;
  const auto& span = std::get<FixedBytesColumn>(cols[11].data).data;
  const auto& attrs = std::get<MapColumn>(cols[12].data);
  std::vector<LogRow> rows;
  for (size_t r = 0; r < batch.size(); ++r) {
    LogRow row;
    row.timestamp_ns = ts[r];
    row.service = str(2, r);
    row.env = str(3, r);
    row.version = str(4, r);
    row.host = str(5, r);
    row.status = str(6, r);
    row.severity = sev[r];
    row.source = str(8, r);
    row.message = str(9, r);
    row.trace_id = trace.substr(r * 16, 16);
    row.span_id = span.substr(r * 8, 8);
    for (int32_t i = attrs.offsets[r]; i < attrs.offsets[r + 1]; ++i)
      row.attributes[std::string(attrs.keys.at(i))] = std::string(attrs.values.at(i));
    rows.push_back(std::move(row));
  }
  return rows;
}

// 16 raw bytes of a trace id given as 32 hex digits.
inline std::string hex_bytes(const std::string& hex) {
  std::string out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2)
    out.push_back(static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  return out;
}

}  // namespace heeler::pipeline
