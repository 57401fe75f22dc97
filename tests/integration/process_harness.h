// Starts the real `heeler` binary on a free port with a temporary data directory,
// and speaks plain HTTP/1.1 to it over loopback.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <map>
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
