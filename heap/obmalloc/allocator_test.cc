#include "heap/obmalloc/allocator.h"

#include <cstdint>
#include <cstring>

#include "gtest/gtest.h"

namespace heapd::obmalloc {
namespace {

TEST(AllocatorTest, SmallRequestsGoToPools) {
  Allocator a(AllocatorLayout::Classic());
  void* p = a.Allocate(40);
  BlockLocation location;
  ASSERT_TRUE(a.Locate(p, &location));
  EXPECT_EQ(location.size_class, 2);
  EXPECT_EQ(a.BlockSize(p), 48u);
  const AllocatorStats s = a.Stats();
  EXPECT_EQ(s.small.size_classes[2].blocks_in_use, 1u);
  EXPECT_EQ(s.raw.blocks_in_use, 0u);
  a.Free(p);
  EXPECT_EQ(a.Stats().small.size_classes[2].blocks_in_use, 0u);
}

TEST(AllocatorTest, LargeAndZeroRequestsGoToTheRawDomain) {
  Allocator a(AllocatorLayout::Classic());
  void* big = a.Allocate(513);
  void* huge = a.Allocate(1 << 20);
  void* zero = a.Allocate(0);  // CPython: malloc(1), never NULL
  ASSERT_NE(big, nullptr);
  ASSERT_NE(huge, nullptr);
  ASSERT_NE(zero, nullptr);
  BlockLocation location;
  EXPECT_FALSE(a.Locate(big, &location));
  EXPECT_FALSE(a.Locate(zero, &location));
  EXPECT_EQ(reinterpret_cast<uintptr_t>(big) % 16, 0u);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(huge) % 16, 0u);
  EXPECT_EQ(a.BlockSize(big), 513u);
  EXPECT_EQ(a.BlockSize(zero), 1u);
  std::memset(huge, 0x5a, 1 << 20);

  AllocatorStats s = a.Stats();
  EXPECT_EQ(s.raw.blocks_in_use, 3u);
  EXPECT_EQ(s.raw.bytes_in_use, 513u + (1u << 20) + 1u);
  EXPECT_EQ(s.raw.allocations_total, 3u);
  EXPECT_EQ(s.small.arenas_current, 0u) << "no arena for raw requests";

  a.Free(huge);
  s = a.Stats();
  EXPECT_EQ(s.raw.blocks_in_use, 2u);
  EXPECT_EQ(s.raw.bytes_in_use, 514u);
  EXPECT_EQ(s.raw.bytes_highwater, 513u + (1u << 20) + 1u);
  EXPECT_EQ(s.raw.frees_total, 1u);
  a.Free(big);
  a.Free(zero);
  EXPECT_EQ(a.Stats().raw.bytes_in_use, 0u);
  EXPECT_TRUE(a.Verify().ok());
}

TEST(AllocatorTest, BoundaryBetweenDomainsIs512) {
  Allocator a(AllocatorLayout::Cpython312());
  void* at = a.Allocate(512);
  void* above = a.Allocate(513);
  BlockLocation location;
  EXPECT_TRUE(a.Locate(at, &location));
  EXPECT_EQ(location.size_class, 31);
  EXPECT_FALSE(a.Locate(above, &location));
  a.Free(at);
  a.Free(above);
  EXPECT_TRUE(a.Verify().ok());
}

TEST(AllocatorTest, ImpossibleRequestFailsCleanly) {
  Allocator a(AllocatorLayout::Classic());
  EXPECT_EQ(a.Allocate(SIZE_MAX), nullptr);
  EXPECT_EQ(a.Allocate(SIZE_MAX - 8), nullptr);
  EXPECT_EQ(a.Stats().raw.blocks_in_use, 0u);
}

}  // namespace
}  // namespace heapd::obmalloc
