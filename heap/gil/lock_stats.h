// LockStats: what the interpreter lock counts about itself, and the snapshot
// any thread can read without taking the lock.
//
// Shaped after jemalloc's mutex statistics (wait count, total and maximum
// wait, owner switches, peak waiters), with full wait and hold distributions
// instead of totals, and everything broken down by request kind: the server
// labels each acquisition with its RPC method, so a snapshot answers "which
// requests hold the lock, and which ones wait for it".
//
// Who writes what. Every counter has exactly one writer at a time, so each is
// updated with a relaxed load and store rather than an atomic add (see
// latency_histogram.h for why that matters on the hot path):
//
//   per kind: acquisitions, wait, hold     the lock holder
//   per kind: contended, handoffs          the lock holder
//   per kind: drop_requests,               the lock's internal mutex
//     forced_switches, waiters
//   drop_response                          the lock holder
//   drop_requests, forced_switches,        the lock's internal mutex
//   waiters_current, waiters_peak,
//   max_bypassed
//
// Totals are not kept separately: a snapshot sums the kinds, so acquisitions
// always equal the sum over kinds, and the hot path writes each event once.
//
// Kinds: kind 0 is "other"; up to kMaxRequestKinds - 1 more are registered by
// name before use (the server registers its RPC methods at start-up). A
// kind's counters (two histograms, 35 KiB) are allocated when it is
// registered and never freed before the lock is.
#ifndef HEAPD_HEAP_GIL_LOCK_STATS_H_
#define HEAPD_HEAP_GIL_LOCK_STATS_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "heap/gil/latency_histogram.h"

namespace heapd::gil {

inline constexpr int kMaxRequestKinds = 64;

// One kind's statistics, as read.
struct RequestKindStats {
  std::string name;
  uint64_t acquisitions = 0;
  uint64_t contended = 0;  // acquisitions that found the lock taken
  LatencySummary wait;     // nanoseconds
  LatencySummary hold;     // nanoseconds
  // Acquisitions of this kind by a thread other than the last holder.
  uint64_t handoffs = 0;
  // Drop requests made by waiters of this kind.
  uint64_t drop_requests = 0;
  // Releases by holders of this kind that had to go to another thread.
  uint64_t forced_switches = 0;
  uint64_t waiters_current = 0;
  uint64_t waiters_peak = 0;
};

// Everything the lock knows about itself, read without taking it. Counters
// are read one by one while others may change them, so between two related
// counters a snapshot can be off by the events of the moment; at rest (no
// thread in Acquire or Release) every identity below holds exactly.
//
//   acquisitions == sum of kinds' acquisitions == wait.count
//   handoffs, drop_requests, forced_switches, waiters_current == the sums
//   of the kinds' (waiters_peak >= each kind's)
//   hold.count == acquisitions, minus one while the lock is held
//   contended <= acquisitions;  forced_switches <= drop_requests
struct LockStatsSnapshot {
  std::string policy;  // "cpython", "fifo" or "barging"
  absl::Duration switch_interval;
  // One in this many holds nobody waited for is timed; 1 = every hold.
  uint32_t hold_sample_period = 1;

  uint64_t acquisitions = 0;
  uint64_t contended = 0;
  LatencySummary wait;  // every acquisition; 0 for those that did not wait
  LatencySummary hold;  // every completed hold
  double held_ns_total = 0;

  uint64_t drop_requests = 0;    // times a waiter asked the holder to drop
  uint64_t forced_switches = 0;  // releases that had to go to another thread
  uint64_t handoffs = 0;         // acquisitions by a thread other than the
                                 // last holder (CPython's switch_number)
  uint64_t waiters_current = 0;
  uint64_t waiters_peak = 0;
  // The most acquisitions by other threads while one thread waited: how far
  // a waiter was passed over (under fifo, at most the threads ahead of it).
  uint64_t max_bypassed = 0;
  // From a drop request to the release that answered it: how long a holder
  // keeps the lock after being asked to let go (a collection that does not
  // pass a safe point shows up here).
  LatencySummary drop_response;

  std::vector<RequestKindStats> kinds;  // kinds[0] is "other"
};

// One kind's counters, as written.
struct RequestKindCounters {
  RequestKindCounters(absl::string_view name, bool time_every_hold)
      : name(name), time_every_hold(time_every_hold) {}

  const std::string name;
  const bool time_every_hold;
  std::atomic<uint64_t> acquisitions{0};
  std::atomic<uint64_t> contended{0};
  LatencyHistogram wait;  // ticks
  LatencyHistogram hold;  // ticks
  // Written by the holder (handoffs) or under the lock's internal mutex
  // (the rest): one writer at a time, as the counters above.
  std::atomic<uint64_t> handoffs{0};
  std::atomic<uint64_t> drop_requests{0};
  std::atomic<uint64_t> forced_switches{0};
  std::atomic<uint64_t> waiters_current{0};
  std::atomic<uint64_t> waiters_peak{0};
  // The last timed hold, counted again for each hold that is not timed.
  // Only the lock holder reads or writes these.
  uint64_t last_hold = 0;
  int last_hold_bucket = 0;
};

class LockStats {
 public:
  LockStats();  // registers kind 0, "other"
  LockStats(const LockStats&) = delete;
  LockStats& operator=(const LockStats&) = delete;

  // The id of `name`, registering it if it is new; -1 when every slot is
  // taken. Thread-safe. A name registered again keeps its first
  // time_every_hold.
  int RegisterKind(absl::string_view name, bool time_every_hold);
  int num_kinds() const { return num_kinds_.load(std::memory_order_acquire); }

  // REQUIRES: id < num_kinds(), as seen by the calling thread.
  RequestKindCounters& kind(uint32_t id) { return *kinds_[id]; }
  const RequestKindCounters& kind(uint32_t id) const { return *kinds_[id]; }

  // Adds `by` to a counter that has one writer at a time.
  static void Bump(std::atomic<uint64_t>& counter, uint64_t by = 1) {
    counter.store(counter.load(std::memory_order_relaxed) + by,
                  std::memory_order_relaxed);
  }

  std::atomic<uint64_t> drop_requests{0};
  std::atomic<uint64_t> forced_switches{0};
  std::atomic<uint64_t> waiters_current{0};
  std::atomic<uint64_t> waiters_peak{0};
  std::atomic<uint64_t> max_bypassed{0};
  LatencyHistogram drop_response;  // ticks

  // Fills every field the counters above know, converting ticks to
  // nanoseconds with `ns_per_tick`; the caller fills policy,
  // switch_interval, hold_sample_period and handoffs.
  void Snapshot(double ns_per_tick, LockStatsSnapshot* out) const;

 private:
  std::mutex registry_mu_;  // serializes RegisterKind
  std::atomic<int> num_kinds_{0};
  // Slots below num_kinds_ are set before num_kinds_ is raised (release)
  // and never change after.
  std::unique_ptr<RequestKindCounters> kinds_[kMaxRequestKinds];
};

}  // namespace heapd::gil

#endif  // HEAPD_HEAP_GIL_LOCK_STATS_H_
