// The write-ahead log: batches for a table, appended to segment files and fsynced in
// groups. append() returns once the record is on disk, so a receiver can answer 2xx;
// the writer (writer.h) drains records into the store and advances the checkpoint,
// after which whole segments are deleted. A crash loses nothing that was acknowledged.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/metrics.h"
#include "core/status.h"
#include "store/columns.h"

namespace heeler::pipeline {

struct WalConfig {
  std::filesystem::path dir;                // <data_dir>/wal
  uint64_t segment_bytes = 64ull << 20;     // roll to a new segment past this
  uint64_t max_pending_bytes = 1ull << 30;  // not yet drained → append() is unavailable
  std::chrono::microseconds group_commit_window{2000};  // gather appends for one fsync

  core::Status validate() const;
};

// One stored record: which table, its batch, and its position (sequence numbers start
// at 1 and increase by one per record, across segments and restarts).
struct WalRecord {
  uint64_t sequence = 0;
  std::string table;
  store::ColumnBatch batch;
};

class WriteAheadLog {
 public:
  static core::Result<std::unique_ptr<WriteAheadLog>> open(WalConfig config,
                                                           core::Metrics& metrics);
  virtual ~WriteAheadLog() = default;

  // Appends one record and waits until it is durable. Returns its sequence number;
  // `unavailable` when more than max_pending_bytes wait to be drained or the log is closing.
  virtual core::Result<uint64_t> append(std::string_view table,
                                        const store::ColumnBatch& batch) = 0;
  // Appends several records that become durable together (e.g. metric points + series).
  virtual core::Result<uint64_t> append_all(
      std::span<const std::pair<std::string_view, const store::ColumnBatch*>> records) = 0;

  // Reads durable records after `after_sequence`, at most `max_records`/`max_bytes`,
  // waiting up to `wait` for one to arrive. Empty when none arrived in time.
  virtual core::Result<std::vector<WalRecord>> read(uint64_t after_sequence, size_t max_records,
                                                    uint64_t max_bytes,
                                                    std::chrono::milliseconds wait) = 0;

  // Everything up to `sequence` is in the store: segments holding only such records go.
  virtual core::Status checkpoint(uint64_t sequence) = 0;
  virtual uint64_t checkpointed() const = 0;   // last checkpointed sequence (0: none)
  virtual uint64_t last_sequence() const = 0;  // last durable sequence
  virtual uint64_t pending_bytes() const = 0;  // appended but not checkpointed

  // The writer's group [first, last], persisted (fsynced) before it is inserted so a
  // restart replays exactly that range with the same deduplication tokens. Cleared by
  // a checkpoint at or past `last`. {0, 0}: none.
  virtual core::Status set_pending_group(uint64_t first, uint64_t last) = 0;
  virtual std::pair<uint64_t, uint64_t> pending_group() const = 0;

  // Wakes readers and refuses further appends. Safe twice.
  virtual void close() = 0;
};

// Serialises a batch to bytes and back (the WAL record payload; also fuzzed).
std::string encode_batch(const store::ColumnBatch& batch);
core::Result<store::ColumnBatch> decode_batch(std::string_view bytes);

}  // namespace heeler::pipeline
