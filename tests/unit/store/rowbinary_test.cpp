#include "store/rowbinary.h"

#include <gtest/gtest.h>

#include <cstring>
#include <functional>
#include <random>
#include <string>
#include <vector>

namespace heeler::store::rowbinary {
namespace {

// Builds RowBinaryWithNamesAndTypes bytes by hand.
class Bytes {
 public:
  Bytes& varint(uint64_t v) {
    do {
      uint8_t byte = v & 0x7f;
      v >>= 7;
      if (v) byte |= 0x80;
      s_ += static_cast<char>(byte);
    } while (v);
    return *this;
  }
  Bytes& str(std::string_view v) {
    varint(v.size());
    s_.append(v);
    return *this;
  }
  template <typename T>
  Bytes& le(T v) {
    char buf[sizeof(T)];
    std::memcpy(buf, &v, sizeof(T));
    s_.append(buf, sizeof(T));
    return *this;
  }
  Bytes& raw(std::string_view v) {
    s_.append(v);
    return *this;
  }
  Bytes& header(const std::vector<std::pair<std::string, std::string>>& columns) {
    varint(columns.size());
    for (const auto& c : columns) str(c.first);
    for (const auto& c : columns) str(c.second);
    return *this;
  }
  const std::string& data() const { return s_; }
  size_t size() const { return s_.size(); }

 private:
  std::string s_;
};

// Decodes one column of one row.
Value one(const std::string& type, const std::function<void(Bytes&)>& encode) {
  Bytes b;
  b.header({{"c", type}});
  encode(b);
  auto r = decode(b.data());
  EXPECT_TRUE(r.ok()) << type << ": " << r.status().message();
  if (!r.ok()) return {};
  EXPECT_EQ(r->row_count(), 1u) << type;
  EXPECT_EQ(r->columns().at(0).type, type);
  if (r->row_count() != 1) return {};
  return r->at(0, 0);
}

int64_t i64(const Value& v) {
  return std::get<int64_t>(v.v);
}
uint64_t u64(const Value& v) {
  return std::get<uint64_t>(v.v);
}
double f64(const Value& v) {
  return std::get<double>(v.v);
}
const std::string& s(const Value& v) {
  return std::get<std::string>(v.v);
}
const Array& arr(const Value& v) {
  return std::get<Array>(v.v);
}
const MapEntries& map(const Value& v) {
  return std::get<MapEntries>(v.v);
}

TEST(RowBinary, HeaderWithoutRows) {
  Bytes b;
  b.header({{"a", "UInt8"}, {"b b", "String"}});
  auto r = decode(b.data());
  ASSERT_TRUE(r.ok()) << r.status().message();
  ASSERT_EQ(r->columns().size(), 2u);
  EXPECT_EQ(r->columns()[1].name, "b b");
  EXPECT_EQ(r->columns()[1].type, "String");
  EXPECT_EQ(r->row_count(), 0u);
}

TEST(RowBinary, SignedIntegers) {
  EXPECT_EQ(i64(one("Int8", [](Bytes& b) { b.le<int8_t>(-128); })), -128);
  EXPECT_EQ(i64(one("Int16", [](Bytes& b) { b.le<int16_t>(-300); })), -300);
  EXPECT_EQ(i64(one("Int32", [](Bytes& b) { b.le<int32_t>(-70000); })), -70000);
  EXPECT_EQ(i64(one("Int64", [](Bytes& b) { b.le<int64_t>(INT64_MIN); })), INT64_MIN);
  EXPECT_EQ(i64(one("IntervalSecond", [](Bytes& b) { b.le<int64_t>(90); })), 90);
}

TEST(RowBinary, UnsignedIntegers) {
  EXPECT_EQ(u64(one("UInt8", [](Bytes& b) { b.le<uint8_t>(255); })), 255u);
  EXPECT_EQ(u64(one("UInt16", [](Bytes& b) { b.le<uint16_t>(65535); })), 65535u);
  EXPECT_EQ(u64(one("UInt32", [](Bytes& b) { b.le<uint32_t>(4000000000u); })), 4000000000u);
  EXPECT_EQ(u64(one("UInt64", [](Bytes& b) { b.le<uint64_t>(UINT64_MAX); })), UINT64_MAX);
}

TEST(RowBinary, BigIntegersAsExactDecimalText) {
  EXPECT_EQ(s(one("Int128", [](Bytes& b) { b.le<int64_t>(-5).le<int64_t>(-1); })), "-5");
  // 2^64 + 1
  EXPECT_EQ(s(one("UInt128", [](Bytes& b) { b.le<uint64_t>(1).le<uint64_t>(1); })),
            "18446744073709551617");
  EXPECT_EQ(s(one("UInt128", [](Bytes& b) { b.le<uint64_t>(0).le<uint64_t>(0); })), "0");
  EXPECT_EQ(
      s(one("UInt128", [](Bytes& b) { b.le<uint64_t>(UINT64_MAX).le<uint64_t>(UINT64_MAX); })),
      "340282366920938463463374607431768211455");
  // Int128 minimum: -2^127
  EXPECT_EQ(s(one("Int128", [](Bytes& b) { b.le<uint64_t>(0).le<uint64_t>(1ULL << 63); })),
            "-170141183460469231731687303715884105728");
  EXPECT_EQ(s(one("Int256",
                  [](Bytes& b) {
                    b.le<int64_t>(1000000000).le<int64_t>(0).le<int64_t>(0).le<int64_t>(0);
                  })),
            "1000000000");
  EXPECT_EQ(
      s(one("UInt256",
            [](Bytes& b) { b.le<uint64_t>(0).le<uint64_t>(0).le<uint64_t>(0).le<uint64_t>(1); })),
      "6277101735386680763835789423207666416102355444464034512896");  // 2^192
}

TEST(RowBinary, Floats) {
  EXPECT_EQ(f64(one("Float32", [](Bytes& b) { b.le<float>(1.5f); })), 1.5);
  EXPECT_EQ(f64(one("Float64", [](Bytes& b) { b.le<double>(-0.1); })), -0.1);
  EXPECT_EQ(f64(one("BFloat16", [](Bytes& b) { b.le<uint16_t>(0x3fc0); })), 1.5);
}

TEST(RowBinary, BoolStringsAndFixedStrings) {
  EXPECT_EQ(std::get<bool>(one("Bool", [](Bytes& b) { b.le<uint8_t>(1); }).v), true);
  EXPECT_EQ(std::get<bool>(one("Bool", [](Bytes& b) { b.le<uint8_t>(0); }).v), false);
  std::string binary("a\0b\n\xff", 5);
  EXPECT_EQ(s(one("String", [&](Bytes& b) { b.str(binary); })), binary);
  EXPECT_EQ(s(one("String", [](Bytes& b) { b.str(""); })), "");
  std::string big(300, 'z');  // a two-byte length
  EXPECT_EQ(s(one("String", [&](Bytes& b) { b.str(big); })), big);
  EXPECT_EQ(s(one("FixedString(4)", [](Bytes& b) { b.raw(std::string("ab\0\0", 4)); })),
            std::string("ab\0\0", 4));
}

TEST(RowBinary, DatesAndTimes) {
  EXPECT_EQ(i64(one("Date", [](Bytes& b) { b.le<uint16_t>(19723); })), 19723);
  EXPECT_EQ(i64(one("Date32", [](Bytes& b) { b.le<int32_t>(-25000); })), -25000);
  EXPECT_EQ(i64(one("DateTime", [](Bytes& b) { b.le<uint32_t>(1704067200u); })), 1704067200);
  EXPECT_EQ(i64(one("DateTime('UTC')", [](Bytes& b) { b.le<uint32_t>(4000000000u); })), 4000000000);
  EXPECT_EQ(i64(one("DateTime64(9)", [](Bytes& b) { b.le<int64_t>(1700000000123456789); })),
            1700000000123456789);
  EXPECT_EQ(i64(one("DateTime64(3, 'Asia/Tokyo')", [](Bytes& b) { b.le<int64_t>(-1); })), -1);
  EXPECT_EQ(i64(one("Time", [](Bytes& b) { b.le<int32_t>(-3600); })), -3600);
  EXPECT_EQ(i64(one("Time64(6)", [](Bytes& b) { b.le<int64_t>(1500000); })), 1500000);
}

TEST(RowBinary, UuidAndAddressesAsText) {
  // As chdb writes toUUID('01234567-89ab-cdef-0123-456789abcdef').
  EXPECT_EQ(s(one("UUID",
                  [](Bytes& b) {
                    b.le<uint64_t>(0x0123456789abcdefULL).le<uint64_t>(0x0123456789abcdefULL);
                  })),
            "01234567-89ab-cdef-0123-456789abcdef");
  EXPECT_EQ(s(one("IPv4", [](Bytes& b) { b.le<uint32_t>(0x01020304); })), "1.2.3.4");
  std::string v6("\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\x01", 16);
  EXPECT_EQ(s(one("IPv6", [&](Bytes& b) { b.raw(v6); })), "2001:db8::1");
}

TEST(RowBinary, EnumsAsNames) {
  EXPECT_EQ(s(one("Enum8('a' = 1, 'b' = 2)", [](Bytes& b) { b.le<int8_t>(2); })), "b");
  EXPECT_EQ(s(one("Enum8('neg' = -1)", [](Bytes& b) { b.le<int8_t>(-1); })), "neg");
  EXPECT_EQ(
      s(one("Enum16('it\\'s, = odd' = 1000, 'x' = 1)", [](Bytes& b) { b.le<int16_t>(1000); })),
      "it's, = odd");
  EXPECT_EQ(s(one("Enum8('a' = 1)", [](Bytes& b) { b.le<int8_t>(9); })), "9");
}

TEST(RowBinary, DecimalsAsDoubles) {
  EXPECT_DOUBLE_EQ(f64(one("Decimal(18, 2)", [](Bytes& b) { b.le<int64_t>(1234); })), 12.34);
  EXPECT_DOUBLE_EQ(f64(one("Decimal(9, 3)", [](Bytes& b) { b.le<int32_t>(-1500); })), -1.5);
  EXPECT_DOUBLE_EQ(f64(one("Decimal32(2)", [](Bytes& b) { b.le<int32_t>(5); })), 0.05);
  EXPECT_DOUBLE_EQ(f64(one("Decimal64(0)", [](Bytes& b) { b.le<int64_t>(7); })), 7.0);
  EXPECT_DOUBLE_EQ(
      f64(one("Decimal128(4)", [](Bytes& b) { b.le<int64_t>(-25000).le<int64_t>(-1); })), -2.5);
  EXPECT_DOUBLE_EQ(
      f64(one("Decimal(76, 1)",
              [](Bytes& b) { b.le<int64_t>(15).le<int64_t>(0).le<int64_t>(0).le<int64_t>(0); })),
      1.5);
}

TEST(RowBinary, NullableAndLowCardinality) {
  EXPECT_TRUE(one("Nullable(Int32)", [](Bytes& b) { b.le<uint8_t>(1); }).is_null());
  EXPECT_EQ(i64(one("Nullable(Int32)", [](Bytes& b) { b.le<uint8_t>(0).le<int32_t>(-9); })), -9);
  EXPECT_EQ(s(one("LowCardinality(String)", [](Bytes& b) { b.str("web"); })), "web");
  EXPECT_TRUE(
      one("LowCardinality(Nullable(String))", [](Bytes& b) { b.le<uint8_t>(1); }).is_null());
  EXPECT_EQ(s(one("LowCardinality(Nullable(String))", [](Bytes& b) { b.le<uint8_t>(0).str("x"); })),
            "x");
  EXPECT_TRUE(one("Nullable(Nothing)", [](Bytes& b) { b.le<uint8_t>(1); }).is_null());
  EXPECT_EQ(u64(one("SimpleAggregateFunction(sum, UInt64)", [](Bytes& b) { b.le<uint64_t>(3); })),
            3u);
}

TEST(RowBinary, ArraysIncludingNested) {
  auto v = one("Array(Nullable(String))", [](Bytes& b) {
    b.varint(3).le<uint8_t>(0).str("a").le<uint8_t>(1).le<uint8_t>(0).str("");
  });
  ASSERT_EQ(arr(v).size(), 3u);
  EXPECT_EQ(s(arr(v)[0]), "a");
  EXPECT_TRUE(arr(v)[1].is_null());
  EXPECT_EQ(s(arr(v)[2]), "");

  auto nested = one("Array(Array(UInt8))", [](Bytes& b) {
    b.varint(2).varint(2).le<uint8_t>(1).le<uint8_t>(2).varint(0);
  });
  ASSERT_EQ(arr(nested).size(), 2u);
  ASSERT_EQ(arr(arr(nested)[0]).size(), 2u);
  EXPECT_EQ(u64(arr(arr(nested)[0])[1]), 2u);
  EXPECT_TRUE(arr(arr(nested)[1]).empty());

  EXPECT_TRUE(arr(one("Array(Nothing)", [](Bytes& b) { b.varint(0); })).empty());
}

TEST(RowBinary, MapsIncludingNestedValues) {
  auto v = one("Map(LowCardinality(String), Array(Nullable(Int64)))", [](Bytes& b) {
    b.varint(2);
    b.str("k1").varint(2).le<uint8_t>(0).le<int64_t>(-1).le<uint8_t>(1);
    b.str("k2").varint(0);
  });
  ASSERT_EQ(map(v).size(), 2u);
  EXPECT_EQ(s(map(v)[0].first), "k1");
  ASSERT_EQ(arr(map(v)[0].second).size(), 2u);
  EXPECT_EQ(i64(arr(map(v)[0].second)[0]), -1);
  EXPECT_TRUE(arr(map(v)[0].second)[1].is_null());
  EXPECT_EQ(s(map(v)[1].first), "k2");
  EXPECT_TRUE(arr(map(v)[1].second).empty());

  auto m = one("Map(String, Map(String, UInt8))",
               [](Bytes& b) { b.varint(1).str("outer").varint(1).str("inner").le<uint8_t>(7); });
  EXPECT_EQ(u64(map(map(m)[0].second)[0].second), 7u);
}

TEST(RowBinary, TuplesAsArrays) {
  auto plain = one("Tuple(UInt8, Nullable(String))",
                   [](Bytes& b) { b.le<uint8_t>(1).le<uint8_t>(0).str("x"); });
  ASSERT_EQ(arr(plain).size(), 2u);
  EXPECT_EQ(u64(arr(plain)[0]), 1u);
  EXPECT_EQ(s(arr(plain)[1]), "x");

  auto named = one("Tuple(a UInt8, `b c` DateTime64(3, 'UTC'), d Array(String))",
                   [](Bytes& b) { b.le<uint8_t>(5).le<int64_t>(42).varint(1).str("z"); });
  ASSERT_EQ(arr(named).size(), 3u);
  EXPECT_EQ(i64(arr(named)[1]), 42);
  EXPECT_EQ(s(arr(arr(named)[2])[0]), "z");

  auto point = one("Point", [](Bytes& b) { b.le<double>(1.0).le<double>(2.0); });
  EXPECT_EQ(f64(arr(point)[1]), 2.0);
}

TEST(RowBinary, SeveralRowsAndColumns) {
  Bytes b;
  b.header({{"n", "UInt32"}, {"s", "String"}, {"t", "Nullable(Float64)"}});
  for (uint32_t i = 0; i < 3; ++i) {
    b.le<uint32_t>(i).str(std::string(i, 'x'));
    if (i == 1)
      b.le<uint8_t>(1);
    else
      b.le<uint8_t>(0).le<double>(i * 0.5);
  }
  auto r = decode(b.data());
  ASSERT_TRUE(r.ok()) << r.status().message();
  ASSERT_EQ(r->row_count(), 3u);
  EXPECT_EQ(r->at(2, 0).as_uint64(), 2u);
  EXPECT_EQ(r->at(2, 1).as_string(), "xx");
  EXPECT_TRUE(r->at(1, 2).is_null());
  EXPECT_EQ(r->at(2, 2).as_double(), 1.0);
  EXPECT_EQ(r->column_index("t"), 2);
}

std::string unhex(std::string_view hex) {
  std::string out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2)
    out += static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16));
  return out;
}

// Captured from libchdb 26.5.3 for: SELECT toUUID('01234567-89ab-cdef-0123-456789abcdef')
// AS u, toIPv4('1.2.3.4') AS ip4, toIPv6('2001:db8::1') AS ip6, CAST('b' AS
// Enum8('a'=1,'b'=2)) AS e, toDecimal64(12.34, 2) AS d, toInt128(-5) AS i128, NULL AS n,
// [] AS ea, tuple(1,'x') AS t, CAST((1,'y') AS Tuple(a UInt8, b String)) AS nt,
// toDateTime('2024-01-01 00:00:00','UTC') AS dt, toDateTime64('2024-01-01 00:00:00.5', 3,
// 'Asia/Tokyo') AS dt64, true AS b, toBFloat16(1.5) AS bf
constexpr std::string_view kCaptured =
    "0e01750369703403697036016501640469313238016e0265610174026e7402647404647436340162"
    "02626604555549440449507634044950763617456e756d3828276127203d20312c20276227203d20"
    "32290e446563696d616c2831382c20322906496e74313238114e756c6c61626c65284e6f7468696e"
    "67290e4172726179284e6f7468696e6729145475706c652855496e74382c20537472696e67291854"
    "75706c6528612055496e74382c206220537472696e67290f4461746554696d65282755544327291b"
    "4461746554696d65363428332c2027417369612f546f6b796f272904426f6f6c0842466c6f617431"
    "36efcdab8967452301efcdab89674523010403020120010db800000000000000000000000102d204"
    "000000000000fbffffffffffffffffffffffffffffff010001017801017980009265749363c08c01"
    "000001c03f";

TEST(RowBinary, DecodesRealEngineOutput) {
  auto r = decode(unhex(kCaptured));
  ASSERT_TRUE(r.ok()) << r.status().message();
  ASSERT_EQ(r->row_count(), 1u);
  ASSERT_EQ(r->columns().size(), 14u);
  EXPECT_EQ(r->columns()[3].type, "Enum8('a' = 1, 'b' = 2)");
  EXPECT_EQ(r->columns()[11].type, "DateTime64(3, 'Asia/Tokyo')");
  EXPECT_EQ(r->at(0, 0).as_string(), "01234567-89ab-cdef-0123-456789abcdef");
  EXPECT_EQ(r->at(0, 1).as_string(), "1.2.3.4");
  EXPECT_EQ(r->at(0, 2).as_string(), "2001:db8::1");
  EXPECT_EQ(r->at(0, 3).as_string(), "b");
  EXPECT_DOUBLE_EQ(r->at(0, 4).as_double(), 12.34);
  EXPECT_EQ(r->at(0, 5).as_string(), "-5");
  EXPECT_TRUE(r->at(0, 6).is_null());
  EXPECT_TRUE(arr(r->at(0, 7)).empty());
  EXPECT_EQ(arr(r->at(0, 8))[1].as_string(), "x");
  EXPECT_EQ(arr(r->at(0, 9))[1].as_string(), "y");
  EXPECT_EQ(r->at(0, 10).as_int64(), 1704067200);
  EXPECT_EQ(r->at(0, 11).as_int64(), 1704034800500);  // 2024-01-01 00:00:00.5 in Tokyo
  EXPECT_EQ(std::get<bool>(r->at(0, 12).v), true);
  EXPECT_EQ(r->at(0, 13).as_double(), 1.5);
}

TEST(RowBinary, EveryTruncationIsReported) {
  Bytes b;
  b.header({{"id", "UInt64"},
            {"m", "Map(String, Array(Nullable(String)))"},
            {"t", "Tuple(a FixedString(3), b Nullable(Int16))"}});
  const size_t header = b.size();
  b.le<uint64_t>(1).varint(1).str("key").varint(2).le<uint8_t>(0).str("value").le<uint8_t>(1);
  b.raw("abc").le<uint8_t>(0).le<int16_t>(-2);
  const std::string full = b.data();
  ASSERT_TRUE(decode(full).ok());
  for (size_t n = 0; n < full.size(); ++n) {
    auto r = decode(std::string_view(full).substr(0, n));
    if (n == header || n == 0) {  // no rows yet, or a statement with no result set
      ASSERT_TRUE(r.ok()) << "prefix " << n;
      EXPECT_EQ(r->row_count(), 0u);
      continue;
    }
    ASSERT_FALSE(r.ok()) << "prefix " << n;
    EXPECT_EQ(r.status().code(), core::Code::engine_error);
    EXPECT_EQ(r.status().message(), "truncated result") << "prefix " << n;
  }
}

TEST(RowBinary, UnknownTypeIsNamed) {
  Bytes b;
  b.header({{"j", "JSON"}});
  auto r = decode(b.data());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), core::Code::engine_error);
  EXPECT_NE(r.status().message().find("JSON"), std::string::npos) << r.status().message();
  EXPECT_NE(r.status().message().find("column j"), std::string::npos) << r.status().message();

  Bytes nested;
  nested.header({{"v", "Array(Variant(String, UInt8))"}});
  auto rv = decode(nested.data());
  ASSERT_FALSE(rv.ok());
  EXPECT_NE(rv.status().message().find("Variant"), std::string::npos);
}

TEST(RowBinary, MalformedTypesAreErrors) {
  for (const char* type : {"", "Array(", "Array(String", "Map(String)", "FixedString(0)",
                           "FixedString(x)", "Decimal(3, 5)", "Enum8('a' 1)", "Int32(5)",
                           "Tuple(UInt8))", "DateTime64", "Nullable(UInt8, UInt8)"}) {
    Bytes b;
    b.header({{"c", type}});
    auto r = decode(b.data());
    EXPECT_FALSE(r.ok()) << type;
    EXPECT_EQ(r.status().code(), core::Code::engine_error) << type;
  }
}

TEST(RowBinary, DeepNestingIsRefused) {
  std::string type = "UInt8";
  for (int i = 0; i < 200; ++i) type = "Array(" + type + ")";
  Bytes b;
  b.header({{"deep", type}});
  auto r = decode(b.data());
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("nested too deeply"), std::string::npos);
}

TEST(RowBinary, ImplausibleCountsAreTruncation) {
  Bytes columns;
  columns.varint(1ULL << 40).str("a");
  EXPECT_EQ(decode(columns.data()).status().message(), "truncated result");

  Bytes array;
  array.header({{"a", "Array(UInt64)"}}).varint(1ULL << 62).le<uint64_t>(1);
  EXPECT_EQ(decode(array.data()).status().message(), "truncated result");

  Bytes nothing;
  nothing.header({{"a", "Array(Nothing)"}}).varint(1ULL << 62);
  EXPECT_EQ(decode(nothing.data()).status().message(), "truncated result");

  Bytes string;
  string.header({{"s", "String"}}).varint(UINT64_MAX).raw("abc");
  EXPECT_EQ(decode(string.data()).status().message(), "truncated result");

  Bytes overlong;  // an 11-byte LEB128
  overlong.raw(std::string(10, '\x80')).raw("\x01");
  EXPECT_EQ(decode(overlong.data()).status().message(), "truncated result");
}

TEST(RowBinary, ZeroWidthRowsAreRefused) {
  Bytes b;
  b.header({{"t", "Tuple()"}}).raw("x");
  auto r = decode(b.data());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), core::Code::engine_error);
}

TEST(RowBinary, RandomGarbageNeverCrashes) {
  std::mt19937 rng(12345);
  const std::vector<std::string> types = {"UInt8",
                                          "String",
                                          "Array(Nullable(String))",
                                          "Map(String, Array(UInt16))",
                                          "Tuple(a Int8, b String)",
                                          "Decimal(40, 3)",
                                          "LowCardinality(Nullable(String))"};
  int decoded = 0;
  for (int i = 0; i < 3000; ++i) {
    Bytes b;
    if (i % 2) b.header({{"c", types[rng() % types.size()]}});
    std::string tail(rng() % 64, '\0');
    for (auto& c : tail) c = static_cast<char>(rng() % 4 == 0 ? 0 : rng());
    b.raw(tail);
    auto r = decode(b.data());
    if (r.ok())
      ++decoded;
    else
      EXPECT_EQ(r.status().code(), core::Code::engine_error);
  }
  EXPECT_GT(decoded, 0);
}

}  // namespace
}  // namespace heeler::store::rowbinary
