// Test helper for the crash-replay tests: opens the engine, the write-ahead log and the
// writer on DATA_DIR, appends RECORDS one-row log batches (message "rec-<i>"), saying
// "appended" on stdout once every append is acknowledged, then starts the writer and
// drains with small groups until it is killed (or says "drained" and waits for stdin
// to close).
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "core/metrics.h"
#include "pipeline/ingest.h"
#include "pipeline/signals.h"
#include "pipeline/wal.h"
#include "pipeline/writer.h"
#include "store/embedded_engine.h"
#include "store/schema.h"

using namespace heeler;

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: %s DATA_DIR RECORDS\n", argv[0]);
    return 2;
  }
  const std::string dir = argv[1];
  const int records = std::atoi(argv[2]);
  core::Metrics metrics;
  store::EmbeddedEngineConfig config;
  config.data_dir = dir;
  auto engine = store::make_embedded_engine(config, metrics);
  if (auto st = engine->start(); !st.ok()) {
    std::fprintf(stderr, "child: %s\n", st.to_string().c_str());
    return 1;
  }
  if (auto applied = store::migrate(*engine, store::telemetry_migrations()); !applied) {
    std::fprintf(stderr, "child: %s\n", applied.status().to_string().c_str());
    return 1;
  }
  pipeline::WalConfig wal_config;
  wal_config.dir = dir + "/wal";
  auto wal = pipeline::WriteAheadLog::open(wal_config, metrics);
  if (!wal) {
    std::fprintf(stderr, "child: %s\n", wal.status().to_string().c_str());
    return 1;
  }
  pipeline::DurableConsumer consumer(**wal, metrics);
  const int64_t now_ns = static_cast<int64_t>(std::time(nullptr)) * 1000000000;
  for (int i = 0; i < records; ++i) {
    pipeline::LogBatch batch;
    std::string message = "rec-" + std::to_string(i);
    pipeline::LogRecord r;
    r.timestamp_ns = now_ns + i;
    r.service = "crash";
    r.message = message;
    batch.append(r);
    if (auto st = consumer.consume_logs(std::move(batch)); !st.ok()) {
      std::fprintf(stderr, "child: %s\n", st.to_string().c_str());
      return 1;
    }
  }
  std::printf("appended\n");
  std::fflush(stdout);

  pipeline::WriterConfig writer_config;
  writer_config.max_group_records = 3;
  writer_config.max_group_wait = std::chrono::milliseconds(0);
  pipeline::Writer writer(writer_config, **wal, *engine, metrics);
  if (auto st = writer.start(); !st.ok()) return 1;
  if (auto st = writer.flush(std::chrono::seconds(120)); !st.ok()) return 1;
  std::printf("drained\n");
  std::fflush(stdout);
  char buf[64];
  while (::read(0, buf, sizeof(buf)) > 0) {
  }
  writer.stop();
  (*wal)->close();
  engine->stop();
  return 0;
}
