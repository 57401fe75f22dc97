#include "query/metric_query.h"

#include <gtest/gtest.h>

#include <string>

namespace heeler::query {
namespace {

std::string scope_text(const ScopeNode* n) {
  if (!n) return "*";
  switch (n->kind) {
    case ScopeNode::Kind::negate:
      return "NOT " + scope_text(n->children[0].get());
    case ScopeNode::Kind::all:
    case ScopeNode::Kind::any: {
      std::string out = "(";
      for (size_t i = 0; i < n->children.size(); ++i) {
        if (i) out += n->kind == ScopeNode::Kind::all ? " AND " : " OR ";
        out += scope_text(n->children[i].get());
      }
      return out + ")";
    }
    case ScopeNode::Kind::condition:
      break;
  }
  const TagCondition& c = n->condition;
  if (c.bare) return "has " + c.key;
  if (c.in) {
    std::string out = c.key + " IN [";
    for (size_t i = 0; i < c.values.size(); ++i) out += (i ? "," : "") + c.values[i];
    return out + "]";
  }
  return c.key + "=" + c.value;
}

const MetricQuery& only_query(const ParsedMetricExpr& p) {
  EXPECT_TRUE(p.ok()) << (p.error ? p.error->message : "");
  static MetricQuery empty;
  if (!p.ok() || p.root->kind != MetricExpr::Kind::query) return empty;
  return *p.root->query;
}

size_t error_at(std::string_view text) {
  ParsedMetricExpr p = parse_metric_expression(text);
  EXPECT_FALSE(p.ok()) << text;
  return p.ok() ? std::string::npos : p.error->position;
}

TEST(MetricQuery, TheFullExampleParses) {
  auto p = parse_metric_expression(
      "avg:trace.http.request.duration{service:web,env:prod,!host:canary-*} by "
      "{resource_name,host}.rollup(p95, 60)");
  const MetricQuery& q = only_query(p);
  EXPECT_EQ(q.space_aggregator, "avg");
  EXPECT_EQ(q.metric, "trace.http.request.duration");
  EXPECT_EQ(scope_text(q.scope.get()), "(service=web AND env=prod AND NOT host=canary-*)");
  EXPECT_EQ(q.group_by, (std::vector<std::string>{"resource_name", "host"}));
  EXPECT_EQ(q.rollup_aggregator, "p95");
  EXPECT_EQ(q.rollup_seconds, 60);
}

TEST(MetricQuery, DefaultsAndMethods) {
  {
    auto p = parse_metric_expression("system.cpu.user{*}");
    const MetricQuery& q = only_query(p);
    EXPECT_EQ(q.space_aggregator, "avg");
    EXPECT_EQ(q.scope, nullptr);
    EXPECT_TRUE(q.group_by.empty());
    EXPECT_EQ(q.as, MetricQuery::As::none);
  }
  {
    auto p = parse_metric_expression("sum:requests{env:prod}.as_count().fill(zero)");
    const MetricQuery& q = only_query(p);
    EXPECT_EQ(q.as, MetricQuery::As::count);
    EXPECT_EQ(q.fill, MetricQuery::Fill::zero);
  }
  {
    auto p =
        parse_metric_expression("sum:requests{} by {host}.as_rate().rollup(120).fill(last, 300)");
    const MetricQuery& q = only_query(p);
    EXPECT_EQ(q.as, MetricQuery::As::rate);
    EXPECT_EQ(q.rollup_seconds, 120);
    EXPECT_TRUE(q.rollup_aggregator.empty());
    EXPECT_EQ(q.fill, MetricQuery::Fill::last);
    EXPECT_EQ(q.fill_limit_seconds, 300);
  }
}

TEST(MetricQuery, ScopesWithBooleansAndIn) {
  auto scope = [](std::string_view text) {
    auto p = parse_metric_expression(text);
    return scope_text(only_query(p).scope.get());
  };
  EXPECT_EQ(scope("m{env IN (prod, staging)}"), "env IN [prod,staging]");
  EXPECT_EQ(scope("m{env NOT IN (dev)}"), "NOT env IN [dev]");
  EXPECT_EQ(scope("m{env:prod AND (region:eu OR region:us)}"),
            "(env=prod AND (region=eu OR region=us))");
  EXPECT_EQ(scope("m{NOT env:dev, canary}"), "(NOT env=dev AND has canary)");
  EXPECT_EQ(scope("m{-env:dev}"), "NOT env=dev");
  EXPECT_EQ(scope("m{url:http://x/y}"), "url=http://x/y");
}

TEST(MetricQuery, Formulas) {
  auto p = parse_metric_expression("a / b * 100");
  ASSERT_TRUE(p.ok());
  ASSERT_EQ(p.root->kind, MetricExpr::Kind::binary);
  EXPECT_EQ(p.root->op, '*');
  EXPECT_EQ(p.root->args[0]->op, '/');
  EXPECT_EQ(p.root->args[0]->args[0]->name, "a");
  EXPECT_EQ(p.root->args[1]->number, 100);

  auto shifted = parse_metric_expression("timeshift(avg:cpu{*}, -86400)");
  ASSERT_TRUE(shifted.ok());
  EXPECT_EQ(shifted.root->name, "timeshift");
  ASSERT_EQ(shifted.root->args.size(), 2u);
  EXPECT_EQ(shifted.root->args[1]->number, -86400);

  auto top = parse_metric_expression("top(avg:cpu{*} by {host}, 10, 'mean', 'desc')");
  ASSERT_TRUE(top.ok()) << top.error->message;
  EXPECT_EQ(top.root->args[1]->number, 10);
  EXPECT_EQ(top.root->string_args, (std::vector<std::string>{"mean", "desc"}));

  auto mixed = parse_metric_expression("sum:errors{*}.as_count() / sum:hits{*}.as_count() * 100");
  ASSERT_TRUE(mixed.ok());
  EXPECT_EQ(metric_queries(*mixed.root).size(), 2u);

  auto negative = parse_metric_expression("-a + abs(b)");
  ASSERT_TRUE(negative.ok());
  EXPECT_EQ(negative.root->args[0]->kind, MetricExpr::Kind::negate);
}

TEST(MetricQuery, ErrorsPointAtTheProblem) {
  EXPECT_EQ(error_at(""), 0u);
  EXPECT_EQ(error_at("avg:cpu"), 7u);                  // no scope
  EXPECT_EQ(error_at("median:cpu{*}"), 0u);            // unknown aggregator
  EXPECT_EQ(error_at("avg:cpu{env:prod"), 16u);        // scope never closed
  EXPECT_EQ(error_at("avg:cpu{*}.rollup(p42)"), 11u);  // unknown rollup aggregator
  EXPECT_EQ(error_at("avg:cpu{*}.rollup(avg, -5)"), 11u);
  EXPECT_EQ(error_at("avg:cpu{*}.smooth()"), 11u);
  EXPECT_EQ(error_at("avg:cpu{*} by {}"), 15u);
  EXPECT_EQ(error_at("frobnicate(a)"), 0u);
  EXPECT_EQ(error_at("timeshift(a)"), 11u);
  EXPECT_EQ(error_at("a + "), 4u);
  EXPECT_EQ(error_at("(a + b"), 6u);
  EXPECT_EQ(error_at("a b"), 2u);
  EXPECT_EQ(error_at("avg:cpu{env:}"), 8u);
}

TEST(MetricQuery, HostileInputIsBounded) {
  EXPECT_FALSE(parse_metric_expression(std::string(10000, '(') + "a").ok());
  EXPECT_FALSE(parse_metric_expression("m{" + std::string(10000, '(') + "a:b}").ok());
  EXPECT_FALSE(parse_metric_expression(std::string(10000, '-') + "a").ok());
  EXPECT_FALSE(parse_metric_expression(std::string("\x00\xff", 2)).ok());
}

}  // namespace
}  // namespace heeler::query
