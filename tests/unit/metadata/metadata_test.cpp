#include "store/metadata.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <thread>

namespace heeler::store {
namespace {

class MetadataTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("heeler-meta-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::filesystem::path dir_;
};

TEST_F(MetadataTest, OpensInWalModeAndMigratesOnce) {
  auto store = MetadataStore::open(dir_ / "meta.db");
  ASSERT_TRUE(store.ok()) << store.status().to_string();
  EXPECT_EQ((*store)->journal_mode(), "wal");
  auto applied = (*store)->migrate(metadata_migrations());
  ASSERT_TRUE(applied.ok()) << applied.status().to_string();
  EXPECT_EQ(*applied, static_cast<int>(metadata_migrations().size()));
  auto again = (*store)->migrate(metadata_migrations());
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, 0);
  EXPECT_EQ(*(*store)->schema_version(), metadata_migrations().back().version);
  auto id = (*store)->setting("installation_id");
  ASSERT_TRUE(id.ok());
  EXPECT_EQ(id->size(), 32u);
}

TEST_F(MetadataTest, DataAndInstallationIdSurviveReopen) {
  std::string id;
  {
    auto store = MetadataStore::open(dir_ / "meta.db");
    ASSERT_TRUE(store.ok());
    ASSERT_TRUE((*store)->migrate(metadata_migrations()).ok());
    id = *(*store)->setting("installation_id");
    ASSERT_TRUE((*store)
                    ->exec("INSERT INTO settings(key, value) VALUES (?1, ?2)",
                           {std::string("k"), std::string("it's \"v\"")})
                    .ok());
  }
  auto store = MetadataStore::open(dir_ / "meta.db");
  ASSERT_TRUE(store.ok());
  EXPECT_EQ(*(*store)->migrate(metadata_migrations()), 0);
  EXPECT_EQ(*(*store)->setting("installation_id"), id);
  EXPECT_EQ(*(*store)->setting("k"), "it's \"v\"");
}

TEST_F(MetadataTest, LaterMigrationsApplyInOrderAndFailuresRollBack) {
  auto store = MetadataStore::open(dir_ / "meta.db");
  ASSERT_TRUE(store.ok());
  std::vector<MetaMigration> ms = {{1, "a", "CREATE TABLE a(x INTEGER)"},
                                   {2, "b", "CREATE TABLE b(y INTEGER); INSERT INTO b VALUES (7)"}};
  EXPECT_EQ(*(*store)->migrate(ms), 2);
  ms.push_back({3, "broken", "CREATE TABLE c(z INTEGER); INSERT INTO nowhere VALUES (1)"});
  auto failed = (*store)->migrate(ms);
  ASSERT_FALSE(failed.ok());
  EXPECT_NE(failed.status().message().find("migration 3 (broken)"), std::string::npos)
      << failed.status().message();
  EXPECT_EQ(*(*store)->schema_version(), 2);
  // The failed migration's table was rolled back with it.
  auto tables = (*store)->query("SELECT count(*) FROM sqlite_master WHERE name = 'c'");
  ASSERT_TRUE(tables.ok());
  EXPECT_EQ(std::get<int64_t>(tables->front().front()), 0);
}

TEST_F(MetadataTest, ParametersAreNeverSql) {
  auto store = MetadataStore::open(dir_ / "meta.db");
  ASSERT_TRUE(store.ok());
  ASSERT_TRUE((*store)->exec("CREATE TABLE t(v TEXT, n INTEGER, d REAL)").ok());
  std::string hostile = "'); DROP TABLE t; --\0x";
  hostile.push_back('\0');
  hostile += "tail";
  ASSERT_TRUE(
      (*store)
          ->exec("INSERT INTO t VALUES (?1, ?2, ?3)", {hostile, int64_t{-9007199254740993}, 0.25})
          .ok());
  auto rows = (*store)->query("SELECT v, n, d FROM t");
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ(std::get<std::string>((*rows)[0][0]), hostile);
  EXPECT_EQ(std::get<int64_t>((*rows)[0][1]), -9007199254740993);
  EXPECT_EQ(std::get<double>((*rows)[0][2]), 0.25);
}

TEST_F(MetadataTest, TransactionRollsBackOnError) {
  auto store = MetadataStore::open(dir_ / "meta.db");
  ASSERT_TRUE(store.ok());
  auto& s = **store;
  ASSERT_TRUE(s.exec("CREATE TABLE t(v INTEGER)").ok());
  core::Status st = s.transaction([&]() -> core::Status {
    if (auto r = s.exec("INSERT INTO t VALUES (1)"); !r) return r.status();
    return core::error(core::Code::invalid_argument, "changed my mind");
  });
  EXPECT_EQ(st.code(), core::Code::invalid_argument);
  EXPECT_EQ(std::get<int64_t>(s.query("SELECT count(*) FROM t")->front().front()), 0);
}

TEST_F(MetadataTest, ConcurrentWritersDoNotLoseRows) {
  auto store = MetadataStore::open(dir_ / "meta.db");
  ASSERT_TRUE(store.ok());
  auto& s = **store;
  ASSERT_TRUE(s.exec("CREATE TABLE t(v INTEGER)").ok());
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < 50; ++i)
        ASSERT_TRUE(s.exec("INSERT INTO t VALUES (?1)", {int64_t{t}}).ok());
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(std::get<int64_t>(s.query("SELECT count(*) FROM t")->front().front()), 200);
}

TEST_F(MetadataTest, UnopenablePathIsAClearError) {
  auto store = MetadataStore::open(dir_ / "missing-dir" / "meta.db");
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), core::Code::io_error);
  EXPECT_NE(store.status().message().find("missing-dir"), std::string::npos);
}

}  // namespace
}  // namespace heeler::store
