// OTLP/JSON → protobuf message (private to intake/otlp), by reflection over any
// message type. The mapping is protobuf's JSON mapping with OTLP's exceptions:
//  - keys are the lowerCamelCase JSON names, the original snake_case names are also
//    accepted, unknown keys are ignored;
//  - bytes fields named trace_id, span_id and parent_span_id are hex strings, other
//    bytes fields base64 (standard or URL-safe alphabet, padding optional);
//  - enums are integers or their value names;
//  - 64-bit integers are JSON strings or numbers, read exactly (never via double);
//  - doubles are numbers, numeric strings, "NaN", "Infinity" or "-Infinity";
//  - null is the field's default.
// Errors are invalid_argument naming the JSON path, e.g.
// "resourceSpans[0].scopeSpans[0].spans[2].startTimeUnixNano: expected an integer".
#pragma once

#include <google/protobuf/message.h>

#include <string_view>

#include "core/status.h"

namespace heeler::intake::otlp::detail {

// Messages nested deeper than this are refused.
inline constexpr int kMaxJsonDepth = 64;

core::Status parse_json(std::string_view body, google::protobuf::Message& message);

}  // namespace heeler::intake::otlp::detail
