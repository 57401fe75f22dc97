#include "store/columns.h"

#include <gtest/gtest.h>

#include <limits>

namespace heeler::store {
namespace {

TEST(FixedBytesColumn, PadsShortValuesAndTruncatesLongOnes) {
  FixedBytesColumn c(4);
  c.append("ab");
  c.append("abcdef");
  c.append("");
  ASSERT_EQ(c.size(), 3u);
  EXPECT_EQ(c.data, std::string("ab\0\0abcd\0\0\0\0", 12));
}

TEST(FixedBytesColumn, DefaultWidthIsSixteen) {
  FixedBytesColumn c;
  c.append(std::string(16, 'x'));
  EXPECT_EQ(c.width, 16);
  EXPECT_EQ(c.size(), 1u);
}

TEST(Column, SizeOfEveryKind) {
  ColumnBatch batch;
  auto& u8 = batch.add<FixedColumn<uint8_t>>("u8");
  auto& ts = batch.add<TimestampColumn>("ts");
  auto& s = batch.add<StringColumn>("s");
  auto& fb = batch.add<FixedBytesColumn>("fb", FixedBytesColumn(8));
  auto& m = batch.add<MapColumn>("m");
  for (int i = 0; i < 3; ++i) {
    u8.append(static_cast<uint8_t>(i));
    ts.append(i);
    s.append("x");
    fb.append("12345678");
    m.add("k", "v");
    m.end_row();
  }
  for (const auto& column : batch.columns()) EXPECT_EQ(column.size(), 3u) << column.name;
  EXPECT_EQ(batch.rows(), 3u);
  EXPECT_TRUE(batch.validate().ok());
}

TEST(ColumnBatch, ByteSizeCountsValuesOffsetsAndChars) {
  ColumnBatch batch;
  auto& a = batch.add<FixedColumn<uint64_t>>("a");
  auto& s = batch.add<StringColumn>("s");
  auto& fb = batch.add<FixedBytesColumn>("fb", FixedBytesColumn(16));
  auto& m = batch.add<MapColumn>("m");
  a.append(1);
  a.append(2);
  s.append("hello");
  s.append("");
  fb.append("x");
  fb.append("y");
  m.add("key", "value");
  m.end_row();
  m.end_row();
  // a: 2*8; s: 5 chars + 3 offsets*4; fb: 32; m: 3 offsets*4 + keys (3 + 2*4) + values (5 + 2*4)
  EXPECT_EQ(batch.byte_size(), 16u + (5 + 12) + 32 + (12 + 11 + 13));
}

TEST(ColumnBatch, EmptyBatchIsValid) {
  ColumnBatch batch;
  EXPECT_EQ(batch.rows(), 0u);
  EXPECT_EQ(batch.byte_size(), 0u);
  EXPECT_TRUE(batch.validate().ok());
}

TEST(ColumnBatch, RejectsDifferentRowCountsNamingTheColumn) {
  ColumnBatch batch;
  batch.add<FixedColumn<int32_t>>("first").append(1);
  auto& second = batch.add<StringColumn>("second");
  second.append("a");
  second.append("b");
  auto st = batch.validate();
  ASSERT_EQ(st.code(), core::Code::invalid_argument);
  EXPECT_NE(st.message().find("second"), std::string::npos) << st.message();
}

TEST(ColumnBatch, RejectsDuplicateAndEmptyNames) {
  ColumnBatch dup;
  dup.add<FixedColumn<double>>("x");
  dup.add<FixedColumn<double>>("x");
  auto st = dup.validate();
  ASSERT_EQ(st.code(), core::Code::invalid_argument);
  EXPECT_NE(st.message().find("x"), std::string::npos);

  ColumnBatch empty_name;
  empty_name.add<FixedColumn<double>>("");
  EXPECT_EQ(empty_name.validate().code(), core::Code::invalid_argument);
}

TEST(ColumnBatch, RejectsOverflowedStringOffsets) {
  ColumnBatch batch;
  auto& s = batch.add<StringColumn>("message");
  s.append("abc");
  // What appending past 2 GiB leaves behind: a wrapped, negative offset.
  s.offsets.push_back(std::numeric_limits<int32_t>::min() + 5);
  s.chars.append("de");
  auto st = batch.validate();
  ASSERT_EQ(st.code(), core::Code::invalid_argument);
  EXPECT_NE(st.message().find("message"), std::string::npos) << st.message();
}

TEST(ColumnBatch, RejectsOffsetsThatDoNotEndAtTheData) {
  ColumnBatch batch;
  auto& s = batch.add<StringColumn>("s");
  s.append("abc");
  s.chars += "zz";
  EXPECT_EQ(batch.validate().code(), core::Code::invalid_argument);

  ColumnBatch no_offsets;
  no_offsets.add<StringColumn>("s").offsets.clear();
  EXPECT_EQ(no_offsets.validate().code(), core::Code::invalid_argument);
}

TEST(ColumnBatch, RejectsMapWithMismatchedKeysAndValues) {
  ColumnBatch batch;
  auto& m = batch.add<MapColumn>("attributes");
  m.add("a", "1");
  m.keys.append("orphan");
  m.end_row();
  auto st = batch.validate();
  ASSERT_EQ(st.code(), core::Code::invalid_argument);
  EXPECT_NE(st.message().find("attributes"), std::string::npos);
}

TEST(ColumnBatch, RejectsMapRowOffsetsPastTheEntries) {
  ColumnBatch batch;
  auto& m = batch.add<MapColumn>("attributes");
  m.add("a", "1");
  m.offsets.push_back(7);
  EXPECT_EQ(batch.validate().code(), core::Code::invalid_argument);
}

TEST(ColumnBatch, RejectsBadFixedBytes) {
  ColumnBatch zero;
  zero.add<FixedBytesColumn>("trace_id", FixedBytesColumn(0));
  auto st = zero.validate();
  ASSERT_EQ(st.code(), core::Code::invalid_argument);
  EXPECT_NE(st.message().find("trace_id"), std::string::npos);

  ColumnBatch ragged;
  ragged.add<FixedBytesColumn>("span_id", FixedBytesColumn(8)).data = "123456789";
  EXPECT_EQ(ragged.validate().code(), core::Code::invalid_argument);
}

}  // namespace
}  // namespace heeler::store
