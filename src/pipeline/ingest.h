// The pipeline's front door: a Consumer that writes each batch to the WAL (waiting for
// its fsync) and counts what came in, what limits cut and what was refused.
#pragma once

#include <span>
#include <string_view>
#include <utility>

#include "core/metrics.h"
#include "pipeline/consumer.h"
#include "pipeline/wal.h"

namespace heeler::pipeline {

class DurableConsumer final : public Consumer {
 public:
  DurableConsumer(WriteAheadLog& wal, core::Metrics& metrics);
  core::Status consume_logs(LogBatch&& batch) override;
  core::Status consume_spans(SpanBatch&& batch) override;
  core::Status consume_metrics(MetricBatch&& batch) override;
  core::Status consume_events(EventBatch&& batch) override;
  core::Status consume_rum(RumBatch&& batch) override;

 private:
  // Appends the records (durable together), counting rows, truncations and refusals.
  core::Status store(
      std::string_view signal,
      std::span<const std::pair<std::string_view, const store::ColumnBatch*>> records, size_t rows,
      uint64_t truncated);
  WriteAheadLog& wal_;
  core::Metrics& metrics_;
};

}  // namespace heeler::pipeline
