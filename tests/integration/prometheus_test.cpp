// Prometheus remote-write end to end: a real Prometheus (Debian's /usr/bin/prometheus,
// installed by scripts/setup.sh) scrapes Heeler's own /metrics every second and
// remote-writes what it scraped to Heeler's /api/v1/write; the series are read back
// from the store through /api/v1/sql.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "process_harness.h"

namespace heeler::testing {
namespace {

using namespace std::chrono_literals;
using json = nlohmann::json;

constexpr const char* kPrometheus = "/usr/bin/prometheus";

std::string str(const json& v) {
  return v.is_string() ? v.get<std::string>() : v.dump();
}

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// A child process with stdout and stderr in `log`; stopped with SIGTERM when destroyed.
class Child {
 public:
  Child(const std::vector<std::string>& argv, const std::filesystem::path& log) : log_(log) {
    pid_ = ::fork();
    if (pid_ == 0) {
      const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      if (fd >= 0) {
        ::dup2(fd, 1);
        ::dup2(fd, 2);
      }
      std::vector<char*> args;
      for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
      args.push_back(nullptr);
      ::execv(args[0], args.data());
      ::_exit(127);
    }
  }
  ~Child() { stop(); }

  bool running() {
    if (pid_ <= 0) return false;
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return false;
    }
    return true;
  }

  // SIGTERM, then SIGKILL if it has not exited after `grace`; true when it exited alone.
  bool stop(std::chrono::milliseconds grace = 15s) {
    if (pid_ <= 0) return true;
    ::kill(pid_, SIGTERM);
    const auto deadline = std::chrono::steady_clock::now() + grace;
    while (std::chrono::steady_clock::now() < deadline) {
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return true;
      }
      std::this_thread::sleep_for(50ms);
    }
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
    pid_ = -1;
    return false;
  }

  std::string log() const { return read_file(log_); }

 private:
  std::filesystem::path log_;
  pid_t pid_ = -1;
};

class PrometheusIntegration : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::access(kPrometheus, X_OK) != 0)
      GTEST_SKIP() << kPrometheus << " is not installed (scripts/setup.sh installs it)";
    root_ = std::filesystem::temp_directory_path() /
            ("heeler-prom-it-" + std::to_string(::getpid()) + "-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(root_);
    std::filesystem::create_directories(root_);
    process_ = std::make_unique<HeelerProcess>(root_ / "data");
    process_->start({"--set", "api.sql_enabled=true"});
    ASSERT_TRUE(process_->wait_ready()) << process_->log();
  }
  void TearDown() override {
    if (prometheus_) {
      EXPECT_TRUE(prometheus_->stop()) << prometheus_->log();
      prometheus_.reset();
    }
    if (!process_) return;
    process_->signal(SIGTERM);
    EXPECT_EQ(process_->wait_exit(10s), 0) << process_->log();
    process_.reset();
    std::filesystem::remove_all(root_);
  }

  json sql(const std::string& query, const json& params = json::object()) {
    return sql_data(process_->port(), query, params);
  }

  std::filesystem::path root_;
  std::unique_ptr<HeelerProcess> process_;
  std::unique_ptr<Child> prometheus_;
};

TEST_F(PrometheusIntegration, ScrapesHeelerAndRemoteWritesToIt) {
  const std::string target = "127.0.0.1:" + std::to_string(process_->port());
  const std::string job = "heeler-self";
  {
    std::ofstream config(root_ / "prometheus.yml");
    config << "global:\n"
              "  scrape_interval: 1s\n"
              "  scrape_timeout: 1s\n"
              "  evaluation_interval: 1s\n"
              "scrape_configs:\n"
              "  - job_name: "
           << job
           << "\n"
              "    static_configs:\n"
              "      - targets: ['"
           << target
           << "']\n"
              "remote_write:\n"
              "  - url: http://"
           << target
           << "/api/v1/write\n"
              "    queue_config:\n"
              "      batch_send_deadline: 1s\n"
              "    metadata_config:\n"
              "      send: true\n"
              "      send_interval: 1s\n";
  }
  const uint16_t web_port = free_port();
  prometheus_ = std::make_unique<Child>(
      std::vector<std::string>{kPrometheus, "--config.file=" + (root_ / "prometheus.yml").string(),
                               "--storage.tsdb.path=" + (root_ / "tsdb").string(),
                               "--web.listen-address=127.0.0.1:" + std::to_string(web_port)},
      root_ / "prometheus.log");

  // Counters need two scrapes before the first delta; remote-write starts a few seconds
  // after Prometheus does.
  const std::string counter = "heeler_http_requests_total";
  const auto deadline = std::chrono::steady_clock::now() + 60s;
  bool up = false, counted = false, series = false;
  while (std::chrono::steady_clock::now() < deadline && !(up && counted && series)) {
    ASSERT_TRUE(prometheus_->running()) << prometheus_->log();
    std::this_thread::sleep_for(500ms);
    json rows =
        sql("SELECT countIf(metric = 'up'), countIf(metric = {c:String}) FROM metric_points "
            "WHERE metric IN ('up', {c:String})",
            {{"c", counter}});
    if (rows.empty()) continue;
    up = json_number(rows[0][0]) > 0;
    counted = json_number(rows[0][1]) > 0;
    json s =
        sql("SELECT countIf(metric = 'up'), countIf(metric = {c:String}) FROM metric_series "
            "WHERE metric IN ('up', {c:String})",
            {{"c", counter}});
    series = !s.empty() && json_number(s[0][0]) > 0 && json_number(s[0][1]) > 0;
  }
  ASSERT_TRUE(up && counted && series)
      << "up: " << up << " counter: " << counted << " series: " << series << "\nprometheus:\n"
      << prometheus_->log() << "\nheeler:\n"
      << process_->log();

  // `up` is a gauge of 1, tagged with the scrape's job and instance.
  json rows =
      sql("SELECT min(value), max(value), groupUniqArray(kind) FROM metric_points "
          "WHERE metric = 'up'");
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(json_number(rows[0][0]), 1);
  EXPECT_EQ(json_number(rows[0][1]), 1);
  EXPECT_EQ(rows[0][2], json::array({"gauge"}));
  rows = sql("SELECT tags['job'], tags['instance'], kind FROM metric_series WHERE metric = 'up'");
  ASSERT_GE(rows.size(), 1u);
  EXPECT_EQ(str(rows[0][0]), job);
  EXPECT_EQ(str(rows[0][1]), target);
  EXPECT_EQ(str(rows[0][2]), "gauge");

  // The HTTP requests counter: per-interval deltas, never negative, tagged by label.
  rows =
      sql("SELECT count(), min(value), sum(value), groupUniqArray(kind) FROM metric_points "
          "WHERE metric = {c:String}",
          {{"c", counter}});
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_GE(json_number(rows[0][0]), 1);
  EXPECT_GE(json_number(rows[0][1]), 0);
  EXPECT_EQ(rows[0][3], json::array({"count"}));
  rows = sql(
      "SELECT count() FROM metric_series WHERE metric = {c:String} AND tags['job'] = {j:String} "
      "AND tags['method'] = 'GET' AND tags['code'] = '200' AND tags['server'] = 'api'",
      {{"c", counter}, {"j", job}});
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_GE(json_number(rows[0][0]), 1) << "the /metrics scrapes themselves are counted";

  // Gauges from the scrape stay gauges with their raw values.
  rows =
      sql("SELECT count(), min(value), groupUniqArray(kind) FROM metric_points "
          "WHERE metric = 'heeler_process_resident_memory_bytes'");
  ASSERT_EQ(rows.size(), 1u);
  if (json_number(rows[0][0]) > 0) {
    EXPECT_GT(json_number(rows[0][1]), 0);
    EXPECT_EQ(rows[0][2], json::array({"gauge"}));
  }

  // Classic histogram buckets are cumulative too.
  rows =
      sql("SELECT count(), min(value), groupUniqArray(kind) FROM metric_points "
          "WHERE metric = 'heeler_http_request_duration_seconds_bucket'");
  ASSERT_EQ(rows.size(), 1u);
  if (json_number(rows[0][0]) > 0) {
    EXPECT_GE(json_number(rows[0][1]), 0);
    EXPECT_EQ(rows[0][2], json::array({"count"}));
  }

  // Everything Prometheus sent was taken.
  const HttpReply metrics = http_request(process_->port(), "GET", "/metrics");
  ASSERT_EQ(metrics.status, 200);
  EXPECT_EQ(metrics.body.find("heeler_prometheus_rejected_total"), std::string::npos)
      << metrics.body;
  EXPECT_NE(metrics.body.find("\nheeler_prometheus_malformed_requests_total 0\n"),
            std::string::npos)
      << metrics.body;
  EXPECT_EQ(prometheus_->log().find("non-recoverable error"), std::string::npos)
      << prometheus_->log();

  EXPECT_TRUE(prometheus_->stop()) << prometheus_->log();
  prometheus_.reset();
}

}  // namespace
}  // namespace heeler::testing
