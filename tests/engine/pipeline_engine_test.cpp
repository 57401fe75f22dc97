// The pipeline against the real engine: signal batches land in their tables, the writer
// drains the write-ahead log exactly once, also across a crash while draining.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "core/metrics.h"
#include "pipeline/ingest.h"
#include "pipeline/signals.h"
#include "pipeline/wal.h"
#include "pipeline/writer.h"
#include "store/embedded_engine.h"
#include "store/schema.h"

extern char** environ;

namespace heeler::pipeline {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using store::Engine;
using store::MapEntries;

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

class PipelineEngineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "heeler-pipeline-engine-XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
  }
  void TearDown() override {
    close_all();
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  Engine& start_engine() {
    store::EmbeddedEngineConfig c;
    c.data_dir = dir_;
    engine_ = store::make_embedded_engine(c, metrics_);
    core::Status st = engine_->start();
    EXPECT_TRUE(st.ok()) << st.to_string();
    auto applied = store::migrate(*engine_, store::telemetry_migrations());
    EXPECT_TRUE(applied.ok()) << applied.status().to_string();
    return *engine_;
  }

  WriteAheadLog& open_wal() {
    WalConfig c;
    c.dir = dir_ / "wal";
    auto w = WriteAheadLog::open(c, metrics_);
    EXPECT_TRUE(w.ok()) << w.status().to_string();
    wal_ = std::move(*w);
    return *wal_;
  }

  void close_all() {
    if (wal_) wal_->close();
    wal_.reset();
    if (engine_) engine_->stop();
    engine_.reset();
  }

  uint64_t count(const std::string& sql) {
    auto r = engine_->query(sql);
    EXPECT_TRUE(r.ok()) << r.status().to_string();
    if (!r.ok() || r->row_count() != 1) return UINT64_MAX;
    return r->at(0, 0).as_uint64();
  }

  store::QueryResult query(const std::string& sql) {
    auto r = engine_->query(sql);
    EXPECT_TRUE(r.ok()) << r.status().to_string();
    return r.ok() ? std::move(*r) : store::QueryResult{};
  }

  static WriterConfig fast_writer() {
    WriterConfig c;
    c.max_group_wait = 5ms;
    c.retry_backoff = 50ms;
    return c;
  }

  fs::path dir_;
  core::Metrics metrics_;
  std::unique_ptr<Engine> engine_;
  std::unique_ptr<WriteAheadLog> wal_;
};

TEST_F(PipelineEngineTest, EverySignalBatchInsertsIntoItsTable) {
  Engine& e = start_engine();
  const int64_t ms = now_ms() - 3600 * 1000;

  LogBatch logs;
  Attribute log_attrs[] = {{"http.method", "GET"}};
  LogRecord log;
  log.timestamp_ns = ms * 1000000 + 7;
  log.service = "web";
  log.status = "error";
  log.severity_number = 17;
  log.message = "boom";
  log.trace_id = trace_id_from_u64(1, 2);
  log.span_id = span_id_from_u64(3);
  log.attributes = log_attrs;
  logs.append(log);
  ASSERT_TRUE(e.insert(LogBatch::kTable, logs.columns()).ok());

  SpanBatch spans;
  NumericAttribute span_metrics[] = {{"rows", 2.5}, {"_sampling_priority_v1", 1}};
  Attribute span_attrs[] = {{"db.system", "postgres"}};
  SpanRecord span;
  span.timestamp_ns = ms * 1000000;
  span.duration_ns = 1500;
  span.trace_id = trace_id_from_u64(0, 99);
  span.span_id = span_id_from_u64(5);
  span.parent_span_id = span_id_from_u64(4);
  span.service = "api";
  span.name = "pg.query";
  span.kind = "client";
  span.error = true;
  span.status_code = 2;
  span.attributes = span_attrs;
  span.metrics = span_metrics;
  spans.append(span);
  auto st = e.insert(SpanBatch::kTable, spans.columns());
  ASSERT_TRUE(st.ok()) << st.to_string();

  MetricBatch metrics;
  std::string_view tags[] = {"service:web", "env:prod", "host:h1"};
  metrics.append(MetricPoint{"http.latency", tags, MetricKind::distribution, ms, 0.25, 40});
  metrics.append(MetricPoint{"http.latency", tags, MetricKind::distribution, ms + 1000, 0.5, 2});
  ASSERT_TRUE(e.insert(MetricBatch::kPointsTable, metrics.points()).ok());
  ASSERT_TRUE(e.insert(MetricBatch::kSeriesTable, metrics.series()).ok());

  EventBatch events;
  std::string_view event_tags[] = {"team:core"};
  Event ev;
  ev.timestamp_ms = ms;
  ev.title = "deploy v2";
  ev.text = "rolled out";
  ev.alert_type = "info";
  ev.tags = event_tags;
  events.append(ev);
  ASSERT_TRUE(e.insert(EventBatch::kTable, events.columns()).ok());

  auto l = query(
      "SELECT timestamp, service, status, severity_number, message, hex(trace_id), hex(span_id), "
      "attributes['http.method'] FROM logs");
  ASSERT_EQ(l.row_count(), 1u);
  EXPECT_EQ(l.at(0, 0).as_int64(), ms * 1000000 + 7);
  EXPECT_EQ(l.at(0, 1).as_string(), "web");
  EXPECT_EQ(l.at(0, 2).as_string(), "error");
  EXPECT_EQ(l.at(0, 3).as_uint64(), 17u);
  EXPECT_EQ(l.at(0, 4).as_string(), "boom");
  EXPECT_EQ(l.at(0, 5).as_string(), "00000000000000010000000000000002");
  EXPECT_EQ(l.at(0, 6).as_string(), "0000000000000003");
  EXPECT_EQ(l.at(0, 7).as_string(), "GET");

  auto s = query(
      "SELECT duration_ns, hex(parent_span_id), service, name, resource, kind, error, status_code, "
      "metrics['rows'], metrics['_sampling_priority_v1'], attributes['db.system'], events FROM "
      "spans");
  ASSERT_EQ(s.row_count(), 1u);
  EXPECT_EQ(s.at(0, 0).as_uint64(), 1500u);
  EXPECT_EQ(s.at(0, 1).as_string(), "0000000000000004");
  EXPECT_EQ(s.at(0, 2).as_string(), "api");
  EXPECT_EQ(s.at(0, 3).as_string(), "pg.query");
  EXPECT_EQ(s.at(0, 4).as_string(), "pg.query");
  EXPECT_EQ(s.at(0, 5).as_string(), "client");
  EXPECT_EQ(s.at(0, 6).as_uint64(), 1u);
  EXPECT_EQ(s.at(0, 7).as_uint64(), 2u);
  EXPECT_DOUBLE_EQ(s.at(0, 8).as_double(), 2.5);
  EXPECT_DOUBLE_EQ(s.at(0, 9).as_double(), 1.0);
  EXPECT_EQ(s.at(0, 10).as_string(), "postgres");
  EXPECT_EQ(s.at(0, 11).as_string(), "[]");
  auto types = query("SELECT toTypeName(metrics) FROM spans");
  EXPECT_EQ(types.at(0, 0).as_string(), "Map(LowCardinality(String), Float64)");

  auto p = query(
      "SELECT metric, series_id, timestamp, value, weight, kind FROM metric_points ORDER BY "
      "timestamp");
  ASSERT_EQ(p.row_count(), 2u);
  EXPECT_EQ(p.at(0, 0).as_string(), "http.latency");
  EXPECT_EQ(p.at(0, 1).as_uint64(), series_id("http.latency", tags));
  EXPECT_EQ(p.at(0, 2).as_int64(), ms);  // DateTime64(3) ticks
  EXPECT_DOUBLE_EQ(p.at(0, 3).as_double(), 0.25);
  EXPECT_EQ(p.at(0, 4).as_uint64(), 40u);
  EXPECT_EQ(p.at(1, 4).as_uint64(), 2u);
  EXPECT_EQ(p.at(0, 5).as_string(), "distribution");
  EXPECT_DOUBLE_EQ(query("SELECT quantileExactWeighted(0.5)(value, weight) FROM metric_points")
                       .at(0, 0)
                       .as_double(),
                   0.25);

  auto ser = query(
      "SELECT series_id, metric, tags['env'], service, env, host, kind, first_seen FROM "
      "metric_series");
  ASSERT_EQ(ser.row_count(), 1u);
  EXPECT_EQ(ser.at(0, 0).as_uint64(), series_id("http.latency", tags));
  EXPECT_EQ(ser.at(0, 1).as_string(), "http.latency");
  EXPECT_EQ(ser.at(0, 2).as_string(), "prod");
  EXPECT_EQ(ser.at(0, 3).as_string(), "web");
  EXPECT_EQ(ser.at(0, 4).as_string(), "prod");
  EXPECT_EQ(ser.at(0, 5).as_string(), "h1");
  EXPECT_EQ(ser.at(0, 6).as_string(), "distribution");
  EXPECT_EQ(ser.at(0, 7).as_int64(), ms);

  auto ev_rows = query("SELECT timestamp, title, text, alert_type, tags['team'] FROM events");
  ASSERT_EQ(ev_rows.row_count(), 1u);
  EXPECT_EQ(ev_rows.at(0, 0).as_int64(), ms);
  EXPECT_EQ(ev_rows.at(0, 1).as_string(), "deploy v2");
  EXPECT_EQ(ev_rows.at(0, 2).as_string(), "rolled out");
  EXPECT_EQ(ev_rows.at(0, 3).as_string(), "info");
  EXPECT_EQ(ev_rows.at(0, 4).as_string(), "core");
}

TEST_F(PipelineEngineTest, WriterDrainsTheWalIntoTheStore) {
  Engine& e = start_engine();
  WriteAheadLog& wal = open_wal();
  DurableConsumer consumer(wal, metrics_);
  Writer writer(fast_writer(), wal, e, metrics_);
  ASSERT_TRUE(writer.start().ok());
  const int64_t ms = now_ms() - 60000;
  for (int b = 0; b < 40; ++b) {
    LogBatch logs;
    for (int i = 0; i < 25; ++i) {
      std::string message = "log-" + std::to_string(b) + "-" + std::to_string(i);
      LogRecord r;
      r.timestamp_ns = (ms + b) * 1000000 + i;
      r.service = "svc";
      r.message = message;
      logs.append(r);
    }
    ASSERT_TRUE(consumer.consume_logs(std::move(logs)).ok());
    MetricBatch points;
    std::string_view tags[] = {"service:svc"};
    points.append(MetricPoint{"m", tags, MetricKind::gauge, ms + b, static_cast<double>(b), 1});
    ASSERT_TRUE(consumer.consume_metrics(std::move(points)).ok());
  }
  ASSERT_TRUE(consumer.consume_logs(LogBatch{}).ok());  // empty: nothing appended
  EXPECT_EQ(wal.last_sequence(), 120u);
  ASSERT_TRUE(writer.flush(60s).ok());
  EXPECT_EQ(wal.checkpointed(), 120u);
  EXPECT_EQ(count("SELECT count() FROM logs"), 1000u);
  EXPECT_EQ(count("SELECT uniqExact(message) FROM logs"), 1000u);
  EXPECT_EQ(count("SELECT count() FROM metric_points"), 40u);
  EXPECT_EQ(count("SELECT sum(value) FROM metric_points"), 780u);
  EXPECT_EQ(count("SELECT count() FROM metric_series FINAL"), 1u);
  EXPECT_EQ(metrics_.counter("heeler_writer_inserted_rows_total", "", {{"table", "logs"}}).value(),
            1000u);
  EXPECT_EQ(metrics_.counter("heeler_intake_records_total", "", {{"signal", "logs"}}).value(),
            1000u);
  EXPECT_EQ(metrics_.counter("heeler_intake_records_total", "", {{"signal", "metrics"}}).value(),
            40u);
  EXPECT_GT(metrics_.counter("heeler_writer_groups_total", "").value(), 0u);
  EXPECT_EQ(metrics_.gauge("heeler_writer_lag_records", "").value(), 0.0);
  EXPECT_EQ(wal.pending_bytes(), 0u);
  writer.stop();
  writer.stop();  // twice is fine
}

TEST_F(PipelineEngineTest, StopDrainsWhatIsDurable) {
  Engine& e = start_engine();
  WriteAheadLog& wal = open_wal();
  DurableConsumer consumer(wal, metrics_);
  for (int i = 0; i < 30; ++i) {
    LogBatch logs;
    LogRecord r;
    r.message = "stop-" + std::to_string(i);
    logs.append(r);
    ASSERT_TRUE(consumer.consume_logs(std::move(logs)).ok());
  }
  WriterConfig c = fast_writer();
  c.max_group_records = 4;
  Writer writer(c, wal, e, metrics_);
  ASSERT_TRUE(writer.start().ok());
  writer.stop(30s);
  EXPECT_EQ(wal.checkpointed(), 30u);
  EXPECT_EQ(count("SELECT count() FROM logs"), 30u);
}

TEST_F(PipelineEngineTest, PendingGroupInsertedBeforeACrashIsNotDuplicated) {
  Engine& e = start_engine();
  WriteAheadLog& wal = open_wal();
  DurableConsumer consumer(wal, metrics_);
  for (int i = 0; i < 3; ++i) {
    LogBatch logs;
    LogRecord r;
    r.message = "pending-" + std::to_string(i);
    logs.append(r);
    ASSERT_TRUE(consumer.consume_logs(std::move(logs)).ok());
  }
  // What a writer does before it dies between its insert and its checkpoint: record
  // the group, insert it with the group's token, and never checkpoint.
  auto records = wal.read(0, 3, UINT64_MAX, 0ms);
  ASSERT_TRUE(records.ok());
  ASSERT_EQ(records->size(), 3u);
  ASSERT_TRUE(wal.set_pending_group(1, 3).ok());
  store::ColumnBatch merged = std::move((*records)[0].batch);
  ASSERT_TRUE(merged.append_rows((*records)[1].batch).ok());
  ASSERT_TRUE(merged.append_rows((*records)[2].batch).ok());
  ASSERT_TRUE(e.insert("logs", merged, store::InsertOptions{"logs-1-3"}).ok());
  EXPECT_EQ(count("SELECT count() FROM logs"), 3u);
  wal.close();

  // Restart: the writer replays exactly 1..3 with the same token, then goes on.
  WriteAheadLog& reopened = open_wal();
  EXPECT_EQ(reopened.pending_group(), (std::pair<uint64_t, uint64_t>{1, 3}));
  DurableConsumer again(reopened, metrics_);
  LogBatch later;
  LogRecord r;
  r.message = "after-restart";
  later.append(r);
  ASSERT_TRUE(again.consume_logs(std::move(later)).ok());
  Writer writer(fast_writer(), reopened, e, metrics_);
  ASSERT_TRUE(writer.start().ok());
  ASSERT_TRUE(writer.flush(60s).ok());
  EXPECT_EQ(reopened.checkpointed(), 4u);
  EXPECT_EQ(reopened.pending_group(), (std::pair<uint64_t, uint64_t>{0, 0}));
  EXPECT_EQ(count("SELECT count() FROM logs"), 4u);
  EXPECT_EQ(count("SELECT count() FROM logs WHERE message LIKE 'pending-%'"), 3u);
  EXPECT_EQ(count("SELECT count() FROM logs WHERE message = 'after-restart'"), 1u);
}

// Starts the child on dir_, waits for "appended", lets it drain for `delay`, kills it.
void run_and_kill(const fs::path& dir, int records, std::chrono::milliseconds delay) {
  int out[2];
  ASSERT_EQ(::pipe(out), 0);
  int in[2];
  ASSERT_EQ(::pipe(in), 0);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out[1], 1);
  posix_spawn_file_actions_adddup2(&actions, in[0], 0);
  posix_spawn_file_actions_addclose(&actions, out[0]);
  posix_spawn_file_actions_addclose(&actions, in[1]);
  std::string dir_arg = dir.string(), records_arg = std::to_string(records);
  char* argv[] = {const_cast<char*>(HEELER_PIPELINE_CRASH_CHILD), dir_arg.data(),
                  records_arg.data(), nullptr};
  pid_t pid = 0;
  ASSERT_EQ(posix_spawn(&pid, HEELER_PIPELINE_CRASH_CHILD, &actions, nullptr, argv, environ), 0);
  posix_spawn_file_actions_destroy(&actions);
  ::close(out[1]);
  ::close(in[0]);
  std::string seen;
  char buf[256];
  while (seen.find("appended\n") == std::string::npos) {
    ssize_t n = ::read(out[0], buf, sizeof buf);
    if (n <= 0) break;
    seen.append(buf, static_cast<size_t>(n));
  }
  EXPECT_NE(seen.find("appended\n"), std::string::npos)
      << "the child did not acknowledge its appends";
  std::this_thread::sleep_for(delay);
  ::kill(pid, SIGKILL);
  int status = 0;
  ::waitpid(pid, &status, 0);
  ::close(out[0]);
  ::close(in[1]);
}

TEST_F(PipelineEngineTest, CrashWhileDrainingLosesAndDuplicatesNothing) {
  constexpr int kRecords = 120;
  std::mt19937 rng(static_cast<unsigned>(std::time(nullptr)));
  const std::chrono::milliseconds delays[] = {std::chrono::milliseconds(rng() % 150),
                                              std::chrono::milliseconds(200 + rng() % 300),
                                              std::chrono::milliseconds(rng() % 800)};
  int round = 0;
  int killed_mid_drain = 0;
  for (auto delay : delays) {
    SCOPED_TRACE("round " + std::to_string(round) + ", killed after " +
                 std::to_string(delay.count()) + " ms");
    // Each round appends kRecords more acknowledged records and is killed while draining.
    run_and_kill(dir_, kRecords, delay);
    ++round;
    Engine& e = start_engine();
    WriteAheadLog& wal = open_wal();
    EXPECT_EQ(wal.last_sequence(), static_cast<uint64_t>(round * kRecords));
    const uint64_t drained = wal.checkpointed();
    const auto pending = wal.pending_group();
    std::printf(
        "round %d: killed after %lld ms with %llu of %d records drained, pending group [%llu, "
        "%llu]\n",
        round, static_cast<long long>(delay.count()), static_cast<unsigned long long>(drained),
        round * kRecords, static_cast<unsigned long long>(pending.first),
        static_cast<unsigned long long>(pending.second));
    if (drained < static_cast<uint64_t>(round * kRecords)) ++killed_mid_drain;
    Writer writer(fast_writer(), wal, e, metrics_);
    ASSERT_TRUE(writer.start().ok());
    ASSERT_TRUE(writer.flush(60s).ok());
    writer.stop();
    EXPECT_EQ(wal.checkpointed(), static_cast<uint64_t>(round * kRecords));
    EXPECT_EQ(count("SELECT count() FROM logs"), static_cast<uint64_t>(round * kRecords));
    // Every child writes rec-0…rec-(N-1): each marker once per round, never more.
    EXPECT_EQ(count("SELECT uniqExact(message) FROM logs"), static_cast<uint64_t>(kRecords));
    EXPECT_EQ(count("SELECT max(c) FROM (SELECT message, count() AS c FROM logs GROUP BY message)"),
              static_cast<uint64_t>(round));
    EXPECT_EQ(count("SELECT min(c) FROM (SELECT message, count() AS c FROM logs GROUP BY message)"),
              static_cast<uint64_t>(round));
    close_all();
  }
  EXPECT_GT(killed_mid_drain, 0) << "no kill landed while the child was draining";
}

}  // namespace
}  // namespace heeler::pipeline
