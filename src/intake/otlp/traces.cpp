// ExportTraceServiceRequest → SpanBatch.
#include <fmt/format.h>

#include <cmath>
#include <cstring>

#include "intake/otlp/convert_common.h"
#include "intake/otlp/decode.h"

namespace heeler::intake::otlp {
namespace {

using namespace detail;
namespace trace = opentelemetry::proto::trace::v1;

// JSON text of events and links stays within what the batch keeps whole; string
// attribute values in it are cut like attribute values.
constexpr size_t kMaxJsonBytes = pipeline::Limits{}.max_message_bytes;
constexpr size_t kMaxJsonStringBytes = pipeline::Limits{}.max_value_bytes;

std::string_view kind_name(int kind) {
  switch (kind) {
    case trace::Span::SPAN_KIND_SERVER:
      return "server";
    case trace::Span::SPAN_KIND_CLIENT:
      return "client";
    case trace::Span::SPAN_KIND_PRODUCER:
      return "producer";
    case trace::Span::SPAN_KIND_CONSUMER:
      return "consumer";
    default:
      return "internal";  // SPAN_KIND_UNSPECIFIED is to be read as internal
  }
}

// What a span's attributes say about its resource, type and error.
struct SpanHints {
  std::string_view method, route, db_system, messaging_system;
  std::string_view resource_name;  // resource.name: the span's own choice
  std::string_view db_query, db_operation, db_collection;
  std::string_view messaging_operation, messaging_destination;
  std::string_view rpc_service, rpc_method;
  const common::AnyValue* status_code = nullptr;  // http.response.status_code
  bool has_legacy_status_code = false;            // http.status_code already present
  bool method_from_semconv = false;  // http.request.method seen (wins over http.method)
  bool error_message = false, error_type = false, error_stack = false;

  void note(std::string_view key, const common::AnyValue& value) {
    if (key.size() < 8) return;
    const bool text = value.value_case() == common::AnyValue::kStringValue;
    const std::string_view s = text ? std::string_view(value.string_value()) : std::string_view();
    switch (key[0]) {
      case 'h':
        if (key == "http.request.method") {
          method = s;
          method_from_semconv = true;
        } else if (key == "http.method") {
          if (!method_from_semconv) method = s;
        } else if (key == "http.route") {
          route = s;
        } else if (key == "http.response.status_code") {
          status_code = &value;
        } else if (key == "http.status_code") {
          has_legacy_status_code = true;
        }
        return;
      case 'd':
        if (key == "db.system.name" || (key == "db.system" && db_system.empty())) db_system = s;
        if (key == "db.query.text" || (key == "db.statement" && db_query.empty())) db_query = s;
        if (key == "db.operation.name" || (key == "db.operation" && db_operation.empty()))
          db_operation = s;
        if (key == "db.collection.name" || (key == "db.sql.table" && db_collection.empty()))
          db_collection = s;
        return;
      case 'm':
        if (key == "messaging.system") messaging_system = s;
        if (key == "messaging.operation.name" ||
            ((key == "messaging.operation.type" || key == "messaging.operation") &&
             messaging_operation.empty()))
          messaging_operation = s;
        if (key == "messaging.destination.name") messaging_destination = s;
        return;
      case 'r':
        if (key == "resource.name") resource_name = s;
        if (key == "rpc.service") rpc_service = s;
        if (key == "rpc.method") rpc_method = s;
        return;
      case 'e':
        if (key == "error.message") error_message = true;
        if (key == "error.type") error_type = true;
        if (key == "error.stack") error_stack = true;
        return;
      default:
        return;
    }
  }

  // Datadog's span types: web and http for HTTP servers and clients, sql (or the
  // store's own name) for databases, queue for messaging.
  std::string_view type(int kind) const {
    if (kind == trace::Span::SPAN_KIND_SERVER && !method.empty()) return "web";
    if (!db_system.empty()) {
      static constexpr std::string_view kSql[] = {"postgresql",  "mysql",      "mariadb",  "mssql",
                                                  "oracle",      "sqlite",     "db2",      "h2",
                                                  "cockroachdb", "clickhouse", "other_sql"};
      for (std::string_view sql : kSql)
        if (db_system == sql) return "sql";
      static constexpr std::string_view kNamed[] = {"redis",         "memcached", "cassandra",
                                                    "elasticsearch", "mongodb",   "opensearch"};
      for (std::string_view named : kNamed)
        if (db_system == named) return named;
      return "db";
    }
    if (!messaging_system.empty()) return "queue";
    if (kind == trace::Span::SPAN_KIND_CLIENT && !method.empty()) return "http";
    return "custom";
  }

  // Datadog's resource naming: the span's resource.name; "METHOD route" (or the method
  // alone) for HTTP; the query for databases; "operation destination" for messaging;
  // "service/method" for RPC. Empty: the span name stands in.
  void resource(int kind, std::string& out) const {
    out.clear();
    if (!resource_name.empty()) {
      out.assign(resource_name);
    } else if (!method.empty()) {
      out.assign(method);
      if (!route.empty() && kind == trace::Span::SPAN_KIND_SERVER) {
        out.push_back(' ');
        out.append(route);
      }
    } else if (!db_system.empty() && (!db_query.empty() || !db_operation.empty())) {
      if (!db_query.empty()) {
        out.assign(db_query.substr(0, 5000));
      } else {
        out.assign(db_operation);
        if (!db_collection.empty()) {
          out.push_back(' ');
          out.append(db_collection);
        }
      }
    } else if (!messaging_system.empty() && !messaging_operation.empty()) {
      out.assign(messaging_operation);
      if (!messaging_destination.empty()) {
        out.push_back(' ');
        out.append(messaging_destination);
      }
    } else if (!rpc_method.empty()) {
      if (!rpc_service.empty()) {
        out.assign(rpc_service);
        out.push_back('/');
      }
      out.append(rpc_method);
    }
  }
};

const common::AnyValue* find(const KeyValues& attributes, std::string_view key) {
  for (const common::KeyValue& kv : attributes)
    if (kv.key() == key) return &kv.value();
  return nullptr;
}

template <size_t N>
void copy_id(const std::string& bytes, std::array<uint8_t, N>& out) {
  std::memcpy(out.data(), bytes.data(), N);
}

class TraceConverter {
 public:
  TraceConverter(int64_t now_ns, pipeline::SpanBatch& batch, ExportResult& result)
      : now_ns_(now_ns), batch_(batch), result_(result) {}

  void run(const collector::trace::v1::ExportTraceServiceRequest& request) {
    for (int r = 0; r < request.resource_spans_size(); ++r) {
      const trace::ResourceSpans& rs = request.resource_spans(r);
      resource_arena_.reset();
      resource_.load(rs.resource(), resource_arena_, scratch_);
      for (int s = 0; s < rs.scope_spans_size(); ++s) {
        const trace::ScopeSpans& ss = rs.scope_spans(s);
        for (int i = 0; i < ss.spans_size(); ++i) convert(ss.spans(i), ss.scope(), r, s, i);
      }
    }
  }

 private:
  void reject(int r, int s, int i, std::string_view what) {
    result_.reject(fmt::format("resourceSpans[{}].scopeSpans[{}].spans[{}]: {}", r, s, i, what));
  }

  void convert(const trace::Span& span, const common::InstrumentationScope& scope, int r, int s,
               int i) {
    if (span.trace_id().size() != 16)
      return reject(r, s, i,
                    fmt::format("trace_id must be 16 bytes, not {}", span.trace_id().size()));
    if (span.span_id().size() != 8)
      return reject(r, s, i, fmt::format("span_id must be 8 bytes, not {}", span.span_id().size()));
    if (!span.parent_span_id().empty() && span.parent_span_id().size() != 8)
      return reject(r, s, i,
                    fmt::format("parent_span_id must be empty or 8 bytes, not {}",
                                span.parent_span_id().size()));
    pipeline::SpanRecord rec;
    copy_id(span.trace_id(), rec.trace_id);
    copy_id(span.span_id(), rec.span_id);
    if (pipeline::is_zero(rec.trace_id)) return reject(r, s, i, "trace_id is all zeros");
    if (pipeline::is_zero(rec.span_id)) return reject(r, s, i, "span_id is all zeros");
    if (!span.parent_span_id().empty()) copy_id(span.parent_span_id(), rec.parent_span_id);

    // An absurd start becomes the receive time with no duration; an end before the
    // start gives no duration. Both are kept and counted.
    const uint64_t start = span.start_time_unix_nano(), end = span.end_time_unix_nano();
    if (!plausible_time(start, now_ns_)) {
      rec.timestamp_ns = now_ns_;
      ++result_.clamped;
    } else {
      rec.timestamp_ns = static_cast<int64_t>(start);
      if (end >= start) {
        rec.duration_ns = end - start;
      } else {
        ++result_.clamped;
      }
    }

    span_arena_.reset();
    attributes_.clear();
    metrics_.clear();
    SpanHints hints;
    for (const common::KeyValue& kv : span.attributes()) {
      attributes_.push_back({kv.key(), value_text(kv.value(), span_arena_, scratch_)});
      double number = 0;
      if (numeric_value(kv.value(), number) && std::isfinite(number))
        metrics_.push_back({kv.key(), number});
      hints.note(kv.key(), kv.value());
    }
    // Datadog's name for the status code, so one search finds OTel and dd-trace spans.
    if (hints.status_code && !hints.has_legacy_status_code) {
      attributes_.push_back(
          {"http.status_code", value_text(*hints.status_code, span_arena_, scratch_)});
      double number = 0;
      if (numeric_value(*hints.status_code, number) && std::isfinite(number))
        metrics_.push_back({"http.status_code", number});
    }
    if (!scope.name().empty()) attributes_.push_back({"otel.scope.name", scope.name()});
    if (!scope.version().empty()) attributes_.push_back({"otel.scope.version", scope.version()});
    if (!span.trace_state().empty()) attributes_.push_back({"w3c.tracestate", span.trace_state()});

    const int code = span.status().code();
    rec.status_code = code >= 0 && code <= 2 ? static_cast<uint8_t>(code) : 0;
    rec.error = code == trace::Status::STATUS_CODE_ERROR;
    rec.status_message = span.status().message();
    if (rec.error) error_attributes(span, hints);

    write_events(span);
    write_links(span);

    const int kind = span.kind();
    rec.name = span.name();
    rec.kind = kind_name(kind);
    rec.type = hints.type(kind);
    hints.resource(kind, resource_name_);
    if (!resource_name_.empty()) rec.resource = resource_name_;
    rec.service = resource_.service;
    rec.env = resource_.env;
    rec.version = resource_.version;
    rec.host = resource_.host;
    rec.attributes = attributes_;
    rec.metrics = metrics_;
    rec.resource_attributes = resource_.attributes;
    rec.events_json = events_json_;
    rec.links_json = links_json_;
    batch_.append(rec);
    ++result_.accepted;
  }

  // Datadog's error.message / error.type / error.stack, from the first exception event
  // (the status message stands in for a missing exception message), unless the span
  // already has them.
  void error_attributes(const trace::Span& span, const SpanHints& hints) {
    const trace::Span::Event* exception = nullptr;
    for (const trace::Span::Event& event : span.events()) {
      if (event.name() == "exception") {
        exception = &event;
        break;
      }
    }
    auto add = [&](bool present, std::string_view key, std::string_view from) -> bool {
      if (present || exception == nullptr) return false;
      const common::AnyValue* value = find(exception->attributes(), from);
      if (value == nullptr) return false;
      const std::string_view text = value_text(*value, span_arena_, scratch_);
      if (text.empty()) return false;
      attributes_.push_back({key, text});
      return true;
    };
    if (!add(hints.error_message, "error.message", "exception.message") && !hints.error_message &&
        !span.status().message().empty())
      attributes_.push_back({"error.message", span.status().message()});
    add(hints.error_type, "error.type", "exception.type");
    add(hints.error_stack, "error.stack", "exception.stacktrace");
  }

  void write_events(const trace::Span& span) {
    events_json_.clear();
    if (span.events_size() == 0) return;
    events_json_.push_back('[');
    bool first = true;
    for (const trace::Span::Event& event : span.events()) {
      const size_t before = events_json_.size();
      if (!first) events_json_.push_back(',');
      fmt::format_to(std::back_inserter(events_json_),
                     "{{\"time_unix_nano\":{},\"name\":", event.time_unix_nano());
      append_json_string(events_json_, clip_utf8(event.name(), kMaxJsonStringBytes));
      events_json_ += ",\"attributes\":";
      append_json_object(events_json_, event.attributes(), kMaxJsonStringBytes);
      events_json_.push_back('}');
      if (events_json_.size() + 1 > kMaxJsonBytes) {  // kept whole: drop what does not fit
        events_json_.resize(before);
        break;
      }
      first = false;
    }
    events_json_.push_back(']');
  }

  void write_links(const trace::Span& span) {
    links_json_.clear();
    if (span.links_size() == 0) return;
    links_json_.push_back('[');
    bool first = true;
    for (const trace::Span::Link& link : span.links()) {
      const size_t before = links_json_.size();
      if (!first) links_json_.push_back(',');
      links_json_ += "{\"trace_id\":\"";
      append_hex(links_json_, link.trace_id().substr(0, 16));
      links_json_ += "\",\"span_id\":\"";
      append_hex(links_json_, link.span_id().substr(0, 8));
      links_json_ += '"';
      if (!link.trace_state().empty()) {
        links_json_ += ",\"trace_state\":";
        append_json_string(links_json_, clip_utf8(link.trace_state(), kMaxJsonStringBytes));
      }
      if (link.flags() != 0)
        fmt::format_to(std::back_inserter(links_json_), ",\"flags\":{}", link.flags());
      links_json_ += ",\"attributes\":";
      append_json_object(links_json_, link.attributes(), kMaxJsonStringBytes);
      links_json_.push_back('}');
      if (links_json_.size() + 1 > kMaxJsonBytes) {
        links_json_.resize(before);
        break;
      }
      first = false;
    }
    links_json_.push_back(']');
  }

  int64_t now_ns_;
  pipeline::SpanBatch& batch_;
  ExportResult& result_;
  ResourceInfo resource_;
  TextArena resource_arena_, span_arena_;
  std::string scratch_, resource_name_, events_json_, links_json_;
  std::vector<pipeline::Attribute> attributes_;
  std::vector<pipeline::NumericAttribute> metrics_;
};

}  // namespace

void convert_traces(const collector::trace::v1::ExportTraceServiceRequest& request, int64_t now_ns,
                    pipeline::SpanBatch& batch, ExportResult& result) {
  TraceConverter(now_ns, batch, result).run(request);
}

}  // namespace heeler::intake::otlp
