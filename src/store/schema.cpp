#include "store/schema.h"

#include <fmt/format.h>

#include <set>

namespace heeler::store {
namespace {

constexpr const char* kMigrationsTable =
    "CREATE TABLE IF NOT EXISTS heeler_schema_migrations "
    "(version UInt32, name String, applied_at DateTime64(3)) "
    "ENGINE = MergeTree ORDER BY version";

// Every telemetry table keeps 30 days (dropped a whole daily partition at a time) and
// honours insert_deduplication_token: a non-replicated MergeTree remembers the last
// `non_replicated_deduplication_window` insert tokens and ignores tokens when it is 0
// (the default). Inserts are fsynced: the writer deletes write-ahead log segments once
// an insert returns, so the store must not hold them only in the page cache. Statements
// are idempotent (IF NOT EXISTS), so a migration interrupted
// before it was recorded runs again safely.
//
// Logs: one row per event. The unified service tags (service, env, version, host) are
// real columns; everything else lives in the attribute maps. The text index serves
// full-text search on message, the bloom filters trace-id and attribute lookups.
constexpr const char* kLogs = R"sql(CREATE TABLE IF NOT EXISTS logs
(
    timestamp DateTime64(9) CODEC(Delta(8), ZSTD(1)),
    observed_timestamp DateTime64(9) CODEC(Delta(8), ZSTD(1)),
    service LowCardinality(String) CODEC(ZSTD(1)),
    env LowCardinality(String) CODEC(ZSTD(1)),
    version LowCardinality(String) CODEC(ZSTD(1)),
    host LowCardinality(String) CODEC(ZSTD(1)),
    status LowCardinality(String) CODEC(ZSTD(1)),
    severity_number UInt8 CODEC(ZSTD(1)),
    source LowCardinality(String) CODEC(ZSTD(1)),
    message String CODEC(ZSTD(1)),
    trace_id FixedString(16) CODEC(ZSTD(1)),
    span_id FixedString(8) CODEC(ZSTD(1)),
    attributes Map(LowCardinality(String), String) CODEC(ZSTD(1)),
    resource_attributes Map(LowCardinality(String), String) CODEC(ZSTD(1)),
    INDEX idx_message message TYPE text(tokenizer = splitByNonAlpha),
    INDEX idx_trace_id trace_id TYPE bloom_filter(0.001) GRANULARITY 1,
    INDEX idx_attribute_keys mapKeys(attributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_attribute_values mapValues(attributes) TYPE bloom_filter(0.01) GRANULARITY 1
)
ENGINE = MergeTree
PARTITION BY toDate(timestamp)
ORDER BY (service, status, timestamp)
TTL toDateTime(timestamp) + INTERVAL 30 DAY
SETTINGS non_replicated_deduplication_window = 1000, fsync_after_insert = 1, fsync_part_directory = 1, ttl_only_drop_parts = 1)sql";

// Spans: one row per span, clustered for "this service's operation over time" and found
// by trace id through the bloom filter. events and links are JSON text.
constexpr const char* kSpans = R"sql(CREATE TABLE IF NOT EXISTS spans
(
    timestamp DateTime64(9) CODEC(Delta(8), ZSTD(1)),
    duration_ns UInt64 CODEC(T64, ZSTD(1)),
    trace_id FixedString(16) CODEC(ZSTD(1)),
    span_id FixedString(8) CODEC(ZSTD(1)),
    parent_span_id FixedString(8) CODEC(ZSTD(1)),
    service LowCardinality(String) CODEC(ZSTD(1)),
    env LowCardinality(String) CODEC(ZSTD(1)),
    version LowCardinality(String) CODEC(ZSTD(1)),
    host LowCardinality(String) CODEC(ZSTD(1)),
    name LowCardinality(String) CODEC(ZSTD(1)),
    resource String CODEC(ZSTD(1)),
    kind LowCardinality(String) CODEC(ZSTD(1)),
    type LowCardinality(String) CODEC(ZSTD(1)),
    status_code UInt8 CODEC(ZSTD(1)),
    error UInt8 CODEC(ZSTD(1)),
    status_message String CODEC(ZSTD(1)),
    attributes Map(LowCardinality(String), String) CODEC(ZSTD(1)),
    metrics Map(LowCardinality(String), Float64) CODEC(ZSTD(1)),
    resource_attributes Map(LowCardinality(String), String) CODEC(ZSTD(1)),
    events String CODEC(ZSTD(1)),
    links String CODEC(ZSTD(1)),
    INDEX idx_trace_id trace_id TYPE bloom_filter(0.001) GRANULARITY 1,
    INDEX idx_attribute_keys mapKeys(attributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_attribute_values mapValues(attributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_duration duration_ns TYPE minmax GRANULARITY 1
)
ENGINE = MergeTree
PARTITION BY toDate(timestamp)
ORDER BY (service, name, timestamp)
TTL toDateTime(timestamp) + INTERVAL 30 DAY
SETTINGS non_replicated_deduplication_window = 1000, fsync_after_insert = 1, fsync_part_directory = 1, ttl_only_drop_parts = 1)sql";

// One row per metric series (metric + tag set); the row with the latest last_seen wins
// when parts merge.
constexpr const char* kMetricSeries = R"sql(CREATE TABLE IF NOT EXISTS metric_series
(
    series_id UInt64,
    metric LowCardinality(String) CODEC(ZSTD(1)),
    tags Map(LowCardinality(String), String) CODEC(ZSTD(1)),
    service LowCardinality(String) CODEC(ZSTD(1)),
    env LowCardinality(String) CODEC(ZSTD(1)),
    host LowCardinality(String) CODEC(ZSTD(1)),
    kind LowCardinality(String) CODEC(ZSTD(1)),
    first_seen DateTime64(3) CODEC(ZSTD(1)),
    last_seen DateTime64(3) CODEC(ZSTD(1)),
    INDEX idx_tag_keys mapKeys(tags) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_tag_values mapValues(tags) TYPE bloom_filter(0.01) GRANULARITY 1
)
ENGINE = ReplacingMergeTree(last_seen)
ORDER BY (metric, series_id)
TTL toDateTime(last_seen) + INTERVAL 30 DAY
SETTINGS non_replicated_deduplication_window = 1000, fsync_after_insert = 1, fsync_part_directory = 1)sql";

// Metric points, clustered per series so one series over a time range is one range read;
// DoubleDelta/Gorilla suit regular timestamps and slowly changing values. `weight` is
// how many samples a point stands for: distributions are stored as bucket values with
// their counts, so percentiles are quantileExactWeighted(value, weight).
constexpr const char* kMetricPoints = R"sql(CREATE TABLE IF NOT EXISTS metric_points
(
    metric LowCardinality(String) CODEC(ZSTD(1)),
    series_id UInt64 CODEC(Delta(8), ZSTD(1)),
    timestamp DateTime64(3) CODEC(DoubleDelta, ZSTD(1)),
    value Float64 CODEC(Gorilla, ZSTD(1)),
    weight UInt64 DEFAULT 1 CODEC(T64, ZSTD(1)),
    kind LowCardinality(String) CODEC(ZSTD(1))
)
ENGINE = MergeTree
PARTITION BY toDate(timestamp)
ORDER BY (metric, series_id, timestamp)
TTL toDateTime(timestamp) + INTERVAL 30 DAY
SETTINGS non_replicated_deduplication_window = 1000, fsync_after_insert = 1, fsync_part_directory = 1, ttl_only_drop_parts = 1)sql";

// Events (deploys, alerts, notes) for the event stream and graph overlays.
constexpr const char* kEvents = R"sql(CREATE TABLE IF NOT EXISTS events
(
    id UUID DEFAULT generateUUIDv4(),
    timestamp DateTime64(3) CODEC(Delta(8), ZSTD(1)),
    title String CODEC(ZSTD(1)),
    text String CODEC(ZSTD(1)),
    source LowCardinality(String) CODEC(ZSTD(1)),
    priority LowCardinality(String) CODEC(ZSTD(1)),
    alert_type LowCardinality(String) CODEC(ZSTD(1)),
    host LowCardinality(String) CODEC(ZSTD(1)),
    service LowCardinality(String) CODEC(ZSTD(1)),
    env LowCardinality(String) CODEC(ZSTD(1)),
    aggregation_key String CODEC(ZSTD(1)),
    tags Map(LowCardinality(String), String) CODEC(ZSTD(1)),
    INDEX idx_title title TYPE text(tokenizer = splitByNonAlpha),
    INDEX idx_text text TYPE text(tokenizer = splitByNonAlpha),
    INDEX idx_tag_keys mapKeys(tags) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_tag_values mapValues(tags) TYPE bloom_filter(0.01) GRANULARITY 1
)
ENGINE = MergeTree
PARTITION BY toDate(timestamp)
ORDER BY (timestamp, source)
TTL toDateTime(timestamp) + INTERVAL 30 DAY
SETTINGS non_replicated_deduplication_window = 1000, fsync_after_insert = 1, fsync_part_directory = 1, ttl_only_drop_parts = 1)sql";

// Free-text search is case-insensitive (as Datadog's): the message index lower-cases
// what it indexes, and hasAllTokens/hasAnyTokens lower-case the searched tokens alike.
constexpr const char* kLogsMessageIndexDrop = "ALTER TABLE logs DROP INDEX IF EXISTS idx_message";
constexpr const char* kLogsMessageIndexAdd =
    "ALTER TABLE logs ADD INDEX IF NOT EXISTS idx_message message "
    "TYPE text(tokenizer = splitByNonAlpha, preprocessor = lower(message))";
constexpr const char* kLogsMessageIndexBuild = "ALTER TABLE logs MATERIALIZE INDEX idx_message";

// Five-minute roll-ups of gauge, count and rate points (distributions keep their
// samples), so long ranges read ~1/20 of the rows. A materialized view fills it on every
// insert; the engine deduplicates the view's blocks with their source's, so a replayed
// WAL group adds nothing twice. Migrations run before the writer starts: the backfill
// sees no concurrent inserts, and the truncate makes a re-run after an interruption
// start over.
constexpr const char* kRollupTable = R"sql(CREATE TABLE IF NOT EXISTS metric_rollup_5m
(
    metric LowCardinality(String) CODEC(ZSTD(1)),
    series_id UInt64 CODEC(Delta(8), ZSTD(1)),
    timestamp DateTime CODEC(DoubleDelta, ZSTD(1)),
    sum SimpleAggregateFunction(sum, Float64) CODEC(ZSTD(1)),
    count SimpleAggregateFunction(sum, UInt64) CODEC(T64, ZSTD(1)),
    min SimpleAggregateFunction(min, Float64) CODEC(ZSTD(1)),
    max SimpleAggregateFunction(max, Float64) CODEC(ZSTD(1))
)
ENGINE = AggregatingMergeTree
PARTITION BY toDate(timestamp)
ORDER BY (metric, series_id, timestamp)
TTL timestamp + INTERVAL 30 DAY
SETTINGS non_replicated_deduplication_window = 1000, fsync_after_insert = 1, fsync_part_directory = 1, ttl_only_drop_parts = 1)sql";
constexpr const char* kRollupSelect =
    "SELECT metric, series_id, toStartOfFiveMinutes(timestamp) AS timestamp, sum(value) AS sum, "
    "count() AS count, min(value) AS min, max(value) AS max FROM metric_points "
    "WHERE kind != 'distribution' GROUP BY metric, series_id, timestamp";
const std::string kRollupViewDrop = "DROP VIEW IF EXISTS metric_rollup_5m_mv";
const std::string kRollupTruncate = "TRUNCATE TABLE metric_rollup_5m";
const std::string kRollupBackfill = std::string("INSERT INTO metric_rollup_5m ") + kRollupSelect;
const std::string kRollupView =
    std::string(
        "CREATE MATERIALIZED VIEW IF NOT EXISTS metric_rollup_5m_mv TO metric_rollup_5m AS ") +
    kRollupSelect;

// One row per synthetic test run; `detail` is the full result JSON (steps, assertions,
// response), compressed hard since it is read one row at a time.
constexpr const char* kSyntheticsResults = R"sql(CREATE TABLE IF NOT EXISTS synthetics_results
(
    timestamp DateTime64(3) CODEC(Delta(8), ZSTD(1)),
    public_id LowCardinality(String) CODEC(ZSTD(1)),
    result_id String CODEC(ZSTD(1)),
    location LowCardinality(String) CODEC(ZSTD(1)),
    device LowCardinality(String) CODEC(ZSTD(1)),
    run_type LowCardinality(String) CODEC(ZSTD(1)),
    passed UInt8 CODEC(ZSTD(1)),
    duration_ms Float64 CODEC(ZSTD(1)),
    status_code UInt16 CODEC(ZSTD(1)),
    failure_code LowCardinality(String) CODEC(ZSTD(1)),
    failure_message String CODEC(ZSTD(1)),
    detail String CODEC(ZSTD(3)),
    INDEX idx_result result_id TYPE bloom_filter(0.01) GRANULARITY 1
)
ENGINE = MergeTree
PARTITION BY toDate(timestamp)
ORDER BY (public_id, timestamp)
TTL toDateTime(timestamp) + INTERVAL 30 DAY
SETTINGS ttl_only_drop_parts = 1)sql";

// Browser RUM events, one row per event. A view is sent again each time it changes
// (a growing _dd.document_version), so the table replaces rows with the same key by the
// highest document_version; readers use FINAL. The key keeps one application's events
// of one type in time order; a session is found through its bloom filter.
constexpr const char* kRumEvents = R"sql(CREATE TABLE IF NOT EXISTS rum_events
(
    timestamp DateTime64(9) CODEC(Delta(8), ZSTD(1)),
    type LowCardinality(String) CODEC(ZSTD(1)),
    event_id String CODEC(ZSTD(1)),
    document_version UInt64 CODEC(ZSTD(1)),
    application_id LowCardinality(String) CODEC(ZSTD(1)),
    session_id String CODEC(ZSTD(1)),
    view_id String CODEC(ZSTD(1)),
    view_name String CODEC(ZSTD(1)),
    view_url String CODEC(ZSTD(1)),
    service LowCardinality(String) CODEC(ZSTD(1)),
    env LowCardinality(String) CODEC(ZSTD(1)),
    version LowCardinality(String) CODEC(ZSTD(1)),
    attributes Map(LowCardinality(String), String) CODEC(ZSTD(1)),
    numeric Map(LowCardinality(String), Float64) CODEC(ZSTD(1)),
    INDEX idx_session session_id TYPE bloom_filter(0.001) GRANULARITY 1,
    INDEX idx_view view_id TYPE bloom_filter(0.001) GRANULARITY 1,
    INDEX idx_attribute_keys mapKeys(attributes) TYPE bloom_filter(0.01) GRANULARITY 1
)
ENGINE = ReplacingMergeTree(document_version)
PARTITION BY toDate(timestamp)
ORDER BY (application_id, type, timestamp, event_id)
TTL toDateTime(timestamp) + INTERVAL 30 DAY
SETTINGS non_replicated_deduplication_window = 1000, fsync_after_insert = 1, fsync_part_directory = 1, ttl_only_drop_parts = 1)sql";

}  // namespace

const std::vector<Migration>& telemetry_migrations() {
  static const std::vector<Migration> migrations = {
      {1, "telemetry tables", {kLogs, kSpans, kMetricSeries, kMetricPoints, kEvents}},
      {2,
       "case-insensitive message index",
       {kLogsMessageIndexDrop, kLogsMessageIndexAdd, kLogsMessageIndexBuild}},
      {3,
       "five-minute metric roll-ups",
       {kRollupTable, kRollupViewDrop, kRollupTruncate, kRollupBackfill, kRollupView}},
      {4, "synthetics results", {kSyntheticsResults}},
      {5, "browser RUM events", {kRumEvents}},
  };
  return migrations;
}

core::Result<int> migrate(Engine& engine, const std::vector<Migration>& migrations) {
  for (size_t i = 0; i < migrations.size(); ++i) {
    if (migrations[i].version <= 0 || (i > 0 && migrations[i].version <= migrations[i - 1].version))
      return core::error(
          core::Code::invalid_argument,
          "schema migrations must have increasing positive versions (got {} after {})",
          migrations[i].version, i > 0 ? migrations[i - 1].version : 0);
  }
  core::Status st = engine.execute(kMigrationsTable, {}, Lane::background);
  if (!st.ok())
    return core::error(core::Code::engine_error, "cannot create heeler_schema_migrations: {}",
                       st.message());
  auto applied_rows =
      engine.query("SELECT DISTINCT version FROM heeler_schema_migrations", {}, Lane::background);
  if (!applied_rows.ok())
    return core::error(core::Code::engine_error, "cannot read heeler_schema_migrations: {}",
                       applied_rows.status().message());
  std::set<uint64_t> applied;
  for (const auto& row : applied_rows->rows()) applied.insert(row[0].as_uint64());

  int count = 0;
  for (const auto& m : migrations) {
    if (applied.count(static_cast<uint64_t>(m.version))) continue;
    for (size_t i = 0; i < m.statements.size(); ++i) {
      st = engine.execute(m.statements[i], {}, Lane::background);
      if (!st.ok())
        return core::error(core::Code::engine_error,
                           "schema migration {} ({}) failed at statement {} of {}: {}\n"
                           "statement: {}",
                           m.version, m.name, i + 1, m.statements.size(), st.message(),
                           m.statements[i]);
    }
    st = engine.execute(
        "INSERT INTO heeler_schema_migrations (version, name, applied_at) "
        "VALUES ({version:UInt32}, {name:String}, now64(3))",
        Params().add("version", static_cast<int64_t>(m.version)).add("name", m.name),
        Lane::background);
    if (!st.ok())
      return core::error(core::Code::engine_error,
                         "schema migration {} ({}) ran but could not be recorded: {}", m.version,
                         m.name, st.message());
    ++count;
  }
  return count;
}

}  // namespace heeler::store
