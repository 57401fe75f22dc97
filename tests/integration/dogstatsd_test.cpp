// DogStatsD end to end: the real hot-shots client over UDP, malformed datagrams, and
// dd-trace's POST /dogstatsd/v2/proxy, read back from the store through /api/v1/sql.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>
#include <string>
#include <thread>

#include "process_harness.h"

namespace heeler::testing {
namespace {

using namespace std::chrono_literals;
using json = nlohmann::json;

void send_udp(uint16_t port, const std::string& payload) {
  int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::sendto(fd, payload.data(), payload.size(), 0, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  ::close(fd);
}

double num(const json& v) {
  return json_number(v);
}

class DogstatsdTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = std::filesystem::temp_directory_path() /
            ("heeler-dsd-it-" + std::to_string(::getpid()) + "-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(root_);
    std::filesystem::create_directories(root_);
    udp_port_ = free_udp_port();
    apm_port_ = free_port();
    process_ = std::make_unique<HeelerProcess>(root_ / "data");
    // The harness passes --dogstatsd-listen/--apm-listen 127.0.0.1:0 (a flag may be
    // given once); --set overrides are applied after flags, so these win.
    process_->start({"--set", "dogstatsd_listen=127.0.0.1:" + std::to_string(udp_port_), "--set",
                     "apm_listen=127.0.0.1:" + std::to_string(apm_port_), "--set",
                     "dogstatsd.flush_interval_seconds=1", "--set", "api.sql_enabled=true"});
    ASSERT_TRUE(process_->wait_ready()) << process_->log();
  }
  void TearDown() override {
    process_->signal(SIGTERM);
    EXPECT_EQ(process_->wait_exit(10s), 0) << process_->log();
    process_.reset();
    std::filesystem::remove_all(root_);
  }

  json sql(const std::string& query, const json& params = json::object()) {
    return sql_data(process_->port(), query, params);
  }

  // Polls (at most 20 s) until the single number `query` returns reaches `want`.
  bool wait_for(const std::string& query, const json& params, double want) {
    return wait_for_number(process_->port(), query, params, want);
  }

  double metric_value(const std::string& metric, const std::string& aggregate) {
    json data =
        sql("SELECT toFloat64(" + aggregate + ") FROM metric_points WHERE metric = {m:String}",
            {{"m", metric}});
    return data.empty() ? -1e300 : num(data[0][0]);
  }

  std::string metrics_text() { return http_request(process_->port(), "GET", "/metrics").body; }

  std::filesystem::path root_;
  uint16_t udp_port_ = 0;
  uint16_t apm_port_ = 0;
  std::unique_ptr<HeelerProcess> process_;
};

TEST_F(DogstatsdTest, HotShotsClientEveryTypeIsAggregatedAndStored) {
  const std::string prefix = "hs" + std::to_string(::getpid());
  std::string command = std::string("node '") + HEELER_SOURCE_DIR +
                        "/tests/clients/dogstatsd_hotshots.js' 127.0.0.1 " +
                        std::to_string(udp_port_) + " " + prefix + " 2>&1";
  FILE* pipe = ::popen(command.c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  std::string output;
  char buf[512];
  while (size_t n = std::fread(buf, 1, sizeof buf, pipe)) output.append(buf, n);
  ASSERT_EQ(::pclose(pipe), 0) << "hot-shots client failed (run scripts/setup.sh): " << output;

  // A sentinel sent after the client exited lands in the last flush interval: once its
  // point and series row are stored, every earlier interval is too (the aggregator
  // flushes in order and the writer inserts in order, points before series).
  send_udp(udp_port_, "it.sentinel." + prefix + ":1|c");
  const json sentinel = {{"m", "it.sentinel." + prefix}};
  ASSERT_TRUE(wait_for("SELECT count() FROM metric_points WHERE metric = {m:String}", sentinel, 1))
      << process_->log();
  ASSERT_TRUE(wait_for("SELECT count() FROM metric_series WHERE metric = {m:String}", sentinel, 1))
      << process_->log();

  // 17 metric names (histogram and timing give five each) and two events.
  ASSERT_TRUE(
      wait_for("SELECT uniqExact(metric) FROM metric_points WHERE startsWith(metric, {p:String})",
               {{"p", prefix + "."}}, 17))
      << process_->log();
  ASSERT_TRUE(wait_for("SELECT count() FROM events WHERE startsWith(title, {p:String})",
                       {{"p", prefix}}, 2))
      << process_->log();

  EXPECT_EQ(metric_value(prefix + ".count", "sum(value)"), 5);
  EXPECT_EQ(metric_value(prefix + ".count", "any(kind) = 'count'"), 1);
  EXPECT_EQ(metric_value(prefix + ".count.dec", "sum(value)"), -1);
  EXPECT_EQ(metric_value(prefix + ".sampled", "sum(value)"), 6);  // 3 sends at @0.5
  EXPECT_EQ(metric_value(prefix + ".gauge", "argMax(value, timestamp)"), 42.5);
  EXPECT_EQ(metric_value(prefix + ".gdelta", "argMax(value, timestamp)"), 12);  // 10 +5 -3
  EXPECT_EQ(metric_value(prefix + ".set", "sum(value)"), 3);
  EXPECT_EQ(metric_value(prefix + ".hist.max", "max(value)"), 40);
  EXPECT_EQ(metric_value(prefix + ".hist.avg", "any(value)"), 25);
  EXPECT_EQ(metric_value(prefix + ".hist.count", "sum(value)"), 4);
  EXPECT_EQ(metric_value(prefix + ".hist.median", "any(value)"), 20);
  EXPECT_EQ(metric_value(prefix + ".hist.95percentile", "any(value)"), 40);
  EXPECT_EQ(metric_value(prefix + ".timing.count", "sum(value)"), 4);  // 2 sends at @0.5
  EXPECT_EQ(metric_value(prefix + ".timing.avg", "any(value)"), 250);
  EXPECT_EQ(metric_value(prefix + ".dist", "sum(weight)"), 100);
  EXPECT_EQ(metric_value(prefix + ".dist", "any(kind) = 'distribution'"), 1);
  EXPECT_NEAR(metric_value(prefix + ".dist", "quantileExactWeighted(0.95)(value, weight)"), 95,
              0.95);
  EXPECT_NEAR(metric_value(prefix + ".dist", "quantileExactWeighted(0.5)(value, weight)"), 50, 0.5);

  json tags =
      sql("SELECT tags['team'], tags['region'], tags['env'], env FROM metric_series "
          "WHERE metric = {m:String} LIMIT 1",
          {{"m", prefix + ".count"}});
  ASSERT_EQ(tags.size(), 1u);
  EXPECT_EQ(tags[0], json({"obs", "eu", "it", "it"}));

  json event =
      sql("SELECT text, source, priority, alert_type, host, aggregation_key, tags['deploy'], env "
          "FROM events WHERE title = {t:String}",
          {{"t", prefix + " deploy"}});
  ASSERT_EQ(event.size(), 1u);
  EXPECT_EQ(event[0], json({"v1.2.3 deployed\nsecond line", "my_src", "low", "warning", "host-1",
                            "agg", "yes", "it"}));

  json check =
      sql("SELECT text, source, alert_type, host, tags['disk'], tags['check_status'] FROM events "
          "WHERE title = {t:String}",
          {{"t", prefix + ".check"}});
  ASSERT_EQ(check.size(), 1u);
  EXPECT_EQ(check[0], json({"disk almost full", "service_check", "warning", "host-1", "sda", "1"}));

  std::string metrics = metrics_text();
  EXPECT_NE(metrics.find("heeler_dogstatsd_flushes_total"), std::string::npos);
  EXPECT_NE(metrics.find("heeler_dogstatsd_packets_total"), std::string::npos);
}

TEST_F(DogstatsdTest, MalformedDatagramsAreCountedAndTheServerCarriesOn) {
  send_udp(udp_port_, "no.value|c");
  send_udp(udp_port_, "bad.number:abc|c\nnot.finite:nan|g");
  send_udp(udp_port_, std::string("bad.utf8\xff:1|c"));
  send_udp(udp_port_, "_e{99999,1}:t|x");
  send_udp(udp_port_, "big.tag:1|c|#k:" + std::string(60'000, 'v'));
  send_udp(udp_port_, "after.garbage:7|c|#k:v");

  auto deadline = std::chrono::steady_clock::now() + 20s;
  std::string metrics;
  while (std::chrono::steady_clock::now() < deadline) {
    metrics = metrics_text();
    if (metrics.find("heeler_dogstatsd_lines_total 7") != std::string::npos) break;
    std::this_thread::sleep_for(100ms);
  }
  EXPECT_NE(metrics.find("heeler_dogstatsd_packets_total 6"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("heeler_dogstatsd_lines_total 7"), std::string::npos) << metrics;
  for (const char* reason :
       {"missing_value", "bad_value", "not_finite", "invalid_utf8", "bad_event", "bad_tags"})
    EXPECT_NE(metrics.find(std::string("heeler_dogstatsd_lines_dropped_total{reason=\"") + reason +
                           "\"} 1"),
              std::string::npos)
        << reason << "\n"
        << metrics;
  EXPECT_EQ(http_request(process_->port(), "GET", "/healthz").status, 200);
  ASSERT_TRUE(
      wait_for("SELECT toFloat64(sum(value)) FROM metric_points WHERE metric = 'after.garbage'",
               json::object(), 7))
      << process_->log();
}

TEST_F(DogstatsdTest, TracerProxyEndpointStoresLines) {
  std::ifstream in(std::string(HEELER_SOURCE_DIR) +
                   "/tests/unit/intake/dogstatsd/testdata/"
                   "ddtrace_POST_dogstatsd_v2_proxy_runtime_metrics.txt");
  std::stringstream body;
  body << in.rdbuf();
  std::string lines = body.str() + "it.proxy.count:7|c|#service:capture-svc|c:in-1\n";
  HttpReply reply = http_request(apm_port_, "POST", "/dogstatsd/v2/proxy", lines);
  EXPECT_EQ(reply.status, 200) << reply.body;
  ASSERT_TRUE(
      wait_for("SELECT toFloat64(sum(value)) FROM metric_points WHERE metric = 'it.proxy.count'",
               json::object(), 7))
      << process_->log();
  EXPECT_EQ(metric_value("it.proxy.count", "sum(value)"), 7);
  // The writer inserts metric_points and metric_series one after the other: wait for both.
  const std::string series_query =
      "SELECT toFloat64(count()) FROM metric_series WHERE metric = 'runtime.node.cpu.user' "
      "AND service = 'capture-svc' AND env = 'capture-env'";
  ASSERT_TRUE(wait_for(series_query, json::object(), 1)) << process_->log();
  json cpu = sql(series_query);
  ASSERT_EQ(cpu.size(), 1u);
  EXPECT_EQ(num(cpu[0][0]), 1);
  // Every line of the capture parsed: no parse drop of any reason.
  std::string metrics = metrics_text();
  EXPECT_FALSE(std::regex_search(
      metrics, std::regex(R"(heeler_dogstatsd_lines_dropped_total\{[^}]*\} [1-9])")))
      << metrics;
}

}  // namespace
}  // namespace heeler::testing
