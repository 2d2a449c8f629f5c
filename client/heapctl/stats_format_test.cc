#include "client/heapctl/stats_format.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace heapd::heapctl {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

v1::StatsResponse Sample() {
  v1::StatsResponse stats;
  v1::AllocatorStats* a = stats.mutable_allocator();
  a->mutable_layout()->set_preset("classic");
  a->mutable_layout()->set_arena_size(262144);
  a->mutable_layout()->set_pool_size(4096);
  a->mutable_layout()->set_small_request_threshold(512);
  a->mutable_layout()->set_size_classes(32);
  a->mutable_layout()->set_arena_release("keep_one");
  for (int i = 0; i < 32; ++i) {
    v1::SizeClassStats* row = a->add_size_classes();
    row->set_size_class(i);
    row->set_block_size(16 * (i + 1));
    row->set_blocks_per_pool((4096 - 48) / (16 * (i + 1)));
  }
  a->mutable_size_classes(3)->set_pools(2);
  a->mutable_size_classes(3)->set_blocks_in_use(100);
  a->mutable_size_classes(3)->set_available_blocks(24);
  a->set_arenas_allocated_total(1);
  a->set_arenas_highwater(1);
  a->set_arenas_current(1);
  a->set_arena_bytes(262144);
  a->set_bytes_in_allocated_blocks(6400);
  a->set_unused_pools(62);
  a->set_bytes_in_unused_pools(253952);
  a->set_bytes_total(262144);
  v1::LockStats* lock = stats.mutable_lock();
  lock->set_policy("cpython");
  lock->set_acquisitions(12);
  lock->mutable_hold()->set_p99_ns(45000);
  lock->add_by_kind()->set_kind("Allocate");
  stats.mutable_server()->set_version("0.1.0");
  stats.mutable_server()->set_uptime_ns(int64_t{65} * 1000000000);
  return stats;
}

TEST(StatsFormatTest, AllocatorTableReadsLikeDebugMallocStats) {
  const std::string text = FormatAllocator(Sample().allocator());
  EXPECT_THAT(text,
              HasSubstr("Small block threshold = 512, in 32 size classes."));
  EXPECT_THAT(
      text, HasSubstr("class   size   num pools   blocks in use  avail blocks\n"
                      "-----   ----   ---------   -------------  ------------\n"
                      "    3     64           2             100            24\n"
                      "\n"));
  // Classes without pools are left out, as CPython does.
  EXPECT_THAT(text, Not(HasSubstr("    0     16")));
  EXPECT_THAT(
      text,
      HasSubstr("# arenas allocated total           =                    1\n"));
  EXPECT_THAT(
      text,
      HasSubstr("1 arenas * 262144 bytes/arena      =              262,144\n"));
  EXPECT_THAT(
      text,
      HasSubstr("62 unused pools * 4096 bytes       =              253,952\n"));
  EXPECT_THAT(
      text,
      HasSubstr("Total                              =              262,144\n"));
}

TEST(StatsFormatTest, MallocStatsLineColumns) {
  const std::string line = MallocStatsLine("# arenas reclaimed", 1234567);
  EXPECT_EQ(line,
            "# arenas reclaimed                 =            1,234,567\n");
  EXPECT_EQ(line.size(), 35u + 1 + 21 + 1);
}

TEST(StatsFormatTest, SectionsNotInTheResponseAreLeftOut) {
  v1::StatsResponse only_lock;
  *only_lock.mutable_lock() = Sample().lock();
  StatsFormatOptions options;
  options.slowlog = false;
  const std::string text = FormatStats(only_lock, options);
  EXPECT_THAT(text, HasSubstr("Lock: policy cpython"));
  EXPECT_THAT(text, Not(HasSubstr("Allocator")));
  EXPECT_THAT(text, Not(HasSubstr("Slow log")));
}

TEST(StatsFormatTest, RedactHidesTimesVersionAndLockCounts) {
  StatsFormatOptions options;
  options.redact = true;
  const std::string text = FormatStats(Sample(), options);
  EXPECT_THAT(text, HasSubstr("Server: heapd *, up *"));
  EXPECT_THAT(text, HasSubstr("acquisitions 12, contended *"));
  EXPECT_THAT(text, HasSubstr("hold: p50 *, p99 *, max *"));
  EXPECT_THAT(text, HasSubstr("Slow log: * (redacted)"));
  EXPECT_THAT(text, Not(HasSubstr("45 us")));
  // The allocator is deterministic and stays.
  EXPECT_THAT(text, HasSubstr("    3     64           2             100"));

  const std::string plain = FormatStats(Sample());
  EXPECT_THAT(plain, HasSubstr("Server: heapd 0.1.0, up 1m 05s"));
  EXPECT_THAT(plain, HasSubstr("hold: p50 0 ns, p99 45 us, max 0 ns"));
  EXPECT_THAT(plain, HasSubstr("Slow log: empty"));
}

TEST(StatsFormatTest, CollectorAndSlowlog) {
  v1::CollectorStats c;
  c.set_enabled(true);
  c.set_debug_flags(v1::GC_DEBUG_SAVEALL | v1::GC_DEBUG_STATS);
  v1::GenerationStats* g = c.add_generations();
  g->set_threshold(700);
  g->set_count(12);
  g->set_collections(3);
  v1::CollectionEvent* e = c.add_recent();
  e->set_sequence(1);
  e->set_collected(2);
  e->set_duration_ns(12300);
  const std::string text = FormatCollector(c);
  EXPECT_THAT(text, HasSubstr("debug flags stats|saveall"));
  EXPECT_THAT(text, HasSubstr("  0         12        700            3"));
  EXPECT_THAT(text, HasSubstr("12.3 us  requested"));

  google::protobuf::RepeatedPtrField<v1::SlowLogEntry> log;
  v1::SlowLogEntry* entry = log.Add();
  entry->set_id(7);
  entry->set_method("Batch");
  entry->set_hold_ns(25000000);
  entry->set_operations(1000);
  EXPECT_THAT(FormatSlowlog(log), HasSubstr("     7  Batch"));
  EXPECT_THAT(FormatSlowlog(log), HasSubstr("25 ms"));
}

}  // namespace
}  // namespace heapd::heapctl
