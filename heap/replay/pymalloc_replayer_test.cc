#include "heap/replay/pymalloc_replayer.h"

#include "gtest/gtest.h"
#include "heap/obmalloc/size_class.h"

namespace heapd::replay {
namespace {

using obmalloc::AllocatorLayout;
using obmalloc::SmallObjectStats;

size_t InUse(const PymallocReplayer& r, int size_class) {
  return r.Stats().size_classes[size_class].blocks_in_use;
}

size_t SmallBlocks(const PymallocReplayer& r) {
  size_t n = 0;
  for (const auto& row : r.Stats().size_classes) n += row.blocks_in_use;
  return n;
}

TEST(PymallocReplayerTest, SmallRequestsTakeTheirSizeClass) {
  PymallocReplayer r(AllocatorLayout::Cpython312());
  ASSERT_TRUE(r.Malloc(1, 1).ok());
  ASSERT_TRUE(r.Malloc(2, 512).ok());
  ASSERT_TRUE(r.Calloc(3, 5, 8).ok());
  EXPECT_EQ(InUse(r, 0), 1u);
  EXPECT_EQ(InUse(r, 31), 1u);
  EXPECT_EQ(InUse(r, 2), 1u) << "calloc(5, 8) is a 40-byte block";
  ASSERT_TRUE(r.Free(2).ok());
  EXPECT_EQ(InUse(r, 31), 0u);
}

TEST(PymallocReplayerTest, ZeroAndLargeRequestsGoToTheRawDomain) {
  PymallocReplayer r(AllocatorLayout::Cpython312());
  ASSERT_TRUE(r.Malloc(1, 0).ok());
  ASSERT_TRUE(r.Malloc(2, 513).ok());
  ASSERT_TRUE(r.Calloc(3, 0, 8).ok());
  EXPECT_EQ(SmallBlocks(r), 0u);
  EXPECT_EQ(r.Stats().arenas_current, 0u);
  ASSERT_TRUE(r.Free(1).ok());
  ASSERT_TRUE(r.Free(2).ok());
  ASSERT_TRUE(r.Free(3).ok());
}

TEST(PymallocReplayerTest, ReallocKeepsABlockThatStillFitsClosely) {
  PymallocReplayer r(AllocatorLayout::Cpython312());
  ASSERT_TRUE(r.Malloc(1, 64).ok());  // a 64-byte block
  bool small = false;
  bool moved = true;
  // Growing within the block, and shrinking by less than a quarter: kept.
  for (uint64_t size : {64, 60, 49}) {
    ASSERT_TRUE(r.Realloc(1, size, small, moved).ok());
    EXPECT_TRUE(small);
    EXPECT_FALSE(moved) << size;
    EXPECT_EQ(InUse(r, 3), 1u);
  }
  // 48 is exactly three quarters of 64: 4 * 48 > 3 * 64 fails, so it moves
  // to the 48-byte class.
  ASSERT_TRUE(r.Realloc(1, 48, small, moved).ok());
  EXPECT_TRUE(moved);
  EXPECT_EQ(InUse(r, 3), 0u);
  EXPECT_EQ(InUse(r, 2), 1u);
  // Growing past the block moves it up.
  ASSERT_TRUE(r.Realloc(1, 49, small, moved).ok());
  EXPECT_TRUE(moved);
  EXPECT_EQ(InUse(r, 3), 1u);
}

TEST(PymallocReplayerTest, ReallocOfSmallBlockToZeroOrLargeLeavesPymalloc) {
  PymallocReplayer r(AllocatorLayout::Cpython312());
  ASSERT_TRUE(r.Malloc(1, 100).ok());
  ASSERT_TRUE(r.Malloc(2, 100).ok());
  bool small = false;
  bool moved = false;
  ASSERT_TRUE(r.Realloc(1, 0, small, moved).ok());
  EXPECT_TRUE(small);
  EXPECT_TRUE(moved) << "realloc to 0 is malloc(0): the raw domain";
  ASSERT_TRUE(r.Realloc(2, 4096, small, moved).ok());
  EXPECT_TRUE(moved);
  EXPECT_EQ(SmallBlocks(r), 0u);
}

TEST(PymallocReplayerTest, RawBlockStaysRawWhenReallocatedSmall) {
  PymallocReplayer r(AllocatorLayout::Cpython312());
  ASSERT_TRUE(r.Malloc(1, 1000).ok());
  bool small = true;
  bool moved = false;
  ASSERT_TRUE(r.Realloc(1, 16, small, moved).ok());
  EXPECT_FALSE(small);
  EXPECT_EQ(SmallBlocks(r), 0u) << "pymalloc never takes a C block over";
  EXPECT_EQ(r.Stats().arenas_current, 0u);
  ASSERT_TRUE(r.Free(1).ok());
}

TEST(PymallocReplayerTest, ArenasTakeTheRecordedOffsets) {
  PymallocReplayer r(AllocatorLayout::Cpython312());
  r.QueueArena(0x7f0000004000);  // aligned: 64 pools
  r.QueueArena(0x7f0000101000);  // 4 KiB past a boundary: 63
  uint64_t id = 1;
  // 31 blocks of 512 bytes fill a pool: 64 pools' worth fill the first
  // arena and start the second.
  for (; id <= 31 * 64 + 1; ++id) ASSERT_TRUE(r.Malloc(id, 512).ok());
  SmallObjectStats s = r.Stats();
  EXPECT_EQ(s.arenas_current, 2u);
  EXPECT_EQ(s.bytes_lost_to_arena_alignment, 16384u);
  EXPECT_EQ(s.unused_pools, 62u);
  EXPECT_EQ(r.arenas_queued(), 0u);
  EXPECT_EQ(r.arenas_unmatched(), 0u);
  // A third arena no recording mapped: counted.
  for (; id <= 31 * 127 + 1; ++id) ASSERT_TRUE(r.Malloc(id, 512).ok());
  EXPECT_EQ(r.Stats().arenas_current, 3u);
  EXPECT_EQ(r.arenas_unmatched(), 1u);
}

TEST(PymallocReplayerTest, UnplacedArenasIgnoreTheRecording) {
  PymallocReplayer r(AllocatorLayout::Cpython312(), /*place_arenas=*/false);
  r.QueueArena(0x7f0000101000);
  ASSERT_TRUE(r.Malloc(1, 8).ok());
  EXPECT_EQ(r.arenas_queued(), 0u);
  EXPECT_EQ(r.arenas_unmatched(), 0u);
  EXPECT_EQ(r.Stats().arenas_current, 1u);
}

TEST(PymallocReplayerTest, MisusedIdsAreErrors) {
  PymallocReplayer r(AllocatorLayout::Cpython312());
  ASSERT_TRUE(r.Malloc(1, 8).ok());
  EXPECT_EQ(r.Malloc(1, 8).code(), absl::StatusCode::kFailedPrecondition);
  ASSERT_TRUE(r.Free(1).ok());
  EXPECT_EQ(r.Free(1).code(), absl::StatusCode::kFailedPrecondition);
  bool small = false;
  bool moved = false;
  EXPECT_EQ(r.Realloc(7, 8, small, moved).code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(r.Malloc(0, 8).code(), absl::StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace heapd::replay
