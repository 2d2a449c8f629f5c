#include "heap/objects/weak_ref_table.h"

#include "gtest/gtest.h"

namespace heapd::objects {
namespace {

TEST(WeakRefTableTest, IdsAreHandedOutInOrderFromOne) {
  WeakRefTable table;
  EXPECT_EQ(table.Add(/*target=*/7, /*target_handle=*/0x100000007, false), 1u);
  EXPECT_EQ(table.Add(7, 0x100000007, true), 2u);
  EXPECT_EQ(table.size(), 2u);
  EXPECT_EQ(*table.Target(2), 0x100000007u);
  ASSERT_NE(table.Find(2), nullptr);
  EXPECT_TRUE(table.Find(2)->callback);
}

TEST(WeakRefTableTest, AClearedReferenceLeavesTheTableAndTargetsNothing) {
  WeakRefTable table;
  const WeakRefId id = table.Add(3, 0x200000003, true);
  EXPECT_FALSE(table.Clear(id, /*target=*/4).has_value())
      << "it refers to slot 3";
  std::optional<WeakRefTable::Entry> cleared = table.Clear(id, 3);
  ASSERT_TRUE(cleared.has_value());
  EXPECT_EQ(cleared->target_handle, 0x200000003u);
  EXPECT_TRUE(cleared->callback);
  EXPECT_EQ(table.size(), 0u);
  EXPECT_EQ(table.Find(id), nullptr);
  EXPECT_EQ(*table.Target(id), 0u);
  EXPECT_FALSE(table.Clear(id, 3).has_value()) << "cleared once only";
}

TEST(WeakRefTableTest, AnIdNeverMadeIsNotFound) {
  WeakRefTable table;
  table.Add(1, 0x100000001, false);
  EXPECT_EQ(table.Target(0).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(table.Target(2).status().code(), absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace heapd::objects
