// `heeler serve`: opens the stores, runs migrations, serves the API and, until
// SIGTERM or SIGINT, everything else; then stops in order and exits 0.
#pragma once

#include "core/config.h"

namespace heeler::server {

// Blocks SIGINT/SIGTERM in the calling thread; call before any thread starts so the
// signals reach run_serve's wait and not a worker.
void block_stop_signals();

// Returns the process exit code: 0 after a clean stop, non-zero when start failed.
int run_serve(const core::Config& config);

}  // namespace heeler::server
