#include "pipeline/wal.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace heeler::pipeline {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using store::ColumnBatch;
using store::StringColumn;

ColumnBatch marker_batch(const std::string& marker, size_t padding = 0) {
  ColumnBatch b;
  b.add<StringColumn>("marker").append(marker);
  b.add<StringColumn>("padding").append(std::string(padding, 'p'));
  return b;
}

std::string marker_of(const WalRecord& r) {
  return std::string(std::get<StringColumn>(r.batch.columns()[0].data).at(0));
}

class WalTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (fs::temp_directory_path() / "heeler-wal-XXXXXX").string();
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override {
    wal_.reset();
    fs::remove_all(dir_);
  }

  WalConfig config() const {
    WalConfig c;
    c.dir = dir_ / "wal";
    c.segment_bytes = 1 << 20;
    c.max_pending_bytes = 64 << 20;
    c.group_commit_window = 1ms;
    return c;
  }

  WriteAheadLog& open(WalConfig c) {
    wal_.reset();
    auto w = WriteAheadLog::open(std::move(c), metrics_);
    EXPECT_TRUE(w.ok()) << w.status().to_string();
    wal_ = std::move(*w);
    return *wal_;
  }
  WriteAheadLog& open() { return open(config()); }

  uint64_t counter(const std::string& name) { return metrics_.counter(name, "").value(); }

  std::vector<std::string> segment_files() const {
    std::vector<std::string> out;
    for (const auto& e : fs::directory_iterator(dir_ / "wal"))
      if (e.path().extension() == ".wal") out.push_back(e.path().filename().string());
    std::sort(out.begin(), out.end());
    return out;
  }

  std::vector<WalRecord> read_all(uint64_t after = 0) {
    auto r = wal_->read(after, 1000000, UINT64_MAX, 0ms);
    EXPECT_TRUE(r.ok()) << r.status().to_string();
    return r.ok() ? std::move(*r) : std::vector<WalRecord>{};
  }

  fs::path dir_;
  core::Metrics metrics_;
  std::unique_ptr<WriteAheadLog> wal_;
};

TEST_F(WalTest, AppendReadAndCheckpoint) {
  auto& wal = open();
  EXPECT_EQ(wal.last_sequence(), 0u);
  for (int i = 1; i <= 3; ++i) {
    auto seq = wal.append(i == 2 ? "spans" : "logs", marker_batch("m" + std::to_string(i)));
    ASSERT_TRUE(seq.ok()) << seq.status().to_string();
    EXPECT_EQ(*seq, static_cast<uint64_t>(i));
  }
  EXPECT_EQ(wal.last_sequence(), 3u);
  auto all = read_all();
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0].sequence, 1u);
  EXPECT_EQ(all[1].table, "spans");
  EXPECT_EQ(all[2].table, "logs");
  EXPECT_EQ(marker_of(all[2]), "m3");
  EXPECT_EQ(all[2].batch.columns()[1].name, "padding");

  auto tail = read_all(2);
  ASSERT_EQ(tail.size(), 1u);
  EXPECT_EQ(tail[0].sequence, 3u);

  uint64_t before = wal.pending_bytes();
  EXPECT_GT(before, 0u);
  ASSERT_TRUE(wal.checkpoint(2).ok());
  EXPECT_EQ(wal.checkpointed(), 2u);
  EXPECT_LT(wal.pending_bytes(), before);
  EXPECT_GT(wal.pending_bytes(), 0u);
  ASSERT_TRUE(wal.checkpoint(3).ok());
  EXPECT_EQ(wal.pending_bytes(), 0u);
  EXPECT_EQ(metrics_.gauge("heeler_wal_pending_bytes", "").value(), 0.0);
  EXPECT_EQ(counter("heeler_wal_appended_records_total"), 3u);
  EXPECT_EQ(wal.checkpoint(4).code(), core::Code::invalid_argument);
}

TEST_F(WalTest, ReadHonoursLimitsAndReturnsAtLeastOne) {
  auto& wal = open();
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(wal.append("logs", marker_batch(std::to_string(i))).ok());
  auto two = wal.read(0, 2, UINT64_MAX, 0ms);
  ASSERT_TRUE(two.ok());
  ASSERT_EQ(two->size(), 2u);
  auto next = wal.read(2, 10, 1, 0ms);
  ASSERT_TRUE(next.ok());
  ASSERT_EQ(next->size(), 1u);
  EXPECT_EQ((*next)[0].sequence, 3u);
  auto rest = wal.read(3, 10, UINT64_MAX, 0ms);
  ASSERT_TRUE(rest.ok());
  ASSERT_EQ(rest->size(), 2u);
  EXPECT_EQ(marker_of((*rest)[1]), "4");
  auto none = wal.read(5, 10, UINT64_MAX, 10ms);
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
}

TEST_F(WalTest, ReadWaitsForAnAppend) {
  auto& wal = open();
  std::thread appender([&] {
    std::this_thread::sleep_for(20ms);
    ASSERT_TRUE(wal.append("logs", marker_batch("late")).ok());
  });
  auto got = wal.read(0, 10, UINT64_MAX, 30s);
  appender.join();
  ASSERT_TRUE(got.ok());
  ASSERT_EQ(got->size(), 1u);
  EXPECT_EQ(marker_of((*got)[0]), "late");
}

TEST_F(WalTest, SegmentsRollAndGoOnceCheckpointed) {
  WalConfig c = config();
  c.segment_bytes = 4096;
  auto& wal = open(c);
  for (int i = 1; i <= 20; ++i)
    ASSERT_TRUE(wal.append("logs", marker_batch(std::to_string(i), 1000)).ok());
  auto files = segment_files();
  ASSERT_GE(files.size(), 5u);
  EXPECT_EQ(files[0], "00000000000000000001.wal");
  for (const auto& f : files) EXPECT_LE(fs::file_size(dir_ / "wal" / f), 4096u + 1200u);
  ASSERT_EQ(read_all().size(), 20u);

  ASSERT_TRUE(wal.checkpoint(15).ok());
  auto left = segment_files();
  EXPECT_LT(left.size(), files.size());
  uint64_t first_left = std::stoull(left.front().substr(0, 20));
  EXPECT_LE(first_left, 16u);
  EXPECT_GT(first_left, 1u);
  auto rest = read_all(15);
  ASSERT_EQ(rest.size(), 5u);
  EXPECT_EQ(rest[0].sequence, 16u);
  EXPECT_EQ(marker_of(rest[4]), "20");

  ASSERT_TRUE(wal.checkpoint(20).ok());
  EXPECT_EQ(segment_files().size(), 1u);  // the segment being written stays
}

TEST_F(WalTest, RestartContinuesSequencesAndKeepsTheCheckpoint) {
  {
    auto& wal = open();
    for (int i = 0; i < 5; ++i)
      ASSERT_TRUE(wal.append("logs", marker_batch(std::to_string(i))).ok());
    ASSERT_TRUE(wal.checkpoint(2).ok());
    ASSERT_TRUE(wal.set_pending_group(3, 4).ok());
    wal.close();
  }
  auto& wal = open();
  EXPECT_EQ(wal.last_sequence(), 5u);
  EXPECT_EQ(wal.checkpointed(), 2u);
  EXPECT_EQ(wal.pending_group(), (std::pair<uint64_t, uint64_t>{3, 4}));
  EXPECT_EQ(counter("heeler_wal_recovered_records_total"), 3u);
  auto recovered = read_all(2);
  ASSERT_EQ(recovered.size(), 3u);
  EXPECT_EQ(marker_of(recovered[0]), "2");
  auto seq = wal.append("logs", marker_batch("after restart"));
  ASSERT_TRUE(seq.ok());
  EXPECT_EQ(*seq, 6u);
  ASSERT_TRUE(wal.checkpoint(6).ok());
  EXPECT_EQ(wal.pending_group(), (std::pair<uint64_t, uint64_t>{0, 0}));

  // Everything drained: the segments go at the next start, the numbering does not restart.
  auto& again = open();
  EXPECT_TRUE(segment_files().empty());
  EXPECT_EQ(again.last_sequence(), 6u);
  auto next = again.append("logs", marker_batch("x"));
  ASSERT_TRUE(next.ok());
  EXPECT_EQ(*next, 7u);
  EXPECT_EQ(segment_files().back(), "00000000000000000007.wal");
}

TEST_F(WalTest, TornTailIsCutAndTheValidPrefixKept) {
  {
    auto& wal = open();
    for (int i = 1; i <= 3; ++i)
      ASSERT_TRUE(wal.append("logs", marker_batch(std::to_string(i), 50)).ok());
    wal.close();
  }
  fs::path seg = dir_ / "wal" / segment_files().back();
  auto size = fs::file_size(seg);
  fs::resize_file(seg, size - 7);  // the last record loses its end
  auto& wal = open();
  EXPECT_EQ(wal.last_sequence(), 2u);
  EXPECT_GT(counter("heeler_wal_truncated_bytes_total"), 0u);
  auto all = read_all();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(marker_of(all[1]), "2");
  auto seq = wal.append("logs", marker_batch("3 again"));
  ASSERT_TRUE(seq.ok());
  EXPECT_EQ(*seq, 3u);
  auto after = read_all(2);
  ASSERT_EQ(after.size(), 1u);
  EXPECT_EQ(marker_of(after[0]), "3 again");
}

TEST_F(WalTest, GarbageAfterTheLastRecordIsCut) {
  {
    auto& wal = open();
    ASSERT_TRUE(wal.append("logs", marker_batch("only")).ok());
    wal.close();
  }
  fs::path seg = dir_ / "wal" / segment_files().back();
  auto size = fs::file_size(seg);
  {
    std::ofstream out(seg, std::ios::app | std::ios::binary);
    out << std::string(100, '\x5a');
  }
  auto& wal = open();
  EXPECT_EQ(wal.last_sequence(), 1u);
  EXPECT_EQ(counter("heeler_wal_truncated_bytes_total"), 100u);
  EXPECT_EQ(fs::file_size(seg), size);
}

TEST_F(WalTest, CorruptRecordInAnOlderSegmentSkipsOnlyThatSegmentsRest) {
  WalConfig c = config();
  c.segment_bytes = 4096;
  {
    auto& wal = open(c);
    for (int i = 1; i <= 12; ++i)
      ASSERT_TRUE(wal.append("logs", marker_batch(std::to_string(i), 1000)).ok());
    wal.close();
  }
  auto files = segment_files();
  ASSERT_GE(files.size(), 3u);
  fs::path first = dir_ / "wal" / files[0];
  // Damage the second record of the first segment (records are the same size).
  uint64_t per_segment = std::stoull(files[1].substr(0, 20)) - 1;
  ASSERT_GE(per_segment, 2u);
  uint64_t record_size = fs::file_size(first) / per_segment;
  {
    std::fstream f(first, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(static_cast<std::streamoff>(record_size + 100));
    f.put('!');
  }
  auto& wal = open(c);
  EXPECT_EQ(wal.last_sequence(), 12u);
  EXPECT_GT(counter("heeler_wal_truncated_bytes_total"), 0u);
  auto all = read_all();
  ASSERT_EQ(all.size(), 12u - (per_segment - 1));
  EXPECT_EQ(all[0].sequence, 1u);
  EXPECT_EQ(all[1].sequence, per_segment + 1);
  EXPECT_EQ(all.back().sequence, 12u);
}

TEST_F(WalTest, ConcurrentAppendersShareFsyncs) {
  WalConfig c = config();
  c.group_commit_window = 2ms;
  auto& wal = open(c);
  constexpr int kThreads = 8, kEach = 50;
  std::vector<std::thread> threads;
  std::vector<std::vector<uint64_t>> seqs(kThreads);
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        auto seq = wal.append("logs", marker_batch(std::to_string(t) + "/" + std::to_string(i)));
        ASSERT_TRUE(seq.ok());
        seqs[t].push_back(*seq);
      }
    });
  for (auto& t : threads) t.join();
  std::set<uint64_t> all_seqs;
  for (const auto& v : seqs) {
    EXPECT_TRUE(std::is_sorted(v.begin(), v.end()));
    all_seqs.insert(v.begin(), v.end());
  }
  EXPECT_EQ(all_seqs.size(), static_cast<size_t>(kThreads * kEach));
  EXPECT_EQ(*all_seqs.rbegin(), static_cast<uint64_t>(kThreads * kEach));
  auto records = read_all();
  ASSERT_EQ(records.size(), static_cast<size_t>(kThreads * kEach));
  std::set<std::string> markers;
  for (size_t i = 0; i < records.size(); ++i) {
    EXPECT_EQ(records[i].sequence, i + 1);
    markers.insert(marker_of(records[i]));
  }
  EXPECT_EQ(markers.size(), static_cast<size_t>(kThreads * kEach));
  uint64_t fsyncs = counter("heeler_wal_fsyncs_total");
  EXPECT_GT(fsyncs, 0u);
  EXPECT_LT(fsyncs, static_cast<uint64_t>(kThreads * kEach) / 3) << "appends did not share fsyncs";
}

TEST_F(WalTest, AppendAllIsOneDurableGroup) {
  auto& wal = open();
  ColumnBatch a = marker_batch("points"), b = marker_batch("series");
  std::pair<std::string_view, const ColumnBatch*> records[] = {{"metric_points", &a},
                                                               {"metric_series", &b}};
  auto last = wal.append_all(records);
  ASSERT_TRUE(last.ok());
  EXPECT_EQ(*last, 2u);
  EXPECT_EQ(counter("heeler_wal_fsyncs_total"), 1u);
  auto all = read_all();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].table, "metric_points");
  EXPECT_EQ(all[1].table, "metric_series");
  EXPECT_EQ(marker_of(all[1]), "series");
}

TEST_F(WalTest, FullLogAnswersUnavailableUntilDrained) {
  WalConfig c = config();
  c.segment_bytes = 4096;
  c.max_pending_bytes = 4096;
  auto& wal = open(c);
  ASSERT_TRUE(wal.append("logs", marker_batch("a", 3000)).ok());
  auto refused = wal.append("logs", marker_batch("b", 3000));
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), core::Code::unavailable);
  EXPECT_NE(refused.status().message().find("write-ahead log is full"), std::string::npos);
  EXPECT_EQ(counter("heeler_wal_rejected_total"), 1u);
  EXPECT_EQ(wal.last_sequence(), 1u);
  ASSERT_TRUE(wal.checkpoint(1).ok());
  auto accepted = wal.append("logs", marker_batch("b", 3000));
  ASSERT_TRUE(accepted.ok());
  EXPECT_EQ(*accepted, 2u);
}

TEST_F(WalTest, CloseWakesABlockedReaderAndRefusesAppends) {
  auto& wal = open();
  std::atomic<bool> returned{false};
  auto started = std::chrono::steady_clock::now();
  std::thread reader([&] {
    auto r = wal.read(0, 10, UINT64_MAX, 60s);
    EXPECT_TRUE(r.ok());
    EXPECT_TRUE(r->empty());
    returned = true;
  });
  std::this_thread::sleep_for(20ms);
  EXPECT_FALSE(returned.load());
  wal.close();
  reader.join();
  EXPECT_LT(std::chrono::steady_clock::now() - started, 30s);
  auto refused = wal.append("logs", marker_batch("late"));
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), core::Code::unavailable);
  wal.close();  // twice is fine
}

TEST_F(WalTest, ConfigIsValidated) {
  WalConfig c;
  EXPECT_EQ(c.validate().code(), core::Code::config_invalid);
  c = config();
  c.segment_bytes = 10;
  EXPECT_EQ(c.validate().code(), core::Code::config_invalid);
  c = config();
  c.max_pending_bytes = c.segment_bytes - 1;
  EXPECT_EQ(c.validate().code(), core::Code::config_invalid);
  auto refused = WriteAheadLog::open(c, metrics_);
  EXPECT_FALSE(refused.ok());
  EXPECT_TRUE(config().validate().ok());
}

TEST_F(WalTest, OpenFailsOnAnUnwritableDirectory) {
  fs::path file = dir_ / "plain-file";
  std::ofstream(file) << "x";
  WalConfig c = config();
  c.dir = file / "wal";
  auto refused = WriteAheadLog::open(c, metrics_);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), core::Code::io_error);
}

}  // namespace
}  // namespace heeler::pipeline
