#include "net/http_server.h"

#include <gtest/gtest.h>

#include <array>
#include <atomic>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <chrono>
#include <functional>
#include <future>
#include <stdexcept>
#include <string>
#include <thread>

#include "net/compression.h"

namespace heeler::net {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;

using HttpResponse = http::response<http::string_body>;
using HttpRequest = http::request<http::string_body>;

// A small blocking HTTP client over loopback. Every operation has a deadline so a
// broken server fails a test instead of hanging it.
class Client {
 public:
  explicit Client(uint16_t port) : stream_(ioc_) {
    stream_.expires_after(10s);
    beast::error_code ec;
    stream_.socket().connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port), ec);
    if (ec) throw std::runtime_error("connect: " + ec.message());
  }

  HttpResponse send(HttpRequest req, bool head = false) {
    if (req.find(http::field::host) == req.end()) req.set(http::field::host, "localhost");
    if (!req.chunked() && req.find(http::field::content_length) == req.end() &&
        (!req.body().empty() || req.method() == http::verb::post)) {
      req.prepare_payload();
    }
    beast::error_code ec;
    http::response_parser<http::string_body> parser;
    parser.body_limit(64u << 20);
    parser.skip(head);
    stream_.expires_after(10s);
    http::async_write(stream_, req, [&](beast::error_code wec, size_t) {
      ec = wec;
      if (wec) return;
      http::async_read(stream_, buffer_, parser, [&](beast::error_code rec, size_t) { ec = rec; });
    });
    ioc_.restart();
    ioc_.run();
    if (ec) throw std::runtime_error("exchange: " + ec.message());
    return parser.release();
  }

  HttpResponse get(std::string target) { return send(HttpRequest(http::verb::get, target, 11)); }

  HttpResponse post(std::string target, std::string body, std::string encoding = {}) {
    HttpRequest req(http::verb::post, target, 11);
    if (!encoding.empty()) req.set(http::field::content_encoding, encoding);
    req.body() = std::move(body);
    return send(std::move(req));
  }

  void write_raw(std::string_view bytes) {
    beast::error_code ec;
    stream_.expires_after(10s);
    asio::async_write(stream_, asio::buffer(bytes.data(), bytes.size()),
                      [&](beast::error_code wec, size_t) { ec = wec; });
    ioc_.restart();
    ioc_.run();
    if (ec) throw std::runtime_error("write: " + ec.message());
  }

  // Reads until the server closes the connection; returns everything received.
  std::string read_to_eof() {
    std::string out;
    std::array<char, 4096> chunk{};
    beast::error_code ec;
    stream_.expires_after(10s);
    std::function<void()> next = [&] {
      stream_.async_read_some(asio::buffer(chunk), [&](beast::error_code rec, size_t n) {
        out.append(chunk.data(), n);
        ec = rec;
        if (!rec) next();
      });
    };
    next();
    ioc_.restart();
    ioc_.run();
    if (ec != asio::error::eof && ec != asio::error::connection_reset) {
      throw std::runtime_error("read_to_eof: " + ec.message());
    }
    return out;
  }

  // True when the server closed the connection (EOF) before sending anything.
  bool closed_by_server() {
    std::array<char, 64> chunk{};
    beast::error_code ec;
    size_t got = 0;
    stream_.expires_after(10s);
    stream_.async_read_some(asio::buffer(chunk), [&](beast::error_code rec, size_t n) {
      ec = rec;
      got = n;
    });
    ioc_.restart();
    ioc_.run();
    return got == 0 && (ec == asio::error::eof || ec == asio::error::connection_reset);
  }

 private:
  asio::io_context ioc_;
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
};

std::string header(const HttpResponse& res, http::field field) {
  auto it = res.find(field);
  return it == res.end() ? std::string() : std::string(it->value());
}

std::string header(const HttpResponse& res, std::string_view name) {
  auto it = res.find(name);
  return it == res.end() ? std::string() : std::string(it->value());
}

class HttpServerTest : public ::testing::Test {
 protected:
  HttpServerTest() {
    config_.name = "test";
    config_.host = "127.0.0.1";
    config_.port = 0;
    config_.threads = 2;
    config_.log_requests = false;
    router_->add("GET", "/hello", [](Request&) { return Response::text(200, "hello"); });
    router_->add("GET", "/items/{id}", [](Request& r) {
      return Response::json(200, "{\"id\":\"" + json_escape(r.path_params.at("id")) + "\"}");
    });
    router_->add("POST", "/echo", [](Request& r) {
      Response res = Response::text(200, r.body, "application/octet-stream");
      res.headers.push_back({"X-Body-Size", std::to_string(r.body.size())});
      return res;
    });
    router_->add("GET", "/inspect", [](Request& r) {
      std::string body = r.method + "|" + r.target + "|" + r.path + "|" + r.remote_address + "|";
      for (const auto& [k, v] : r.query) body += k + "=" + v + ";";
      body += "|" + std::string(r.header("x-custom").value_or("none"));
      return Response::text(200, body);
    });
    router_->add("GET", "/boom", [](Request&) -> Response {
      throw std::runtime_error("handler failed on purpose");
    });
    router_->add("GET", "/empty", [](Request&) { return Response::text(204, ""); });
  }

  ~HttpServerTest() override {
    if (server_) server_->stop();
  }

  void start() {
    server_ = std::make_unique<HttpServer>(config_, router_, metrics_);
    core::Status st = server_->start();
    ASSERT_TRUE(st.ok()) << st.to_string();
    ASSERT_NE(server_->port(), 0);
  }

  uint16_t port() const { return server_->port(); }

  HttpServerConfig config_;
  std::shared_ptr<Router> router_ = std::make_shared<Router>();
  core::Metrics metrics_;
  std::unique_ptr<HttpServer> server_;
};

TEST_F(HttpServerTest, RoutesWithPathParameters) {
  start();
  Client c(port());
  HttpResponse res = c.get("/items/a%20b");
  EXPECT_EQ(res.result_int(), 200);
  EXPECT_EQ(res.body(), R"({"id":"a b"})");
  EXPECT_EQ(header(res, http::field::content_type), "application/json");
  EXPECT_EQ(header(res, http::field::server), "heeler");
  EXPECT_EQ(header(res, http::field::content_length), std::to_string(res.body().size()));
}

TEST_F(HttpServerTest, FillsTheRequest) {
  start();
  Client c(port());
  HttpRequest req(http::verb::get, "/inspect?a=1&b=x%20y&c=p+q", 11);
  req.set("X-Custom", "yes");
  HttpResponse res = c.send(std::move(req));
  EXPECT_EQ(res.result_int(), 200);
  EXPECT_EQ(res.body(), "GET|/inspect?a=1&b=x%20y&c=p+q|/inspect|127.0.0.1|a=1;b=x y;c=p q;|yes");
  EXPECT_EQ(header(res, http::field::content_type), "text/plain; charset=utf-8");
}

TEST_F(HttpServerTest, UnknownPathIs404Json) {
  start();
  Client c(port());
  HttpResponse res = c.get("/x");
  EXPECT_EQ(res.result_int(), 404);
  EXPECT_EQ(res.body(), R"({"errors":["no route for GET /x"]})");
  EXPECT_EQ(header(res, http::field::content_type), "application/json");
  // A path that decodes to bytes that are not UTF-8 still gives valid JSON.
  EXPECT_EQ(c.get("/caf%FF").body(), R"({"errors":["no route for GET /caf\ufffd"]})");
}

TEST_F(HttpServerTest, WrongMethodIs405WithAllow) {
  start();
  Client c(port());
  HttpResponse res = c.post("/hello", "x");
  EXPECT_EQ(res.result_int(), 405);
  EXPECT_EQ(header(res, http::field::allow), "GET, HEAD");
  EXPECT_EQ(res.body(), R"({"errors":["method POST not allowed for /hello"]})");
}

TEST_F(HttpServerTest, HeadUsesTheGetRouteWithoutABody) {
  start();
  Client c(port());
  HttpResponse res = c.send(HttpRequest(http::verb::head, "/hello", 11), /*head=*/true);
  EXPECT_EQ(res.result_int(), 200);
  EXPECT_EQ(header(res, http::field::content_length), "5");
  EXPECT_TRUE(res.body().empty());
  // The connection is still in step: the next response is the right one.
  EXPECT_EQ(c.get("/hello").body(), "hello");
}

TEST_F(HttpServerTest, NoContentHasNoBodyOrLength) {
  start();
  Client c(port());
  HttpResponse res = c.get("/empty");
  EXPECT_EQ(res.result_int(), 204);
  EXPECT_EQ(header(res, http::field::content_length), "");
  EXPECT_EQ(c.get("/hello").body(), "hello");
}

TEST_F(HttpServerTest, KeepAliveServesTwoRequestsOnOneConnection) {
  std::atomic<int> calls{0};
  router_->add("GET", "/count",
               [&calls](Request&) { return Response::text(200, std::to_string(++calls)); });
  start();
  Client c(port());
  HttpResponse first = c.get("/count");
  EXPECT_EQ(first.body(), "1");
  EXPECT_TRUE(first.keep_alive());
  EXPECT_EQ(header(first, http::field::connection), "");
  HttpResponse second = c.get("/count");
  EXPECT_EQ(second.body(), "2");
  EXPECT_TRUE(second.keep_alive());
}

TEST_F(HttpServerTest, ConnectionCloseIsHonoured) {
  start();
  Client c(port());
  HttpRequest req(http::verb::get, "/hello", 11);
  req.keep_alive(false);
  HttpResponse res = c.send(std::move(req));
  EXPECT_EQ(res.body(), "hello");
  EXPECT_FALSE(res.keep_alive());
  EXPECT_EQ(header(res, http::field::connection), "close");
  EXPECT_TRUE(c.closed_by_server());
}

TEST_F(HttpServerTest, Http10WithoutKeepAliveCloses) {
  start();
  Client c(port());
  c.write_raw("GET /hello HTTP/1.0\r\n\r\n");
  std::string raw = c.read_to_eof();
  EXPECT_EQ(raw.rfind("HTTP/1.0 200 OK\r\n", 0), 0u) << raw;
  EXPECT_NE(raw.find("\r\n\r\nhello"), std::string::npos) << raw;
}

TEST_F(HttpServerTest, PipelinedRequestsAreAnsweredInOrder) {
  start();
  Client c(port());
  c.write_raw(
      "GET /items/1 HTTP/1.1\r\nHost: x\r\n\r\n"
      "GET /items/2 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  std::string raw = c.read_to_eof();
  size_t one = raw.find(R"({"id":"1"})");
  size_t two = raw.find(R"({"id":"2"})");
  ASSERT_NE(one, std::string::npos) << raw;
  ASSERT_NE(two, std::string::npos) << raw;
  EXPECT_LT(one, two);
}

TEST_F(HttpServerTest, ChunkedRequestBody) {
  start();
  Client c(port());
  HttpRequest req(http::verb::post, "/echo", 11);
  req.body() = std::string(100000, 'c');
  req.chunked(true);
  ASSERT_EQ(req.find(http::field::content_length), req.end());
  HttpResponse res = c.send(std::move(req));
  EXPECT_EQ(res.result_int(), 200);
  EXPECT_EQ(header(res, "X-Body-Size"), "100000");
  EXPECT_EQ(res.body(), std::string(100000, 'c'));

  // Hand-written chunks with an extension and a trailer, as some exporters send.
  Client raw(port());
  raw.write_raw(
      "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
      "5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nX-Trailer: t\r\n\r\n");
  std::string out = raw.read_to_eof();
  EXPECT_NE(out.find("\r\n\r\nhello world"), std::string::npos) << out;
}

TEST_F(HttpServerTest, ExpectContinueGetsAnInterimResponse) {
  start();
  Client c(port());
  c.write_raw(
      "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nExpect: 100-continue\r\n"
      "Connection: close\r\n\r\n");
  c.write_raw("data");
  std::string out = c.read_to_eof();
  EXPECT_EQ(out.rfind("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\n", 0), 0u) << out;
  EXPECT_NE(out.find("\r\n\r\ndata"), std::string::npos) << out;
}

TEST_F(HttpServerTest, CompressedBodiesAreDecoded) {
  start();
  Client c(port());
  const std::string text = "{\"resourceSpans\":[" + std::string(5000, ' ') + "]}";
  HttpResponse gz = c.post("/echo", gzip_compress(text), "gzip");
  EXPECT_EQ(gz.result_int(), 200);
  EXPECT_EQ(gz.body(), text);
  HttpResponse zl = c.post("/echo", deflate_compress(text), "deflate");
  EXPECT_EQ(zl.result_int(), 200);
  EXPECT_EQ(zl.body(), text);
  HttpResponse zs = c.post("/echo", zstd_compress(text), "zstd");
  EXPECT_EQ(zs.result_int(), 200);
  EXPECT_EQ(zs.body(), text);

  HttpRequest chunked(http::verb::post, "/echo", 11);
  chunked.set(http::field::content_encoding, "GZIP");
  chunked.body() = gzip_compress(text);
  chunked.chunked(true);
  HttpResponse res = c.send(std::move(chunked));
  EXPECT_EQ(res.result_int(), 200);
  EXPECT_EQ(res.body(), text);
}

TEST_F(HttpServerTest, CorruptGzipIs400NamingGzip) {
  start();
  Client c(port());
  HttpResponse res = c.post("/echo", "definitely not gzip", "gzip");
  EXPECT_EQ(res.result_int(), 400);
  EXPECT_EQ(res.body(), R"({"errors":["body is not valid gzip: incorrect header check"]})");
  // A bad body does not cost the connection.
  EXPECT_TRUE(res.keep_alive());
  EXPECT_EQ(c.get("/hello").body(), "hello");
}

TEST_F(HttpServerTest, UnknownEncodingIs415) {
  start();
  Client c(port());
  HttpResponse res = c.post("/echo", "abc", "br");
  EXPECT_EQ(res.result_int(), 415);
  EXPECT_EQ(res.body(), R"({"errors":["unsupported Content-Encoding 'br'"]})");
}

TEST_F(HttpServerTest, BodyOverTheLimitIs413AndCloses) {
  config_.max_body_bytes = 1024;
  start();
  {
    Client c(port());
    HttpResponse ok = c.post("/echo", std::string(1024, 'a'));
    EXPECT_EQ(ok.result_int(), 200);
    HttpResponse res = c.post("/echo", std::string(1025, 'a'));
    EXPECT_EQ(res.result_int(), 413);
    EXPECT_EQ(res.body(), R"({"errors":["request body exceeds 1024 bytes"]})");
    EXPECT_FALSE(res.keep_alive());
    EXPECT_TRUE(c.closed_by_server());
  }
  {
    Client c(port());
    HttpRequest req(http::verb::post, "/echo", 11);
    req.body() = std::string(5000, 'b');
    req.chunked(true);
    HttpResponse res = c.send(std::move(req));
    EXPECT_EQ(res.result_int(), 413);
    EXPECT_EQ(res.body(), R"({"errors":["request body exceeds 1024 bytes"]})");
  }
}

TEST_F(HttpServerTest, DecompressionBombIs413) {
  config_.max_decoded_body_bytes = 1 << 20;
  start();
  Client c(port());
  const std::string bomb = gzip_compress(std::string(32u << 20, '\0'), 9);
  ASSERT_LT(bomb.size(), 64u * 1024);
  HttpResponse res = c.post("/echo", bomb, "gzip");
  EXPECT_EQ(res.result_int(), 413);
  EXPECT_EQ(res.body(), R"({"errors":["decoded body exceeds 1048576 bytes"]})");
}

TEST_F(HttpServerTest, MalformedRequestLineIs400AndCloses) {
  start();
  Client c(port());
  c.write_raw("THIS IS NOT HTTP\r\n\r\n");
  std::string raw = c.read_to_eof();
  EXPECT_EQ(raw.rfind("HTTP/1.1 400 Bad Request\r\n", 0), 0u) << raw;
  EXPECT_NE(raw.find("Connection: close\r\n"), std::string::npos) << raw;
  EXPECT_NE(raw.find(R"({"errors":["malformed HTTP request: )"), std::string::npos) << raw;

  Client again(port());
  EXPECT_EQ(again.get("/hello").result_int(), 200);
}

TEST_F(HttpServerTest, MalformedPercentEscapeInPathIs400) {
  start();
  Client c(port());
  HttpResponse res = c.get("/items/%zz");
  EXPECT_EQ(res.result_int(), 400);
  EXPECT_EQ(res.body(), R"({"errors":["request path has a malformed percent escape"]})");
}

TEST_F(HttpServerTest, OversizedHeaderIs431) {
  start();
  Client c(port());
  HttpRequest req(http::verb::get, "/hello", 11);
  for (int i = 0; i < 7; ++i) req.insert("X-Big-" + std::to_string(i), std::string(10 * 1024, 'h'));
  HttpResponse res = c.send(std::move(req));
  EXPECT_EQ(res.result_int(), 431);
  EXPECT_EQ(res.body(), R"({"errors":["request header exceeds 65536 bytes"]})");
}

TEST_F(HttpServerTest, ThrowingHandlerIs500AndTheServerGoesOn) {
  start();
  Client c(port());
  HttpResponse res = c.get("/boom");
  EXPECT_EQ(res.result_int(), 500);
  EXPECT_EQ(res.body(), R"({"errors":["internal error"]})");
  EXPECT_EQ(c.get("/hello").body(), "hello");
  Client other(port());
  EXPECT_EQ(other.get("/hello").result_int(), 200);
}

TEST_F(HttpServerTest, IdleConnectionTimesOut) {
  config_.idle_timeout = std::chrono::seconds(1);
  start();
  Client c(port());
  EXPECT_EQ(c.get("/hello").result_int(), 200);
  const auto before = std::chrono::steady_clock::now();
  EXPECT_TRUE(c.closed_by_server());
  EXPECT_LT(std::chrono::steady_clock::now() - before, 5s);
}

TEST_F(HttpServerTest, MetricsCountRequestsAndBytes) {
  config_.log_requests = true;  // the log line path runs too
  start();
  const std::string get_hello = "GET /hello HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
  const std::string get_missing = "GET /nope HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
  const std::string weird = "BREW /hello HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
  size_t bytes_out = 0;
  for (const std::string& request : {get_hello, get_hello, get_missing, weird}) {
    Client c(port());
    c.write_raw(request);
    bytes_out += c.read_to_eof().size();
  }
  // stop() joins the I/O threads, so every count is final.
  server_->stop();
  const size_t bytes_in = 2 * get_hello.size() + get_missing.size() + weird.size();
  const std::string text = metrics_.render_prometheus();
  EXPECT_NE(
      text.find("heeler_http_requests_total{server=\"test\",method=\"GET\",code=\"200\"} 2\n"),
      std::string::npos)
      << text;
  EXPECT_NE(
      text.find("heeler_http_requests_total{server=\"test\",method=\"GET\",code=\"404\"} 1\n"),
      std::string::npos)
      << text;
  EXPECT_NE(
      text.find("heeler_http_requests_total{server=\"test\",method=\"other\",code=\"405\"} 1\n"),
      std::string::npos)
      << text;
  EXPECT_NE(text.find("heeler_http_request_duration_seconds_count{server=\"test\"} 4\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("heeler_http_request_bytes_total{server=\"test\"} " +
                      std::to_string(bytes_in) + "\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("heeler_http_response_bytes_total{server=\"test\"} " +
                      std::to_string(bytes_out) + "\n"),
            std::string::npos)
      << text;
}

TEST_F(HttpServerTest, StartOnAUsedPortFailsWithIoError) {
  start();
  HttpServerConfig second = config_;
  second.port = port();
  HttpServer other(second, router_, metrics_);
  core::Status st = other.start();
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.code(), core::Code::io_error);
  EXPECT_NE(st.message().find("127.0.0.1:" + std::to_string(port())), std::string::npos)
      << st.message();
  EXPECT_NE(st.message().find("in use"), std::string::npos) << st.message();
  other.stop();
  // The first server is unaffected.
  Client c(port());
  EXPECT_EQ(c.get("/hello").result_int(), 200);
}

TEST_F(HttpServerTest, AddressNotOnThisMachineFailsWithIoError) {
  config_.host = "192.0.2.1";  // TEST-NET-1: never a local address
  HttpServer server(config_, router_, metrics_);
  core::Status st = server.start();
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.code(), core::Code::io_error);
  EXPECT_EQ(st.message().rfind("cannot listen on 192.0.2.1:0: bind failed: ", 0), 0u)
      << st.message();
}

TEST_F(HttpServerTest, InvalidConfigIsRefusedAtStart) {
  config_.threads = 0;
  HttpServer server(config_, router_, metrics_);
  core::Status st = server.start();
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.code(), core::Code::config_invalid);
}

TEST_F(HttpServerTest, StopLetsAnInFlightRequestFinish) {
  std::promise<void> entered;
  router_->add("GET", "/slow", [&entered](Request&) {
    entered.set_value();
    std::this_thread::sleep_for(300ms);
    return Response::text(200, "slow done");
  });
  start();

  // An idle keep-alive connection, which stop() should close at once.
  Client idle(port());
  EXPECT_EQ(idle.get("/hello").result_int(), 200);

  std::future<HttpResponse> slow = std::async(std::launch::async, [p = port()] {
    Client c(p);
    return c.get("/slow");
  });
  entered.get_future().wait();

  const auto before = std::chrono::steady_clock::now();
  server_->stop(std::chrono::milliseconds(3000));
  const auto took = std::chrono::steady_clock::now() - before;

  HttpResponse res = slow.get();
  EXPECT_EQ(res.result_int(), 200);
  EXPECT_EQ(res.body(), "slow done");
  EXPECT_FALSE(res.keep_alive());
  EXPECT_LT(took, 2500ms);
  EXPECT_TRUE(idle.closed_by_server());

  // Nothing listens any more.
  asio::io_context ioc;
  tcp::socket probe(ioc);
  beast::error_code ec;
  probe.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port()), ec);
  EXPECT_TRUE(ec);
}

TEST_F(HttpServerTest, StopIsSafeTwiceAndWithoutStart) {
  HttpServer never(config_, router_, metrics_);
  never.stop();
  never.stop();

  start();
  Client c(port());
  EXPECT_EQ(c.get("/hello").result_int(), 200);
  server_->stop();
  server_->stop(std::chrono::milliseconds(0));
  EXPECT_TRUE(server_->start().code() == core::Code::internal);
}

TEST_F(HttpServerTest, DestructorStopsARunningServer) {
  start();
  Client c(port());
  EXPECT_EQ(c.get("/hello").result_int(), 200);
  server_.reset();
  EXPECT_TRUE(c.closed_by_server());
}

TEST(HttpServerConfigTest, Validate) {
  HttpServerConfig ok;
  EXPECT_TRUE(ok.validate().ok());

  HttpServerConfig c = ok;
  c.threads = 0;
  EXPECT_EQ(c.validate().code(), core::Code::config_invalid);
  c.threads = 257;
  EXPECT_EQ(c.validate().code(), core::Code::config_invalid);
  EXPECT_NE(c.validate().message().find("257"), std::string::npos);
  c.threads = 256;
  EXPECT_TRUE(c.validate().ok());

  c = ok;
  c.max_body_bytes = 0;
  EXPECT_EQ(c.validate().code(), core::Code::config_invalid);
  c = ok;
  c.max_decoded_body_bytes = 0;
  EXPECT_EQ(c.validate().code(), core::Code::config_invalid);
  c = ok;
  c.host = "";
  EXPECT_EQ(c.validate().code(), core::Code::config_invalid);
}

}  // namespace
}  // namespace heeler::net
