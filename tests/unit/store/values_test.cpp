#include <gtest/gtest.h>

#include <cstdlib>
#include <limits>

#include "store/engine.h"

namespace heeler::store {
namespace {

std::string param(const Params& p, size_t i = 0) {
  return p.items().at(i).second;
}

TEST(Params, FormatsIntegersExactly) {
  Params p;
  p.add("a", int64_t{-42})
      .add("b", std::numeric_limits<int64_t>::min())
      .add("c", std::numeric_limits<uint64_t>::max())
      .add("d", 7);
  EXPECT_EQ(param(p, 0), "-42");
  EXPECT_EQ(param(p, 1), "-9223372036854775808");
  EXPECT_EQ(param(p, 2), "18446744073709551615");
  EXPECT_EQ(param(p, 3), "7");
  EXPECT_EQ(p.items()[3].first, "d");
}

TEST(Params, FormatsDoublesSoTheyParseBackExactly) {
  for (double d : {0.1, 1.0 / 3.0, 3.141592653589793, 1e300, -2.5e-300, 123456789.125, 1.0}) {
    Params p;
    p.add("x", d);
    EXPECT_EQ(std::strtod(param(p).c_str(), nullptr), d) << param(p);
  }
  Params p;
  p.add("a", 0.1).add("b", 1.0).add("c", 1e300).add("d", -0.5);
  EXPECT_EQ(param(p, 0), "0.1");
  EXPECT_EQ(param(p, 1), "1");
  EXPECT_EQ(param(p, 2), "1e+300");
  EXPECT_EQ(param(p, 3), "-0.5");
}

TEST(Params, KeepsStringsRawAndInOrder) {
  Params p{{"a", "x\\y"}, {"b", "it's"}};
  p.add("c", std::string_view("view")).add("d", std::string("str"));
  ASSERT_EQ(p.items().size(), 4u);
  EXPECT_EQ(param(p, 0), "x\\y");
  EXPECT_EQ(param(p, 1), "it's");
  EXPECT_EQ(param(p, 2), "view");
  EXPECT_EQ(param(p, 3), "str");
  EXPECT_FALSE(p.empty());
  EXPECT_TRUE(Params().empty());
}

TEST(Value, NumericConversions) {
  EXPECT_EQ(Value{int64_t{-5}}.as_int64(), -5);
  EXPECT_EQ(Value{uint64_t{5}}.as_int64(), 5);
  EXPECT_EQ(Value{2.9}.as_int64(), 2);
  EXPECT_EQ(Value{true}.as_uint64(), 1u);
  EXPECT_EQ(Value{1e30}.as_int64(), std::numeric_limits<int64_t>::max());
  EXPECT_EQ(Value{-1.0}.as_uint64(), 0u);
  EXPECT_EQ(Value{std::numeric_limits<double>::quiet_NaN()}.as_int64(), 0);
  EXPECT_DOUBLE_EQ(Value{int64_t{-3}}.as_double(), -3.0);
  EXPECT_DOUBLE_EQ(Value{uint64_t{18446744073709551615ULL}}.as_double(), 18446744073709551615.0);
  EXPECT_EQ(Value{std::string("12")}.as_int64(), 0);
  EXPECT_EQ(Value{}.as_double(), 0);
}

TEST(Value, StringRendering) {
  EXPECT_EQ(Value{std::string("plain")}.as_string(), "plain");
  EXPECT_EQ(Value{}.as_string(), "");
  EXPECT_TRUE(Value{}.is_null());
  EXPECT_EQ(Value{int64_t{-7}}.as_string(), "-7");
  EXPECT_EQ(Value{uint64_t{7}}.as_string(), "7");
  EXPECT_EQ(Value{0.25}.as_string(), "0.25");
  EXPECT_EQ(Value{false}.as_string(), "false");
  Array arr{Value{int64_t{1}}, Value{std::string("it's")}, Value{}};
  EXPECT_EQ(Value{arr}.as_string(), "[1,'it\\'s',NULL]");
  MapEntries m{{Value{std::string("k")}, Value{uint64_t{2}}}};
  EXPECT_EQ(Value{m}.as_string(), "{'k':2}");
}

TEST(QueryResult, ColumnIndexByName) {
  QueryResult r({{"a", "UInt8"}, {"b", "String"}}, {{Value{uint64_t{1}}, Value{std::string("x")}}});
  EXPECT_EQ(r.column_index("a"), 0);
  EXPECT_EQ(r.column_index("b"), 1);
  EXPECT_EQ(r.column_index("c"), -1);
  EXPECT_EQ(r.row_count(), 1u);
  EXPECT_EQ(r.at(0, 1).as_string(), "x");
}

}  // namespace
}  // namespace heeler::store
