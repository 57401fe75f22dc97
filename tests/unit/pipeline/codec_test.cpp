// encode_batch/decode_batch (the WAL payload) and ColumnBatch::append_rows.
#include <gtest/gtest.h>

#include <random>
#include <string>

#include "pipeline/wal.h"

namespace heeler::pipeline {
namespace {

using store::ColumnBatch;
using store::FixedBytesColumn;
using store::FixedColumn;
using store::MapColumn;
using store::StringColumn;
using store::TimestampColumn;

ColumnBatch every_type() {
  ColumnBatch b;
  auto& u8 = b.add<FixedColumn<uint8_t>>("u8");
  auto& u16 = b.add<FixedColumn<uint16_t>>("u16");
  auto& u32 = b.add<FixedColumn<uint32_t>>("u32");
  auto& u64 = b.add<FixedColumn<uint64_t>>("u64");
  auto& i32 = b.add<FixedColumn<int32_t>>("i32");
  auto& i64 = b.add<FixedColumn<int64_t>>("i64");
  auto& f64 = b.add<FixedColumn<double>>("f64");
  auto& ts = b.add<TimestampColumn>("ts");
  auto& str = b.add<StringColumn>("str");
  auto& fixed = b.add("fixed", FixedBytesColumn(3));
  auto& map = b.add<MapColumn>("map");
  u8.append(255);
  u8.append(0);
  u16.append(65535);
  u16.append(1);
  u32.append(4000000000u);
  u32.append(2);
  u64.append(UINT64_MAX);
  u64.append(3);
  i32.append(-5);
  i32.append(INT32_MIN);
  i64.append(INT64_MIN);
  i64.append(INT64_MAX);
  f64.append(-0.5);
  f64.append(1e300);
  ts.append(1700000000123456789);
  ts.append(-1);
  str.append(std::string("a\0b", 3));
  str.append("");
  fixed.append("xyz");
  fixed.append("q");
  map.add("k1", "v1");
  map.add("", "empty key");
  map.end_row();
  map.end_row();
  return b;
}

void expect_equal(const ColumnBatch& a, const ColumnBatch& b) {
  ASSERT_EQ(a.columns().size(), b.columns().size());
  ASSERT_EQ(a.rows(), b.rows());
  for (size_t i = 0; i < a.columns().size(); ++i) {
    EXPECT_EQ(a.columns()[i].name, b.columns()[i].name);
    ASSERT_EQ(a.columns()[i].data.index(), b.columns()[i].data.index());
  }
  EXPECT_EQ(encode_batch(a), encode_batch(b));
}

TEST(BatchCodec, RoundTripsEveryColumnType) {
  ColumnBatch in = every_type();
  ASSERT_TRUE(in.validate().ok());
  auto out = decode_batch(encode_batch(in));
  ASSERT_TRUE(out.ok()) << out.status().to_string();
  expect_equal(in, *out);
  const auto& c = out->columns();
  EXPECT_EQ(std::get<FixedColumn<uint8_t>>(c[0].data).values, (std::vector<uint8_t>{255, 0}));
  EXPECT_EQ(std::get<FixedColumn<uint16_t>>(c[1].data).values, (std::vector<uint16_t>{65535, 1}));
  EXPECT_EQ(std::get<FixedColumn<uint32_t>>(c[2].data).values,
            (std::vector<uint32_t>{4000000000u, 2}));
  EXPECT_EQ(std::get<FixedColumn<uint64_t>>(c[3].data).values,
            (std::vector<uint64_t>{UINT64_MAX, 3}));
  EXPECT_EQ(std::get<FixedColumn<int32_t>>(c[4].data).values,
            (std::vector<int32_t>{-5, INT32_MIN}));
  EXPECT_EQ(std::get<FixedColumn<int64_t>>(c[5].data).values,
            (std::vector<int64_t>{INT64_MIN, INT64_MAX}));
  EXPECT_EQ(std::get<FixedColumn<double>>(c[6].data).values, (std::vector<double>{-0.5, 1e300}));
  EXPECT_EQ(std::get<TimestampColumn>(c[7].data).values,
            (std::vector<int64_t>{1700000000123456789, -1}));
  EXPECT_EQ(std::get<StringColumn>(c[8].data).at(0), std::string("a\0b", 3));
  EXPECT_EQ(std::get<StringColumn>(c[8].data).at(1), "");
  EXPECT_EQ(std::get<FixedBytesColumn>(c[9].data).width, 3);
  EXPECT_EQ(std::get<FixedBytesColumn>(c[9].data).data, std::string("xyzq\0\0", 6));
  const auto& m = std::get<MapColumn>(c[10].data);
  EXPECT_EQ(m.offsets, (std::vector<int32_t>{0, 2, 2}));
  EXPECT_EQ(m.keys.at(1), "");
  EXPECT_EQ(m.values.at(1), "empty key");
}

TEST(BatchCodec, RoundTripsAnEmptyBatchAndZeroRows) {
  auto empty = decode_batch(encode_batch(ColumnBatch{}));
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(empty->columns().size(), 0u);
  ColumnBatch no_rows;
  no_rows.add<StringColumn>("s");
  no_rows.add<MapColumn>("m");
  auto out = decode_batch(encode_batch(no_rows));
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(out->columns().size(), 2u);
  EXPECT_EQ(out->rows(), 0u);
}

ColumnBatch random_batch(std::mt19937_64& rng) {
  ColumnBatch b;
  size_t rows = rng() % 20;
  size_t columns = 1 + rng() % 8;
  auto text = [&] {
    std::string s(rng() % 12, '\0');
    for (auto& ch : s) ch = static_cast<char>(rng());
    return s;
  };
  for (size_t c = 0; c < columns; ++c) {
    std::string name = "c" + std::to_string(c);
    switch (rng() % 6) {
      case 0: {
        auto& col = b.add<FixedColumn<uint64_t>>(name);
        for (size_t r = 0; r < rows; ++r) col.append(rng());
        break;
      }
      case 1: {
        auto& col = b.add<FixedColumn<double>>(name);
        for (size_t r = 0; r < rows; ++r) col.append(static_cast<double>(rng()) / 7.0);
        break;
      }
      case 2: {
        auto& col = b.add<TimestampColumn>(name);
        for (size_t r = 0; r < rows; ++r) col.append(static_cast<int64_t>(rng()));
        break;
      }
      case 3: {
        auto& col = b.add<StringColumn>(name);
        for (size_t r = 0; r < rows; ++r) col.append(text());
        break;
      }
      case 4: {
        auto& col = b.add(name, FixedBytesColumn(1 + static_cast<int>(rng() % 20)));
        for (size_t r = 0; r < rows; ++r) col.append(text());
        break;
      }
      default: {
        auto& col = b.add<MapColumn>(name);
        for (size_t r = 0; r < rows; ++r) {
          for (size_t e = rng() % 4; e > 0; --e) col.add(text(), text());
          col.end_row();
        }
      }
    }
  }
  return b;
}

TEST(BatchCodec, RoundTripsRandomBatches) {
  std::mt19937_64 rng(12345);
  for (int i = 0; i < 300; ++i) {
    ColumnBatch in = random_batch(rng);
    ASSERT_TRUE(in.validate().ok());
    std::string bytes = encode_batch(in);
    auto out = decode_batch(bytes);
    ASSERT_TRUE(out.ok()) << out.status().to_string();
    EXPECT_EQ(encode_batch(*out), bytes);
    EXPECT_EQ(out->rows(), in.rows());
  }
}

TEST(BatchCodec, EveryTruncationFailsCleanly) {
  std::string bytes = encode_batch(every_type());
  for (size_t n = 0; n < bytes.size(); ++n) {
    auto out = decode_batch(std::string_view(bytes).substr(0, n));
    EXPECT_FALSE(out.ok()) << n;
    EXPECT_EQ(out.status().code(), core::Code::invalid_argument);
  }
  auto longer = decode_batch(bytes + "x");
  EXPECT_FALSE(longer.ok());
}

TEST(BatchCodec, CorruptBytesDecodeToValidBatchesOrFail) {
  std::string bytes = encode_batch(every_type());
  std::mt19937_64 rng(7);
  size_t failures = 0;
  for (size_t i = 0; i < bytes.size(); ++i) {
    for (int bit = 0; bit < 8; ++bit) {
      std::string copy = bytes;
      copy[i] = static_cast<char>(copy[i] ^ (1 << bit));
      auto out = decode_batch(copy);
      if (out.ok())
        EXPECT_TRUE(out->validate().ok());
      else
        ++failures;
    }
  }
  EXPECT_GT(failures, 0u);
}

TEST(BatchCodec, RefusesSpecificDamage) {
  // Header with a huge row count and nothing behind it.
  std::string bytes = encode_batch(every_type());
  std::string huge_rows = bytes;
  uint64_t rows = UINT64_MAX / 2;
  std::memcpy(huge_rows.data() + 8, &rows, 8);
  EXPECT_FALSE(decode_batch(huge_rows).ok());
  EXPECT_FALSE(decode_batch("HWB1").ok());
  EXPECT_FALSE(decode_batch("nonsense bytes here").ok());
  // A string column whose offsets decrease.
  ColumnBatch s;
  auto& col = s.add<StringColumn>("s");
  col.append("abc");
  col.append("de");
  std::string enc = encode_batch(s);
  // Layout: magic, count, rows, u16 name len, "s", tag, then the end offsets.
  size_t offsets_at = 4 + 4 + 8 + 2 + 1 + 1;
  int32_t bad = 9;
  std::memcpy(enc.data() + offsets_at, &bad, 4);
  EXPECT_FALSE(decode_batch(enc).ok());
}

TEST(ColumnBatchAppendRows, ConcatenatesEveryColumnType) {
  ColumnBatch a = every_type();
  ColumnBatch b = every_type();
  ASSERT_TRUE(a.same_layout(b));
  ASSERT_TRUE(a.append_rows(b).ok());
  ASSERT_TRUE(a.validate().ok());
  EXPECT_EQ(a.rows(), 4u);
  EXPECT_EQ(std::get<FixedColumn<uint64_t>>(a.columns()[3].data).values,
            (std::vector<uint64_t>{UINT64_MAX, 3, UINT64_MAX, 3}));
  const auto& str = std::get<StringColumn>(a.columns()[8].data);
  EXPECT_EQ(str.at(2), std::string("a\0b", 3));
  EXPECT_EQ(str.at(3), "");
  EXPECT_EQ(std::get<FixedBytesColumn>(a.columns()[9].data).data,
            std::string("xyzq\0\0xyzq\0\0", 12));
  const auto& m = std::get<MapColumn>(a.columns()[10].data);
  EXPECT_EQ(m.offsets, (std::vector<int32_t>{0, 2, 2, 4, 4}));
  EXPECT_EQ(m.keys.at(2), "k1");
  EXPECT_EQ(m.values.at(3), "empty key");
}

TEST(ColumnBatchAppendRows, RefusesADifferentLayout) {
  ColumnBatch a;
  a.add<StringColumn>("x").append("1");
  ColumnBatch other_type;
  other_type.add<FixedColumn<uint64_t>>("x").append(1);
  ColumnBatch other_width;
  ColumnBatch fa, fb;
  fa.add("f", FixedBytesColumn(8));
  fb.add("f", FixedBytesColumn(16));
  EXPECT_FALSE(a.same_layout(other_type));
  EXPECT_FALSE(fa.same_layout(fb));
  EXPECT_FALSE(a.same_layout(ColumnBatch{}));
  EXPECT_EQ(a.append_rows(other_type).code(), core::Code::invalid_argument);
  EXPECT_EQ(a.rows(), 1u);
}

}  // namespace
}  // namespace heeler::pipeline
