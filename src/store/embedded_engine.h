// The embedded ClickHouse: libchdb loaded into this process, a small pool of
// connections per lane, bulk inserts through the Arrow C Data Interface.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

#include "core/metrics.h"
#include "core/status.h"
#include "store/engine.h"

namespace heeler::store {

struct EmbeddedEngineConfig {
  std::filesystem::path data_dir;   // the engine's files live in <data_dir>/clickhouse
  std::string library_path;         // libchdb.so; empty → the built-in search path
  uint64_t memory_limit_bytes = 0;  // whole-engine cap; 0 → the engine's default
  int ingest_connections = 1;
  int interactive_connections = 2;
  int background_connections = 1;
  int system_log_ttl_days = 3;  // TTL given to the engine's own system.*_log tables

  core::Status validate() const;
};

std::unique_ptr<Engine> make_embedded_engine(EmbeddedEngineConfig config, core::Metrics& metrics);

}  // namespace heeler::store
