#include "heap/replay/malloc_stats_text.h"

#include <string>

#include "gtest/gtest.h"
#include "heap/obmalloc/small_object_allocator.h"

namespace heapd::replay {
namespace {

// CPython 3.11's _PyObject_DebugMallocStats, as it prints (two classes
// shown; the arena map part ends what is read).
constexpr char kText[] = R"(Small block threshold = 512, in 32 size classes.

class   size   num pools   blocks in use  avail blocks
-----   ----   ---------   -------------  ------------
    2     48           4            1197           163
   31    512           1              19            12

# arenas allocated total           =                    2
# arenas reclaimed                 =                    0
# arenas highwater mark            =                    2
# arenas allocated current         =                    2
2 arenas * 1048576 bytes/arena     =            2,097,152

# bytes in allocated blocks        =            1,338,160
# bytes in available blocks        =              320,864
24 unused pools * 16384 bytes      =              393,216
# bytes lost to pool headers       =                4,896
# bytes lost to quantization       =                7,248
# bytes lost to arena alignment    =               32,768
Total                              =            2,097,152

arena map counts
# arena map mid nodes              =                    1
# arena map bot nodes              =                    1
Total                              =              655,360
)";

TEST(MallocStatsTextTest, ReadsEveryFigure) {
  absl::StatusOr<MallocStatsFigures> f = ParseDebugMallocStats(kText);
  ASSERT_TRUE(f.ok()) << f.status();
  EXPECT_EQ(f->classes[2].pools, 4u);
  EXPECT_EQ(f->classes[2].blocks_in_use, 1197u);
  EXPECT_EQ(f->classes[2].available_blocks, 163u);
  EXPECT_EQ(f->classes[31].blocks_in_use, 19u);
  EXPECT_EQ(f->classes[0].pools, 0u) << "classes not printed have no pools";
  EXPECT_EQ(f->arenas_allocated_total, 2u);
  EXPECT_EQ(f->arenas_highwater, 2u);
  EXPECT_EQ(f->arena_bytes, 2097152u);
  EXPECT_EQ(f->bytes_in_allocated_blocks, 1338160u);
  EXPECT_EQ(f->unused_pools, 24u);
  EXPECT_EQ(f->bytes_in_unused_pools, 393216u);
  EXPECT_EQ(f->bytes_lost_to_arena_alignment, 32768u);
  EXPECT_EQ(f->total, 2097152u) << "the arenas' total, not the map's";
}

TEST(MallocStatsTextTest, MissingFigureIsAnError) {
  std::string text = kText;
  const size_t at = text.find("# bytes lost to quantization");
  text.erase(at, text.find('\n', at) - at + 1);
  absl::StatusOr<MallocStatsFigures> f = ParseDebugMallocStats(text);
  ASSERT_FALSE(f.ok());
  EXPECT_NE(f.status().message().find("11 of the 12"), std::string::npos)
      << f.status();
}

TEST(MallocStatsTextTest, BadTableRowIsAnError) {
  std::string text = kText;
  text.replace(text.find("   31    512"), 12, "   31    500");
  EXPECT_EQ(ParseDebugMallocStats(text).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(MallocStatsTextTest, HeapdsFiguresCompareFigureByFigure) {
  const obmalloc::AllocatorLayout layout =
      obmalloc::AllocatorLayout::Cpython312();
  obmalloc::SmallObjectAllocator a(layout);
  void* p = a.Allocate(40);
  const MallocStatsFigures heapd = FiguresOf(a.Stats(), layout);
  EXPECT_EQ(heapd.classes[2].blocks_in_use, 1u);
  EXPECT_EQ(heapd.arena_bytes, 1u << 20);
  EXPECT_FALSE(FirstDifference(heapd, heapd).has_value());
  MallocStatsFigures cpython = heapd;
  cpython.classes[2].available_blocks += 1;
  cpython.total += 1;
  EXPECT_EQ(FirstDifference(cpython, heapd),
            "class 2 avail blocks: CPython " +
                std::to_string(heapd.classes[2].available_blocks + 1) +
                ", heapd " + std::to_string(heapd.classes[2].available_blocks));
  a.Free(p);
}

}  // namespace
}  // namespace heapd::replay
