// Receivers that notifications are delivered to in tests, on 127.0.0.1: an HTTP sink
// (webhooks, Slack, Teams) that can fail its first requests, and an SMTP sink that
// offers STARTTLS with a throwaway certificate and checks AUTH.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace heeler::testing {

struct SinkRequest {
  std::string method;
  std::string path;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
};

class HttpSink {
 public:
  HttpSink();
  ~HttpSink();
  uint16_t port() const { return port_; }
  // The next `n` requests to `path` are answered 500.
  void fail_next(const std::string& path, int n) {
    std::lock_guard lock(mu_);
    failures_[path] = n;
  }
  std::vector<SinkRequest> requests();
  // Requests to `path` once at least `n` arrived; fewer after `timeout`.
  std::vector<SinkRequest> wait_for(const std::string& path, size_t n,
                                    std::chrono::milliseconds timeout);

 private:
  void serve(int fd);
  int listen_fd_ = -1;
  uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::mutex mu_;
  std::vector<SinkRequest> requests_;
  std::map<std::string, int> failures_;
  std::thread thread_;
};

struct SinkMail {
  std::string from;
  std::vector<std::string> to;
  std::string data;  // the message as sent, dot-stuffing undone
  bool tls = false;
  std::string user;  // who authenticated
};

class SmtpSink {
 public:
  SmtpSink(std::string user, std::string password);
  ~SmtpSink();
  uint16_t port() const { return port_; }
  std::vector<SinkMail> wait_for(size_t n, std::chrono::milliseconds timeout);

 private:
  struct Session;
  void serve(int fd);
  std::string user_, password_;
  void* tls_ = nullptr;  // SSL_CTX
  int listen_fd_ = -1;
  uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::mutex mu_;
  std::vector<SinkMail> mails_;
  std::thread thread_;
};

}  // namespace heeler::testing
