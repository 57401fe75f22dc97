// The real binary, as an operator meets it: start, serve, store, restart, stop.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <future>
#include <nlohmann/json.hpp>

#include "net/compression.h"
#include "process_harness.h"

namespace heeler::testing {
namespace {

using namespace std::chrono_literals;
using json = nlohmann::json;

class ServeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = std::filesystem::temp_directory_path() /
            ("heeler-it-" + std::to_string(::getpid()) + "-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(root_);
    std::filesystem::create_directories(root_);
  }
  void TearDown() override { std::filesystem::remove_all(root_); }

  HttpReply sql(HeelerProcess& p, const std::string& query, const json& params = json::object()) {
    json body = {{"query", query}, {"params", params}};
    return http_request(p.port(), "POST", "/api/v1/sql", body.dump(),
                        {"Content-Type: application/json"});
  }

  std::filesystem::path root_;
};

TEST_F(ServeTest, ServesHealthReadinessAndMetrics) {
  HeelerProcess p(root_ / "data");
  p.start();
  ASSERT_TRUE(p.wait_ready()) << p.log();

  auto health = http_request(p.port(), "GET", "/healthz");
  EXPECT_EQ(health.status, 200);
  EXPECT_EQ(json::parse(health.body)["status"], "ok");

  auto ready = http_request(p.port(), "GET", "/readyz");
  ASSERT_EQ(ready.status, 200) << ready.body;
  json r = json::parse(ready.body);
  EXPECT_EQ(r["checks"]["store"], "ok");
  EXPECT_EQ(r["checks"]["migrations"], "ok");
  EXPECT_EQ(r["installation_id"].get<std::string>().size(), 32u);

  auto metrics = http_request(p.port(), "GET", "/metrics");
  EXPECT_EQ(metrics.status, 200);
  EXPECT_NE(metrics.headers["content-type"].find("text/plain"), std::string::npos);
  EXPECT_NE(metrics.body.find("heeler_http_requests_total{"), std::string::npos) << metrics.body;
  EXPECT_NE(metrics.body.find("code=\"200\""), std::string::npos);
  EXPECT_NE(metrics.body.find("heeler_http_request_duration_seconds_bucket"), std::string::npos);
  EXPECT_NE(metrics.body.find("heeler_process_resident_memory_bytes"), std::string::npos);
  EXPECT_NE(metrics.body.find("heeler_store_query_duration_seconds"), std::string::npos);

  // Structured request logs on stderr.
  EXPECT_NE(p.log().find("component=http msg=request"), std::string::npos) << p.log();

  p.signal(SIGTERM);
  EXPECT_EQ(p.wait_exit(5s), 0) << p.log();
}

TEST_F(ServeTest, DataSurvivesRestartAndSigtermExitsZero) {
  HeelerProcess p(root_ / "data");
  p.start({"--set", "api.sql_enabled=true"});
  ASSERT_TRUE(p.wait_ready()) << p.log();

  const std::string hostile = "it's a \"test\" \\ '); DROP TABLE logs; -- \n\t ünïcødé";
  auto insert = sql(p,
                    "INSERT INTO logs (timestamp, service, status, message) "
                    "SELECT now64(9), {svc:String}, 'info', concat({msg:String}, toString(number)) "
                    "FROM numbers(1000)",
                    {{"svc", "checkout"}, {"msg", hostile}});
  ASSERT_EQ(insert.status, 200) << insert.body;

  auto count =
      sql(p, "SELECT count() AS n, any(service) AS s FROM logs WHERE service = {svc:String}",
          {{"svc", "checkout"}});
  ASSERT_EQ(count.status, 200) << count.body;
  json c = json::parse(count.body);
  EXPECT_EQ(c["data"][0][0], 1000);
  EXPECT_EQ(c["data"][0][1], "checkout");
  EXPECT_EQ(c["meta"][0]["name"], "n");

  p.signal(SIGTERM);
  ASSERT_EQ(p.wait_exit(5s), 0) << p.log();

  HeelerProcess again(root_ / "data");
  again.start({"--set", "api.sql_enabled=true"});
  ASSERT_TRUE(again.wait_ready()) << again.log();
  auto after = sql(again, "SELECT count(), min(message) FROM logs");
  ASSERT_EQ(after.status, 200) << after.body;
  json a = json::parse(after.body);
  EXPECT_EQ(a["data"][0][0], 1000);
  EXPECT_EQ(a["data"][0][1], hostile + "0");
  // Migrations ran once: the second start applied none.
  EXPECT_NE(again.log().find("migrations_applied=0"), std::string::npos) << again.log();
  again.signal(SIGINT);
  EXPECT_EQ(again.wait_exit(5s), 0) << again.log();
}

TEST_F(ServeTest, SigtermLetsInFlightRequestsFinish) {
  HeelerProcess p(root_ / "data");
  p.start({"--set", "api.sql_enabled=true"});
  ASSERT_TRUE(p.wait_ready()) << p.log();
  auto slow = std::async(std::launch::async, [&] { return sql(p, "SELECT sleep(1.5) AS slept"); });
  // Signal once the engine is running the query, not before the request arrived.
  bool in_flight = false;
  for (int i = 0; i < 400 && !in_flight; ++i) {
    auto seen = sql(p,
                    "SELECT count() FROM system.processes WHERE query LIKE '%sleep(1.5)%' "
                    "AND query NOT LIKE '%system.processes%'");
    in_flight = seen.status == 200 && json::parse(seen.body)["data"][0][0] == 1;
    if (!in_flight) std::this_thread::sleep_for(5ms);
  }
  ASSERT_TRUE(in_flight) << p.log();
  auto t0 = std::chrono::steady_clock::now();
  p.signal(SIGTERM);
  HttpReply reply = slow.get();
  EXPECT_EQ(reply.status, 200) << reply.body;
  EXPECT_EQ(p.wait_exit(5s), 0) << p.log();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 5s);
}

TEST_F(ServeTest, BadRequestsGetJsonErrors) {
  HeelerProcess p(root_ / "data");
  p.start({"--set", "http.max_body_bytes=4KiB", "--set", "http.max_decoded_body_bytes=64KiB",
           "--set", "api.sql_enabled=true"});
  ASSERT_TRUE(p.wait_ready()) << p.log();

  auto missing = http_request(p.port(), "GET", "/api/no/such/route");
  EXPECT_EQ(missing.status, 404);
  ASSERT_TRUE(json::parse(missing.body)["errors"].is_array()) << missing.body;

  auto big = http_request(p.port(), "POST", "/api/v1/sql", std::string(100000, 'x'));
  EXPECT_EQ(big.status, 413) << big.body;
  EXPECT_TRUE(json::parse(big.body)["errors"].is_array());

  auto bad_gzip = http_request(p.port(), "POST", "/api/v1/sql", "definitely not gzip",
                               {"Content-Encoding: gzip"});
  EXPECT_EQ(bad_gzip.status, 400);
  EXPECT_NE(bad_gzip.body.find("gzip"), std::string::npos) << bad_gzip.body;

  auto bomb =
      http_request(p.port(), "POST", "/api/v1/sql", net::gzip_compress(std::string(1 << 20, 'a')),
                   {"Content-Encoding: gzip"});
  EXPECT_EQ(bomb.status, 413) << bomb.body;

  auto brotli = http_request(p.port(), "POST", "/api/v1/sql", "x", {"Content-Encoding: br"});
  EXPECT_EQ(brotli.status, 415) << brotli.body;

  json q = {{"query", "SELECT {n:UInt8} + 1"}, {"params", {{"n", 41}}}};
  auto zstd = http_request(p.port(), "POST", "/api/v1/sql", net::zstd_compress(q.dump()),
                           {"Content-Encoding: zstd"});
  ASSERT_EQ(zstd.status, 200) << zstd.body;
  EXPECT_EQ(json::parse(zstd.body)["data"][0][0], 42);

  auto not_json = http_request(p.port(), "POST", "/api/v1/sql", "{nope");
  EXPECT_EQ(not_json.status, 400);
  auto bad_sql = sql(p, "SELEC 1");
  EXPECT_EQ(bad_sql.status, 400);
  EXPECT_NE(bad_sql.body.find("errors"), std::string::npos);

  // The server is still healthy after all of that.
  EXPECT_EQ(http_request(p.port(), "GET", "/healthz").status, 200);
  p.signal(SIGTERM);
  EXPECT_EQ(p.wait_exit(5s), 0) << p.log();
}

TEST_F(ServeTest, ServesTheWebUiAfterEveryApiRoute) {
  const std::filesystem::path ui = root_ / "ui";
  std::filesystem::create_directories(ui / "assets");
  std::ofstream(ui / "index.html") << "<!doctype html><div id=app></div>";
  std::ofstream(ui / "assets" / "index-abc.js") << "console.log(1)";
  std::ofstream(root_ / "outside.txt") << "outside";
  HeelerProcess p(root_ / "data");
  p.start({"--set", "ui.dir=" + ui.string()});
  ASSERT_TRUE(p.wait_ready()) << p.log();

  for (const char* target : {"/", "/logs", "/metric/explorer?q=avg%3Acpu%7B*%7D"}) {
    auto page = http_request(p.port(), "GET", target);
    EXPECT_EQ(page.status, 200) << target;
    EXPECT_EQ(page.body, "<!doctype html><div id=app></div>") << target;
    EXPECT_EQ(page.headers["content-type"], "text/html; charset=utf-8");
    EXPECT_EQ(page.headers["cache-control"], "no-cache");
  }
  auto js = http_request(p.port(), "GET", "/assets/index-abc.js");
  EXPECT_EQ(js.status, 200);
  EXPECT_EQ(js.headers["content-type"], "text/javascript; charset=utf-8");
  EXPECT_EQ(js.headers["cache-control"], "public, max-age=31536000, immutable");
  for (const char* target :
       {"/assets/../../outside.txt", "/assets/%2e%2e/%2e%2e/outside.txt", "/%2E%2E/outside.txt"}) {
    auto escape = http_request(p.port(), "GET", target);
    EXPECT_EQ(escape.status, 400) << target;
    EXPECT_EQ(escape.body.find("outside"), std::string::npos) << target;
  }
  // API and operability routes keep priority.
  EXPECT_EQ(http_request(p.port(), "GET", "/healthz").status, 200);
  EXPECT_NE(http_request(p.port(), "GET", "/metrics").body.find("# TYPE"), std::string::npos);
  auto api = http_request(p.port(), "GET", "/api/v1/nothing");
  EXPECT_EQ(api.status, 404);
  EXPECT_EQ(api.headers["content-type"], "application/json");
  p.signal(SIGTERM);
  EXPECT_EQ(p.wait_exit(5s), 0) << p.log();
}

TEST_F(ServeTest, SaysHowToBuildAMissingWebUi) {
  HeelerProcess p(root_ / "data");
  p.start({"--set", "ui.dir=" + (root_ / "no-ui").string()});
  ASSERT_TRUE(p.wait_ready()) << p.log();
  auto page = http_request(p.port(), "GET", "/");
  EXPECT_EQ(page.headers["content-type"], "text/html; charset=utf-8");
  EXPECT_NE(page.body.find("was not built"), std::string::npos) << page.body;
  p.signal(SIGTERM);
  EXPECT_EQ(p.wait_exit(5s), 0) << p.log();
}

TEST_F(ServeTest, SqlApiIsOffByDefault) {
  HeelerProcess p(root_ / "data");
  p.start();
  ASSERT_TRUE(p.wait_ready()) << p.log();
  EXPECT_EQ(sql(p, "SELECT 1").status, 404);
  p.signal(SIGTERM);
  EXPECT_EQ(p.wait_exit(5s), 0);
}

TEST_F(ServeTest, UnwritableDataDirFailsStartClearly) {
  std::ofstream(root_ / "a-file") << "x";
  HeelerProcess p(root_ / "a-file" / "data", root_ / "unwritable.log");
  p.start();
  int code = p.wait_exit(30s);
  EXPECT_NE(code, 0);
  EXPECT_NE(code, -1);
  EXPECT_NE(p.log().find("data directory"), std::string::npos) << p.log();
}

TEST_F(ServeTest, SecondServerOnTheSameDataDirFailsClearly) {
  HeelerProcess first(root_ / "data");
  first.start();
  ASSERT_TRUE(first.wait_ready()) << first.log();
  HeelerProcess second(root_ / "data");
  second.start();
  int code = second.wait_exit(30s);
  EXPECT_NE(code, 0) << second.log();
  EXPECT_LT(code, 128) << "crashed instead of exiting: " << second.log();
  EXPECT_NE(second.log().find("level=error"), std::string::npos) << second.log();
  EXPECT_EQ(http_request(first.port(), "GET", "/readyz").status, 200);
  first.signal(SIGTERM);
  EXPECT_EQ(first.wait_exit(5s), 0) << first.log();
}

TEST(Cli, VersionHelpAndConfigErrors) {
  std::string out;
  EXPECT_EQ(run_heeler({"version"}, out), 0);
  EXPECT_EQ(out.rfind("heeler ", 0), 0u) << out;

  EXPECT_EQ(run_heeler({"--help"}, out), 0);
  for (const char* flag : {"--data-dir", "--listen", "--otlp-http-listen", "--otlp-grpc-listen",
                           "--apm-listen", "--dogstatsd-listen", "HEELER_HTTP_THREADS"})
    EXPECT_NE(out.find(flag), std::string::npos) << flag;

  EXPECT_EQ(run_heeler({"serve", "--listen", "nowhere:port"}, out), 2);
  EXPECT_NE(out.find("'listen'"), std::string::npos) << out;

  EXPECT_EQ(run_heeler({"--set", "http.threads=lots", "--print-config"}, out), 2);
  EXPECT_NE(out.find("http.threads"), std::string::npos) << out;

  EXPECT_EQ(run_heeler({"--print-config", "--listen", "127.0.0.1:9999"}, out), 0);
  EXPECT_NE(out.find("listen = \"127.0.0.1:9999\""), std::string::npos) << out;
}

}  // namespace
}  // namespace heeler::testing
