#include "store/query_text.h"

#include <gtest/gtest.h>

#include <random>

namespace heeler::store::sql {
namespace {

// ClickHouse's reading of an escaped value, for the escapes escape_param_value writes.
std::string unescape(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '\\' || i + 1 == s.size()) {
      out += s[i];
      continue;
    }
    char c = s[++i];
    switch (c) {
      case 'n':
        out += '\n';
        break;
      case 't':
        out += '\t';
        break;
      case 'r':
        out += '\r';
        break;
      case '0':
        out += '\0';
        break;
      default:
        out += c;
    }
  }
  return out;
}

TEST(EscapeParamValue, EscapesBackslashAndControlCharacters) {
  EXPECT_EQ(escape_param_value("plain"), "plain");
  EXPECT_EQ(escape_param_value("a\\b"), "a\\\\b");
  EXPECT_EQ(escape_param_value("l1\nl2"), "l1\\nl2");
  EXPECT_EQ(escape_param_value("a\tb\rc"), "a\\tb\\rc");
  EXPECT_EQ(escape_param_value(std::string("x\0y", 3)), "x\\0y");
  EXPECT_EQ(escape_param_value("\\N"), "\\\\N");  // not NULL
  EXPECT_EQ(escape_param_value("') OR 1=1 --"), "') OR 1=1 --");
  EXPECT_EQ(escape_param_value("h\xc3\xa9llo \xf0\x9f\x90\x84"), "h\xc3\xa9llo \xf0\x9f\x90\x84");
  EXPECT_EQ(escape_param_value(""), "");
}

TEST(EscapeParamValue, RoundTripsEveryByte) {
  std::string all;
  for (int c = 0; c < 256; ++c) all += static_cast<char>(c);
  EXPECT_EQ(unescape(escape_param_value(all)), all);
  std::mt19937 rng(7);
  for (int i = 0; i < 200; ++i) {
    std::string s(rng() % 64, '\0');
    for (auto& c : s) c = static_cast<char>("\\\n\t\r\0ab'\""[rng() % 10]);
    EXPECT_EQ(unescape(escape_param_value(s)), s);
  }
}

TEST(PlaceholderTypes, FindsNamesAndTypes) {
  auto types = parameter_types(
      "SELECT {s:String}, { n : UInt64 }, {ts:DateTime64(3, 'Asia/Tokyo')}, "
      "{tags:Array(String)} FROM t WHERE x = {s:LowCardinality(String)} AND y = '{}' "
      "AND z = {m:Map(String, Tuple(a UInt8, b String))}");
  ASSERT_EQ(types.size(), 5u);
  EXPECT_EQ(types["s"], "String");  // the first use wins
  EXPECT_EQ(types["n"], "UInt64");
  EXPECT_EQ(types["ts"], "DateTime64(3, 'Asia/Tokyo')");
  EXPECT_EQ(types["tags"], "Array(String)");
  EXPECT_EQ(types["m"], "Map(String, Tuple(a UInt8, b String))");
}

TEST(PlaceholderTypes, IgnoresBracesThatAreNotPlaceholders) {
  EXPECT_TRUE(parameter_types("SELECT '{' || '}' , {}, {1:2}, {a}").empty());
  EXPECT_TRUE(parameter_types("SELECT {unterminated:String").empty());
}

TEST(CompositeTypes, AreRecognisedThroughWrappers) {
  EXPECT_TRUE(is_composite_type("Array(String)"));
  EXPECT_TRUE(is_composite_type("Map(String, UInt8)"));
  EXPECT_TRUE(is_composite_type("Tuple(UInt8, String)"));
  EXPECT_TRUE(is_composite_type("Nullable(Array(String))"));
  EXPECT_TRUE(is_composite_type("LowCardinality(Nullable(Tuple(String)))"));
  EXPECT_FALSE(is_composite_type("String"));
  EXPECT_FALSE(is_composite_type("LowCardinality(String)"));
  EXPECT_FALSE(is_composite_type("Nullable(String)"));
  EXPECT_FALSE(is_composite_type("DateTime64(3)"));
  EXPECT_FALSE(is_composite_type("ArrayLike"));
  EXPECT_FALSE(is_composite_type(""));
}

TEST(EncodeParam, EscapesScalarsAndPassesLiteralsAsTheyAre) {
  EXPECT_EQ(encode_param("String", "a\\b"), "a\\\\b");
  EXPECT_EQ(encode_param("", "a\nb"), "a\\nb");
  EXPECT_EQ(encode_param("Array(String)", "['a\\'b', 'c']"), "['a\\'b', 'c']");
}

TEST(Identifiers, AcceptOnlyPlainNames) {
  for (const char* ok : {"logs", "_x", "A1_b2", "metric_points"})
    EXPECT_TRUE(is_identifier(ok)) << ok;
  for (const char* bad : {"", "1abc", "a-b", "a b", "a`b", "db.table", "x;DROP", "é"})
    EXPECT_FALSE(is_identifier(bad)) << bad;
}

TEST(DedupToken, AllowsASafeAlphabetUpTo128) {
  EXPECT_TRUE(is_valid_dedup_token("batch-1:2.3_x"));
  EXPECT_TRUE(is_valid_dedup_token(std::string(128, 'a')));
  EXPECT_FALSE(is_valid_dedup_token(std::string(129, 'a')));
  EXPECT_FALSE(is_valid_dedup_token(""));
  EXPECT_FALSE(is_valid_dedup_token("a'b"));
  EXPECT_FALSE(is_valid_dedup_token("a b"));
  EXPECT_FALSE(is_valid_dedup_token("a\\b"));
}

TEST(ArrowInsertStatement, QuotesNamesAndInlinesTheToken) {
  EXPECT_EQ(arrow_insert_statement("logs", {"timestamp", "message"}, "heeler_batch_7", ""),
            "INSERT INTO `logs` (`timestamp`, `message`) SELECT * FROM "
            "arrowstream('heeler_batch_7') SETTINGS insert_deduplicate = 0");
  EXPECT_EQ(arrow_insert_statement("t", {"a"}, "b1", "tok-1"),
            "INSERT INTO `t` (`a`) SELECT * FROM arrowstream('b1') SETTINGS "
            "insert_deduplicate = 1, insert_deduplication_token = 'tok-1'");
}

TEST(EngineConfig, GivesEverySystemLogATtl) {
  std::string xml = engine_config_xml(3);
  EXPECT_EQ(system_log_tables().size(), 19u);
  for (const auto& table : system_log_tables()) {
    std::string section = "<" + table + ">\n    <database>system</database>\n    <table>" + table +
                          "</table>\n    <ttl>event_date + INTERVAL 3 DAY DELETE</ttl>\n  </" +
                          table + ">";
    EXPECT_NE(xml.find(section), std::string::npos) << table;
  }
  EXPECT_TRUE(xml.starts_with("<?xml"));
  EXPECT_TRUE(xml.ends_with("</clickhouse>\n"));
}

TEST(EngineConfig, SystemLogTtlStatement) {
  EXPECT_EQ(system_log_ttl_statement("trace_log", 5),
            "ALTER TABLE system.`trace_log` MODIFY TTL event_date + INTERVAL 5 DAY");
}

TEST(TrimMessage, DropsSurroundingWhitespace) {
  EXPECT_EQ(trim_message("  Code: 62. Syntax error\n\n"), "Code: 62. Syntax error");
  EXPECT_EQ(trim_message(""), "");
}

}  // namespace
}  // namespace heeler::store::sql
