// InterpreterLock: names and options, mutual exclusion, starvation, safe
// points, forced switching, TryAcquire. Its statistics are tested in
// interpreter_lock_stats_test.cc.
//
// The tests assert on order and counts, never on how long anything took:
// timings belong to //bench:lock_bench. Waits for another thread to reach a
// state are bounded and fail the test when they run out; a watchdog aborts
// any test that hangs inside the lock itself.
#include "heap/gil/interpreter_lock.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <latch>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "heap/gil/lock_test_util.h"

namespace heapd::gil {
namespace {

class PolicyTest : public testing::TestWithParam<LockPolicy> {};

std::string PolicyTestName(const testing::TestParamInfo<LockPolicy>& info) {
  return std::string(LockPolicyName(info.param));
}

INSTANTIATE_TEST_SUITE_P(AllPolicies, PolicyTest,
                         testing::Values(LockPolicy::kCpython,
                                         LockPolicy::kFifo,
                                         LockPolicy::kBarging),
                         PolicyTestName);

// ---------------------------------------------------------------------------
// Names, options, kinds.

TEST(LockPolicyTest, ParsesItsOwnNames) {
  for (LockPolicy p :
       {LockPolicy::kCpython, LockPolicy::kFifo, LockPolicy::kBarging}) {
    absl::StatusOr<LockPolicy> parsed = ParseLockPolicy(LockPolicyName(p));
    ASSERT_TRUE(parsed.ok()) << parsed.status();
    EXPECT_EQ(*parsed, p);
  }
  EXPECT_EQ(ParseLockPolicy("CPython").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseLockPolicy("").status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(InterpreterLockTest, DefaultsAreCpythonsAndIntervalIsValidated) {
  InterpreterLock lock;
  EXPECT_EQ(lock.policy(), LockPolicy::kCpython);
  EXPECT_EQ(lock.switch_interval(), absl::Milliseconds(5));

  // sys.setswitchinterval rejects values <= 0.
  EXPECT_EQ(lock.SetSwitchInterval(absl::ZeroDuration()).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(lock.SetSwitchInterval(absl::Microseconds(-1)).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(lock.SetSwitchInterval(absl::InfiniteDuration()).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(lock.switch_interval(), absl::Milliseconds(5));
  EXPECT_TRUE(lock.SetSwitchInterval(absl::Microseconds(100)).ok());
  EXPECT_EQ(lock.switch_interval(), absl::Microseconds(100));
  EXPECT_EQ(lock.Stats().switch_interval, absl::Microseconds(100));
}

TEST(InterpreterLockTest, ValidateOptions) {
  EXPECT_TRUE(InterpreterLock::ValidateOptions({}).ok());
  EXPECT_FALSE(InterpreterLock::ValidateOptions(
                   {.switch_interval = absl::ZeroDuration()})
                   .ok());
  EXPECT_FALSE(
      InterpreterLock::ValidateOptions({.hold_sample_period = 0}).ok());
  EXPECT_FALSE(
      InterpreterLock::ValidateOptions({.hold_sample_period = 12}).ok());
  EXPECT_TRUE(InterpreterLock::ValidateOptions({.hold_sample_period = 1}).ok());
}

TEST(InterpreterLockTest, KindsAreRegisteredOnceByName) {
  InterpreterLock lock;
  const RequestKind a = lock.RegisterKind("Allocate");
  const RequestKind b = lock.RegisterKind("Free");
  EXPECT_EQ(RequestKind().id(), 0u);
  EXPECT_NE(a.id(), 0u);
  EXPECT_NE(a.id(), b.id());
  EXPECT_EQ(lock.RegisterKind("Allocate"), a);
  EXPECT_EQ(lock.RegisterKind("other"), RequestKind());

  const LockStatsSnapshot s = lock.Stats();
  ASSERT_EQ(s.kinds.size(), 3u);
  EXPECT_EQ(s.kinds[0].name, "other");
  EXPECT_EQ(s.kinds[a.id()].name, "Allocate");
  EXPECT_EQ(s.kinds[b.id()].name, "Free");
}

TEST(InterpreterLockTest, KindsBeyondTheLimitCountAsOther) {
  InterpreterLock lock;
  for (int i = 1; i < kMaxRequestKinds; ++i) {
    EXPECT_EQ(lock.RegisterKind("k" + std::to_string(i)).id(),
              static_cast<uint32_t>(i));
  }
  EXPECT_EQ(lock.RegisterKind("one too many"), RequestKind());
  EXPECT_EQ(lock.Stats().kinds.size(), static_cast<size_t>(kMaxRequestKinds));
}

// ---------------------------------------------------------------------------
// Mutual exclusion.

// 64 threads increment a plain counter with a read, some work and a write:
// any overlap loses increments (and TSan reports the race). Every fourth
// hold also passes safe points with a short switch interval, so drop
// requests and yields happen in the middle of holds.
TEST_P(PolicyTest, MutualExclusionUnder64Threads) {
  Watchdog watchdog;
  InterpreterLock lock(
      {.policy = GetParam(), .switch_interval = absl::Microseconds(200)});
  constexpr int kThreads = 64;
  constexpr int kHolds = 200;
  uint64_t counter = 0;  // guarded by `lock`
  std::atomic<int> inside{0};
  std::atomic<int> overlaps{0};

  auto increment = [&] {
    if (inside.fetch_add(1) != 0) overlaps.fetch_add(1);
    const uint64_t seen = counter;
    Spin(20);
    counter = seen + 1;
    inside.fetch_sub(1);
  };

  std::latch start(kThreads);  // all threads begin together: contention
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      start.arrive_and_wait();
      for (int i = 0; i < kHolds; ++i) {
        InterpreterLockHolder holder(&lock);
        increment();
        if ((i + t) % 4 == 0) {
          for (int j = 0; j < 3; ++j) {
            lock.SafePoint();
            increment();
          }
        }
      }
    });
  }
  for (std::thread& t : threads) t.join();

  uint64_t expected = 0;
  for (int t = 0; t < kThreads; ++t) {
    for (int i = 0; i < kHolds; ++i) expected += (i + t) % 4 == 0 ? 4 : 1;
  }
  EXPECT_EQ(overlaps.load(), 0);
  EXPECT_EQ(counter, expected);
  const LockStatsSnapshot s = lock.Stats();
  EXPECT_GE(s.acquisitions, static_cast<uint64_t>(kThreads * kHolds));
  EXPECT_EQ(s.waiters_current, 0u);
}

// A stress test: a release must never miss a thread that has just started
// waiting (the fast release is a plain store; see asymmetric_fence.h).
// Under barging and fifo a missed waiter sleeps for ever -- neither takes
// the lock on a timeout -- so a lost wake-up hangs this test and the
// watchdog fails it. Holds are tiny and there are few threads, so releases
// and arrivals race as often as possible (the window is a few instructions
// wide: passing is evidence, not proof).
TEST(NoLostWakeUpsTest, BargingAndFifo) {
  Watchdog watchdog;
  for (LockPolicy policy : {LockPolicy::kBarging, LockPolicy::kFifo}) {
    InterpreterLock lock({.policy = policy});
    constexpr int kThreads = 3;
    constexpr int kHolds = 5000;
    uint64_t counter = 0;  // guarded by `lock`
    std::latch start(kThreads);
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&] {
        start.arrive_and_wait();
        for (int i = 0; i < kHolds; ++i) {
          InterpreterLockHolder holder(&lock);
          ++counter;
        }
      });
    }
    for (std::thread& t : threads) t.join();
    EXPECT_EQ(counter, uint64_t{kThreads} * kHolds) << LockPolicyName(policy);
  }
}

// ---------------------------------------------------------------------------
// Starvation.

// Under fifo, threads get the lock in the order they started waiting.
TEST(InterpreterLockFifoTest, WaitersAreServedInArrivalOrder) {
  Watchdog watchdog;
  InterpreterLock lock({.policy = LockPolicy::kFifo});
  constexpr int kWaiters = 8;
  std::vector<int> order;  // guarded by `lock`

  lock.Acquire();
  std::vector<std::thread> threads;
  for (int i = 0; i < kWaiters; ++i) {
    threads.emplace_back([&, i] {
      InterpreterLockHolder holder(&lock);
      order.push_back(i);
    });
    // Start the next one only once this one waits.
    AwaitWaiters(lock, i + 1);
  }
  lock.Release();
  for (std::thread& t : threads) t.join();

  std::vector<int> expected;
  for (int i = 0; i < kWaiters; ++i) expected.push_back(i);
  EXPECT_EQ(order, expected);
  // The last to arrive saw everyone ahead of it served first, and no one else.
  EXPECT_EQ(lock.Stats().max_bypassed, static_cast<uint64_t>(kWaiters - 1));
}

// 16 threads acquire in a loop. Under fifo no waiter is passed over by more
// than the 15 others; under every policy every thread completes its share.
TEST_P(PolicyTest, SixteenThreadsEachCompleteTheirShare) {
  Watchdog watchdog;
  InterpreterLock lock(
      {.policy = GetParam(), .switch_interval = absl::Microseconds(500)});
  constexpr int kThreads = 16;
  constexpr int kHolds = 1000;
  std::vector<int> done(kThreads, 0);  // guarded by `lock`
  std::latch start(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      start.arrive_and_wait();
      for (int i = 0; i < kHolds; ++i) {
        InterpreterLockHolder holder(&lock);
        Spin(300);  // long enough that the threads really contend
        ++done[t];
      }
    });
  }
  for (std::thread& t : threads) t.join();

  for (int t = 0; t < kThreads; ++t) EXPECT_EQ(done[t], kHolds) << t;
  const LockStatsSnapshot s = lock.Stats();
  EXPECT_EQ(s.acquisitions, static_cast<uint64_t>(kThreads * kHolds));
  if (GetParam() == LockPolicy::kFifo) {
    EXPECT_LE(s.max_bypassed, static_cast<uint64_t>(kThreads - 1));
  }
}

// ---------------------------------------------------------------------------
// Safe points and drop requests.

// A holder looping over safe points releases at the first one after a
// waiter's drop request, and the waiter runs before the holder resumes.
void ExpectYieldAtFirstSafePointAfterRequest(LockPolicy policy) {
  Watchdog watchdog;
  InterpreterLock lock(
      {.policy = policy, .switch_interval = absl::Microseconds(500)});
  bool waiter_ran = false;  // guarded by `lock`

  lock.Acquire();
  std::thread waiter([&] {
    InterpreterLockHolder holder(&lock);
    waiter_ran = true;
  });

  const absl::Time deadline = absl::Now() + absl::Seconds(20);
  uint64_t safe_points = 0;
  bool yielded = false;
  while (!yielded) {
    if (absl::Now() > deadline) {
      ADD_FAILURE() << "no drop request after " << safe_points
                    << " safe points";
      break;
    }
    const bool requested = lock.drop_requested();
    yielded = lock.SafePoint();
    ++safe_points;
    // Only a new holder clears a request, and nobody else can hold the lock
    // now: a request seen here must be answered by this very safe point.
    if (requested && !yielded) {
      ADD_FAILURE() << "safe point " << safe_points << " ignored a request";
      break;
    }
    if (!yielded && waiter_ran) {
      ADD_FAILURE() << "the waiter ran while we held the lock";
      break;
    }
  }
  EXPECT_TRUE(waiter_ran);  // it had the lock between release and re-take
  EXPECT_FALSE(lock.drop_requested());
  lock.Release();
  waiter.join();

  const LockStatsSnapshot s = lock.Stats();
  EXPECT_EQ(s.acquisitions, 3u);  // us, the waiter, us again
  EXPECT_EQ(s.handoffs, 3u);      // each one by a thread other than the last
  EXPECT_GE(s.contended, 1u);     // the waiter (our re-take may not wait)
  // One request made us yield. (Had the waiter been descheduled for a whole
  // interval while holding, our re-take would have asked it in turn.)
  EXPECT_GE(s.drop_requests, 1u);
  EXPECT_GE(s.forced_switches, 1u);
  EXPECT_LE(s.forced_switches, s.drop_requests);
  EXPECT_EQ(s.drop_response.count, s.forced_switches);
}

TEST(SafePointTest, CpythonYieldsAtFirstSafePointAfterDropRequest) {
  ExpectYieldAtFirstSafePointAfterRequest(LockPolicy::kCpython);
}

TEST(SafePointTest, FifoYieldsAtFirstSafePointAfterDropRequest) {
  ExpectYieldAtFirstSafePointAfterRequest(LockPolicy::kFifo);
}

// A plain mutex has no drop requests: safe points never yield.
TEST(SafePointTest, BargingNeverYields) {
  Watchdog watchdog;
  InterpreterLock lock({.policy = LockPolicy::kBarging,
                        .switch_interval = absl::Microseconds(100)});
  bool waiter_ran = false;  // guarded by `lock`
  lock.Acquire();
  std::thread waiter([&] {
    InterpreterLockHolder holder(&lock);
    waiter_ran = true;
  });
  AwaitWaiters(lock, 1);
  int yields = 0;
  for (int i = 0; i < 10000; ++i) {
    if (lock.drop_requested()) ++yields;
    if (lock.SafePoint()) ++yields;
  }
  EXPECT_EQ(yields, 0);
  EXPECT_FALSE(waiter_ran);
  lock.Release();
  waiter.join();
  {
    InterpreterLockHolder holder(&lock);
    EXPECT_TRUE(waiter_ran);
  }
  EXPECT_EQ(lock.Stats().drop_requests, 0u);
}

// Without a safe point (a collection), a drop request waits for the release;
// the hold and the request's response are both measured.
TEST(SafePointTest, HoldWithoutSafePointsIsMeasuredAsOnePause) {
  Watchdog watchdog;
  InterpreterLock lock({.switch_interval = absl::Microseconds(200)});
  const RequestKind collect =
      lock.RegisterKind("collect", {.time_every_hold = true});
  lock.Acquire(collect);
  std::thread waiter([&] { InterpreterLockHolder holder(&lock); });
  AwaitDropRequest(lock);
  lock.Release();
  waiter.join();

  const LockStatsSnapshot s = lock.Stats();
  const RequestKindStats& k = s.kinds[collect.id()];
  EXPECT_EQ(k.hold.count, 1u);
  // The pause covers at least the wait that produced the drop request.
  EXPECT_GT(k.hold.max, 0);
  EXPECT_EQ(s.drop_response.count, 1u);
  EXPECT_LE(s.drop_response.max, k.hold.max);
  EXPECT_GE(s.kinds[0].wait.max, s.drop_response.max);
}

// ---------------------------------------------------------------------------
// Forced switching.

// A release that answers a drop request goes to a waiter, never back to the
// releasing thread, even when that thread asks again at once.
TEST(ForcedSwitchTest, CpythonDropGoesToAWaiter) {
  Watchdog watchdog;
  constexpr int kRounds = 5;
  constexpr int kWaiters = 3;
  for (int round = 0; round < kRounds; ++round) {
    InterpreterLock lock({.switch_interval = absl::Microseconds(300)});
    std::vector<int> order;  // guarded by `lock`; -1 is the main thread
    lock.Acquire();
    order.push_back(-1);
    std::vector<std::thread> waiters;
    for (int i = 0; i < kWaiters; ++i) {
      waiters.emplace_back([&, i] {
        InterpreterLockHolder holder(&lock);
        order.push_back(i);
      });
    }
    AwaitWaiters(lock, kWaiters);
    AwaitDropRequest(lock);
    lock.Release();
    lock.Acquire();
    order.push_back(-1);
    EXPECT_GE(order.size(), 3u);
    if (order.size() >= 2) {
      EXPECT_NE(order[1], -1) << "round " << round;
    }
    lock.Release();
    for (std::thread& t : waiters) t.join();
    const LockStatsSnapshot s = lock.Stats();
    EXPECT_GE(s.forced_switches, 1u);
    EXPECT_LE(s.forced_switches, s.drop_requests);
  }
}

// Under fifo every release with waiters present hands the lock on: the
// releasing thread, asking again at once, comes after everyone who waited.
TEST(ForcedSwitchTest, FifoAnyReleaseGoesToTheFirstWaiter) {
  Watchdog watchdog;
  // A long interval: this is about any release, not drop requests.
  InterpreterLock lock(
      {.policy = LockPolicy::kFifo, .switch_interval = absl::Seconds(10)});
  constexpr int kWaiters = 3;
  std::vector<int> order;  // guarded by `lock`
  lock.Acquire();
  order.push_back(-1);
  std::vector<std::thread> waiters;
  for (int i = 0; i < kWaiters; ++i) {
    waiters.emplace_back([&, i] {
      InterpreterLockHolder holder(&lock);
      order.push_back(i);
    });
    AwaitWaiters(lock, i + 1);
  }
  lock.Release();
  lock.Acquire();
  order.push_back(-1);
  lock.Release();
  for (std::thread& t : waiters) t.join();
  EXPECT_EQ(order, (std::vector<int>{-1, 0, 1, 2, -1}));
  EXPECT_EQ(lock.Stats().handoffs, 5u);
}

// TryAcquire takes a free lock nobody waits for, and nothing else: it never
// waits, and never passes a waiter.
// Takes and drops the lock across statements in ways clang's analysis
// cannot follow (a try-lock under ASSERT, a hold adopted later).
void TryAcquireScenario(LockPolicy policy) ABSL_NO_THREAD_SAFETY_ANALYSIS {
  InterpreterLock lock({.policy = policy});
  const RequestKind kind = lock.RegisterKind("Try");
  ASSERT_TRUE(lock.TryAcquire(kind));
  // Held: another thread's TryAcquire refuses (a holder must not try).
  std::thread([&] { EXPECT_FALSE(lock.TryAcquire(kind)) << "held"; }).join();
  // A waiter arrives while we hold it.
  std::thread waiter([&] { InterpreterLockHolder holder(&lock); });
  AwaitWaiters(lock, 1);
  lock.Release();
  // The waiter gets it, then releases; until nobody waits, TryAcquire
  // refuses even in the instant the lock is free.
  waiter.join();
  ASSERT_TRUE(lock.TryAcquire(kind));
  { InterpreterLockHolder adopted(&lock, std::adopt_lock); }
  const LockStatsSnapshot stats = lock.Stats();
  uint64_t tried = 0;
  for (const RequestKindStats& row : stats.kinds) {
    if (row.name == "Try") tried = row.acquisitions;
  }
  EXPECT_EQ(tried, 2u);
  EXPECT_EQ(stats.waiters_current, 0u);
}

TEST_P(PolicyTest, TryAcquireTakesOnlyAFreeLockNobodyWaitsFor) {
  TryAcquireScenario(GetParam());
}

}  // namespace
}  // namespace heapd::gil
