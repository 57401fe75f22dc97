// Versioned schema migrations for the telemetry store. Each migration runs once, in
// order; the applied versions are recorded in the heeler_schema_migrations table.
#pragma once

#include <string>
#include <vector>

#include "core/status.h"
#include "store/engine.h"

namespace heeler::store {

struct Migration {
  int version;
  std::string name;
  std::vector<std::string> statements;
};

// The telemetry tables, in order of version.
const std::vector<Migration>& telemetry_migrations();

// Applies the migrations not yet recorded; returns the number applied.
core::Result<int> migrate(Engine& engine, const std::vector<Migration>& migrations);

}  // namespace heeler::store
