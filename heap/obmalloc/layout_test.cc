#include "heap/obmalloc/layout.h"

#include "gtest/gtest.h"

namespace heapd::obmalloc {
namespace {

TEST(LayoutTest, ClassicIsCpython38) {
  const AllocatorLayout layout = AllocatorLayout::Classic();
  EXPECT_EQ(layout.arena_size(), 256u * 1024);
  EXPECT_EQ(layout.pool_size(), 4u * 1024);
  EXPECT_EQ(layout.pools_per_arena(), 64u);
  EXPECT_EQ(layout.preset(), "classic");
  EXPECT_EQ(layout.release(), ArenaRelease::kKeepOne);
  EXPECT_EQ(layout.arena_shift(), 18);
  EXPECT_EQ(layout.pool_shift(), 12);
}

TEST(LayoutTest, Cpython312IsLargeArenasAndPools) {
  const AllocatorLayout layout = AllocatorLayout::Cpython312();
  EXPECT_EQ(layout.arena_size(), 1024u * 1024);
  EXPECT_EQ(layout.pool_size(), 16u * 1024);
  EXPECT_EQ(layout.pools_per_arena(), 64u);
  EXPECT_EQ(layout.preset(), "cpython312");
  EXPECT_EQ(layout.ToString(),
            "cpython312 (1 MiB arenas, 16 KiB pools, keep_one)");
}

TEST(LayoutTest, PresetsByName) {
  EXPECT_EQ(AllocatorLayout::FromPreset("classic")->preset(), "classic");
  EXPECT_EQ(AllocatorLayout::FromPreset("cpython312")->preset(), "cpython312");
  absl::StatusOr<AllocatorLayout> bad = AllocatorLayout::FromPreset("pypy");
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(bad.status().message().find("classic"), std::string::npos);
}

TEST(LayoutTest, CustomSizesAreValidated) {
  absl::StatusOr<AllocatorLayout> ok =
      AllocatorLayout::Create(1 << 20, 1 << 13, ArenaRelease::kEager);
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_EQ(ok->preset(), "custom");
  EXPECT_EQ(ok->pools_per_arena(), 128u);
  EXPECT_EQ(ok->release(), ArenaRelease::kEager);

  // A custom layout with a preset's sizes carries the preset's name.
  EXPECT_EQ(AllocatorLayout::Create(256 << 10, 4 << 10, ArenaRelease::kKeepOne)
                ->preset(),
            "classic");

  struct Case {
    size_t arena, pool;
    const char* says;
  } cases[] = {
      {256 << 10, 3000, "not a power of two"},
      {300000, 4096, "not a power of two"},
      {256 << 10, 1024, "out of range"},  // too small for two 512-byte blocks
      {1u << 31, 4096, "too large"},
      {16 << 10, 16 << 10, "at least 4 pools"},  // pool does not leave room
      {8 << 10, 16 << 10, "at least 4 pools"},   // pool larger than arena
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(testing::Message() << c.arena << "/" << c.pool);
    absl::StatusOr<AllocatorLayout> layout =
        AllocatorLayout::Create(c.arena, c.pool, ArenaRelease::kKeepOne);
    ASSERT_FALSE(layout.ok());
    EXPECT_EQ(layout.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_NE(layout.status().message().find(c.says), std::string::npos)
        << layout.status();
  }
}

TEST(LayoutTest, SizesWithNoLargerPowerOfTwoAreRefused) {
  // No power of two above them fits in 64 bits: nothing to suggest.
  const size_t huge = (size_t{1} << 63) + 1;
  absl::StatusOr<AllocatorLayout> layout =
      AllocatorLayout::Create(huge, 4096, ArenaRelease::kKeepOne);
  ASSERT_FALSE(layout.ok());
  EXPECT_EQ(layout.status().message(),
            "arena size 9223372036854775809 is not a power of two");
  layout = AllocatorLayout::Create(1 << 20, SIZE_MAX, ArenaRelease::kKeepOne);
  ASSERT_FALSE(layout.ok());
  EXPECT_EQ(layout.status().code(), absl::StatusCode::kInvalidArgument);
  layout = AllocatorLayout::Create(1 << 20, 5000, ArenaRelease::kKeepOne);
  EXPECT_EQ(layout.status().message(),
            "pool size 5000 is not a power of two (try 8192)");
}

TEST(LayoutTest, ArenaReleasePolicies) {
  EXPECT_EQ(*ParseArenaRelease("keep_one"), ArenaRelease::kKeepOne);
  EXPECT_EQ(*ParseArenaRelease("eager"), ArenaRelease::kEager);
  EXPECT_EQ(ParseArenaRelease("never").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ArenaReleaseName(ArenaRelease::kEager), "eager");
}

}  // namespace
}  // namespace heapd::obmalloc
