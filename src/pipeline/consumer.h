// Where receivers hand their batches. A call returns ok only once the batch is
// durable (in the write-ahead log); `unavailable` means the pipeline is behind and
// the receiver should answer 429/503 with Retry-After (or count a UDP drop).
// Receivers never see the store.
#pragma once

#include "core/status.h"
#include "pipeline/signals.h"

namespace heeler::pipeline {

class Consumer {
 public:
  virtual ~Consumer() = default;
  virtual core::Status consume_logs(LogBatch&& batch) = 0;
  virtual core::Status consume_spans(SpanBatch&& batch) = 0;
  virtual core::Status consume_metrics(MetricBatch&& batch) = 0;
  virtual core::Status consume_events(EventBatch&& batch) = 0;
  virtual core::Status consume_rum(RumBatch&& batch) = 0;
};

// Seconds a client should wait before retrying after `unavailable`.
inline constexpr int kRetryAfterSeconds = 1;

}  // namespace heeler::pipeline
