#include "monitors/scheduler.h"

#include <algorithm>

#include "core/log.h"

namespace heeler::monitors {

MonitorScheduler::MonitorScheduler(MonitorStore& store, DataSource& data,
                                   std::function<int64_t()> clock_ms, SchedulerConfig config)
    : store_(store), data_(data), clock_ms_(std::move(clock_ms)), config_(config) {}

MonitorScheduler::~MonitorScheduler() {
  stop();
}

size_t MonitorScheduler::run_due(int64_t now_ms) {
  std::lock_guard pass(run_mu_);
  auto monitors = store_.list();
  if (!monitors) {
    core::log::error("monitors", "cannot list monitors",
                     {{"error", monitors.status().to_string()}});
    return 0;
  }
  // Composites last, so they see this pass's states.
  std::stable_partition(monitors->begin(), monitors->end(), [](const StoredMonitor& m) {
    return m.monitor.query.kind != QueryKind::composite;
  });
  std::map<int64_t, State> overall;
  for (const auto& m : *monitors) overall[m.monitor.id] = m.overall;
  size_t ran = 0;
  for (const StoredMonitor& m : *monitors) {
    const int64_t id = m.monitor.id;
    {
      std::lock_guard lock(mu_);
      auto last = last_run_ms_.find(id);
      if (last != last_run_ms_.end() && now_ms - last->second < config_.interval_ms) continue;
      last_run_ms_[id] = now_ms;
    }
    auto previous = store_.groups(id);
    core::Result<Evaluation> evaluation = previous.status();
    if (previous) {
      if (m.monitor.query.kind == QueryKind::composite)
        evaluation = evaluate_composite(m.monitor, *previous, overall, now_ms);
      else
        evaluation = evaluate(m.monitor, *previous, data_, now_ms);
    }
    if (evaluation) {
      if (auto st = store_.save_evaluation(id, *evaluation, now_ms); !st.ok()) evaluation = st;
    }
    std::lock_guard lock(mu_);
    if (!evaluation) {
      errors_[id] = evaluation.status().message();
      core::log::warn(
          "monitors", "evaluation failed",
          {{"monitor", std::to_string(id)}, {"error", evaluation.status().to_string()}});
      continue;
    }
    errors_.erase(id);
    overall[id] = evaluation->overall;
    ++ran;
    if (listener_ && !evaluation->transitions.empty()) {
      StoredMonitor after = m;
      after.overall = evaluation->overall;
      listener_(after, *evaluation);
    }
  }
  return ran;
}

void MonitorScheduler::wake(int64_t monitor_id) {
  {
    std::lock_guard lock(mu_);
    last_run_ms_.erase(monitor_id);
    errors_.erase(monitor_id);
    woken_ = true;
  }
  wakeup_.notify_all();
}

std::string MonitorScheduler::last_error(int64_t monitor_id) const {
  std::lock_guard lock(mu_);
  auto it = errors_.find(monitor_id);
  return it == errors_.end() ? std::string() : it->second;
}

void MonitorScheduler::start() {
  if (thread_.joinable()) return;
  stopping_ = false;
  thread_ = std::thread([this] {
    std::unique_lock lock(mu_);
    while (!stopping_) {
      lock.unlock();
      run_due(clock_ms_());
      lock.lock();
      wakeup_.wait_for(lock, std::chrono::milliseconds(config_.tick_ms),
                       [this] { return stopping_ || woken_; });
      woken_ = false;
    }
  });
}

void MonitorScheduler::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wakeup_.notify_all();
  if (thread_.joinable()) thread_.join();
}

}  // namespace heeler::monitors
