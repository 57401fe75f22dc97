// The Datadog HTTP intake end to end: the official @datadog/datadog-api-client (node)
// submits logs (gzip), v1 and v2 series, an event and a service check over plain HTTP;
// raw requests check API keys and a hand-gzipped logs body; everything is read back
// from the store through /api/v1/sql.
#include <gtest/gtest.h>
#include <unistd.h>
#include <zlib.h>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

#include "process_harness.h"

namespace heeler::testing {
namespace {

using namespace std::chrono_literals;
using json = nlohmann::json;

std::string gzip(const std::string& in) {
  z_stream zs{};
  EXPECT_EQ(deflateInit2(&zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY),
            Z_OK);
  std::string out(deflateBound(&zs, in.size()) + 32, '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  zs.avail_in = static_cast<uInt>(in.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(deflate(&zs, Z_FINISH), Z_STREAM_END);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
}

class DatadogHttpIntegration : public ::testing::Test {
 protected:
  void start(std::vector<std::string> extra = {}) {
    root_ = std::filesystem::temp_directory_path() /
            ("heeler-ddhttp-it-" + std::to_string(::getpid()) + "-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(root_);
    std::filesystem::create_directories(root_);
    process_ = std::make_unique<HeelerProcess>(root_ / "data");
    std::vector<std::string> args = {"--set", "api.sql_enabled=true"};
    args.insert(args.end(), extra.begin(), extra.end());
    process_->start(args);
    ASSERT_TRUE(process_->wait_ready()) << process_->log();
  }
  void TearDown() override {
    if (!process_) return;
    process_->signal(SIGTERM);
    EXPECT_EQ(process_->wait_exit(10s), 0) << process_->log();
    process_.reset();
    std::filesystem::remove_all(root_);
  }

  json sql(const std::string& query, const json& params = json::object()) {
    return sql_data(process_->port(), query, params);
  }

  // Polls (at most 20 s) until `query` (one count) reaches `want`.
  bool wait_count(const std::string& query, const json& params, long want) {
    return wait_for_number(process_->port(), query, params, static_cast<double>(want));
  }

  std::filesystem::path root_;
  std::unique_ptr<HeelerProcess> process_;
};

std::string str(const json& v) {
  return v.is_string() ? v.get<std::string>() : v.dump();
}
double num(const json& v) {
  return json_number(v);
}

TEST_F(DatadogHttpIntegration, OfficialApiClientEveryEndpointIsStored) {
  start();
  const std::string prefix = "ddapi" + std::to_string(::getpid());
  const long now = static_cast<long>(std::time(nullptr));
  const std::string command =
      std::string("node '") + HEELER_SOURCE_DIR + "/tests/clients/datadog_api_submit.js' " +
      std::to_string(process_->port()) + " " + prefix + " anykey " + std::to_string(now) + " 2>&1";
  FILE* pipe = ::popen(command.c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  std::string output;
  char buf[512];
  while (size_t n = std::fread(buf, 1, sizeof buf, pipe)) output.append(buf, n);
  ASSERT_EQ(::pclose(pipe), 0) << "datadog-api-client failed (run scripts/setup.sh): " << output
                               << process_->log();
  const json answers = json::parse(output);
  EXPECT_EQ(answers["event"]["status"], "ok");
  EXPECT_EQ(answers["event"]["event"]["title"], prefix + " deploy");
  EXPECT_EQ(answers["check"]["status"], "ok");

  const json p = {{"s", prefix + "-svc"}};
  ASSERT_TRUE(wait_count("SELECT count() FROM logs WHERE service = {s:String}", p, 2))
      << process_->log();
  json rows =
      sql("SELECT message, status, env, version, host, source, hex(trace_id), hex(span_id), "
          "attributes['order.id'], attributes['order.total'], attributes['team'], "
          "attributes['dd.trace_id'] "
          "FROM logs WHERE service = {s:String} AND status = 'error'",
          p);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(str(rows[0][0]), prefix + " checkout failed");
  EXPECT_EQ(str(rows[0][1]), "error");
  EXPECT_EQ(str(rows[0][2]), "it");
  EXPECT_EQ(str(rows[0][3]), "9.9.9");
  EXPECT_EQ(str(rows[0][4]), "it-host");
  EXPECT_EQ(str(rows[0][5]), "nodejs");
  // 12345678901234567890 = 0xAB54A98CEB1F0AD2 (above 2^53: exact only without doubles).
  EXPECT_EQ(str(rows[0][6]), "0000000000000000AB54A98CEB1F0AD2");
  EXPECT_EQ(str(rows[0][7]), "000000003ADE68B1");
  EXPECT_EQ(str(rows[0][8]), "4711");
  EXPECT_EQ(str(rows[0][9]), "99.5");
  EXPECT_EQ(str(rows[0][10]), "blue");
  EXPECT_EQ(str(rows[0][11]), "12345678901234567890");
  rows =
      sql("SELECT message, attributes['http.status_code'] FROM logs WHERE service = {s:String} "
          "AND status = 'warning'",
          p);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(str(rows[0][0]), prefix + " plain line");
  EXPECT_EQ(str(rows[0][1]), "503");

  const json mp = {{"p", prefix + "."}};
  // The writer inserts metric_points and metric_series one after the other: wait for both.
  ASSERT_TRUE(wait_count(
      "SELECT uniqExact(metric) FROM metric_points WHERE startsWith(metric, {p:String})", mp, 3))
      << process_->log();
  ASSERT_TRUE(wait_count(
      "SELECT uniqExact(metric) FROM metric_series WHERE startsWith(metric, {p:String})", mp, 3))
      << process_->log();
  rows =
      sql("SELECT p.metric, p.kind, p.value, toUnixTimestamp(p.timestamp), s.tags['host'], "
          "s.tags['env'] "
          "FROM metric_points p INNER JOIN metric_series s ON p.series_id = s.series_id "
          "WHERE startsWith(p.metric, {p:String}) ORDER BY p.metric",
          mp);
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(str(rows[0][0]), prefix + ".v1.count");
  EXPECT_EQ(str(rows[0][1]), "count");
  EXPECT_EQ(num(rows[0][2]), 7);
  EXPECT_EQ(str(rows[1][0]), prefix + ".v1.gauge");
  EXPECT_EQ(str(rows[1][1]), "gauge");
  EXPECT_EQ(num(rows[1][2]), 42.5);
  EXPECT_EQ(num(rows[1][3]), now - 10);
  EXPECT_EQ(str(rows[1][4]), "it-host");
  EXPECT_EQ(str(rows[1][5]), "it");
  EXPECT_EQ(str(rows[2][0]), prefix + ".v2.rate");
  EXPECT_EQ(str(rows[2][1]), "rate");
  EXPECT_EQ(num(rows[2][2]), 1.25);
  EXPECT_EQ(str(rows[2][4]), "it-host-2");

  const json ep = {{"p", prefix}};
  ASSERT_TRUE(wait_count("SELECT count() FROM events WHERE startsWith(title, {p:String})", ep, 2))
      << process_->log();
  rows = sql(
      "SELECT title, text, source, priority, alert_type, host, aggregation_key, service, env, "
      "toUnixTimestamp(timestamp) FROM events WHERE startsWith(title, {p:String}) ORDER BY title",
      ep);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(str(rows[0][0]), prefix + " deploy");
  EXPECT_EQ(str(rows[0][1]), "version 9.9.9 rolled out");
  EXPECT_EQ(str(rows[0][2]), "jenkins");
  EXPECT_EQ(str(rows[0][3]), "low");
  EXPECT_EQ(str(rows[0][4]), "warning");
  EXPECT_EQ(str(rows[0][5]), "it-host");
  EXPECT_EQ(str(rows[0][6]), "deploy-1");
  EXPECT_EQ(str(rows[0][7]), "web");
  EXPECT_EQ(str(rows[0][8]), "it");
  EXPECT_EQ(num(rows[0][9]), now - 20);
  EXPECT_EQ(str(rows[1][0]), prefix + ".check");
  EXPECT_EQ(str(rows[1][1]), "disk full");
  EXPECT_EQ(str(rows[1][2]), "service_check");
  EXPECT_EQ(str(rows[1][4]), "error");
  EXPECT_EQ(str(rows[1][5]), "it-host");
}

TEST_F(DatadogHttpIntegration, ApiKeysAndGzipLogs) {
  start({"--set", "intake.api_keys=secret1"});
  const uint16_t port = process_->port();
  const std::string body = R"([{"message":"gz-keyed","service":"keyed-svc","ddtags":"env:k"}])";
  HttpReply r =
      http_request(port, "POST", "/api/v2/logs", body, {"Content-Type: application/json"});
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(r.body, R"({"errors":["Forbidden"]})");
  r = http_request(port, "POST", "/api/v2/logs", body,
                   {"Content-Type: application/json", "DD-API-KEY: nope"});
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(http_request(port, "GET", "/api/v1/validate", "", {"dd-api-key: nope"}).status, 403);
  r = http_request(port, "GET", "/api/v1/validate", "", {"dd-api-key: secret1"});
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, R"({"valid":true})");

  r = http_request(
      port, "POST", "/api/v2/logs", gzip(body),
      {"Content-Type: application/json", "Content-Encoding: gzip", "DD-API-KEY: secret1"});
  EXPECT_EQ(r.status, 202) << r.body;
  EXPECT_EQ(r.body, "{}");
  r = http_request(port, "POST", "/api/v2/logs?dd-api-key=secret1", "[{\"message\": nope}]",
                   {"Content-Type: application/json"});
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("invalid JSON at byte 14"), std::string::npos) << r.body;

  ASSERT_TRUE(wait_count("SELECT count() FROM logs WHERE service = 'keyed-svc'", json::object(), 1))
      << process_->log();
  json rows = sql("SELECT message, env FROM logs WHERE service = 'keyed-svc'");
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(str(rows[0][0]), "gz-keyed");
  EXPECT_EQ(str(rows[0][1]), "k");
  const std::string metrics = http_request(port, "GET", "/metrics").body;
  EXPECT_NE(metrics.find("heeler_intake_http_forbidden_total 3"), std::string::npos);
}

}  // namespace
}  // namespace heeler::testing
