#include "store/arrow_export.h"

#include <gtest/gtest.h>

#include <string>

namespace heeler::store::arrow {
namespace {

ColumnBatch sample_batch() {
  ColumnBatch batch;
  auto& u8 = batch.add<FixedColumn<uint8_t>>("u8");
  auto& u16 = batch.add<FixedColumn<uint16_t>>("u16");
  auto& u32 = batch.add<FixedColumn<uint32_t>>("u32");
  auto& u64 = batch.add<FixedColumn<uint64_t>>("u64");
  auto& i32 = batch.add<FixedColumn<int32_t>>("i32");
  auto& i64 = batch.add<FixedColumn<int64_t>>("i64");
  auto& f64 = batch.add<FixedColumn<double>>("f64");
  auto& ts = batch.add<TimestampColumn>("ts");
  auto& s = batch.add<StringColumn>("s");
  auto& fb = batch.add<FixedBytesColumn>("fb", FixedBytesColumn(16));
  auto& m = batch.add<MapColumn>("m");
  for (int i = 0; i < 3; ++i) {
    u8.append(static_cast<uint8_t>(i));
    u16.append(static_cast<uint16_t>(i));
    u32.append(static_cast<uint32_t>(i));
    u64.append(static_cast<uint64_t>(i));
    i32.append(-i);
    i64.append(-i);
    f64.append(i * 0.5);
    ts.append(1700000000000000000 + i);
    s.append(std::string(static_cast<size_t>(i), 'x'));
    fb.append("trace");
    for (int k = 0; k < i; ++k) m.add("k" + std::to_string(k), "v");
    m.end_row();
  }
  return batch;
}

template <typename C>
const C& col(const ColumnBatch& b, size_t i) {
  return std::get<C>(b.columns().at(i).data);
}

TEST(ArrowExport, RootIsAStructOfTheColumns) {
  ColumnBatch batch = sample_batch();
  ASSERT_TRUE(batch.validate().ok());
  ArrowExport e(batch);
  ArrowSchema* schema = e.schema();
  ArrowArray* array = e.array();
  EXPECT_STREQ(schema->format, "+s");
  ASSERT_EQ(schema->n_children, 11);
  ASSERT_EQ(array->n_children, 11);
  EXPECT_EQ(array->length, 3);
  EXPECT_EQ(array->n_buffers, 1);
  EXPECT_EQ(array->buffers[0], nullptr);
  const char* formats[] = {"C", "S", "I", "L", "i", "l", "g", "tsn:", "z", "w:16", "+m"};
  for (int i = 0; i < 11; ++i) {
    EXPECT_STREQ(schema->children[i]->format, formats[i]) << i;
    EXPECT_EQ(std::string(schema->children[i]->name), batch.columns()[static_cast<size_t>(i)].name);
    EXPECT_EQ(array->children[i]->length, 3) << i;
    EXPECT_EQ(array->children[i]->null_count, 0);
    EXPECT_EQ(array->children[i]->offset, 0);
    EXPECT_NE(schema->children[i]->release, nullptr);
    EXPECT_NE(array->children[i]->release, nullptr);
  }
  EXPECT_NE(schema->release, nullptr);
  EXPECT_NE(array->release, nullptr);
}

TEST(ArrowExport, BuffersPointIntoTheBatch) {
  ColumnBatch batch = sample_batch();
  ArrowExport e(batch);
  ArrowArray* a = e.array();
  EXPECT_EQ(a->children[0]->buffers[1], col<FixedColumn<uint8_t>>(batch, 0).values.data());
  EXPECT_EQ(a->children[3]->buffers[1], col<FixedColumn<uint64_t>>(batch, 3).values.data());
  EXPECT_EQ(a->children[6]->buffers[1], col<FixedColumn<double>>(batch, 6).values.data());
  EXPECT_EQ(a->children[7]->buffers[1], col<TimestampColumn>(batch, 7).values.data());

  const auto& s = col<StringColumn>(batch, 8);
  ASSERT_EQ(a->children[8]->n_buffers, 3);
  EXPECT_EQ(a->children[8]->buffers[0], nullptr);
  EXPECT_EQ(a->children[8]->buffers[1], s.offsets.data());
  EXPECT_EQ(a->children[8]->buffers[2], s.chars.data());

  const auto& fb = col<FixedBytesColumn>(batch, 9);
  ASSERT_EQ(a->children[9]->n_buffers, 2);
  EXPECT_EQ(a->children[9]->buffers[1], fb.data.data());
}

TEST(ArrowExport, MapIsEntriesOfKeyAndNullableValue) {
  ColumnBatch batch = sample_batch();
  ArrowExport e(batch);
  ArrowSchema* map_schema = e.schema()->children[10];
  ArrowArray* map_array = e.array()->children[10];
  const auto& m = col<MapColumn>(batch, 10);

  EXPECT_EQ(map_array->n_buffers, 2);
  EXPECT_EQ(map_array->buffers[1], m.offsets.data());
  ASSERT_EQ(map_schema->n_children, 1);
  ArrowSchema* entries = map_schema->children[0];
  EXPECT_STREQ(entries->format, "+s");
  EXPECT_STREQ(entries->name, "entries");
  EXPECT_EQ(entries->flags & kFlagNullable, 0);
  ASSERT_EQ(entries->n_children, 2);
  EXPECT_STREQ(entries->children[0]->name, "key");
  EXPECT_STREQ(entries->children[0]->format, "z");
  EXPECT_EQ(entries->children[0]->flags & kFlagNullable, 0);
  EXPECT_STREQ(entries->children[1]->name, "value");
  EXPECT_STREQ(entries->children[1]->format, "z");
  EXPECT_EQ(entries->children[1]->flags & kFlagNullable, kFlagNullable);

  ArrowArray* entry_array = map_array->children[0];
  EXPECT_EQ(entry_array->length, 3);  // 0 + 1 + 2 entries
  EXPECT_EQ(entry_array->n_buffers, 1);
  EXPECT_EQ(entry_array->children[0]->length, 3);
  EXPECT_EQ(entry_array->children[0]->buffers[1], m.keys.offsets.data());
  EXPECT_EQ(entry_array->children[0]->buffers[2], m.keys.chars.data());
  EXPECT_EQ(entry_array->children[1]->buffers[2], m.values.chars.data());
}

TEST(ArrowExport, ReleaseMarksTheTreeReleased) {
  ColumnBatch batch = sample_batch();
  ArrowExport e(batch);
  ArrowSchema* schema = e.schema();
  ArrowArray* array = e.array();
  ArrowSchema* key = schema->children[10]->children[0]->children[0];
  ArrowArray* key_array = array->children[10]->children[0]->children[0];
  schema->release(schema);
  array->release(array);
  EXPECT_EQ(schema->release, nullptr);
  EXPECT_EQ(array->release, nullptr);
  EXPECT_EQ(schema->children[0]->release, nullptr);
  EXPECT_EQ(key->release, nullptr);
  EXPECT_EQ(key_array->release, nullptr);
}

TEST(ArrowExport, EmptyColumnsStillHaveDataPointers) {
  ColumnBatch batch;
  batch.add<FixedColumn<uint64_t>>("n");
  batch.add<StringColumn>("s");
  ArrowExport e(batch);
  EXPECT_EQ(e.array()->length, 0);
  EXPECT_NE(e.array()->children[0]->buffers[1], nullptr);
  EXPECT_NE(e.array()->children[1]->buffers[1], nullptr);
}

}  // namespace
}  // namespace heeler::store::arrow
