#include "heap/gil/tick_clock.h"

#include <chrono>
#include <thread>

namespace heapd::gil {
namespace {

using SteadyClock = std::chrono::steady_clock;

struct ClockPair {
  SteadyClock::time_point steady;
  uint64_t ticks;
};

// A steady_clock reading and a tick reading taken as close together as we
// can: the tick read is bracketed by two steady reads, and the tightest
// bracket of a few tries wins (a preemption inside one only spoils that try).
ClockPair ReadPair() {
  ClockPair best{};
  auto best_gap = SteadyClock::duration::max();
  for (int i = 0; i < 16; ++i) {
    const auto before = SteadyClock::now();
    const uint64_t ticks = TickClock::Now();
    const auto after = SteadyClock::now();
    if (after - before < best_gap) {
      best_gap = after - before;
      best = {before + (after - before) / 2, ticks};
    }
  }
  return best;
}

double Measure() {
#if !defined(__x86_64__)
  return 1.0;  // ticks are steady_clock nanoseconds
#else
  // 5 ms against a pairing error of well under a microsecond: the rate is
  // good to ~1e-4, far inside the histograms' 1% buckets.
  const ClockPair start = ReadPair();
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  const ClockPair end = ReadPair();
  const double ns =
      std::chrono::duration<double, std::nano>(end.steady - start.steady)
          .count();
  const double ticks = static_cast<double>(end.ticks - start.ticks);
  return ticks > 0 ? ns / ticks : 1.0;
#endif
}

}  // namespace

double TickClock::NsPerTick() {
  static const double ns_per_tick = Measure();
  return ns_per_tick;
}

uint64_t TickClock::FromNanoseconds(double ns) {
  if (!(ns > 0)) return 0;
  return static_cast<uint64_t>(ns / NsPerTick());
}

}  // namespace heapd::gil
