#include "client/heapctl/diff.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace heapd::heapctl {
namespace {

using ::testing::HasSubstr;

void SetClass(v1::StatsResponse* stats, int size_class, int64_t blocks,
              int64_t pools) {
  v1::SizeClassStats* row = stats->mutable_allocator()->add_size_classes();
  row->set_size_class(size_class);
  row->set_block_size(16 * (size_class + 1));
  row->set_blocks_in_use(blocks);
  row->set_pools(pools);
}

void SetType(v1::StatsResponse* stats, v1::ObjectType type, int64_t count,
             int64_t bytes) {
  v1::TypeStats* t = stats->mutable_objects()->add_by_type();
  t->set_type(type);
  t->set_count(count);
  t->set_bytes(bytes);
}

TEST(DiffTest, LargestAbsoluteChangeFirstWithSignsAndTotals) {
  v1::StatsResponse before, after;
  SetClass(&before, 0, 10, 1);
  SetClass(&after, 0, 12, 1);  // +2 blocks, +32 bytes
  SetClass(&before, 3, 100, 2);
  SetClass(&after, 3, 0, 0);  // -100 blocks, -6400 bytes
  SetType(&before, v1::LIST, 100, 5600);
  SetType(&after, v1::LIST, 0, 0);
  SetType(&after, v1::STR, 2, 120);  // only after: from zero
  before.mutable_objects()->set_objects(100);
  after.mutable_objects()->set_objects(2);
  v1::GenerationStats* g0 = before.mutable_collector()->add_generations();
  g0->set_count(100);
  g0 = after.mutable_collector()->add_generations();
  g0->set_count(2);
  g0->set_collections(1);
  g0->set_collected(0);
  before.set_timestamp_unix_ns(1000000000);
  after.set_timestamp_unix_ns(3500000000);

  const StatsDiff diff = DiffStats(before, after);
  ASSERT_EQ(diff.rows.size(), 5u);
  EXPECT_EQ(diff.rows[0].name, "3 (64 B)");
  EXPECT_EQ(diff.rows[0].size_diff, -6400);
  EXPECT_EQ(diff.rows[1].name, "list");
  EXPECT_EQ(diff.rows[2].name, "str");
  EXPECT_EQ(diff.rows[3].group, "generation");
  EXPECT_EQ(diff.rows[4].name, "0 (16 B)");
  EXPECT_EQ(diff.blocks_diff, -98);
  EXPECT_EQ(diff.objects_diff, -98);
  EXPECT_EQ(diff.collections_diff, 1);

  const std::string text = FormatDiff(diff);
  EXPECT_THAT(text, HasSubstr("Changes over 2.5 s, largest first:\n"
                              "size class 3 (64 B): blocks=0 (-100), "
                              "bytes=0 (-6,400), pools=0 (-2)\n"
                              "type list: count=0 (-100), bytes=0 (-5,600)\n"
                              "type str: count=2 (+2), bytes=120 (+120)\n"
                              "generation 0: count=2 (-98), collections=1 "
                              "(+1), collected=0 (+0)\n"));
  EXPECT_THAT(text,
              HasSubstr("Total: blocks=12 (-98), block bytes=192 (-6,368)"));
  EXPECT_THAT(FormatDiff(diff, 2), HasSubstr("... 3 more\n"));
}

TEST(DiffTest, UnchangedRowsOnlyOnRequest) {
  v1::StatsResponse same;
  SetClass(&same, 1, 5, 1);
  SetType(&same, v1::INT, 5, 140);
  EXPECT_TRUE(DiffStats(same, same).rows.empty());
  EXPECT_THAT(FormatDiff(DiffStats(same, same)), HasSubstr("no changes"));
  EXPECT_EQ(DiffStats(same, same, /*include_unchanged=*/true).rows.size(), 2u);
  EXPECT_EQ(Signed(0), "+0");
  EXPECT_EQ(Signed(-1500), "-1,500");
}

}  // namespace
}  // namespace heapd::heapctl
