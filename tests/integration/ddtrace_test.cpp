// The real dd-trace Node tracer (tests/clients, pinned) against `heeler serve`: spans
// sent with the v0.4 and the v0.5 protocol land in the spans table with their ids,
// links, columns, tags and error details.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>

#include "process_harness.h"

namespace heeler::testing {
namespace {

using json = nlohmann::json;
using namespace std::chrono_literals;

const std::filesystem::path kClients =
    std::filesystem::path(HEELER_SOURCE_DIR) / "tests" / "clients";

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string hex16(const std::string& decimal) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llX", std::stoull(decimal));
  return buf;
}

std::string upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

class DdTraceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = std::filesystem::temp_directory_path() /
            ("heeler-it-" + std::to_string(::getpid()) + "-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(root_);
    std::filesystem::create_directories(root_);
  }
  void TearDown() override { std::filesystem::remove_all(root_); }

  // Runs the node client; returns the ids it printed and its whole output.
  json run_client(uint16_t apm_port, const std::string& protocol, const std::string& service,
                  std::string& output) {
    const std::filesystem::path out = root_ / ("node-" + protocol + ".log");
    const std::string command =
        "cd '" + kClients.string() +
        "' && env DD_TRACE_AGENT_URL=http://127.0.0.1:" + std::to_string(apm_port) +
        " DD_SERVICE=" + service +
        " DD_ENV=it-env DD_VERSION=9.9.9 DD_TRACE_AGENT_PROTOCOL_VERSION=" + protocol +
        " DD_TRACE_DEBUG=true DD_TRACE_STARTUP_LOGS=false timeout 60 node ddtrace_spans.js run-" +
        protocol + " > '" + out.string() + "' 2>&1";
    const int rc = std::system(command.c_str());
    output = read_file(out);
    EXPECT_EQ(rc, 0) << output;
    std::istringstream lines(output);
    for (std::string line; std::getline(lines, line);)
      if (line.starts_with("{\"trace_id\"")) return json::parse(line);
    ADD_FAILURE() << "the client printed no ids:\n" << output;
    return json::object();
  }

  std::filesystem::path root_;
};

TEST_F(DdTraceTest, RealTracerSpansAreStoredWithV04AndV05) {
  ASSERT_TRUE(std::filesystem::exists(kClients / "node_modules" / "dd-trace"))
      << "run scripts/setup.sh (npm ci in tests/clients)";
  HeelerProcess p(root_ / "data");
  const uint16_t apm_port = free_port();
  p.start({"--set", "apm_listen=127.0.0.1:" + std::to_string(apm_port), "--set",
           "api.sql_enabled=true"});
  ASSERT_TRUE(p.wait_ready()) << p.log();

  HttpReply info = http_request(apm_port, "GET", "/info");
  ASSERT_EQ(info.status, 200) << info.body;
  EXPECT_EQ(json::parse(info.body)["endpoints"][0], "/v0.4/traces");

  for (const std::string protocol : {"0.4", "0.5"}) {
    SCOPED_TRACE("protocol " + protocol);
    const std::string service = protocol == "0.4" ? "it-svc-v04" : "it-svc-v05";
    std::string output;
    const json ids = run_client(apm_port, protocol, service, output);
    ASSERT_TRUE(ids.contains("trace_id")) << output;

    // The tracer was answered with sampling rates and logged no error (the DogStatsD
    // proxy route belongs to another receiver, disabled here).
    EXPECT_NE(output.find(
                  "Response from the agent: {\"rate_by_service\":{\"service:,env:\":1,\"service:" +
                  service + ",env:it-env\":1}}"),
              std::string::npos)
        << output;
    std::istringstream lines(output);
    for (std::string line; std::getline(lines, line);)
      if (line.find("Error") != std::string::npos && line.find("dogstatsd") == std::string::npos &&
          line.find("DogStatsD") == std::string::npos && line.find("error.") == std::string::npos &&
          line.find("payment declined") == std::string::npos && !line.starts_with("    at "))
        ADD_FAILURE() << "tracer error: " << line;

    const json params = {{"svc", service}};
    ASSERT_TRUE(wait_for_number(p.port(), "SELECT count() FROM spans WHERE service = {svc:String}",
                                params, 4))
        << p.log();
    EXPECT_EQ(
        json_number(sql_data(p.port(), "SELECT count() FROM spans WHERE service = {svc:String}",
                             params)[0][0]),
        4);

    json rows = sql_data(
        p.port(),
        "SELECT name, resource, hex(trace_id), hex(span_id), hex(parent_span_id), env, version, "
        "kind, "
        "type, error, status_code, status_message, attributes['company_id'], "
        "attributes['customer_id'], metrics['cart.items'], attributes['error.message'], "
        "attributes['error.type'], attributes['_dd.p.tid'], attributes['heeler.run'], duration_ns "
        "FROM spans WHERE service = {svc:String} ORDER BY name",
        params);
    ASSERT_EQ(rows.size(), 4u);
    // ORDER BY name: cache.get, db.query, failing.op, web.request
    const json& cache = rows[0];
    const json& db = rows[1];
    const json& failing = rows[2];
    const json& web = rows[3];
    EXPECT_EQ(cache[0], "cache.get");
    EXPECT_EQ(cache[1], "GET cart:42");
    EXPECT_EQ(db[0], "db.query");
    EXPECT_EQ(db[1], "SELECT * FROM carts WHERE id = ?");
    EXPECT_EQ(db[8], "sql");
    EXPECT_EQ(failing[0], "failing.op");
    EXPECT_EQ(failing[1], "do_fail");
    EXPECT_EQ(web[0], "web.request");
    EXPECT_EQ(web[1], "GET /checkout/:id");
    EXPECT_EQ(web[8], "web");
    EXPECT_EQ(web[7], "server");

    // One 128-bit trace id whose high half is `_dd.p.tid`; parent links.
    const std::string trace_hex = upper(ids["trace_id"].get<std::string>());
    ASSERT_EQ(trace_hex.size(), 32u);
    for (const json& row : rows) EXPECT_EQ(row[2], trace_hex);
    EXPECT_EQ(trace_hex.substr(0, 16), upper(web[17].get<std::string>()));
    EXPECT_NE(trace_hex.substr(0, 16), "0000000000000000");
    EXPECT_EQ(web[3], hex16(ids["span_id"]));
    EXPECT_EQ(web[4], "0000000000000000");
    EXPECT_EQ(db[3], hex16(ids["db_span_id"]));
    EXPECT_EQ(db[4], web[3]);
    EXPECT_EQ(failing[3], hex16(ids["error_span_id"]));
    EXPECT_EQ(failing[4], web[3]);
    EXPECT_EQ(cache[3], hex16(ids["cache_span_id"]));
    EXPECT_EQ(cache[4], db[3]);

    for (const json& row : rows) {
      EXPECT_EQ(row[5], "it-env");
      EXPECT_EQ(row[6], "9.9.9");
      EXPECT_GT(row[19].get<uint64_t>(), 0u);
    }
    EXPECT_EQ(web[12], "acme-co");
    EXPECT_EQ(web[13], "cust-42");
    EXPECT_EQ(web[14], 3.0);
    EXPECT_EQ(web[18], "run-" + protocol);
    EXPECT_EQ(web[9], 0);
    EXPECT_EQ(failing[9], 1);
    EXPECT_EQ(failing[10], 2);
    EXPECT_EQ(failing[11], "payment declined");
    EXPECT_EQ(failing[15], "payment declined");
    EXPECT_EQ(failing[16], "TypeError");
  }

  HttpReply metrics = http_request(p.port(), "GET", "/metrics");
  EXPECT_NE(metrics.body.find("heeler_apm_spans_total 8"), std::string::npos) << metrics.body;
}

}  // namespace
}  // namespace heeler::testing
