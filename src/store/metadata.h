// The metadata store: configuration objects (dashboards, monitors, tests, users,
// keys…) in SQLite, WAL mode, one file in the data directory. Each product area
// adds its tables as a migration; migrations run once, in order, at start.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/status.h"

struct sqlite3;

namespace heeler::store {

using MetaValue = std::variant<std::nullptr_t, int64_t, double, std::string>;
using MetaRow = std::vector<MetaValue>;

struct MetaMigration {
  int version;
  std::string name;
  std::string sql;  // one or more statements
};

// A column of a row as text, integer or real; the fallback ("", 0, NaN) for NULL or
// another type.
std::string meta_text(const MetaValue& value);
int64_t meta_int(const MetaValue& value);
double meta_real(const MetaValue& value);

// A fresh id for a configuration object in Datadog's form: "abc-def-ghi".
std::string new_object_id();

// Epoch milliseconds as Datadog writes object times: "2026-11-22T10:00:00.123000+00:00".
std::string object_time(int64_t ms);

// The tables every installation has; product areas append theirs.
const std::vector<MetaMigration>& metadata_migrations();

class MetadataStore {
 public:
  // Opens (creating if needed) the database file in WAL mode.
  static core::Result<std::unique_ptr<MetadataStore>> open(const std::filesystem::path& file);
  ~MetadataStore();
  MetadataStore(const MetadataStore&) = delete;
  MetadataStore& operator=(const MetadataStore&) = delete;

  // Applies migrations not yet applied, each in its own transaction; returns how many ran.
  core::Result<int> migrate(const std::vector<MetaMigration>& migrations);
  // Highest applied migration version (0 when none).
  core::Result<int> schema_version();

  // Runs one statement with positional parameters (?1, ?2 …); returns the changed rows.
  core::Result<int64_t> exec(std::string_view sql, const std::vector<MetaValue>& params = {});
  // Runs one query with positional parameters and returns every row.
  core::Result<std::vector<MetaRow>> query(std::string_view sql,
                                           const std::vector<MetaValue>& params = {});
  // Runs `body` inside BEGIN IMMEDIATE … COMMIT; rolls back when it fails.
  core::Status transaction(const std::function<core::Status()>& body);

  std::string journal_mode();
  // A value of the `settings` table (e.g. "installation_id"); empty when unset.
  core::Result<std::string> setting(std::string_view key);

 private:
  explicit MetadataStore(sqlite3* db) : db_(db) {}
  core::Result<int64_t> exec_locked(std::string_view sql, const std::vector<MetaValue>& params);
  core::Result<std::vector<MetaRow>> query_locked(std::string_view sql,
                                                  const std::vector<MetaValue>& params);
  core::Status exec_script_locked(const std::string& sql);

  std::recursive_mutex mu_;
  sqlite3* db_;
};

}  // namespace heeler::store
