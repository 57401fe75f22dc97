// Tests against the real embedded ClickHouse (libchdb). Each test opens a fresh data
// directory and stops its engine before the next one starts: libchdb serves one data
// directory per process at a time. Never built under ASan.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "core/metrics.h"
#include "store/embedded_engine.h"
#include "store/schema.h"

extern char** environ;

namespace heeler::store {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

fs::path make_temp_dir() {
  std::string pattern = (fs::temp_directory_path() / "heeler-engine-test-XXXXXX").string();
  char* made = ::mkdtemp(pattern.data());
  if (made == nullptr) throw std::runtime_error("mkdtemp failed");
  return made;
}

class EngineTest : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = make_temp_dir(); }

  void TearDown() override {
    for (auto& e : engines_) e->stop();
    engines_.clear();
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  EmbeddedEngineConfig config() const {
    EmbeddedEngineConfig c;
    c.data_dir = dir_;
    return c;
  }

  Engine& make(EmbeddedEngineConfig c) {
    engines_.push_back(make_embedded_engine(std::move(c), metrics_));
    return *engines_.back();
  }

  Engine& started(EmbeddedEngineConfig c) {
    Engine& e = make(std::move(c));
    core::Status st = e.start();
    EXPECT_TRUE(st.ok()) << st.to_string();
    return e;
  }
  Engine& started() { return started(config()); }

  static uint64_t count(Engine& e, const std::string& sql) {
    auto r = e.query(sql);
    EXPECT_TRUE(r.ok()) << r.status().to_string();
    if (!r.ok() || r->row_count() != 1) return UINT64_MAX;
    return r->at(0, 0).as_uint64();
  }

  fs::path dir_;
  core::Metrics metrics_;
  std::vector<std::unique_ptr<Engine>> engines_;
};

// An hour ago, in whole milliseconds: inside the tables' 30-day TTL (older rows would
// be dropped by the first merge).
int64_t recent_ns() {
  auto now = std::chrono::system_clock::now() - std::chrono::hours(1);
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch());
  return static_cast<int64_t>(ms.count()) * 1000000;
}

// A log-shaped batch for the `logs` table of migration 1.
ColumnBatch log_batch(size_t rows, int64_t base_ns = recent_ns()) {
  ColumnBatch b;
  auto& ts = b.add<TimestampColumn>("timestamp");
  auto& observed = b.add<TimestampColumn>("observed_timestamp");
  auto& service = b.add<StringColumn>("service");
  auto& env = b.add<StringColumn>("env");
  auto& host = b.add<StringColumn>("host");
  auto& status = b.add<StringColumn>("status");
  auto& severity = b.add<FixedColumn<uint8_t>>("severity_number");
  auto& message = b.add<StringColumn>("message");
  auto& trace = b.add<FixedBytesColumn>("trace_id", FixedBytesColumn(16));
  auto& span = b.add<FixedBytesColumn>("span_id", FixedBytesColumn(8));
  auto& attributes = b.add<MapColumn>("attributes");
  const char* services[] = {"web", "api", "db", "cache", "worker"};
  const char* statuses[] = {"info", "warn", "error"};
  for (size_t i = 0; i < rows; ++i) {
    ts.append(base_ns + static_cast<int64_t>(i) * 1000000);
    observed.append(base_ns + static_cast<int64_t>(i) * 1000000 + 5);
    service.append(services[i % 5]);
    env.append("prod");
    host.append("host-" + std::to_string(i % 17));
    status.append(statuses[i % 3]);
    severity.append(static_cast<uint8_t>(9 + (i % 3) * 4));
    message.append("request " + std::to_string(i) + " handled in " + std::to_string(i % 997) +
                   " ms");
    char id[16];
    for (int k = 0; k < 16; ++k) id[k] = static_cast<char>((i >> (k % 8)) + k);
    trace.append(std::string_view(id, 16));
    span.append(std::string_view(id, 8));
    attributes.add("http.method", i % 2 ? "GET" : "POST");
    attributes.add("row", std::to_string(i));
    if (i % 10 == 0) attributes.add("user.id", "u" + std::to_string(i));
    attributes.end_row();
  }
  return b;
}

TEST_F(EngineTest, StartStopTwiceAndStopWithoutStart) {
  Engine& never = make(config());
  never.stop();
  never.stop();

  Engine& e = started();
  EXPECT_TRUE(e.ping().ok());
  EXPECT_TRUE(e.version().starts_with("26.")) << e.version();
  e.stop();
  e.stop();
  EXPECT_EQ(e.ping().code(), core::Code::unavailable);
  EXPECT_EQ(e.start().code(), core::Code::internal);  // a stopped engine stays stopped
}

TEST_F(EngineTest, StartWritesTheEngineConfiguration) {
  started();
  std::ifstream in(dir_ / "clickhouse" / "heeler-engine.xml");
  std::string xml((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_NE(xml.find("<trace_log>"), std::string::npos);
  EXPECT_NE(xml.find("<ttl>event_date + INTERVAL 3 DAY DELETE</ttl>"), std::string::npos);
}

TEST_F(EngineTest, TypedResults) {
  Engine& e = started();
  auto r = e.query(
      "SELECT toUInt8(200) AS u8, toInt16(-300) AS i16, toUInt64(18446744073709551615) AS u64, "
      "toFloat32(1.5) AS f32, toFloat64(0.1) AS f64, 'h\\xC3\\xA9llo' AS s, "
      "toFixedString('ab', 4) AS fs, toDate('2024-01-02') AS d, "
      "toDateTime('2024-01-02 03:04:05', 'UTC') AS dt, "
      "toDateTime64('2024-01-02 03:04:05.123456789', 9, 'UTC') AS dt64, "
      "toUUID('01234567-89ab-cdef-0123-456789abcdef') AS uuid, [1, 2, 3] AS arr, "
      "map('a', 1, 'b', 2) AS m, (1, 'x') AS tup, CAST(NULL AS Nullable(String)) AS n, "
      "toLowCardinality('lc') AS lc, CAST('b' AS Enum8('a' = 1, 'b' = 2)) AS e, "
      "toIPv4('10.0.0.1') AS ip, toDecimal64(3.25, 2) AS dec, "
      "toInt128('-170141183460469231731687303715884105728') AS i128, true AS b, "
      "[NULL, 'x'] AS na, map('k', [1, NULL]) AS mn, toDate32('1900-01-01') AS d32");
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  ASSERT_EQ(r->row_count(), 1u);
  auto v = [&](const char* name) -> const Value& {
    int i = r->column_index(name);
    EXPECT_GE(i, 0) << name;
    return r->at(0, static_cast<size_t>(i));
  };
  EXPECT_EQ(r->columns()[r->column_index("dt64")].type, "DateTime64(9, 'UTC')");
  EXPECT_EQ(std::get<uint64_t>(v("u8").v), 200u);
  EXPECT_EQ(std::get<int64_t>(v("i16").v), -300);
  EXPECT_EQ(std::get<uint64_t>(v("u64").v), UINT64_MAX);
  EXPECT_EQ(std::get<double>(v("f32").v), 1.5);
  EXPECT_EQ(std::get<double>(v("f64").v), 0.1);
  EXPECT_EQ(v("s").as_string(), "h\xc3\xa9llo");
  EXPECT_EQ(v("fs").as_string(), std::string("ab\0\0", 4));
  EXPECT_EQ(v("d").as_int64(), 19724);
  EXPECT_EQ(v("dt").as_int64(), 1704164645);
  EXPECT_EQ(v("dt64").as_int64(), 1704164645123456789);
  EXPECT_EQ(v("uuid").as_string(), "01234567-89ab-cdef-0123-456789abcdef");
  ASSERT_EQ(std::get<Array>(v("arr").v).size(), 3u);
  EXPECT_EQ(std::get<Array>(v("arr").v)[2].as_uint64(), 3u);
  const auto& m = std::get<MapEntries>(v("m").v);
  ASSERT_EQ(m.size(), 2u);
  EXPECT_EQ(m[1].first.as_string(), "b");
  EXPECT_EQ(m[1].second.as_uint64(), 2u);
  EXPECT_EQ(std::get<Array>(v("tup").v)[1].as_string(), "x");
  EXPECT_TRUE(v("n").is_null());
  EXPECT_EQ(v("lc").as_string(), "lc");
  EXPECT_EQ(v("e").as_string(), "b");
  EXPECT_EQ(v("ip").as_string(), "10.0.0.1");
  EXPECT_DOUBLE_EQ(v("dec").as_double(), 3.25);
  EXPECT_EQ(v("i128").as_string(), "-170141183460469231731687303715884105728");
  EXPECT_EQ(std::get<bool>(v("b").v), true);
  const auto& na = std::get<Array>(v("na").v);
  ASSERT_EQ(na.size(), 2u);
  EXPECT_TRUE(na[0].is_null());
  EXPECT_EQ(na[1].as_string(), "x");
  const auto& mn = std::get<MapEntries>(v("mn").v);
  ASSERT_EQ(mn.size(), 1u);
  EXPECT_TRUE(std::get<Array>(mn[0].second.v)[1].is_null());
  EXPECT_EQ(v("d32").as_int64(), -25567);
}

TEST_F(EngineTest, ResultStatistics) {
  Engine& e = started();
  ASSERT_TRUE(e.execute("CREATE TABLE n (x UInt64) ENGINE = MergeTree ORDER BY x").ok());
  ASSERT_TRUE(e.execute("INSERT INTO n SELECT number FROM numbers(100000)").ok());
  auto r = e.query("SELECT sum(x) FROM n");
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_EQ(r->at(0, 0).as_uint64(), 4999950000u);
  EXPECT_EQ(r->rows_read, 100000u);
  EXPECT_EQ(r->bytes_read, 800000u);
  EXPECT_GE(r->elapsed_seconds, 0.0);
  EXPECT_LT(r->elapsed_seconds, 10.0);
}

TEST_F(EngineTest, HostileParameterValuesRoundTripExactly) {
  Engine& e = started();
  std::vector<std::string> values = {
      "plain",
      "it's \"quoted\"",
      "back\\slash \\N \\' \\\\",
      "') OR 1=1 --",
      "'; DROP TABLE x; --",
      "line1\nline2\r\nline3",
      "tab\there",
      std::string("nul\0in the middle\0", 19),
      "unicode: h\xc3\xa9llo \xe2\x9c\x93 \xf0\x9f\x90\x84",
      "{s:String} {{braces}}",
      "",
  };
  std::string big(1 << 20, 'x');
  for (size_t i = 0; i < big.size(); i += 97) big[i] = "\\\n\t'\0\""[i % 6];
  values.push_back(big);
  for (const auto& value : values) {
    for (const char* type : {"String", "Nullable(String)", "LowCardinality(String)"}) {
      auto r = e.query(std::string("SELECT {s:") + type + "} AS v, length(v) AS n",
                       Params().add("s", value));
      ASSERT_TRUE(r.ok()) << type << ": " << r.status().to_string();
      ASSERT_EQ(r->row_count(), 1u);
      EXPECT_EQ(r->at(0, 0).as_string(), value) << type << " value of " << value.size();
      EXPECT_EQ(r->at(0, 1).as_uint64(), value.size());
    }
  }
}

TEST_F(EngineTest, CompositeParametersAreLiterals) {
  Engine& e = started();
  auto r = e.query(
      "SELECT {tags:Array(String)} AS t, {m:Map(String, UInt8)} AS m, {n:Int64} AS n, "
      "{x:Float64} AS x",
      Params()
          .add("tags", "['a', 'it\\'s', 'back\\\\slash']")
          .add("m", "{'k': 7}")
          .add("n", int64_t{-9223372036854775807 - 1})
          .add("x", 0.1));
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  const auto& tags = std::get<Array>(r->at(0, 0).v);
  ASSERT_EQ(tags.size(), 3u);
  EXPECT_EQ(tags[1].as_string(), "it's");
  EXPECT_EQ(tags[2].as_string(), "back\\slash");
  EXPECT_EQ(std::get<MapEntries>(r->at(0, 1).v)[0].second.as_uint64(), 7u);
  EXPECT_EQ(r->at(0, 2).as_int64(), INT64_MIN);
  EXPECT_EQ(r->at(0, 3).as_double(), 0.1);
}

TEST_F(EngineTest, InjectionCannotExecute) {
  Engine& e = started();
  ASSERT_TRUE(e.execute("CREATE TABLE users (name String) ENGINE = MergeTree ORDER BY name").ok());
  ASSERT_TRUE(e.execute("INSERT INTO users VALUES ('alice'), ('bob')").ok());
  for (const char* hostile : {"') OR 1=1 --", "' OR '1'='1", "alice'; DROP TABLE users; --",
                              "alice\\' OR 1=1 --", "x'); TRUNCATE TABLE users; SELECT ('"}) {
    auto r = e.query("SELECT count() FROM users WHERE name = {name:String}",
                     Params().add("name", hostile));
    ASSERT_TRUE(r.ok()) << r.status().to_string();
    EXPECT_EQ(r->at(0, 0).as_uint64(), 0u) << hostile;
  }
  EXPECT_EQ(count(e, "SELECT count() FROM users"), 2u);
  auto bad_name = e.query("SELECT {a:String}", Params().add("a}; DROP", "x"));
  EXPECT_EQ(bad_name.status().code(), core::Code::invalid_argument);
  auto missing = e.query("SELECT {a:String}");
  EXPECT_EQ(missing.status().code(), core::Code::engine_error);
}

TEST_F(EngineTest, EngineErrorsCarryTheMessageAndAreCounted) {
  Engine& e = started();
  auto r = e.query("SELEC 1");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), core::Code::engine_error);
  EXPECT_NE(r.status().message().find("Syntax error"), std::string::npos);
  EXPECT_FALSE(r.status().message().ends_with("\n"));
  auto missing = e.execute("INSERT INTO no_such_table VALUES (1)");
  EXPECT_EQ(missing.code(), core::Code::engine_error);
  EXPECT_NE(missing.message().find("no_such_table"), std::string::npos);
  EXPECT_TRUE(e.ping().ok());
  EngineStats s = e.stats();
  EXPECT_GE(s.query_errors, 2u);
  EXPECT_GE(s.queries, s.query_errors + 1);
  std::string text = metrics_.render_prometheus();
  EXPECT_NE(text.find("heeler_store_query_errors_total{lane=\"interactive\"} 1"), std::string::npos)
      << text;
  EXPECT_NE(text.find("heeler_store_query_errors_total{lane=\"background\"} 1"), std::string::npos);
}

TEST_F(EngineTest, MigrationsApplyOnceAndAreRecorded) {
  Engine& e = started();
  auto applied = migrate(e, telemetry_migrations());
  ASSERT_TRUE(applied.ok()) << applied.status().to_string();
  EXPECT_EQ(*applied, static_cast<int>(telemetry_migrations().size()));
  auto recorded =
      e.query("SELECT version, name, applied_at FROM heeler_schema_migrations ORDER BY version");
  ASSERT_TRUE(recorded.ok());
  ASSERT_EQ(recorded->row_count(), telemetry_migrations().size());
  EXPECT_EQ(recorded->at(0, 0).as_uint64(), 1u);
  EXPECT_EQ(recorded->at(0, 1).as_string(), "telemetry tables");
  EXPECT_GT(recorded->at(0, 2).as_int64(), 1700000000000);

  auto tables = e.query(
      "SELECT name, engine FROM system.tables WHERE database = currentDatabase() ORDER BY name");
  ASSERT_TRUE(tables.ok());
  std::vector<std::string> names;
  for (const auto& row : tables->rows()) names.push_back(row[0].as_string());
  EXPECT_EQ(names,
            (std::vector<std::string>{"events", "heeler_schema_migrations", "logs", "metric_points",
                                      "metric_rollup_5m", "metric_rollup_5m_mv", "metric_series",
                                      "rum_events", "spans", "synthetics_results"}));
  EXPECT_EQ(
      count(
          e,
          "SELECT count() FROM system.tables WHERE database = currentDatabase() AND "
          "name IN ('logs', 'spans', 'metric_points', 'metric_series', 'events', 'rum_events') AND "
          "position(engine_full, 'non_replicated_deduplication_window = 1000') > 0 "
          "AND position(engine_full, 'TTL ') > 0"),
      6u);

  auto again = migrate(e, telemetry_migrations());
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, 0);
  EXPECT_EQ(count(e, "SELECT count() FROM heeler_schema_migrations"),
            telemetry_migrations().size());
}

TEST_F(EngineTest, FailingMigrationNamesItselfAndTheStatement) {
  Engine& e = started();
  std::vector<Migration> migrations = {
      {1, "good", {"CREATE TABLE IF NOT EXISTS a (x UInt8) ENGINE = MergeTree ORDER BY x"}},
      {2,
       "broken",
       {"CREATE TABLE IF NOT EXISTS b (x UInt8) ENGINE = MergeTree ORDER BY x",
        "CREATE TABLE c (x NoSuchType) ENGINE = MergeTree ORDER BY x"}},
  };
  auto r = migrate(e, migrations);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), core::Code::engine_error);
  EXPECT_NE(r.status().message().find("schema migration 2 (broken)"), std::string::npos)
      << r.status().message();
  EXPECT_NE(r.status().message().find("statement 2 of 2"), std::string::npos);
  EXPECT_NE(r.status().message().find("NoSuchType"), std::string::npos);
  EXPECT_EQ(count(e, "SELECT count() FROM heeler_schema_migrations"), 1u);

  migrations[1].statements[1] = "CREATE TABLE IF NOT EXISTS c (x UInt8) ENGINE = Memory";
  auto fixed = migrate(e, migrations);
  ASSERT_TRUE(fixed.ok()) << fixed.status().to_string();
  EXPECT_EQ(*fixed, 1);

  std::vector<Migration> unordered = {{2, "b", {}}, {1, "a", {}}};
  EXPECT_EQ(migrate(e, unordered).status().code(), core::Code::invalid_argument);
}

TEST_F(EngineTest, InsertsALogBatchThroughArrow) {
  Engine& e = started();
  ASSERT_TRUE(migrate(e, telemetry_migrations()).ok());
  const int64_t base = recent_ns();
  ColumnBatch batch = log_batch(100000, base);
  ASSERT_TRUE(batch.validate().ok());
  auto start = Clock::now();
  core::Status st = e.insert("logs", batch);
  ASSERT_TRUE(st.ok()) << st.to_string();
  double took = seconds_since(start);
  EXPECT_LT(took, 30.0);
  EXPECT_EQ(count(e, "SELECT count() FROM logs"), 100000u);
  EXPECT_EQ(count(e, "SELECT count() FROM logs WHERE service = 'web'"), 20000u);
  EXPECT_EQ(count(e, "SELECT count() FROM logs WHERE has(mapKeys(attributes), 'user.id')"), 10000u);
  EXPECT_EQ(count(e, "SELECT count() FROM logs WHERE hasToken(message, 'handled')"), 100000u);

  auto row = e.query(
      "SELECT timestamp, observed_timestamp, service, env, host, status, severity_number, message, "
      "trace_id, span_id, attributes, attributes['user.id'], version FROM logs WHERE message = "
      "{m:String}",
      Params().add("m", "request 12340 handled in 376 ms"));
  ASSERT_TRUE(row.ok()) << row.status().to_string();
  ASSERT_EQ(row->row_count(), 1u);
  EXPECT_EQ(row->at(0, 0).as_int64(), base + 12340LL * 1000000);
  EXPECT_EQ(row->at(0, 1).as_int64(), base + 12340LL * 1000000 + 5);
  EXPECT_EQ(row->at(0, 2).as_string(), "web");
  EXPECT_EQ(row->at(0, 3).as_string(), "prod");
  EXPECT_EQ(row->at(0, 4).as_string(), "host-" + std::to_string(12340 % 17));
  EXPECT_EQ(row->at(0, 5).as_string(), "warn");
  EXPECT_EQ(row->at(0, 6).as_uint64(), 13u);
  EXPECT_EQ(row->at(0, 7).as_string(), "request 12340 handled in 376 ms");
  const auto& fixed = std::get<FixedBytesColumn>(batch.columns()[8].data);
  EXPECT_EQ(row->at(0, 8).as_string(), fixed.data.substr(12340 * 16, 16));
  const auto& span = std::get<FixedBytesColumn>(batch.columns()[9].data);
  EXPECT_EQ(row->at(0, 9).as_string(), span.data.substr(12340 * 8, 8));
  const auto& attrs = std::get<MapEntries>(row->at(0, 10).v);
  ASSERT_EQ(attrs.size(), 3u);
  EXPECT_EQ(attrs[0].first.as_string(), "http.method");
  EXPECT_EQ(attrs[0].second.as_string(), "POST");
  EXPECT_EQ(attrs[1].second.as_string(), "12340");
  EXPECT_EQ(row->at(0, 11).as_string(), "u12340");
  EXPECT_EQ(row->at(0, 12).as_string(), "");  // a column the batch did not carry

  EngineStats s = e.stats();
  EXPECT_EQ(s.inserted_rows, 100000u);
  EXPECT_EQ(s.inserted_bytes, batch.byte_size());
  std::string text = metrics_.render_prometheus();
  EXPECT_NE(text.find("heeler_store_inserted_rows_total 100000"), std::string::npos);
  EXPECT_NE(text.find("heeler_store_queries_total{lane=\"ingest\"} 1"), std::string::npos);
}

TEST_F(EngineTest, InsertRejectsBadBatchesAndUnknownTables) {
  Engine& e = started();
  ColumnBatch ragged;
  ragged.add<FixedColumn<uint8_t>>("a").append(1);
  ragged.add<FixedColumn<uint8_t>>("b");
  EXPECT_EQ(e.insert("t", ragged).code(), core::Code::invalid_argument);
  ColumnBatch ok;
  ok.add<FixedColumn<uint8_t>>("a").append(1);
  auto missing = e.insert("no_such_table", ok);
  EXPECT_EQ(missing.code(), core::Code::engine_error);
  EXPECT_NE(missing.message().find("no_such_table"), std::string::npos);
  ColumnBatch empty_rows;
  empty_rows.add<FixedColumn<uint8_t>>("a");
  EXPECT_TRUE(e.insert("no_such_table", empty_rows).ok());  // nothing to do
  EXPECT_TRUE(e.ping().ok());
}

TEST_F(EngineTest, DeduplicationTokenStoresABatchOnce) {
  Engine& e = started();
  ASSERT_TRUE(migrate(e, telemetry_migrations()).ok());
  // Large enough to be written as several blocks.
  ColumnBatch batch = log_batch(150000);
  InsertOptions first{"replay-token-1"};
  ASSERT_TRUE(e.insert("logs", batch, first).ok());
  ASSERT_TRUE(e.insert("logs", batch, first).ok());
  EXPECT_EQ(count(e, "SELECT count() FROM logs"), 150000u);
  InsertOptions second{"replay-token-2"};
  ASSERT_TRUE(e.insert("logs", batch, second).ok());
  EXPECT_EQ(count(e, "SELECT count() FROM logs"), 300000u);
  // Without a token every batch is stored, identical or not.
  ASSERT_TRUE(e.insert("logs", batch).ok());
  ASSERT_TRUE(e.insert("logs", batch).ok());
  EXPECT_EQ(count(e, "SELECT count() FROM logs"), 600000u);
}

TEST_F(EngineTest, DeduplicationNeedsTheTableSetting) {
  Engine& e = started();
  ASSERT_TRUE(e.execute("CREATE TABLE plain (x UInt64) ENGINE = MergeTree ORDER BY x").ok());
  ColumnBatch batch;
  auto& x = batch.add<FixedColumn<uint64_t>>("x");
  for (uint64_t i = 0; i < 10; ++i) x.append(i);
  InsertOptions token{"same"};
  ASSERT_TRUE(e.insert("plain", batch, token).ok());
  ASSERT_TRUE(e.insert("plain", batch, token).ok());
  // non_replicated_deduplication_window defaults to 0: the token is ignored.
  EXPECT_EQ(count(e, "SELECT count() FROM plain"), 20u);
}

TEST_F(EngineTest, DataPersistsAcrossRestart) {
  {
    Engine& e = started();
    ASSERT_TRUE(migrate(e, telemetry_migrations()).ok());
    ASSERT_TRUE(e.insert("logs", log_batch(1000)).ok());
    e.stop();
  }
  Engine& again = started();
  EXPECT_EQ(count(again, "SELECT count() FROM logs"), 1000u);
  auto applied = migrate(again, telemetry_migrations());
  ASSERT_TRUE(applied.ok());
  EXPECT_EQ(*applied, 0);
}

TEST_F(EngineTest, SecondEngineInThisProcessIsRefused) {
  Engine& first = started();
  Engine& second = make(config());
  core::Status st = second.start();
  EXPECT_EQ(st.code(), core::Code::unavailable);
  EXPECT_NE(st.message().find("already open by another store engine in this process"),
            std::string::npos)
      << st.message();

  fs::path other_dir = make_temp_dir();
  EmbeddedEngineConfig other = config();
  other.data_dir = other_dir;
  Engine& third = make(other);
  st = third.start();
  EXPECT_EQ(st.code(), core::Code::unavailable);
  EXPECT_NE(st.message().find("one data directory per process"), std::string::npos) << st.message();

  EXPECT_TRUE(first.ping().ok());  // the running engine is unaffected
  first.stop();
  Engine& fourth = make(config());
  EXPECT_TRUE(fourth.start().ok());
  EXPECT_TRUE(fourth.ping().ok());
  // Each engine counts its own statements (the TTL check at start and a ping); the
  // shared metrics count both.
  EXPECT_EQ(first.stats().queries, 2u);
  EXPECT_EQ(fourth.stats().queries, 2u);
  EXPECT_NE(metrics_.render_prometheus().find("heeler_store_queries_total{lane=\"interactive\"} 2"),
            std::string::npos);
  fourth.stop();
  fs::remove_all(other_dir);
}

TEST_F(EngineTest, DataDirectoryHeldByAnotherProcessIsRefused) {
  int to_child[2], from_child[2];
  ASSERT_EQ(::pipe2(to_child, O_CLOEXEC), 0);
  ASSERT_EQ(::pipe2(from_child, O_CLOEXEC), 0);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, to_child[0], 0);
  posix_spawn_file_actions_adddup2(&actions, from_child[1], 1);
  std::string holder = HEELER_LOCK_HOLDER;
  std::string dir = dir_.string();
  char* argv[] = {holder.data(), dir.data(), nullptr};
  pid_t pid = 0;
  ASSERT_EQ(posix_spawn(&pid, holder.c_str(), &actions, nullptr, argv, environ), 0);
  posix_spawn_file_actions_destroy(&actions);
  ::close(to_child[0]);
  ::close(from_child[1]);

  std::string line;
  char c;
  while (::read(from_child[0], &c, 1) == 1 && c != '\n') line += c;
  ASSERT_EQ(line, "ready");

  Engine& e = make(config());
  core::Status st = e.start();
  EXPECT_EQ(st.code(), core::Code::unavailable);
  EXPECT_NE(st.message().find("locked by another process (pid " + std::to_string(pid) + ")"),
            std::string::npos)
      << st.message();

  ::close(to_child[1]);  // the holder stops its engine and exits
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  EXPECT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
  ::close(from_child[0]);

  Engine& after = make(config());
  EXPECT_TRUE(after.start().ok());
  EXPECT_TRUE(after.ping().ok());
}

TEST_F(EngineTest, SlowBackgroundQueryDoesNotBlockInteractive) {
  Engine& e = started();
  std::atomic<bool> slow_done{false};
  double slow_seconds = 0;
  core::Status slow_status;
  std::thread slow([&] {
    auto start = Clock::now();
    slow_status = e.execute("SELECT sleepEachRow(0.5) FROM numbers(4) SETTINGS max_block_size = 1",
                            {}, Lane::background);
    slow_seconds = seconds_since(start);
    slow_done = true;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  auto start = Clock::now();
  auto quick = e.query("SELECT 1", {}, Lane::interactive);
  double quick_seconds = seconds_since(start);
  bool finished_first = !slow_done.load();
  slow.join();
  ASSERT_TRUE(quick.ok()) << quick.status().to_string();
  ASSERT_TRUE(slow_status.ok()) << slow_status.to_string();
  EXPECT_TRUE(finished_first);
  EXPECT_GE(slow_seconds, 1.8);
  EXPECT_LT(quick_seconds, 0.5);
}

TEST_F(EngineTest, QueriesWaitForAConnectionOfTheirLane) {
  EmbeddedEngineConfig c = config();
  c.background_connections = 1;
  Engine& e = started(c);
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  auto start = Clock::now();
  for (int i = 0; i < 3; ++i) {
    threads.emplace_back([&] {
      if (e.execute("SELECT sleepEachRow(0.3) FROM numbers(1)", {}, Lane::background).ok()) ++ok;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 3);
  EXPECT_GE(seconds_since(start), 0.85);  // one connection: the three ran one after another

  std::vector<std::thread> readers;
  std::atomic<int> reads{0};
  for (int i = 0; i < 8; ++i) {
    readers.emplace_back([&] {
      for (int k = 0; k < 20; ++k)
        if (count(e, "SELECT count() FROM numbers(1000)") == 1000u) ++reads;
    });
  }
  for (auto& t : readers) t.join();
  EXPECT_EQ(reads.load(), 160);
}

TEST_F(EngineTest, MemoryLimitFailsTheQueryNotTheEngine) {
  EmbeddedEngineConfig c = config();
  c.memory_limit_bytes = uint64_t{512} << 20;
  Engine& e = started(c);
  auto limit =
      e.query("SELECT value FROM system.server_settings WHERE name = 'max_server_memory_usage'");
  ASSERT_TRUE(limit.ok());
  EXPECT_EQ(limit->at(0, 0).as_string(), std::to_string(uint64_t{512} << 20));
  auto big = e.query("SELECT length(groupArray(number)) FROM numbers(300000000)");
  ASSERT_FALSE(big.ok());
  EXPECT_EQ(big.status().code(), core::Code::engine_error);
  EXPECT_NE(big.status().message().find("memory limit exceeded"), std::string::npos)
      << big.status().message();
  EXPECT_TRUE(e.ping().ok());
  EXPECT_EQ(count(e, "SELECT count() FROM numbers(1000000)"), 1000000u);
}

TEST_F(EngineTest, UnwritableDataDirectoryIsAnIoError) {
  // Root ignores permissions, so use a path below a regular file.
  fs::path file = dir_ / "file";
  std::ofstream(file) << "x";
  EmbeddedEngineConfig c = config();
  c.data_dir = file / "sub";
  Engine& e = make(c);
  core::Status st = e.start();
  EXPECT_EQ(st.code(), core::Code::io_error);
  EXPECT_NE(st.message().find("data directory " + (file / "sub" / "clickhouse").string() +
                              " is not writable"),
            std::string::npos)
      << st.message();
  // Nothing was claimed: an engine on a good directory still starts.
  Engine& good = make(config());
  EXPECT_TRUE(good.start().ok());
}

TEST_F(EngineTest, EverySystemMergeTreeTableHasATtl) {
  Engine& e = started();
  ASSERT_TRUE(migrate(e, telemetry_migrations()).ok());
  ASSERT_TRUE(e.insert("logs", log_batch(100)).ok());
  ASSERT_TRUE(e.execute("SYSTEM FLUSH LOGS").ok());
  auto tables = e.query(
      "SELECT name, engine_full FROM system.tables WHERE database = 'system' AND engine LIKE "
      "'%MergeTree%' AND engine NOT LIKE 'System%'");
  ASSERT_TRUE(tables.ok()) << tables.status().to_string();
  for (const auto& row : tables->rows())
    EXPECT_NE(row[1].as_string().find(" TTL "), std::string::npos) << row[0].as_string();
  // This libchdb creates none; record the fact so a change is noticed.
  EXPECT_EQ(tables->row_count(), 0u);
}

TEST_F(EngineTest, AFailedStatementLeavesNoOutputForTheNext) {
  EmbeddedEngineConfig c = config();
  c.background_connections = 1;  // both statements on the same connection
  Engine& e = started(c);
  for (int round = 0; round < 3; ++round) {
    auto failed = e.query("SELECT throwIf(number = 3) FROM numbers(10) SETTINGS max_block_size = 1",
                          {}, Lane::background);
    ASSERT_FALSE(failed.ok());
    EXPECT_NE(failed.status().message().find("FUNCTION_THROW_IF_VALUE_IS_NON_ZERO"),
              std::string::npos)
        << failed.status().message();
    auto next = e.query("SELECT 2 AS two", {}, Lane::background);
    ASSERT_TRUE(next.ok()) << next.status().to_string();
    ASSERT_EQ(next->row_count(), 1u);
    ASSERT_EQ(next->columns().size(), 1u);
    EXPECT_EQ(next->columns()[0].name, "two");
    EXPECT_EQ(next->at(0, 0).as_uint64(), 2u);
  }
}

}  // namespace
}  // namespace heeler::store
