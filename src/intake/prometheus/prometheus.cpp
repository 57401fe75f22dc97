#include "intake/prometheus/prometheus.h"

#include <fmt/format.h>
#include <google/protobuf/arena.h>

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "intake/prometheus/decode.h"

namespace heeler::intake {
namespace {

using net::Request;
using net::Response;
namespace prom = prometheus;

int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string lower_trimmed(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  std::string out(s);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

// Empty when the Content-Type is remote-write 1.0 (or absent), else the 415 message.
std::string content_type_problem(std::string_view header) {
  const size_t semi = header.find(';');
  const std::string type = lower_trimmed(header.substr(0, semi));
  if (type.empty()) return {};
  if (type != "application/x-protobuf")
    return fmt::format(
        "Content-Type {} is not supported on /api/v1/write; send application/x-protobuf", type);
  if (semi == std::string_view::npos) return {};
  std::string_view params = header.substr(semi + 1);
  while (!params.empty()) {
    const size_t end = params.find(';');
    const std::string param = lower_trimmed(params.substr(0, end));
    if (param.starts_with("proto=") && param != "proto=prometheus.writerequest")
      return fmt::format(
          "Content-Type {} is not supported on /api/v1/write; send remote-write 1.0 "
          "(prometheus.WriteRequest)",
          lower_trimmed(header));
    if (end == std::string_view::npos) break;
    params.remove_prefix(end + 1);
  }
  return {};
}

std::string errors_body(const std::vector<std::string>& errors) {
  std::string out = R"({"errors":[)";
  for (size_t i = 0; i < errors.size(); ++i)
    out += fmt::format("{}\"{}\"", i ? "," : "", net::json_escape(errors[i]));
  return out + "]}";
}

// State shared by the route handler (it outlives the factory call).
struct RemoteWrite {
  pipeline::Consumer* consumer = nullptr;
  core::Metrics* metrics = nullptr;
  pipeline::CumulativeToDelta deltas{now_ns()};
  int64_t deltas_created_ns = now_ns();
  prom::MetadataCache metadata;
  core::Counter* requests = nullptr;
  core::Counter* malformed = nullptr;
  core::Counter* samples = nullptr;
  core::Counter* histograms = nullptr;
  core::Counter* stale = nullptr;
  core::Counter* nan = nullptr;

  Response malformed_request(const core::Status& status) const {
    malformed->inc();
    return Response::error(status);
  }

  Response handle(Request& request) {
    requests->inc();
    const std::string problem =
        content_type_problem(request.header("Content-Type").value_or(std::string_view()));
    if (!problem.empty()) return malformed_request({core::Code::unsupported_media, problem});
    if (request.body.empty())
      return malformed_request({core::Code::invalid_argument, "empty body"});
    // gzip, deflate and zstd are undone by the server; snappy (what Prometheus sends)
    // is left to us.
    const std::string encoding =
        lower_trimmed(request.header("Content-Encoding").value_or(std::string_view()));
    std::string uncompressed;
    std::string_view bytes = request.body;
    if (encoding.find("snappy") != std::string::npos) {
      core::Result<std::string> raw = prom::uncompress_snappy(request.body);
      if (!raw.ok()) return malformed_request(raw.status());
      uncompressed = std::move(raw).value();
      bytes = uncompressed;
    }
    google::protobuf::Arena arena;
    auto* write = google::protobuf::Arena::CreateMessage<prom::WriteRequest>(&arena);
    if (core::Status s = prom::parse_write_request(bytes, *write); !s.ok())
      return malformed_request(s);

    metadata.remember(*write);
    const int64_t now = now_ns();
    prom::ConvertContext context;
    context.deltas = &deltas;
    context.deltas_created_ns = deltas_created_ns;
    context.metadata = &metadata;
    context.now_ns = now;
    pipeline::MetricBatch batch;
    prom::WriteResult result;
    prom::convert_write_request(*write, context, batch, result);
    count(result);
    if (batch.size() > 0) {
      if (core::Status s = consumer->consume_metrics(std::move(batch)); !s.ok())
        return consume_failed(s);
    }
    if (result.accepted() == 0 && result.rejected > 0)
      return Response::json(400, errors_body(result.errors));
    Response ok;
    ok.status = 204;
    ok.content_type.clear();
    return ok;
  }

  void count(const prom::WriteResult& result) const {
    samples->inc(result.samples);
    histograms->inc(result.histograms);
    stale->inc(result.stale);
    nan->inc(result.nan);
    for (const auto& [reason, n] : result.by_reason)
      metrics
          ->counter("heeler_prometheus_rejected_total",
                    "Remote-write series, samples and histograms rejected, by reason",
                    {{"reason", reason}})
          .inc(n);
  }
};

}  // namespace

std::unique_ptr<Receiver> make_prometheus_receiver(ReceiverContext& ctx) {
  auto rw = std::make_shared<RemoteWrite>();
  rw->consumer = &ctx.consumer;
  rw->metrics = &ctx.metrics;
  rw->requests = &ctx.metrics.counter("heeler_prometheus_requests_total",
                                      "Prometheus remote-write requests received");
  rw->malformed = &ctx.metrics.counter("heeler_prometheus_malformed_requests_total",
                                       "Remote-write requests refused as a whole (4xx)");
  rw->samples = &ctx.metrics.counter("heeler_prometheus_samples_total",
                                     "Remote-write float samples accepted");
  rw->histograms = &ctx.metrics.counter("heeler_prometheus_histograms_total",
                                        "Remote-write native histogram samples accepted");
  rw->stale = &ctx.metrics.counter("heeler_prometheus_skipped_total",
                                   "Remote-write samples skipped", {{"reason", "stale"}});
  rw->nan = &ctx.metrics.counter("heeler_prometheus_skipped_total", "Remote-write samples skipped",
                                 {{"reason", "nan"}});
  ctx.api_router.add("POST", "/api/v1/write",
                     [rw](Request& request) { return rw->handle(request); });
  return nullptr;
}

namespace {
const bool registered = register_receiver("prometheus", make_prometheus_receiver);
}  // namespace

}  // namespace heeler::intake
