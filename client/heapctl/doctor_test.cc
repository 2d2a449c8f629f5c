#include "client/heapctl/doctor.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace heapd::heapctl {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;

std::vector<std::string> Problems(const v1::StatsResponse& stats) {
  std::vector<std::string> names;
  for (const Finding& finding : Diagnose(stats)) {
    names.push_back(finding.problem);
  }
  return names;
}

TEST(DoctorTest, AnIdleServerHasNoProblems) {
  v1::StatsResponse stats;
  stats.mutable_collector()->add_generations()->set_threshold(700);
  EXPECT_THAT(Diagnose(stats), IsEmpty());
  EXPECT_EQ(FormatFindings({}), "no problems found\n");
}

v1::StatsResponse Arenas(int64_t arenas, double utilization) {
  v1::StatsResponse stats;
  v1::AllocatorStats* a = stats.mutable_allocator();
  a->set_arenas_current(arenas);
  a->set_arena_bytes(arenas * 262144);
  a->set_bytes_in_allocated_blocks(
      static_cast<int64_t>(utilization * arenas * 262144));
  a->add_size_classes()->set_blocks_in_use(40);
  return stats;
}

TEST(DoctorTest, FragmentationNeedsManyArenasAndLowUtilization) {
  const std::vector<Finding> findings =
      Diagnose(Arenas(kFragmentationMinArenas, 0.05));
  ASSERT_THAT(findings, SizeIs(1));
  EXPECT_EQ(findings[0].problem, "fragmentation");
  EXPECT_THAT(findings[0].explanation, HasSubstr("4 arenas (1.0 MiB)"));
  EXPECT_THAT(findings[0].explanation, HasSubstr("5.0% of the arena bytes"));
  // Just above the threshold, or too few arenas: nothing.
  EXPECT_THAT(Diagnose(Arenas(kFragmentationMinArenas,
                              kFragmentationMaxUtilization + 0.01)),
              IsEmpty());
  EXPECT_THAT(Diagnose(Arenas(kFragmentationMinArenas - 1, 0.01)), IsEmpty());
}

v1::StatsResponse Young(int64_t collections, int64_t collected) {
  v1::StatsResponse stats;
  v1::GenerationStats* g = stats.mutable_collector()->add_generations();
  g->set_threshold(700);
  g->set_collections(collections);
  g->set_collected(collected);
  return stats;
}

TEST(DoctorTest, CollectorThrashIsYoungCollectionsFindingNothing) {
  EXPECT_THAT(Problems(Young(kThrashMinCollections, 0)),
              ::testing::ElementsAre("collector thrash"));
  EXPECT_THAT(Diagnose(Young(kThrashMinCollections, 0))[0].explanation,
              HasSubstr("collected 20 times and found 0 objects"));
  // Collections that find garbage earn their keep.
  EXPECT_THAT(Diagnose(Young(kThrashMinCollections, 5 * kThrashMinCollections)),
              IsEmpty());
  EXPECT_THAT(Diagnose(Young(kThrashMinCollections - 1, 0)), IsEmpty());
}

v1::StatsResponse Lock(int64_t contended, int64_t wait_p99, int64_t hold_p99) {
  v1::StatsResponse stats;
  v1::LockStats* lock = stats.mutable_lock();
  lock->set_acquisitions(1000);
  lock->set_contended(contended);
  lock->mutable_wait()->set_p99_ns(wait_p99);
  lock->mutable_hold()->set_p99_ns(hold_p99);
  return stats;
}

TEST(DoctorTest, LockConvoyIsWaitFarAboveHold) {
  EXPECT_THAT(Problems(Lock(500, 20000000, 50000)),
              ::testing::ElementsAre("lock convoy"));
  EXPECT_THAT(
      Diagnose(Lock(500, 20000000, 50000))[0].explanation,
      HasSubstr("reach 20 ms at p99 while holds are 50 us at p99 (400x)"));
  // Waits close to holds, short waits, or little contention: no convoy.
  EXPECT_THAT(Diagnose(Lock(500, 20000000, 5000000)), IsEmpty());
  EXPECT_THAT(Diagnose(Lock(500, kConvoyMinWaitP99Ns - 1, 1)), IsEmpty());
  EXPECT_THAT(Diagnose(Lock(kConvoyMinContended - 1, 20000000, 1)), IsEmpty());
}

TEST(DoctorTest, SlowlogOutliersHoldFarLongerThanTheP99) {
  v1::StatsResponse stats;
  stats.mutable_lock()->mutable_hold()->set_p99_ns(200000);  // 200 us
  v1::SlowLogEntry* normal = stats.add_slowlog();
  normal->set_method("Allocate");
  normal->set_hold_ns(1500000);  // below 10x p99 = 2 ms
  EXPECT_THAT(Diagnose(stats), IsEmpty());
  v1::SlowLogEntry* outlier = stats.add_slowlog();
  outlier->set_method("Batch");
  outlier->set_operations(5000);
  outlier->set_session_id("abc");
  outlier->set_hold_ns(80000000);
  const std::vector<Finding> findings = Diagnose(stats);
  ASSERT_THAT(findings, SizeIs(1));
  EXPECT_EQ(findings[0].problem, "slow-log outliers");
  EXPECT_THAT(findings[0].explanation,
              HasSubstr("1 of the 2 slow-log entries held the lock over 2 ms"));
  EXPECT_THAT(findings[0].explanation, HasSubstr("Batch of 5000 operations"));
  EXPECT_THAT(findings[0].explanation, HasSubstr("held it 80 ms"));
}

TEST(DoctorTest, GarbageAndSeveralFindingsAtOnce) {
  v1::StatsResponse stats = Young(kThrashMinCollections, 0);
  stats.mutable_collector()->set_garbage(3);
  stats.mutable_collector()->set_debug_flags(v1::GC_DEBUG_SAVEALL);
  EXPECT_THAT(Problems(stats),
              ::testing::ElementsAre("collector thrash", "garbage"));
  const std::string text = FormatFindings(Diagnose(stats));
  EXPECT_THAT(text, HasSubstr("collector thrash: generation 0"));
  EXPECT_THAT(text, HasSubstr("\ngarbage: gc.garbage holds 3 objects"));
  EXPECT_THAT(text, HasSubstr("SAVEALL is on"));
}

}  // namespace
}  // namespace heapd::heapctl
