// `heeler ci synthetics run-tests`: runs synthetic tests from a CI pipeline, as
// `datadog-ci synthetics run-tests` does, and exits non-zero when one fails.
//   heeler ci synthetics run-tests --search 'tag:smoke' --server http://heeler:8080
//   heeler ci synthetics run-tests --public-id abc-def-ghi --public-id jkl-mno-pqr
// --search takes space-separated terms that must all match: tag:<tag>, status:live|paused,
// or words of the test's name.
#pragma once

#include <cstdio>
#include <string>
#include <vector>

namespace heeler::cli {

struct RunTestsOptions {
  std::string server = "http://127.0.0.1:8080";
  std::string search;
  std::vector<std::string> public_ids;
  int timeout_seconds = 600;  // for every run to finish
};

// Prints each test's outcome to `out` (errors to `err`); returns 0 when every run
// passed, 1 when one failed, timed out or nothing matched, 2 when the server cannot be
// reached or refuses the request.
int run_synthetics_tests(const RunTestsOptions& options, std::FILE* out, std::FILE* err);

}  // namespace heeler::cli
