// Private: a ColumnBatch seen through the Arrow C Data Interface
// (https://arrow.apache.org/docs/format/CDataInterface.html), without copying.
// The structs below are the interface's, declared here per the public spec; they live
// in this namespace so they cannot clash with Arrow's own header.
#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <vector>

#include "store/columns.h"

namespace heeler::store::arrow {

constexpr int64_t kFlagNullable = 2;

struct ArrowSchema {
  const char* format;
  const char* name;
  const char* metadata;
  int64_t flags;
  int64_t n_children;
  ArrowSchema** children;
  ArrowSchema* dictionary;
  void (*release)(ArrowSchema*);
  void* private_data;
};

struct ArrowArray {
  int64_t length;
  int64_t null_count;
  int64_t offset;
  int64_t n_buffers;
  int64_t n_children;
  const void** buffers;
  ArrowArray** children;
  ArrowArray* dictionary;
  void (*release)(ArrowArray*);
  void* private_data;
};

// One struct<column…> record batch whose buffers point into `batch`. The export owns
// every schema/array node, name and pointer list; `batch` must stay unchanged and
// alive, and the export must outlive every consumer (until the engine unregisters it).
// Release callbacks mark the structs released; memory is freed by the destructor.
// Column layouts:
//   FixedColumn<u8/u16/u32/u64/i32/i64/double>  C S I L i l g
//   TimestampColumn                             tsn:   (DateTime64(9))
//   StringColumn                                z      (binary; 32-bit offsets)
//   FixedBytesColumn(N)                         w:N    (FixedString(N))
//   MapColumn                                   +m → +s "entries" → z "key", z "value"
class ArrowExport {
 public:
  // `batch` should have passed ColumnBatch::validate().
  explicit ArrowExport(const ColumnBatch& batch);
  ArrowExport(const ArrowExport&) = delete;
  ArrowExport& operator=(const ArrowExport&) = delete;

  ArrowSchema* schema() { return &root_->schema; }
  ArrowArray* array() { return &root_->array; }

 private:
  struct Node {
    ArrowSchema schema{};
    ArrowArray array{};
    std::string format;
    std::string name;
    std::vector<ArrowSchema*> schema_children;
    std::vector<ArrowArray*> array_children;
    std::vector<const void*> buffers;
  };

  Node& add_node(std::string format, std::string name, int64_t length,
                 std::vector<const void*> buffers, int64_t flags = 0);
  void link(Node& parent, Node& child);
  Node& add_strings(const StringColumn& s, std::string name, int64_t flags);
  Node& add_column(const Column& column);

  std::deque<Node> nodes_;  // a deque keeps node addresses stable as it grows
  Node* root_ = nullptr;
};

}  // namespace heeler::store::arrow
