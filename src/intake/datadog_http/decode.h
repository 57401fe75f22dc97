// Decoders for the Datadog HTTP intake bodies (already decompressed; JSON, and the
// Agent's protobuf for v2 series): logs, v1 and v2 series, v1 events and v1 check
// runs. Items of the wrong shape are skipped and reported; the rest is appended to the
// batch. A body that does not parse, or whose top level has the wrong shape, is an
// invalid_argument Status naming the position.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "pipeline/signals.h"

namespace heeler::intake {

struct DropReport {
  static constexpr size_t kMaxErrors = 5;
  uint64_t items = 0;               // kept
  uint64_t dropped = 0;             // skipped for their shape
  uint64_t clamped = 0;             // kept with their timestamp replaced by the receive time
  std::vector<std::string> errors;  // the first kMaxErrors reasons, in order
  std::map<std::string, uint64_t> by_reason;  // short reason → count

  void drop(std::string_view reason, std::string message);
};

// A JSON array of log objects, one object, or newline-delimited objects (the browser
// SDK). `default_source` (the ddsource query parameter) applies where no ddsource is.
core::Status decode_logs(std::string_view body, int64_t now_ns, pipeline::LogBatch& batch,
                         DropReport& report, std::string_view default_source = {});
core::Status decode_series_v1(std::string_view body, int64_t now_ns, pipeline::MetricBatch& batch,
                              DropReport& report);
core::Status decode_series_v2(std::string_view body, int64_t now_ns, pipeline::MetricBatch& batch,
                              DropReport& report);
// The Datadog Agent's /api/v2/series body (Content-Type application/x-protobuf, a
// datadog.agentpayload.MetricPayload), mapped as the JSON form: types COUNT → count,
// RATE → rate, GAUGE and UNSPECIFIED → gauge; each resource becomes a "type:name" tag
// (so a "host" resource fills the host column); timestamps in seconds, absurd ones
// replaced by the receive time. A body that does not parse is invalid_argument.
core::Status decode_series_v2_protobuf(std::string_view body, int64_t now_ns,
                                       pipeline::MetricBatch& batch, DropReport& report);
// One event; `event_json` receives the event as echoed in the answer.
core::Status decode_event(std::string_view body, int64_t now_ns, pipeline::EventBatch& batch,
                          DropReport& report, std::string& event_json);
// Browser RUM SDK events (POST /api/v2/rum): newline-delimited objects, or a JSON array
// or one object. Each object needs a string "type"; its nested fields are flattened to
// dotted attributes (numbers also kept as numbers, arrays as JSON text); `date` (ms)
// outside [0, now + 1 day] becomes the receive time. The unified service tags come from
// `service`, `version` and the event's `ddtags`.
core::Status decode_rum(std::string_view body, int64_t now_ns, pipeline::RumBatch& batch,
                        DropReport& report);
// An array of check runs (or one); each becomes an event with source "service_check".
core::Status decode_check_runs(std::string_view body, int64_t now_ns, pipeline::EventBatch& batch,
                               DropReport& report);

}  // namespace heeler::intake
