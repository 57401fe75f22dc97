#include "intake/datadog_http/datadog_http.h"

#include <fmt/format.h>

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "intake/datadog_http/decode.h"
#include "net/compression.h"

namespace heeler::intake {
namespace {

using net::Request;
using net::Response;

int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::vector<std::string> split_keys(std::string_view text) {
  std::vector<std::string> keys;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find(',', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view key = text.substr(start, end - start);
    while (!key.empty() && key.front() == ' ') key.remove_prefix(1);
    while (!key.empty() && key.back() == ' ') key.remove_suffix(1);
    if (!key.empty()) keys.emplace_back(key);
    start = end + 1;
  }
  return keys;
}

bool iequals_prefix(std::string_view text, std::string_view prefix) {
  if (text.size() < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i) {
    char c = text[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != prefix[i]) return false;
  }
  return true;
}

std::string errors_json(const std::vector<std::string>& errors) {
  std::string out = "[";
  for (size_t i = 0; i < errors.size(); ++i)
    out += fmt::format("{}\"{}\"", i ? "," : "", net::json_escape(errors[i]));
  return out + "]";
}

// State shared by the route handlers (they outlive the factory call).
struct Intake {
  std::vector<std::string> api_keys;
  pipeline::Consumer* consumer = nullptr;
  core::Metrics* metrics = nullptr;
  core::Counter* forbidden = nullptr;

  bool authorised(const Request& request) const {
    if (api_keys.empty()) return true;
    std::optional<std::string_view> key = request.header("DD-API-KEY");
    if (!key) key = request.query_param("dd-api-key");
    if (!key) return false;
    for (const std::string& k : api_keys)
      if (k == *key) return true;
    return false;
  }

  Response forbidden_response() const {
    forbidden->inc();
    return Response::json(403, R"({"errors":["Forbidden"]})");
  }

  // Counts what a request kept and dropped under its endpoint label.
  void count(const std::string& endpoint, const DropReport& report) const {
    if (report.items > 0)
      metrics
          ->counter("heeler_intake_http_items_total", "Items accepted by the Datadog HTTP intake",
                    {{"endpoint", endpoint}})
          .inc(report.items);
    for (const auto& [reason, n] : report.by_reason)
      metrics
          ->counter("heeler_intake_http_dropped_total",
                    "Items the Datadog HTTP intake skipped for their shape",
                    {{"endpoint", endpoint}, {"reason", reason}})
          .inc(n);
    if (report.clamped > 0)
      metrics
          ->counter("heeler_intake_http_clamped_timestamps_total",
                    "Items whose absurd timestamp was replaced by the receive time",
                    {{"endpoint", endpoint}})
          .inc(report.clamped);
  }
};

// The answer once a body was decoded: 400 when nothing could be kept, else `ok_body`
// (all kept) or the dropped count and first reasons.
Response answer(const DropReport& report, std::string_view ok_body,
                std::string_view partial_prefix) {
  if (report.dropped == 0) return Response::json(202, std::string(ok_body));
  if (report.items == 0)
    return Response::json(400, fmt::format(R"({{"errors":{}}})", errors_json(report.errors)));
  return Response::json(202, fmt::format(R"({{{}"dropped":{},"errors":{}}})", partial_prefix,
                                         report.dropped, errors_json(report.errors)));
}

// The browser SDKs post from the page's origin: answers carry CORS headers so a
// cross-origin fetch can read them, and a body compressed by the SDK says so in the
// dd-evp-encoding query parameter (no Content-Encoding header).
constexpr size_t kMaxBrowserBody = 64u << 20;

net::Handler browser_intake(net::Handler handler) {
  return [handler = std::move(handler)](Request& request) {
    Response response;
    const std::string_view encoding = request.query_param("dd-evp-encoding").value_or("");
    if (!encoding.empty()) {
      if (encoding != "deflate") {
        response = Response::error(
            415, fmt::format("dd-evp-encoding '{}' is not supported (deflate is)", encoding));
      } else if (auto decoded = net::decode_content("deflate", request.body, kMaxBrowserBody);
                 !decoded) {
        response = Response::error(decoded.status());
      } else {
        request.body = std::move(*decoded);
        response = handler(request);
      }
    } else {
      response = handler(request);
    }
    response.headers.push_back({"Access-Control-Allow-Origin", "*"});
    return response;
  };
}

Response cors_preflight(Request&) {
  Response r;
  r.status = 204;
  r.headers = {{"Access-Control-Allow-Origin", "*"},
               {"Access-Control-Allow-Methods", "POST, OPTIONS"},
               {"Access-Control-Allow-Headers", "Content-Type, DD-API-KEY"},
               {"Access-Control-Max-Age", "86400"}};
  return r;
}

}  // namespace

std::unique_ptr<Receiver> make_datadog_http_receiver(ReceiverContext& ctx) {
  auto intake = std::make_shared<Intake>();
  intake->api_keys = split_keys(ctx.config.intake.api_keys);
  intake->consumer = &ctx.consumer;
  intake->metrics = &ctx.metrics;
  intake->forbidden =
      &ctx.metrics.counter("heeler_intake_http_forbidden_total",
                           "Datadog HTTP intake requests refused for their API key");

  auto logs = [intake](Request& request) {
    if (!intake->authorised(request)) return intake->forbidden_response();
    pipeline::LogBatch batch;
    DropReport report;
    const std::string_view source = request.query_param("ddsource").value_or("");
    if (core::Status s = decode_logs(request.body, now_ns(), batch, report, source); !s.ok())
      return Response::error(s);
    intake->count("/api/v2/logs", report);
    if (batch.size() > 0) {
      if (core::Status s = intake->consumer->consume_logs(std::move(batch)); !s.ok())
        return consume_failed(s);
    }
    return answer(report, "{}", "");
  };
  ctx.api_router.add("POST", "/api/v2/logs", browser_intake(logs));
  ctx.api_router.add("OPTIONS", "/api/v2/logs", cors_preflight);
  ctx.api_router.add("POST", "/v1/input", logs);
  ctx.api_router.add("POST", "/v1/input/{key}", [intake, logs](Request& request) {
    // Older agents put the key in the path.
    if (!intake->authorised(request)) {
      const auto& key = request.path_params["key"];
      request.headers.push_back({"DD-API-KEY", key});
    }
    return logs(request);
  });

  auto series = [intake](std::string endpoint, bool v2) {
    return [intake, endpoint, v2](Request& request) {
      if (!intake->authorised(request)) return intake->forbidden_response();
      const std::string_view type = request.header("Content-Type").value_or("");
      const bool protobuf = iequals_prefix(type, "application/x-protobuf");
      if (protobuf && !v2)
        return Response::error(
            415, fmt::format("Content-Type application/x-protobuf is not supported on {}; send "
                             "JSON, or protobuf to /api/v2/series",
                             endpoint));
      pipeline::MetricBatch batch;
      DropReport report;
      const int64_t now = now_ns();
      core::Status s = !v2        ? decode_series_v1(request.body, now, batch, report)
                       : protobuf ? decode_series_v2_protobuf(request.body, now, batch, report)
                                  : decode_series_v2(request.body, now, batch, report);
      if (!s.ok()) return Response::error(s);
      intake->count(endpoint, report);
      if (batch.size() > 0) {
        if (s = intake->consumer->consume_metrics(std::move(batch)); !s.ok())
          return consume_failed(s);
      }
      return answer(report, R"({"errors":[]})", "");
    };
  };
  ctx.api_router.add("POST", "/api/v1/series", series("/api/v1/series", false));
  ctx.api_router.add("POST", "/api/v2/series", series("/api/v2/series", true));

  ctx.api_router.add("POST", "/api/v1/events", [intake](Request& request) {
    if (!intake->authorised(request)) return intake->forbidden_response();
    pipeline::EventBatch batch;
    DropReport report;
    std::string event_json;
    if (core::Status s = decode_event(request.body, now_ns(), batch, report, event_json); !s.ok())
      return Response::error(s);
    intake->count("/api/v1/events", report);
    if (batch.size() > 0) {
      if (core::Status s = intake->consumer->consume_events(std::move(batch)); !s.ok())
        return consume_failed(s);
    }
    return answer(report, fmt::format(R"({{"status":"ok","event":{}}})", event_json), "");
  });

  ctx.api_router.add("POST", "/api/v1/check_run", [intake](Request& request) {
    if (!intake->authorised(request)) return intake->forbidden_response();
    pipeline::EventBatch batch;
    DropReport report;
    if (core::Status s = decode_check_runs(request.body, now_ns(), batch, report); !s.ok())
      return Response::error(s);
    intake->count("/api/v1/check_run", report);
    if (batch.size() > 0) {
      if (core::Status s = intake->consumer->consume_events(std::move(batch)); !s.ok())
        return consume_failed(s);
    }
    return answer(report, R"({"status":"ok"})", R"("status":"ok",)");
  });

  auto rum = browser_intake([intake](Request& request) {
    if (!intake->authorised(request)) return intake->forbidden_response();
    pipeline::RumBatch batch;
    DropReport report;
    if (core::Status s = decode_rum(request.body, now_ns(), batch, report); !s.ok())
      return Response::error(s);
    intake->count("/api/v2/rum", report);
    if (batch.size() > 0) {
      if (core::Status s = intake->consumer->consume_rum(std::move(batch)); !s.ok())
        return consume_failed(s);
    }
    return answer(report, "{}", "");
  });
  ctx.api_router.add("POST", "/api/v2/rum", rum);
  ctx.api_router.add("OPTIONS", "/api/v2/rum", cors_preflight);

  // The SDKs' `proxy` option: every request goes to one URL, the intake path and its
  // query string in the ddforward parameter.
  auto logs_route = browser_intake(logs);
  ctx.api_router.add("POST", "/api/v2/browser-intake", [rum, logs_route](Request& request) {
    const std::string forward(request.query_param("ddforward").value_or(""));
    const size_t q = forward.find('?');
    const std::string_view path = std::string_view(forward).substr(0, q);
    request.query = net::parse_query_string(
        q == std::string::npos ? std::string_view() : std::string_view(forward).substr(q + 1));
    Response response;
    if (path == "/api/v2/rum") return rum(request);
    if (path == "/api/v2/logs") return logs_route(request);
    response = Response::error(
        path.empty() ? 400 : 404,
        path.empty()
            ? std::string("ddforward is missing: the SDK's proxy sends the intake path there")
            : fmt::format("ddforward path '{}' is not served here (/api/v2/rum and "
                          "/api/v2/logs are)",
                          path));
    response.headers.push_back({"Access-Control-Allow-Origin", "*"});
    return response;
  });
  ctx.api_router.add("OPTIONS", "/api/v2/browser-intake", cors_preflight);

  ctx.api_router.add("GET", "/api/v1/validate", [intake](Request& request) {
    if (!intake->authorised(request)) return intake->forbidden_response();
    return Response::json(200, R"({"valid":true})");
  });
  return nullptr;
}

namespace {
const bool registered = register_receiver("datadog_http", make_datadog_http_receiver);
}  // namespace

}  // namespace heeler::intake
