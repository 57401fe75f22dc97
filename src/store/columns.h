// ColumnBatch: rows of one table held column by column, in the layouts the engine's
// bulk-insert path (Arrow C Data Interface) reads without copying. Receivers append
// straight into these; no per-row objects.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "core/status.h"

namespace heeler::store {

template <typename T>
struct FixedColumn {
  std::vector<T> values;
  void append(T v) { values.push_back(v); }
  size_t size() const { return values.size(); }
};

// Nanoseconds since the Unix epoch; lands in DateTime64(9) columns.
struct TimestampColumn {
  std::vector<int64_t> values;
  void append(int64_t ns) { values.push_back(ns); }
  size_t size() const { return values.size(); }
};

// Variable-length bytes: offsets[i]..offsets[i+1] in chars (Arrow's binary layout).
struct StringColumn {
  std::vector<int32_t> offsets{0};
  std::string chars;
  void append(std::string_view v) {
    chars.append(v);
    offsets.push_back(static_cast<int32_t>(chars.size()));
  }
  size_t size() const { return offsets.size() - 1; }
  std::string_view at(size_t i) const {
    return std::string_view(chars).substr(offsets[i], offsets[i + 1] - offsets[i]);
  }
};

// Fixed-width bytes (FixedString(N)), e.g. 16-byte trace ids.
struct FixedBytesColumn {
  explicit FixedBytesColumn(int w = 16) : width(w) {}
  int width;
  std::string data;
  void append(std::string_view v);  // pads with zero bytes or truncates to width
  size_t size() const { return width ? data.size() / width : 0; }
};

// Map(String, String): row i holds entries offsets[i]..offsets[i+1] of keys/values.
struct MapColumn {
  std::vector<int32_t> offsets{0};
  StringColumn keys;
  StringColumn values;
  void add(std::string_view key, std::string_view value) {
    keys.append(key);
    values.append(value);
  }
  void end_row() { offsets.push_back(static_cast<int32_t>(keys.size())); }
  size_t size() const { return offsets.size() - 1; }
};

using ColumnData =
    std::variant<FixedColumn<uint8_t>, FixedColumn<uint16_t>, FixedColumn<uint32_t>,
                 FixedColumn<uint64_t>, FixedColumn<int32_t>, FixedColumn<int64_t>,
                 FixedColumn<double>, TimestampColumn, StringColumn, FixedBytesColumn, MapColumn>;

struct Column {
  std::string name;
  ColumnData data;
  size_t size() const;
};

class ColumnBatch {
 public:
  // Adds a column and returns it for appending; `C` is one of the ColumnData types.
  // The reference stays valid as more columns are added (columns live in a deque).
  template <typename C>
  C& add(std::string name, C initial = C{}) {
    columns_.push_back(Column{std::move(name), ColumnData(std::move(initial))});
    return std::get<C>(columns_.back().data);
  }

  const std::deque<Column>& columns() const { return columns_; }
  std::deque<Column>& columns() { return columns_; }
  size_t rows() const { return columns_.empty() ? 0 : columns_.front().size(); }
  // Bytes of column data held (for MB/s figures and memory bounds).
  size_t byte_size() const;
  // Every column has the same number of rows, names are unique and non-empty, and
  // string data fits 32-bit offsets.
  core::Status validate() const;
  // Same columns (names, types, fixed widths) in the same order as `other`.
  bool same_layout(const ColumnBatch& other) const;
  // Appends the rows of `other`, which must have the same layout (invalid_argument
  // otherwise; the batch is then left unchanged).
  core::Status append_rows(const ColumnBatch& other);

 private:
  std::deque<Column> columns_;
};

}  // namespace heeler::store
