// The writer drains the write-ahead log into the store. It groups consecutive records
// (up to a row count or a time budget), merges batches of the same table, and inserts
// each with a deduplication token derived from the group's sequence range. The group
// is recorded before the insert, so after a crash the same group is replayed with the
// same token: the store keeps it exactly once.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>

#include "core/metrics.h"
#include "core/status.h"
#include "pipeline/wal.h"
#include "store/engine.h"

namespace heeler::pipeline {

struct WriterConfig {
  size_t max_group_records = 4096;
  uint64_t max_group_bytes = 64ull << 20;
  size_t max_group_rows = 200000;
  std::chrono::milliseconds max_group_wait{500};  // flush a partial group after this
  std::chrono::milliseconds retry_backoff{500};   // after a failed insert

  core::Status validate() const;
};

class Writer {
 public:
  Writer(WriterConfig config, WriteAheadLog& wal, store::Engine& engine, core::Metrics& metrics);
  ~Writer();  // stop()s
  // Replays a group left pending by a crash, then drains in a background thread.
  core::Status start();
  // Drains what is durable (up to `deadline`), then stops the thread. Safe twice.
  void stop(std::chrono::milliseconds deadline = std::chrono::milliseconds(3000));
  // Blocks until everything appended before the call is in the store (tests, shutdown).
  core::Status flush(std::chrono::milliseconds timeout);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace heeler::pipeline
