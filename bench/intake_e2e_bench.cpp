// Every receiver end to end and durable: `heeler serve` (a fresh data directory per
// receiver) is fed over loopback from this process — several keep-alive HTTP
// connections, or UDP sockets for DogStatsD — with pre-encoded payloads shaped like
// real clients', and the clock stops when the store holds every row (polled with
// SELECT count() through POST /api/v1/sql). Per receiver: records, wall seconds,
// records/s, heeler's CPU seconds over the run (utime+stime of /proc/<pid>/stat) and
// records per heeler CPU-second.
//
// Baseline, in the same run, right after each receiver's end-to-end run (never at the
// same time): the same records decoded in this process with the receivers' decoders,
// and store::Engine::insert of those rows into an embedded engine this process starts on
// a fresh data directory (migrations run; each receiver's tables emptied after it), in
// groups of the writer's largest size (200,000 rows); only the inserts are timed.
//
// The Prometheus remote-write feed also goes to Debian's Prometheus
// (/usr/bin/prometheus --web.enable-remote-write-receiver), whose own counter
// prometheus_tsdb_head_samples_appended_total tells when it has every sample.
//
// Sizes: `name=value` arguments or HEELER_E2E_<NAME> variables (see kOptionHelp);
// `only=apm,logs,otlp,dogstatsd,prom` picks receivers. Exits 1 when a receiver stored
// a different number of rows than it was sent (or could not run).
#define MSGPACK_NO_BOOST
#include <arpa/inet.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <netinet/in.h>
#include <signal.h>
#include <snappy.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <latch>
#include <map>
#include <memory>
#include <msgpack.hpp>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "core/log.h"
#include "core/metrics.h"
#include "intake/datadog_apm/apm_decode.h"
#include "intake/datadog_http/decode.h"
#include "intake/dogstatsd/aggregator.h"
#include "intake/otlp/decode.h"
#include "intake/prometheus/decode.h"
#include "opentelemetry/proto/collector/trace/v1/trace_service.pb.h"
#include "pipeline/consumer.h"
#include "pipeline/signals.h"
#include "process_harness.h"
#include "store/embedded_engine.h"
#include "store/schema.h"

namespace {

using namespace heeler;
using Clock = std::chrono::steady_clock;
namespace fs = std::filesystem;
namespace asio = boost::asio;
namespace http = boost::beast::http;

constexpr size_t kWriterGroupRows = 200000;  // pipeline::WriterConfig::max_group_rows
constexpr size_t kStatsdDatagramBytes = 8192;
constexpr size_t kStatsdDistinctDatagrams = 512;
constexpr const char* kPrometheus = "/usr/bin/prometheus";

double since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

[[noreturn]] void die(const std::string& what) {
  fmt::print(stderr, "intake_e2e_bench: {}\n", what);
  std::exit(1);
}

fs::path make_temp_dir(const std::string& tag) {
  std::string pattern =
      (fs::temp_directory_path() / fmt::format("heeler-e2e-{}-XXXXXX", tag)).string();
  if (::mkdtemp(pattern.data()) == nullptr) die("mkdtemp failed");
  return pattern;
}

uint64_t mix(uint64_t x) {  // splitmix64: distinct, well-spread ids from counters
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

int64_t wall_now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string rate_text(double per_second) {
  if (per_second >= 1e6) return fmt::format("{:.2f}M", per_second / 1e6);
  return fmt::format("{:.1f}k", per_second / 1e3);
}

std::string thousands(uint64_t n) {
  std::string digits = std::to_string(n), out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

// utime + stime of a whole process (every thread), in seconds.
double process_cpu_seconds(pid_t pid) {
  std::ifstream in(fmt::format("/proc/{}/stat", pid));
  std::string line;
  if (!std::getline(in, line)) return 0;
  const size_t end_of_name = line.rfind(')');
  if (end_of_name == std::string::npos) return 0;
  std::istringstream fields(line.substr(end_of_name + 2));
  std::string skip;
  for (int field = 3; field <= 13; ++field) fields >> skip;  // state … cmajflt
  unsigned long long user = 0, system = 0;
  fields >> user >> system;
  return static_cast<double>(user + system) / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

double self_cpu_seconds() {
  rusage usage{};
  ::getrusage(RUSAGE_SELF, &usage);
  auto seconds = [](const timeval& tv) { return tv.tv_sec + tv.tv_usec / 1e6; };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

double load_average() {
  std::ifstream in("/proc/loadavg");
  double one = 0;
  in >> one;
  return one;
}

// ---------------------------------------------------------------------------------------
// Options

struct Options {
  size_t threads = 4;
  size_t apm_payloads = 400;   // × 1,000 spans (100 traces × 10 spans)
  size_t log_bodies = 400;     // × 1,000 logs
  size_t otlp_requests = 400;  // × 1,000 spans
  size_t statsd_lines = 6000000;
  size_t prom_series = 20000;
  size_t prom_scrapes = 40;  // samples = series × scrapes
  size_t prom_per_request = 1000;
  size_t timeout_seconds = 180;  // per receiver, for the store to show every row
  std::set<std::string> only;

  bool wants(const std::string& receiver) const { return only.empty() || only.count(receiver); }
};

constexpr const char* kOptionHelp =
    "options (argv name=value, or environment HEELER_E2E_<NAME>):\n"
    "  threads=4            concurrent connections (UDP sockets for DogStatsD)\n"
    "  apm_payloads=400     v0.4 payloads of 100 traces x 10 spans\n"
    "  log_bodies=400       /api/v2/logs bodies of 1,000 logs\n"
    "  otlp_requests=400    OTLP/HTTP requests of 1,000 spans\n"
    "  statsd_lines=6000000 DogStatsD lines, in datagrams of <= 8 KiB\n"
    "  prom_series=20000    remote-write series ...\n"
    "  prom_scrapes=40      ... times this many samples each\n"
    "  prom_per_request=1000 samples per remote-write request\n"
    "  timeout_seconds=180  per receiver, for the store to hold every row\n"
    "  only=apm,logs,otlp,dogstatsd,prom\n";

Options parse_options(int argc, char** argv) {
  Options o;
  std::map<std::string, size_t*> sizes = {{"threads", &o.threads},
                                          {"apm_payloads", &o.apm_payloads},
                                          {"log_bodies", &o.log_bodies},
                                          {"otlp_requests", &o.otlp_requests},
                                          {"statsd_lines", &o.statsd_lines},
                                          {"prom_series", &o.prom_series},
                                          {"prom_scrapes", &o.prom_scrapes},
                                          {"prom_per_request", &o.prom_per_request},
                                          {"timeout_seconds", &o.timeout_seconds}};
  std::map<std::string, std::string> given;
  for (const auto& [name, unused] : sizes) {
    std::string variable = "HEELER_E2E_" + name;
    std::transform(variable.begin(), variable.end(), variable.begin(), ::toupper);
    if (const char* value = std::getenv(variable.c_str())) given[name] = value;
  }
  if (const char* value = std::getenv("HEELER_E2E_ONLY")) given["only"] = value;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "-h" || arg == "--help") {
      fmt::print("{}", kOptionHelp);
      std::exit(0);
    }
    const size_t eq = arg.find('=');
    if (eq == std::string::npos)
      die(fmt::format("expected name=value, got '{}'\n{}", arg, kOptionHelp));
    given[arg.substr(0, eq)] = arg.substr(eq + 1);
  }
  for (const auto& [name, value] : given) {
    if (name == "only") {
      std::stringstream list(value);
      for (std::string item; std::getline(list, item, ',');)
        if (!item.empty()) o.only.insert(item);
      continue;
    }
    auto it = sizes.find(name);
    if (it == sizes.end()) die(fmt::format("unknown option '{}'\n{}", name, kOptionHelp));
    try {
      *it->second = std::stoull(value);
    } catch (const std::exception&) {
      die(fmt::format("option {}: not a number: '{}'", name, value));
    }
  }
  if (o.threads == 0 || o.prom_per_request == 0) die("threads and prom_per_request must be > 0");
  return o;
}

// ---------------------------------------------------------------------------------------
// HTTP: one keep-alive connection per sending thread.

struct Request {
  std::string method;
  std::string target;
  std::string headers;  // "Name: value\r\n" lines
  std::string body;
  uint64_t records = 0;
};

class Connection {
 public:
  explicit Connection(uint16_t port) : port_(port), socket_(io_) {}

  // HTTP status, or 0 when the server did not answer (twice, on fresh connections).
  int send(const Request& request, std::string& answer) {
    const std::string head =
        fmt::format("{} {} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\n{}Content-Length: {}\r\n\r\n",
                    request.method, request.target, port_, request.headers, request.body.size());
    for (int attempt = 0; attempt < 2; ++attempt) {
      if (!socket_.is_open() && !connect()) continue;
      boost::system::error_code ec;
      const std::array<asio::const_buffer, 2> buffers = {asio::buffer(head),
                                                         asio::buffer(request.body)};
      asio::write(socket_, buffers, ec);
      if (!ec) {
        http::response<http::string_body> response;
        http::response_parser<http::string_body> parser;
        parser.body_limit(64 << 20);
        http::read(socket_, buffer_, parser, ec);
        if (!ec) {
          response = parser.release();
          answer = std::move(response.body());
          if (!response.keep_alive()) close();
          return response.result_int();
        }
      }
      close();
    }
    return 0;
  }

  bool connect() {
    boost::system::error_code ec;
    socket_.connect(asio::ip::tcp::endpoint(asio::ip::address_v4::loopback(), port_), ec);
    if (ec) {
      close();
      return false;
    }
    socket_.set_option(asio::ip::tcp::no_delay(true), ec);
    return true;
  }

 private:
  void close() {
    boost::system::error_code ec;
    socket_.close(ec);
    buffer_.clear();
  }

  uint16_t port_;
  asio::io_context io_;
  asio::ip::tcp::socket socket_;
  boost::beast::flat_buffer buffer_;
};

// ---------------------------------------------------------------------------------------
// Feeds

struct HttpFeed {
  std::string description;        // what one request holds
  std::vector<Request> requests;  // in sending order
  std::vector<size_t> thread_of;  // the connection each request goes on
  uint64_t records = 0;
  uint64_t bytes = 0;

  void add(Request request, size_t thread) {
    records += request.records;
    bytes += request.body.size();
    requests.push_back(std::move(request));
    thread_of.push_back(thread);
  }
};

void header32(msgpack::sbuffer& buf, unsigned char tag, uint32_t n) {
  const char h[5] = {static_cast<char>(tag), static_cast<char>(n >> 24), static_cast<char>(n >> 16),
                     static_cast<char>(n >> 8), static_cast<char>(n)};
  buf.write(h, 5);
}

const char* const kServices[] = {"shop-web", "cart-api", "checkout", "search", "accounts"};

// One dd-trace-js style v0.4 payload (array32/map32 headers, uint64 ids): 100 traces of
// a web request with database, cache and downstream HTTP calls.
std::string apm_payload(size_t index, int64_t base_ns) {
  constexpr uint32_t kTraces = 100, kSpans = 10;
  msgpack::sbuffer buf;
  msgpack::packer<msgpack::sbuffer> pk(buf);
  header32(buf, 0xdd, kTraces);
  for (uint32_t t = 0; t < kTraces; ++t) {
    const uint64_t serial = index * kTraces + t;
    const uint64_t trace_id = mix(serial * 2 + 1);
    const uint64_t root_id = mix(serial * 2 + 2);
    const std::string service = kServices[serial % 5];
    const int64_t start = base_ns + static_cast<int64_t>(serial) * 2000000;
    const bool failed = serial % 25 == 3;
    header32(buf, 0xdd, kSpans);
    for (uint32_t s = 0; s < kSpans; ++s) {
      const bool root = s == 0;
      const int role = root ? 0 : static_cast<int>(s % 3);  // 0 http out, 1 pg, 2 redis
      const bool error = failed && s == 4;
      std::string span_service = service, type = "web", name = "express.request";
      std::string resource = "GET /api/v1/carts/:id";
      if (!root && role == 1) {
        span_service = service + "-postgres", type = "sql", name = "pg.query";
        resource = "SELECT id, user_id, total FROM carts WHERE id = $1 AND deleted_at IS NULL";
      } else if (!root && role == 2) {
        span_service = service + "-redis", type = "redis", name = "redis.command";
        resource = "GET";
      } else if (!root) {
        type = "http", name = "http.request", resource = "GET";
      }
      pk.pack_map(12);
      pk.pack("trace_id"), pk.pack_fix_uint64(trace_id);
      pk.pack("span_id"), pk.pack_fix_uint64(root ? root_id : mix(trace_id + s));
      pk.pack("parent_id"), pk.pack_fix_uint64(root ? 0 : root_id);
      pk.pack("name"), pk.pack(name);
      pk.pack("resource"), pk.pack(resource);
      pk.pack("service"), pk.pack(span_service);
      pk.pack("type"), pk.pack(type);
      pk.pack("error"), pk.pack(error ? 1 : 0);
      pk.pack("start"), pk.pack_fix_uint64(static_cast<uint64_t>(start + s * 150000));
      pk.pack("duration"), pk.pack(static_cast<uint32_t>(root ? 1800000 : 90000 + s * 7000));
      pk.pack("meta");
      std::vector<std::pair<std::string, std::string>> meta = {
          {"env", "prod"},
          {"version", "4.18.2"},
          {"runtime-id", fmt::format("{:08x}-6e02-49a6-9057-ef16bc6a6d3e", serial % 64)},
          {"language", "javascript"},
          {"component", root        ? "express"
                        : role == 1 ? "pg"
                        : role == 2 ? "redis"
                                    : "http"},
          {"_dd.integration", root        ? "express"
                              : role == 1 ? "pg"
                              : role == 2 ? "redis"
                                          : "http"},
          {"team", "payments"},
          {"customer.tier", serial % 3 ? "free" : "pro"}};
      if (root) {
        meta.insert(meta.end(),
                    {{"_dd.p.tid", fmt::format("{:08x}00000000", start / 1000000000)},
                     {"_dd.p.dm", "-0"},
                     {"span.kind", "server"},
                     {"http.method", "GET"},
                     {"http.url", fmt::format("https://shop.example.com/api/v1/carts/{}", serial)},
                     {"http.route", "/api/v1/carts/:id"},
                     {"http.status_code", failed ? "500" : "200"},
                     {"http.useragent", "Mozilla/5.0 (X11; Linux x86_64) Chrome/131.0"},
                     {"_dd.tags.process",
                      "entrypoint.basedir:app,entrypoint.name:server,entrypoint.type:script"}});
      } else if (role == 1) {
        meta.insert(meta.end(), {{"span.kind", "client"},
                                 {"db.type", "postgres"},
                                 {"db.name", "shop"},
                                 {"db.user", "shop_rw"},
                                 {"out.host", "10.0.12.7"},
                                 {"network.destination.port", "5432"}});
      } else if (role == 2) {
        meta.insert(meta.end(), {{"span.kind", "client"},
                                 {"db.type", "redis"},
                                 {"redis.raw_command", fmt::format("GET cart:{}", serial)},
                                 {"out.host", "10.0.12.9"}});
      } else {
        meta.insert(
            meta.end(),
            {{"span.kind", "client"},
             {"http.method", "GET"},
             {"http.url", fmt::format("http://inventory.internal:8080/items?cart={}", serial)},
             {"http.status_code", error ? "503" : "200"},
             {"out.host", "inventory.internal"}});
      }
      if (error)
        meta.insert(meta.end(),
                    {{"error.type", "Error"},
                     {"error.message", "upstream inventory answered 503"},
                     {"error.stack",
                      "Error: upstream inventory answered 503\n    at ClientRequest.<anonymous> "
                      "(/app/src/inventory.js:48:15)\n    at ClientRequest.emit "
                      "(node:events:519:28)"}});
      header32(buf, 0xdf, static_cast<uint32_t>(meta.size()));
      for (const auto& [key, value] : meta) pk.pack(key), pk.pack(value);
      pk.pack("metrics");
      header32(buf, 0xdf, root ? 5 : 3);
      pk.pack("_sampling_priority_v1"), pk.pack(1);
      pk.pack("_dd.measured"), pk.pack(1);
      pk.pack("process_id"), pk.pack(static_cast<uint16_t>(4100 + serial % 8));
      if (root) {
        pk.pack("_dd.top_level"), pk.pack(1);
        pk.pack("_dd.agent_psr"), pk.pack_double(1.0);
      }
    }
  }
  return std::string(buf.data(), buf.size());
}

HttpFeed apm_feed(size_t payloads, size_t threads, int64_t base_ns) {
  HttpFeed feed;
  for (size_t i = 0; i < payloads; ++i) {
    Request r{"PUT", "/v0.4/traces",
              "Content-Type: application/msgpack\r\nX-Datadog-Trace-Count: 100\r\n"
              "Datadog-Meta-Lang: nodejs\r\nDatadog-Meta-Lang-Version: v20.11.1\r\n"
              "Datadog-Meta-Lang-Interpreter: v8\r\nDatadog-Meta-Tracer-Version: 5.24.0\r\n",
              apm_payload(i, base_ns), 1000};
    feed.add(std::move(r), i % threads);
  }
  feed.description = fmt::format("100 traces × 10 spans, {:.0f} KB msgpack",
                                 feed.bytes / 1e3 / std::max<size_t>(payloads, 1));
  return feed;
}

std::string iso_time(int64_t ns) {
  const time_t seconds = static_cast<time_t>(ns / 1000000000);
  std::tm tm{};
  ::gmtime_r(&seconds, &tm);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", tm.tm_year + 1900, tm.tm_mon + 1,
                     tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (ns / 1000000) % 1000);
}

void append_json_string(std::string& out, std::string_view text) {
  out += '"';
  for (char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  out += '"';
}

// One Datadog Agent logs payload: 1,000 logs, three in five from a JSON logger (the
// message a JSON document with trace ids), the rest nginx access lines.
std::string logs_body(size_t index, int64_t base_ns) {
  constexpr size_t kLogs = 1000;
  std::string body = "[";
  for (size_t i = 0; i < kLogs; ++i) {
    const uint64_t serial = index * kLogs + i;
    const int64_t ts = base_ns + static_cast<int64_t>(serial) * 1000000;
    const std::string service = kServices[serial % 5];
    const bool json_logger = serial % 5 < 3;
    const uint64_t roll = mix(serial) % 100;
    const char* status = roll < 85 ? "info" : roll < 96 ? "warn" : "error";
    std::string message;
    if (json_logger) {
      message = fmt::format(
          R"j({{"timestamp":"{}","level":"{}","logger":"com.shop.{}.CartController",)j"
          R"j("thread":"http-nio-8080-exec-{}","message":"cart {} updated for user {} ({} items)",)j"
          R"j("dd":{{"trace_id":"{}","span_id":"{}","service":"{}","env":"prod","version":"4.18.2"}},)j"
          R"j("http":{{"method":"POST","url_details":{{"path":"/api/v1/carts/{}"}},"status_code":{}}},)j"
          R"j("usr":{{"id":"user-{}"}},"duration_ms":{}.{}}})j",
          iso_time(ts),
          roll < 85   ? "INFO"
          : roll < 96 ? "WARN"
                      : "ERROR",
          service, serial % 32, serial, mix(serial) % 50000, serial % 9 + 1, mix(serial) >> 1,
          mix(serial + 1) >> 1, service, serial, roll < 96 ? 200 : 500, mix(serial) % 50000,
          serial % 900, serial % 10);
    } else {
      message = fmt::format(
          R"j(10.0.{}.{} - - [22/Nov/2026:07:12:{:02} +0000] "GET /api/v1/products?page={} HTTP/1.1" {} {} "-" "Mozilla/5.0 (X11; Linux x86_64) Chrome/131.0" {:.3f})j",
          serial % 256, mix(serial) % 256, serial % 60, serial % 40, roll < 96 ? 200 : 502,
          1000 + serial % 9000, (serial % 800) / 1000.0);
    }
    if (i) body += ',';
    body += R"j({"message":)j";
    append_json_string(body, message);
    body += fmt::format(
        R"j(,"status":"{}","timestamp":{},"hostname":"ip-10-0-{}-{}.eu-west-1.compute.internal",)j"
        R"j("service":"{}","ddsource":"{}","ddtags":"env:prod,version:4.18.2,team:payments,)j"
        R"j(kube_namespace:shop,kube_deployment:{},pod_name:{}-7d9f8c-{},container_name:{}"}})j",
        status, ts / 1000000, serial % 4, serial % 8, service, json_logger ? "java" : "nginx",
        service, service, serial % 6, json_logger ? "app" : "nginx");
  }
  return body + "]";
}

HttpFeed logs_feed(size_t bodies, size_t threads, int64_t base_ns) {
  HttpFeed feed;
  for (size_t i = 0; i < bodies; ++i) {
    Request r{"POST", "/api/v2/logs",
              "Content-Type: application/json\r\nDD-API-KEY: 0123456789abcdef0123456789abcdef\r\n"
              "DD-EVP-ORIGIN: agent-json\r\nUser-Agent: datadog-agent/7.59.0\r\n",
              logs_body(i, base_ns), 1000};
    feed.add(std::move(r), i % threads);
  }
  feed.description = fmt::format("1,000 agent-shaped logs, {:.0f} KB JSON",
                                 feed.bytes / 1e3 / std::max<size_t>(bodies, 1));
  return feed;
}

namespace otel = opentelemetry::proto;

template <typename Message>
void put(Message* m, const std::string& key, const std::string& value) {
  auto* kv = m->add_attributes();
  kv->set_key(key);
  kv->mutable_value()->set_string_value(value);
}

template <typename Message>
void put_int(Message* m, const std::string& key, int64_t value) {
  auto* kv = m->add_attributes();
  kv->set_key(key);
  kv->mutable_value()->set_int_value(value);
}

std::string id_bytes(uint64_t high, uint64_t low, size_t width) {
  std::string out(width, '\0');
  for (size_t i = 0; i < width; ++i) {
    const size_t from_end = width - 1 - i;
    const uint64_t word = from_end >= 8 ? high : low;
    out[i] = static_cast<char>(word >> (8 * (from_end % 8)));
  }
  return out;
}

// One OpenTelemetry JS SDK style export: one resource, the http and pg instrumentation
// scopes, 100 traces of a server span with nine client calls.
otel::collector::trace::v1::ExportTraceServiceRequest otlp_request(size_t index, int64_t base_ns) {
  constexpr size_t kTraces = 100, kSpans = 10;
  otel::collector::trace::v1::ExportTraceServiceRequest request;
  auto* rs = request.add_resource_spans();
  rs->set_schema_url("https://opentelemetry.io/schemas/1.24.0");
  auto* resource = rs->mutable_resource();
  const std::string service = kServices[index % 5];
  put(resource, "service.name", service);
  put(resource, "service.version", "4.18.2");
  put(resource, "deployment.environment.name", "prod");
  put(resource, "host.name", fmt::format("ip-10-0-{}-{}", index % 4, index % 8));
  put(resource, "host.arch", "amd64");
  put(resource, "os.type", "linux");
  put_int(resource, "process.pid", static_cast<int64_t>(4100 + index % 8));
  put(resource, "process.runtime.name", "nodejs");
  put(resource, "process.runtime.version", "20.11.1");
  put(resource, "k8s.namespace.name", "shop");
  put(resource, "k8s.pod.name", fmt::format("{}-7d9f8c-{}", service, index % 6));
  put(resource, "telemetry.sdk.name", "opentelemetry");
  put(resource, "telemetry.sdk.language", "nodejs");
  put(resource, "telemetry.sdk.version", "1.25.1");
  auto* http_scope = rs->add_scope_spans();
  http_scope->mutable_scope()->set_name("@opentelemetry/instrumentation-http");
  http_scope->mutable_scope()->set_version("0.52.1");
  auto* pg_scope = rs->add_scope_spans();
  pg_scope->mutable_scope()->set_name("@opentelemetry/instrumentation-pg");
  pg_scope->mutable_scope()->set_version("0.43.0");
  for (size_t t = 0; t < kTraces; ++t) {
    const uint64_t serial = index * kTraces + t;
    const std::string trace_id = id_bytes(mix(serial * 3 + 1), mix(serial * 3 + 2), 16);
    const std::string root_id = id_bytes(0, mix(serial * 3 + 3), 8);
    const uint64_t start = static_cast<uint64_t>(base_ns) + serial * 2000000;
    const bool failed = serial % 25 == 3;
    for (size_t s = 0; s < kSpans; ++s) {
      const bool root = s == 0, db = !root && s % 2 == 0;
      auto* span = (db ? pg_scope : http_scope)->add_spans();
      span->set_trace_id(trace_id);
      span->set_span_id(root ? root_id : id_bytes(0, mix(serial * 16 + s + (1ull << 40)), 8));
      if (!root) span->set_parent_span_id(root_id);
      span->set_start_time_unix_nano(start + s * 150000);
      span->set_end_time_unix_nano(start + s * 150000 + (root ? 1800000 : 90000 + s * 7000));
      if (root) {
        span->set_name("POST /api/v1/carts/:id");
        span->set_kind(otel::trace::v1::Span::SPAN_KIND_SERVER);
        put(span, "http.request.method", "POST");
        put(span, "http.route", "/api/v1/carts/:id");
        put(span, "url.path", fmt::format("/api/v1/carts/{}", serial));
        put(span, "url.scheme", "https");
        put_int(span, "http.response.status_code", failed ? 500 : 200);
        put(span, "server.address", "shop.example.com");
        put_int(span, "server.port", 443);
        put(span, "client.address", fmt::format("10.0.{}.{}", serial % 256, mix(serial) % 256));
        put(span, "user_agent.original", "Mozilla/5.0 (X11; Linux x86_64) Chrome/131.0");
        put(span, "network.protocol.version", "1.1");
      } else if (db) {
        span->set_name("pg.query:SELECT shop");
        span->set_kind(otel::trace::v1::Span::SPAN_KIND_CLIENT);
        put(span, "db.system", "postgresql");
        put(span, "db.namespace", "shop");
        put(span, "db.user", "shop_rw");
        put(span, "db.query.text",
            "SELECT id, user_id, total FROM carts WHERE id = $1 AND deleted_at IS NULL");
        put(span, "server.address", "10.0.12.7");
        put_int(span, "server.port", 5432);
      } else {
        span->set_name("GET");
        span->set_kind(otel::trace::v1::Span::SPAN_KIND_CLIENT);
        put(span, "http.request.method", "GET");
        put(span, "url.full", fmt::format("http://inventory.internal:8080/items?cart={}", serial));
        put_int(span, "http.response.status_code", failed && s == 3 ? 503 : 200);
        put(span, "server.address", "inventory.internal");
        put_int(span, "server.port", 8080);
        put(span, "network.peer.address", "10.0.13.2");
      }
      if (failed && (root || s == 3)) {
        span->mutable_status()->set_code(otel::trace::v1::Status::STATUS_CODE_ERROR);
        span->mutable_status()->set_message("upstream inventory answered 503");
        auto* event = span->add_events();
        event->set_name("exception");
        event->set_time_unix_nano(start + s * 150000 + 80000);
        put(event, "exception.type", "Error");
        put(event, "exception.message", "upstream inventory answered 503");
        put(event, "exception.stacktrace",
            "Error: upstream inventory answered 503\n    at ClientRequest.<anonymous> "
            "(/app/src/inventory.js:48:15)");
      }
    }
  }
  return request;
}

HttpFeed otlp_feed([[maybe_unused]] size_t requests, [[maybe_unused]] size_t threads,
                   [[maybe_unused]] int64_t base_ns) {
  HttpFeed feed;
  for (size_t i = 0; i < requests; ++i) {
    Request r{"POST", "/v1/traces",
              "Content-Type: application/x-protobuf\r\nUser-Agent: "
              "OTel-OTLP-Exporter-JavaScript/0.52.1\r\n",
              otlp_request(i, base_ns).SerializeAsString(), 1000};
    feed.add(std::move(r), i % threads);
  }
  feed.description = fmt::format("1,000 spans, {:.0f} KB protobuf",
                                 feed.bytes / 1e3 / std::max<size_t>(requests, 1));
  return feed;
}

// Prometheus remote-write 1.0, encoded by hand: WriteRequest{timeseries = 1},
// TimeSeries{labels = 1, samples = 2}, Label{name = 1, value = 2},
// Sample{value = 1 (double), timestamp = 2 (int64)}.
void varint(std::string& out, uint64_t v) {
  while (v >= 0x80) {
    out += static_cast<char>(v | 0x80);
    v >>= 7;
  }
  out += static_cast<char>(v);
}

void bytes_field(std::string& out, uint32_t field, std::string_view bytes) {
  varint(out, field << 3 | 2);
  varint(out, bytes.size());
  out += bytes;
}

struct PromSeries {
  std::string metric;
  std::vector<std::pair<std::string, std::string>> labels;  // sorted, __name__ first
  std::string encoded_labels;
};

// Gauges only (no counter suffixes, no metadata), so every sample is one stored point
// in heeler as in Prometheus and the two counts can be checked exactly.
PromSeries prom_series(size_t i) {
  const std::string instance =
      fmt::format("10.{}.{}.{}:9100", 1 + i / 65536 % 250, i / 256 % 256, i % 256);
  const std::string pod = fmt::format("{}-7d9f8c-{:05}", kServices[i % 5], i % 100000);
  PromSeries s;
  switch (i % 8) {
    case 0:
      s.metric = "node_memory_MemAvailable_bytes";
      s.labels = {{"job", "node"}};
      break;
    case 1:
      s.metric = "node_filesystem_avail_bytes";
      s.labels = {{"job", "node"},
                  {"device", fmt::format("/dev/nvme0n1p{}", i % 3 + 1)},
                  {"fstype", "ext4"},
                  {"mountpoint", fmt::format("/data{}", i % 4)}};
      break;
    case 2:
      s.metric = "node_load1";
      s.labels = {{"job", "node"}};
      break;
    case 3:
      s.metric = "container_memory_working_set_bytes";
      s.labels = {{"job", "kubelet"},    {"metrics_path", "/metrics/cadvisor"},
                  {"namespace", "shop"}, {"pod", pod},
                  {"container", "app"},  {"image", "registry.example.com/shop/app:4.18.2"}};
      break;
    case 4:
      s.metric = "kube_pod_container_status_ready";
      s.labels = {{"job", "kube-state-metrics"},
                  {"namespace", "shop"},
                  {"pod", pod},
                  {"container", "app"},
                  {"uid", fmt::format("{:016x}-{:04x}", mix(i), i % 65536)}};
      break;
    case 5:
      s.metric = "node_network_up";
      s.labels = {{"job", "node"}, {"device", fmt::format("eth{}", i % 4)}};
      break;
    case 6:
      s.metric = "process_resident_memory_bytes";
      s.labels = {{"job", "shop-api"}, {"service", kServices[i % 5]}};
      break;
    default:
      s.metric = "go_goroutines";
      s.labels = {{"job", "shop-api"}, {"service", kServices[i % 5]}};
      break;
  }
  s.labels.push_back({"instance", instance});
  s.labels.push_back({"cluster", "prod-eu-1"});  // an external label
  s.labels.push_back({"__name__", s.metric});
  std::sort(s.labels.begin(), s.labels.end());
  for (const auto& [name, value] : s.labels) {
    std::string label;
    bytes_field(label, 1, name);
    bytes_field(label, 2, value);
    bytes_field(s.encoded_labels, 1, label);
  }
  return s;
}

double prom_value(size_t series, size_t scrape) {
  switch (series % 8) {
    case 2:
      return 0.25 + static_cast<double>(mix(series * 131 + scrape) % 400) / 100.0;
    case 4:
    case 5:
      return static_cast<double>((series + scrape) % 7 != 0);
    case 7:
      return static_cast<double>(40 + mix(series + scrape) % 200);
    default:
      return static_cast<double>((1ull << 30) + mix(series * 7 + scrape) % (1ull << 28));
  }
}

// A remote-write queue shards by series: each connection carries its own series, in
// time order, as Prometheus does (samples of one series must arrive in order).
HttpFeed prom_feed(const Options& o, int64_t now_ns, std::vector<PromSeries>& series_out) {
  HttpFeed feed;
  const int64_t first_ms = now_ns / 1000000 - static_cast<int64_t>(o.prom_scrapes + 4) * 15000;
  series_out.clear();
  for (size_t i = 0; i < o.prom_series; ++i) series_out.push_back(prom_series(i));
  std::vector<std::string> open(o.threads);
  std::vector<size_t> open_samples(o.threads, 0);
  std::vector<std::vector<Request>> per_thread(o.threads);
  auto close = [&](size_t shard) {
    if (open_samples[shard] == 0) return;
    Request r{"POST",
              "/api/v1/write",
              "Content-Type: application/x-protobuf\r\nContent-Encoding: snappy\r\n"
              "X-Prometheus-Remote-Write-Version: 0.1.0\r\nUser-Agent: Prometheus/2.42.0\r\n",
              {},
              open_samples[shard]};
    snappy::Compress(open[shard].data(), open[shard].size(), &r.body);
    per_thread[shard].push_back(std::move(r));
    open[shard].clear();
    open_samples[shard] = 0;
  };
  for (size_t scrape = 0; scrape < o.prom_scrapes; ++scrape) {
    const int64_t ts = first_ms + static_cast<int64_t>(scrape) * 15000;
    for (size_t i = 0; i < o.prom_series; ++i) {
      const size_t shard = i % o.threads;
      std::string sample;
      varint(sample, 1 << 3 | 1);
      const double value = prom_value(i, scrape);
      char raw[8];
      std::memcpy(raw, &value, 8);
      sample.append(raw, 8);
      varint(sample, 2 << 3 | 0);
      varint(sample, static_cast<uint64_t>(ts));
      std::string ts_body = series_out[i].encoded_labels;
      bytes_field(ts_body, 2, sample);
      bytes_field(open[shard], 1, ts_body);
      if (++open_samples[shard] == o.prom_per_request) close(shard);
    }
  }
  for (size_t shard = 0; shard < o.threads; ++shard) close(shard);
  for (size_t shard = 0; shard < o.threads; ++shard)
    for (auto& r : per_thread[shard]) feed.add(std::move(r), shard);
  feed.description =
      fmt::format("{} samples (one per series), {:.0f} KB snappy protobuf", o.prom_per_request,
                  feed.bytes / 1e3 / std::max<size_t>(feed.requests.size(), 1));
  return feed;
}

// DogStatsD: distinct datagrams of lines like dd-trace's and hot-shots' (counts, gauges,
// histograms; ~10 tags), sent round robin until `lines` lines are out. Counts and
// histogram counts are conserved by aggregation, so the stored sum of every `count`
// point must equal what was sent.
struct StatsdFeed {
  std::vector<std::string> datagrams;
  std::vector<uint32_t> lines;    // per datagram
  std::vector<double> count_sum;  // per datagram: count values + histogram samples
  std::vector<size_t> sends;      // datagram index per send, in order
  uint64_t total_lines = 0;
  double expected_count_sum = 0;
  size_t series = 0;  // distinct stored series the feed produces
  uint64_t bytes = 0;
};

StatsdFeed statsd_feed(size_t wanted_lines) {
  constexpr size_t kNames = 40, kTagSets = 50;
  StatsdFeed feed;
  std::mt19937_64 rng(20261122);
  std::set<std::pair<size_t, size_t>> used;
  std::vector<std::string> tag_sets;
  for (size_t k = 0; k < kTagSets; ++k) {
    const std::string service = kServices[k % 5];
    tag_sets.push_back(fmt::format(
        "env:prod,service:{},version:4.18.2,team:payments,kube_namespace:shop,"
        "pod_name:{}-7d9f8c-{:02},host:ip-10-0-{}-{},region:eu-west-1,endpoint:/api/v1/{}",
        service, service, k, k % 4, k % 8, k % 2 ? "carts" : "orders"));
  }
  auto line = [&](size_t name, size_t tags, std::string& out, double& counted) {
    if (name < 28) {
      const uint64_t v = rng() % 3 + 1;
      counted += static_cast<double>(v);
      out += fmt::format("e2e.app.requests.{}:{}|c|#{}", name, v, tag_sets[tags]);
    } else if (name < 36) {
      out +=
          fmt::format("e2e.runtime.heap.{}:{}|g|#{}", name, 1000 + rng() % 90000, tag_sets[tags]);
    } else {
      counted += 1;
      out += fmt::format("e2e.app.latency.{}:{}|ms|#{}", name, rng() % 900 + 1, tag_sets[tags]);
    }
    if (tags % 4 == 0) out += fmt::format("|c:ci-{:012x}", tags);
  };
  for (size_t d = 0; d < kStatsdDistinctDatagrams; ++d) {
    std::string datagram;
    uint32_t lines = 0;
    double counted = 0;
    while (true) {
      const size_t name = rng() % kNames, tags = rng() % kTagSets;
      std::string next;
      double next_count = 0;
      line(name, tags, next, next_count);
      if (datagram.size() + next.size() + 1 > kStatsdDatagramBytes) break;
      if (!datagram.empty()) datagram += '\n';
      datagram += next;
      ++lines;
      counted += next_count;
      used.insert({name, tags});
    }
    feed.datagrams.push_back(std::move(datagram));
    feed.lines.push_back(lines);
    feed.count_sum.push_back(counted);
  }
  for (const auto& [name, tags] : used) feed.series += name >= 36 ? 5 : 1;
  for (size_t i = 0; feed.total_lines < wanted_lines; ++i) {
    const size_t d = i % feed.datagrams.size();
    feed.sends.push_back(d);
    feed.total_lines += feed.lines[d];
    feed.expected_count_sum += feed.count_sum[d];
    feed.bytes += feed.datagrams[d].size();
  }
  return feed;
}

// ---------------------------------------------------------------------------------------
// Servers

std::optional<double> sql_number(uint16_t port, const std::string& query) {
  const nlohmann::json body = {{"query", query}, {"params", nlohmann::json::object()}};
  testing::HttpReply reply = testing::http_request(port, "POST", "/api/v1/sql", body.dump(),
                                                   {"Content-Type: application/json"});
  if (reply.status != 200) return std::nullopt;
  nlohmann::json doc = nlohmann::json::parse(reply.body, nullptr, false);
  if (doc.is_discarded() || !doc.contains("data") || doc["data"].empty() ||
      doc["data"][0].empty() || doc["data"][0][0].is_null())
    return std::nullopt;
  return testing::json_number(doc["data"][0][0]);
}

// Sum of every sample of `name` (any labels) in Prometheus text exposition.
std::optional<double> scrape_sum(uint16_t port, const std::string& name) {
  testing::HttpReply reply = testing::http_request(port, "GET", "/metrics");
  if (reply.status != 200) return std::nullopt;
  std::istringstream lines(reply.body);
  double sum = 0;
  bool found = false;
  for (std::string line; std::getline(lines, line);) {
    if (!line.starts_with(name) || line.size() <= name.size()) continue;
    const char next = line[name.size()];
    if (next != ' ' && next != '{') continue;
    const size_t space = line.rfind(' ');
    try {
      sum += std::stod(line.substr(space + 1));
      found = true;
    } catch (const std::exception&) {
    }
  }
  return found ? std::optional<double>(sum) : std::nullopt;
}

struct Heeler {
  fs::path root;
  std::unique_ptr<testing::HeelerProcess> process;
  uint16_t apm = 0, otlp_http = 0, otlp_grpc = 0, statsd = 0;

  uint16_t api() const { return process->port(); }

  bool start() {
    root = make_temp_dir("heeler");
    apm = testing::free_port();
    otlp_http = testing::free_port();
    otlp_grpc = testing::free_port();
    statsd = testing::free_udp_port();
    process = std::make_unique<testing::HeelerProcess>(root / "data", root / "heeler.log");
    auto listen = [](uint16_t port) { return "127.0.0.1:" + std::to_string(port); };
    process->start({"--set", "apm_listen=" + listen(apm), "--set",
                    "otlp_http_listen=" + listen(otlp_http), "--set",
                    "otlp_grpc_listen=" + listen(otlp_grpc), "--set",
                    "dogstatsd_listen=" + listen(statsd), "--set", "api.sql_enabled=true", "--set",
                    "dogstatsd.flush_interval_seconds=1"});
    if (process->wait_ready(std::chrono::seconds(120))) return true;
    fmt::print(stderr, "heeler did not become ready:\n{}\n", tail(process->log()));
    return false;
  }

  // SIGTERM, wait for a clean exit; the exit code (or -1).
  int stop() {
    if (!process) return -1;
    process->signal(SIGTERM);
    int code = process->wait_exit(std::chrono::seconds(60));
    if (code != 0) fmt::print(stderr, "heeler exit code {} after SIGTERM\n", code);
    process.reset();
    std::error_code ec;
    fs::remove_all(root, ec);
    return code;
  }

  static std::string tail(const std::string& log) {
    return log.size() > 4000 ? log.substr(log.size() - 4000) : log;
  }
};

class PrometheusServer {
 public:
  ~PrometheusServer() { stop(); }

  bool start() {
    root_ = make_temp_dir("prometheus");
    port_ = testing::free_port();
    const fs::path config = root_ / "prometheus.yml";
    std::ofstream(config) << "global:\n  scrape_interval: 1h\n";  // no scrapes: only the feed
    std::vector<std::string> args = {kPrometheus,
                                     "--config.file=" + config.string(),
                                     "--storage.tsdb.path=" + (root_ / "tsdb").string(),
                                     "--web.listen-address=127.0.0.1:" + std::to_string(port_),
                                     "--web.enable-remote-write-receiver",
                                     "--log.level=warn"};
    const fs::path log = root_ / "prometheus.log";
    pid_ = ::fork();
    if (pid_ < 0) return false;
    if (pid_ == 0) {
      int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
      ::dup2(fd, 1);
      ::dup2(fd, 2);
      sigset_t none;
      sigemptyset(&none);
      ::sigprocmask(SIG_SETMASK, &none, nullptr);
      std::vector<char*> argv;
      for (auto& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      ::execv(argv[0], argv.data());
      _exit(127);
    }
    const auto deadline = Clock::now() + std::chrono::seconds(60);
    while (Clock::now() < deadline) {
      if (::waitpid(pid_, nullptr, WNOHANG) == pid_) {
        pid_ = -1;
        break;
      }
      if (testing::http_request(port_, "GET", "/-/ready").status == 200) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    std::ifstream in(log);
    std::stringstream text;
    text << in.rdbuf();
    fmt::print(stderr, "prometheus did not become ready:\n{}\n", text.str());
    return false;
  }

  void stop() {
    if (pid_ > 0) {
      ::kill(pid_, SIGTERM);
      const auto deadline = Clock::now() + std::chrono::seconds(30);
      while (::waitpid(pid_, nullptr, WNOHANG) == 0) {
        if (Clock::now() > deadline) {
          ::kill(pid_, SIGKILL);
          ::waitpid(pid_, nullptr, 0);
          break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      }
      pid_ = -1;
    }
    if (!root_.empty()) {
      std::error_code ec;
      fs::remove_all(root_, ec);
      root_.clear();
    }
  }

  pid_t pid() const { return pid_; }
  uint16_t port() const { return port_; }

 private:
  fs::path root_;
  pid_t pid_ = -1;
  uint16_t port_ = 0;
};

// ---------------------------------------------------------------------------------------
// End-to-end runs

struct E2e {
  bool ran = false;
  bool ok = false;
  std::string skipped;  // why it did not run
  uint64_t records = 0;
  double stored = 0;
  double wall = 0;     // first send → the store holds every record
  double sending = 0;  // first send → last answer (last datagram out, for UDP)
  double server_cpu = 0;
  double client_cpu = 0;
  uint64_t requests = 0, retries = 0, failures = 0;
  std::string error;
  std::string extra;
};

struct SendCounters {
  std::atomic<uint64_t> ok{0}, retries{0}, failures{0};
  std::mutex mu;
  std::string first_error;
};

void send_one(Connection& connection, const Request& request, SendCounters& counters) {
  std::string answer;
  for (int attempt = 0; attempt < 300; ++attempt) {
    const int status = connection.send(request, answer);
    if (status >= 200 && status < 300) {
      counters.ok.fetch_add(1);
      return;
    }
    if (status == 503 || status == 429 || status == 0) {
      counters.retries.fetch_add(1);
      std::this_thread::sleep_for(status == 0 ? std::chrono::milliseconds(100)
                                              : std::chrono::seconds(1));  // Retry-After
      continue;
    }
    std::lock_guard lock(counters.mu);
    if (counters.first_error.empty())
      counters.first_error = fmt::format("HTTP {}: {}", status, answer.substr(0, 300));
    break;
  }
  counters.failures.fetch_add(1);
}

// Sends `feed` to `port` on `threads` keep-alive connections and polls `stored` until it
// reaches feed.records; `pid` is the server whose CPU time is measured.
E2e run_http(const HttpFeed& feed, uint16_t port, pid_t pid, size_t threads, double timeout,
             const std::function<std::optional<double>()>& stored) {
  E2e result;
  result.ran = true;
  result.records = feed.records;
  SendCounters counters;
  std::latch ready(static_cast<std::ptrdiff_t>(threads + 1));
  std::atomic<size_t> finished{0};
  std::vector<std::thread> senders;
  for (size_t t = 0; t < threads; ++t)
    senders.emplace_back([&, t] {
      Connection connection(port);
      connection.connect();
      ready.arrive_and_wait();
      for (size_t i = 0; i < feed.requests.size(); ++i)
        if (feed.thread_of[i] == t) send_one(connection, feed.requests[i], counters);
      finished.fetch_add(1);
    });
  ready.arrive_and_wait();
  const double cpu_before = process_cpu_seconds(pid), self_before = self_cpu_seconds();
  const auto start = Clock::now();
  double seen = 0;
  while (true) {
    const bool sent = finished.load() == threads;
    if (sent && result.sending == 0) result.sending = since(start);
    if (auto n = stored()) seen = *n;
    if (sent && seen >= static_cast<double>(feed.records)) break;
    if (since(start) > timeout) break;
    if (sent && counters.failures.load() > 0 && since(start) - result.sending > 10) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  result.wall = since(start);
  result.server_cpu = process_cpu_seconds(pid) - cpu_before;
  result.client_cpu = self_cpu_seconds() - self_before;
  for (auto& s : senders) s.join();
  // A second look: more rows than sent would be duplicates.
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  if (auto n = stored()) seen = *n;
  result.stored = seen;
  result.requests = counters.ok.load();
  result.retries = counters.retries.load();
  result.failures = counters.failures.load();
  result.ok = result.stored == static_cast<double>(feed.records) && result.failures == 0;
  if (!result.ok)
    result.error = fmt::format(
        "stored {} of {} records; {} requests failed{}{}", result.stored, feed.records,
        result.failures, counters.first_error.empty() ? "" : ", first: ", counters.first_error);
  return result;
}

E2e run_heeler_http(const std::string& name, const HttpFeed& feed, const Options& o,
                    const std::string& count_query, uint16_t Heeler::*port_member,
                    const std::string& probe_target) {
  Heeler heeler;
  if (!heeler.start()) {
    E2e failed;
    failed.ran = true;
    failed.error = "heeler did not start";
    return failed;
  }
  const uint16_t port = port_member ? heeler.*port_member : heeler.api();
  if (!probe_target.empty()) {
    const int status = testing::http_request(port, "GET", probe_target).status;
    if (status == 0 || status == 404) {
      E2e skipped;
      skipped.skipped =
          status == 0
              ? fmt::format("{}: nothing listens on its port (receiver not built in)", name)
              : fmt::format("{}: {} answers 404 (receiver not built in)", name, probe_target);
      heeler.stop();
      return skipped;
    }
  }
  fmt::print(stderr, "{}: {} records in {} requests…\n", name, feed.records, feed.requests.size());
  const uint16_t api = heeler.api();
  E2e result =
      run_http(feed, port, heeler.process->pid(), o.threads, static_cast<double>(o.timeout_seconds),
               [&] { return sql_number(api, count_query); });
  if (const int code = heeler.stop(); code != 0)
    result.extra = fmt::format(" heeler exited with code {} after SIGTERM", code);
  return result;
}

// /proc/net/udp: receive queue (bytes of socket memory) and drops of the socket bound
// to 127.0.0.1:port.
std::pair<uint64_t, uint64_t> udp_socket_state(uint16_t port) {
  std::ifstream in("/proc/net/udp");
  std::string line;
  std::getline(in, line);
  const std::string local = fmt::format("0100007F:{:04X}", port);
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string slot, address, remote, state, queues;
    fields >> slot >> address >> remote >> state >> queues;
    if (address != local) continue;
    const uint64_t rx = std::stoull(queues.substr(queues.find(':') + 1), nullptr, 16);
    std::string field, last;
    while (fields >> field) last = field;
    return {rx, last.empty() ? 0 : std::stoull(last)};
  }
  return {0, 0};
}

E2e run_dogstatsd(const StatsdFeed& feed, const Options& o, size_t& intervals_out,
                  double& points_out) {
  E2e result;
  Heeler heeler;
  result.ran = true;
  result.records = feed.total_lines;
  if (!heeler.start()) {
    result.error = "heeler did not start";
    return result;
  }
  fmt::print(stderr, "dogstatsd: {} lines in {} datagrams…\n", feed.total_lines, feed.sends.size());
  // Senders hold back while the server's socket queue is above this: UDP has no flow
  // control, so the rate measured is what the receiver takes in without drops.
  const uint64_t queue_limit = 2u << 20;
  const uint16_t port = heeler.statsd;
  const auto drops_before = udp_socket_state(port).second;
  std::latch ready(static_cast<std::ptrdiff_t>(o.threads + 1));
  std::atomic<size_t> finished{0};
  std::atomic<uint64_t> send_errors{0};
  std::vector<std::thread> senders;
  for (size_t t = 0; t < o.threads; ++t)
    senders.emplace_back([&, t] {
      int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
      sockaddr_in addr{};
      addr.sin_family = AF_INET;
      addr.sin_port = htons(port);
      addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
      ready.arrive_and_wait();
      size_t sent = 0;
      for (size_t i = t; i < feed.sends.size(); i += o.threads) {
        if (sent++ % 4 == 0)
          while (udp_socket_state(port).first > queue_limit)
            std::this_thread::sleep_for(std::chrono::microseconds(200));
        const std::string& d = feed.datagrams[feed.sends[i]];
        while (::send(fd, d.data(), d.size(), 0) < 0) {
          if (errno != ENOBUFS && errno != EAGAIN && errno != EINTR) {
            send_errors.fetch_add(1);
            break;
          }
          std::this_thread::sleep_for(std::chrono::microseconds(100));
        }
      }
      ::close(fd);
      finished.fetch_add(1);
    });
  ready.arrive_and_wait();
  const pid_t pid = heeler.process->pid();
  const double cpu_before = process_cpu_seconds(pid), self_before = self_cpu_seconds();
  const auto start = Clock::now();
  const std::string sum_query =
      "SELECT sum(value) FROM metric_points WHERE kind = 'count' AND startsWith(metric, 'e2e.')";
  double seen = 0;
  while (true) {
    const bool sent = finished.load() == o.threads;
    if (sent && result.sending == 0) result.sending = since(start);
    if (auto n = sql_number(heeler.api(), sum_query)) seen = *n;
    if (sent && seen >= feed.expected_count_sum) break;
    if (since(start) > static_cast<double>(o.timeout_seconds)) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  result.wall = since(start);
  result.server_cpu = process_cpu_seconds(pid) - cpu_before;
  result.client_cpu = self_cpu_seconds() - self_before;
  for (auto& s : senders) s.join();
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));  // a later flush would show extras
  if (auto n = sql_number(heeler.api(), sum_query)) seen = *n;
  const uint64_t drops = udp_socket_state(port).second - drops_before;
  const double lines = scrape_sum(heeler.api(), "heeler_dogstatsd_lines_total").value_or(-1);
  const double series =
      sql_number(heeler.api(),
                 "SELECT uniqExact(series_id) FROM metric_points WHERE startsWith(metric, 'e2e.')")
          .value_or(-1);
  points_out =
      sql_number(heeler.api(), "SELECT count() FROM metric_points WHERE startsWith(metric, 'e2e.')")
          .value_or(0);
  intervals_out = static_cast<size_t>(
      sql_number(heeler.api(),
                 "SELECT uniqExact(timestamp) FROM metric_points WHERE startsWith(metric, 'e2e.')")
          .value_or(1));
  result.stored = seen;
  result.requests = feed.sends.size();
  result.failures = send_errors.load();
  result.ok = seen == feed.expected_count_sum && drops == 0 && result.failures == 0 &&
              lines == static_cast<double>(feed.total_lines) &&
              series == static_cast<double>(feed.series);
  result.extra = fmt::format(
      "{} datagrams; server counted {} lines; {} points in {} one-second intervals, {} series "
      "(expected {}); socket drops {}",
      thousands(feed.sends.size()), lines, points_out, intervals_out, series, feed.series, drops);
  if (!result.ok)
    result.error =
        fmt::format("count sum stored {} of {}; {}", seen, feed.expected_count_sum, result.extra);
  if (const int code = heeler.stop(); code != 0)
    result.extra += fmt::format("; heeler exited with code {} after SIGTERM", code);
  return result;
}

// ---------------------------------------------------------------------------------------
// Direct inserts (the baseline)

struct Direct {
  bool ran = false;
  bool ok = false;
  uint64_t rows = 0;
  double seconds = 0;
  size_t inserts = 0;
  std::string error;
  double rows_per_second() const { return seconds > 0 ? static_cast<double>(rows) / seconds : 0; }
};

// `tables[k]` gets `batches[k][i]` for every source batch i; consecutive source batches
// are merged into groups of at most kWriterGroupRows rows of the first table, as the
// writer does. Merging is untimed; the inserts are timed. The tables are emptied after.
Direct insert_direct(store::Engine& engine, const std::vector<std::string>& tables,
                     const std::vector<std::vector<const store::ColumnBatch*>>& batches) {
  Direct d;
  d.ran = true;
  std::vector<std::vector<store::ColumnBatch>> groups(tables.size());
  const auto& lead = batches.front();
  for (size_t first = 0; first < lead.size();) {
    size_t last = first, rows = 0;
    while (last < lead.size() && (last == first || rows + lead[last]->rows() <= kWriterGroupRows))
      rows += lead[last++]->rows();
    for (size_t k = 0; k < tables.size(); ++k) {
      store::ColumnBatch merged = *batches[k][first];
      for (size_t i = first + 1; i < last; ++i)
        if (auto st = merged.append_rows(*batches[k][i]); !st.ok()) die(st.to_string());
      groups[k].push_back(std::move(merged));
    }
    d.rows += rows;
    first = last;
  }
  const auto start = Clock::now();
  for (size_t g = 0; g < groups.front().size(); ++g)
    for (size_t k = 0; k < tables.size(); ++k) {
      if (groups[k][g].rows() == 0) continue;
      if (auto st = engine.insert(tables[k], groups[k][g]); !st.ok()) {
        d.error = st.to_string();
        return d;
      }
      ++d.inserts;
    }
  d.seconds = since(start);
  auto counted = engine.query("SELECT count() FROM " + tables.front());
  d.ok = counted.ok() && counted->at(0, 0).as_string() == std::to_string(d.rows);
  if (!d.ok) d.error = "the engine does not hold every row";
  for (const auto& table : tables)
    if (auto st = engine.execute("TRUNCATE TABLE " + table); !st.ok()) die(st.to_string());
  return d;
}

template <typename Batch>
Direct insert_batches(store::Engine& engine, const std::vector<Batch>& batches) {
  std::vector<const store::ColumnBatch*> columns;
  for (const auto& b : batches) columns.push_back(&b.columns());
  return insert_direct(engine, {std::string(Batch::kTable)}, {columns});
}

Direct insert_metric_batches(store::Engine& engine,
                             const std::vector<pipeline::MetricBatch>& batches) {
  std::vector<const store::ColumnBatch*> points, series;
  for (const auto& b : batches) points.push_back(&b.points()), series.push_back(&b.series());
  return insert_direct(engine,
                       {std::string(pipeline::MetricBatch::kPointsTable),
                        std::string(pipeline::MetricBatch::kSeriesTable)},
                       {points, series});
}

class CollectingConsumer final : public pipeline::Consumer {
 public:
  core::Status consume_logs(pipeline::LogBatch&&) override { return {}; }
  core::Status consume_spans(pipeline::SpanBatch&&) override { return {}; }
  core::Status consume_metrics(pipeline::MetricBatch&& batch) override {
    metrics.push_back(std::move(batch));
    return {};
  }
  core::Status consume_events(pipeline::EventBatch&&) override { return {}; }
  core::Status consume_rum(pipeline::RumBatch&&) override { return {}; }
  std::vector<pipeline::MetricBatch> metrics;
};

Direct direct_apm(store::Engine& engine, const HttpFeed& feed) {
  std::vector<pipeline::SpanBatch> batches;
  for (const auto& r : feed.requests) {
    pipeline::SpanBatch batch;
    core::Status st =
        intake::decode_traces(intake::TraceFormat::v04, r.body, {},
                              [&](const pipeline::SpanRecord& s) { batch.append(s); });
    if (!st.ok()) die("decode_traces: " + st.to_string());
    batches.push_back(std::move(batch));
  }
  return insert_batches(engine, batches);
}

Direct direct_logs(store::Engine& engine, const HttpFeed& feed) {
  std::vector<pipeline::LogBatch> batches;
  const int64_t now = wall_now_ns();
  for (const auto& r : feed.requests) {
    pipeline::LogBatch batch;
    intake::DropReport report;
    if (auto st = intake::decode_logs(r.body, now, batch, report); !st.ok())
      die("decode_logs: " + st.to_string());
    batches.push_back(std::move(batch));
  }
  return insert_batches(engine, batches);
}

Direct direct_otlp([[maybe_unused]] store::Engine& engine, [[maybe_unused]] const HttpFeed& feed) {
  Direct d;
  std::vector<pipeline::SpanBatch> batches;
  const int64_t now = wall_now_ns();
  for (const auto& r : feed.requests) {
    otel::collector::trace::v1::ExportTraceServiceRequest request;
    if (!request.ParseFromString(r.body)) die("OTLP request does not parse");
    pipeline::SpanBatch batch;
    intake::otlp::ExportResult result;
    intake::otlp::convert_traces(request, now, batch, result);
    batches.push_back(std::move(batch));
  }
  d = insert_batches(engine, batches);
  return d;
}

// The points the aggregator makes of the same datagrams, spread over the number of
// flush intervals the end-to-end run stored (the aggregation is timed separately).
Direct direct_dogstatsd(store::Engine& engine, const StatsdFeed& feed, size_t intervals,
                        double& aggregate_seconds) {
  core::Metrics metrics;
  CollectingConsumer consumer;
  intake::AggregatorOptions options;
  options.flush_interval_ms = 1000;
  intake::Aggregator aggregator(options, consumer, metrics);
  const int64_t base_ms = wall_now_ns() / 1000000 / 1000 * 1000 - 600000;
  intervals = std::max<size_t>(intervals, 1);
  const auto start = Clock::now();
  for (size_t i = 0; i < feed.sends.size(); ++i) {
    const int64_t interval = static_cast<int64_t>(i * intervals / feed.sends.size());
    aggregator.ingest(feed.datagrams[feed.sends[i]], base_ms + interval * 1000 + 500);
  }
  aggregator.flush(base_ms + static_cast<int64_t>(intervals) * 1000 + 1000, true);
  aggregate_seconds = since(start);
  return insert_metric_batches(engine, consumer.metrics);
}

// With the receiver's decoder built, its MetricBatch of each request (snappy, protobuf,
// conversion untimed); else the batches it is specified to make: __name__ the metric,
// every other label a name:value tag, gauges.
Direct direct_prom(store::Engine& engine, const Options& o, const HttpFeed& feed,
                   const std::vector<PromSeries>& series, int64_t now_ns) {
  std::vector<pipeline::MetricBatch> batches;
  (void)o, (void)series;
  pipeline::CumulativeToDelta deltas(now_ns - int64_t{3600} * 1000000000);
  intake::prometheus::ConvertContext context;
  context.deltas = &deltas;
  context.now_ns = now_ns;
  for (const auto& r : feed.requests) {
    auto raw = intake::prometheus::uncompress_snappy(r.body);
    if (!raw.ok()) die(raw.status().to_string());
    intake::prometheus::WriteRequest request;
    if (auto st = intake::prometheus::parse_write_request(*raw, request); !st.ok())
      die(st.to_string());
    pipeline::MetricBatch batch;
    intake::prometheus::WriteResult result;
    intake::prometheus::convert_write_request(request, context, batch, result);
    batches.push_back(std::move(batch));
  }
  return insert_metric_batches(engine, batches);
}

// ---------------------------------------------------------------------------------------
// Report

struct Row {
  std::string receiver;
  std::string feed;
  E2e e2e;
  Direct direct;
  std::string unit = "records";
};

std::string direct_cell(const Direct& d) {
  if (!d.ran) return "—";
  if (!d.ok) return "failed";
  return rate_text(d.rows_per_second());
}

}  // namespace

int main(int argc, char** argv) {
  const Options o = parse_options(argc, argv);
  core::log::set_level(core::log::Level::warn);
  const double load_at_start = load_average();
  const int64_t now_ns = wall_now_ns();
  const int64_t base_ns = now_ns - int64_t{20} * 60 * 1000000000;  // 20 minutes ago
  bool all_ok = true;
  std::vector<std::string> notes;

  auto build_start = Clock::now();
  HttpFeed apm, logs, otlp, prom;
  StatsdFeed statsd;
  std::vector<PromSeries> prom_series_list;
  if (o.wants("apm")) apm = apm_feed(o.apm_payloads, o.threads, base_ns);
  if (o.wants("logs")) logs = logs_feed(o.log_bodies, o.threads, base_ns);
  if (o.wants("otlp")) otlp = otlp_feed(o.otlp_requests, o.threads, base_ns);
  if (o.wants("dogstatsd")) statsd = statsd_feed(o.statsd_lines);
  if (o.wants("prom")) prom = prom_feed(o, now_ns, prom_series_list);
  fmt::print(stderr, "feeds built in {:.1f} s\n", since(build_start));

  // The baseline's engine, in this process; each receiver's direct insert runs right
  // after its end-to-end run (the machine's load moves too much to compare runs minutes
  // apart), and empties its tables, so the engine idles during the next heeler run.
  const fs::path engine_dir = make_temp_dir("engine");
  core::Metrics metrics;
  store::EmbeddedEngineConfig engine_config;
  engine_config.data_dir = engine_dir;
  auto engine = store::make_embedded_engine(engine_config, metrics);
  if (auto st = engine->start(); !st.ok()) die(st.to_string());
  if (auto applied = store::migrate(*engine, store::telemetry_migrations()); !applied.ok())
    die(applied.status().to_string());
  double statsd_aggregate_s = 0;

  std::vector<Row> rows;
  if (o.wants("apm")) {
    Row row{"Datadog tracer v0.4 (`PUT /v0.4/traces`, tracer port)",
            fmt::format("{} payloads: {}", apm.requests.size(), apm.description)};
    row.e2e = run_heeler_http("apm", apm, o, "SELECT count() FROM spans", &Heeler::apm, "");
    row.direct = direct_apm(*engine, apm);
    row.unit = "spans";
    rows.push_back(std::move(row));
  }
  if (o.wants("logs")) {
    Row row{"Datadog logs (`POST /api/v2/logs`)",
            fmt::format("{} bodies: {}", logs.requests.size(), logs.description)};
    row.e2e = run_heeler_http("logs", logs, o, "SELECT count() FROM logs", nullptr, "");
    row.direct = direct_logs(*engine, logs);
    row.unit = "logs";
    rows.push_back(std::move(row));
  }
  if (o.wants("otlp")) {
    Row row{"OTLP/HTTP traces (`POST /v1/traces`, protobuf)",
            fmt::format("{} requests: {}", otlp.requests.size(), otlp.description)};
    row.unit = "spans";
    if (otlp.requests.empty())
      row.e2e.skipped = "OTLP: the generated OTLP classes (heeler_otlp_proto) are not built";
    else
      row.e2e = run_heeler_http("otlp", otlp, o, "SELECT count() FROM spans", &Heeler::otlp_http,
                                "/v1/traces");
    if (!otlp.requests.empty()) row.direct = direct_otlp(*engine, otlp);
    rows.push_back(std::move(row));
  }
  size_t statsd_intervals = 1;
  double statsd_points = 0;
  if (o.wants("dogstatsd")) {
    Row row{"DogStatsD (UDP)",
            fmt::format("{} distinct datagrams of ≤8 KiB (~{} lines each) sent round robin, "
                        "flush interval 1 s",
                        statsd.datagrams.size(),
                        statsd.total_lines / std::max<size_t>(statsd.sends.size(), 1))};
    row.e2e = run_dogstatsd(statsd, o, statsd_intervals, statsd_points);
    row.direct = direct_dogstatsd(*engine, statsd, statsd_intervals, statsd_aggregate_s);
    row.unit = "lines";
    rows.push_back(std::move(row));
  }
  E2e prometheus;
  if (o.wants("prom")) {
    Row row{"Prometheus remote-write (`POST /api/v1/write`)",
            fmt::format("{} requests of {}; {} series × {} scrapes", prom.requests.size(),
                        prom.description, o.prom_series, o.prom_scrapes)};
    row.unit = "samples";
    std::set<std::string> names;
    for (const auto& series : prom_series_list) names.insert("'" + series.metric + "'");
    std::string list;
    for (const auto& name : names) list += (list.empty() ? "" : ",") + name;
    row.e2e = run_heeler_http("prom", prom, o,
                              "SELECT count() FROM metric_points WHERE metric IN (" + list + ")",
                              nullptr, "/api/v1/write");
    row.direct = direct_prom(*engine, o, prom, prom_series_list, now_ns);
    rows.push_back(std::move(row));
    if (::access(kPrometheus, X_OK) != 0) {
      prometheus.skipped = fmt::format("{} is not installed", kPrometheus);
    } else {
      PrometheusServer server;
      if (!server.start()) {
        prometheus.ran = true;
        prometheus.error = "prometheus did not start";
      } else {
        fmt::print(stderr, "prometheus 2.42: {} samples…\n", prom.records);
        const uint16_t port = server.port();
        prometheus = run_http(
            prom, port, server.pid(), o.threads, static_cast<double>(o.timeout_seconds),
            [port] { return scrape_sum(port, "prometheus_tsdb_head_samples_appended_total"); });
      }
      server.stop();
    }
  }

  engine->stop();
  engine.reset();
  std::error_code ec;
  fs::remove_all(engine_dir, ec);

  // --- report ----------------------------------------------------------------------------
  fmt::print(
      "\n## Intake end to end and durable: client → receiver → WAL (fsync) → writer → store\n\n");
  fmt::print(
      "{} client threads (one keep-alive connection or UDP socket each), a fresh `heeler serve` "
      "per receiver, load average {:.2f} at start. Wall time: first send until `SELECT count()` "
      "shows every record. Direct: `store::Engine::insert` of the same rows, decoded in-process, "
      "into a fresh embedded engine in groups of ≤{} rows.\n\n",
      o.threads, load_at_start, thousands(kWriterGroupRows));
  fmt::print(
      "| receiver | feed | records | wall s | records/s | heeler CPU s | records per heeler "
      "CPU-s | bench CPU s | direct insert rows/s | e2e / direct |\n"
      "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|\n");
  for (const auto& row : rows) {
    const E2e& e = row.e2e;
    if (!e.ran) {
      fmt::print("| {} | {} | not run | | | | | | {} | |\n", row.receiver, row.feed,
                 direct_cell(row.direct));
      if (!e.skipped.empty()) notes.push_back(e.skipped);
      continue;
    }
    const double per_s = e.wall > 0 ? static_cast<double>(e.records) / e.wall : 0;
    std::string ratio = "—";
    if (row.direct.ok && row.unit != "lines" && e.ok)
      ratio = fmt::format("{:.2f}", per_s / row.direct.rows_per_second());
    fmt::print(
        "| {} | {} | {} {} | {:.2f} | {} | {:.2f} | {} | {:.2f} | {} | {} |\n", row.receiver,
        row.feed, thousands(e.records), row.unit, e.wall, e.ok ? rate_text(per_s) : "LOST",
        e.server_cpu,
        e.ok && e.server_cpu > 0 ? rate_text(static_cast<double>(e.records) / e.server_cpu) : "—",
        e.client_cpu, direct_cell(row.direct), ratio);
    if (!e.ok) {
      all_ok = false;
      notes.push_back(fmt::format("{}: FAILED — {}", row.receiver, e.error));
    }
    if (row.direct.ok && row.unit != "lines" && row.direct.rows != e.records)
      notes.push_back(fmt::format("{}: the in-process decoder made {} rows of {} records",
                                  row.receiver, row.direct.rows, e.records));
    if (row.direct.ran && !row.direct.ok) {
      all_ok = false;
      notes.push_back(fmt::format("{}: direct insert failed — {}", row.receiver, row.direct.error));
    }
  }
  fmt::print(
      "\n| receiver | requests | 503 / retried | last answer at s | store complete at s |\n"
      "|---|---:|---:|---:|---:|\n");
  for (const auto& row : rows)
    if (row.e2e.ran)
      fmt::print("| {} | {} | {} | {:.2f} | {:.2f} |\n", row.receiver, thousands(row.e2e.requests),
                 row.e2e.retries, row.e2e.sending, row.e2e.wall);
  for (const auto& row : rows) {
    if (row.unit == "lines" && row.e2e.ran) {
      notes.push_back("DogStatsD: " + row.e2e.extra);
      if (row.direct.ok && statsd_aggregate_s > 0) {
        const double in_process =
            static_cast<double>(row.e2e.records) / (statsd_aggregate_s + row.direct.seconds);
        notes.push_back(fmt::format(
            "DogStatsD direct: the aggregator in-process (one thread, {} intervals) takes "
            "{:.2f} s for the lines ({} lines/s), the insert of its {} points {:.3f} s ({} "
            "rows/s); end to end against in-process aggregate + insert: {:.2f}",
            statsd_intervals, statsd_aggregate_s,
            rate_text(static_cast<double>(row.e2e.records) / statsd_aggregate_s),
            thousands(row.direct.rows), row.direct.seconds, direct_cell(row.direct),
            static_cast<double>(row.e2e.records) / row.e2e.wall / in_process));
      }
    } else if (!row.e2e.extra.empty()) {
      notes.push_back(row.receiver + ":" + row.e2e.extra);
    }
  }

  if (o.wants("prom")) {
    const E2e* heeler_prom = nullptr;
    for (const auto& row : rows)
      if (row.unit == "samples") heeler_prom = &row.e2e;
    fmt::print("\n### Prometheus remote-write: heeler against Prometheus 2.42, same feed\n\n");
    fmt::print(
        "| server | samples | wall s | samples/s | server CPU s | samples per CPU-s |\n"
        "|---|---:|---:|---:|---:|---:|\n");
    auto line = [&](const std::string& name, const E2e& e) {
      if (!e.ran || !e.ok) {
        fmt::print("| {} | {} | | {} | | |\n", name, thousands(prom.records),
                   e.ran ? "failed" : "not run");
        return;
      }
      fmt::print("| {} | {} | {:.2f} | {} | {:.2f} | {} |\n", name, thousands(e.records), e.wall,
                 rate_text(static_cast<double>(e.records) / e.wall), e.server_cpu,
                 rate_text(static_cast<double>(e.records) / e.server_cpu));
    };
    line("heeler (durable: WAL fsync before 204, then the store)", *heeler_prom);
    line("Prometheus 2.42 (TSDB head + WAL, no fsync per request)", prometheus);
    if (heeler_prom->ok && prometheus.ok)
      fmt::print("| heeler / Prometheus | | | {:.2f} | | {:.2f} |\n",
                 prometheus.wall / heeler_prom->wall,
                 (static_cast<double>(heeler_prom->records) / heeler_prom->server_cpu) /
                     (static_cast<double>(prometheus.records) / prometheus.server_cpu));
    if (!prometheus.skipped.empty()) notes.push_back("Prometheus: " + prometheus.skipped);
    if (prometheus.ran && !prometheus.ok) {
      all_ok = false;
      notes.push_back("Prometheus 2.42: FAILED — " + prometheus.error);
    }
  }
  if (!notes.empty()) {
    fmt::print("\n");
    for (const auto& n : notes) fmt::print("- {}\n", n);
  }
  fmt::print("\n{:.1f} MB sent to heeler in all; load average at end {:.2f}\n",
             (apm.bytes + logs.bytes + otlp.bytes + prom.bytes + statsd.bytes) / 1e6,
             load_average());
  return all_ok ? 0 : 1;
}
