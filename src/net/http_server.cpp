#include "net/http_server.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/log.h"
#include "net/compression.h"

namespace heeler::net {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;
using error_code = beast::error_code;

constexpr uint32_t kHeaderLimit = 64 * 1024;
constexpr size_t kReadSize = 16 * 1024;
// After an error response whose request was not read to its end, the rest is read
// and dropped for a moment so that closing does not reset the connection before the
// client has read the response.
constexpr size_t kDrainLimit = 1 << 20;
constexpr auto kDrainTimeout = std::chrono::seconds(1);
constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";

std::string_view method_label(std::string_view method) {
  static constexpr std::array<std::string_view, 7> kKnown = {"GET",    "HEAD",  "POST",   "PUT",
                                                             "DELETE", "PATCH", "OPTIONS"};
  for (std::string_view known : kKnown) {
    if (method == known) return known;
  }
  return "other";
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i];
    char y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

bool is_http_error(const error_code& ec) {
  return ec.category() == http::make_error_code(http::error::bad_method).category();
}

// Splits a request target into its path and query. Absolute-form targets
// ("http://host/path") are reduced to their path.
bool split_target(std::string_view target, std::string_view& path, std::string_view& query) {
  size_t scheme = target.find("://");
  if (!target.empty() && target.front() != '/' && scheme != std::string_view::npos) {
    std::string_view rest = target.substr(scheme + 3);
    size_t slash = rest.find_first_of("/?");
    target = slash == std::string_view::npos ? std::string_view("/") : rest.substr(slash);
    if (!target.empty() && target.front() == '?') {
      path = "/";
      query = target.substr(1);
      return true;
    }
  }
  if (target.empty() || (target.front() != '/' && target != "*")) return false;
  size_t q = target.find('?');
  path = target.substr(0, q);
  query = q == std::string_view::npos ? std::string_view() : target.substr(q + 1);
  return true;
}

class Session;

// What the acceptor and every session share; sessions keep it alive.
struct ServerState {
  ServerState(HttpServerConfig cfg, std::shared_ptr<const Router> r, core::Metrics& m)
      : config(std::move(cfg)),
        router(std::move(r)),
        metrics(m),
        duration(m.histogram("heeler_http_request_duration_seconds",
                             "Time from the first byte of a request to the end of its response",
                             {{"server", config.name}})),
        bytes_in(m.counter("heeler_http_request_bytes_total",
                           "Request bytes read from the wire, headers and body",
                           {{"server", config.name}})),
        bytes_out(m.counter("heeler_http_response_bytes_total",
                            "Response bytes written to the wire, headers and body",
                            {{"server", config.name}})) {}

  core::Counter& requests(std::string_view method, int status) {
    return metrics.counter("heeler_http_requests_total",
                           "HTTP requests answered, by server, method and status",
                           {{"server", config.name},
                            {"method", std::string(method)},
                            {"code", std::to_string(status)}});
  }

  void add(const std::shared_ptr<Session>& session);
  void remove(Session* session) {
    std::lock_guard lock(mu);
    sessions.erase(session);
    cv.notify_all();
  }

  const HttpServerConfig config;
  const std::shared_ptr<const Router> router;
  core::Metrics& metrics;
  core::Histogram& duration;
  core::Counter& bytes_in;
  core::Counter& bytes_out;
  std::atomic<bool> stopping{false};

  std::mutex mu;
  std::condition_variable cv;
  std::unordered_map<Session*, std::weak_ptr<Session>> sessions;
};

// One connection. Every handler runs on the connection's strand, one at a time.
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, std::string remote, std::shared_ptr<ServerState> state)
      : stream_(std::move(socket)), remote_(std::move(remote)), state_(std::move(state)) {}

  ~Session() { state_->remove(this); }

  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  void start() {
    asio::dispatch(stream_.get_executor(),
                   beast::bind_front_handler(&Session::wait_for_request, shared_from_this()));
  }

  // Closes the connection if it waits for a next request; a request being read or
  // handled goes on, and its response then closes the connection.
  void close_if_idle() {
    asio::post(stream_.get_executor(), [self = shared_from_this()] {
      if (self->phase_ == Phase::idle) self->close_now();
    });
  }

 private:
  enum class Phase { idle, reading, handling, writing, closing };

  void wait_for_request() {
    if (phase_ == Phase::closing) return;
    if (state_->stopping.load()) {
      close_now();
      return;
    }
    parser_.emplace();
    parser_->body_limit(state_->config.max_body_bytes);
    parser_->header_limit(kHeaderLimit);
    bytes_in_ = 0;
    bytes_out_ = 0;
    method_.clear();
    path_.clear();
    keep_alive_ = false;
    drain_after_ = false;

    if (buffer_.size() > 0) {  // a pipelined request is already here
      read_header();
      return;
    }
    phase_ = Phase::idle;
    stream_.expires_after(state_->config.idle_timeout);
    stream_.async_read_some(
        buffer_.prepare(kReadSize),
        beast::bind_front_handler(&Session::on_first_bytes, shared_from_this()));
  }

  void on_first_bytes(error_code ec, size_t n) {
    if (ec) {
      close_now();
      return;
    }
    buffer_.commit(n);
    read_header();
  }

  void read_header() {
    phase_ = Phase::reading;
    started_ = Clock::now();
    header_bytes_ = 0;
    stream_.expires_after(state_->config.read_timeout);
    parse_header();
  }

  // The header is fed to the parser by hand: Beast checks its header limit against
  // each piece it is given, not against the header as a whole.
  void parse_header() {
    while (buffer_.size() > 0) {
      error_code ec;
      size_t used = parser_->put(buffer_.data(), ec);
      buffer_.consume(used);
      header_bytes_ += used;
      bytes_in_ += used;
      if (ec == http::error::need_more || (!ec && used == 0)) break;
      remember_request_line();
      if (ec) {
        on_read_error(ec);
        return;
      }
      if (parser_->is_header_done()) {
        on_header();
        return;
      }
    }
    if (header_bytes_ + buffer_.size() >= kHeaderLimit) {
      remember_request_line();
      on_read_error(http::error::header_limit);
      return;
    }
    stream_.async_read_some(
        buffer_.prepare(kReadSize),
        beast::bind_front_handler(&Session::on_header_bytes, shared_from_this()));
  }

  void on_header_bytes(error_code ec, size_t n) {
    if (ec) {  // closed, reset or timed out in the middle of a header
      close_now();
      return;
    }
    buffer_.commit(n);
    parse_header();
  }

  void on_header() {
    if (parser_->is_done()) {
      handle_request();
      return;
    }
    const auto& msg = parser_->get();
    auto expect = msg.find(http::field::expect);
    if (expect != msg.end() && msg.version() >= 11 && iequals(expect->value(), "100-continue")) {
      asio::async_write(stream_, asio::buffer(kContinue.data(), kContinue.size()),
                        beast::bind_front_handler(&Session::on_continue, shared_from_this()));
      return;
    }
    read_body();
  }

  void on_continue(error_code ec, size_t n) {
    bytes_out_ += n;
    if (ec) {
      close_now();
      return;
    }
    read_body();
  }

  void read_body() {
    http::async_read(stream_, buffer_, *parser_,
                     beast::bind_front_handler(&Session::on_body, shared_from_this()));
  }

  void on_body(error_code ec, size_t n) {
    bytes_in_ += n;
    if (ec) {
      on_read_error(ec);
      return;
    }
    handle_request();
  }

  void remember_request_line() {
    const auto& msg = parser_->get();
    if (method_.empty()) method_ = std::string(msg.method_string());
    if (path_.empty()) {
      std::string_view path;
      std::string_view query;
      if (split_target(msg.target(), path, query)) path_ = std::string(path);
    }
  }

  void on_read_error(const error_code& ec) {
    if (ec == http::error::body_limit) {
      send_error(413, fmt::format("request body exceeds {} bytes", state_->config.max_body_bytes));
    } else if (ec == http::error::header_limit) {
      send_error(431, fmt::format("request header exceeds {} bytes", kHeaderLimit));
    } else if (ec == http::error::end_of_stream || ec == http::error::partial_message ||
               !is_http_error(ec)) {
      // The client went away, the read timed out, or the server is closing.
      close_now();
    } else {
      send_error(400, fmt::format("malformed HTTP request: {}", ec.message()));
    }
  }

  // An error found while reading: answer it and close, since the rest of the
  // request cannot be trusted.
  void send_error(int status, std::string_view message) {
    drain_after_ = true;
    send(Response::error(status, message), 11, false, false);
  }

  void handle_request() {
    phase_ = Phase::handling;
    auto& msg = parser_->get();
    const bool keep_alive = msg.keep_alive();
    const unsigned version = msg.version();

    Request req;
    req.method = std::string(msg.method_string());
    req.target = std::string(msg.target());
    req.remote_address = remote_;
    std::string_view raw_path;
    std::string_view raw_query;
    if (!split_target(req.target, raw_path, raw_query)) {
      send(Response::error(400, "request target must be a path"), version, keep_alive, false);
      return;
    }
    if (!percent_decode(raw_path, req.path, false)) {
      send(Response::error(400, "request path has a malformed percent escape"), version, keep_alive,
           false);
      return;
    }
    path_ = req.path;
    req.query = parse_query_string(raw_query);

    std::string encoding;
    req.headers.reserve(static_cast<size_t>(std::distance(msg.begin(), msg.end())));
    for (const auto& field : msg) {
      req.headers.push_back({std::string(field.name_string()), std::string(field.value())});
      if (field.name() == http::field::content_encoding) {
        if (!encoding.empty()) encoding += ',';
        encoding += field.value();
      }
    }
    if (encoding.empty() && msg.body().size() <= state_->config.max_decoded_body_bytes) {
      req.body = std::move(msg.body());
    } else {
      core::Result<std::string> decoded =
          decode_content(encoding, msg.body(), state_->config.max_decoded_body_bytes);
      if (!decoded.ok()) {
        send(Response::error(decoded.status()), version, keep_alive, false);
        return;
      }
      req.body = std::move(decoded).value();
    }
    msg.body().clear();
    msg.body().shrink_to_fit();

    Response res;
    try {
      res = state_->router
                ? state_->router->dispatch(req)
                : Response::error(404, fmt::format("no route for {} {}", req.method, req.path));
    } catch (const std::exception& e) {
      log_handler_failure(e.what());
      res = Response::error(500, "internal error");
    } catch (...) {
      log_handler_failure("unknown exception");
      res = Response::error(500, "internal error");
    }
    send(std::move(res), version, keep_alive, req.method == "HEAD");
  }

  void log_handler_failure(std::string_view what) {
    core::log::error("http", "handler threw",
                     {{"server", state_->config.name},
                      {"method", method_},
                      {"path", path_},
                      {"error", std::string(what)}});
  }

  void send(Response res, unsigned version, bool keep_alive, bool head) {
    if (res.status < 200 || res.status > 599) {
      core::log::error("http", "handler returned an invalid status",
                       {{"server", state_->config.name},
                        {"path", path_},
                        {"status", std::to_string(res.status)}});
      res = Response::error(500, "internal error");
    }
    keep_alive_ = keep_alive && !drain_after_ && !state_->stopping.load();
    status_ = res.status;

    res_ = {};
    res_.version(version == 10 ? 10 : 11);
    res_.result(static_cast<unsigned>(res.status));
    res_.set(http::field::server, "heeler");
    if (!res.content_type.empty()) res_.set(http::field::content_type, res.content_type);
    for (const Header& h : res.headers) {
      // Framing is the server's business.
      if (iequals(h.name, "content-length") || iequals(h.name, "transfer-encoding") ||
          iequals(h.name, "connection")) {
        continue;
      }
      res_.insert(h.name, h.value);
    }
    const bool no_body = res.status == 204 || res.status == 304;
    if (!no_body) {
      res_.content_length(res.body.size());
      if (!head) res_.body() = std::move(res.body);
    }
    res_.keep_alive(keep_alive_);

    phase_ = Phase::writing;
    stream_.expires_after(state_->config.read_timeout);
    http::async_write(stream_, res_,
                      beast::bind_front_handler(&Session::on_write, shared_from_this()));
  }

  void on_write(error_code ec, size_t n) {
    bytes_out_ += n;
    record();
    res_ = {};
    if (ec) {
      close_now();
    } else if (drain_after_) {
      start_drain();
    } else if (!keep_alive_) {
      error_code ignored;
      stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
      close_now();
    } else {
      wait_for_request();
    }
  }

  void record() {
    const double seconds = std::chrono::duration<double>(Clock::now() - started_).count();
    const std::string_view label = method_label(method_);
    state_->requests(label, status_).inc();
    state_->duration.observe(seconds);
    state_->bytes_in.inc(bytes_in_);
    state_->bytes_out.inc(bytes_out_);
    if (state_->config.log_requests) {
      core::log::info("http", "request",
                      {{"server", state_->config.name},
                       {"method", method_.empty() ? std::string("-") : method_},
                       {"path", path_.empty() ? std::string("-") : path_},
                       {"status", std::to_string(status_)},
                       {"ms", fmt::format("{:.3f}", seconds * 1000.0)},
                       {"bytes_in", std::to_string(bytes_in_)},
                       {"bytes_out", std::to_string(bytes_out_)}});
    }
  }

  void start_drain() {
    phase_ = Phase::closing;
    error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    drained_ = 0;
    stream_.expires_after(kDrainTimeout);
    drain_some();
  }

  void drain_some() {
    stream_.async_read_some(asio::buffer(drain_buf_),
                            beast::bind_front_handler(&Session::on_drain, shared_from_this()));
  }

  void on_drain(error_code ec, size_t n) {
    drained_ += n;
    if (ec || drained_ > kDrainLimit) {
      close_now();
      return;
    }
    drain_some();
  }

  void close_now() {
    phase_ = Phase::closing;
    error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream_.close();
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  http::response<http::string_body> res_;
  const std::string remote_;
  const std::shared_ptr<ServerState> state_;
  Phase phase_ = Phase::idle;

  // The request being served.
  Clock::time_point started_ = Clock::now();
  std::string method_;
  std::string path_;
  uint64_t bytes_in_ = 0;
  uint64_t bytes_out_ = 0;
  size_t header_bytes_ = 0;
  int status_ = 0;
  bool keep_alive_ = false;
  bool drain_after_ = false;

  std::array<char, 8192> drain_buf_{};
  size_t drained_ = 0;
};

void ServerState::add(const std::shared_ptr<Session>& session) {
  std::lock_guard lock(mu);
  sessions.emplace(session.get(), session);
}

}  // namespace

core::Status HttpServerConfig::validate() const {
  if (host.empty())
    return core::error(core::Code::config_invalid, "http server '{}': host is empty", name);
  if (threads < 1 || threads > 256) {
    return core::error(core::Code::config_invalid, "http.threads must be between 1 and 256, got {}",
                       threads);
  }
  if (max_body_bytes == 0) {
    return core::error(core::Code::config_invalid, "http.max_body_bytes must be greater than 0");
  }
  if (max_decoded_body_bytes == 0) {
    return core::error(core::Code::config_invalid,
                       "http.max_decoded_body_bytes must be greater than 0");
  }
  if (idle_timeout.count() <= 0) {
    return core::error(core::Code::config_invalid,
                       "http.idle_timeout_seconds must be greater than 0, got {}",
                       idle_timeout.count());
  }
  if (read_timeout.count() <= 0) {
    return core::error(core::Code::config_invalid,
                       "http.read_timeout_seconds must be greater than 0, got {}",
                       read_timeout.count());
  }
  return core::Status::ok_status();
}

struct HttpServer::Impl {
  Impl(HttpServerConfig config, std::shared_ptr<const Router> router, core::Metrics& metrics)
      : state(std::make_shared<ServerState>(std::move(config), std::move(router), metrics)),
        ioc(std::max(1, state->config.threads)),
        acceptor(asio::make_strand(ioc)),
        accept_retry(acceptor.get_executor()) {}

  core::Status start();
  void stop(std::chrono::milliseconds grace);

  void do_accept() {
    acceptor.async_accept(asio::make_strand(ioc),
                          beast::bind_front_handler(&Impl::on_accept, this));
  }

  void on_accept(error_code ec, tcp::socket socket) {
    if (ec) {
      if (ec == asio::error::operation_aborted || !acceptor.is_open() || state->stopping.load()) {
        return;
      }
      // Out of file descriptors and the like: try again shortly instead of spinning.
      core::log::warn("http", "accept failed",
                      {{"server", state->config.name}, {"error", ec.message()}});
      accept_retry.expires_after(std::chrono::milliseconds(100));
      accept_retry.async_wait([this](error_code wait_ec) {
        if (!wait_ec && acceptor.is_open() && !state->stopping.load()) do_accept();
      });
      return;
    }
    if (state->stopping.load()) {
      error_code ignored;
      socket.close(ignored);
      return;
    }
    error_code option_ec;
    socket.set_option(tcp::no_delay(true), option_ec);
    error_code remote_ec;
    tcp::endpoint remote = socket.remote_endpoint(remote_ec);
    std::string remote_address = remote_ec ? std::string() : remote.address().to_string();
    auto session = std::make_shared<Session>(std::move(socket), std::move(remote_address), state);
    state->add(session);
    session->start();
    do_accept();
  }

  void run_thread() {
    for (;;) {
      try {
        ioc.run();
        return;
      } catch (const std::exception& e) {
        core::log::error("http", "unexpected exception on an I/O thread",
                         {{"server", state->config.name}, {"error", e.what()}});
      } catch (...) {
        core::log::error("http", "unexpected exception on an I/O thread",
                         {{"server", state->config.name}, {"error", "unknown"}});
      }
    }
  }

  const std::shared_ptr<ServerState> state;
  std::mutex lifecycle_mu;
  bool started = false;
  bool stopped = false;
  std::atomic<uint16_t> bound_port{0};

  asio::io_context ioc;
  tcp::acceptor acceptor;
  asio::steady_timer accept_retry;
  std::vector<std::thread> threads;
};

core::Status HttpServer::Impl::start() {
  std::lock_guard lock(lifecycle_mu);
  const HttpServerConfig& config = state->config;
  if (started || stopped) {
    return core::error(core::Code::internal, "HTTP server '{}' was already started", config.name);
  }
  HEELER_RETURN_IF_ERROR(config.validate());

  error_code ec;
  tcp::endpoint endpoint;
  asio::ip::address address = asio::ip::make_address(config.host, ec);
  if (!ec) {
    endpoint = tcp::endpoint(address, config.port);
  } else {
    tcp::resolver resolver(ioc);
    auto results = resolver.resolve(config.host, std::to_string(config.port), ec);
    if (ec || results.empty()) {
      return core::error(core::Code::io_error, "cannot listen on {}:{}: cannot resolve host: {}",
                         config.host, config.port, ec ? ec.message() : std::string("no addresses"));
    }
    endpoint = results.begin()->endpoint();
  }

  auto fail = [&](std::string_view step) {
    error_code ignored;
    acceptor.close(ignored);
    return core::error(core::Code::io_error, "cannot listen on {}:{}: {} failed: {}", config.host,
                       config.port, step, ec.message());
  };
  acceptor.open(endpoint.protocol(), ec);
  if (ec) return fail("open");
  acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (ec) return fail("setting SO_REUSEADDR");
  acceptor.bind(endpoint, ec);
  if (ec) return fail("bind");
  acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return fail("listen");
  bound_port.store(acceptor.local_endpoint(ec).port());

  do_accept();
  threads.reserve(static_cast<size_t>(config.threads));
  for (int i = 0; i < config.threads; ++i) threads.emplace_back([this] { run_thread(); });
  started = true;
  return core::Status::ok_status();
}

void HttpServer::Impl::stop(std::chrono::milliseconds grace) {
  std::lock_guard lock(lifecycle_mu);
  if (!started || stopped) return;
  stopped = true;
  const auto deadline = Clock::now() + grace;
  state->stopping.store(true);

  asio::post(acceptor.get_executor(), [this] {
    error_code ignored;
    acceptor.close(ignored);
    accept_retry.cancel();
  });
  std::vector<std::shared_ptr<Session>> live;
  {
    std::lock_guard sessions_lock(state->mu);
    live.reserve(state->sessions.size());
    for (auto& [raw, weak] : state->sessions) {
      if (auto session = weak.lock()) live.push_back(std::move(session));
    }
  }
  // Dropped outside the lock: the last reference runs ~Session, which takes it.
  for (auto& session : live) session->close_if_idle();
  live.clear();
  {
    std::unique_lock sessions_lock(state->mu);
    state->cv.wait_until(sessions_lock, deadline, [this] { return state->sessions.empty(); });
  }

  ioc.stop();
  for (std::thread& t : threads) {
    if (t.joinable()) t.join();
  }
  threads.clear();
  error_code ignored;
  acceptor.close(ignored);
}

HttpServer::HttpServer(HttpServerConfig config, std::shared_ptr<const Router> router,
                       core::Metrics& metrics)
    : impl_(std::make_unique<Impl>(std::move(config), std::move(router), metrics)) {}

HttpServer::~HttpServer() {
  stop();
}

core::Status HttpServer::start() {
  return impl_->start();
}

uint16_t HttpServer::port() const {
  return impl_->bound_port.load();
}

void HttpServer::stop(std::chrono::milliseconds grace) {
  impl_->stop(grace);
}

}  // namespace heeler::net
