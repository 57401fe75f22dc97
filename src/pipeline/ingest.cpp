#include "pipeline/ingest.h"

#include <string>
#include <utility>
#include <vector>

namespace heeler::pipeline {
namespace {

core::Labels signal_label(std::string_view signal) {
  return {{"signal", std::string(signal)}};
}

}  // namespace

DurableConsumer::DurableConsumer(WriteAheadLog& wal, core::Metrics& metrics)
    : wal_(wal), metrics_(metrics) {}

core::Status DurableConsumer::store(std::string_view signal, std::string_view table,
                                    const store::ColumnBatch& batch, uint64_t truncated) {
  if (batch.rows() == 0) return {};
  auto labels = signal_label(signal);
  if (truncated)
    metrics_
        .counter("heeler_intake_truncated_total", "Values and attributes cut by intake limits.",
                 labels)
        .inc(truncated);
  auto appended = wal_.append(table, batch);
  if (!appended) {
    metrics_
        .counter("heeler_intake_rejected_total", "Intake batches the write-ahead log refused.",
                 labels)
        .inc();
    return appended.status();
  }
  metrics_
      .counter("heeler_intake_records_total", "Records accepted into the write-ahead log.", labels)
      .inc(batch.rows());
  return {};
}

core::Status DurableConsumer::consume_logs(LogBatch&& batch) {
  return store("logs", LogBatch::kTable, batch.columns(), batch.truncated());
}

core::Status DurableConsumer::consume_spans(SpanBatch&& batch) {
  return store("spans", SpanBatch::kTable, batch.columns(), batch.truncated());
}

core::Status DurableConsumer::consume_metrics(MetricBatch&& batch) {
  if (batch.size() == 0) return {};
  auto labels = signal_label("metrics");
  if (batch.truncated())
    metrics_
        .counter("heeler_intake_truncated_total", "Values and attributes cut by intake limits.",
                 labels)
        .inc(batch.truncated());
  std::vector<std::pair<std::string_view, const store::ColumnBatch*>> records;
  records.emplace_back(MetricBatch::kPointsTable, &batch.points());
  if (batch.series().rows() > 0) records.emplace_back(MetricBatch::kSeriesTable, &batch.series());
  auto appended = wal_.append_all(records);
  if (!appended) {
    metrics_
        .counter("heeler_intake_rejected_total", "Intake batches the write-ahead log refused.",
                 labels)
        .inc();
    return appended.status();
  }
  metrics_
      .counter("heeler_intake_records_total", "Records accepted into the write-ahead log.", labels)
      .inc(batch.size());
  return {};
}

core::Status DurableConsumer::consume_events(EventBatch&& batch) {
  return store("events", EventBatch::kTable, batch.columns(), batch.truncated());
}

}  // namespace heeler::pipeline
