// Synthetic monitoring in the server: API test definitions in the metadata store,
// their scheduled runs on the built-in "local" location (every tick_every, inside the
// scheduling timeframes), on-demand runs, results in the store's synthetics_results
// table, and the metrics every run emits:
//   synthetics.test_runs (count; status passed|failed)
//   synthetics.http.response.time, .dns.time, .connect.time, .ssl.time,
//   .firstbyte.time, .download.time (milliseconds)
// tagged test_name, test_id, location, run_type (scheduled|manual|ci), test_type,
// subtype. Runs happen on a small pool of threads, never on the scheduler's.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "core/status.h"
#include "pipeline/consumer.h"
#include "store/engine.h"
#include "store/metadata.h"
#include "synthetics/api_test.h"
#include "synthetics/runner.h"

namespace heeler::synthetics {

struct StoredTest {
  ApiTest test;  // with its public_id
  int64_t created_ms = 0;
  int64_t modified_ms = 0;
  int64_t monitor_id = 0;  // the synthetics alert monitor made for the test; 0: none
};

class TestStore {
 public:
  explicit TestStore(store::MetadataStore& meta) : meta_(meta) {}
  core::Result<std::string> create(const ApiTest& test, int64_t now_ms);
  core::Status replace(const std::string& public_id, const ApiTest& test, int64_t now_ms);
  core::Status set_monitor(const std::string& public_id, int64_t monitor_id);
  core::Status remove(const std::string& public_id);
  core::Result<StoredTest> get(const std::string& public_id);
  core::Result<std::vector<StoredTest>> list();
  static nlohmann::json to_json(const StoredTest& t);

 private:
  store::MetadataStore& meta_;
};

struct ServiceConfig {
  int workers = 4;
  int64_t tick_ms = 1000;
  CheckLimits limits;
};

class SyntheticsService {
 public:
  SyntheticsService(TestStore& tests, store::Engine& engine, pipeline::Consumer& consumer,
                    std::function<int64_t()> clock_ms, ServiceConfig config = {});
  ~SyntheticsService();
  void start();
  void stop();

  // Runs these tests now at each of their locations the server runs ("local");
  // returns the result ids to poll, as {public_id, location, result_id}.
  struct Queued {
    std::string public_id, location, result_id;
  };
  core::Result<std::vector<Queued>> trigger(const std::vector<std::string>& public_ids,
                                            const std::string& run_type);
  // One scheduling pass at `now_ms` (the thread calls it each tick; tests call it).
  void schedule_due(int64_t now_ms);
  // Waits until no run is queued or running; false on timeout (tests).
  bool idle(std::chrono::milliseconds timeout);

  // Latest results of a test, newest first: Datadog's short form.
  core::Result<nlohmann::json> results(const std::string& public_id, size_t limit);
  // One result in full; not_found until the run has finished.
  core::Result<nlohmann::json> result(const std::string& public_id, const std::string& result_id);

 private:
  struct Job {
    std::string public_id, location, run_type, result_id;
  };
  void work();
  void run(const Job& job);
  core::Status store_result(const StoredTest& test, const RunResult& r);
  void emit_metrics(const StoredTest& test, const RunResult& r);

  TestStore& tests_;
  store::Engine& engine_;
  pipeline::Consumer& consumer_;
  std::function<int64_t()> clock_ms_;
  ServiceConfig config_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::condition_variable idle_cv_;
  std::deque<Job> queue_;
  int busy_ = 0;
  bool stopping_ = false;
  std::map<std::pair<std::string, std::string>, int64_t> last_run_ms_;  // (test, location)
  std::vector<std::thread> workers_;
  std::thread scheduler_;
};

}  // namespace heeler::synthetics
