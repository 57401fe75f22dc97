// OTLP decoding: spans per second per core from one ExportTraceServiceRequest of 1,000
// spans shaped like the OpenTelemetry JS SDK's (100 traces of 10 nested spans, 10–15
// attributes each, the SDK's resource attributes), as protobuf and as OTLP/JSON, into
// a pipeline::SpanBatch; against libprotobuf parsing the same bytes into an arena
// message only. Also a metrics request of 1,000 data points (gauges, cumulative
// counters, histograms). Median of 9 rounds of each, interleaved.
#include <fmt/format.h>
#include <google/protobuf/arena.h>
#include <google/protobuf/util/json_util.h>
#include <simdjson.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "intake/otlp/decode.h"

namespace {

using namespace heeler;
using namespace heeler::intake::otlp;
using Clock = std::chrono::steady_clock;
namespace common = opentelemetry::proto::common::v1;
namespace trace = opentelemetry::proto::trace::v1;
namespace metrics = opentelemetry::proto::metrics::v1;
using TraceRequest = collector::trace::v1::ExportTraceServiceRequest;
using MetricsRequest = collector::metrics::v1::ExportMetricsServiceRequest;

constexpr int kTraces = 100;
constexpr int kSpansPerTrace = 10;
constexpr int kRounds = 9;
constexpr int kIterations = 40;  // request decodes per round
constexpr int64_t kNow = 1'795'330'800'000'000'000;

using Attributes = google::protobuf::RepeatedPtrField<common::KeyValue>;

void add(Attributes& a, const std::string& key, const std::string& value) {
  common::KeyValue* kv = a.Add();
  kv->set_key(key);
  kv->mutable_value()->set_string_value(value);
}

void add(Attributes& a, const std::string& key, int64_t value) {
  common::KeyValue* kv = a.Add();
  kv->set_key(key);
  kv->mutable_value()->set_int_value(value);
}

std::string id_bytes(uint64_t a, uint64_t b, size_t n) {
  std::string out(n, '\0');
  for (size_t i = 0; i < n; ++i)
    out[i] = static_cast<char>((i < 8 ? a >> (8 * i) : b >> (8 * (i - 8))) & 0xFF);
  return out;
}

void js_resource(opentelemetry::proto::resource::v1::Resource& r) {
  Attributes& a = *r.mutable_attributes();
  add(a, "service.name", "checkout");
  add(a, "service.version", "2.14.1");
  add(a, "deployment.environment.name", "production");
  add(a, "host.name", "checkout-7d9f8b6c5-x2klp");
  add(a, "host.arch", "amd64");
  add(a, "process.pid", 9874);
  add(a, "process.executable.name", "node");
  add(a, "process.runtime.name", "nodejs");
  add(a, "process.runtime.version", "20.20.2");
  add(a, "telemetry.sdk.language", "nodejs");
  add(a, "telemetry.sdk.name", "opentelemetry");
  add(a, "telemetry.sdk.version", "2.12.1");
}

TraceRequest trace_request() {
  TraceRequest request;
  trace::ResourceSpans* rs = request.add_resource_spans();
  js_resource(*rs->mutable_resource());
  trace::ScopeSpans* ss = rs->add_scope_spans();
  ss->mutable_scope()->set_name("@opentelemetry/instrumentation-http");
  ss->mutable_scope()->set_version("0.223.1");
  uint64_t id = 0x2acd8f3e1b9a4c77ull;
  for (int t = 0; t < kTraces; ++t) {
    ++id;
    const std::string trace_id = id_bytes(id * 2654435761ull, id * 40503ull, 16);
    std::vector<std::string> span_ids;
    const int64_t start = kNow - 60'000'000'000 + t * 1'000'000;
    for (int s = 0; s < kSpansPerTrace; ++s) {
      trace::Span* span = ss->add_spans();
      span->set_trace_id(trace_id);
      span_ids.push_back(id_bytes(++id * 40503ull, 0, 8));
      span->set_span_id(span_ids.back());
      if (s > 0) span->set_parent_span_id(span_ids[s < 4 ? 0 : s / 2]);
      span->set_flags(257);
      span->set_start_time_unix_nano(start + s * 1000);
      span->set_end_time_unix_nano(start + s * 1000 + 186'279 + s * 1000);
      Attributes& a = *span->mutable_attributes();
      if (s == 0) {
        span->set_name("GET /api/orders/:id");
        span->set_kind(trace::Span::SPAN_KIND_SERVER);
        add(a, "http.request.method", "GET");
        add(a, "url.scheme", "http");
        add(a, "url.path", "/api/orders/" + std::to_string(t));
        add(a, "http.route", "/api/orders/:id");
        add(a, "server.address", "checkout.internal");
        add(a, "server.port", 8080);
        add(a, "network.protocol.version", "1.1");
        add(a, "network.peer.address", "10.0.3.17");
        add(a, "network.peer.port", 51234 + t);
        add(a, "client.address", "10.0.3.17");
        add(a, "user_agent.original", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36");
        add(a, "http.response.status_code", 200);
        add(a, "customer.id", "cust-" + std::to_string(t * 31));
      } else if (s % 3 == 0) {
        span->set_name("pg.query:SELECT orders");
        span->set_kind(trace::Span::SPAN_KIND_CLIENT);
        add(a, "db.system.name", "postgresql");
        add(a, "db.namespace", "orders");
        add(a, "db.operation.name", "SELECT");
        add(a, "db.query.text", "SELECT id, total, status FROM orders WHERE customer_id = $1");
        add(a, "db.user", "checkout");
        add(a, "server.address", "pg.internal");
        add(a, "server.port", 5432);
        add(a, "network.peer.address", "10.0.9.4");
        add(a, "network.peer.port", 5432);
        add(a, "db.response.returned_rows", s);
      } else if (s % 3 == 1) {
        span->set_name("GET");
        span->set_kind(trace::Span::SPAN_KIND_CLIENT);
        add(a, "http.request.method", "GET");
        add(a, "url.full", "http://inventory.internal:8080/api/v2/inventory/items?limit=50");
        add(a, "url.scheme", "http");
        add(a, "server.address", "inventory.internal");
        add(a, "server.port", 8080);
        add(a, "network.protocol.version", "1.1");
        add(a, "network.peer.address", "10.0.4.2");
        add(a, "network.peer.port", 8080);
        add(a, "http.response.status_code", s == 7 ? 503 : 200);
        add(a, "http.response.header.content-length", "1834");
        add(a, "user_agent.original", "node");
      } else {
        span->set_name("checkout.compute_total");
        span->set_kind(trace::Span::SPAN_KIND_INTERNAL);
        add(a, "code.function.name", "computeTotal");
        add(a, "code.file.path", "/app/src/checkout/total.js");
        add(a, "code.line.number", 42 + s);
        add(a, "cart.items", 3 + s);
        common::KeyValue* total = a.Add();
        total->set_key("cart.total");
        total->mutable_value()->set_double_value(42.5 + s);
        add(a, "currency", "EUR");
        add(a, "promotion", "none");
        add(a, "team", "payments");
        add(a, "feature.flag", "new-pricing");
        add(a, "customer.tier", "gold");
      }
      if (s == 7) {
        span->mutable_status()->set_code(trace::Status::STATUS_CODE_ERROR);
        span->mutable_status()->set_message("Service Unavailable");
        trace::Span::Event* event = span->add_events();
        event->set_name("exception");
        event->set_time_unix_nano(start + s * 1000 + 100'000);
        add(*event->mutable_attributes(), "exception.type", "Error");
        add(*event->mutable_attributes(), "exception.message", "Service Unavailable");
        add(*event->mutable_attributes(), "exception.stacktrace",
            "Error: Service Unavailable\n    at ClientRequest.<anonymous> "
            "(/app/src/inventory.js:31:19)"
            "\n    at ClientRequest.emit (node:events:517:28)");
      }
    }
  }
  return request;
}

// `time` is the points' time; `more` is added to every cumulative value (a later
// export of the same series).
MetricsRequest metrics_request(int64_t time, uint64_t more) {
  MetricsRequest request;
  metrics::ResourceMetrics* rm = request.add_resource_metrics();
  js_resource(*rm->mutable_resource());
  metrics::ScopeMetrics* sm = rm->add_scope_metrics();
  sm->mutable_scope()->set_name("checkout-meter");
  const int64_t start = kNow - 600'000'000'000;
  auto attrs = [](Attributes& a, int i) {
    add(a, "http.route", "/api/route/" + std::to_string(i % 25));
    add(a, "http.request.method", i % 2 ? "GET" : "POST");
    add(a, "http.response.status_code", 200 + i % 3);
  };
  // 400 gauge points, 400 cumulative counter points, 200 histogram points.
  for (int m = 0; m < 10; ++m) {
    metrics::Metric* g = sm->add_metrics();
    g->set_name("process.memory.usage." + std::to_string(m));
    for (int i = 0; i < 40; ++i) {
      metrics::NumberDataPoint* p = g->mutable_gauge()->add_data_points();
      p->set_start_time_unix_nano(start);
      p->set_time_unix_nano(time);
      p->set_as_double(1024.5 * i);
      attrs(*p->mutable_attributes(), i);
    }
    metrics::Metric* c = sm->add_metrics();
    c->set_name("http.server.requests." + std::to_string(m));
    c->mutable_sum()->set_is_monotonic(true);
    c->mutable_sum()->set_aggregation_temporality(metrics::AGGREGATION_TEMPORALITY_CUMULATIVE);
    for (int i = 0; i < 40; ++i) {
      metrics::NumberDataPoint* p = c->mutable_sum()->add_data_points();
      p->set_start_time_unix_nano(start);
      p->set_time_unix_nano(time);
      p->set_as_int(1000 + i + static_cast<int64_t>(more));
      attrs(*p->mutable_attributes(), i);
    }
    metrics::Metric* h = sm->add_metrics();
    h->set_name("http.server.request.duration." + std::to_string(m));
    h->mutable_histogram()->set_aggregation_temporality(
        metrics::AGGREGATION_TEMPORALITY_CUMULATIVE);
    for (int i = 0; i < 20; ++i) {
      metrics::HistogramDataPoint* p = h->mutable_histogram()->add_data_points();
      p->set_start_time_unix_nano(start);
      p->set_time_unix_nano(time);
      for (double b : {0.0, 5.0, 10.0, 25.0, 50.0, 75.0, 100.0, 250.0, 500.0, 750.0, 1000.0, 2500.0,
                       5000.0, 7500.0, 10000.0})
        p->add_explicit_bounds(b);
      uint64_t count = 0;
      for (int b = 0; b < 16; ++b) {
        const uint64_t n = (b * 7 + i) % 5 + more;
        p->add_bucket_counts(n);
        count += n;
      }
      p->set_count(count);
      p->set_sum(123.5 * count);
      p->set_min(1);
      p->set_max(9000);
      attrs(*p->mutable_attributes(), i);
    }
  }
  return request;
}

// OTLP/JSON as the JS SDK writes it: libprotobuf's JSON with enums as numbers, then
// the id fields turned from base64 into hex.
void hex_ids(nlohmann::json& j) {
  if (j.is_object()) {
    for (auto& [key, value] : j.items()) {
      if ((key == "traceId" || key == "spanId" || key == "parentSpanId") && value.is_string()) {
        std::string bytes;
        std::string b64 = value.get<std::string>();
        uint32_t acc = 0;
        int bits = 0;
        for (char c : b64) {
          int d = c >= 'A' && c <= 'Z'   ? c - 'A'
                  : c >= 'a' && c <= 'z' ? c - 'a' + 26
                  : c >= '0' && c <= '9' ? c - '0' + 52
                  : c == '+'             ? 62
                  : c == '/'             ? 63
                                         : -1;
          if (d < 0) continue;
          acc = acc << 6 | static_cast<uint32_t>(d);
          bits += 6;
          if (bits >= 8) {
            bits -= 8;
            bytes.push_back(static_cast<char>(acc >> bits & 0xFF));
          }
        }
        std::string hex;
        for (unsigned char b : bytes) hex += fmt::format("{:02x}", b);
        value = hex;
      } else {
        hex_ids(value);
      }
    }
  } else if (j.is_array()) {
    for (auto& item : j) hex_ids(item);
  }
}

std::string to_otlp_json(const google::protobuf::Message& message) {
  google::protobuf::util::JsonPrintOptions options;
  options.always_print_enums_as_ints = true;
  std::string json;
  if (!google::protobuf::util::MessageToJsonString(message, &json, options).ok()) std::exit(1);
  nlohmann::json j = nlohmann::json::parse(json);
  hex_ids(j);
  return j.dump();
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

struct Path {
  std::string name;
  std::function<size_t()> run;  // one decode; returns items produced
  std::vector<double> times;
};

void measure(std::vector<Path>& paths) {
  size_t checked = 0;
  for (int round = 0; round < kRounds; ++round) {
    for (Path& p : paths) {
      const auto start = Clock::now();
      for (int i = 0; i < kIterations; ++i) checked += p.run();
      p.times.push_back(std::chrono::duration<double>(Clock::now() - start).count() / kIterations);
    }
  }
  if (checked == 0) std::exit(1);
}

void fail(const core::Status& s) {
  fmt::print(stderr, "otlp_bench: {}\n", s.to_string());
  std::exit(1);
}

}  // namespace

int main() {
  const TraceRequest traces = trace_request();
  const std::string traces_pb = traces.SerializeAsString();
  const std::string traces_json = to_otlp_json(traces);
  const MetricsRequest metrics_req = metrics_request(kNow - 11'000'000'000, 0);
  const std::string metrics_later_pb =
      metrics_request(kNow - 1'000'000'000, 10).SerializeAsString();
  const std::string metrics_pb = metrics_req.SerializeAsString();
  const std::string metrics_json = to_otlp_json(metrics_req);
  const size_t spans = size_t(kTraces) * kSpansPerTrace;
  const size_t points = 1000;

  std::vector<Path> paths;
  paths.push_back({"(b) protobuf: ParseFromArray into an arena message only", [&] {
                     google::protobuf::Arena arena;
                     auto* m = google::protobuf::Arena::CreateMessage<TraceRequest>(&arena);
                     if (!m->ParseFromArray(traces_pb.data(), int(traces_pb.size()))) std::exit(1);
                     return size_t(m->resource_spans(0).scope_spans(0).spans_size());
                   }});
  paths.push_back({"(c) protobuf: parse_request + convert_traces → SpanBatch", [&] {
                     google::protobuf::Arena arena;
                     auto* m = google::protobuf::Arena::CreateMessage<TraceRequest>(&arena);
                     if (core::Status s = parse_request(traces_pb, Encoding::protobuf, *m); !s.ok())
                       fail(s);
                     pipeline::SpanBatch batch;
                     ExportResult result;
                     convert_traces(*m, kNow, batch, result);
                     return batch.size();
                   }});
  paths.push_back({"(d) JSON: simdjson DOM parse only", [&] {
                     simdjson::dom::parser parser;
                     simdjson::dom::element root;
                     if (parser.parse(traces_json).get(root) != simdjson::SUCCESS) std::exit(1);
                     return size_t(1);
                   }});
  paths.push_back({"(e) JSON: libprotobuf JsonStringToMessage (ids read as base64)", [&] {
                     google::protobuf::Arena arena;
                     auto* m = google::protobuf::Arena::CreateMessage<TraceRequest>(&arena);
                     if (!google::protobuf::util::JsonStringToMessage(traces_json, m).ok())
                       std::exit(1);
                     return size_t(m->resource_spans_size());
                   }});
  paths.push_back({"(f) JSON: parse_request only", [&] {
                     google::protobuf::Arena arena;
                     auto* m = google::protobuf::Arena::CreateMessage<TraceRequest>(&arena);
                     if (core::Status s = parse_request(traces_json, Encoding::json, *m); !s.ok())
                       fail(s);
                     return size_t(m->resource_spans(0).scope_spans(0).spans_size());
                   }});
  paths.push_back({"(g) JSON: parse_request + convert_traces → SpanBatch", [&] {
                     google::protobuf::Arena arena;
                     auto* m = google::protobuf::Arena::CreateMessage<TraceRequest>(&arena);
                     if (core::Status s = parse_request(traces_json, Encoding::json, *m); !s.ok())
                       fail(s);
                     pipeline::SpanBatch batch;
                     ExportResult result;
                     convert_traces(*m, kNow, batch, result);
                     return batch.size();
                   }});
  measure(paths);

  size_t metric_points = 0;
  std::vector<Path> mpaths;
  mpaths.push_back({"(b) protobuf: ParseFromArray into an arena message only", [&] {
                      google::protobuf::Arena arena;
                      auto* m = google::protobuf::Arena::CreateMessage<MetricsRequest>(&arena);
                      if (!m->ParseFromArray(metrics_pb.data(), int(metrics_pb.size())))
                        std::exit(1);
                      return size_t(m->resource_metrics_size());
                    }});
  auto convert_metrics_body = [&](const std::string& body, Encoding encoding) {
    google::protobuf::Arena arena;
    auto* m = google::protobuf::Arena::CreateMessage<MetricsRequest>(&arena);
    if (core::Status s = parse_request(body, encoding, *m); !s.ok()) fail(s);
    // A fresh converter: every series is new and its first point whole (the costlier
    // case: map insertions and every bucket emitted).
    pipeline::CumulativeToDelta deltas(kNow - 3'600'000'000'000);
    pipeline::MetricBatch batch;
    ExportResult result;
    convert_metrics(*m, MetricContext{&deltas, kNow}, batch, result);
    if (result.accepted != points) std::exit(1);
    metric_points = batch.size();
    return batch.size();
  };
  mpaths.push_back({"(c) protobuf: parse_request + convert_metrics → MetricBatch",
                    [&] { return convert_metrics_body(metrics_pb, Encoding::protobuf); }});
  mpaths.push_back({"(f) JSON: parse_request only", [&] {
                      google::protobuf::Arena arena;
                      auto* m = google::protobuf::Arena::CreateMessage<MetricsRequest>(&arena);
                      if (core::Status s = parse_request(metrics_json, Encoding::json, *m); !s.ok())
                        fail(s);
                      return size_t(m->resource_metrics_size());
                    }});
  mpaths.push_back({"(g) JSON: parse_request + convert_metrics → MetricBatch",
                    [&] { return convert_metrics_body(metrics_json, Encoding::json); }});
  measure(mpaths);

  // Steady state: per iteration a fresh converter sees one export (not timed), then the
  // next export of the same series (timed): lookups, deltas, every point stored.
  size_t steady_points = 0;
  std::vector<double> steady_times;
  for (int round = 0; round < kRounds; ++round) {
    double total = 0;
    for (int i = 0; i < kIterations; ++i) {
      pipeline::CumulativeToDelta deltas(kNow - 3'600'000'000'000);
      {
        MetricsRequest first;
        if (core::Status s = parse_request(metrics_pb, Encoding::protobuf, first); !s.ok()) fail(s);
        pipeline::MetricBatch batch;
        ExportResult result;
        convert_metrics(first, MetricContext{&deltas, kNow}, batch, result);
      }
      const auto start = Clock::now();
      google::protobuf::Arena arena;
      auto* m = google::protobuf::Arena::CreateMessage<MetricsRequest>(&arena);
      if (core::Status s = parse_request(metrics_later_pb, Encoding::protobuf, *m); !s.ok())
        fail(s);
      pipeline::MetricBatch batch;
      ExportResult result;
      convert_metrics(*m, MetricContext{&deltas, kNow}, batch, result);
      total += std::chrono::duration<double>(Clock::now() - start).count();
      steady_points = batch.size();
    }
    steady_times.push_back(total / kIterations);
  }

  auto table = [](const std::vector<Path>& ps, size_t items, const char* unit,
                  const std::string& pb, const std::string& json) {
    fmt::print("| path | per request | {}/s/core | MB/s |\n|---|---|---|---|\n", unit);
    for (const Path& p : ps) {
      const double t = median(p.times);
      const size_t bytes = p.name.find("JSON") != std::string::npos ? json.size() : pb.size();
      fmt::print("| {} | {:.3f} ms | {:.2f}M | {:.0f} |\n", p.name, t * 1e3, items / t / 1e6,
                 bytes / t / 1e6);
    }
  };
  auto t = [](const std::vector<Path>& ps, char tag) {
    for (const Path& p : ps)
      if (p.name[1] == tag) return median(p.times);
    return 0.0;
  };

  fmt::print(
      "\n## OTLP traces decode ({} spans; protobuf {:.0f} KB, JSON {:.0f} KB; median of {} "
      "rounds × {})\n\n",
      spans, traces_pb.size() / 1024.0, traces_json.size() / 1024.0, kRounds, kIterations);
  table(paths, spans, "spans", traces_pb, traces_json);
  fmt::print("\n| ratio | value |\n|---|---|\n");
  fmt::print("| (c)/(b) time: protobuf decode + convert against the bare parse | {:.2f} |\n",
             t(paths, 'c') / t(paths, 'b'));
  fmt::print("| (g)/(c) time: JSON against protobuf, end to end | {:.2f} |\n",
             t(paths, 'g') / t(paths, 'c'));
  fmt::print("| (f)/(e) time: our JSON mapping against libprotobuf's JSON parser | {:.2f} |\n",
             t(paths, 'f') / t(paths, 'e'));
  fmt::print("| (f)/(d) time: our JSON mapping against the bare simdjson parse | {:.2f} |\n",
             t(paths, 'f') / t(paths, 'd'));

  fmt::print(
      "\n## OTLP metrics decode ({} data points → {} stored points; protobuf {:.0f} KB, JSON "
      "{:.0f} KB)\n\n",
      points, metric_points, metrics_pb.size() / 1024.0, metrics_json.size() / 1024.0);
  table(mpaths, points, "data points", metrics_pb, metrics_json);
  const double steady = median(steady_times);
  fmt::print(
      "| (h) protobuf: parse_request + convert_metrics, the next export through a warm "
      "converter ({} stored points) | {:.3f} ms | {:.2f}M | {:.0f} |\n",
      steady_points, steady * 1e3, points / steady / 1e6, metrics_later_pb.size() / steady / 1e6);
  fmt::print("\n| ratio | value |\n|---|---|\n");
  fmt::print("| (c)/(b) time: protobuf decode + convert against the bare parse | {:.2f} |\n",
             t(mpaths, 'c') / t(mpaths, 'b'));
  fmt::print("| (h)/(b) time: steady-state decode + convert against the bare parse | {:.2f} |\n",
             steady / t(mpaths, 'b'));
  fmt::print("| (g)/(c) time: JSON against protobuf, end to end | {:.2f} |\n",
             t(mpaths, 'g') / t(mpaths, 'c'));
  return 0;
}
