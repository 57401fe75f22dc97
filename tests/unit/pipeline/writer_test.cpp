// The writer against a fake engine (no libchdb, so this runs under ASan): grouping,
// merging, deduplication tokens, retries, pending-group replay and its lifecycle.
#include "pipeline/writer.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <mutex>
#include <string>
#include <vector>

#include "pipeline/ingest.h"

namespace heeler::pipeline {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using store::ColumnBatch;

class FakeEngine final : public store::Engine {
 public:
  struct Insert {
    std::string table;
    size_t rows;
    std::string token;
    std::vector<std::string> messages;  // the first string column, when there is one
  };

  core::Status start() override { return {}; }
  void stop() override {}
  core::Result<store::QueryResult> query(std::string_view, const store::Params&,
                                         store::Lane) override {
    return store::QueryResult{};
  }
  core::Status execute(std::string_view, const store::Params&, store::Lane) override { return {}; }
  core::Status insert(std::string_view table, const ColumnBatch& batch,
                      const store::InsertOptions& options) override {
    std::lock_guard lk(mu_);
    if (failures_left_ > 0) {
      --failures_left_;
      return core::error(core::Code::engine_error, "the store is down");
    }
    Insert in{std::string(table), batch.rows(), options.deduplication_token, {}};
    for (const auto& c : batch.columns())
      if (const auto* s = std::get_if<store::StringColumn>(&c.data)) {
        for (size_t i = 0; i < s->size(); ++i) in.messages.emplace_back(s->at(i));
        break;
      }
    inserts_.push_back(std::move(in));
    return {};
  }
  core::Status ping() override { return {}; }
  std::string version() override { return "fake"; }
  store::EngineStats stats() const override { return {}; }

  void fail_next(int n) {
    std::lock_guard lk(mu_);
    failures_left_ = n;
  }
  std::vector<Insert> inserts() const {
    std::lock_guard lk(mu_);
    return inserts_;
  }

 private:
  mutable std::mutex mu_;
  int failures_left_ = 0;
  std::vector<Insert> inserts_;
};

ColumnBatch one_row(const std::string& message) {
  ColumnBatch b;
  b.add<store::StringColumn>("message").append(message);
  return b;
}

class WriterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (fs::temp_directory_path() / "heeler-writer-XXXXXX").string();
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
    open_wal();
  }
  void TearDown() override {
    wal_.reset();
    fs::remove_all(dir_);
  }
  void open_wal() {
    wal_.reset();
    WalConfig c;
    c.dir = dir_;
    c.group_commit_window = 0us;
    auto w = WriteAheadLog::open(c, metrics_);
    ASSERT_TRUE(w.ok()) << w.status().to_string();
    wal_ = std::move(*w);
  }
  static WriterConfig config() {
    WriterConfig c;
    c.max_group_wait = 1ms;
    c.retry_backoff = 1ms;
    return c;
  }
  void append(std::string_view table, const std::string& message) {
    ASSERT_TRUE(wal_->append(table, one_row(message)).ok());
  }

  fs::path dir_;
  core::Metrics metrics_;
  std::unique_ptr<WriteAheadLog> wal_;
  FakeEngine engine_;
};

TEST_F(WriterTest, StopIsSafeWithoutStartAndTwice) {
  Writer writer(config(), *wal_, engine_, metrics_);
  writer.stop();
  writer.stop();
  ASSERT_TRUE(writer.start().ok());
  EXPECT_EQ(writer.start().code(), core::Code::internal);
  writer.stop();
  writer.stop();
}

TEST_F(WriterTest, ConfigIsValidated) {
  WriterConfig c = config();
  c.max_group_records = 0;
  Writer writer(c, *wal_, engine_, metrics_);
  EXPECT_EQ(writer.start().code(), core::Code::config_invalid);
}

TEST_F(WriterTest, MergesATablesRecordsIntoOneInsertPerGroup) {
  append("logs", "a");
  append("spans", "s");
  append("logs", "b");
  ColumnBatch other_layout;
  other_layout.add<store::StringColumn>("message").append("c");
  other_layout.add<store::StringColumn>("extra").append("x");
  ASSERT_TRUE(wal_->append("logs", other_layout).ok());
  Writer writer(config(), *wal_, engine_, metrics_);
  ASSERT_TRUE(writer.start().ok());
  ASSERT_TRUE(writer.flush(10s).ok());
  auto inserts = engine_.inserts();
  ASSERT_EQ(inserts.size(), 3u);
  EXPECT_EQ(inserts[0].table, "logs");
  EXPECT_EQ(inserts[0].token, "logs-1-4");
  EXPECT_EQ(inserts[0].messages, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(inserts[1].table, "spans");
  EXPECT_EQ(inserts[1].token, "spans-1-4");
  EXPECT_EQ(inserts[2].token, "logs-1-4-1");  // a second layout of the same table
  EXPECT_EQ(inserts[2].messages, (std::vector<std::string>{"c"}));
  EXPECT_EQ(wal_->checkpointed(), 4u);
  EXPECT_EQ(metrics_.counter("heeler_writer_inserted_rows_total", "", {{"table", "logs"}}).value(),
            3u);
  EXPECT_EQ(metrics_.counter("heeler_writer_groups_total", "").value(), 1u);
  EXPECT_EQ(metrics_.gauge("heeler_writer_lag_records", "").value(), 0.0);
}

TEST_F(WriterTest, GroupsAreBoundedByRecords) {
  for (int i = 0; i < 7; ++i) append("logs", std::to_string(i));
  WriterConfig c = config();
  c.max_group_records = 3;
  Writer writer(c, *wal_, engine_, metrics_);
  ASSERT_TRUE(writer.start().ok());
  ASSERT_TRUE(writer.flush(10s).ok());
  auto inserts = engine_.inserts();
  ASSERT_EQ(inserts.size(), 3u);
  EXPECT_EQ(inserts[0].token, "logs-1-3");
  EXPECT_EQ(inserts[1].token, "logs-4-6");
  EXPECT_EQ(inserts[2].token, "logs-7-7");
  EXPECT_EQ(inserts[2].messages, (std::vector<std::string>{"6"}));
}

TEST_F(WriterTest, FailedInsertsAreRetriedUntilTheyLand) {
  append("logs", "a");
  append("logs", "b");
  engine_.fail_next(3);
  Writer writer(config(), *wal_, engine_, metrics_);
  ASSERT_TRUE(writer.start().ok());
  ASSERT_TRUE(writer.flush(10s).ok());
  auto inserts = engine_.inserts();
  ASSERT_EQ(inserts.size(), 1u);
  EXPECT_EQ(inserts[0].token, "logs-1-2");
  EXPECT_EQ(inserts[0].rows, 2u);
  EXPECT_EQ(metrics_.counter("heeler_writer_insert_errors_total", "").value(), 3u);
}

TEST_F(WriterTest, StopDuringRetriesLeavesTheGroupPendingForTheNextStart) {
  append("logs", "a");
  engine_.fail_next(1000000);
  {
    WriterConfig c = config();
    c.retry_backoff = 5ms;
    Writer writer(c, *wal_, engine_, metrics_);
    ASSERT_TRUE(writer.start().ok());
    EXPECT_EQ(writer.flush(50ms).code(), core::Code::unavailable);
    writer.stop(0ms);
  }
  EXPECT_TRUE(engine_.inserts().empty());
  EXPECT_EQ(wal_->checkpointed(), 0u);
  EXPECT_EQ(wal_->pending_group(), (std::pair<uint64_t, uint64_t>{1, 1}));
  engine_.fail_next(0);
  append("logs", "b");
  open_wal();  // a restart
  Writer writer(config(), *wal_, engine_, metrics_);
  ASSERT_TRUE(writer.start().ok());
  ASSERT_TRUE(writer.flush(10s).ok());
  auto inserts = engine_.inserts();
  ASSERT_EQ(inserts.size(), 2u);
  EXPECT_EQ(inserts[0].token, "logs-1-1");  // the same range and token as before the stop
  EXPECT_EQ(inserts[0].messages, (std::vector<std::string>{"a"}));
  EXPECT_EQ(inserts[1].token, "logs-2-2");
  EXPECT_EQ(wal_->pending_group(), (std::pair<uint64_t, uint64_t>{0, 0}));
}

TEST_F(WriterTest, DurableConsumerCountsAndAppendsEachSignal) {
  DurableConsumer consumer(*wal_, metrics_);
  LogBatch logs;
  LogRecord r;
  r.message = "m";
  logs.append(r);
  logs.append(r);
  ASSERT_TRUE(consumer.consume_logs(std::move(logs)).ok());
  ASSERT_TRUE(consumer.consume_logs(LogBatch{}).ok());
  SpanBatch spans;
  spans.append(SpanRecord{});
  ASSERT_TRUE(consumer.consume_spans(std::move(spans)).ok());
  MetricBatch points;
  std::string_view tags[] = {"a:1"};
  points.append(MetricPoint{"m", tags, MetricKind::gauge, 1, 1, 1});
  points.append(MetricPoint{"m", tags, MetricKind::gauge, 2, 2, 1});
  ASSERT_TRUE(consumer.consume_metrics(std::move(points)).ok());
  Limits limits;
  limits.max_message_bytes = 1;
  EventBatch events(limits);
  Event e;
  e.text = "long";
  events.append(e);
  ASSERT_TRUE(consumer.consume_events(std::move(events)).ok());
  auto records = wal_->read(0, 100, UINT64_MAX, 0ms);
  ASSERT_TRUE(records.ok());
  ASSERT_EQ(records->size(), 5u);
  EXPECT_EQ((*records)[0].table, "logs");
  EXPECT_EQ((*records)[0].batch.rows(), 2u);
  EXPECT_EQ((*records)[1].table, "spans");
  EXPECT_EQ((*records)[2].table, "metric_points");
  EXPECT_EQ((*records)[2].batch.rows(), 2u);
  EXPECT_EQ((*records)[3].table, "metric_series");
  EXPECT_EQ((*records)[3].batch.rows(), 1u);
  EXPECT_EQ((*records)[4].table, "events");
  auto count = [&](const char* name, const char* signal) {
    return metrics_.counter(name, "", {{"signal", signal}}).value();
  };
  EXPECT_EQ(count("heeler_intake_records_total", "logs"), 2u);
  EXPECT_EQ(count("heeler_intake_records_total", "spans"), 1u);
  EXPECT_EQ(count("heeler_intake_records_total", "metrics"), 2u);
  EXPECT_EQ(count("heeler_intake_records_total", "events"), 1u);
  EXPECT_EQ(count("heeler_intake_truncated_total", "events"), 1u);
  EXPECT_EQ(count("heeler_intake_rejected_total", "logs"), 0u);
}

TEST_F(WriterTest, DurableConsumerAnswersUnavailableWhenTheWalIsClosed) {
  DurableConsumer consumer(*wal_, metrics_);
  wal_->close();
  LogBatch logs;
  logs.append(LogRecord{});
  EXPECT_EQ(consumer.consume_logs(std::move(logs)).code(), core::Code::unavailable);
  EXPECT_EQ(metrics_.counter("heeler_intake_rejected_total", "", {{"signal", "logs"}}).value(), 1u);
}

}  // namespace
}  // namespace heeler::pipeline
