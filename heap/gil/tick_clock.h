// TickClock: the cheapest clock there is, for timing lock holds and waits.
//
// The interpreter lock times waits and holds on its hot path, so the clock is
// part of its cost. What a read costs on the machines heapd runs on (2-vCPU
// AMD EPYC VMs, Linux vDSO, g++ 12 -O2):
//
//   clock_gettime(CLOCK_MONOTONIC)          ~42 ns   (vDSO: rdtsc + pvclock)
//   clock_gettime(CLOCK_MONOTONIC_COARSE)   ~6 ns    but 4 ms resolution
//   rdtsc                                   ~9 ns    (microcoded on AMD)
//
// So on x86-64 a tick is a TSC tick. Every x86-64 CPU of the last fifteen
// years has an invariant TSC (constant rate, runs in all sleep states, synced
// across cores by the kernel), and VMs expose it. Elsewhere a tick is a
// nanosecond of std::chrono::steady_clock.
//
// Ticks are converted to nanoseconds only when statistics are read: the rate
// is calibrated once per process against steady_clock (Calibrate, ~5 ms of
// sleeping, done by the first InterpreterLock constructed), never on the hot
// path.
//
// Even at ~9 ns a read is the largest cost of an uncontended acquire+release
// (two reads per hold); that is why the lock times only a sample of the holds
// nobody waits for (see interpreter_lock.h).
#ifndef HEAPD_HEAP_GIL_TICK_CLOCK_H_
#define HEAPD_HEAP_GIL_TICK_CLOCK_H_

#include <chrono>
#include <cstdint>

#if defined(__x86_64__)
#include <x86intrin.h>
#endif

namespace heapd::gil {

class TickClock {
 public:
  // The current tick count. Monotonic; never 0 after the first second of
  // uptime (the lock uses 0 as "not timed").
  static uint64_t Now() {
#if defined(__x86_64__)
    return __rdtsc();
#else
    return static_cast<uint64_t>(
        std::chrono::duration_cast<std::chrono::nanoseconds>(
            std::chrono::steady_clock::now().time_since_epoch())
            .count());
#endif
  }

  // Nanoseconds per tick. Calibrates on first use (blocks ~5 ms, once per
  // process); thread-safe.
  static double NsPerTick();

  // Runs the calibration now, so that no later NsPerTick call blocks.
  static void Calibrate() { (void)NsPerTick(); }

  static double ToNanoseconds(uint64_t ticks) {
    return static_cast<double>(ticks) * NsPerTick();
  }
  // Rounds down; a duration of 0 or less is 0 ticks.
  static uint64_t FromNanoseconds(double ns);
};

}  // namespace heapd::gil

#endif  // HEAPD_HEAP_GIL_TICK_CLOCK_H_
