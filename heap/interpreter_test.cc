#include "heap/interpreter.h"

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"

namespace heapd {
namespace {

TEST(InterpreterTest, HeapIsReachedUnderTheLock) {
  Interpreter interp(objects::ObjectHeapOptions{}, {});
  const gil::RequestKind kind = interp.lock().RegisterKind("Allocate");
  {
    gil::InterpreterLockHolder holder(&interp.lock(), kind);
    objects::AllocateSpec spec;
    spec.type = objects::ObjectType::kObject;
    absl::StatusOr<objects::Allocated> object = interp.heap().Allocate(1, spec);
    ASSERT_TRUE(object.ok()) << object.status();
    absl::StatusOr<objects::RefCountResult> dropped =
        interp.heap().DecRef(1, object->handle);
    ASSERT_TRUE(dropped.ok()) << dropped.status();
    EXPECT_EQ(dropped->objects_freed, 1);
    EXPECT_TRUE(interp.heap().Verify().ok());
  }
  const gil::LockStatsSnapshot s = interp.lock().Stats();
  EXPECT_EQ(s.kinds[kind.id()].acquisitions, 1u);
}

// Many threads allocating and dropping objects through one interpreter: the
// lock keeps the (unsynchronized) heap consistent.
TEST(InterpreterTest, ThreadsShareTheHeapThroughTheLock) {
  Interpreter interp(objects::ObjectHeapOptions{},
                     {.switch_interval = absl::Microseconds(200)});
  constexpr int kThreads = 8;
  constexpr int kRequests = 200;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      const objects::OwnerId owner = t + 1;
      std::vector<objects::Handle> mine;
      for (int i = 0; i < kRequests; ++i) {
        interp.RunBatch(
            gil::RequestKind(), 8, [&](objects::ObjectHeap& heap, size_t j) {
              objects::AllocateSpec spec;
              spec.type = objects::ObjectType::kBytes;
              spec.length = static_cast<int64_t>((t * 37 + i * 11 + j) % 600);
              absl::StatusOr<objects::Allocated> object =
                  heap.Allocate(owner, spec);
              if (object.ok()) mine.push_back(object->handle);
            });
        interp.RunBatch(gil::RequestKind(), mine.size(),
                        [&](objects::ObjectHeap& heap, size_t j) {
                          (void)heap.DecRef(owner, mine[j]);
                        });
        mine.clear();
      }
    });
  }
  for (std::thread& t : threads) t.join();
  gil::InterpreterLockHolder holder(&interp.lock());
  EXPECT_TRUE(interp.heap().Verify().ok());
  EXPECT_EQ(interp.heap().Stats().objects, 0);
  const obmalloc::AllocatorStats stats = interp.heap().AllocatorStatistics();
  EXPECT_EQ(stats.small.allocations_total, stats.small.frees_total);
}

// A batch runs the automatic collection a threshold scheduled at its safe
// points, as the service's requests do: between operations, and after the
// last one before the lock goes.
TEST(InterpreterTest, BatchRunsScheduledCollectionsAtItsSafePoints) {
  objects::ObjectHeapOptions options;
  options.gc.thresholds = {5, 10, 10};
  Interpreter interp(options, {});
  constexpr objects::OwnerId kOwner = 1;
  // Twelve containers, kept: the sixth passes generation 0's threshold and
  // schedules a collection, which the next safe point runs; the twelfth
  // schedules another, which runs at the safe point before the release.
  std::vector<bool> scheduled_before_op;
  interp.RunBatch(gil::RequestKind(), 12,
                  [&](objects::ObjectHeap& heap, size_t) {
                    scheduled_before_op.push_back(heap.collection_scheduled());
                    objects::AllocateSpec spec;
                    spec.type = objects::ObjectType::kList;
                    ASSERT_TRUE(heap.Allocate(kOwner, spec).ok());
                  });
  EXPECT_EQ(scheduled_before_op, std::vector<bool>(12, false));
  gil::InterpreterLockHolder holder(&interp.lock());
  EXPECT_FALSE(interp.heap().collection_scheduled());
  EXPECT_EQ(interp.heap().Stats().generations[0].collections, 2);
}

// A batch lets a waiter in at the safe point after its drop request, and
// finishes its own operations after.
TEST(InterpreterTest, BatchYieldsAtSafePointToAWaiter) {
  Interpreter interp(objects::ObjectHeapOptions{},
                     {.switch_interval = absl::Microseconds(200)});
  const gil::RequestKind batch = interp.lock().RegisterKind("Batch");
  bool waiter_ran = false;  // guarded by interp.lock()
  std::thread waiter;
  std::vector<bool> waiter_ran_before_op;
  const int yields =
      interp.RunBatch(batch, 3, [&](objects::ObjectHeap& heap, size_t i) {
        waiter_ran_before_op.push_back(waiter_ran);
        absl::StatusOr<objects::Allocated> object = heap.Allocate(1, {});
        if (object.ok()) (void)heap.DecRef(1, object->handle);
        if (i == 0) {
          waiter = std::thread([&] {
            gil::InterpreterLockHolder holder(&interp.lock());
            waiter_ran = true;
          });
          // Hold on until the waiter asks (bounded: fails rather than hangs).
          const absl::Time deadline = absl::Now() + absl::Seconds(20);
          while (!interp.lock().drop_requested() && absl::Now() < deadline) {
            std::this_thread::sleep_for(std::chrono::microseconds(50));
          }
          EXPECT_TRUE(interp.lock().drop_requested());
        }
      });
  waiter.join();
  // The safe point before operation 1 answered the request; the one before
  // operation 2 had nothing to answer (a new holder clears old requests).
  EXPECT_EQ(yields, 1);
  EXPECT_EQ(waiter_ran_before_op, (std::vector<bool>{false, true, true}));
  const gil::LockStatsSnapshot s = interp.lock().Stats();
  EXPECT_EQ(s.kinds[batch.id()].acquisitions, 2u);  // before and after
  // Ours; and the waiter's too, had it been descheduled for a whole
  // interval while we waited to take the lock back.
  EXPECT_GE(s.forced_switches, 1u);
}

}  // namespace
}  // namespace heapd
