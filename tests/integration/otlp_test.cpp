// The real OpenTelemetry JS SDK (tests/clients, pinned) against `heeler serve`'s OTLP
// receiver over OTLP/HTTP JSON, OTLP/HTTP protobuf (plain and gzip) and OTLP/gRPC:
// spans, logs and metrics land in the store with their ids, unified service tags,
// attributes and Datadog-style metric kinds. Malformed requests get OTLP errors.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cctype>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "process_harness.h"

namespace heeler::testing {
namespace {

using json = nlohmann::json;
using namespace std::chrono_literals;

const std::filesystem::path kClients =
    std::filesystem::path(HEELER_SOURCE_DIR) / "tests" / "clients";

std::string read_text(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

double num(const json& v) {
  return json_number(v);
}

// The sum of the values of every `name{...}` sample whose labels contain all of
// `labels` in the Prometheus text exposition `text`.
double prometheus_sum(const std::string& text, const std::string& name,
                      const std::vector<std::string>& labels) {
  double total = 0;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    if (!line.starts_with(name + "{")) continue;
    const size_t close = line.find('}');
    if (close == std::string::npos) continue;
    const std::string label_text = line.substr(name.size(), close - name.size() + 1);
    bool all = true;
    for (const std::string& l : labels) all = all && label_text.find(l) != std::string::npos;
    if (all) total += std::stod(line.substr(close + 1));
  }
  return total;
}

class OtlpTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = std::filesystem::temp_directory_path() /
            ("heeler-otlp-it-" + std::to_string(::getpid()) + "-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(root_);
    std::filesystem::create_directories(root_);
    // The ports are free when picked but not reserved: the harness may pick one of them
    // again for the API, or another process may take one. Such a start is retried.
    for (int attempt = 0; attempt < 5; ++attempt) {
      http_port_ = free_port();
      do grpc_port_ = free_port();
      while (grpc_port_ == http_port_);
      process_ = std::make_unique<HeelerProcess>(root_ / ("data-" + std::to_string(attempt)));
      // --set overrides are applied after the harness's --otlp-*-listen 127.0.0.1:0.
      process_->start({"--set", "otlp_http_listen=127.0.0.1:" + std::to_string(http_port_), "--set",
                       "otlp_grpc_listen=127.0.0.1:" + std::to_string(grpc_port_), "--set",
                       "api.sql_enabled=true"});
      if (process_->wait_ready()) return;
      const std::string log = process_->log();
      const bool port_clash =
          !process_->running() && (log.find("already used") != std::string::npos ||
                                   log.find("in use") != std::string::npos);
      if (!port_clash) break;
    }
    FAIL() << "heeler did not start:\n" << process_->log();
  }

  void TearDown() override {
    if (process_ && process_->running()) {
      process_->signal(SIGTERM);
      EXPECT_EQ(process_->wait_exit(20s), 0) << process_->log();
    }
    process_.reset();
    std::filesystem::remove_all(root_);
  }

  json sql(const std::string& query, const json& params = json::object()) {
    return sql_data(process_->port(), query, params);
  }

  bool wait_for(const std::string& query, const json& params, double want) {
    return wait_for_number(process_->port(), query, params, want);
  }

  // Runs tests/clients/otel_sdk.js; returns the JSON line it printed (ids and export
  // results), or an empty object after recording a failure.
  json run_sdk(const std::string& transport, const std::string& compression,
               const std::string& run_id, std::string& output) {
    const uint16_t port = transport == "grpc" ? grpc_port_ : http_port_;
    const std::filesystem::path out = root_ / ("node-" + run_id + ".log");
    const std::string command =
        "cd '" + kClients.string() + "' && timeout 120 node otel_sdk.js --transport " + transport +
        " --endpoint http://127.0.0.1:" + std::to_string(port) + " --run-id " + run_id +
        " --compression " + compression + " > '" + out.string() + "' 2>&1";
    const int rc = std::system(command.c_str());
    output = read_text(out);
    EXPECT_EQ(rc, 0) << output << "\n" << process_->log();
    std::istringstream lines(output);
    for (std::string line; std::getline(lines, line);)
      if (line.starts_with("{\"run_id\"")) return json::parse(line);
    ADD_FAILURE() << "the SDK script printed no ids:\n" << output;
    return json::object();
  }

  void check_transport(const std::string& transport, const std::string& compression);
  void check_spans(const json& ids, const std::string& run_id);
  void check_logs(const json& ids, const std::string& run_id);
  void check_metrics();

  std::filesystem::path root_;
  uint16_t http_port_ = 0;
  uint16_t grpc_port_ = 0;
  std::unique_ptr<HeelerProcess> process_;
};

void OtlpTest::check_spans(const json& ids, const std::string& run_id) {
  const json run = {{"run", run_id}};
  ASSERT_TRUE(wait_for("SELECT count() FROM spans WHERE attributes['heeler.run_id'] = {run:String}",
                       run, 4))
      << process_->log();
  EXPECT_EQ(num(sql("SELECT count() FROM spans WHERE attributes['heeler.run_id'] = {run:String}",
                    run)[0][0]),
            4);

  const json rows =
      sql("SELECT name, resource, kind, type, hex(trace_id), hex(span_id), hex(parent_span_id), "
          "service, env, version, host, error, status_code, status_message, duration_ns, "
          "abs(dateDiff('second', timestamp, now64())) < 600, "
          "attributes['http.request.method'], attributes['http.route'], "
          "attributes['http.response.status_code'], attributes['customer_id'], "
          "attributes['cart.items'], metrics['cart.items'], attributes['order.total'], "
          "metrics['order.total'], attributes['db.system.name'], attributes['db.query.text'], "
          "attributes['error.type'], attributes['error.message'], attributes['error.stack'], "
          "resource_attributes['company_id'], resource_attributes['heeler.run_id'], "
          "resource_attributes['service.name'], events, links "
          "FROM spans WHERE attributes['heeler.run_id'] = {run:String} ORDER BY name",
          run);
  ASSERT_EQ(rows.size(), 4u) << rows.dump(1);
  // ORDER BY name: "GET /orders/:id", "SELECT shop.orders", "charge card", "serialize order"
  const json& web = rows[0];
  const json& db = rows[1];
  const json& payment = rows[2];
  const json& serialize = rows[3];
  ASSERT_EQ(web[0], "GET /orders/:id");
  ASSERT_EQ(db[0], "SELECT shop.orders");
  ASSERT_EQ(payment[0], "charge card");
  ASSERT_EQ(serialize[0], "serialize order");

  // Ids: one trace, as the SDK generated them; the parent links.
  const std::string trace_hex = upper(ids["trace_id"].get<std::string>());
  ASSERT_EQ(trace_hex.size(), 32u);
  for (const json& row : rows) EXPECT_EQ(row[4], trace_hex) << row[0];
  EXPECT_EQ(web[5], upper(ids["root_span_id"].get<std::string>()));
  EXPECT_EQ(web[6], "0000000000000000");
  EXPECT_EQ(db[5], upper(ids["db_span_id"].get<std::string>()));
  EXPECT_EQ(db[6], web[5]);
  EXPECT_EQ(serialize[5], upper(ids["internal_span_id"].get<std::string>()));
  EXPECT_EQ(serialize[6], db[5]);
  EXPECT_EQ(payment[5], upper(ids["error_span_id"].get<std::string>()));
  EXPECT_EQ(payment[6], web[5]);

  // Unified service tags from the resource, on every span; resource attributes kept.
  for (const json& row : rows) {
    SCOPED_TRACE(row[0].dump());
    EXPECT_EQ(row[7], "otel-checkout");
    EXPECT_EQ(row[8], "test");
    EXPECT_EQ(row[9], "1.4.2");
    EXPECT_EQ(row[10], "otel-host-1");
    EXPECT_GT(num(row[14]), 0);
    EXPECT_EQ(row[15], 1) << "timestamp is not within ten minutes of now";
    EXPECT_EQ(row[29], "acme-co");
    EXPECT_EQ(row[30], run_id);
    EXPECT_EQ(row[31], "otel-checkout");
  }

  // The server root: resource from method and route, kind, type, attributes.
  EXPECT_EQ(web[1], "GET /orders/:id");
  EXPECT_EQ(web[2], "server");
  EXPECT_EQ(web[3], "web");
  EXPECT_EQ(web[11], 0);
  EXPECT_EQ(web[12], 0);  // status unset
  EXPECT_EQ(web[16], "GET");
  EXPECT_EQ(web[17], "/orders/:id");
  EXPECT_EQ(web[18], "200");
  EXPECT_EQ(web[19], "cust-42");
  EXPECT_EQ(web[20], "3");
  EXPECT_EQ(num(web[21]), 3.0);
  EXPECT_EQ(web[22], "99.5");
  EXPECT_EQ(num(web[23]), 99.5);
  EXPECT_GE(num(web[14]), num(db[14]));

  // The database client span: resource is its query, type sql (Datadog's names).
  EXPECT_EQ(db[0], "SELECT shop.orders");
  EXPECT_EQ(db[1], "SELECT * FROM orders WHERE id = $1");
  EXPECT_EQ(db[2], "client");
  EXPECT_EQ(db[3], "sql");
  EXPECT_EQ(db[11], 0);
  EXPECT_EQ(db[24], "postgresql");
  EXPECT_EQ(db[25], "SELECT * FROM orders WHERE id = $1");
  EXPECT_GE(num(db[14]), 4e6);  // the SDK slept 5 ms inside it

  EXPECT_EQ(serialize[1], "serialize order");
  EXPECT_EQ(serialize[2], "internal");
  EXPECT_EQ(serialize[3], "custom");
  EXPECT_EQ(serialize[11], 0);

  // The failing span: error flag, status, and the exception event as error.* tags.
  EXPECT_EQ(payment[1], "charge card");
  EXPECT_EQ(payment[2], "internal");
  EXPECT_EQ(payment[11], 1);
  EXPECT_EQ(payment[12], 2);
  EXPECT_EQ(payment[13], "payment declined");
  EXPECT_EQ(payment[26], "Error");
  EXPECT_EQ(payment[27], "payment declined");
  EXPECT_TRUE(payment[28].get<std::string>().starts_with("Error: payment declined\n    at "))
      << payment[28];
  const json events = json::parse(payment[32].get<std::string>(), nullptr, false);
  ASSERT_TRUE(events.is_array() && events.size() == 1) << payment[32];
  EXPECT_NE(events.dump().find("exception"), std::string::npos) << payment[32];
  EXPECT_NE(events.dump().find("payment declined"), std::string::npos) << payment[32];
  for (const json& row : {web, db, serialize}) {
    const json e = json::parse(row[32].get<std::string>(), nullptr, false);
    EXPECT_TRUE(row[32] == "" || (e.is_array() && e.empty())) << row[0] << ": " << row[32];
  }
}

void OtlpTest::check_logs(const json& ids, const std::string& run_id) {
  const json run = {{"run", run_id}};
  ASSERT_TRUE(
      wait_for("SELECT count() FROM logs WHERE attributes['heeler.run_id'] = {run:String}", run, 2))
      << process_->log();
  const json rows =
      sql("SELECT status, severity_number, message, hex(trace_id), hex(span_id), service, env, "
          "version, host, attributes['order_id'], attributes['order.id'], "
          "resource_attributes['company_id'], abs(dateDiff('second', timestamp, now64())) < 600, "
          "observed_timestamp >= timestamp "
          "FROM logs WHERE attributes['heeler.run_id'] = {run:String} ORDER BY severity_number",
          run);
  ASSERT_EQ(rows.size(), 2u) << rows.dump(1);
  const json& info = rows[0];
  const json& error = rows[1];
  const std::string trace_hex = upper(ids["trace_id"].get<std::string>());
  for (const json& row : rows) {
    SCOPED_TRACE(row.dump());
    EXPECT_EQ(row[3], trace_hex);
    EXPECT_EQ(row[5], "otel-checkout");
    EXPECT_EQ(row[6], "test");
    EXPECT_EQ(row[7], "1.4.2");
    EXPECT_EQ(row[8], "otel-host-1");
    EXPECT_EQ(row[11], "acme-co");
    EXPECT_EQ(row[12], 1) << "timestamp is not within ten minutes of now";
    EXPECT_EQ(row[13], 1);
  }
  EXPECT_EQ(info[0], "info");
  EXPECT_EQ(info[1], 9);
  EXPECT_EQ(info[2], "order 42 loaded for cust-42");
  EXPECT_EQ(info[4], upper(ids["root_span_id"].get<std::string>()));
  EXPECT_EQ(info[10], "42");

  // The JSON string body is parsed like a Datadog JSON log: "msg" is the message, the
  // other fields attributes.
  EXPECT_EQ(error[0], "error");
  EXPECT_EQ(error[1], 17);
  EXPECT_EQ(error[2], "card rejected");
  EXPECT_EQ(error[4], upper(ids["error_span_id"].get<std::string>()));
  EXPECT_EQ(error[9], "42");

  // The log joins its span by trace and span id.
  const json joined =
      sql("SELECT s.name FROM logs AS l INNER JOIN spans AS s ON l.trace_id = s.trace_id AND "
          "l.span_id = s.span_id WHERE l.attributes['heeler.run_id'] = {run:String} AND "
          "l.status = 'error'",
          run);
  ASSERT_EQ(joined.size(), 1u) << joined.dump();
  EXPECT_EQ(joined[0][0], "charge card");
}

void OtlpTest::check_metrics() {
  auto value = [&](const std::string& metric, const std::string& aggregate) {
    const json data =
        sql("SELECT toFloat64(" + aggregate + ") FROM metric_points WHERE metric = {m:String}",
            {{"m", metric}});
    return data.empty() || data[0].empty() ? -1e300 : num(data[0][0]);
  };
  // The exports are answered once durable and the script waited for every answer;
  // the series rows are written after the points.
  for (const std::string metric :
       {"checkout.orders", "checkout.inflight", "checkout.latency", "checkout.latency.count",
        "checkout.latency.sum", "checkout.queue_depth"}) {
    EXPECT_TRUE(
        wait_for("SELECT count() FROM metric_points WHERE metric = {m:String}", {{"m", metric}}, 1))
        << metric << "\n"
        << process_->log();
    EXPECT_TRUE(
        wait_for("SELECT count() FROM metric_series WHERE metric = {m:String}", {{"m", metric}}, 1))
        << metric;
  }

  // Counter: cumulative 3, 7, 7 exported → deltas summing to 7.
  EXPECT_EQ(value("checkout.orders", "sum(value)"), 7);
  EXPECT_EQ(value("checkout.orders", "countIf(kind != 'count')"), 0);
  EXPECT_EQ(value("checkout.orders", "min(value)"), 0) << "a negative or missing delta";
  const json tagged =
      sql("SELECT toFloat64(sum(value)) FROM metric_points WHERE metric = 'checkout.orders' AND "
          "series_id IN (SELECT series_id FROM metric_series WHERE metric = 'checkout.orders' AND "
          "tags['service'] = 'otel-checkout' AND tags['order.channel'] = 'web')");
  ASSERT_EQ(tagged.size(), 1u);
  EXPECT_EQ(num(tagged[0][0]), 7);

  // Up-down counter: a gauge of its current value (5, then 3).
  EXPECT_EQ(value("checkout.inflight", "argMax(value, timestamp)"), 3);
  EXPECT_EQ(value("checkout.inflight", "max(value)"), 5);
  EXPECT_EQ(value("checkout.inflight", "countIf(kind != 'gauge')"), 0);

  // Histogram of 5, 15 (first export) and 150, 1500 (second): weighted distribution
  // points, and .count / .sum counts.
  EXPECT_EQ(value("checkout.latency", "sum(weight)"), 4);
  EXPECT_EQ(value("checkout.latency", "countIf(kind != 'distribution')"), 0);
  EXPECT_GE(value("checkout.latency", "min(value)"), 0);
  EXPECT_LE(value("checkout.latency", "max(value)"), 2500);
  EXPECT_LE(value("checkout.latency", "quantileExactWeighted(0.25)(value, weight)"), 5);
  EXPECT_GE(value("checkout.latency", "quantileExactWeighted(1)(value, weight)"), 1000);
  EXPECT_EQ(value("checkout.latency.count", "sum(value)"), 4);
  EXPECT_EQ(value("checkout.latency.count", "countIf(kind != 'count')"), 0);
  EXPECT_EQ(value("checkout.latency.sum", "sum(value)"), 1670);
  EXPECT_EQ(value("checkout.latency.sum", "countIf(kind != 'count')"), 0);

  // Observable gauge.
  EXPECT_EQ(value("checkout.queue_depth", "argMax(value, timestamp)"), 42.5);
  EXPECT_EQ(value("checkout.queue_depth", "countIf(kind != 'gauge')"), 0);

  // Series: point attributes plus the unified service tags.
  const json series =
      sql("SELECT metric, service, env, host, kind, tags['order.channel'], tags['queue'], "
          "tags['service'], tags['env'], tags['version'], tags['host'] "
          "FROM metric_series FINAL WHERE startsWith(metric, 'checkout.') ORDER BY metric");
  ASSERT_EQ(series.size(), 6u) << series.dump(1);
  const std::vector<std::pair<std::string, std::string>> expected = {
      {"checkout.inflight", "gauge"},      {"checkout.latency", "distribution"},
      {"checkout.latency.count", "count"}, {"checkout.latency.sum", "count"},
      {"checkout.orders", "count"},        {"checkout.queue_depth", "gauge"}};
  for (size_t i = 0; i < expected.size(); ++i) {
    const json& row = series[i];
    SCOPED_TRACE(row.dump());
    EXPECT_EQ(row[0], expected[i].first);
    EXPECT_EQ(row[1], "otel-checkout");
    EXPECT_EQ(row[2], "test");
    EXPECT_EQ(row[3], "otel-host-1");
    EXPECT_EQ(row[4], expected[i].second);
    if (expected[i].first == "checkout.queue_depth") {
      EXPECT_EQ(row[6], "payments");
    } else {
      EXPECT_EQ(row[5], "web");
    }
    EXPECT_EQ(row[7], "otel-checkout");
    EXPECT_EQ(row[8], "test");
    EXPECT_EQ(row[9], "1.4.2");
    EXPECT_EQ(row[10], "otel-host-1");
  }
}

void OtlpTest::check_transport(const std::string& transport, const std::string& compression) {
  ASSERT_TRUE(std::filesystem::exists(kClients / "node_modules" / "@opentelemetry" /
                                      "exporter-trace-otlp-proto"))
      << "run scripts/setup.sh (npm ci in tests/clients)";
  const std::string run_id =
      "otlp-" + transport + "-" + compression + "-" + std::to_string(::getpid());
  std::string output;
  const json ids = run_sdk(transport, compression, run_id, output);
  ASSERT_TRUE(ids.contains("trace_id")) << output;
  // Every export was answered with success: one for traces and logs, three for
  // metrics (two forceFlush calls and the shutdown).
  EXPECT_EQ(ids["exports"]["traces"], json({"ok"})) << output;
  EXPECT_EQ(ids["exports"]["logs"], json({"ok"})) << output;
  EXPECT_EQ(ids["exports"]["metrics"], json({"ok", "ok", "ok"})) << output;
  EXPECT_EQ(ids["errors"], json::array()) << output;

  check_spans(ids, run_id);
  check_logs(ids, run_id);
  check_metrics();

  const std::string metrics = http_request(process_->port(), "GET", "/metrics").body;
  const std::string label = transport == "grpc" ? "transport=\"grpc\"" : "transport=\"http\"";
  EXPECT_EQ(prometheus_sum(metrics, "heeler_otlp_requests_total", {"signal=\"traces\"", label}), 1)
      << metrics;
  EXPECT_EQ(prometheus_sum(metrics, "heeler_otlp_requests_total", {"signal=\"logs\"", label}), 1)
      << metrics;
  EXPECT_EQ(prometheus_sum(metrics, "heeler_otlp_requests_total", {"signal=\"metrics\"", label}), 3)
      << metrics;
  EXPECT_EQ(prometheus_sum(metrics, "heeler_otlp_rejected_total", {}), 0) << metrics;
}

TEST_F(OtlpTest, HttpJson) {
  check_transport("http-json", "none");
}

TEST_F(OtlpTest, HttpProtobuf) {
  check_transport("http-proto", "none");
}

TEST_F(OtlpTest, HttpProtobufGzip) {
  check_transport("http-proto", "gzip");
}

TEST_F(OtlpTest, Grpc) {
  check_transport("grpc", "none");
}

TEST_F(OtlpTest, MalformedRequestsAreRefusedAndTheReceiverKeepsWorking) {
  const std::vector<std::string> protobuf = {"Content-Type: application/x-protobuf"};
  const std::vector<std::string> json_type = {"Content-Type: application/json"};

  // ExportTraceServiceRequest field 1 (resource_spans) announcing 16 bytes, with 3.
  const std::string truncated("\x0a\x10\x0a\x05\x12", 5);
  HttpReply r = http_request(http_port_, "POST", "/v1/traces", truncated, protobuf);
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_EQ(r.headers["content-type"].rfind("application/x-protobuf", 0), 0u)
      << r.headers["content-type"];
  EXPECT_FALSE(r.body.empty());

  r = http_request(http_port_, "POST", "/v1/traces", "hello", {"Content-Type: text/plain"});
  EXPECT_EQ(r.status, 415) << r.body;
  EXPECT_NE(r.body.find("text/plain"), std::string::npos) << r.body;

  const auto now_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  auto request = [&](const std::string& trace_id, const std::string& name) {
    json span = {
        {"traceId", trace_id},
        {"spanId", "00f067aa0ba902b7"},
        {"name", name},
        {"kind", 2},
        {"startTimeUnixNano", std::to_string(now_ns - 2'000'000)},
        {"endTimeUnixNano", std::to_string(now_ns)},
        {"attributes", json::array({{{"key", "raw.attr"}, {"value", {{"stringValue", "x"}}}}})}};
    json body = {
        {"resourceSpans",
         json::array({{{"resource",
                        {{"attributes", json::array({{{"key", "service.name"},
                                                      {"value", {{"stringValue", "raw-svc"}}}}})}}},
                       {"scopeSpans", json::array({{{"spans", json::array({span})}}})}}})}};
    return body.dump();
  };

  r = http_request(http_port_, "POST", "/v1/traces",
                   request("4bf92f3577b34da6a3ce929d0e0e47zz", "bad-id"), json_type);
  EXPECT_EQ(r.status, 400) << r.body;
  const json error = json::parse(r.body, nullptr, false);
  ASSERT_TRUE(error.is_object()) << r.body;
  EXPECT_EQ(error.value("code", -1), 3) << r.body;  // INVALID_ARGUMENT
  EXPECT_NE(error.value("message", "").find("traceId"), std::string::npos) << r.body;

  r = http_request(http_port_, "POST", "/v1/traces",
                   request("4bf92f3577b34da6a3ce929d0e0e4736", "raw-ok"), json_type);
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(json::parse(r.body, nullptr, false), json::object()) << r.body;
  ASSERT_TRUE(wait_for("SELECT count() FROM spans WHERE service = 'raw-svc'", json::object(), 1))
      << process_->log();
  const json rows =
      sql("SELECT name, resource, hex(trace_id), hex(span_id), kind, attributes['raw.attr'] "
          "FROM spans WHERE service = 'raw-svc'");
  ASSERT_EQ(rows.size(), 1u) << rows.dump();
  EXPECT_EQ(rows[0], json({"raw-ok", "raw-ok", "4BF92F3577B34DA6A3CE929D0E0E4736",
                           "00F067AA0BA902B7", "server", "x"}));

  const std::string metrics = http_request(process_->port(), "GET", "/metrics").body;
  EXPECT_EQ(prometheus_sum(metrics, "heeler_otlp_malformed_requests_total", {}), 3) << metrics;
}

}  // namespace
}  // namespace heeler::testing
