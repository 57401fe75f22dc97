#include "pipeline/writer.h"

#include <fmt/format.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/log.h"

namespace heeler::pipeline {
namespace {

using Clock = std::chrono::steady_clock;

// One insert of a group: the merged rows of consecutive records of a table that share
// a column layout, and the deduplication token that names them.
struct Part {
  std::string table;
  store::ColumnBatch batch;
  std::string token;
};

// Merges a group's records by table (in order of first appearance). The first part of
// a table is named "{table}-{first}-{last}"; a table whose records change layout gets
// further parts suffixed "-1", "-2"…. The same records always give the same parts.
core::Result<std::vector<Part>> merge(std::vector<WalRecord>& records, uint64_t first,
                                      uint64_t last) {
  std::vector<Part> parts;
  for (WalRecord& r : records) {
    Part* target = nullptr;
    size_t same_table = 0;
    for (Part& p : parts) {
      if (p.table != r.table) continue;
      ++same_table;
      if (p.batch.same_layout(r.batch)) target = &p;
    }
    if (target) {
      HEELER_RETURN_IF_ERROR(target->batch.append_rows(r.batch));
      continue;
    }
    std::string token = fmt::format("{}-{}-{}", r.table, first, last);
    if (same_table) token += fmt::format("-{}", same_table);
    parts.push_back(Part{r.table, std::move(r.batch), std::move(token)});
  }
  return parts;
}

}  // namespace

core::Status WriterConfig::validate() const {
  if (max_group_records == 0 || max_group_bytes == 0 || max_group_rows == 0)
    return core::error(core::Code::config_invalid, "writer: group limits must be positive");
  if (max_group_wait.count() < 0 || retry_backoff.count() <= 0)
    return core::error(core::Code::config_invalid, "writer: bad max_group_wait or retry_backoff");
  return {};
}

struct Writer::Impl {
  Impl(WriterConfig c, WriteAheadLog& w, store::Engine& e, core::Metrics& m)
      : config(c),
        wal(w),
        engine(e),
        metrics(m),
        groups(
            m.counter("heeler_writer_groups_total", "Groups the writer inserted into the store.")),
        errors(m.counter("heeler_writer_insert_errors_total", "Failed inserts (retried).")),
        duration(m.histogram("heeler_writer_insert_duration_seconds", "Time to insert one group.")),
        lag(m.gauge("heeler_writer_lag_records",
                    "Records in the write-ahead log not yet in the store.")) {}

  WriterConfig config;
  WriteAheadLog& wal;
  store::Engine& engine;
  core::Metrics& metrics;
  core::Counter& groups;
  core::Counter& errors;
  core::Histogram& duration;
  core::Gauge& lag;

  std::mutex mu;
  std::condition_variable cv;  // stop requests, checkpoints
  bool stopping = false;
  Clock::time_point stop_deadline;
  bool running = false;
  std::thread thread;
  std::mutex stop_mu;

  bool should_quit() {
    std::lock_guard lk(mu);
    return stopping && Clock::now() >= stop_deadline;
  }
  bool is_stopping() {
    std::lock_guard lk(mu);
    return stopping;
  }

  void update_lag() {
    uint64_t last = wal.last_sequence();
    uint64_t done = wal.checkpointed();
    lag.set(static_cast<double>(last > done ? last - done : 0));
  }

  // Inserts the group [first, last] and checkpoints it; retries failed inserts until
  // they succeed or the writer must quit (false: the group stays pending).
  bool insert_group(std::vector<WalRecord>& records, uint64_t first, uint64_t last) {
    auto parts = merge(records, first, last);
    if (!parts) {
      core::log::error("writer", "cannot merge a group", {{"error", parts.status().to_string()}});
      return false;
    }
    while (true) {
      core::Status st = wal.set_pending_group(first, last);
      if (st.ok()) break;
      core::log::error("writer", "cannot record the pending group", {{"error", st.to_string()}});
      if (!backoff()) return false;
    }
    auto started = Clock::now();
    for (const Part& part : *parts) {
      while (true) {
        core::Status st = engine.insert(part.table, part.batch, store::InsertOptions{part.token});
        if (st.ok()) break;
        errors.inc();
        core::log::error("writer", "insert failed; retrying the same group",
                         {{"table", part.table}, {"token", part.token}, {"error", st.to_string()}});
        if (!backoff()) return false;
      }
      metrics
          .counter("heeler_writer_inserted_rows_total", "Rows the writer inserted into the store.",
                   {{"table", part.table}})
          .inc(part.batch.rows());
    }
    duration.observe(std::chrono::duration<double>(Clock::now() - started).count());
    while (true) {
      core::Status st = wal.checkpoint(last);
      if (st.ok()) break;
      core::log::error("writer", "cannot checkpoint the write-ahead log",
                       {{"error", st.to_string()}});
      if (!backoff()) return false;
    }
    groups.inc();
    update_lag();
    { std::lock_guard lk(mu); }  // a flush() between its check and its wait still wakes
    cv.notify_all();
    return true;
  }

  // Waits retry_backoff; false when the writer is told to stop meanwhile.
  bool backoff() {
    std::unique_lock lk(mu);
    cv.wait_for(lk, config.retry_backoff, [&] { return stopping; });
    return !stopping;
  }

  core::Status replay_pending() {
    auto [first, last] = wal.pending_group();
    if (first == 0 || last <= wal.checkpointed()) return {};
    auto records = wal.read(first - 1, static_cast<size_t>(last - first + 1), UINT64_MAX,
                            std::chrono::milliseconds(0));
    if (!records) return records.status();
    std::vector<WalRecord> group;
    for (auto& r : *records)
      if (r.sequence <= last) group.push_back(std::move(r));
    core::log::info("writer", "replaying the group pending at the last stop",
                    {{"first", std::to_string(first)},
                     {"last", std::to_string(last)},
                     {"records", std::to_string(group.size())}});
    if (!insert_group(group, first, last))
      return core::error(core::Code::unavailable,
                         "cannot replay the pending write-ahead log group {}-{}", first, last);
    return {};
  }

  void run() {
    if (core::Status st = replay_pending(); !st.ok()) {
      core::log::error("writer", "stopping before the pending group was replayed",
                       {{"error", st.to_string()}});
      return;
    }
    const auto poll = std::chrono::milliseconds(20);
    while (!should_quit()) {
      uint64_t after = wal.checkpointed();
      bool draining = is_stopping();
      auto first_read = wal.read(after, config.max_group_records, config.max_group_bytes,
                                 draining ? std::chrono::milliseconds(0) : poll);
      if (!first_read) {
        core::log::error("writer", "cannot read the write-ahead log",
                         {{"error", first_read.status().to_string()}});
        if (!backoff()) return;
        continue;
      }
      std::vector<WalRecord> group = std::move(*first_read);
      if (group.empty()) {
        if (draining) return;  // everything durable is in the store
        continue;
      }
      // Gather more until a limit or max_group_wait.
      auto deadline = Clock::now() + config.max_group_wait;
      size_t rows = 0;
      uint64_t bytes = 0;
      for (const auto& r : group) {
        rows += r.batch.rows();
        bytes += r.batch.byte_size();
      }
      while (group.size() < config.max_group_records && rows < config.max_group_rows &&
             bytes < config.max_group_bytes && !is_stopping()) {
        auto now = Clock::now();
        if (now >= deadline) break;
        auto wait =
            std::min(poll, std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now));
        auto more = wal.read(group.back().sequence, config.max_group_records - group.size(),
                             config.max_group_bytes - bytes, wait);
        if (!more) break;
        for (auto& r : *more) {
          rows += r.batch.rows();
          bytes += r.batch.byte_size();
          group.push_back(std::move(r));
        }
      }
      uint64_t first = after + 1;
      uint64_t last = group.back().sequence;
      if (!insert_group(group, first, last)) return;
    }
  }
};

Writer::Writer(WriterConfig config, WriteAheadLog& wal, store::Engine& engine,
               core::Metrics& metrics)
    : impl_(std::make_unique<Impl>(config, wal, engine, metrics)) {}

Writer::~Writer() {
  stop();
}

core::Status Writer::start() {
  HEELER_RETURN_IF_ERROR(impl_->config.validate());
  std::lock_guard s(impl_->stop_mu);
  if (impl_->running) return core::error(core::Code::internal, "the writer is already running");
  {
    std::lock_guard lk(impl_->mu);
    impl_->stopping = false;
  }
  impl_->update_lag();
  impl_->running = true;
  impl_->thread = std::thread([this] { impl_->run(); });
  return {};
}

void Writer::stop(std::chrono::milliseconds deadline) {
  std::lock_guard s(impl_->stop_mu);
  if (!impl_->running) return;
  {
    std::lock_guard lk(impl_->mu);
    impl_->stopping = true;
    impl_->stop_deadline = Clock::now() + deadline;
  }
  impl_->cv.notify_all();
  impl_->thread.join();
  impl_->running = false;
}

core::Status Writer::flush(std::chrono::milliseconds timeout) {
  const uint64_t target = impl_->wal.last_sequence();
  std::unique_lock lk(impl_->mu);
  bool done = impl_->cv.wait_for(lk, timeout, [&] { return impl_->wal.checkpointed() >= target; });
  if (!done)
    return core::error(core::Code::unavailable,
                       "the store writer did not catch up with sequence {} within {} ms", target,
                       timeout.count());
  return {};
}

}  // namespace heeler::pipeline
