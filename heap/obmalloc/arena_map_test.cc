#include "heap/obmalloc/arena_map.h"

#include <cstdint>

#include "gtest/gtest.h"

namespace heapd::obmalloc {
namespace {

constexpr int kShift = 18;  // 256 KiB arenas
constexpr uintptr_t kArena = uintptr_t{1} << kShift;

TEST(ArenaMapTest, EmptyMapOwnsNothing) {
  ArenaMap map(kShift);
  EXPECT_EQ(map.Find(0), ArenaMap::kNoArena);
  EXPECT_EQ(map.Find(0x7f0000000000), ArenaMap::kNoArena);
  EXPECT_EQ(map.Find(UINTPTR_MAX), ArenaMap::kNoArena);
  EXPECT_EQ(map.leaf_count(), 0u);
}

TEST(ArenaMapTest, AlignedArenaCoversExactlyItsRange) {
  ArenaMap map(kShift);
  const uintptr_t base = 0x7f0000000000;
  ASSERT_TRUE(map.Insert(base, 7));
  EXPECT_EQ(map.Find(base), 7u);
  EXPECT_EQ(map.Find(base + kArena / 2), 7u);
  EXPECT_EQ(map.Find(base + kArena - 1), 7u);
  EXPECT_EQ(map.Find(base - 1), ArenaMap::kNoArena);
  EXPECT_EQ(map.Find(base + kArena), ArenaMap::kNoArena);
  map.Erase(base);
  EXPECT_EQ(map.Find(base), ArenaMap::kNoArena);
  EXPECT_EQ(map.leaf_count(), 1u);  // leaves are kept, as CPython's nodes
}

TEST(ArenaMapTest, UnalignedArenasStraddleTwoRanges) {
  ArenaMap map(kShift);
  const uintptr_t ideal = 0x7f0000000000;
  const uintptr_t a = ideal + 0x3000;  // starts inside range k
  const uintptr_t b = a + kArena;      // right after a: range k+1
  ASSERT_TRUE(map.Insert(a, 1));
  ASSERT_TRUE(map.Insert(b, 2));
  EXPECT_EQ(map.Find(a - 1), ArenaMap::kNoArena);
  EXPECT_EQ(map.Find(a), 1u);
  EXPECT_EQ(map.Find(ideal + kArena), 1u);  // a's spill into range k+1
  EXPECT_EQ(map.Find(b - 1), 1u);
  EXPECT_EQ(map.Find(b), 2u);  // b starts in range k+1
  EXPECT_EQ(map.Find(b + kArena - 1), 2u);
  EXPECT_EQ(map.Find(b + kArena), ArenaMap::kNoArena);
  map.Erase(a);
  EXPECT_EQ(map.Find(a), ArenaMap::kNoArena);
  EXPECT_EQ(map.Find(b - 1), ArenaMap::kNoArena);
  EXPECT_EQ(map.Find(b), 2u);
}

TEST(ArenaMapTest, ArenaAcrossALeafBoundary) {
  ArenaMap map(kShift);
  // The last ideal range of one leaf (2^16 ranges per leaf).
  const uintptr_t ideal =
      ((uintptr_t{0x7f00} << 32) | ((uintptr_t{1} << 16) - 1) << kShift);
  const uintptr_t base = ideal + 0x1000;
  ASSERT_TRUE(map.Insert(base, 3));
  EXPECT_EQ(map.leaf_count(), 2u);
  EXPECT_EQ(map.Find(base + kArena - 1), 3u);
  EXPECT_EQ(map.Find(base + kArena), ArenaMap::kNoArena);
}

TEST(ArenaMapTest, ContainsAgreesWithFind) {
  ArenaMap map(kShift);
  const uintptr_t ideal = 0x7f0000000000;
  ASSERT_TRUE(map.Insert(ideal + 0x5000, 4));      // unaligned
  ASSERT_TRUE(map.Insert(ideal + 3 * kArena, 5));  // aligned
  for (uintptr_t a = ideal - kArena; a < ideal + 6 * kArena; a += 0x800) {
    EXPECT_EQ(map.Contains(a), map.Find(a) != ArenaMap::kNoArena) << a;
  }
  map.Erase(ideal + 0x5000);
  EXPECT_FALSE(map.Contains(ideal + 0x5000));
  EXPECT_FALSE(map.Contains(ideal + kArena));
  EXPECT_TRUE(map.Contains(ideal + 3 * kArena));
  EXPECT_FALSE(map.Contains(uintptr_t{1} << 50));
}

TEST(ArenaMapTest, AddressesAbove48BitsAreNeverOurs) {
  ArenaMap map(kShift);
  EXPECT_FALSE(map.Insert(uintptr_t{1} << 48, 1));
  EXPECT_FALSE(map.Insert((uintptr_t{1} << 48) - kArena / 2, 1));
  EXPECT_EQ(map.Find(uintptr_t{1} << 50), ArenaMap::kNoArena);
}

TEST(ArenaMapTest, BytesCountRootAndLeaves) {
  ArenaMap map(kShift);
  const size_t root = map.bytes();
  ASSERT_TRUE(map.Insert(0x7f0000000000, 0));
  EXPECT_EQ(map.bytes(), root + (size_t{1} << 16) * 16);
}

}  // namespace
}  // namespace heapd::obmalloc
