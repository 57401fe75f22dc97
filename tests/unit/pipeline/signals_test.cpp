#include "pipeline/signals.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace heeler::pipeline {
namespace {

using store::ColumnBatch;
using store::FixedBytesColumn;
using store::FixedColumn;
using store::MapColumn;
using store::StringColumn;
using store::TimestampColumn;

template <typename C>
const C& column(const ColumnBatch& batch, std::string_view name) {
  for (const auto& c : batch.columns())
    if (c.name == name) return std::get<C>(c.data);
  ADD_FAILURE() << "no column " << name;
  static const C kEmpty{};
  return kEmpty;
}

std::vector<std::string> names(const ColumnBatch& batch) {
  std::vector<std::string> out;
  for (const auto& c : batch.columns()) out.push_back(c.name);
  return out;
}

std::vector<std::pair<std::string, std::string>> map_row(const MapColumn& m, size_t row) {
  std::vector<std::pair<std::string, std::string>> out;
  for (int32_t i = m.offsets[row]; i < m.offsets[row + 1]; ++i)
    out.emplace_back(std::string(m.keys.at(i)), std::string(m.values.at(i)));
  return out;
}

TEST(TraceIds, ParsesThirtyTwoHexDigits) {
  TraceId id{};
  ASSERT_TRUE(parse_trace_id("0102030405060708090a0B0c0d0e0f10", id));
  for (int i = 0; i < 16; ++i) EXPECT_EQ(id[i], i + 1);
}

TEST(TraceIds, SixteenHexDigitsFillTheLowHalf) {
  TraceId id{};
  ASSERT_TRUE(parse_trace_id("00000000000004d2", id));
  EXPECT_EQ(id, trace_id_from_u64(0, 1234));
}

TEST(TraceIds, DecimalIsADatadogLowHalf) {
  TraceId id{};
  ASSERT_TRUE(parse_trace_id("18446744073709551615", id));
  EXPECT_EQ(id, trace_id_from_u64(0, UINT64_MAX));
  ASSERT_TRUE(parse_trace_id("1234", id));
  EXPECT_EQ(id, trace_id_from_u64(0, 1234));
}

TEST(TraceIds, BadInputIsRefusedAndLeavesTheOutputAlone) {
  TraceId id = trace_id_from_u64(7, 7);
  for (std::string_view bad :
       {"", "xyz", "18446744073709551616", "-1", "0102030405060708090a0b0c0d0e0f1",
        "0102030405060708090a0b0c0d0e0f1g", "12 34", "0x1234"})
    EXPECT_FALSE(parse_trace_id(bad, id)) << bad;
  EXPECT_EQ(id, trace_id_from_u64(7, 7));
}

TEST(SpanIds, HexDecimalAndBadInput) {
  SpanId id{};
  ASSERT_TRUE(parse_span_id("00000000000004d2", id));
  EXPECT_EQ(span_id_to_u64(id), 1234u);
  ASSERT_TRUE(parse_span_id("9876543210", id));
  EXPECT_EQ(span_id_to_u64(id), 9876543210u);
  EXPECT_EQ(span_id_to_u64(span_id_from_u64(0x0102030405060708)), 0x0102030405060708u);
  EXPECT_EQ(span_id_from_u64(0x0102030405060708)[0], 1);
  for (std::string_view bad : {"", "zz", "00000000000004d", "99999999999999999999", "1.5"})
    EXPECT_FALSE(parse_span_id(bad, id)) << bad;
  EXPECT_TRUE(is_zero(SpanId{}));
  EXPECT_FALSE(is_zero(span_id_from_u64(1)));
}

TEST(LogBatch, ColumnsFollowTheTableAndHoldTheRecord) {
  LogBatch batch;
  EXPECT_EQ(
      names(batch.columns()),
      (std::vector<std::string>{"timestamp", "observed_timestamp", "service", "env", "version",
                                "host", "status", "severity_number", "source", "message",
                                "trace_id", "span_id", "attributes", "resource_attributes"}));
  Attribute attrs[] = {{"user", "ada"}, {"path", "/x"}};
  Attribute res[] = {{"k8s.pod", "p1"}};
  LogRecord r;
  r.timestamp_ns = 1000;
  r.observed_timestamp_ns = 2000;
  r.service = "web";
  r.env = "prod";
  r.host = "h1";
  r.severity_number = 9;
  r.source = "nginx";
  r.message = "hello";
  r.trace_id = trace_id_from_u64(1, 2);
  r.span_id = span_id_from_u64(3);
  r.attributes = attrs;
  r.resource_attributes = res;
  batch.append(r);
  LogRecord second;
  second.observed_timestamp_ns = 5000;
  second.status = "error";
  batch.append(second);

  const auto& b = batch.columns();
  ASSERT_EQ(batch.size(), 2u);
  ASSERT_TRUE(b.validate().ok());
  EXPECT_EQ(column<TimestampColumn>(b, "timestamp").values, (std::vector<int64_t>{1000, 5000}));
  EXPECT_EQ(column<TimestampColumn>(b, "observed_timestamp").values,
            (std::vector<int64_t>{2000, 5000}));
  EXPECT_EQ(column<StringColumn>(b, "service").at(0), "web");
  EXPECT_EQ(column<StringColumn>(b, "status").at(0), "info");
  EXPECT_EQ(column<StringColumn>(b, "status").at(1), "error");
  EXPECT_EQ(column<FixedColumn<uint8_t>>(b, "severity_number").values,
            (std::vector<uint8_t>{9, 0}));
  EXPECT_EQ(column<StringColumn>(b, "message").at(0), "hello");
  const auto& trace = column<FixedBytesColumn>(b, "trace_id");
  EXPECT_EQ(trace.width, 16);
  EXPECT_EQ(trace.data.substr(0, 16),
            std::string(reinterpret_cast<const char*>(r.trace_id.data()), 16));
  EXPECT_EQ(column<FixedBytesColumn>(b, "span_id").width, 8);
  EXPECT_EQ(map_row(column<MapColumn>(b, "attributes"), 0),
            (std::vector<std::pair<std::string, std::string>>{{"user", "ada"}, {"path", "/x"}}));
  EXPECT_TRUE(map_row(column<MapColumn>(b, "attributes"), 1).empty());
  EXPECT_EQ(map_row(column<MapColumn>(b, "resource_attributes"), 0),
            (std::vector<std::pair<std::string, std::string>>{{"k8s.pod", "p1"}}));
  EXPECT_EQ(batch.truncated(), 0u);
}

TEST(LogBatch, LimitsCutAndCount) {
  Limits limits;
  limits.max_attributes = 2;
  limits.max_key_bytes = 4;
  limits.max_value_bytes = 3;
  limits.max_message_bytes = 5;
  LogBatch batch(limits);
  Attribute attrs[] = {{"a", "1"}, {"longkey", "longvalue"}, {"c", "3"}};
  LogRecord r;
  r.service = "service";
  r.message = "0123456789";
  r.attributes = attrs;
  batch.append(r);
  const auto& b = batch.columns();
  EXPECT_EQ(column<StringColumn>(b, "service").at(0), "serv");
  EXPECT_EQ(column<StringColumn>(b, "message").at(0), "01234");
  EXPECT_EQ(map_row(column<MapColumn>(b, "attributes"), 0),
            (std::vector<std::pair<std::string, std::string>>{{"a", "1"}, {"long", "lon"}}));
  // service, message, one attribute dropped, its key and value cut.
  EXPECT_EQ(batch.truncated(), 5u);
}

TEST(LogBatch, ClippingNeverSplitsAUtf8Sequence) {
  Limits limits;
  limits.max_message_bytes = 2;
  LogBatch batch(limits);
  LogRecord r;
  r.message = "a\xC3\xA9z";  // "aéz": cutting at 2 would split é
  batch.append(r);
  r.message = "\xE2\x82\xAC\xE2\x82\xAC";  // "€€" cut to 2 bytes → nothing
  batch.append(r);
  EXPECT_EQ(column<StringColumn>(batch.columns(), "message").at(0), "a");
  EXPECT_EQ(column<StringColumn>(batch.columns(), "message").at(1), "");
  EXPECT_EQ(batch.truncated(), 2u);
}

TEST(SpanBatch, ColumnsFollowTheTableAndHoldTheRecord) {
  SpanBatch batch;
  EXPECT_EQ(names(batch.columns()), (std::vector<std::string>{"timestamp",
                                                              "duration_ns",
                                                              "trace_id",
                                                              "span_id",
                                                              "parent_span_id",
                                                              "service",
                                                              "env",
                                                              "version",
                                                              "host",
                                                              "name",
                                                              "resource",
                                                              "kind",
                                                              "type",
                                                              "status_code",
                                                              "error",
                                                              "status_message",
                                                              "attributes",
                                                              "metrics",
                                                              "resource_attributes",
                                                              "events",
                                                              "links"}));
  NumericAttribute metrics[] = {{"_sampling_priority_v1", 1}, {"rows", 2.5}};
  SpanRecord r;
  r.timestamp_ns = 42;
  r.duration_ns = 7;
  r.trace_id = trace_id_from_u64(0, 9);
  r.span_id = span_id_from_u64(10);
  r.service = "api";
  r.name = "http.request";
  r.status_code = 2;
  r.error = true;
  r.metrics = metrics;
  r.links_json = R"([{"trace_id":"1"}])";
  batch.append(r);
  const auto& b = batch.columns();
  ASSERT_TRUE(b.validate().ok());
  EXPECT_EQ(column<TimestampColumn>(b, "timestamp").values[0], 42);
  EXPECT_EQ(column<FixedColumn<uint64_t>>(b, "duration_ns").values[0], 7u);
  EXPECT_EQ(column<StringColumn>(b, "resource").at(0), "http.request");  // the name when empty
  EXPECT_EQ(column<FixedColumn<uint8_t>>(b, "status_code").values[0], 2);
  EXPECT_EQ(column<FixedColumn<uint8_t>>(b, "error").values[0], 1);
  EXPECT_EQ(map_row(column<MapColumn>(b, "metrics"), 0),
            (std::vector<std::pair<std::string, std::string>>{{"_sampling_priority_v1", "1"},
                                                              {"rows", "2.5"}}));
  EXPECT_EQ(column<StringColumn>(b, "events").at(0), "[]");
  EXPECT_EQ(column<StringColumn>(b, "links").at(0), R"([{"trace_id":"1"}])");
  EXPECT_EQ(column<FixedBytesColumn>(b, "parent_span_id").data, std::string(8, '\0'));
}

TEST(SpanBatch, MetricLimitsAreCounted) {
  Limits limits;
  limits.max_attributes = 1;
  SpanBatch batch(limits);
  NumericAttribute metrics[] = {{"a", 1}, {"b", 2}, {"c", 3}};
  SpanRecord r;
  r.metrics = metrics;
  batch.append(r);
  EXPECT_EQ(map_row(column<MapColumn>(batch.columns(), "metrics"), 0).size(), 1u);
  EXPECT_EQ(batch.truncated(), 2u);
}

TEST(SeriesId, StableAndIndependentOfTagOrderAndRepeats) {
  std::string_view a[] = {"env:prod", "service:web"};
  std::string_view b[] = {"service:web", "env:prod", "env:prod"};
  std::string_view c[] = {"service:web"};
  EXPECT_EQ(series_id("http.latency", a), series_id("http.latency", b));
  EXPECT_NE(series_id("http.latency", a), series_id("http.latency", c));
  EXPECT_NE(series_id("http.latency", a), series_id("http.errors", a));
  // Tag boundaries matter: {"ab"} is not {"a", "b"}.
  std::string_view joined[] = {"ab"};
  std::string_view split[] = {"a", "b"};
  EXPECT_NE(series_id("m", joined), series_id("m", split));
  EXPECT_EQ(series_id("m", a), series_id("m", a));
}

TEST(SeriesId, ManyTagsHashAsFewDo) {
  // Past the inline capacity the tags are sorted on the heap; the id must not change
  // with the path taken, nor with order and repeats.
  std::vector<std::string> names;
  for (int i = 0; i < 40; ++i) names.push_back("tag" + std::to_string(i) + ":v");
  std::vector<std::string_view> forward(names.begin(), names.end());
  std::vector<std::string_view> backward(names.rbegin(), names.rend());
  backward.push_back(names[3]);
  EXPECT_EQ(series_id("m", forward), series_id("m", backward));
  std::vector<std::string_view> few(names.begin(), names.begin() + 2);
  std::vector<std::string_view> few_repeated(40, names[0]);
  few_repeated.push_back(names[1]);
  EXPECT_EQ(series_id("m", few), series_id("m", few_repeated));
}

TEST(MetricBatch, OneSeriesRowPerDistinctSeries) {
  MetricBatch batch;
  EXPECT_EQ(names(batch.points()), (std::vector<std::string>{"metric", "series_id", "timestamp",
                                                             "value", "weight", "kind"}));
  EXPECT_EQ(names(batch.series()),
            (std::vector<std::string>{"series_id", "metric", "tags", "service", "env", "host",
                                      "kind", "first_seen", "last_seen"}));
  std::string_view web[] = {"service:web", "env:prod", "host:h1", "bare"};
  std::string_view web_reordered[] = {"bare", "host:h1", "env:prod", "service:web"};
  std::string_view db[] = {"service:db"};
  batch.append(MetricPoint{"req", web, MetricKind::count, 1000, 1.5, 1});
  batch.append(MetricPoint{"req", web_reordered, MetricKind::count, 2000, 2.5, 1});
  batch.append(MetricPoint{"req", db, MetricKind::count, 3000, 3.5, 1});
  batch.append(MetricPoint{"lat", db, MetricKind::distribution, 4000, 0.25, 17});
  ASSERT_EQ(batch.size(), 4u);
  ASSERT_EQ(batch.series().rows(), 3u);
  ASSERT_TRUE(batch.points().validate().ok());
  ASSERT_TRUE(batch.series().validate().ok());

  const auto& ids = column<FixedColumn<uint64_t>>(batch.points(), "series_id").values;
  EXPECT_EQ(ids[0], ids[1]);
  EXPECT_NE(ids[0], ids[2]);
  EXPECT_EQ(ids[0], series_id("req", web));
  EXPECT_EQ(column<TimestampColumn>(batch.points(), "timestamp").values[3], 4000ll * 1000000);
  EXPECT_EQ(column<FixedColumn<double>>(batch.points(), "value").values[2], 3.5);
  EXPECT_EQ(column<FixedColumn<uint64_t>>(batch.points(), "weight").values[3], 17u);
  EXPECT_EQ(column<StringColumn>(batch.points(), "kind").at(3), "distribution");

  const auto& s = batch.series();
  EXPECT_EQ(column<FixedColumn<uint64_t>>(s, "series_id").values[0], ids[0]);
  EXPECT_EQ(column<StringColumn>(s, "service").at(0), "web");
  EXPECT_EQ(column<StringColumn>(s, "env").at(0), "prod");
  EXPECT_EQ(column<StringColumn>(s, "host").at(0), "h1");
  EXPECT_EQ(column<StringColumn>(s, "service").at(1), "db");
  EXPECT_EQ(column<StringColumn>(s, "kind").at(2), "distribution");
  EXPECT_EQ(map_row(column<MapColumn>(s, "tags"), 0),
            (std::vector<std::pair<std::string, std::string>>{
                {"service", "web"}, {"env", "prod"}, {"host", "h1"}, {"bare", ""}}));
  EXPECT_EQ(column<TimestampColumn>(s, "first_seen").values[0], 1000ll * 1000000);
}

TEST(MetricBatch, TagLimitIsCounted) {
  Limits limits;
  limits.max_attributes = 1;
  MetricBatch batch(limits);
  std::string_view tags[] = {"a:1", "b:2", "c:3"};
  batch.append(MetricPoint{"m", tags, MetricKind::gauge, 1, 1, 1});
  EXPECT_EQ(batch.truncated(), 2u);
  std::string_view first[] = {"a:1"};
  EXPECT_EQ(column<FixedColumn<uint64_t>>(batch.points(), "series_id").values[0],
            series_id("m", first));
}

TEST(EventBatch, ColumnsAndTags) {
  EventBatch batch;
  EXPECT_EQ(
      names(batch.columns()),
      (std::vector<std::string>{"timestamp", "title", "text", "source", "priority", "alert_type",
                                "host", "service", "env", "aggregation_key", "tags"}));
  std::string_view tags[] = {"team:core", "urgent"};
  Event e;
  e.timestamp_ms = 5;
  e.title = "deploy";
  e.text = "v2 is out";
  e.alert_type = "info";
  e.tags = tags;
  batch.append(e);
  const auto& b = batch.columns();
  ASSERT_TRUE(b.validate().ok());
  EXPECT_EQ(column<TimestampColumn>(b, "timestamp").values[0], 5000000);
  EXPECT_EQ(column<StringColumn>(b, "title").at(0), "deploy");
  EXPECT_EQ(column<StringColumn>(b, "text").at(0), "v2 is out");
  EXPECT_EQ(map_row(column<MapColumn>(b, "tags"), 0),
            (std::vector<std::pair<std::string, std::string>>{{"team", "core"}, {"urgent", ""}}));
}

TEST(EventBatch, LimitsCutAndCount) {
  Limits limits;
  limits.max_message_bytes = 3;
  limits.max_attributes = 1;
  EventBatch batch(limits);
  std::string_view tags[] = {"a:1", "b:2"};
  Event e;
  e.text = "abcdef";
  e.tags = tags;
  batch.append(e);
  EXPECT_EQ(column<StringColumn>(batch.columns(), "text").at(0), "abc");
  EXPECT_EQ(batch.truncated(), 2u);
}

}  // namespace
}  // namespace heeler::pipeline
