// `heeler query`: runs a metric query (or formula), a log search or a span search
// against a running server and prints a table.
//   heeler query 'avg:system.cpu.user{env:prod} by {host}' --from now-1h
//   heeler query --logs 'service:web status:error' --limit 20
//   heeler query --spans '@duration:>1s' --server http://127.0.0.1:8080
#pragma once

#include <cstdio>
#include <string>

namespace heeler::cli {

struct QueryOptions {
  std::string server = "http://127.0.0.1:8080";
  std::string query;
  std::string from = "now-1h";
  std::string to = "now";
  enum class Kind { metrics, logs, spans } kind = Kind::metrics;
  int limit = 50;
  bool points = false;  // metrics: every point, not a summary per series
  bool json = false;    // print the server's answer as it is
};

// Prints to `out` (errors to `err`); returns the process exit code: 0, 1 when the
// server refused the query (its message is printed), 2 when it cannot be reached.
int run_query(const QueryOptions& options, std::FILE* out, std::FILE* err);

}  // namespace heeler::cli
