// InterpreterLock's statistics: exact where they must be, readable from any
// thread, and adding up across kinds under contention.
#include <atomic>
#include <cstdint>
#include <latch>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "heap/gil/interpreter_lock.h"
#include "heap/gil/lock_test_util.h"

namespace heapd::gil {
namespace {

TEST(LockStatsTest, UncontendedHoldsCountedExactly) {
  InterpreterLock lock({.hold_sample_period = 16});
  const RequestKind a = lock.RegisterKind("a");
  constexpr int kHolds = 100;
  for (int i = 0; i < kHolds; ++i) {
    lock.Acquire(a);
    lock.Release();
  }
  const LockStatsSnapshot s = lock.Stats();
  EXPECT_EQ(s.acquisitions, static_cast<uint64_t>(kHolds));
  EXPECT_EQ(s.contended, 0u);
  EXPECT_EQ(s.handoffs, 1u);  // only the first: always the same thread
  EXPECT_EQ(s.waiters_peak, 0u);
  EXPECT_EQ(s.wait.count, static_cast<uint64_t>(kHolds));
  EXPECT_EQ(s.wait.max, 0);
  // Untimed holds count too (in the bucket of the last timed one).
  EXPECT_EQ(s.hold.count, static_cast<uint64_t>(kHolds));
  EXPECT_EQ(s.kinds[a.id()].hold.count, static_cast<uint64_t>(kHolds));
  EXPECT_EQ(s.kinds[0].acquisitions, 0u);
  EXPECT_EQ(s.hold_sample_period, 16u);
  EXPECT_EQ(s.policy, "cpython");
}

TEST(LockStatsTest, ReadableFromAnotherThreadWhileHeld) {
  Watchdog watchdog;
  InterpreterLock lock;
  lock.Acquire();
  LockStatsSnapshot s;
  std::thread reader([&] { s = lock.Stats(); });
  reader.join();  // would hang (and trip the watchdog) if Stats() waited
  EXPECT_EQ(s.acquisitions, 1u);
  EXPECT_EQ(s.hold.count, 0u);  // the hold is counted when it ends
  lock.Release();
  EXPECT_EQ(lock.Stats().hold.count, 1u);
}

// Many threads, several kinds, safe points: the totals equal the sums over
// kinds and the threads' own count, and every histogram counts every
// acquisition.
class StatsAddUpTest
    : public testing::TestWithParam<std::tuple<LockPolicy, uint32_t>> {};

TEST_P(StatsAddUpTest, TotalsEqualSumsAndHistogramsCountEverything) {
  Watchdog watchdog;
  const auto [policy, period] = GetParam();
  InterpreterLock lock({.policy = policy,
                        .switch_interval = absl::Microseconds(200),
                        .hold_sample_period = period});
  std::vector<RequestKind> kinds = {RequestKind(), lock.RegisterKind("Alloc"),
                                    lock.RegisterKind("Free"),
                                    lock.RegisterKind("Batch")};
  constexpr int kThreads = 8;
  constexpr int kHolds = 500;
  std::atomic<uint64_t> mine{0};  // acquisitions the threads made
  std::latch start(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      start.arrive_and_wait();
      for (int i = 0; i < kHolds; ++i) {
        const RequestKind kind = kinds[(t + i) % kinds.size()];
        InterpreterLockHolder holder(&lock, kind);
        mine.fetch_add(1, std::memory_order_relaxed);
        if (kind == kinds[3]) {
          for (int j = 0; j < 4; ++j) {
            // A yield is a release and a new acquisition.
            if (lock.SafePoint()) mine.fetch_add(1, std::memory_order_relaxed);
          }
        }
      }
    });
  }
  for (std::thread& t : threads) t.join();

  const LockStatsSnapshot s = lock.Stats();
  EXPECT_EQ(s.acquisitions, mine.load());
  uint64_t acquisitions = 0, contended = 0, waits = 0, holds = 0;
  for (const RequestKindStats& k : s.kinds) {
    EXPECT_EQ(k.wait.count, k.acquisitions) << k.name;
    EXPECT_EQ(k.hold.count, k.acquisitions) << k.name;
    EXPECT_LE(k.contended, k.acquisitions) << k.name;
    acquisitions += k.acquisitions;
    contended += k.contended;
    waits += k.wait.count;
    holds += k.hold.count;
  }
  EXPECT_EQ(s.acquisitions, acquisitions);
  EXPECT_EQ(s.contended, contended);
  // The other counters are broken down by kind too, and add up.
  uint64_t handoffs = 0, drop_requests = 0, forced = 0, waiting = 0;
  for (const RequestKindStats& k : s.kinds) {
    handoffs += k.handoffs;
    drop_requests += k.drop_requests;
    forced += k.forced_switches;
    waiting += k.waiters_current;
    EXPECT_LE(k.waiters_peak, s.waiters_peak) << k.name;
    EXPECT_LE(k.handoffs, k.acquisitions) << k.name;
  }
  EXPECT_EQ(s.handoffs, handoffs);
  EXPECT_EQ(s.drop_requests, drop_requests);
  EXPECT_EQ(s.forced_switches, forced);
  EXPECT_EQ(waiting, 0u) << "nobody waits at rest";
  EXPECT_EQ(s.waiters_current, 0u);
  EXPECT_EQ(s.wait.count, s.acquisitions);
  EXPECT_EQ(s.hold.count, s.acquisitions);
  EXPECT_EQ(waits, s.acquisitions);
  EXPECT_EQ(holds, s.acquisitions);
  EXPECT_EQ(s.held_ns_total, s.hold.sum);
  EXPECT_LE(s.handoffs, s.acquisitions);
  EXPECT_LE(s.forced_switches, s.drop_requests);
  EXPECT_LE(s.drop_response.count, s.drop_requests);
  EXPECT_EQ(s.waiters_current, 0u);
  EXPECT_LE(s.waiters_peak, static_cast<uint64_t>(kThreads - 1));
  if (policy == LockPolicy::kBarging) {
    EXPECT_EQ(s.drop_requests, 0u);
  }
  if (s.contended > 0) {
    EXPECT_GE(s.waiters_peak, 1u);
  }
  EXPECT_LE(s.wait.p50, s.wait.max);
}

INSTANTIATE_TEST_SUITE_P(
    PoliciesAndSampling, StatsAddUpTest,
    testing::Combine(testing::Values(LockPolicy::kCpython, LockPolicy::kFifo,
                                     LockPolicy::kBarging),
                     testing::Values(1u, 16u)),
    [](const testing::TestParamInfo<std::tuple<LockPolicy, uint32_t>>& info) {
      return std::string(LockPolicyName(std::get<0>(info.param))) + "_every" +
             std::to_string(std::get<1>(info.param));
    });

}  // namespace
}  // namespace heapd::gil
