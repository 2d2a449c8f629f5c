#include "heap/gil/tick_clock.h"

#include <chrono>
#include <thread>

#include "gtest/gtest.h"

namespace heapd::gil {
namespace {

using Steady = std::chrono::steady_clock;

TEST(TickClockTest, MonotonicAndNonZero) {
  uint64_t last = TickClock::Now();
  EXPECT_NE(last, 0u);
  for (int i = 0; i < 1000; ++i) {
    const uint64_t now = TickClock::Now();
    ASSERT_GE(now, last);
    last = now;
  }
}

// Ticks converted with the calibrated rate agree with steady_clock. Each
// tick read is bracketed by steady reads, so the check is exact whatever the
// scheduler does: the ticks' duration must fall between the inner and the
// outer steady durations, give or take 1% for the calibration.
TEST(TickClockTest, CalibratedRateMatchesSteadyClock) {
  TickClock::Calibrate();
  const auto before0 = Steady::now();
  const uint64_t t0 = TickClock::Now();
  const auto after0 = Steady::now();
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  const auto before1 = Steady::now();
  const uint64_t t1 = TickClock::Now();
  const auto after1 = Steady::now();

  const double ticks_ns = TickClock::ToNanoseconds(t1 - t0);
  const double inner =
      std::chrono::duration<double, std::nano>(before1 - after0).count();
  const double outer =
      std::chrono::duration<double, std::nano>(after1 - before0).count();
  EXPECT_GE(ticks_ns, inner * 0.99);
  EXPECT_LE(ticks_ns, outer * 1.01);
}

TEST(TickClockTest, NanosecondsRoundTrip) {
  const uint64_t ticks = TickClock::FromNanoseconds(1e6);
  EXPECT_NEAR(TickClock::ToNanoseconds(ticks), 1e6, 1e6 * 1e-3);
  EXPECT_EQ(TickClock::FromNanoseconds(-5), 0u);
  EXPECT_EQ(TickClock::FromNanoseconds(0), 0u);
}

}  // namespace
}  // namespace heapd::gil
