// Starts the real `heeler` binary on a free port with a temporary data directory,
// and speaks plain HTTP/1.1 to it over loopback.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace heeler::testing {

struct HttpReply {
  int status = 0;                              // 0: no answer (connection refused or closed)
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
};

// One request on a new connection. `extra_headers` are raw "Name: value" lines.
HttpReply http_request(uint16_t port, const std::string& method, const std::string& target,
                       const std::string& body = {},
                       const std::vector<std::string>& extra_headers = {});

uint16_t free_port();
uint16_t free_udp_port();

// POST /api/v1/sql (the server needs api.sql_enabled): the "data" rows, or an empty
// array and a test failure when the server refuses the query.
nlohmann::json sql_data(uint16_t port, const std::string& query,
                        const nlohmann::json& params = nlohmann::json::object());
// A JSON cell as a number: the SQL API quotes 64-bit integers.
double json_number(const nlohmann::json& value);
// Polls sql_data until the first cell of `query`, as a number, reaches `want`.
bool wait_for_number(uint16_t port, const std::string& query, const nlohmann::json& params,
                     double want, std::chrono::seconds timeout = std::chrono::seconds(20));

class HeelerProcess {
 public:
  // stderr goes to `log_file`, by default <data_dir>.log.
  explicit HeelerProcess(std::filesystem::path data_dir, std::filesystem::path log_file = {})
      : data_dir_(std::move(data_dir)),
        log_file_(log_file.empty() ? std::filesystem::path(data_dir_.string() + ".log")
                                   : log_file) {}
  ~HeelerProcess();

  // Starts `heeler serve` with --data-dir, --listen 127.0.0.1:<free port>, receivers
  // disabled, and `args` appended.
  void start(const std::vector<std::string>& args = {});
  // Polls /readyz until it answers 200 or the process exits; false on timeout/exit.
  bool wait_ready(std::chrono::seconds timeout = std::chrono::seconds(60));
  // Sends a signal; then wait_exit() collects the exit status.
  void signal(int sig);
  // Exit code (128+signal when killed); -1 if it did not exit within `timeout`.
  int wait_exit(std::chrono::milliseconds timeout);
  bool running();
  std::string log() const;
  uint16_t port() const { return port_; }
  pid_t pid() const { return pid_; }

 private:
  std::filesystem::path data_dir_;
  std::filesystem::path log_file_;
  pid_t pid_ = -1;
  uint16_t port_ = 0;
  int exit_code_ = -1;
};

// Runs the binary to completion (for --help, version, bad config); returns exit code
// and captures stdout+stderr.
int run_heeler(const std::vector<std::string>& args, std::string& output,
               std::chrono::seconds timeout = std::chrono::seconds(60));

}  // namespace heeler::testing
