// AsymmetricFence: a full memory barrier split into a free half for the hot
// path and an expensive half for the rare one.
//
// The interpreter lock's release is a plain store of the lock word followed
// by a load of "does anyone wait?"; a waiter stores "I wait" and then loads
// the lock word. That is Dekker's pattern: without a full barrier between
// each side's store and load, the CPU may let both loads run ahead of the
// stores (x86 reorders a store with a later load), and then the holder sees
// no waiter while the waiter sees the lock still held -- a lost wake-up.
// A full barrier (mfence, or any locked instruction) costs ~5 ns on the
// project's machines, as much as the rest of the release.
//
// So the barrier is asymmetric:
//
//   hot side (every release)      Light(): a compiler barrier only
//   cold side (a thread about     Heavy(): membarrier(PRIVATE_EXPEDITED),
//   to wait, once per wait)       which runs a full barrier on every CPU
//                                 currently running a thread of this
//                                 process (an IPI; ~1-1.5 us here), and
//                                 context switches order the others.
//
// After Heavy() returns, every other thread of the process has passed a full
// barrier, so for each pair of (store; fence; load) sequences at least one
// load sees the other side's store. This is the scheme of userspace RCU and
// Folly's asymmetricHeavyBarrier.
//
// Where membarrier is unavailable (kernels before 4.14, seccomp sandboxes),
// Light() falls back to a real full fence and Heavy() to another: correct,
// at the old price.
#ifndef HEAPD_HEAP_GIL_ASYMMETRIC_FENCE_H_
#define HEAPD_HEAP_GIL_ASYMMETRIC_FENCE_H_

#include <atomic>

#include "absl/base/optimization.h"

namespace heapd::gil {

class AsymmetricFence {
 public:
  // Registers the process for expedited membarrier. Idempotent and
  // thread-safe; call it before the first Light() whose pairing matters
  // (the interpreter lock's constructor does).
  static void Init();

  // Whether Heavy() is a membarrier (else both halves are full fences).
  static bool expedited() { return expedited_.load(std::memory_order_relaxed); }

  static void Light() {
    if (ABSL_PREDICT_TRUE(expedited_.load(std::memory_order_relaxed))) {
      std::atomic_signal_fence(std::memory_order_seq_cst);
    } else {
      std::atomic_thread_fence(std::memory_order_seq_cst);
    }
  }

  static void Heavy();

 private:
  static std::atomic<bool> expedited_;
};

}  // namespace heapd::gil

#endif  // HEAPD_HEAP_GIL_ASYMMETRIC_FENCE_H_
