#include "store/embedded_engine.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/file.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <fstream>
#include <functional>
#include <mutex>
#include <system_error>
#include <utility>
#include <vector>

#include "core/log.h"
#include "store/arrow_export.h"
#include "store/chdb_api.h"
#include "store/query_text.h"
#include "store/rowbinary.h"

namespace heeler::store {

core::Status EmbeddedEngineConfig::validate() const {
  if (data_dir.empty())
    return core::Status(core::Code::config_invalid, "store: the data directory is not set");
  const std::pair<const char*, int> pools[] = {{"ingest_connections", ingest_connections},
                                               {"interactive_connections", interactive_connections},
                                               {"background_connections", background_connections}};
  for (const auto& [name, count] : pools) {
    if (count < 1 || count > 64)
      return core::error(core::Code::config_invalid, "store: {} must be 1..64, not {}", name,
                         count);
  }
  if (system_log_ttl_days < 1 || system_log_ttl_days > 3650)
    return core::error(core::Code::config_invalid,
                       "store: system_log_ttl_days must be 1..3650, not {}", system_log_ttl_days);
  constexpr uint64_t kMinMemory = uint64_t{128} << 20;
  if (memory_limit_bytes != 0 && memory_limit_bytes < kMinMemory)
    return core::error(core::Code::config_invalid,
                       "store: memory limit {} bytes is below the engine's minimum of 128 MiB "
                       "(0 means the engine's default)",
                       memory_limit_bytes);
  return {};
}

namespace {

constexpr const char* kComponent = "store";
constexpr const char* kRowFormat = "RowBinaryWithNamesAndTypes";
constexpr const char* kNullFormat = "Null";
constexpr std::array<const char*, 3> kLaneNames = {"ingest", "interactive", "background"};

// libchdb runs one engine per process, serving one data directory: connections to the
// same directory share it, and connecting to another fails while any is open. Engines
// in this process claim the directory here so a second one fails with a clear reason.
struct DirectoryClaim {
  std::mutex mu;
  std::string directory;  // empty → free
};
DirectoryClaim& directory_claim() {
  static DirectoryClaim claim;
  return claim;
}

core::Status claim_directory(const std::string& dir) {
  auto& claim = directory_claim();
  std::lock_guard lock(claim.mu);
  if (claim.directory == dir)
    return core::error(core::Code::unavailable,
                       "data directory {} is already open by another store engine in this process",
                       dir);
  if (!claim.directory.empty())
    return core::error(core::Code::unavailable,
                       "this process already runs the embedded engine on {}; libchdb serves one "
                       "data directory per process, so {} cannot be opened until it stops",
                       claim.directory, dir);
  claim.directory = dir;
  return {};
}

void release_directory(const std::string& dir) {
  auto& claim = directory_claim();
  std::lock_guard lock(claim.mu);
  if (claim.directory == dir) claim.directory.clear();
}

// ClickHouse holds an flock on <path>/status while it runs. Trying it first turns the
// engine's bare connect failure into a reason; the lock is dropped again at once.
core::Status check_not_locked(const std::filesystem::path& dir) {
  auto status_file = dir / "status";
  int fd = ::open(status_file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return {};  // never started here
  core::Status result;
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    std::string owner;
    char buf[256] = {};
    ssize_t n = ::pread(fd, buf, sizeof(buf) - 1, 0);
    if (n > 0) {
      std::string_view text(buf, static_cast<size_t>(n));
      if (text.starts_with("PID: ")) owner = std::string(text.substr(5, text.find('\n') - 5));
    }
    result = core::error(core::Code::unavailable,
                         "data directory {} is locked by another process{}; only one Heeler (or "
                         "ClickHouse) may use a data directory at a time",
                         dir.string(), owner.empty() ? "" : fmt::format(" (pid {})", owner));
  } else {
    ::flock(fd, LOCK_UN);
  }
  ::close(fd);
  return result;
}

core::Status check_writable(const std::filesystem::path& dir) {
  auto fail = [&](const std::string& reason) {
    return core::error(core::Code::io_error, "data directory {} is not writable: {}", dir.string(),
                       reason);
  };
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return fail(ec.message());
  auto probe = dir / fmt::format(".heeler-write-probe-{}", ::getpid());
  int fd = ::open(probe.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return fail(std::strerror(errno));
  bool written = ::write(fd, "ok", 2) == 2;
  int saved = errno;
  ::close(fd);
  std::filesystem::remove(probe, ec);
  if (!written) return fail(std::strerror(saved));
  return {};
}

core::Status write_file(const std::filesystem::path& path, const std::string& text) {
  auto tmp = path;
  tmp += ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << text;
    out.flush();
    if (!out)
      return core::error(core::Code::io_error, "cannot write the engine configuration {}",
                         tmp.string());
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec)
    return core::error(core::Code::io_error, "cannot write the engine configuration {}: {}",
                       path.string(), ec.message());
  return {};
}

struct ResultGuard {
  const chdb::Api* api;
  chdb::Result* result;
  ~ResultGuard() {
    if (result != nullptr) api->destroy_query_result(result);
  }
};

class EmbeddedEngine final : public Engine {
 public:
  EmbeddedEngine(EmbeddedEngineConfig config, core::Metrics& metrics)
      : config_(std::move(config)),
        inserted_rows_(metrics.counter("heeler_store_inserted_rows_total",
                                       "Rows inserted into the embedded store")),
        inserted_bytes_(metrics.counter("heeler_store_inserted_bytes_total",
                                        "Column bytes inserted into the embedded store")) {
    for (size_t i = 0; i < pools_.size(); ++i) {
      core::Labels labels = {{"lane", kLaneNames[i]}};
      pools_[i].queries = &metrics.counter("heeler_store_queries_total",
                                           "Statements run on the embedded store", labels);
      pools_[i].errors = &metrics.counter("heeler_store_query_errors_total",
                                          "Statements the embedded store rejected", labels);
      pools_[i].duration =
          &metrics.histogram("heeler_store_query_duration_seconds",
                             "Time the embedded store spent per statement", labels);
    }
  }

  ~EmbeddedEngine() override { stop(); }

  core::Status start() override {
    std::lock_guard lifecycle(lifecycle_mu_);
    if (state_ == State::running)
      return core::Status(core::Code::internal, "store: start() called twice");
    if (state_ == State::stopped)
      return core::Status(core::Code::internal, "store: a stopped engine cannot be restarted");
    HEELER_RETURN_IF_ERROR(config_.validate());
    auto api = chdb::load_api(config_.library_path);
    if (!api.ok()) return api.status();
    api_ = api.value();

    auto dir = config_.data_dir / "clickhouse";
    HEELER_RETURN_IF_ERROR(check_writable(dir));
    std::error_code ec;
    auto canonical = std::filesystem::weakly_canonical(dir, ec);
    dir_ = ec ? dir.string() : canonical.string();
    HEELER_RETURN_IF_ERROR(claim_directory(dir_));
    core::Status st = open(dir_);
    if (!st.ok()) {
      close_all();
      release_directory(dir_);
      return st;
    }
    state_ = State::running;
    running_.store(true);
    enforce_system_log_ttl();
    core::log::info(kComponent, "embedded engine started",
                    {{"dir", dir_},
                     {"library", api_->path},
                     {"connections", fmt::format("{}", connection_count())}});
    return {};
  }

  void stop() override {
    std::lock_guard lifecycle(lifecycle_mu_);
    if (state_ != State::running) return;
    running_.store(false);
    for (auto& pool : pools_) {
      std::lock_guard lock(pool.mu);
      pool.cv.notify_all();
    }
    close_all();  // waits for each connection's statement in flight
    release_directory(dir_);
    state_ = State::stopped;
    core::log::info(kComponent, "embedded engine stopped", {{"dir", dir_}});
  }

  core::Result<QueryResult> query(std::string_view sql, const Params& params, Lane lane) override {
    QueryResult decoded;
    core::Status st = run(lane, sql, params, kRowFormat, [&](chdb::Result* result) {
      const char* buf = api_->result_buffer(result);
      size_t len = api_->result_length(result);
      auto rows =
          rowbinary::decode(buf == nullptr ? std::string_view() : std::string_view(buf, len));
      if (!rows.ok()) return rows.status();
      decoded = std::move(rows.value());
      decoded.elapsed_seconds = api_->result_elapsed(result);
      decoded.rows_read = api_->result_storage_rows_read(result);
      decoded.bytes_read = api_->result_storage_bytes_read(result);
      return core::Status();
    });
    if (!st.ok()) return st;
    return decoded;
  }

  core::Status execute(std::string_view sql, const Params& params, Lane lane) override {
    return run(lane, sql, params, kNullFormat, [](chdb::Result*) { return core::Status(); });
  }

  core::Status insert(std::string_view table, const ColumnBatch& batch,
                      const InsertOptions& options) override {
    if (!sql::is_identifier(table))
      return core::error(core::Code::invalid_argument,
                         "table name '{}' is not a plain identifier ([A-Za-z_][A-Za-z0-9_]*)",
                         table);
    HEELER_RETURN_IF_ERROR(batch.validate());
    if (batch.columns().empty())
      return core::error(core::Code::invalid_argument, "insert into {}: the batch has no columns",
                         table);
    std::vector<std::string> names;
    names.reserve(batch.columns().size());
    for (const auto& column : batch.columns()) {
      if (!sql::is_identifier(column.name))
        return core::error(core::Code::invalid_argument,
                           "insert into {}: column name '{}' is not a plain identifier", table,
                           column.name);
      names.push_back(column.name);
    }
    const auto& token = options.deduplication_token;
    if (!token.empty() && !sql::is_valid_dedup_token(token))
      return core::error(core::Code::invalid_argument,
                         "insert into {}: deduplication token must be 1-128 characters of "
                         "[A-Za-z0-9_.:-]",
                         table);
    if (batch.rows() == 0) return {};

    arrow::ArrowExport exported(batch);
    std::string source = fmt::format("heeler_batch_{}", next_batch_.fetch_add(1));
    std::string statement = sql::arrow_insert_statement(table, names, source, token);
    core::Status st = run(
        Lane::ingest, statement, {}, kNullFormat, [](chdb::Result*) { return core::Status(); },
        [&](chdb::Connection conn) -> core::Status {
          if (api_->arrow_array_scan(conn, source.c_str(), exported.schema(), exported.array()) !=
              chdb::kSuccess)
            return core::error(core::Code::engine_error,
                               "insert into {}: the engine did not accept the Arrow batch", table);
          return {};
        },
        [&](chdb::Connection conn) { api_->arrow_unregister_table(conn, source.c_str()); });
    if (!st.ok()) return st;
    inserted_rows_.inc(batch.rows());
    inserted_bytes_.inc(batch.byte_size());
    total_inserted_rows_.fetch_add(batch.rows(), std::memory_order_relaxed);
    total_inserted_bytes_.fetch_add(batch.byte_size(), std::memory_order_relaxed);
    return {};
  }

  core::Status ping() override {
    auto result = query("SELECT 1", {}, Lane::interactive);
    if (!result.ok()) return result.status();
    if (result->row_count() != 1 || result->at(0, 0).as_uint64() != 1)
      return core::Status(core::Code::engine_error, "store: SELECT 1 did not return 1");
    return {};
  }

  std::string version() override {
    auto result = query("SELECT version()", {}, Lane::interactive);
    if (!result.ok() || result->row_count() != 1) return {};
    return result->at(0, 0).as_string();
  }

  EngineStats stats() const override {
    EngineStats s;
    for (const auto& pool : pools_) {
      s.queries += pool.statements.load(std::memory_order_relaxed);
      s.query_errors += pool.failures.load(std::memory_order_relaxed);
      s.query_seconds += static_cast<double>(pool.nanos.load(std::memory_order_relaxed)) / 1e9;
    }
    s.inserted_rows = total_inserted_rows_.load(std::memory_order_relaxed);
    s.inserted_bytes = total_inserted_bytes_.load(std::memory_order_relaxed);
    return s;
  }

 private:
  enum class State { created, running, stopped };

  struct Connection {
    std::mutex mu;  // held while a statement runs on the connection
    chdb::Connection* handle = nullptr;
  };

  struct Pool {
    std::mutex mu;
    std::condition_variable cv;
    std::vector<std::unique_ptr<Connection>> all;
    std::vector<Connection*> free;
    // Shared metrics (all engines on one Metrics) and this engine's own totals.
    core::Counter* queries = nullptr;
    core::Counter* errors = nullptr;
    core::Histogram* duration = nullptr;
    std::atomic<uint64_t> statements{0};
    std::atomic<uint64_t> failures{0};
    std::atomic<uint64_t> nanos{0};
  };

  // A connection of a lane, used exclusively until the lease ends.
  class Lease {
   public:
    Lease(Pool& pool, Connection& conn) : pool_(&pool), conn_(&conn), lock_(conn.mu) {}
    Lease(Lease&& other) noexcept
        : pool_(std::exchange(other.pool_, nullptr)),
          conn_(other.conn_),
          lock_(std::move(other.lock_)) {}
    Lease& operator=(Lease&&) = delete;
    ~Lease() {
      if (pool_ == nullptr) return;
      lock_.unlock();
      std::lock_guard lock(pool_->mu);
      pool_->free.push_back(conn_);
      pool_->cv.notify_one();
    }
    chdb::Connection* handle() const { return conn_->handle; }

   private:
    Pool* pool_;
    Connection* conn_;
    std::unique_lock<std::mutex> lock_;
  };

  size_t connection_count() const {
    size_t n = 0;
    for (const auto& pool : pools_) n += pool.all.size();
    return n;
  }

  core::Status open(const std::string& dir) {
    for (auto& pool : pools_) {  // connections of an earlier failed start are closed
      pool.free.clear();
      pool.all.clear();
    }
    HEELER_RETURN_IF_ERROR(check_not_locked(dir));
    auto config_file = std::filesystem::path(dir) / "heeler-engine.xml";
    HEELER_RETURN_IF_ERROR(
        write_file(config_file, sql::engine_config_xml(config_.system_log_ttl_days)));

    // The host process owns signal handling; ClickHouse would otherwise install its
    // crash and SIGTSTP handlers process-wide.
    static std::once_flag signals_once;
    std::call_once(signals_once, [&] {
      if (api_->set_signal_handlers_enabled != nullptr) api_->set_signal_handlers_enabled(0);
    });

    std::vector<std::string> args = {"clickhouse", "--path=" + dir,
                                     "--config-file=" + config_file.string()};
    if (config_.memory_limit_bytes > 0)
      args.push_back(fmt::format("--max_server_memory_usage={}", config_.memory_limit_bytes));
    const int counts[] = {config_.ingest_connections, config_.interactive_connections,
                          config_.background_connections};
    for (size_t lane = 0; lane < pools_.size(); ++lane) {
      for (int i = 0; i < counts[lane]; ++i) {
        std::vector<char*> argv;
        for (auto& a : args) argv.push_back(a.data());
        auto conn = std::make_unique<Connection>();
        conn->handle = api_->connect(static_cast<int>(argv.size()), argv.data());
        if (conn->handle == nullptr)
          return core::error(core::Code::unavailable,
                             "the embedded engine could not open {} (chdb_connect failed; the "
                             "engine's reason is on stderr)",
                             dir);
        pools_[lane].free.push_back(conn.get());
        pools_[lane].all.push_back(std::move(conn));
      }
    }
    return {};
  }

  void close_all() {
    for (auto& pool : pools_) {
      for (auto& conn : pool.all) {
        std::lock_guard lock(conn->mu);
        if (conn->handle != nullptr) {
          api_->close_conn(conn->handle);
          conn->handle = nullptr;
        }
      }
    }
  }

  // Engine versions that create system.*_log tables get them bounded even when a table
  // predates the configuration's TTL.
  void enforce_system_log_ttl() {
    auto tables = query(
        "SELECT name FROM system.tables WHERE database = 'system' AND endsWith(name, '_log') "
        "AND engine LIKE '%MergeTree%' AND position(engine_full, ' TTL ') = 0",
        {}, Lane::background);
    if (!tables.ok()) {
      core::log::warn(kComponent, "cannot list the engine's system log tables",
                      {{"error", tables.status().message()}});
      return;
    }
    for (const auto& row : tables->rows()) {
      std::string name = row[0].as_string();
      if (!sql::is_identifier(name)) continue;
      core::Status st = execute(sql::system_log_ttl_statement(name, config_.system_log_ttl_days),
                                {}, Lane::background);
      if (!st.ok())
        core::log::warn(kComponent, "cannot set a TTL on a system log table",
                        {{"table", name}, {"error", st.message()}});
    }
  }

  // libchdb 26.5 keeps the output a failed statement had produced before it failed and
  // prepends it to the next result on the same connection (so `SELECT 1` after a query
  // that failed mid-stream returns the old rows first). A throwaway statement takes it.
  void drain(chdb::Connection conn) {
    static constexpr std::string_view kDrain = "SELECT 1";
    chdb::Result* result =
        api_->query_n(conn, kDrain.data(), kDrain.size(), kNullFormat, std::strlen(kNullFormat));
    ResultGuard guard{api_, result};
    if (result == nullptr || api_->result_error(result) != nullptr)
      core::log::warn(kComponent, "cannot reset a connection after a failed statement");
  }

  core::Result<Lease> acquire(Lane lane) {
    auto& pool = pools_[static_cast<size_t>(lane)];
    Connection* conn = nullptr;
    {
      std::unique_lock lock(pool.mu);
      pool.cv.wait(lock, [&] { return !pool.free.empty() || !running_.load(); });
      if (!running_.load()) return not_running();
      conn = pool.free.back();
      pool.free.pop_back();
    }
    Lease lease(pool, *conn);
    if (lease.handle() == nullptr) return not_running();
    return lease;
  }

  static core::Status not_running() {
    return core::Status(core::Code::unavailable, "the store is not running");
  }

  using OnResult = std::function<core::Status(chdb::Result*)>;
  using OnConnection = std::function<core::Status(chdb::Connection)>;
  using AfterConnection = std::function<void(chdb::Connection)>;

  // Runs one statement on a connection of `lane`: `before` runs first on the same
  // connection (a failure skips the statement), `after` always runs once `before` has.
  core::Status run(Lane lane, std::string_view sql, const Params& params, const char* format,
                   const OnResult& on_result, const OnConnection& before = {},
                   const AfterConnection& after = {}) {
    if (!running_.load()) return not_running();
    auto& pool = pools_[static_cast<size_t>(lane)];

    std::vector<std::string> names, values;
    if (!params.empty()) {
      auto types = sql::parameter_types(sql);
      for (const auto& [name, value] : params.items()) {
        if (!sql::is_identifier(name))
          return core::error(core::Code::invalid_argument,
                             "query parameter name '{}' is not a plain identifier", name);
        auto it = types.find(name);
        names.push_back(name);
        values.push_back(sql::encode_param(it == types.end() ? "" : it->second, value));
      }
    }

    auto lease = acquire(lane);
    if (!lease.ok()) return lease.status();
    chdb::Connection conn = *lease->handle();

    const auto started = std::chrono::steady_clock::now();
    pool.queries->inc();
    core::Status st;
    if (before) st = before(conn);
    if (st.ok()) {
      chdb::Result* result = nullptr;
      if (names.empty()) {
        result = api_->query_n(conn, sql.data(), sql.size(), format, std::strlen(format));
      } else {
        std::vector<const char*> name_ptrs, value_ptrs;
        std::vector<size_t> name_lens, value_lens;
        for (size_t i = 0; i < names.size(); ++i) {
          name_ptrs.push_back(names[i].data());
          name_lens.push_back(names[i].size());
          value_ptrs.push_back(values[i].data());
          value_lens.push_back(values[i].size());
        }
        result = api_->query_with_params_n(conn, sql.data(), sql.size(), format,
                                           std::strlen(format), name_ptrs.data(), name_lens.data(),
                                           value_ptrs.data(), value_lens.data(), names.size());
      }
      ResultGuard guard{api_, result};
      if (result == nullptr) {
        st = core::Status(core::Code::engine_error, "the engine returned no result");
      } else if (const char* error = api_->result_error(result); error != nullptr) {
        st = core::Status(core::Code::engine_error, sql::trim_message(error));
      } else {
        st = on_result(result);
      }
    }
    if (before && after) after(conn);
    if (!st.ok()) drain(conn);
    const auto took = std::chrono::steady_clock::now() - started;
    pool.duration->observe(std::chrono::duration<double>(took).count());
    pool.statements.fetch_add(1, std::memory_order_relaxed);
    pool.nanos.fetch_add(
        static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(took).count()),
        std::memory_order_relaxed);
    if (!st.ok()) {
      pool.errors->inc();
      pool.failures.fetch_add(1, std::memory_order_relaxed);
      if (core::log::enabled(core::log::Level::debug))
        core::log::debug(kComponent, "statement failed",
                         {{"lane", kLaneNames[static_cast<size_t>(lane)]},
                          {"error", st.message()},
                          {"sql", std::string(sql.substr(0, 200))}});
    }
    return st;
  }

  EmbeddedEngineConfig config_;
  const chdb::Api* api_ = nullptr;
  std::string dir_;

  std::mutex lifecycle_mu_;
  State state_ = State::created;
  std::atomic<bool> running_{false};
  std::array<Pool, 3> pools_;
  std::atomic<uint64_t> next_batch_{1};

  core::Counter& inserted_rows_;
  core::Counter& inserted_bytes_;
  std::atomic<uint64_t> total_inserted_rows_{0};
  std::atomic<uint64_t> total_inserted_bytes_{0};
};

}  // namespace

std::unique_ptr<Engine> make_embedded_engine(EmbeddedEngineConfig config, core::Metrics& metrics) {
  return std::make_unique<EmbeddedEngine>(std::move(config), metrics);
}

}  // namespace heeler::store
