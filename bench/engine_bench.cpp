// The embedded store against the bare engine, in one run on fresh temporary directories:
//   - start-up: store::Engine::start() (loads libchdb, opens the connections) + migrations,
//     and resident memory before loading the library and idle after start;
//   - inserting 1M log-shaped rows in 100k-row batches
//       (a) through store::Engine::insert,
//       (b) bare libchdb: the same Arrow buffers via chdb_arrow_array_scan + INSERT … SELECT
//           on a raw connection,
//       (c) bare libchdb: JSONEachRow text inline in the INSERT (encoding timed separately).
// Prints a markdown table; insert figures are medians of 3 repetitions. MB/s counts the
// column bytes of the batch (ColumnBatch::byte_size) for every path, so they compare.
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "core/log.h"
#include "core/metrics.h"
#include "store/arrow_export.h"
#include "store/chdb_api.h"
#include "store/embedded_engine.h"
#include "store/query_text.h"
#include "store/schema.h"

namespace {

using namespace heeler;
using Clock = std::chrono::steady_clock;
namespace fs = std::filesystem;

constexpr size_t kRows = 1000000;
constexpr size_t kBatchRows = 100000;
constexpr int kRepetitions = 3;

double since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

double rss_mb() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.starts_with("VmRSS:")) return std::stod(line.substr(6)) / 1024.0;
  }
  return 0;
}

[[noreturn]] void die(const std::string& what) {
  fmt::print(stderr, "engine_bench: {}\n", what);
  std::exit(1);
}

fs::path temp_dir(const char* tag) {
  std::string pattern =
      (fs::temp_directory_path() / fmt::format("heeler-bench-{}-XXXXXX", tag)).string();
  if (::mkdtemp(pattern.data()) == nullptr) die("mkdtemp failed");
  return pattern;
}

// ---------------------------------------------------------------------------------------
// Log-shaped data: 5 services, 40 hosts, mostly info, ~120-byte messages, trace ids and
// 5-10 attributes a row, one millisecond-ish apart.

struct LogBatches {
  std::vector<store::ColumnBatch> batches;
  size_t rows = 0;
  size_t bytes = 0;
};

LogBatches make_logs() {
  std::mt19937_64 rng(20261122);
  const char* services[] = {"web-frontend", "checkout-api", "payments", "inventory", "auth"};
  const char* versions[] = {"1.4.2", "2.0.0", "2.0.1"};
  const char* methods[] = {"GET", "GET", "GET", "POST", "PUT", "DELETE"};
  const char* paths[] = {"/api/v1/cart", "/api/v1/orders",          "/api/v1/users/me",
                         "/login",       "/api/v1/products/search", "/healthz"};
  const char* regions[] = {"us-east-1", "us-west-2", "eu-west-1"};
  const char* templates[] = {
      "{} {} completed with status {} in {} ms for user {} (request id {:016x})",
      "upstream call to {} {} returned {} after {} ms; retrying for user {} req={:016x}",
      "cache miss on {} {} status={} latency_ms={} user={} correlation={:016x}"};
  LogBatches out;
  // Starting two hours ago: well inside the tables' 30-day TTL.
  int64_t ts = std::chrono::duration_cast<std::chrono::nanoseconds>(
                   (std::chrono::system_clock::now() - std::chrono::hours(2)).time_since_epoch())
                   .count();
  for (size_t start = 0; start < kRows; start += kBatchRows) {
    store::ColumnBatch b;
    auto& timestamp = b.add<store::TimestampColumn>("timestamp");
    auto& observed = b.add<store::TimestampColumn>("observed_timestamp");
    auto& service = b.add<store::StringColumn>("service");
    auto& env = b.add<store::StringColumn>("env");
    auto& version = b.add<store::StringColumn>("version");
    auto& host = b.add<store::StringColumn>("host");
    auto& status = b.add<store::StringColumn>("status");
    auto& severity = b.add<store::FixedColumn<uint8_t>>("severity_number");
    auto& source = b.add<store::StringColumn>("source");
    auto& message = b.add<store::StringColumn>("message");
    auto& trace = b.add<store::FixedBytesColumn>("trace_id", store::FixedBytesColumn(16));
    auto& span = b.add<store::FixedBytesColumn>("span_id", store::FixedBytesColumn(8));
    auto& attributes = b.add<store::MapColumn>("attributes");
    for (size_t i = 0; i < kBatchRows; ++i) {
      ts += static_cast<int64_t>(rng() % 2000000);
      timestamp.append(ts);
      observed.append(ts + static_cast<int64_t>(rng() % 50000000));
      size_t svc = rng() % 5;
      service.append(services[svc]);
      env.append(rng() % 10 == 0 ? "staging" : "prod");
      version.append(versions[rng() % 3]);
      host.append(fmt::format("ip-10-0-{}-{}", svc, rng() % 8));
      uint64_t roll = rng() % 100;
      const char* st = roll < 80 ? "info" : roll < 95 ? "warn" : "error";
      status.append(st);
      severity.append(roll < 80 ? 9 : roll < 95 ? 13 : 17);
      source.append(svc == 2 ? "java" : "go");
      int code = roll < 95 ? 200 : 503;
      const char* method = methods[rng() % 6];
      const char* path = paths[rng() % 6];
      uint64_t latency = rng() % 900 + 1;
      uint64_t user = rng() % 50000;
      message.append(fmt::format(fmt::runtime(templates[rng() % 3]), method, path, code, latency,
                                 user, rng()));
      char id[16];
      uint64_t hi = rng(), lo = rng();
      std::memcpy(id, &hi, 8);
      std::memcpy(id + 8, &lo, 8);
      trace.append(std::string_view(id, 16));
      span.append(std::string_view(id + 4, 8));
      attributes.add("http.method", method);
      attributes.add("http.url", path);
      attributes.add("http.status_code", std::to_string(code));
      attributes.add("duration_ms", std::to_string(latency));
      attributes.add("region", regions[svc % 3]);
      size_t extra = rng() % 6;
      if (extra > 0) attributes.add("usr.id", fmt::format("user-{}", user));
      if (extra > 1) attributes.add("thread", fmt::format("worker-{}", rng() % 32));
      if (extra > 2) attributes.add("logger.name", fmt::format("com.shop.{}", services[svc]));
      if (extra > 3) attributes.add("db.rows", std::to_string(rng() % 1000));
      if (extra > 4) attributes.add("feature_flag", rng() % 2 ? "new-checkout" : "control");
      attributes.end_row();
    }
    if (auto st = b.validate(); !st.ok()) die(st.to_string());
    out.rows += b.rows();
    out.bytes += b.byte_size();
    out.batches.push_back(std::move(b));
  }
  return out;
}

// ---------------------------------------------------------------------------------------
// JSONEachRow encoding of the same batches.

void json_string(std::string& out, std::string_view s) {
  out += '"';
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (u < 0x20) {
      fmt::format_to(std::back_inserter(out), "\\u{:04x}", u);
    } else {
      out += c;
    }
  }
  out += '"';
}

void json_timestamp(std::string& out, int64_t ns) {
  time_t secs = static_cast<time_t>(ns / 1000000000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  fmt::format_to(std::back_inserter(out), "\"{:04}-{:02}-{:02} {:02}:{:02}:{:02}.{:09}\"",
                 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                 ns % 1000000000);
}

std::string to_json(const store::ColumnBatch& b) {
  std::string out;
  out.reserve(b.byte_size() * 2);
  const auto& cols = b.columns();
  for (size_t row = 0; row < b.rows(); ++row) {
    out += '{';
    for (size_t c = 0; c < cols.size(); ++c) {
      if (c) out += ',';
      json_string(out, cols[c].name);
      out += ':';
      std::visit(
          [&](const auto& col) {
            using C = std::decay_t<decltype(col)>;
            if constexpr (std::is_same_v<C, store::TimestampColumn>) {
              json_timestamp(out, col.values[row]);
            } else if constexpr (std::is_same_v<C, store::StringColumn>) {
              json_string(out, col.at(row));
            } else if constexpr (std::is_same_v<C, store::FixedBytesColumn>) {
              size_t w = static_cast<size_t>(col.width);
              json_string(out, std::string_view(col.data).substr(row * w, w));
            } else if constexpr (std::is_same_v<C, store::MapColumn>) {
              out += '{';
              for (int32_t e = col.offsets[row]; e < col.offsets[row + 1]; ++e) {
                if (e != col.offsets[row]) out += ',';
                json_string(out, col.keys.at(static_cast<size_t>(e)));
                out += ':';
                json_string(out, col.values.at(static_cast<size_t>(e)));
              }
              out += '}';
            } else {
              fmt::format_to(std::back_inserter(out), "{}", +col.values[row]);
            }
          },
          cols[c].data);
    }
    out += "}\n";
  }
  return out;
}

// ---------------------------------------------------------------------------------------
// Bare libchdb.

class Raw {
 public:
  Raw(const store::chdb::Api* api, const fs::path& dir) : api_(api) {
    std::string a0 = "clickhouse", a1 = "--path=" + dir.string();
    char* argv[] = {a0.data(), a1.data()};
    conn_ = api_->connect(2, argv);
    if (conn_ == nullptr) die("chdb_connect failed");
  }
  ~Raw() { api_->close_conn(conn_); }

  std::string run(std::string_view sql) {
    store::chdb::Result* r = api_->query_n(*conn_, sql.data(), sql.size(), "TSV", 3);
    std::string out;
    if (const char* err = api_->result_error(r))
      die(fmt::format("{}: {}", sql.substr(0, 120), err));
    out.assign(api_->result_buffer(r), api_->result_length(r));
    api_->destroy_query_result(r);
    return out;
  }

  void insert_arrow(const store::ColumnBatch& b, const std::string& insert_columns, int n) {
    store::arrow::ArrowExport e(b);
    std::string name = fmt::format("bench_{}", n);
    if (api_->arrow_array_scan(*conn_, name.c_str(), e.schema(), e.array()) !=
        store::chdb::kSuccess)
      die("chdb_arrow_array_scan failed");
    run(fmt::format("INSERT INTO logs ({}) SELECT * FROM arrowstream('{}')", insert_columns, name));
    api_->arrow_unregister_table(*conn_, name.c_str());
  }

 private:
  const store::chdb::Api* api_;
  store::chdb::Connection* conn_ = nullptr;
};

std::string column_list(const store::ColumnBatch& b) {
  std::string out;
  for (const auto& c : b.columns()) out += (out.empty() ? "`" : ", `") + c.name + "`";
  return out;
}

// A fingerprint of what landed, to check every path stored the same rows.
constexpr const char* kFingerprint =
    "SELECT count(), sum(cityHash64(trace_id)), sum(cityHash64(message)), "
    "sum(cityHash64(toString(attributes))), sum(toUnixTimestamp64Nano(timestamp)) FROM logs";

std::string engine_fingerprint(store::Engine& e) {
  auto r = e.query(kFingerprint);
  if (!r.ok()) die(r.status().to_string());
  std::string out;
  for (size_t i = 0; i < r->columns().size(); ++i) out += (i ? "\t" : "") + r->at(0, i).as_string();
  return out + "\n";
}

struct Row {
  std::string path;
  double seconds;
  std::string note;
};

}  // namespace

int main() {
  const double rss_before = rss_mb();
  core::log::set_level(core::log::Level::warn);

  fmt::print("Building {} log rows in {}-row batches…\n", kRows, kBatchRows);
  auto build_start = Clock::now();
  LogBatches logs = make_logs();
  fmt::print("  built in {:.2f} s: {:.1f} MB of column data ({:.0f} bytes/row)\n",
             since(build_start), logs.bytes / 1e6, static_cast<double>(logs.bytes) / logs.rows);
  const double rss_with_data = rss_mb();

  // --- (a) the store engine -------------------------------------------------------------
  fs::path engine_dir = temp_dir("engine");
  core::Metrics metrics;
  store::EmbeddedEngineConfig config;
  config.data_dir = engine_dir;
  auto engine = store::make_embedded_engine(config, metrics);
  auto t = Clock::now();
  if (auto st = engine->start(); !st.ok()) die(st.to_string());
  const double start_seconds = since(t);
  t = Clock::now();
  auto migrated = store::migrate(*engine, store::telemetry_migrations());
  if (!migrated.ok()) die(migrated.status().to_string());
  const double migrate_seconds = since(t);
  std::this_thread::sleep_for(std::chrono::seconds(1));
  const double rss_idle = rss_mb();
  const std::string version = engine->version();

  std::vector<double> engine_runs;
  std::string engine_print;
  for (int rep = 0; rep < kRepetitions; ++rep) {
    if (auto st = engine->execute("TRUNCATE TABLE logs"); !st.ok()) die(st.to_string());
    t = Clock::now();
    for (const auto& b : logs.batches)
      if (auto st = engine->insert("logs", b); !st.ok()) die(st.to_string());
    engine_runs.push_back(since(t));
  }
  engine_print = engine_fingerprint(*engine);
  const double rss_after_engine = rss_mb();
  engine->stop();
  engine.reset();

  // --- (b), (c) bare libchdb -----------------------------------------------------------
  auto api = store::chdb::load_api("");
  if (!api.ok()) die(api.status().to_string());
  fs::path raw_dir = temp_dir("raw");
  std::vector<double> arrow_runs, json_runs;
  std::string arrow_print, json_print;
  double json_encode_seconds = 0;
  size_t json_bytes = 0;
  {
    Raw raw(*api, raw_dir);
    for (const auto& statement : store::telemetry_migrations().front().statements)
      raw.run(statement);
    const std::string columns = column_list(logs.batches.front());
    for (int rep = 0; rep < kRepetitions; ++rep) {
      raw.run("TRUNCATE TABLE logs");
      t = Clock::now();
      int n = 0;
      for (const auto& b : logs.batches) raw.insert_arrow(b, columns, n++);
      arrow_runs.push_back(since(t));
    }
    arrow_print = raw.run(kFingerprint);

    t = Clock::now();
    std::vector<std::string> json;
    for (const auto& b : logs.batches) {
      json.push_back(fmt::format("INSERT INTO logs ({}) FORMAT JSONEachRow\n", columns) +
                     to_json(b));
      json_bytes += json.back().size();
    }
    json_encode_seconds = since(t);
    for (int rep = 0; rep < kRepetitions; ++rep) {
      raw.run("TRUNCATE TABLE logs");
      t = Clock::now();
      for (const auto& q : json) raw.run(q);
      json_runs.push_back(since(t));
    }
    json_print = raw.run(kFingerprint);
  }
  std::error_code ec;
  fs::remove_all(engine_dir, ec);
  fs::remove_all(raw_dir, ec);

  // --- report ---------------------------------------------------------------------------
  const double a = median(engine_runs), b = median(arrow_runs), c = median(json_runs);
  auto rate = [&](double s) {
    return fmt::format("{:.0f}k | {:.0f}", logs.rows / s / 1e3, logs.bytes / s / 1e6);
  };
  fmt::print("\n## Embedded store (libchdb {}), {} rows of logs, {}-row batches\n\n", version,
             logs.rows, kBatchRows);
  fmt::print("| measure | value |\n|---|---|\n");
  fmt::print("| RSS before loading libchdb | {:.0f} MB |\n", rss_before);
  fmt::print("| RSS with the 1M-row batch built | {:.0f} MB |\n", rss_with_data);
  fmt::print("| Engine::start() (load libchdb, open 4 connections) | {:.3f} s |\n", start_seconds);
  fmt::print("| telemetry migrations | {:.3f} s |\n", migrate_seconds);
  fmt::print("| start-up total | {:.3f} s |\n", start_seconds + migrate_seconds);
  fmt::print("| idle RSS after start (incl. the batch) | {:.0f} MB (+{:.0f} MB for the engine) |\n",
             rss_idle, rss_idle - rss_with_data);
  fmt::print("| RSS after the engine inserts | {:.0f} MB |\n", rss_after_engine);
  fmt::print("\n| path | median of {} | rows/s | MB/s | note |\n|---|---|---|---|---|\n",
             kRepetitions);
  fmt::print("| (a) store::Engine::insert (Arrow) | {:.3f} s | {} | |\n", a, rate(a));
  fmt::print("| (b) bare chDB, same Arrow buffers | {:.3f} s | {} | |\n", b, rate(b));
  fmt::print(
      "| (c) bare chDB, JSONEachRow inline | {:.3f} s | {} | +{:.2f} s to encode {:.0f} MB "
      "of JSON |\n",
      c, rate(c), json_encode_seconds, json_bytes / 1e6);
  fmt::print("\n| ratio | value |\n|---|---|\n");
  fmt::print("| (a)/(b) throughput | {:.2f} |\n", b / a);
  fmt::print("| (a)/(c) throughput | {:.2f} ({:.2f} counting JSON encoding) |\n", c / a,
             (c + json_encode_seconds) / a);
  const bool same = engine_print == arrow_print && arrow_print == json_print;
  fmt::print("\nstored rows identical across paths: {}\n", same ? "yes" : "NO");
  if (!same)
    fmt::print("  engine: {}  arrow:  {}  json:   {}", engine_print, arrow_print, json_print);
  fmt::print("runs (s): a={} b={} c={}\n", fmt::join(engine_runs, " "), fmt::join(arrow_runs, " "),
             fmt::join(json_runs, " "));
  return same ? 0 : 1;
}
