// An asynchronous HTTP/1.1 server (Boost.Beast): keep-alive, chunked request bodies,
// body size limits, Content-Encoding (gzip, deflate, zstd) undone before handlers run,
// one log line and metrics per request, and a graceful stop.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "core/metrics.h"
#include "core/status.h"
#include "net/http.h"

namespace heeler::net {

struct HttpServerConfig {
  std::string name = "api";  // label in logs and metrics
  std::string host = "127.0.0.1";
  uint16_t port = 8080;                 // 0 binds an ephemeral port (see HttpServer::port())
  size_t max_body_bytes = 64ull << 20;  // on the wire → 413 beyond
  size_t max_decoded_body_bytes = 256ull << 20;  // after decompression → 413 beyond
  int threads = 4;
  std::chrono::seconds idle_timeout{60};
  std::chrono::seconds read_timeout{30};
  bool log_requests = true;

  core::Status validate() const;
};

class HttpServer {
 public:
  HttpServer(HttpServerConfig config, std::shared_ptr<const Router> router, core::Metrics& metrics);
  ~HttpServer();  // stop()s
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds and starts serving. Fails with a clear error (address in use, bad host).
  core::Status start();
  // The bound port, once started.
  uint16_t port() const;
  // Stops accepting, lets in-flight requests finish within `grace`, closes idle
  // keep-alive connections, joins the threads. Safe without start() and safe twice.
  void stop(std::chrono::milliseconds grace = std::chrono::milliseconds(4000));

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace heeler::net
