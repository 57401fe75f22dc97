// Decoders for the Datadog tracer's msgpack payloads (private to datadog_apm; tests,
// the fuzz target and the benchmark use them directly). They check the whole payload's
// structure before calling the sink, and a payload with a wrong type anywhere answers
// invalid_argument naming the field and its position. Records hold views into `body`.
#pragma once

#include <cstddef>
#include <functional>
#include <string_view>

#include "core/status.h"
#include "pipeline/signals.h"

namespace heeler::intake {

enum class TraceFormat { v04, v05 };

inline constexpr size_t kMaxSpansPerPayload = 200000;

struct TraceDecodeOptions {
  std::string_view host;  // used when a span has no `_dd.hostname` meta
  size_t max_spans = kMaxSpansPerPayload;
};

using SpanSink = std::function<void(const pipeline::SpanRecord&)>;
using MetricSink = std::function<void(const pipeline::MetricPoint&)>;

// invalid_argument for malformed payloads, payload_too_large over max_spans.
core::Status decode_traces(TraceFormat format, std::string_view body,
                           const TraceDecodeOptions& options, const SpanSink& sink);

// /v0.6/stats: per group, trace.<Name>.hits / .errors (counts) and .duration (seconds,
// as a count), timestamped at the bucket start. `host` stands in for an empty Hostname.
core::Status decode_stats(std::string_view body, std::string_view host, const MetricSink& sink);

}  // namespace heeler::intake
