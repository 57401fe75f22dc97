// The store: where telemetry lives. One interface, implemented by the embedded
// ClickHouse (chdb, embedded_engine.h) and later by a remote ClickHouse over HTTP.
//
// User values never become SQL text: queries name them as {name:Type} parameters
// and pass them in Params, which the engine hands to ClickHouse as query parameters.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "core/status.h"
#include "store/columns.h"

namespace heeler::store {

// Named query parameters; values are given raw and escaped by the engine, so a
// String-like parameter receives exactly these bytes. Values of Array(...), Map(...)
// and Tuple(...) parameters are ClickHouse literals (['a', 'it\'s']) passed as they are.
class Params {
 public:
  Params() = default;
  Params(std::initializer_list<std::pair<std::string, std::string>> items);
  Params& add(std::string name, std::string value);
  Params& add(std::string name, std::string_view value) {
    return add(std::move(name), std::string(value));
  }
  Params& add(std::string name, const char* value) {
    return add(std::move(name), std::string(value));
  }
  Params& add(std::string name, int64_t value);
  Params& add(std::string name, uint64_t value);
  Params& add(std::string name, int value) {
    return add(std::move(name), static_cast<int64_t>(value));
  }
  Params& add(std::string name, double value);
  const std::vector<std::pair<std::string, std::string>>& items() const { return items_; }
  bool empty() const { return items_.empty(); }

 private:
  std::vector<std::pair<std::string, std::string>> items_;
};

// A decoded cell. Integers keep their full 64-bit range; DateTime64 values are raw
// ticks in the column's scale; Date/DateTime are days/seconds since the epoch.
// Int128/Int256 are exact decimal strings, Decimal(P, S) doubles, UUID/IPv4/IPv6 their
// text, Enum its name, Tuple an Array (store/rowbinary.h has the full list).
struct Value;
using Array = std::vector<Value>;
using MapEntries = std::vector<std::pair<Value, Value>>;
struct Value {
  std::variant<std::monostate, bool, int64_t, uint64_t, double, std::string, Array, MapEntries> v;

  bool is_null() const { return std::holds_alternative<std::monostate>(v); }
  // Numeric conversions accept any numeric alternative; strings and others give 0.
  int64_t as_int64() const;
  uint64_t as_uint64() const;
  double as_double() const;
  // Strings as they are; numbers formatted; null as "".
  std::string as_string() const;
};

struct ResultColumn {
  std::string name;
  std::string type;  // ClickHouse type name, e.g. "DateTime64(9)", "Map(String, String)"
};

class QueryResult {
 public:
  QueryResult() = default;
  QueryResult(std::vector<ResultColumn> columns, std::vector<std::vector<Value>> rows)
      : columns_(std::move(columns)), rows_(std::move(rows)) {}

  const std::vector<ResultColumn>& columns() const { return columns_; }
  const std::vector<std::vector<Value>>& rows() const { return rows_; }
  size_t row_count() const { return rows_.size(); }
  // Index of a column by name, or -1.
  int column_index(std::string_view name) const;
  const Value& at(size_t row, size_t column) const { return rows_[row][column]; }

  // Engine statistics of the query that produced this result.
  double elapsed_seconds = 0;
  uint64_t rows_read = 0;
  uint64_t bytes_read = 0;

 private:
  std::vector<ResultColumn> columns_;
  std::vector<std::vector<Value>> rows_;
};

// Connections are grouped so ingest never waits behind a slow dashboard query and
// background jobs never starve the UI. Queries on one connection run one at a time.
enum class Lane { ingest, interactive, background };

struct InsertOptions {
  // Same token, same table → the engine stores the block once (replays after a crash).
  std::string deduplication_token;
};

struct EngineStats {
  uint64_t queries = 0;
  uint64_t query_errors = 0;
  double query_seconds = 0;
  uint64_t inserted_rows = 0;
  uint64_t inserted_bytes = 0;
};

class Engine {
 public:
  virtual ~Engine() = default;

  // Opens the store. May fail with a clear error (library missing, data dir locked or
  // not writable). Must be called once before anything else.
  virtual core::Status start() = 0;
  // Closes every connection. Safe without start() and safe twice.
  virtual void stop() = 0;

  // Runs a query and decodes its rows.
  virtual core::Result<QueryResult> query(std::string_view sql, const Params& params = {},
                                          Lane lane = Lane::interactive) = 0;
  // Runs a statement whose output is not needed (DDL, INSERT … SELECT).
  virtual core::Status execute(std::string_view sql, const Params& params = {},
                               Lane lane = Lane::background) = 0;
  // Appends a batch to `table`; columns are matched by name.
  virtual core::Status insert(std::string_view table, const ColumnBatch& batch,
                              const InsertOptions& options = {}) = 0;

  // A cheap round trip (readiness).
  virtual core::Status ping() = 0;
  virtual std::string version() = 0;
  virtual EngineStats stats() const = 0;
};

}  // namespace heeler::store
