#include "store/columns.h"

#include <fmt/format.h>

#include <limits>
#include <set>
#include <type_traits>

namespace heeler::store {
namespace {

constexpr size_t kMaxOffset = static_cast<size_t>(std::numeric_limits<int32_t>::max());

// Offsets start at 0, never decrease and end at `end`, which fits in an int32.
core::Status check_offsets(const std::vector<int32_t>& offsets, size_t end, std::string_view column,
                           std::string_view part) {
  if (offsets.empty() || offsets.front() != 0)
    return core::error(core::Code::invalid_argument, "column {}: {} offsets must start at 0",
                       column, part);
  if (end > kMaxOffset)
    return core::error(core::Code::invalid_argument,
                       "column {}: {} hold {} bytes or entries, over the 2 GiB a batch column "
                       "can address; split the batch",
                       column, part, end);
  for (size_t i = 1; i < offsets.size(); ++i) {
    if (offsets[i] < offsets[i - 1])
      return core::error(core::Code::invalid_argument,
                         "column {}: {} offsets decrease at row {} (32-bit offset overflow?)",
                         column, part, i - 1);
  }
  if (static_cast<size_t>(offsets.back()) != end)
    return core::error(core::Code::invalid_argument,
                       "column {}: {} offsets end at {} but hold {} (32-bit offset overflow?)",
                       column, part, offsets.back(), end);
  return {};
}

core::Status check_strings(const StringColumn& s, std::string_view column, std::string_view part) {
  return check_offsets(s.offsets, s.chars.size(), column, part);
}

size_t string_bytes(const StringColumn& s) {
  return s.chars.size() + s.offsets.size() * sizeof(int32_t);
}

}  // namespace

void FixedBytesColumn::append(std::string_view v) {
  if (width <= 0) return;
  size_t w = static_cast<size_t>(width);
  if (v.size() >= w) {
    data.append(v.data(), w);
  } else {
    data.append(v);
    data.append(w - v.size(), '\0');
  }
}

size_t Column::size() const {
  return std::visit([](const auto& c) -> size_t { return c.size(); }, data);
}

size_t ColumnBatch::byte_size() const {
  size_t total = 0;
  for (const auto& column : columns_) {
    total += std::visit(
        [](const auto& c) -> size_t {
          using C = std::decay_t<decltype(c)>;
          if constexpr (std::is_same_v<C, StringColumn>) {
            return string_bytes(c);
          } else if constexpr (std::is_same_v<C, FixedBytesColumn>) {
            return c.data.size();
          } else if constexpr (std::is_same_v<C, MapColumn>) {
            return c.offsets.size() * sizeof(int32_t) + string_bytes(c.keys) +
                   string_bytes(c.values);
          } else {
            return c.values.size() * sizeof(c.values[0]);
          }
        },
        column.data);
  }
  return total;
}

core::Status ColumnBatch::validate() const {
  std::set<std::string_view> names;
  const size_t rows = this->rows();
  for (const auto& column : columns_) {
    if (column.name.empty())
      return core::error(core::Code::invalid_argument, "a batch column has an empty name");
    if (!names.insert(column.name).second)
      return core::error(core::Code::invalid_argument, "column {} appears twice in the batch",
                         column.name);
    core::Status st = std::visit(
        [&](const auto& c) -> core::Status {
          using C = std::decay_t<decltype(c)>;
          if constexpr (std::is_same_v<C, StringColumn>) {
            return check_strings(c, column.name, "string");
          } else if constexpr (std::is_same_v<C, FixedBytesColumn>) {
            if (c.width <= 0)
              return core::error(core::Code::invalid_argument,
                                 "column {}: fixed-bytes width must be positive, not {}",
                                 column.name, c.width);
            if (c.data.size() % static_cast<size_t>(c.width) != 0)
              return core::error(core::Code::invalid_argument,
                                 "column {}: {} bytes is not a whole number of {}-byte values",
                                 column.name, c.data.size(), c.width);
            return {};
          } else if constexpr (std::is_same_v<C, MapColumn>) {
            HEELER_RETURN_IF_ERROR(check_strings(c.keys, column.name, "map key"));
            HEELER_RETURN_IF_ERROR(check_strings(c.values, column.name, "map value"));
            if (c.keys.size() != c.values.size())
              return core::error(core::Code::invalid_argument,
                                 "column {}: {} map keys but {} map values", column.name,
                                 c.keys.size(), c.values.size());
            return check_offsets(c.offsets, c.keys.size(), column.name, "map entry");
          } else {
            return {};
          }
        },
        column.data);
    HEELER_RETURN_IF_ERROR(st);
    if (column.size() != rows)
      return core::error(core::Code::invalid_argument, "column {} has {} rows but column {} has {}",
                         column.name, column.size(), columns_.front().name, rows);
  }
  return {};
}

bool ColumnBatch::same_layout(const ColumnBatch& other) const {
  if (columns_.size() != other.columns_.size()) return false;
  for (size_t i = 0; i < columns_.size(); ++i) {
    const Column& a = columns_[i];
    const Column& b = other.columns_[i];
    if (a.name != b.name || a.data.index() != b.data.index()) return false;
    if (const auto* fa = std::get_if<FixedBytesColumn>(&a.data);
        fa && fa->width != std::get<FixedBytesColumn>(b.data).width)
      return false;
  }
  return true;
}

namespace {

void append_strings(StringColumn& to, const StringColumn& from) {
  const int32_t base = static_cast<int32_t>(to.chars.size());
  to.chars.append(from.chars);
  for (size_t i = 1; i < from.offsets.size(); ++i) to.offsets.push_back(base + from.offsets[i]);
}

}  // namespace

core::Status ColumnBatch::append_rows(const ColumnBatch& other) {
  if (!same_layout(other))
    return core::error(core::Code::invalid_argument,
                       "cannot append rows: the batches have different columns");
  for (size_t i = 0; i < columns_.size(); ++i) {
    std::visit(
        [&](auto& to) {
          using C = std::decay_t<decltype(to)>;
          const C& from = std::get<C>(other.columns_[i].data);
          if constexpr (std::is_same_v<C, StringColumn>) {
            append_strings(to, from);
          } else if constexpr (std::is_same_v<C, FixedBytesColumn>) {
            to.data.append(from.data);
          } else if constexpr (std::is_same_v<C, MapColumn>) {
            const int32_t base = static_cast<int32_t>(to.keys.size());
            for (size_t r = 1; r < from.offsets.size(); ++r)
              to.offsets.push_back(base + from.offsets[r]);
            append_strings(to.keys, from.keys);
            append_strings(to.values, from.values);
          } else {
            to.values.insert(to.values.end(), from.values.begin(), from.values.end());
          }
        },
        columns_[i].data);
  }
  return {};
}

}  // namespace heeler::store
