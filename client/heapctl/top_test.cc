#include "client/heapctl/top.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace heapd::heapctl {
namespace {

using ::testing::HasSubstr;

v1::StatsResponse Snapshot(int64_t uptime_s, int64_t rpcs, int64_t handoffs,
                           int classes_in_use) {
  v1::StatsResponse stats;
  v1::ServerStats* server = stats.mutable_server();
  server->set_version("0.1.0");
  server->set_uptime_ns(uptime_s * 1000000000);
  server->set_rpcs_total(rpcs);
  v1::MethodStats* method = server->add_methods();
  method->set_method("Allocate");
  method->set_calls(rpcs);
  stats.mutable_lock()->set_policy("cpython");
  stats.mutable_lock()->set_handoffs(handoffs);
  v1::AllocatorStats* a = stats.mutable_allocator();
  a->set_arenas_current(2);
  a->set_arena_bytes(524288);
  for (int i = 0; i < 32; ++i) {
    v1::SizeClassStats* row = a->add_size_classes();
    row->set_size_class(i);
    row->set_block_size(16 * (i + 1));
    row->set_blocks_per_pool(100);
    if (i < classes_in_use) {
      row->set_pools(1);
      row->set_blocks_in_use(i == 0 ? 50 : 10 + i);
    }
  }
  for (int g = 0; g < 3; ++g) {
    v1::GenerationStats* gen = stats.mutable_collector()->add_generations();
    gen->set_generation(g);
    gen->set_threshold(g == 0 ? 700 : 10);
    gen->set_count(g == 0 ? 350 : 0);
  }
  stats.mutable_collector()->set_enabled(true);
  return stats;
}

TEST(TopTest, FitsEightyByTwentyFour) {
  const v1::StatsResponse before = Snapshot(10, 100, 40, 32);
  const v1::StatsResponse after = Snapshot(12, 300, 100, 32);
  const std::vector<std::string> lines =
      RenderTop(after, &before, "127.0.0.1:50051", 80, 24);
  EXPECT_LE(lines.size(), 24u);
  for (const std::string& line : lines) EXPECT_LE(line.size(), 80u) << line;
  const std::string all = ::testing::PrintToString(lines);
  // 200 RPCs and 60 hand-offs in 2 s.
  EXPECT_THAT(lines[0], HasSubstr("rpcs/s 100"));
  EXPECT_THAT(all, HasSubstr("hand-offs/s 30"));
  EXPECT_THAT(all, HasSubstr("RPCs/s: Allocate 100"));
  EXPECT_THAT(all, HasSubstr("Arenas: 2 in use (512.0 KiB)"));
  // Not every class fits: the fullest are shown and the rest counted.
  EXPECT_THAT(all, HasSubstr("more classes in use"));
  EXPECT_THAT(all, HasSubstr("  16 B [########"));  // class 0 is 50% full
  EXPECT_THAT(all, HasSubstr("Gen 0     350/700"));
}

TEST(TopTest, FirstFrameHasNoRates) {
  const std::vector<std::string> lines =
      RenderTop(Snapshot(1, 5, 1, 2), nullptr, "h:1", 80, 24);
  EXPECT_THAT(lines[0], HasSubstr("rpcs/s -"));
  EXPECT_THAT(::testing::PrintToString(lines),
              HasSubstr("RPCs/s: (next frame)"));
  EXPECT_THAT(::testing::PrintToString(lines),
              ::testing::Not(HasSubstr("more classes")));
}

TEST(TopTest, Bars) {
  EXPECT_EQ(Bar(0.5, 12), "[#####.....]");
  EXPECT_EQ(Bar(2.0, 6), "[####]");
  EXPECT_EQ(Bar(-1, 4), "[..]");
}

}  // namespace
}  // namespace heapd::heapctl
