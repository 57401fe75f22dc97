#include "store/metadata.h"

#include <fmt/chrono.h>
#include <fmt/format.h>
#include <sqlite3.h>

#include <chrono>
#include <limits>
#include <random>

namespace heeler::store {
namespace {

core::Status sqlite_error(sqlite3* db, std::string_view what) {
  return core::Status(core::Code::io_error,
                      fmt::format("metadata store: {}: {}", what, sqlite3_errmsg(db)));
}

struct StatementGuard {
  sqlite3_stmt* stmt = nullptr;
  ~StatementGuard() { sqlite3_finalize(stmt); }
};

core::Status bind_all(sqlite3* db, sqlite3_stmt* stmt, const std::vector<MetaValue>& params) {
  for (size_t i = 0; i < params.size(); ++i) {
    int idx = static_cast<int>(i + 1);
    int rc = std::visit(
        [&](const auto& v) -> int {
          using T = std::decay_t<decltype(v)>;
          if constexpr (std::is_same_v<T, std::nullptr_t>)
            return sqlite3_bind_null(stmt, idx);
          else if constexpr (std::is_same_v<T, int64_t>)
            return sqlite3_bind_int64(stmt, idx, v);
          else if constexpr (std::is_same_v<T, double>)
            return sqlite3_bind_double(stmt, idx, v);
          else
            return sqlite3_bind_text64(stmt, idx, v.data(), v.size(), SQLITE_TRANSIENT,
                                       SQLITE_UTF8);
        },
        params[i]);
    if (rc != SQLITE_OK) return sqlite_error(db, fmt::format("binding parameter {}", idx));
  }
  return {};
}

std::string random_id() {
  std::random_device rd;
  std::uniform_int_distribution<uint64_t> dist;
  return fmt::format("{:016x}{:016x}", dist(rd), dist(rd));
}

}  // namespace

std::string meta_text(const MetaValue& value) {
  const auto* s = std::get_if<std::string>(&value);
  return s ? *s : std::string();
}

int64_t meta_int(const MetaValue& value) {
  const auto* i = std::get_if<int64_t>(&value);
  return i ? *i : 0;
}

double meta_real(const MetaValue& value) {
  if (const auto* d = std::get_if<double>(&value)) return *d;
  if (const auto* i = std::get_if<int64_t>(&value)) return static_cast<double>(*i);
  return std::numeric_limits<double>::quiet_NaN();
}

std::string new_object_id() {
  static constexpr char kAlphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";
  thread_local std::mt19937_64 rng{std::random_device{}()};
  std::uniform_int_distribution<size_t> pick(0, sizeof(kAlphabet) - 2);
  std::string id;
  for (int group = 0; group < 3; ++group) {
    if (group) id += '-';
    for (int i = 0; i < 3; ++i) id += kAlphabet[pick(rng)];
  }
  return id;
}

std::string object_time(int64_t ms) {
  const std::chrono::sys_seconds secs{std::chrono::seconds(ms / 1000)};
  return fmt::format("{:%Y-%m-%dT%H:%M:%S}.{:03d}000+00:00", secs, ms % 1000);
}

const std::vector<MetaMigration>& metadata_migrations() {
  static const std::vector<MetaMigration> migrations = {
      {1, "settings",
       "CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL, "
       "updated_at INTEGER NOT NULL DEFAULT (unixepoch()));"
       "INSERT INTO settings(key, value) VALUES ('installation_id', '" +
           random_id() + "');"},
      // dashboards/: the body is the dashboard's JSON; the other columns serve lists.
      {2, "dashboards",
       "CREATE TABLE dashboards (id TEXT PRIMARY KEY, title TEXT NOT NULL, "
       "description TEXT NOT NULL DEFAULT '', layout_type TEXT NOT NULL, body TEXT NOT NULL, "
       "created_ms INTEGER NOT NULL, modified_ms INTEGER NOT NULL);"
       "CREATE INDEX dashboards_by_modified ON dashboards(modified_ms);"},
      // monitors/: definitions (the body is the monitor's JSON), each group's current
      // state, and every state change.
      {3, "monitors",
       "CREATE TABLE monitors (id INTEGER PRIMARY KEY AUTOINCREMENT, body TEXT NOT NULL, "
       "created_ms INTEGER NOT NULL, modified_ms INTEGER NOT NULL, overall_state TEXT NOT NULL, "
       "overall_modified_ms INTEGER NOT NULL);"
       "CREATE TABLE monitor_groups (monitor_id INTEGER NOT NULL, grp TEXT NOT NULL, "
       "state TEXT NOT NULL, value REAL, last_change_ms INTEGER NOT NULL, "
       "last_data_ms INTEGER NOT NULL, last_notified_ms INTEGER NOT NULL, "
       "PRIMARY KEY (monitor_id, grp));"
       "CREATE TABLE monitor_history (monitor_id INTEGER NOT NULL, at_ms INTEGER NOT NULL, "
       "grp TEXT NOT NULL, from_state TEXT NOT NULL, to_state TEXT NOT NULL, value REAL, "
       "renotify INTEGER NOT NULL, notify INTEGER NOT NULL);"
       "CREATE INDEX monitor_history_by_time ON monitor_history(monitor_id, at_ms);"},
      // monitors/: where notifications go, and every delivery attempt's outcome.
      {4, "notifications",
       "CREATE TABLE notification_channels (kind TEXT NOT NULL, name TEXT NOT NULL, "
       "body TEXT NOT NULL, PRIMARY KEY (kind, name));"
       "CREATE TABLE monitor_deliveries (monitor_id INTEGER NOT NULL, at_ms INTEGER NOT NULL, "
       "grp TEXT NOT NULL, transition TEXT NOT NULL, channel TEXT NOT NULL, "
       "status TEXT NOT NULL, attempts INTEGER NOT NULL, detail TEXT NOT NULL);"
       "CREATE INDEX monitor_deliveries_by_time ON monitor_deliveries(monitor_id, at_ms);"},
      // monitors/: downtimes (the body is the downtime's JSON); cancelled ones are kept.
      {5, "downtimes",
       "CREATE TABLE downtimes (id INTEGER PRIMARY KEY AUTOINCREMENT, body TEXT NOT NULL, "
       "disabled INTEGER NOT NULL);"},
      // synthetics/: test definitions (the body is the test's JSON).
      {6, "synthetics tests",
       "CREATE TABLE synthetics_tests (public_id TEXT PRIMARY KEY, body TEXT NOT NULL, "
       "created_ms INTEGER NOT NULL, modified_ms INTEGER NOT NULL);"},
      // synthetics/: the synthetics alert monitor each test drives.
      {7, "synthetics monitors",
       "ALTER TABLE synthetics_tests ADD COLUMN monitor_id INTEGER NOT NULL DEFAULT 0;"},
  };
  return migrations;
}

core::Result<std::unique_ptr<MetadataStore>> MetadataStore::open(
    const std::filesystem::path& file) {
  sqlite3* db = nullptr;
  int rc =
      sqlite3_open_v2(file.c_str(), &db,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    std::string reason = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    sqlite3_close(db);
    return core::error(core::Code::io_error, "cannot open metadata store {}: {}", file.string(),
                       reason);
  }
  std::unique_ptr<MetadataStore> store(new MetadataStore(db));
  sqlite3_busy_timeout(db, 5000);
  for (const char* pragma :
       {"PRAGMA journal_mode=WAL", "PRAGMA synchronous=NORMAL", "PRAGMA foreign_keys=ON"}) {
    char* err = nullptr;
    if (sqlite3_exec(db, pragma, nullptr, nullptr, &err) != SQLITE_OK) {
      std::string reason = err ? err : "unknown error";
      sqlite3_free(err);
      return core::error(core::Code::io_error, "metadata store {}: {}: {}", file.string(), pragma,
                         reason);
    }
  }
  if (store->journal_mode() != "wal")
    return core::error(core::Code::io_error, "metadata store {}: WAL journal mode not available",
                       file.string());
  return store;
}

MetadataStore::~MetadataStore() {
  sqlite3_close_v2(db_);
}

std::string MetadataStore::journal_mode() {
  auto rows = query("PRAGMA journal_mode");
  if (!rows || rows->empty()) return {};
  const auto* mode = std::get_if<std::string>(&rows->front().front());
  return mode ? *mode : std::string();
}

core::Status MetadataStore::exec_script_locked(const std::string& sql) {
  char* err = nullptr;
  if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
    std::string reason = err ? err : sqlite3_errmsg(db_);
    sqlite3_free(err);
    return core::Status(core::Code::io_error, reason);
  }
  return {};
}

core::Result<int> MetadataStore::schema_version() {
  std::lock_guard lock(mu_);
  auto rows = query_locked("SELECT coalesce(max(version), 0) FROM schema_migrations", {});
  if (!rows) return rows.status();
  return static_cast<int>(std::get<int64_t>(rows->front().front()));
}

core::Result<int> MetadataStore::migrate(const std::vector<MetaMigration>& migrations) {
  std::lock_guard lock(mu_);
  auto created = exec_locked(
      "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, "
      "name TEXT NOT NULL, applied_at INTEGER NOT NULL DEFAULT (unixepoch()))",
      {});
  if (!created) return created.status();
  auto current = schema_version();
  if (!current) return current.status();
  int applied = 0;
  for (const auto& m : migrations) {
    if (m.version <= *current) continue;
    core::Status st = transaction([&]() -> core::Status {
      core::Status script = exec_script_locked(m.sql);
      if (!script.ok())
        return core::error(core::Code::io_error, "metadata migration {} ({}) failed: {}", m.version,
                           m.name, script.message());
      auto rec = exec_locked("INSERT INTO schema_migrations(version, name) VALUES (?1, ?2)",
                             {int64_t{m.version}, m.name});
      return rec ? core::Status() : rec.status();
    });
    if (!st.ok()) return st;
    ++applied;
  }
  return applied;
}

core::Result<int64_t> MetadataStore::exec(std::string_view sql,
                                          const std::vector<MetaValue>& params) {
  std::lock_guard lock(mu_);
  return exec_locked(sql, params);
}

core::Result<int64_t> MetadataStore::exec_locked(std::string_view sql,
                                                 const std::vector<MetaValue>& params) {
  StatementGuard g;
  if (sqlite3_prepare_v2(db_, sql.data(), static_cast<int>(sql.size()), &g.stmt, nullptr) !=
      SQLITE_OK)
    return sqlite_error(db_, "preparing statement");
  HEELER_RETURN_IF_ERROR(bind_all(db_, g.stmt, params));
  int rc;
  while ((rc = sqlite3_step(g.stmt)) == SQLITE_ROW) {
  }
  if (rc != SQLITE_DONE) return sqlite_error(db_, "executing statement");
  return static_cast<int64_t>(sqlite3_changes64(db_));
}

core::Result<std::vector<MetaRow>> MetadataStore::query(std::string_view sql,
                                                        const std::vector<MetaValue>& params) {
  std::lock_guard lock(mu_);
  return query_locked(sql, params);
}

core::Result<std::vector<MetaRow>> MetadataStore::query_locked(
    std::string_view sql, const std::vector<MetaValue>& params) {
  StatementGuard g;
  if (sqlite3_prepare_v2(db_, sql.data(), static_cast<int>(sql.size()), &g.stmt, nullptr) !=
      SQLITE_OK)
    return sqlite_error(db_, "preparing query");
  HEELER_RETURN_IF_ERROR(bind_all(db_, g.stmt, params));
  std::vector<MetaRow> rows;
  int rc;
  while ((rc = sqlite3_step(g.stmt)) == SQLITE_ROW) {
    int n = sqlite3_column_count(g.stmt);
    MetaRow row;
    row.reserve(n);
    for (int i = 0; i < n; ++i) {
      switch (sqlite3_column_type(g.stmt, i)) {
        case SQLITE_NULL:
          row.emplace_back(nullptr);
          break;
        case SQLITE_INTEGER:
          row.emplace_back(static_cast<int64_t>(sqlite3_column_int64(g.stmt, i)));
          break;
        case SQLITE_FLOAT:
          row.emplace_back(sqlite3_column_double(g.stmt, i));
          break;
        default: {
          const auto* text = reinterpret_cast<const char*>(sqlite3_column_blob(g.stmt, i));
          row.emplace_back(std::string(text ? text : "", sqlite3_column_bytes(g.stmt, i)));
        }
      }
    }
    rows.push_back(std::move(row));
  }
  if (rc != SQLITE_DONE) return sqlite_error(db_, "running query");
  return rows;
}

core::Status MetadataStore::transaction(const std::function<core::Status()>& body) {
  std::lock_guard lock(mu_);
  HEELER_RETURN_IF_ERROR(exec_script_locked("BEGIN IMMEDIATE"));
  core::Status st = body();
  if (!st.ok()) {
    (void)exec_script_locked("ROLLBACK");
    return st;
  }
  core::Status commit = exec_script_locked("COMMIT");
  if (!commit.ok()) (void)exec_script_locked("ROLLBACK");
  return commit;
}

core::Result<std::string> MetadataStore::setting(std::string_view key) {
  auto rows = query("SELECT value FROM settings WHERE key = ?1", {std::string(key)});
  if (!rows) return rows.status();
  if (rows->empty()) return std::string();
  const auto* v = std::get_if<std::string>(&rows->front().front());
  return v ? *v : std::string();
}

}  // namespace heeler::store
