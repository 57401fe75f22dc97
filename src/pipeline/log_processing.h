// Turns loosely structured log input into a LogRecord: JSON objects are flattened
// into attributes ("a.b.c" keys, numbers and booleans as text, arrays as JSON text),
// well-known fields (message, status, timestamp, service, env, version, host, trace
// and span ids) fill the record's columns, and Datadog `ddtags` strings become tags.
// Pure functions over memory: no I/O. Strings the processor creates live in an arena
// it owns until the record is appended to a LogBatch.
#pragma once

#include <simdjson.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "pipeline/signals.h"

namespace heeler::pipeline {

// Datadog status name ("emergency" … "debug", "ok") for a level/status/severity text
// (case-insensitive: "ERROR", "warn", "fatal", "5", …); empty when not recognised.
std::string_view datadog_status(std::string_view level);
// The OTLP severity number (1–24) for a Datadog status name; 0 when unknown.
uint8_t severity_for_status(std::string_view status);

// Parses a timestamp: a number of seconds, milliseconds, microseconds or nanoseconds
// since the epoch (told apart by magnitude), as text, or RFC 3339 / ISO 8601 text
// ("2024-05-01T12:00:00.123Z", "+02:00" offsets). False when none of these.
bool parse_log_timestamp(std::string_view text, int64_t& out_ns);
bool log_timestamp_from_number(double value, int64_t& out_ns);

// A trace id given as decimal (Datadog, up to 2^64-1) or hex (16 or 32 digits). A run
// of digits is read as decimal unless it is 32 characters long.
bool parse_log_trace_id(std::string_view text, TraceId& out);
bool parse_log_span_id(std::string_view text, SpanId& out);

// Builds one record at a time. Usage per record: begin(); add_…(); finish(batch).
class LogProcessor {
 public:
  // `receive_ns`: the time the input arrived; timestamps before 1970 or more than a
  // day after it are replaced by it (and counted).
  explicit LogProcessor(int64_t receive_ns);
  LogProcessor(const LogProcessor&) = delete;
  LogProcessor& operator=(const LogProcessor&) = delete;

  void begin();
  LogRecord& record() { return record_; }

  // One named field. Well-known names fill the record; others become attributes.
  // `value` must stay valid until finish() (copy it with keep() otherwise).
  void add_field(std::string_view key, std::string_view value);
  // One JSON value under `key` (empty key: the value must be an object whose fields
  // are taken at the top level). Objects are flattened; arrays kept as JSON text.
  void add_json(std::string_view key, simdjson::dom::element value);
  // A log message: when it is a JSON object its fields are taken (its "message" or
  // "msg" becomes the message) and true is returned; otherwise it becomes the message.
  bool add_message(std::string_view message);
  // "k:v,k2:v2,bare": service/env/version/host fill their columns when still empty;
  // other tags become attributes (a bare tag with an empty value).
  void add_ddtags(std::string_view ddtags);

  // Completes the record (timestamp checks, attributes) and appends it. Returns false
  // when the timestamp had to be clamped to the receive time.
  bool finish(LogBatch& batch);

  // Copies text into the arena; the view stays valid until the next begin().
  std::string_view keep(std::string_view text);
  int64_t receive_ns() const { return receive_ns_; }

 private:
  void add_attribute(std::string_view key, std::string_view value);
  void flatten(std::string& key, simdjson::dom::element value, int depth);
  void set_timestamp_text(std::string_view text);

  int64_t receive_ns_;
  LogRecord record_;
  bool bad_timestamp_ = false;
  bool message_parsed_ = false;
  std::vector<Attribute> attributes_;
  std::vector<std::string> chunks_;  // the arena: each reserved once, never reallocated
  size_t chunk_index_ = 0;
  std::unique_ptr<simdjson::dom::parser> message_parser_;
  std::string scratch_key_;
};

}  // namespace heeler::pipeline
