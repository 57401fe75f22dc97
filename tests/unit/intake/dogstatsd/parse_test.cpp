#include "intake/dogstatsd/parse.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace heeler::intake {
namespace {

// The metric/event lines of a captured sample file: '#' lines are headers, blank
// lines separate datagrams, a "quoted" line is a TCP stream with "\n" escapes.
std::vector<std::string> sample_lines(const std::string& file) {
  std::ifstream in(std::string(DOGSTATSD_TESTDATA) + "/" + file);
  EXPECT_TRUE(in.good()) << file;
  std::vector<std::string> lines;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line.front() == '#') continue;
    if (line.front() == '"') {
      std::string stream = line.substr(1, line.rfind('"') - 1);
      size_t pos;
      while ((pos = stream.find("\\n")) != std::string::npos) stream.replace(pos, 2, "\n");
      for_each_statsd_line(stream, [&](std::string_view l) { lines.emplace_back(l); });
      continue;
    }
    lines.push_back(line);
  }
  return lines;
}

StatsdLine parse_ok(std::string_view text) {
  StatsdLine line;
  StatsdError error = parse_statsd_line(text, line);
  EXPECT_EQ(error, StatsdError::none) << text << ": " << statsd_error_name(error);
  return line;
}

std::vector<double> values_of(const StatsdMetric& m) {
  std::vector<double> out;
  std::string_view values = m.values;
  double v;
  while (next_statsd_value(values, v)) out.push_back(v);
  return out;
}

TEST(DogstatsdParse, EveryLineOfTheCapturedSamplesParses) {
  struct File {
    const char* name;
    size_t min_lines;
  } files[] = {{"hotshots_udp_datagrams.txt", 20},
               {"ddtrace_POST_dogstatsd_v2_proxy_runtime_metrics.txt", 97},
               {"ddtrace_dogstatsd_udp_fallback.txt", 130}};
  for (const auto& file : files) {
    auto lines = sample_lines(file.name);
    EXPECT_GE(lines.size(), file.min_lines) << file.name;
    for (const auto& text : lines) {
      StatsdLine line = parse_ok(text);
      if (line.kind == StatsdLine::Kind::metric) {
        EXPECT_FALSE(line.metric.name.empty()) << text;
        EXPECT_FALSE(line.metric.values.empty()) << text;
      }
    }
  }
}

TEST(DogstatsdParse, EveryType) {
  struct Case {
    const char* text;
    StatsdType type;
    double value;
  } cases[] = {
      {"a.g:42.5|g", StatsdType::gauge, 42.5},   {"a.c:3|c", StatsdType::count, 3},
      {"a.h:250|h", StatsdType::histogram, 250}, {"a.d:12.75|d", StatsdType::distribution, 12.75},
      {"a.ms:350|ms", StatsdType::timing, 350},  {"a.c:-1|c", StatsdType::count, -1},
      {"a.h:1e3|h", StatsdType::histogram, 1000}};
  for (const auto& c : cases) {
    StatsdLine line = parse_ok(c.text);
    ASSERT_EQ(line.kind, StatsdLine::Kind::metric);
    EXPECT_EQ(line.metric.type, c.type) << c.text;
    EXPECT_EQ(values_of(line.metric), std::vector<double>{c.value}) << c.text;
    EXPECT_FALSE(line.metric.delta);
    EXPECT_EQ(line.metric.sample_rate, 1);
  }
  StatsdLine set = parse_ok("hs.set:user-1|s|#env:e");
  EXPECT_EQ(set.metric.type, StatsdType::set);
  EXPECT_EQ(set.metric.values, "user-1");
  EXPECT_EQ(set.metric.name, "hs.set");
}

TEST(DogstatsdParse, GaugeDeltas) {
  StatsdLine minus = parse_ok("hs.gauge.delta:-3|g");
  EXPECT_TRUE(minus.metric.delta);
  EXPECT_EQ(values_of(minus.metric), std::vector<double>{-3});
  StatsdLine plus = parse_ok("hs.gauge.delta:+3|g");
  EXPECT_TRUE(plus.metric.delta);
  EXPECT_EQ(values_of(plus.metric), std::vector<double>{3});
  // A signed count is just a negative count.
  EXPECT_FALSE(parse_ok("c:-3|c").metric.delta);
}

TEST(DogstatsdParse, RateTagsContainerTimestampAndUnknownFields) {
  StatsdLine line = parse_ok(
      "hs.timing:350|ms|@0.5|#env:capture-env,service:hs-svc,t:1|c:in-6140|T1700000000|e:x");
  const StatsdMetric& m = line.metric;
  EXPECT_EQ(m.name, "hs.timing");
  EXPECT_EQ(m.type, StatsdType::timing);
  EXPECT_DOUBLE_EQ(m.sample_rate, 0.5);
  EXPECT_EQ(m.tags, "env:capture-env,service:hs-svc,t:1");
  EXPECT_EQ(m.container, "in-6140");
  EXPECT_EQ(m.timestamp_s, 1700000000);
  // Fields in another order, a trailing '|', an unknown field.
  StatsdLine other = parse_ok("x:1|c|#a,b|@0.25|zz:1|");
  EXPECT_DOUBLE_EQ(other.metric.sample_rate, 0.25);
  EXPECT_EQ(other.metric.tags, "a,b");
  EXPECT_EQ(other.metric.timestamp_s, 0);
  EXPECT_EQ(other.metric.container, "");
}

TEST(DogstatsdParse, MultipleValues) {
  StatsdLine line = parse_ok("lat:1:2:3.5|h|#a:b");
  EXPECT_EQ(values_of(line.metric), (std::vector<double>{1, 2, 3.5}));
  EXPECT_EQ(line.metric.tags, "a:b");
  StatsdLine d = parse_ok("d:0.5:0.25|d");
  EXPECT_EQ(values_of(d.metric), (std::vector<double>{0.5, 0.25}));
}

TEST(DogstatsdParse, LinesOfADatagram) {
  std::vector<std::string> got;
  for_each_statsd_line("a:1|c\r\nb:2|g\n\nc:3|h\n",
                       [&](std::string_view l) { got.emplace_back(l); });
  EXPECT_EQ(got, (std::vector<std::string>{"a:1|c", "b:2|g", "c:3|h"}));
  EXPECT_EQ(parse_ok("a:1|c\r").metric.type, StatsdType::count);
}

TEST(DogstatsdParse, EventWithEscapedNewlineAndFields) {
  StatsdLine line = parse_ok(
      "_e{15,28}:Deploy happened|v1.2.3 deployed\\nsecond line|d:1700000000|h:host-1|k:agg|"
      "p:low|s:my_src|t:info|#env:capture-env,service:hs-svc,deploy:yes");
  ASSERT_EQ(line.kind, StatsdLine::Kind::event);
  const StatsdEvent& e = line.event;
  EXPECT_EQ(e.title, "Deploy happened");
  EXPECT_EQ(e.text, "v1.2.3 deployed\\nsecond line");
  EXPECT_EQ(unescape_statsd_text(e.text), "v1.2.3 deployed\nsecond line");
  EXPECT_EQ(e.timestamp_s, 1700000000);
  EXPECT_EQ(e.host, "host-1");
  EXPECT_EQ(e.aggregation_key, "agg");
  EXPECT_EQ(e.priority, "low");
  EXPECT_EQ(e.source, "my_src");
  EXPECT_EQ(e.alert_type, "info");
  EXPECT_EQ(e.tags, "env:capture-env,service:hs-svc,deploy:yes");
}

TEST(DogstatsdParse, EventLengthsCountUtf8Bytes) {
  // "Déploiement ✓" is 16 bytes; "héllo|wörld" holds a '|' inside the text.
  StatsdLine line = parse_ok("_e{16,13}:Déploiement ✓|héllo|wörld|#a:b");
  EXPECT_EQ(line.event.title, "Déploiement ✓");
  EXPECT_EQ(line.event.text, "héllo|wörld");
  EXPECT_EQ(line.event.tags, "a:b");
  StatsdLine bare = parse_ok("_e{1,0}:t|");
  EXPECT_EQ(bare.event.title, "t");
  EXPECT_EQ(bare.event.text, "");
}

TEST(DogstatsdParse, ServiceCheck) {
  StatsdLine line = parse_ok(
      "_sc|hs.service.check|1|h:host-1|#env:capture-env,service:hs-svc,disk:sda|m:disk almost "
      "full");
  ASSERT_EQ(line.kind, StatsdLine::Kind::service_check);
  const StatsdServiceCheck& c = line.check;
  EXPECT_EQ(c.name, "hs.service.check");
  EXPECT_EQ(c.status, 1);
  EXPECT_EQ(c.host, "host-1");
  EXPECT_EQ(c.tags, "env:capture-env,service:hs-svc,disk:sda");
  EXPECT_EQ(c.message, "disk almost full");
  StatsdLine with_time = parse_ok("_sc|db|2|d:1700000000|m:down | really");
  EXPECT_EQ(with_time.check.status, 2);
  EXPECT_EQ(with_time.check.timestamp_s, 1700000000);
  EXPECT_EQ(with_time.check.message, "down | really");
  EXPECT_EQ(parse_ok("_sc|x|3").check.status, 3);
}

TEST(DogstatsdParse, MalformedLinesAreRejectedWithAReason) {
  const std::string long_tag = "x:1|c|#k:" + std::string(10 << 20, 'v');
  const std::string wide_tag = "x:1|c|#k:" + std::string(kMaxTagBytes + 1, 'v');
  std::string many_tags = "x:1|c|#";
  for (size_t i = 0; i <= kMaxTags; ++i) many_tags += "t" + std::to_string(i) + ",";
  struct Case {
    std::string text;
    StatsdError error;
  } cases[] = {
      {":1|c", StatsdError::empty_name},
      {"name|c", StatsdError::missing_value},
      {"name:|c", StatsdError::missing_value},
      {"name:1", StatsdError::missing_type},
      {"name:1|", StatsdError::missing_type},
      {"name:1|x", StatsdError::unknown_type},
      {"name:1|cc", StatsdError::unknown_type},
      {"name:abc|c", StatsdError::bad_value},
      {"name:1..2|g", StatsdError::bad_value},
      {"name:1:|h", StatsdError::bad_value},
      {"name:1:x:3|h", StatsdError::bad_value},
      {"name:nan|g", StatsdError::not_finite},
      {"name:inf|c", StatsdError::not_finite},
      {"name:-inf|h", StatsdError::not_finite},
      {"name:1e999|d", StatsdError::bad_value},
      {"name:1|c|@0", StatsdError::bad_sample_rate},
      {"name:1|c|@1.5", StatsdError::bad_sample_rate},
      {"name:1|c|@x", StatsdError::bad_sample_rate},
      {"name:1|c|@nan", StatsdError::bad_sample_rate},
      {"name:1|c|Tabc", StatsdError::bad_timestamp},
      {"name:1|c|T-5", StatsdError::bad_timestamp},
      {"name:1|c|T9223372036854775807", StatsdError::bad_timestamp},
      {"name:1|c|T99999999999999999999", StatsdError::bad_timestamp},
      {"_e{1,1}:t|x|d:9223372036854775807", StatsdError::bad_timestamp},
      {"_sc|name|0|d:253402300800", StatsdError::bad_timestamp},
      {wide_tag, StatsdError::bad_tags},
      {many_tags, StatsdError::bad_tags},
      {long_tag, StatsdError::line_too_long},
      {"na\xffme:1|c", StatsdError::invalid_utf8},
      {"name:1|c|#k:\xc3", StatsdError::invalid_utf8},
      {"name:1|c|#k:\xed\xa0\x80", StatsdError::invalid_utf8},  // a UTF-16 surrogate
      {"name:1|c|#k:\xc0\xaf", StatsdError::invalid_utf8},      // overlong '/'
      {"_e{5,4}:title|te", StatsdError::bad_event},             // truncated text
      {"_e{5,4}:titl", StatsdError::bad_event},
      {"_e{999999999999,1}:t|x", StatsdError::bad_event},
      {"_e{65537,1}:t|x", StatsdError::bad_event},
      {"_e{-1,1}:t|x", StatsdError::bad_event},
      {"_e{0,1}:|x", StatsdError::bad_event},
      {"_e{1,1}:tx", StatsdError::bad_event},
      {"_e{1,1}:t|xy", StatsdError::bad_event},
      {"_e{a,b}:t|x", StatsdError::bad_event},
      {"_e{1,1}", StatsdError::bad_event},
      {"_e{1,1}:t|x|d:soon", StatsdError::bad_timestamp},
      {"_sc|", StatsdError::bad_service_check},
      {"_sc|name", StatsdError::bad_service_check},
      {"_sc|name|4", StatsdError::bad_service_check},
      {"_sc|name|ok", StatsdError::bad_service_check},
      {"_sc|name|0|d:x", StatsdError::bad_timestamp},
  };
  for (const auto& c : cases) {
    StatsdLine line;
    StatsdError error = parse_statsd_line(c.text, line);
    EXPECT_EQ(error, c.error) << c.text.substr(0, 60) << " → " << statsd_error_name(error);
    EXPECT_NE(statsd_error_name(error), "unknown");
  }
}

TEST(DogstatsdParse, ErrorNamesAreStable) {
  EXPECT_EQ(statsd_error_name(StatsdError::bad_value), "bad_value");
  EXPECT_EQ(statsd_error_name(StatsdError::bad_service_check), "bad_service_check");
  EXPECT_EQ(statsd_error_name(StatsdError::invalid_utf8), "invalid_utf8");
}

}  // namespace
}  // namespace heeler::intake
