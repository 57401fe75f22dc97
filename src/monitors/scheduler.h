// Runs monitors on their schedule: every monitor once a minute (composites after the
// monitors they name), states and history saved after each evaluation. The clock is
// injected so tests move time themselves; run_due() is one pass, start() a thread
// that makes a pass each tick.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>

#include "core/status.h"
#include "monitors/evaluation.h"
#include "monitors/monitor_store.h"

namespace heeler::monitors {

struct SchedulerConfig {
  int64_t interval_ms = 60'000;  // how often each monitor is evaluated
  int64_t tick_ms = 1'000;       // how often the thread looks for due monitors
};

// Told of every evaluation that produced transitions (notifications, events).
using TransitionListener = std::function<void(const StoredMonitor&, const Evaluation&)>;

class MonitorScheduler {
 public:
  MonitorScheduler(MonitorStore& store, DataSource& data, std::function<int64_t()> clock_ms,
                   SchedulerConfig config = {});
  ~MonitorScheduler();

  void set_listener(TransitionListener listener) { listener_ = std::move(listener); }

  // Evaluates every monitor due at `now_ms`; returns how many were evaluated. A
  // monitor whose evaluation fails keeps its state; the error is kept for last_error().
  size_t run_due(int64_t now_ms);
  // Makes a monitor due at once (after it is created or changed).
  void wake(int64_t monitor_id);
  // The last evaluation error of a monitor; empty when its last evaluation worked.
  std::string last_error(int64_t monitor_id) const;

  void start();
  void stop();

 private:
  MonitorStore& store_;
  DataSource& data_;
  std::function<int64_t()> clock_ms_;
  SchedulerConfig config_;
  TransitionListener listener_;

  mutable std::mutex mu_;
  std::map<int64_t, int64_t> last_run_ms_;
  std::map<int64_t, std::string> errors_;
  std::mutex run_mu_;  // one pass at a time
  std::condition_variable wakeup_;
  bool stopping_ = false;
  bool woken_ = false;
  std::thread thread_;
};

}  // namespace heeler::monitors
