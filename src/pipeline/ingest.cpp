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

core::Status DurableConsumer::store(
    std::string_view signal,
    std::span<const std::pair<std::string_view, const store::ColumnBatch*>> records, size_t rows,
    uint64_t truncated) {
  if (rows == 0) return {};
  auto labels = signal_label(signal);
  if (truncated)
    metrics_
        .counter("heeler_intake_truncated_total", "Values and attributes cut by intake limits.",
                 labels)
        .inc(truncated);
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
      .inc(rows);
  return {};
}

core::Status DurableConsumer::consume_logs(LogBatch&& batch) {
  const std::pair<std::string_view, const store::ColumnBatch*> records[] = {
      {LogBatch::kTable, &batch.columns()}};
  return store("logs", records, batch.size(), batch.truncated());
}

core::Status DurableConsumer::consume_spans(SpanBatch&& batch) {
  const std::pair<std::string_view, const store::ColumnBatch*> records[] = {
      {SpanBatch::kTable, &batch.columns()}};
  return store("spans", records, batch.size(), batch.truncated());
}

core::Status DurableConsumer::consume_metrics(MetricBatch&& batch) {
  std::vector<std::pair<std::string_view, const store::ColumnBatch*>> records = {
      {MetricBatch::kPointsTable, &batch.points()}};
  if (batch.series().rows() > 0) records.emplace_back(MetricBatch::kSeriesTable, &batch.series());
  return store("metrics", records, batch.size(), batch.truncated());
}

core::Status DurableConsumer::consume_events(EventBatch&& batch) {
  const std::pair<std::string_view, const store::ColumnBatch*> records[] = {
      {EventBatch::kTable, &batch.columns()}};
  return store("events", records, batch.size(), batch.truncated());
}

core::Status DurableConsumer::consume_rum(RumBatch&& batch) {
  const std::pair<std::string_view, const store::ColumnBatch*> records[] = {
      {RumBatch::kTable, &batch.columns()}};
  return store("rum", records, batch.size(), batch.truncated());
}

}  // namespace heeler::pipeline
