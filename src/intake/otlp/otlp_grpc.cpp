// OTLP/gRPC on otlp_grpc_listen (plaintext HTTP/2, as OTLP exporters default to
// locally), and the receiver's factory, which also adds the OTLP/HTTP routes.
#include <fmt/format.h>
#include <grpcpp/grpcpp.h>

#include <chrono>
#include <memory>
#include <string>

#include "intake/otlp/exporter.h"
#include "intake/otlp/otlp.h"
#include "intake/otlp/otlp_http.h"
#include "opentelemetry/proto/collector/logs/v1/logs_service.grpc.pb.h"
#include "opentelemetry/proto/collector/metrics/v1/metrics_service.grpc.pb.h"
#include "opentelemetry/proto/collector/trace/v1/trace_service.grpc.pb.h"

namespace heeler::intake {
namespace {

namespace collector = opentelemetry::proto::collector;
using otlp::Exporter;
using otlp::ExportResult;

grpc::Status to_grpc(const core::Status& status) {
  switch (status.code()) {
    case core::Code::unavailable:
      return {grpc::StatusCode::UNAVAILABLE, status.message()};
    case core::Code::invalid_argument:
      return {grpc::StatusCode::INVALID_ARGUMENT, status.message()};
    case core::Code::payload_too_large:
      return {grpc::StatusCode::RESOURCE_EXHAUSTED, status.message()};
    default:
      return {grpc::StatusCode::INTERNAL, status.message()};
  }
}

// Every item rejected is an error the client should not retry; some rejected is a
// partial success.
grpc::Status answer(const ExportResult& result) {
  if (result.accepted == 0 && result.rejected > 0)
    return {grpc::StatusCode::INVALID_ARGUMENT,
            fmt::format("every item was rejected: {}", result.error_message)};
  return grpc::Status::OK;
}

class TraceService final : public collector::trace::v1::TraceService::Service {
 public:
  explicit TraceService(std::shared_ptr<Exporter> exporter) : exporter_(std::move(exporter)) {}
  grpc::Status Export(grpc::ServerContext*,
                      const collector::trace::v1::ExportTraceServiceRequest* request,
                      collector::trace::v1::ExportTraceServiceResponse* response) override {
    ExportResult result;
    if (core::Status s = exporter_->export_traces(*request, "grpc", result); !s.ok())
      return to_grpc(s);
    if (result.rejected > 0) {
      response->mutable_partial_success()->set_rejected_spans(
          static_cast<int64_t>(result.rejected));
      response->mutable_partial_success()->set_error_message(result.error_message);
    }
    return answer(result);
  }

 private:
  std::shared_ptr<Exporter> exporter_;
};

class MetricsService final : public collector::metrics::v1::MetricsService::Service {
 public:
  explicit MetricsService(std::shared_ptr<Exporter> exporter) : exporter_(std::move(exporter)) {}
  grpc::Status Export(grpc::ServerContext*,
                      const collector::metrics::v1::ExportMetricsServiceRequest* request,
                      collector::metrics::v1::ExportMetricsServiceResponse* response) override {
    ExportResult result;
    if (core::Status s = exporter_->export_metrics(*request, "grpc", result); !s.ok())
      return to_grpc(s);
    if (result.rejected > 0) {
      response->mutable_partial_success()->set_rejected_data_points(
          static_cast<int64_t>(result.rejected));
      response->mutable_partial_success()->set_error_message(result.error_message);
    }
    return answer(result);
  }

 private:
  std::shared_ptr<Exporter> exporter_;
};

class LogsService final : public collector::logs::v1::LogsService::Service {
 public:
  explicit LogsService(std::shared_ptr<Exporter> exporter) : exporter_(std::move(exporter)) {}
  grpc::Status Export(grpc::ServerContext*,
                      const collector::logs::v1::ExportLogsServiceRequest* request,
                      collector::logs::v1::ExportLogsServiceResponse* response) override {
    ExportResult result;
    if (core::Status s = exporter_->export_logs(*request, "grpc", result); !s.ok())
      return to_grpc(s);
    if (result.rejected > 0) {
      response->mutable_partial_success()->set_rejected_log_records(
          static_cast<int64_t>(result.rejected));
      response->mutable_partial_success()->set_error_message(result.error_message);
    }
    return answer(result);
  }

 private:
  std::shared_ptr<Exporter> exporter_;
};

class OtlpGrpcServer final : public Receiver {
 public:
  OtlpGrpcServer(core::ListenAddress address, uint64_t max_message_bytes, int grace_seconds,
                 std::shared_ptr<Exporter> exporter)
      : address_(std::move(address)),
        max_message_bytes_(max_message_bytes),
        grace_seconds_(grace_seconds),
        traces_(exporter),
        metrics_(exporter),
        logs_(exporter) {}
  ~OtlpGrpcServer() override { stop(); }

  core::Status start() override {
    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort(address_.to_string(), grpc::InsecureServerCredentials(), &port);
    builder.SetMaxReceiveMessageSize(
        static_cast<int>(std::min<uint64_t>(max_message_bytes_, INT32_MAX)));
    builder.RegisterService(&traces_);
    builder.RegisterService(&metrics_);
    builder.RegisterService(&logs_);
    server_ = builder.BuildAndStart();
    if (!server_ || port == 0)
      return core::Status(
          core::Code::unavailable,
          fmt::format("otlp_grpc_listen: cannot listen on {}", address_.to_string()));
    return {};
  }

  void stop() override {
    if (!server_) return;
    server_->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(grace_seconds_));
    server_->Wait();
    server_.reset();
  }

 private:
  core::ListenAddress address_;
  uint64_t max_message_bytes_;
  int grace_seconds_;
  TraceService traces_;
  MetricsService metrics_;
  LogsService logs_;
  std::unique_ptr<grpc::Server> server_;
};

}  // namespace

std::unique_ptr<Receiver> make_otlp_receiver(ReceiverContext& ctx) {
  auto exporter = std::make_shared<Exporter>(ctx.consumer, ctx.metrics, otlp::now_ns());
  otlp::add_http_routes(ctx.otlp_http_router, exporter);
  if (!ctx.config.otlp_grpc_listen.enabled()) return nullptr;
  return std::make_unique<OtlpGrpcServer>(ctx.config.otlp_grpc_listen,
                                          ctx.config.http.max_decoded_body_bytes,
                                          ctx.config.shutdown_grace_seconds, exporter);
}

namespace {
const bool registered = register_receiver("otlp", make_otlp_receiver);
}  // namespace

}  // namespace heeler::intake
