// The durable intake path, in one run on fresh temporary directories:
//   - WAL append (durable: group commit + fdatasync) through DurableConsumer, batches of
//     1000 log records, from 1 and from 8 appending threads;
//   - the writer draining those records from the WAL into the embedded engine, against
//     store::Engine::insert of the same rows directly (the same group size, and 1000-row
//     batches one by one).
// Prints a markdown table of records/s; the drain figure is also given as a ratio of
// the direct insert.
#include <fmt/format.h>
#include <stdlib.h>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "core/log.h"
#include "core/metrics.h"
#include "pipeline/ingest.h"
#include "pipeline/signals.h"
#include "pipeline/wal.h"
#include "pipeline/writer.h"
#include "store/embedded_engine.h"
#include "store/schema.h"

namespace {

using namespace heeler;
using Clock = std::chrono::steady_clock;
namespace fs = std::filesystem;

constexpr size_t kBatchRecords = 1000;
constexpr size_t kBatches = 200;  // per measurement: 200k records

double since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

pipeline::LogBatch log_batch(size_t batch_index) {
  pipeline::LogBatch batch;
  const int64_t base = (static_cast<int64_t>(std::time(nullptr)) - 3600) * 1000000000;
  const char* services[] = {"web", "api", "db", "cache", "worker"};
  for (size_t i = 0; i < kBatchRecords; ++i) {
    std::string message = fmt::format("request {}-{} handled in {} ms", batch_index, i, i % 997);
    std::string row = std::to_string(i);
    pipeline::Attribute attributes[] = {{"http.method", i % 2 ? "GET" : "POST"}, {"row", row}};
    pipeline::LogRecord r;
    r.timestamp_ns = base + static_cast<int64_t>(batch_index * kBatchRecords + i) * 1000;
    r.observed_timestamp_ns = r.timestamp_ns + 5;
    r.service = services[i % 5];
    r.env = "prod";
    r.host = "host-1";
    r.message = message;
    r.trace_id = pipeline::trace_id_from_u64(batch_index, i);
    r.span_id = pipeline::span_id_from_u64(i + 1);
    r.attributes = attributes;
    batch.append(r);
  }
  return batch;
}

struct AppendFigure {
  double records_per_s;
  uint64_t fsyncs;
};

AppendFigure append_run(const fs::path& dir, int threads,
                        const std::vector<pipeline::LogBatch>& batches) {
  core::Metrics metrics;
  pipeline::WalConfig config;
  config.dir = dir;
  config.max_pending_bytes = 8ull << 30;
  auto wal = pipeline::WriteAheadLog::open(config, metrics);
  if (!wal) {
    fmt::print(stderr, "{}\n", wal.status().to_string());
    std::exit(1);
  }
  pipeline::DurableConsumer consumer(**wal, metrics);
  auto start = Clock::now();
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t)
    workers.emplace_back([&, t] {
      for (size_t b = static_cast<size_t>(t); b < batches.size();
           b += static_cast<size_t>(threads)) {
        pipeline::LogBatch copy = batches[b];
        if (auto st = consumer.consume_logs(std::move(copy)); !st.ok()) {
          fmt::print(stderr, "{}\n", st.to_string());
          std::exit(1);
        }
      }
    });
  for (auto& w : workers) w.join();
  double took = since(start);
  AppendFigure f{static_cast<double>(batches.size() * kBatchRecords) / took,
                 metrics.counter("heeler_wal_fsyncs_total", "").value()};
  (*wal)->close();
  return f;
}

}  // namespace

int main() {
  core::log::set_level(core::log::Level::warn);
  std::string pattern = (fs::temp_directory_path() / "heeler-pipeline-bench-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) return 1;
  const fs::path dir = pattern;

  std::vector<pipeline::LogBatch> batches;
  for (size_t b = 0; b < kBatches; ++b) batches.push_back(log_batch(b));
  const double mb = static_cast<double>(batches[0].columns().byte_size() * kBatches) / (1 << 20);

  AppendFigure one = append_run(dir / "wal-1", 1, batches);
  AppendFigure eight = append_run(dir / "wal-8", 8, batches);

  // Drain: the WAL of the single-thread run holds every batch; the writer drains it.
  core::Metrics metrics;
  store::EmbeddedEngineConfig engine_config;
  engine_config.data_dir = dir / "data";
  auto engine = store::make_embedded_engine(engine_config, metrics);
  if (auto st = engine->start(); !st.ok()) {
    fmt::print(stderr, "{}\n", st.to_string());
    return 1;
  }
  if (auto applied = store::migrate(*engine, store::telemetry_migrations()); !applied) return 1;
  // Warm-up: the first insert into a fresh table pays for more than the rows.
  if (!engine->insert("logs", log_batch(kBatches).columns()).ok()) return 1;
  pipeline::WalConfig wal_config;
  wal_config.dir = dir / "wal-1";
  wal_config.max_pending_bytes = 8ull << 30;
  auto wal = pipeline::WriteAheadLog::open(wal_config, metrics);
  if (!wal) return 1;
  pipeline::WriterConfig writer_config;
  writer_config.max_group_wait = std::chrono::milliseconds(0);
  pipeline::Writer writer(writer_config, **wal, *engine, metrics);
  auto start = Clock::now();
  if (!writer.start().ok() || !writer.flush(std::chrono::minutes(10)).ok()) return 1;
  const double drain_s = since(start);
  writer.stop();
  const uint64_t groups = metrics.counter("heeler_writer_groups_total", "").value();
  const double insert_s = metrics.histogram("heeler_writer_insert_duration_seconds", "").sum();
  (*wal)->close();

  // Direct: the same rows in groups of the writer's size, then 1000-row batches one by one.
  const size_t per_group = std::max<size_t>(1, kBatches / std::max<uint64_t>(groups, 1));
  start = Clock::now();
  for (size_t b = 0; b < kBatches; b += per_group) {
    store::ColumnBatch merged = batches[b].columns();
    for (size_t k = b + 1; k < std::min(kBatches, b + per_group); ++k)
      if (!merged.append_rows(batches[k].columns()).ok()) return 1;
    if (!engine->insert("logs", merged).ok()) return 1;
  }
  const double direct_s = since(start);
  start = Clock::now();
  for (const auto& b : batches)
    if (!engine->insert("logs", b.columns()).ok()) return 1;
  const double direct_small_s = since(start);
  engine->stop();

  const double records = static_cast<double>(kBatches * kBatchRecords);
  fmt::print("| path | records/s | notes |\n|---|---:|---|\n");
  fmt::print(
      "| WAL append durable, 1 thread | {:.0f} | {} batches of {} log records ({:.1f} MB), {} "
      "fdatasyncs |\n",
      one.records_per_s, kBatches, kBatchRecords, mb, one.fsyncs);
  fmt::print("| WAL append durable, 8 threads | {:.0f} | same batches, {} fdatasyncs |\n",
             eight.records_per_s, eight.fsyncs);
  fmt::print(
      "| writer drain WAL → engine | {:.0f} | {} groups, {:.2f} s of {:.2f} s in Engine::insert; "
      "{:.2f}× the direct insert |\n",
      records / drain_s, groups, insert_s, drain_s, direct_s / drain_s);
  fmt::print("| Engine::insert direct, writer's group size | {:.0f} | {} rows per insert |\n",
             records / direct_s, per_group * kBatchRecords);
  fmt::print("| Engine::insert direct, 1000-row batches | {:.0f} | {} inserts |\n",
             records / direct_small_s, kBatches);
  std::error_code ec;
  fs::remove_all(dir, ec);
  return 0;
}
