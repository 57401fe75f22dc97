// Search queries compiled to SQL and run against real rows in the embedded engine:
// each query must find exactly the rows a Datadog user would expect.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "core/metrics.h"
#include "pipeline/signals.h"
#include "query/search_sql.h"
#include "store/embedded_engine.h"
#include "store/schema.h"

namespace heeler::query {
namespace {

namespace fs = std::filesystem;

int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

class SearchEngineTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    std::string pattern = (fs::temp_directory_path() / "heeler-search-engine-XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    dir_ = new fs::path(pattern);
    metrics_ = new core::Metrics();
    store::EmbeddedEngineConfig c;
    c.data_dir = *dir_;
    engine_ = store::make_embedded_engine(c, *metrics_).release();
    ASSERT_TRUE(engine_->start().ok());
    ASSERT_TRUE(store::migrate(*engine_, store::telemetry_migrations()).ok());
    load_logs();
    load_spans();
  }
  static void TearDownTestSuite() {
    engine_->stop();
    delete engine_;
    delete metrics_;
    std::error_code ec;
    fs::remove_all(*dir_, ec);
    delete dir_;
  }

  struct Log {
    std::string service, env, host, status, message;
    std::vector<pipeline::Attribute> attributes;
    std::string trace_hex;
  };

  static void load_logs() {
    const std::vector<Log> logs = {
        {"web",
         "prod",
         "web-1",
         "error",
         "Connection Timeout while calling payments",
         {{"http.status_code", "503"}, {"user.id", "u1"}, {"region", "eu"}},
         "0000000000000000000000000000abcd"},
        {"web", "prod", "web-2", "info", "GET /orders/42 done", {{"http.status_code", "200"}}, ""},
        {"web", "dev", "web-1", "warning", "slow query took 2s", {{"http.status_code", "404"}}, ""},
        {"api",
         "prod",
         "canary-1",
         "error",
         "connection reset by peer",
         {{"http.status_code", "500"}, {"user.id", "u2"}},
         ""},
        {"api", "prod", "api-3", "info", "cache hit ratio 0.93", {{"region", "us"}}, ""},
    };
    pipeline::LogBatch batch;
    int64_t t = now_ns();
    for (const Log& l : logs) {
      pipeline::LogRecord r;
      r.timestamp_ns = t++;
      r.service = l.service;
      r.env = l.env;
      r.host = l.host;
      r.status = l.status;
      r.message = l.message;
      r.attributes = l.attributes;
      if (!l.trace_hex.empty()) {
        ASSERT_TRUE(pipeline::parse_trace_id(l.trace_hex, r.trace_id));
      }
      batch.append(r);
    }
    ASSERT_TRUE(engine_->insert("logs", batch.columns()).ok());
  }

  static void load_spans() {
    pipeline::SpanBatch batch;
    int64_t t = now_ns();
    const std::vector<pipeline::NumericAttribute> status_200 = {{"http.status_code", 200}};
    const std::vector<pipeline::NumericAttribute> status_500 = {{"http.status_code", 500}};
    struct S {
      const char* service;
      const char* resource;
      uint64_t duration_ns;
      bool error;
      const std::vector<pipeline::NumericAttribute>* metrics;
    };
    const S spans[] = {{"web", "GET /orders/:id", 1'500'000'000, false, &status_200},
                       {"web", "POST /checkout", 250'000'000, true, &status_500},
                       {"db", "SELECT orders", 3'000'000, false, nullptr}};
    uint64_t id = 1;
    for (const S& s : spans) {
      pipeline::SpanRecord r;
      r.timestamp_ns = t++;
      r.duration_ns = s.duration_ns;
      r.trace_id = pipeline::trace_id_from_u64(0, 77);
      r.span_id = pipeline::span_id_from_u64(id++);
      r.service = s.service;
      r.name = "request";
      r.resource = s.resource;
      r.error = s.error;
      if (s.metrics) r.metrics = *s.metrics;
      r.events_json = "[]";
      r.links_json = "[]";
      batch.append(r);
    }
    ASSERT_TRUE(engine_->insert("spans", batch.columns()).ok());
  }

  // The services/hosts of matching rows, in insertion order, as "service/host".
  std::vector<std::string> logs_matching(std::string_view query) {
    auto condition = search_condition(query, logs_search_target());
    EXPECT_TRUE(condition.ok()) << query << ": " << condition.status().to_string();
    if (!condition.ok()) return {};
    auto result = engine_->query("SELECT concat(service, '/', host) FROM logs WHERE " +
                                     condition->sql + " ORDER BY timestamp",
                                 condition->params);
    EXPECT_TRUE(result.ok()) << query << "\n"
                             << condition->sql << "\n"
                             << result.status().to_string();
    std::vector<std::string> out;
    if (result.ok())
      for (const auto& row : result->rows()) out.push_back(row[0].as_string());
    return out;
  }

  std::vector<std::string> spans_matching(std::string_view query) {
    auto condition = search_condition(query, spans_search_target());
    EXPECT_TRUE(condition.ok()) << query << ": " << condition.status().to_string();
    if (!condition.ok()) return {};
    auto result =
        engine_->query("SELECT resource FROM spans WHERE " + condition->sql + " ORDER BY timestamp",
                       condition->params);
    EXPECT_TRUE(result.ok()) << query << "\n"
                             << condition->sql << "\n"
                             << result.status().to_string();
    std::vector<std::string> out;
    if (result.ok())
      for (const auto& row : result->rows()) out.push_back(row[0].as_string());
    return out;
  }

  using V = std::vector<std::string>;
  static inline fs::path* dir_ = nullptr;
  static inline core::Metrics* metrics_ = nullptr;
  static inline store::Engine* engine_ = nullptr;
};

TEST_F(SearchEngineTest, FreeTextIsCaseInsensitiveAndPhrasesAreWhole) {
  EXPECT_EQ(logs_matching("timeout"), (V{"web/web-1"}));
  EXPECT_EQ(logs_matching("CONNECTION"), (V{"web/web-1", "api/canary-1"}));
  EXPECT_EQ(logs_matching("\"reset by peer\""), (V{"api/canary-1"}));
  EXPECT_EQ(logs_matching("\"peer by reset\""), V{});
  EXPECT_EQ(logs_matching("conn*"), (V{"web/web-1", "api/canary-1"}));
  EXPECT_EQ(logs_matching(""),
            (V{"web/web-1", "web/web-2", "web/web-1", "api/canary-1", "api/api-3"}));
}

TEST_F(SearchEngineTest, ReservedFieldsTagsAndAttributes) {
  EXPECT_EQ(logs_matching("service:api"), (V{"api/canary-1", "api/api-3"}));
  EXPECT_EQ(logs_matching("service:web -env:dev"), (V{"web/web-1", "web/web-2"}));
  EXPECT_EQ(logs_matching("status:(error OR warn)"), (V{"web/web-1", "web/web-1", "api/canary-1"}));
  EXPECT_EQ(logs_matching("host:web-*"), (V{"web/web-1", "web/web-2", "web/web-1"}));
  EXPECT_EQ(logs_matching("region:eu"), (V{"web/web-1"}));
  EXPECT_EQ(logs_matching("@region:us"), (V{"api/api-3"}));
  EXPECT_EQ(logs_matching("@user.id:*"), (V{"web/web-1", "api/canary-1"}));
  EXPECT_EQ(logs_matching("-@user.id:*"), (V{"web/web-2", "web/web-1", "api/api-3"}));
  EXPECT_EQ(logs_matching("*:u2"), (V{"api/canary-1"}));
  EXPECT_EQ(logs_matching("trace_id:0000000000000000000000000000abcd"), (V{"web/web-1"}));
  // The low 64 bits, in hex or in decimal as Datadog tracers log them.
  EXPECT_EQ(logs_matching("trace_id:000000000000abcd"), (V{"web/web-1"}));
  EXPECT_EQ(logs_matching("trace_id:43981"), (V{"web/web-1"}));
}

TEST_F(SearchEngineTest, NumericComparisonsAndRanges) {
  EXPECT_EQ(logs_matching("@http.status_code:[500 TO 599]"), (V{"web/web-1", "api/canary-1"}));
  EXPECT_EQ(logs_matching("@http.status_code:>=404"),
            (V{"web/web-1", "web/web-1", "api/canary-1"}));
  EXPECT_EQ(logs_matching("@http.status_code:{404 TO 503}"), (V{"api/canary-1"}));
  EXPECT_EQ(logs_matching("@http.status_code:<300 OR service:api"),
            (V{"web/web-2", "api/canary-1", "api/api-3"}));
}

TEST_F(SearchEngineTest, SpansByDurationStatusAndNumericAttributes) {
  EXPECT_EQ(spans_matching("@duration:>1s"), (V{"GET /orders/:id"}));
  EXPECT_EQ(spans_matching("@duration:[100ms TO 2s]"), (V{"GET /orders/:id", "POST /checkout"}));
  EXPECT_EQ(spans_matching("status:error"), (V{"POST /checkout"}));
  EXPECT_EQ(spans_matching("@http.status_code:>=500"), (V{"POST /checkout"}));
  EXPECT_EQ(spans_matching("@http.status_code:200"), (V{"GET /orders/:id"}));
  EXPECT_EQ(spans_matching("orders"), (V{"GET /orders/:id", "SELECT orders"}));
  EXPECT_EQ(spans_matching("service:web resource_name:POST*"), (V{"POST /checkout"}));
}

TEST_F(SearchEngineTest, HostileValuesStayValues) {
  EXPECT_EQ(logs_matching(R"(service:"web' OR 1=1 --")"), V{});
  EXPECT_EQ(logs_matching(R"(@region:"eu') OR ('1'='1")"), V{});
  EXPECT_EQ(logs_matching("\"%\""), V{});
  EXPECT_EQ(logs_matching("service:w_b"), V{});  // _ is not a LIKE wildcard here
}

TEST_F(SearchEngineTest, BadValuesAreErrorsNotQueries) {
  auto r = search_condition("trace_id:not-an-id", logs_search_target());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), core::Code::invalid_argument);
  EXPECT_NE(r.status().message().find("at 0"), std::string::npos);
  auto syntax = search_condition("service:web (a OR", logs_search_target());
  ASSERT_FALSE(syntax.ok());
  EXPECT_NE(syntax.status().message().find("at 15"), std::string::npos)
      << syntax.status().message();
}

}  // namespace
}  // namespace heeler::query

namespace heeler::query {
namespace {

TEST_F(SearchEngineTest, FreeTextIsServedByTheMessageIndex) {
  auto condition = search_condition("timeout", logs_search_target());
  ASSERT_TRUE(condition.ok());
  auto plan = engine_->query("EXPLAIN indexes = 1 SELECT count() FROM logs WHERE " + condition->sql,
                             condition->params);
  ASSERT_TRUE(plan.ok()) << plan.status().to_string();
  std::string text;
  for (const auto& row : plan->rows()) text += row[0].as_string() + "\n";
  EXPECT_NE(text.find("idx_message"), std::string::npos) << text;
}

}  // namespace
}  // namespace heeler::query
