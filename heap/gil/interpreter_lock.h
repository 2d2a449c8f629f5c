// InterpreterLock: the one lock every heap operation runs under, modelled on
// CPython's GIL (Python/ceval_gil.c, 3.2 to 3.14), and measured from inside.
//
// heapd serializes its heap the way CPython serializes its interpreter, so
// that it shows what many threads fighting over one lock look like. Three
// policies decide who gets the lock when several want it:
//
//   cpython  (default) CPython's "new GIL". A thread that finds the lock
//            taken waits on a condition for at most the switch interval
//            (5 ms, settable). If the wait times out and no other thread
//            took the lock meanwhile, it sets a *drop request*. The holder
//            checks for one at its safe points and releases; a release that
//            answers a drop request waits until another thread has taken the
//            lock before returning (FORCE_SWITCHING), so the releasing thread
//            cannot take it straight back. A release signals one waiter
//            (unless one signalled before has not woken yet: see
//            docs/model.md), and whichever thread locks the internal mutex
//            first wins: no order among waiters, newcomers may barge.
//   fifo     Strict arrival order: a release with waiters hands the lock
//            directly to the one that arrived first. Waiters also send drop
//            requests, as under cpython, so long holds still yield at safe
//            points.
//   barging  A plain mutex: whoever gets there first. No drop requests;
//            SafePoint never yields.
//
// Safe points. A holder that runs for long (a batch of operations) calls
// SafePoint() between operations, as CPython's eval loop checks its eval
// breaker between bytecodes. With no drop request that is one relaxed load;
// with one, the holder releases, lets a waiter run, and takes the lock back,
// so no holder keeps the lock much past one switch interval after someone
// asked for it, except across work that has no safe point (a collection holds
// the lock from start to end, as CPython's does; its pause shows in its kind's
// hold times and in drop_response).
//
// The fast path. Uncontended, Acquire is one compare-and-swap of a lock word
// (0 -> 1) and Release a plain store (1 -> 0): a locked instruction costs ~5
// ns on the project's machines, as much as everything else in the pair. A
// thread that has to wait sets a separate "slow" flag; from then on acquires
// and releases go through an internal mutex and condition variables, exactly
// as CPython's take_gil/drop_gil do, until nobody waits any more. The
// policies differ only on that slow path. A release's store and a waiter's
// flag form Dekker's pattern; the full barrier it needs is paid by the
// waiter, with membarrier (see asymmetric_fence.h), not by every release.
//
// Statistics (see lock_stats.h) are always on and read without the lock
// (Stats()). Every acquisition is counted, with its wait (0 when it did not
// wait) and, at release, its hold, per request kind. Time is read with
// TickClock (rdtsc); because a read costs ~9 ns on the project's machines and
// a hold needs two, the holds nobody waited for are timed one in
// hold_sample_period (16 by default); each untimed hold is counted in the
// bucket of its kind's last timed hold (sample and hold), so every histogram
// still counts every acquisition. Holds taken on the slow path (everything
// under contention) and every hold of a kind registered with time_every_hold
// are always timed; waits are always exact.
//
// Request kinds: RegisterKind(name) returns a small id; Acquire(kind) labels
// the hold. Register kinds before use (kind 0, RequestKind(), is "other").
//
// Example:
//   heapd::gil::InterpreterLock lock({.policy =
//   heapd::gil::LockPolicy::kCpython}); const heapd::gil::RequestKind alloc =
//   lock.RegisterKind("Allocate");
//   {
//     heapd::gil::InterpreterLockHolder holder(&lock, alloc);
//     for (const Op& op : batch) {
//       lock.SafePoint();  // let a waiter in if one asked
//       Apply(op);
//     }
//   }
//
// Not reentrant: a thread holding the lock must not Acquire it again.
#ifndef HEAPD_HEAP_GIL_INTERPRETER_LOCK_H_
#define HEAPD_HEAP_GIL_INTERPRETER_LOCK_H_

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>

#include "absl/base/optimization.h"
#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "heap/gil/asymmetric_fence.h"
#include "heap/gil/latency_histogram.h"
#include "heap/gil/lock_stats.h"
#include "heap/gil/tick_clock.h"

namespace heapd::gil {

enum class LockPolicy { kCpython, kFifo, kBarging };

// "cpython", "fifo" or "barging"; INVALID_ARGUMENT for anything else.
absl::StatusOr<LockPolicy> ParseLockPolicy(absl::string_view name);
absl::string_view LockPolicyName(LockPolicy policy);

// A kind of request, for the lock's per-kind statistics. Obtain one from
// InterpreterLock::RegisterKind; RequestKind() is kind 0, "other". Ids belong
// to the lock that issued them.
class RequestKind {
 public:
  constexpr RequestKind() = default;
  constexpr uint32_t id() const { return id_; }
  friend constexpr bool operator==(RequestKind a, RequestKind b) {
    return a.id_ == b.id_;
  }

 private:
  friend class InterpreterLock;
  constexpr explicit RequestKind(uint32_t id) : id_(id) {}
  uint32_t id_ = 0;
};

struct RequestKindOptions {
  // Time every hold of this kind, not one in hold_sample_period: for rare,
  // long holds whose every duration matters (collections).
  bool time_every_hold = false;
};

struct InterpreterLockOptions {
  LockPolicy policy = LockPolicy::kCpython;
  // CPython's sys.setswitchinterval: how long a waiter waits before asking
  // the holder to drop the lock. Must be positive.
  absl::Duration switch_interval = absl::Milliseconds(5);
  // Of the holds nobody waited for, time one in this many. A power of two;
  // 1 times every hold (exact histograms, ~2x the uncontended cost).
  uint32_t hold_sample_period = 16;
};

class ABSL_LOCKABLE InterpreterLock {
 public:
  // OK, or INVALID_ARGUMENT naming the bad field.
  static absl::Status ValidateOptions(const InterpreterLockOptions& options);

  // REQUIRES: ValidateOptions(options).ok().
  explicit InterpreterLock(const InterpreterLockOptions& options = {});
  // REQUIRES: not held, and no thread waiting.
  ~InterpreterLock();
  InterpreterLock(const InterpreterLock&) = delete;
  InterpreterLock& operator=(const InterpreterLock&) = delete;

  // The kind named `name`, registering it if new (thread-safe; the same name
  // gives the same kind). When kMaxRequestKinds kinds exist, returns "other".
  RequestKind RegisterKind(absl::string_view name,
                           RequestKindOptions options = {});

  // Blocks until the calling thread holds the lock; the hold counts for
  // `kind`. REQUIRES: the caller does not hold it.
  void Acquire(RequestKind kind = RequestKind())
      ABSL_EXCLUSIVE_LOCK_FUNCTION() {
    uint32_t expected = 0;
    if (ABSL_PREDICT_TRUE(slow_.load(std::memory_order_relaxed) == 0 &&
                          word_.compare_exchange_strong(
                              expected, 1, std::memory_order_acquire,
                              std::memory_order_relaxed))) {
      OnFastAcquire(kind.id());
      return;
    }
    AcquireSlow(kind.id());
  }

  // Takes the lock only if it is free and nobody waits for it (the fast
  // path's compare-and-swap, counted as an acquisition that did not wait);
  // returns whether it did. Never waits, never barges past a waiter.
  // REQUIRES: the caller does not hold the lock (it is not reentrant).
  bool TryAcquire(RequestKind kind = RequestKind())
      ABSL_EXCLUSIVE_TRYLOCK_FUNCTION(true) ABSL_LOCKS_EXCLUDED(this) {
    if (slow_.load(std::memory_order_relaxed) != 0 || !TryTake()) return false;
    OnFastAcquire(kind.id());
    return true;
  }

  void Release() ABSL_UNLOCK_FUNCTION() {
    RecordHold();
    if (ABSL_PREDICT_TRUE(slow_.load(std::memory_order_relaxed) == 0)) {
      word_.store(0, std::memory_order_release);
      // Dekker: a thread that started waiting meanwhile either sees the
      // lock free or is seen here.
      AsymmetricFence::Light();
      if (ABSL_PREDICT_TRUE(slow_.load(std::memory_order_relaxed) == 0)) {
        return;
      }
      WakeAfterFastRelease();
      return;
    }
    ReleaseSlow();
  }

  // A safe point: if a waiter asked for the lock, releases it, lets another
  // thread take it, takes it back (same kind) and returns true; otherwise
  // returns false at the cost of one relaxed load. The caller must not keep
  // anything it read under the lock across a true return.
  // REQUIRES: the caller holds the lock.
  bool SafePoint() ABSL_EXCLUSIVE_LOCKS_REQUIRED(this) {
    if (ABSL_PREDICT_TRUE(drop_request_.load(std::memory_order_relaxed) == 0)) {
      return false;
    }
    YieldToWaiter();
    return true;
  }

  // Whether a waiter has asked the holder to drop the lock (CPython's
  // gil_drop_request). Never set under the barging policy.
  bool drop_requested() const {
    return drop_request_.load(std::memory_order_relaxed) != 0;
  }

  // Aborts unless the calling thread holds the lock; tells the thread
  // safety analysis that it does.
  void AssertHeld() const ABSL_ASSERT_EXCLUSIVE_LOCK();

  // sys.setswitchinterval: INVALID_ARGUMENT unless interval > 0. Waiters
  // already waiting use the new interval from their next wait.
  absl::Status SetSwitchInterval(absl::Duration interval);
  absl::Duration switch_interval() const {
    return absl::Nanoseconds(interval_ns_.load(std::memory_order_relaxed));
  }

  LockPolicy policy() const { return policy_; }

  // The statistics, from any thread, at any time; never waits for the lock.
  // Costs a walk of every kind's histograms (~0.1 ms with a few kinds).
  LockStatsSnapshot Stats() const;
  // The counters Stats() reads, for exporters that need the histograms'
  // buckets (in TickClock ticks), not just their summaries.
  const LockStats& raw_stats() const { return stats_; }

 private:
  struct Waiter;  // a fifo waiter, on its own stack

  // What identifies a thread to the lock: its thread pointer, one register
  // read. (CPython compares thread states.)
  static uintptr_t ThreadToken() {
    return reinterpret_cast<uintptr_t>(__builtin_thread_pointer());
  }

  // Bookkeeping of an acquisition that did not wait. Runs as the holder.
  void OnFastAcquire(uint32_t kind_id) {
    const uintptr_t me = ThreadToken();
    RequestKindCounters& k = stats_.kind(kind_id);
    if (last_holder_.load(std::memory_order_relaxed) != me) {
      last_holder_.store(me, std::memory_order_relaxed);
      LockStats::Bump(switch_number_);
      LockStats::Bump(k.handoffs);
    }
    const uint64_t n = k.acquisitions.load(std::memory_order_relaxed);
    k.acquisitions.store(n + 1, std::memory_order_relaxed);
    k.wait.RecordZero();
    holder_kind_ = kind_id;
    acquired_at_ =
        ((n & sample_mask_) == 0 || k.time_every_hold) ? TickClock::Now() : 0;
  }

  // Counts the hold that is ending. Runs as the holder, before the release.
  void RecordHold() {
    RequestKindCounters& k = stats_.kind(holder_kind_);
    if (acquired_at_ != 0) {
      const uint64_t held = TickClock::Now() - acquired_at_;
      k.hold.Record(held);
      k.last_hold = held;
      k.last_hold_bucket = LatencyHistogram::BucketOf(held);
    } else {
      k.hold.RecordRepeat(k.last_hold_bucket, k.last_hold);
    }
  }

  // The lock's own implementation is outside what the analysis can follow.
  void AcquireSlow(uint32_t kind_id) ABSL_NO_THREAD_SAFETY_ANALYSIS;
  void ReleaseSlow() ABSL_NO_THREAD_SAFETY_ANALYSIS;
  void YieldToWaiter() ABSL_NO_THREAD_SAFETY_ANALYSIS;
  // A fast release found that a thread had started waiting meanwhile.
  void WakeAfterFastRelease();
  // Signals cond_ for a release (cpython, barging).
  void WakeOneWaiter();

  // The waits of AcquireSlow, by policy, with mu_ held. WaitForRelease
  // returns once the caller took the lock; WaitInQueue once the caller took
  // it or was handed it (self->granted).
  void WaitForRelease(std::unique_lock<std::mutex>& guard, uint32_t kind_id);
  void WaitInQueue(std::unique_lock<std::mutex>& guard, Waiter* self,
                   uint32_t kind_id);
  // The one way a slow path takes the lock word: 0 -> 1.
  bool TryTake() {
    uint32_t expected = 0;
    return word_.compare_exchange_strong(expected, 1, std::memory_order_acquire,
                                         std::memory_order_relaxed);
  }
  // fifo: hands the held lock to the first waiter.
  void GrantHead(bool answering_drop);
  // A waiter's timed wait ran out with no hand-off: ask the holder to drop.
  void RequestDrop(uint32_t waiter_kind);
  // Sets slow_ (with the heavy fence) before a thread starts waiting, and
  // clears it once nobody waits and no fifo hand-off is in flight.
  void EngageSlowPath();
  void UpdateSlowPath();
  void AddWaiter(uint32_t kind_id);
  void RemoveWaiter(uint32_t kind_id);

  const LockPolicy policy_;
  const uint32_t sample_mask_;  // hold_sample_period - 1

  // The hot cache line: the word and what the holder touches with it.
  alignas(64) std::atomic<uint32_t> word_{0};  // 1 = held
  // 1 while the slow path is engaged: a thread waits (or waits for a forced
  // switch, or has been handed the lock and not woken yet). Written under
  // mu_; read by every Acquire and Release.
  std::atomic<uint32_t> slow_{0};
  // CPython's last_holder and switch_number. Written by each new holder,
  // read by waiters and Stats().
  std::atomic<uintptr_t> last_holder_{0};
  std::atomic<uint64_t> switch_number_{0};
  // The current hold, read and written only by the holder.
  uint64_t acquired_at_ = 0;  // TickClock ticks; 0 = this hold is not timed
  uint32_t holder_kind_ = 0;

  // CPython's gil_drop_request: written by waiters (under mu_) and by the
  // holder that answers it, read by the holder at every safe point. Its own
  // cache line, so the holder's loads stay in its cache until a waiter asks.
  alignas(64) std::atomic<uint32_t> drop_request_{0};
  std::atomic<int64_t> interval_ns_;

  LockStats stats_;

  // The slow path: CPython's gil->mutex, gil->cond and gil->switch_cond.
  std::mutex mu_;
  std::condition_variable cond_;         // cpython, barging: a release
  std::condition_variable switch_cond_;  // a new holder (FORCE_SWITCHING)
  int waiters_ = 0;                      // threads waiting in AcquireSlow
                                         // that do not own the lock yet
  int switch_waiters_ = 0;               // releasers waiting for a switch
  uint64_t grants_ = 0;                  // slow-path acquisitions so far
  uint64_t drop_requested_at_ = 0;       // ticks, of the pending request
  // fifo: the lock has been handed to a waiter that has not woken yet. No
  // drop request is sent meanwhile: it would reach a holder not yet running.
  bool handoff_pending_ = false;
  // cpython, barging: cond_ was signalled and no waiter has woken since.
  bool wake_pending_ = false;
  Waiter* queue_head_ = nullptr;  // fifo, in arrival order
  Waiter* queue_tail_ = nullptr;
};

// Holds an InterpreterLock for a scope.
class ABSL_SCOPED_LOCKABLE InterpreterLockHolder {
 public:
  explicit InterpreterLockHolder(InterpreterLock* lock,
                                 RequestKind kind = RequestKind())
      ABSL_EXCLUSIVE_LOCK_FUNCTION(lock)
      : lock_(lock) {
    lock_->Acquire(kind);
  }
  // Takes over a hold the caller already has (from TryAcquire).
  InterpreterLockHolder(InterpreterLock* lock, std::adopt_lock_t)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(lock)
      : lock_(lock) {}
  ~InterpreterLockHolder() ABSL_UNLOCK_FUNCTION() { lock_->Release(); }
  InterpreterLockHolder(const InterpreterLockHolder&) = delete;
  InterpreterLockHolder& operator=(const InterpreterLockHolder&) = delete;

 private:
  InterpreterLock* const lock_;
};

}  // namespace heapd::gil

#endif  // HEAPD_HEAP_GIL_INTERPRETER_LOCK_H_
