// The parts of the embedded engine that run without libchdb: configuration checks,
// library lookup failures, lifecycle without a start, and its metrics.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>

#include "store/chdb_api.h"
#include "store/embedded_engine.h"

namespace heeler::store {
namespace {

EmbeddedEngineConfig valid_config() {
  EmbeddedEngineConfig c;
  c.data_dir = "/tmp/heeler-unit-never-created";
  return c;
}

TEST(EmbeddedEngineConfig, DefaultsWithADirectoryAreValid) {
  EXPECT_TRUE(valid_config().validate().ok());
}

TEST(EmbeddedEngineConfig, RejectsBadValues) {
  auto c = valid_config();
  c.data_dir.clear();
  EXPECT_EQ(c.validate().code(), core::Code::config_invalid);

  c = valid_config();
  c.interactive_connections = 0;
  auto st = c.validate();
  EXPECT_EQ(st.code(), core::Code::config_invalid);
  EXPECT_NE(st.message().find("interactive_connections"), std::string::npos);

  c = valid_config();
  c.ingest_connections = 65;
  EXPECT_EQ(c.validate().code(), core::Code::config_invalid);

  c = valid_config();
  c.system_log_ttl_days = 0;
  EXPECT_EQ(c.validate().code(), core::Code::config_invalid);

  c = valid_config();
  c.memory_limit_bytes = 1 << 20;
  EXPECT_EQ(c.validate().code(), core::Code::config_invalid);
  c.memory_limit_bytes = uint64_t{1} << 30;
  EXPECT_TRUE(c.validate().ok());
}

TEST(ChdbLibrary, ConfiguredPathIsTheOnlyCandidate) {
  auto c = chdb::library_candidates("/opt/x/libchdb.so");
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0], "/opt/x/libchdb.so");
}

TEST(ChdbLibrary, SearchOrderIsEnvironmentThenBesideTheBinaryThenBuild) {
  const char* previous = ::getenv("HEELER_STORE_CHDB_LIBRARY");
  std::string saved = previous ? previous : "";
  ::setenv("HEELER_STORE_CHDB_LIBRARY", "/from/env/libchdb.so", 1);
  auto with_env = chdb::library_candidates("");
  ::unsetenv("HEELER_STORE_CHDB_LIBRARY");
  auto without_env = chdb::library_candidates("");
  if (previous) ::setenv("HEELER_STORE_CHDB_LIBRARY", saved.c_str(), 1);

  ASSERT_GE(with_env.size(), 2u);
  EXPECT_EQ(with_env[0], "/from/env/libchdb.so");
  auto exe = std::filesystem::read_symlink("/proc/self/exe");
  EXPECT_EQ(with_env[1], (exe.parent_path() / "libchdb.so").string());
  ASSERT_FALSE(without_env.empty());
  EXPECT_EQ(without_env.front(), with_env[1]);
  EXPECT_EQ(without_env.size() + 1, with_env.size());
}

TEST(ChdbLibrary, MissingFileSaysWhereItLookedAndWhatToDo) {
  auto api = chdb::load_api("/nonexistent/dir/libchdb.so");
  ASSERT_FALSE(api.ok());
  EXPECT_EQ(api.status().code(), core::Code::io_error);
  EXPECT_EQ(api.status().message(),
            "libchdb not found at /nonexistent/dir/libchdb.so; run scripts/setup.sh or set "
            "store.chdb_library");
}

TEST(ChdbLibrary, AFileThatIsNotALibraryIsAnIoError) {
  auto path = std::filesystem::temp_directory_path() / "heeler-not-a-library.so";
  std::ofstream(path) << "not an ELF file\n";
  auto api = chdb::load_api(path.string());
  std::filesystem::remove(path);
  ASSERT_FALSE(api.ok());
  EXPECT_EQ(api.status().code(), core::Code::io_error);
  EXPECT_NE(api.status().message().find("cannot load libchdb"), std::string::npos);
}

TEST(EmbeddedEngine, StartFailsCleanlyWithoutTheLibrary) {
  core::Metrics metrics;
  auto c = valid_config();
  c.library_path = "/nonexistent/libchdb.so";
  auto engine = make_embedded_engine(c, metrics);
  auto st = engine->start();
  EXPECT_EQ(st.code(), core::Code::io_error);
  EXPECT_NE(st.message().find("libchdb not found"), std::string::npos);
  EXPECT_EQ(engine->query("SELECT 1").status().code(), core::Code::unavailable);
  EXPECT_EQ(engine->execute("SELECT 1").code(), core::Code::unavailable);
  EXPECT_EQ(engine->ping().code(), core::Code::unavailable);
  EXPECT_EQ(engine->version(), "");
  engine->stop();
  engine->stop();
}

TEST(EmbeddedEngine, InvalidConfigFailsStart) {
  core::Metrics metrics;
  EmbeddedEngineConfig c;
  auto engine = make_embedded_engine(c, metrics);
  EXPECT_EQ(engine->start().code(), core::Code::config_invalid);
}

TEST(EmbeddedEngine, StopWithoutStartIsSafe) {
  core::Metrics metrics;
  auto engine = make_embedded_engine(valid_config(), metrics);
  engine->stop();
  engine->stop();
  EXPECT_EQ(engine->stats().queries, 0u);
}

TEST(EmbeddedEngine, RegistersItsMetricsPerLane) {
  core::Metrics metrics;
  auto engine = make_embedded_engine(valid_config(), metrics);
  std::string text = metrics.render_prometheus();
  for (const char* lane : {"ingest", "interactive", "background"}) {
    EXPECT_NE(text.find(std::string("heeler_store_queries_total{lane=\"") + lane + "\"} 0"),
              std::string::npos)
        << lane;
    EXPECT_NE(text.find(std::string("heeler_store_query_errors_total{lane=\"") + lane + "\"} 0"),
              std::string::npos);
    EXPECT_NE(text.find(std::string("heeler_store_query_duration_seconds_count{lane=\"") + lane +
                        "\"} 0"),
              std::string::npos);
  }
  EXPECT_NE(text.find("heeler_store_inserted_rows_total 0"), std::string::npos);
  EXPECT_NE(text.find("heeler_store_inserted_bytes_total 0"), std::string::npos);
}

TEST(EmbeddedEngine, InsertChecksNamesBeforeTouchingTheEngine) {
  core::Metrics metrics;
  auto engine = make_embedded_engine(valid_config(), metrics);
  ColumnBatch batch;
  batch.add<FixedColumn<uint8_t>>("ok").append(1);
  EXPECT_EQ(engine->insert("bad-name", batch).code(), core::Code::invalid_argument);
  EXPECT_EQ(engine->insert("logs`; DROP", batch).code(), core::Code::invalid_argument);
  ColumnBatch bad_column;
  bad_column.add<FixedColumn<uint8_t>>("a b").append(1);
  EXPECT_EQ(engine->insert("t", bad_column).code(), core::Code::invalid_argument);
  InsertOptions options;
  options.deduplication_token = "x' OR '1";
  EXPECT_EQ(engine->insert("t", batch, options).code(), core::Code::invalid_argument);
}

}  // namespace
}  // namespace heeler::store
