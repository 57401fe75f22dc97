#include "query/search.h"

#include <gtest/gtest.h>

#include <string>

#include "query/search_sql.h"

namespace heeler::query {
namespace {

// The canonical print of a query, or "error@<offset>: <message>".
std::string parsed(std::string_view text) {
  ParsedSearch p = parse_search(text);
  if (!p.ok()) return "error@" + std::to_string(p.error->position) + ": " + p.error->message;
  return to_string(p.root.get());
}

size_t error_at(std::string_view text) {
  ParsedSearch p = parse_search(text);
  EXPECT_FALSE(p.ok()) << text;
  return p.ok() ? std::string::npos : p.error->position;
}

TEST(SearchSyntax, EmptyQueryMatchesEverything) {
  EXPECT_EQ(parsed(""), "*");
  EXPECT_EQ(parsed("   "), "*");
}

TEST(SearchSyntax, FreeTextAndPhrases) {
  EXPECT_EQ(parsed("timeout"), "text:timeout");
  EXPECT_EQ(parsed("\"connection reset by peer\""), "text\"connection reset by peer\"");
  EXPECT_EQ(parsed("timeout retry"), "(text:timeout AND text:retry)");
  EXPECT_EQ(parsed("time*"), "text~time*");
}

TEST(SearchSyntax, ReservedFieldsAndAttributes) {
  EXPECT_EQ(parsed("service:web"), "service=\"web\"");
  EXPECT_EQ(parsed("@http.method:POST"), "@http.method=\"POST\"");
  EXPECT_EQ(parsed("service:\"my app\""), "service=\"my app\"");
  EXPECT_EQ(parsed("host:web-*"), "host~\"web-*\"");
  EXPECT_EQ(parsed("*:abc123"), "*=\"abc123\"");
  EXPECT_EQ(parsed("@user.id:*"), "@user.id exists");
}

TEST(SearchSyntax, NumericComparisonsRangesAndUnits) {
  EXPECT_EQ(parsed("@http.status_code:[500 TO 599]"), "@http.status_code in [500,599]");
  EXPECT_EQ(parsed("@http.status_code:{500 TO *}"), "@http.status_code in (500,*)");
  EXPECT_EQ(parsed("@duration:>1s"), "@duration>1s");
  EXPECT_EQ(parsed("@duration:<=250ms"), "@duration<=250ms");
  EXPECT_EQ(*parse_number_with_unit("1s"), 1e9);
  EXPECT_EQ(*parse_number_with_unit("250ms"), 250e6);
  EXPECT_EQ(*parse_number_with_unit("1.5us"), 1500);
  EXPECT_EQ(*parse_number_with_unit("2m"), 120e9);
  EXPECT_EQ(*parse_number_with_unit("-3"), -3);
  EXPECT_FALSE(parse_number_with_unit("fast"));
  EXPECT_FALSE(parse_number_with_unit("1parsec"));
  EXPECT_FALSE(parse_number_with_unit(""));
}

TEST(SearchSyntax, BooleanOperatorsAndPrecedence) {
  EXPECT_EQ(parsed("a OR b c"), "(text:a OR (text:b AND text:c))");
  EXPECT_EQ(parsed("(a OR b) c"), "((text:a OR text:b) AND text:c)");
  EXPECT_EQ(parsed("a AND b"), "(text:a AND text:b)");
  EXPECT_EQ(parsed("-"), "text:-");  // a lone dash negates nothing: it is text
  EXPECT_EQ(parsed("-env:dev"), "NOT env=\"dev\"");
  EXPECT_EQ(parsed("NOT env:dev service:web"), "(NOT env=\"dev\" AND service=\"web\")");
  EXPECT_EQ(parsed("NOT (a OR b)"), "NOT (text:a OR text:b)");
  // Lower-case words are text, not operators (as in Datadog).
  EXPECT_EQ(parsed("a or b"), "(text:a AND text:or AND text:b)");
}

TEST(SearchSyntax, ValueGroups) {
  EXPECT_EQ(parsed("status:(error OR warn)"), "(status=\"error\" OR status=\"warn\")");
  EXPECT_EQ(parsed("@http.status_code:(500 OR 503) service:web"),
            "((@http.status_code=\"500\" OR @http.status_code=\"503\") AND service=\"web\")");
  EXPECT_EQ(parsed("env:(prod -canary)"), "(env=\"prod\" AND NOT env=\"canary\")");
}

TEST(SearchSyntax, Escapes) {
  EXPECT_EQ(parsed(R"(service:my\ app)"), "service=\"my app\"");
  EXPECT_EQ(parsed(R"(@url:\/api\/v1\:x)"), "@url=\"/api/v1:x\"");
  EXPECT_EQ(parsed(R"(foo\:bar)"), "text:foo:bar");
  // An escaped star is a literal, not a wildcard.
  EXPECT_EQ(parsed(R"(@name:a\*b)"), "@name=\"a*b\"");
  EXPECT_EQ(parsed(R"("say \"hi\"")"), "text\"say \"hi\"\"");
}

TEST(SearchSyntax, ErrorsPointAtTheProblem) {
  EXPECT_EQ(error_at("service:web (a OR b"), 12u);
  EXPECT_EQ(error_at("a OR"), 2u);
  EXPECT_EQ(error_at("AND a"), 0u);
  EXPECT_EQ(error_at("a )"), 2u);
  EXPECT_EQ(error_at("\"unclosed"), 0u);
  EXPECT_EQ(error_at("service:"), 8u);
  EXPECT_EQ(error_at(":web"), 0u);
  EXPECT_EQ(error_at("@:x"), 0u);
  EXPECT_EQ(error_at("@d:[1 2]"), 6u);
  EXPECT_EQ(error_at("@d:[1 TO x]"), 9u);
  EXPECT_EQ(error_at("@d:[1 TO 2"), 3u);
  EXPECT_EQ(error_at("@d:>fast"), 4u);
  EXPECT_EQ(error_at("ser*ice:web"), 0u);
  EXPECT_EQ(error_at("a ()"), 2u);
  EXPECT_EQ(error_at("abc\\"), 3u);
  EXPECT_NE(parsed("a OR").find("OR needs a term"), std::string::npos);
}

TEST(SearchSyntax, HostileInputNeverCrashes) {
  EXPECT_FALSE(parse_search(std::string(100000, '(')).ok());
  EXPECT_FALSE(parse_search(std::string(5000, '-') + "a").ok());  // nesting is bounded
  EXPECT_FALSE(parse_search("a:" + std::string(5000, '(') + "b").ok());
  std::string many;
  for (int i = 0; i < 20000; ++i) many += "a OR ";
  many += "b";
  EXPECT_TRUE(parse_search(many).ok());
  EXPECT_TRUE(parse_search(std::string("\xff\xfe\x00zz", 5)).ok());
}

TEST(SearchSyntax, TermPositionsCoverTheirText) {
  ParsedSearch p = parse_search("service:web @http.status_code:>=500");
  ASSERT_TRUE(p.ok());
  ASSERT_EQ(p.root->children.size(), 2u);
  EXPECT_EQ(p.root->children[0]->term.position, 0u);
  EXPECT_EQ(p.root->children[0]->term.length, 11u);
  EXPECT_EQ(p.root->children[1]->term.position, 12u);
  EXPECT_EQ(p.root->children[1]->term.length, 23u);
}

}  // namespace
}  // namespace heeler::query

namespace heeler::query {
namespace {

TEST(SearchSql, ValuesBecomeParametersNeverText) {
  auto c = search_condition(R"(service:"web' OR 1=1 --" @a.b:"x\"y" "drop table")",
                            logs_search_target());
  ASSERT_TRUE(c.ok()) << c.status().to_string();
  EXPECT_EQ(c->sql.find("1=1"), std::string::npos) << c->sql;
  EXPECT_EQ(c->sql.find("drop"), std::string::npos) << c->sql;
  EXPECT_EQ(c->sql.find("a.b"), std::string::npos) << c->sql;
  bool found = false;
  for (const auto& [name, value] : c->params.items()) found = found || value == "web' OR 1=1 --";
  EXPECT_TRUE(found);
}

TEST(SearchSql, EmptyQueryIsTrue) {
  auto c = search_condition("  ", logs_search_target());
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->sql, "1");
  EXPECT_TRUE(c->params.empty());
}

TEST(SearchSql, ErrorsNameThePosition) {
  auto bad_number = search_condition("service:web @d:[1 TO 2", logs_search_target());
  ASSERT_FALSE(bad_number.ok());
  EXPECT_EQ(bad_number.status().message().rfind("at 15:", 0), 0u) << bad_number.status().message();
  auto bad_id = search_condition("env:x trace_id:zz", logs_search_target());
  ASSERT_FALSE(bad_id.ok());
  EXPECT_EQ(bad_id.status().message(), "at 6: 'zz' is not a trace_id");
  auto no_wildcard = search_condition("@duration:1*", spans_search_target());
  EXPECT_FALSE(no_wildcard.ok());
}

TEST(SearchSql, ParameterPrefixesKeepConditionsApart) {
  auto a = search_condition("service:a", logs_search_target(), "x");
  auto b = search_condition("service:b", logs_search_target(), "y");
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NE(a->sql.find("{x0:String}"), std::string::npos);
  EXPECT_NE(b->sql.find("{y0:String}"), std::string::npos);
}

}  // namespace
}  // namespace heeler::query
