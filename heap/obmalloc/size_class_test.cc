#include "heap/obmalloc/size_class.h"

#include <cstddef>

#include "gtest/gtest.h"

namespace heapd::obmalloc {
namespace {

// Blocks per pool of each size class, as CPython computes and
// sys._debugmallocstats() reports them: 4 KiB pools (CPython 3.8) and
// 16 KiB pools (64-bit CPython 3.10+). From ../shared/reference/
// cpython-memory.md, section 1.3.
constexpr size_t kCpythonBlocksPer4KiBPool[kNumSizeClasses] = {
    253, 126, 84, 63, 50, 42, 36, 31, 28, 25, 23, 21, 19, 18, 16, 15,
    14,  14,  13, 12, 12, 11, 11, 10, 10, 9,  9,  9,  8,  8,  8,  7};
constexpr size_t kCpythonBlocksPer16KiBPool[kNumSizeClasses] = {
    1021, 510, 340, 255, 204, 170, 145, 127, 113, 102, 92, 85, 78, 72, 68, 63,
    60,   56,  53,  51,  48,  46,  44,  42,  40,  39,  37, 36, 35, 34, 32, 31};
// Bytes at the end of a pool no block fits in, per class (the same table).
constexpr size_t kCpythonWastePer4KiBPool[kNumSizeClasses] = {
    0,   16, 16, 16,  48, 16,  16, 80,  16, 48,  0,   16, 96,  16,  208, 208,
    240, 16, 96, 208, 16, 176, 0,  208, 48, 304, 160, 16, 336, 208, 80,  464};
constexpr size_t kCpythonWastePer16KiBPool[kNumSizeClasses] = {
    0,   16,  16,  16,  16,  16,  96,  80,  64,  16,  144,
    16,  112, 208, 16,  208, 16,  208, 224, 16,  208, 144,
    144, 208, 336, 112, 352, 208, 96,  16,  464, 464};

TEST(SizeClassTest, ThirtyTwoClassesOfSixteenBytes) {
  EXPECT_EQ(kNumSizeClasses, 32);
  EXPECT_EQ(kAlignment, 16u);
  EXPECT_EQ(kSmallRequestThreshold, 512u);
  EXPECT_EQ(kPoolHeaderSize, 48u);
}

TEST(SizeClassTest, EveryRequestFromZeroTo512MapsAsCpython) {
  // Request 0 is not small: CPython sends it to the raw domain.
  EXPECT_FALSE(IsSmallRequest(0));
  for (size_t n = 1; n <= 512; ++n) {
    SCOPED_TRACE(n);
    ASSERT_TRUE(IsSmallRequest(n));
    // CPython: idx = (nbytes - 1) >> ALIGNMENT_SHIFT, written out as the
    // table "1-16 -> 0, 17-32 -> 1, ...".
    const int expected = static_cast<int>((n + 15) / 16) - 1;
    EXPECT_EQ(SizeClassOf(n), expected);
    const size_t block = BlockSizeOf(SizeClassOf(n));
    EXPECT_GE(block, n);
    EXPECT_LT(block - n, 16u);
    EXPECT_EQ(block % kAlignment, 0u);
  }
  EXPECT_FALSE(IsSmallRequest(513));
  EXPECT_FALSE(IsSmallRequest(SIZE_MAX));
}

TEST(SizeClassTest, BlockSizes) {
  EXPECT_EQ(BlockSizeOf(0), 16u);
  EXPECT_EQ(BlockSizeOf(3), 64u);
  EXPECT_EQ(BlockSizeOf(31), 512u);
}

TEST(SizeClassTest, BlocksPerPoolMatchCpythonInBothLayouts) {
  for (int c = 0; c < kNumSizeClasses; ++c) {
    SCOPED_TRACE(c);
    EXPECT_EQ(BlocksPerPool(c, 4096), kCpythonBlocksPer4KiBPool[c]);
    EXPECT_EQ(BlocksPerPool(c, 16384), kCpythonBlocksPer16KiBPool[c]);
    EXPECT_EQ(QuantizationLossPerPool(c, 4096), kCpythonWastePer4KiBPool[c]);
    EXPECT_EQ(QuantizationLossPerPool(c, 16384), kCpythonWastePer16KiBPool[c]);
  }
}

}  // namespace
}  // namespace heapd::obmalloc
