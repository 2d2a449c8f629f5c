#include "heap/replay/replay_run.h"

#include <cstdio>
#include <memory>
#include <string>

#include "absl/strings/str_format.h"
#include "gtest/gtest.h"

namespace heapd::replay {
namespace {

struct FileCloser {
  void operator()(std::FILE* f) const { std::fclose(f); }
};
using File = std::unique_ptr<std::FILE, FileCloser>;

// CPython 3.11's text for one arena (at a 16 KiB boundary) holding one pool
// of 48-byte blocks with `in_use` of its 340 blocks allocated.
std::string OnePoolOfClass2(int in_use) {
  const int avail = 340 - in_use;
  return absl::StrFormat(
      "Small block threshold = 512, in 32 size classes.\n\n"
      "class   size   num pools   blocks in use  avail blocks\n"
      "-----   ----   ---------   -------------  ------------\n"
      "    2     48           1   %13d  %12d\n\n"
      "# arenas allocated total           = %20d\n"
      "# arenas reclaimed                 = %20d\n"
      "# arenas highwater mark            = %20d\n"
      "# arenas allocated current         = %20d\n"
      "1 arenas * 1048576 bytes/arena     = %20d\n\n"
      "# bytes in allocated blocks        = %20d\n"
      "# bytes in available blocks        = %20d\n"
      "63 unused pools * 16384 bytes      = %20d\n"
      "# bytes lost to pool headers       = %20d\n"
      "# bytes lost to quantization       = %20d\n"
      "# bytes lost to arena alignment    = %20d\n"
      "Total                              = %20d\n",
      in_use, avail, 1, 0, 1, 1, 1048576, 48 * in_use, 48 * avail, 63 * 16384,
      48, 16, 0, 1048576);
}

// Writes a trace with `write`, then replays it.
template <typename Write>
absl::StatusOr<ReplayReport> Replay(Write write,
                                    const ReplayOptions& options = {}) {
  File file(std::tmpfile());
  TraceWriter writer(file.get(), {1 << 20, 1 << 14});
  write(writer);
  EXPECT_TRUE(writer.Finish().ok());
  std::rewind(file.get());
  return ReplayTrace(file.get(), options);
}

TEST(ReplayRunTest, EqualCheckpoints) {
  absl::StatusOr<ReplayReport> r = Replay([](TraceWriter& w) {
    w.ArenaAlloc(0x7f0000000000, 1 << 20);
    const uint64_t a = w.Malloc(Domain::kObj, 40);
    w.Malloc(Domain::kMem, 33);
    w.Checkpoint(OnePoolOfClass2(2));
    w.Free(Domain::kObj, a);
    w.Checkpoint(OnePoolOfClass2(1));
  });
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_TRUE(r->compared);
  EXPECT_EQ(r->calls, 3u);
  EXPECT_EQ(r->checkpoints, 2u);
  EXPECT_EQ(r->checkpoints_equal, 2u);
  EXPECT_EQ(r->first_difference, "");
  EXPECT_EQ(r->fullest_checkpoint, 1u);
  EXPECT_EQ(r->fullest_stats.size_classes[2].blocks_in_use, 2u);
  EXPECT_EQ(r->arenas_unmatched, 0u);
  EXPECT_EQ(r->arenas_unused, 0u);
}

TEST(ReplayRunTest, FirstDifferenceNamesCheckpointCallAndFigure) {
  absl::StatusOr<ReplayReport> r = Replay([](TraceWriter& w) {
    w.ArenaAlloc(0x7f0000000000, 1 << 20);
    w.Malloc(Domain::kObj, 40);
    w.Checkpoint(OnePoolOfClass2(1));
    w.Malloc(Domain::kObj, 40);
    w.Checkpoint(OnePoolOfClass2(3));  // CPython says 3; the replay has 2
  });
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->checkpoints_equal, 1u);
  EXPECT_EQ(r->first_difference,
            "checkpoint 2 (after call 2): class 2 blocks in use: CPython 3, "
            "heapd 2");
}

TEST(ReplayRunTest, ReallocDecidedOtherwiseIsADifference) {
  absl::StatusOr<ReplayReport> r = Replay([](TraceWriter& w) {
    const uint64_t a = w.Malloc(Domain::kObj, 64);
    w.Realloc(Domain::kObj, a, 60, /*moved=*/true);
  });
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->first_difference,
            "call 2: realloc of block 1 to 60 bytes: CPython moved it, heapd "
            "kept it in place");
}

TEST(ReplayRunTest, DataStackChunksAreNotArenas) {
  // A 16 KiB chunk at a 4 KiB offset, then the arena at a boundary: the
  // arena must get the boundary, or it would lose a pool.
  absl::StatusOr<ReplayReport> r = Replay([](TraceWriter& w) {
    w.ArenaAlloc(0x7f0000201000, 1 << 14);
    w.ArenaAlloc(0x7f0000000000, 1 << 20);
    w.Malloc(Domain::kObj, 48);
    w.Checkpoint(OnePoolOfClass2(1));
  });
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->first_difference, "");
  EXPECT_EQ(r->checkpoints_equal, 1u);
}

TEST(ReplayRunTest, OtherLayoutsAreReplayedWithoutComparison) {
  ReplayOptions options;
  options.preset = "classic";
  absl::StatusOr<ReplayReport> r = Replay(
      [](TraceWriter& w) {
        w.Malloc(Domain::kObj, 40);
        w.Checkpoint(OnePoolOfClass2(1));
      },
      options);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_FALSE(r->compared);
  EXPECT_EQ(r->checkpoints, 1u);
  EXPECT_EQ(r->final_stats.arenas_current, 1u);
  EXPECT_EQ(r->final_stats.size_classes[2].blocks_per_pool, 84u)
      << "a 4 KiB pool";
}

TEST(ReplayRunTest, DoubleFreeIsFailedPrecondition) {
  File file(std::tmpfile());
  TraceWriter writer(file.get(), {1 << 20, 1 << 14});
  const uint64_t a = writer.Malloc(Domain::kObj, 40);
  writer.Free(Domain::kObj, a);
  writer.Free(Domain::kObj, a);
  ASSERT_TRUE(writer.Finish().ok());
  std::rewind(file.get());
  absl::StatusOr<ReplayReport> r = ReplayTrace(file.get(), {});
  EXPECT_EQ(r.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(r.status().message().find("call 3"), std::string::npos)
      << r.status();
}

}  // namespace
}  // namespace heapd::replay
