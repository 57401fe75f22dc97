// ExportLogsServiceRequest → LogBatch, through the shared log processor (JSON
// message bodies become attributes, well-known fields fill columns).
#include <cstring>

#include "intake/otlp/convert_common.h"
#include "intake/otlp/decode.h"
#include "pipeline/log_processing.h"

namespace heeler::intake::otlp {
namespace {

using namespace detail;
namespace logs = opentelemetry::proto::logs::v1;

// Map bodies nested deeper than this keep the rest as JSON text.
constexpr int kMaxFlattenDepth = 32;
// Fields handed to the log processor per record (it merges repeated keys, so each
// field costs a pass over those before it); the batch keeps fewer anyway.
constexpr size_t kMaxFields = 4 * pipeline::Limits{}.max_attributes;

// OTLP severity number (1–24) → a level name the log processor maps to a status.
std::string_view severity_level(int number) {
  static constexpr std::string_view kLevels[] = {"trace", "debug", "info",
                                                 "warn",  "error", "fatal"};
  return kLevels[(number - 1) / 4];
}

class LogConverter {
 public:
  LogConverter(int64_t now_ns, pipeline::LogBatch& batch, ExportResult& result)
      : now_ns_(now_ns), processor_(now_ns), batch_(batch), result_(result) {}

  void run(const collector::logs::v1::ExportLogsServiceRequest& request) {
    for (const logs::ResourceLogs& rl : request.resource_logs()) {
      resource_arena_.reset();
      resource_.load(rl.resource(), resource_arena_, scratch_);
      for (const logs::ScopeLogs& sl : rl.scope_logs())
        for (const logs::LogRecord& log : sl.log_records()) convert(log, sl.scope());
    }
  }

 private:
  void convert(const logs::LogRecord& log, const common::InstrumentationScope& scope) {
    processor_.begin();
    record_arena_.reset();
    pipeline::LogRecord& rec = processor_.record();
    rec.service = resource_.service;
    rec.env = resource_.env;
    rec.version = resource_.version;
    rec.host = resource_.host;
    rec.resource_attributes = resource_.attributes;
    if (log.trace_id().size() == 16) std::memcpy(rec.trace_id.data(), log.trace_id().data(), 16);
    if (log.span_id().size() == 8) std::memcpy(rec.span_id.data(), log.span_id().data(), 8);

    fields_ = 0;
    for (const common::KeyValue& kv : log.attributes())
      add_field(kv.key(), value_text(kv.value(), record_arena_, scratch_));
    if (!scope.name().empty()) processor_.add_field("otel.scope.name", scope.name());
    if (!scope.version().empty()) processor_.add_field("otel.scope.version", scope.version());
    if (!log.event_name().empty()) processor_.add_field("event.name", log.event_name());
    if (!log.severity_text().empty())
      processor_.add_field("otel.severity_text", log.severity_text());
    body(log.body());

    // The record's own time wins over a timestamp found in its body; an absurd one
    // becomes the receive time (the processor replaces negative times, counted).
    const uint64_t time =
        log.time_unix_nano() != 0 ? log.time_unix_nano() : log.observed_time_unix_nano();
    if (time != 0)
      rec.timestamp_ns = plausible_time(time, now_ns_) ? static_cast<int64_t>(time) : -1;
    severity(log, rec);
    if (!processor_.finish(batch_)) ++result_.clamped;
    ++result_.accepted;
  }

  void body(const common::AnyValue& value) {
    switch (value.value_case()) {
      case common::AnyValue::kStringValue:
        processor_.add_message(value.string_value());
        return;
      case common::AnyValue::kKvlistValue:
        key_.clear();
        flatten(value.kvlist_value(), 0);
        return;
      case common::AnyValue::VALUE_NOT_SET:
        return;
      default:
        processor_.record().message = value_text(value, record_arena_, scratch_);
    }
  }

  void flatten(const common::KeyValueList& list, int depth) {
    for (const common::KeyValue& kv : list.values()) {
      const size_t base = key_.size();
      if (base > 0) key_.push_back('.');
      key_.append(kv.key());
      if (kv.value().value_case() == common::AnyValue::kKvlistValue && depth < kMaxFlattenDepth) {
        flatten(kv.value().kvlist_value(), depth + 1);
      } else {
        const std::string_view text = value_text(kv.value(), record_arena_, scratch_);
        add_field(record_arena_.keep(key_), text);
      }
      key_.resize(base);
    }
  }

  void add_field(std::string_view key, std::string_view value) {
    if (fields_++ < kMaxFields) processor_.add_field(key, value);
  }

  static void severity(const logs::LogRecord& log, pipeline::LogRecord& rec) {
    const int number = log.severity_number();
    if (number >= 1 && number <= 24) {
      rec.status = pipeline::datadog_status(severity_level(number));
      rec.severity_number = static_cast<uint8_t>(number);
      return;
    }
    if (const std::string_view status = pipeline::datadog_status(log.severity_text());
        !status.empty()) {
      rec.status = status;
      rec.severity_number = pipeline::severity_for_status(status);
    }
  }

  int64_t now_ns_;
  pipeline::LogProcessor processor_;
  pipeline::LogBatch& batch_;
  ExportResult& result_;
  ResourceInfo resource_;
  TextArena resource_arena_, record_arena_;
  std::string scratch_, key_;
  size_t fields_ = 0;
};

}  // namespace

void convert_logs(const collector::logs::v1::ExportLogsServiceRequest& request, int64_t now_ns,
                  pipeline::LogBatch& batch, ExportResult& result) {
  LogConverter(now_ns, batch, result).run(request);
}

}  // namespace heeler::intake::otlp
