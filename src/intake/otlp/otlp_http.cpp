// OTLP/HTTP: the three routes on otlp_http_listen. Answers follow the OTLP
// specification: 200 with an Export*ServiceResponse (partial success when some items
// were rejected) in the request's encoding; 4xx/5xx with a Status body in the
// request's encoding; 503 + Retry-After when the pipeline is behind.
#include "intake/otlp/otlp_http.h"

#include <fmt/format.h>
#include <google/protobuf/arena.h>

#include <memory>
#include <string>
#include <string_view>

#include "heeler/otlp/error_status.pb.h"
#include "intake/otlp/exporter.h"

namespace heeler::intake::otlp {
namespace {

using net::Request;
using net::Response;

constexpr std::string_view kProtobufType = "application/x-protobuf";
constexpr std::string_view kJsonType = "application/json";

// gRPC status codes used in error bodies.
constexpr int kGrpcInvalidArgument = 3;
constexpr int kGrpcResourceExhausted = 8;
constexpr int kGrpcUnavailable = 14;
constexpr int kGrpcInternal = 13;

// The media type without parameters, lower-cased.
std::string media_type(std::string_view content_type) {
  if (size_t semi = content_type.find(';'); semi != std::string_view::npos)
    content_type = content_type.substr(0, semi);
  while (!content_type.empty() && content_type.back() == ' ') content_type.remove_suffix(1);
  while (!content_type.empty() && content_type.front() == ' ') content_type.remove_prefix(1);
  std::string out(content_type);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

int grpc_code_for(int http_status) {
  switch (http_status) {
    case 400:
    case 415:
      return kGrpcInvalidArgument;
    case 413:
    case 429:
      return kGrpcResourceExhausted;
    case 503:
      return kGrpcUnavailable;
    default:
      return kGrpcInternal;
  }
}

Response error_response(Encoding encoding, int http_status, std::string_view message) {
  if (encoding == Encoding::json)
    return Response::json(http_status,
                          fmt::format(R"({{"code":{},"message":"{}"}})", grpc_code_for(http_status),
                                      net::json_escape(message)));
  heeler::otlp::ErrorStatus status;
  status.set_code(grpc_code_for(http_status));
  status.set_message(std::string(message));
  Response response;
  response.status = http_status;
  response.content_type = std::string(kProtobufType);
  response.body = status.SerializeAsString();
  return response;
}

Response consume_error(Encoding encoding, const core::Status& status) {
  if (status.code() == core::Code::unavailable) {
    Response response = error_response(encoding, 503, status.message());
    response.headers.push_back({"Retry-After", std::to_string(pipeline::kRetryAfterSeconds)});
    return response;
  }
  return error_response(encoding, net::http_status_for(status.code()), status.message());
}

// The field of the partial success that counts rejected items, per signal.
std::string_view rejected_json_name(Signal signal) {
  switch (signal) {
    case Signal::traces:
      return "rejectedSpans";
    case Signal::metrics:
      return "rejectedDataPoints";
    case Signal::logs:
      return "rejectedLogRecords";
  }
  return "rejected";
}

void set_rejected(collector::trace::v1::ExportTracePartialSuccess& p, int64_t n) {
  p.set_rejected_spans(n);
}
void set_rejected(collector::metrics::v1::ExportMetricsPartialSuccess& p, int64_t n) {
  p.set_rejected_data_points(n);
}
void set_rejected(collector::logs::v1::ExportLogsPartialSuccess& p, int64_t n) {
  p.set_rejected_log_records(n);
}

template <typename ExportResponse>
Response success_response(Encoding encoding, Signal signal, const ExportResult& result) {
  if (encoding == Encoding::json) {
    if (result.rejected == 0) return Response::json(200, "{}");
    return Response::json(200,
                          fmt::format(R"({{"partialSuccess":{{"{}":"{}","errorMessage":"{}"}}}})",
                                      rejected_json_name(signal), result.rejected,
                                      net::json_escape(result.error_message)));
  }
  ExportResponse answer;
  if (result.rejected > 0) {
    set_rejected(*answer.mutable_partial_success(), static_cast<int64_t>(result.rejected));
    answer.mutable_partial_success()->set_error_message(result.error_message);
  }
  Response response;
  response.status = 200;
  response.content_type = std::string(kProtobufType);
  response.body = answer.SerializeAsString();
  return response;
}

template <typename ExportRequest, typename ExportResponse, typename ExportFn>
net::Handler route(std::shared_ptr<Exporter> exporter, Signal signal, ExportFn export_fn) {
  return [exporter, signal, export_fn](Request& request) -> Response {
    const std::string type = media_type(request.header("Content-Type").value_or(""));
    Encoding encoding;
    if (type == kProtobufType) {
      encoding = Encoding::protobuf;
    } else if (type == kJsonType) {
      encoding = Encoding::json;
    } else {
      exporter->count_malformed(signal, "http");
      return error_response(
          Encoding::json, 415,
          fmt::format("unsupported Content-Type '{}' on /v1/{}: send application/x-protobuf or "
                      "application/json",
                      type, signal_name(signal)));
    }
    google::protobuf::Arena arena;
    auto* message = google::protobuf::Arena::CreateMessage<ExportRequest>(&arena);
    if (core::Status s = parse_request(request.body, encoding, *message); !s.ok()) {
      exporter->count_malformed(signal, "http");
      return error_response(encoding, 400, s.message());
    }
    ExportResult result;
    if (core::Status s = ((*exporter).*export_fn)(*message, "http", result); !s.ok())
      return consume_error(encoding, s);
    if (result.accepted == 0 && result.rejected > 0)
      return error_response(encoding, 400,
                            fmt::format("every item was rejected: {}", result.error_message));
    return success_response<ExportResponse>(encoding, signal, result);
  };
}

}  // namespace

void add_http_routes(net::Router& router, std::shared_ptr<Exporter> exporter) {
  using namespace collector;
  router.add("POST", "/v1/traces",
             route<trace::v1::ExportTraceServiceRequest, trace::v1::ExportTraceServiceResponse>(
                 exporter, Signal::traces, &Exporter::export_traces));
  router.add(
      "POST", "/v1/metrics",
      route<metrics::v1::ExportMetricsServiceRequest, metrics::v1::ExportMetricsServiceResponse>(
          exporter, Signal::metrics, &Exporter::export_metrics));
  router.add("POST", "/v1/logs",
             route<logs::v1::ExportLogsServiceRequest, logs::v1::ExportLogsServiceResponse>(
                 exporter, Signal::logs, &Exporter::export_logs));
}

}  // namespace heeler::intake::otlp
