#include "store/arrow_export.h"

#include <fmt/format.h>

#include <type_traits>

namespace heeler::store::arrow {
namespace {

// Stands in for the data pointer of an empty vector, which may be null.
alignas(16) const uint8_t kEmptyBuffer[16] = {};

template <typename T>
const void* data_or_empty(const std::vector<T>& v) {
  return v.empty() ? static_cast<const void*>(kEmptyBuffer) : static_cast<const void*>(v.data());
}

void release_schema(ArrowSchema* schema) {
  for (int64_t i = 0; i < schema->n_children; ++i) {
    ArrowSchema* child = schema->children[i];
    if (child != nullptr && child->release != nullptr) child->release(child);
  }
  schema->release = nullptr;
}

void release_array(ArrowArray* array) {
  for (int64_t i = 0; i < array->n_children; ++i) {
    ArrowArray* child = array->children[i];
    if (child != nullptr && child->release != nullptr) child->release(child);
  }
  array->release = nullptr;
}

template <typename T>
constexpr const char* fixed_format() {
  if constexpr (std::is_same_v<T, uint8_t>)
    return "C";
  else if constexpr (std::is_same_v<T, uint16_t>)
    return "S";
  else if constexpr (std::is_same_v<T, uint32_t>)
    return "I";
  else if constexpr (std::is_same_v<T, uint64_t>)
    return "L";
  else if constexpr (std::is_same_v<T, int32_t>)
    return "i";
  else if constexpr (std::is_same_v<T, int64_t>)
    return "l";
  else
    return "g";
}

template <typename C>
struct IsFixed : std::false_type {};
template <typename T>
struct IsFixed<FixedColumn<T>> : std::true_type {
  using value_type = T;
};

}  // namespace

ArrowExport::Node& ArrowExport::add_node(std::string format, std::string name, int64_t length,
                                         std::vector<const void*> buffers, int64_t flags) {
  Node& n = nodes_.emplace_back();
  n.format = std::move(format);
  n.name = std::move(name);
  n.buffers = std::move(buffers);
  n.schema.format = n.format.c_str();
  n.schema.name = n.name.c_str();
  n.schema.metadata = nullptr;
  n.schema.flags = flags;
  n.schema.n_children = 0;
  n.schema.children = nullptr;
  n.schema.dictionary = nullptr;
  n.schema.release = release_schema;
  n.schema.private_data = nullptr;
  n.array.length = length;
  n.array.null_count = 0;
  n.array.offset = 0;
  n.array.n_buffers = static_cast<int64_t>(n.buffers.size());
  n.array.n_children = 0;
  n.array.buffers = n.buffers.data();
  n.array.children = nullptr;
  n.array.dictionary = nullptr;
  n.array.release = release_array;
  n.array.private_data = nullptr;
  return n;
}

void ArrowExport::link(Node& parent, Node& child) {
  parent.schema_children.push_back(&child.schema);
  parent.array_children.push_back(&child.array);
  parent.schema.n_children = static_cast<int64_t>(parent.schema_children.size());
  parent.schema.children = parent.schema_children.data();
  parent.array.n_children = static_cast<int64_t>(parent.array_children.size());
  parent.array.children = parent.array_children.data();
}

ArrowExport::Node& ArrowExport::add_strings(const StringColumn& s, std::string name,
                                            int64_t flags) {
  return add_node("z", std::move(name), static_cast<int64_t>(s.size()),
                  {nullptr, data_or_empty(s.offsets), s.chars.data()}, flags);
}

ArrowExport::Node& ArrowExport::add_column(const Column& column) {
  return std::visit(
      [&](const auto& c) -> Node& {
        using C = std::decay_t<decltype(c)>;
        const auto rows = static_cast<int64_t>(c.size());
        if constexpr (IsFixed<C>::value) {
          return add_node(fixed_format<typename IsFixed<C>::value_type>(), column.name, rows,
                          {nullptr, data_or_empty(c.values)});
        } else if constexpr (std::is_same_v<C, TimestampColumn>) {
          return add_node("tsn:", column.name, rows, {nullptr, data_or_empty(c.values)});
        } else if constexpr (std::is_same_v<C, StringColumn>) {
          return add_strings(c, column.name, 0);
        } else if constexpr (std::is_same_v<C, FixedBytesColumn>) {
          return add_node(fmt::format("w:{}", c.width), column.name, rows,
                          {nullptr, c.data.data()});
        } else {
          static_assert(std::is_same_v<C, MapColumn>);
          Node& map = add_node("+m", column.name, rows, {nullptr, data_or_empty(c.offsets)});
          Node& entries = add_node("+s", "entries", static_cast<int64_t>(c.keys.size()), {nullptr});
          link(map, entries);
          link(entries, add_strings(c.keys, "key", 0));
          link(entries, add_strings(c.values, "value", kFlagNullable));
          return map;
        }
      },
      column.data);
}

ArrowExport::ArrowExport(const ColumnBatch& batch) {
  root_ = &add_node("+s", "", static_cast<int64_t>(batch.rows()), {nullptr});
  for (const auto& column : batch.columns()) link(*root_, add_column(column));
}

}  // namespace heeler::store::arrow
