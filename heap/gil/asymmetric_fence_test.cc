#include "heap/gil/asymmetric_fence.h"

#include <atomic>
#include <thread>

#include "gtest/gtest.h"

namespace heapd::gil {
namespace {

TEST(AsymmetricFenceTest, InitIsIdempotent) {
  AsymmetricFence::Init();
  const bool expedited = AsymmetricFence::expedited();
  AsymmetricFence::Init();
  EXPECT_EQ(AsymmetricFence::expedited(), expedited);
  AsymmetricFence::Heavy();  // either way, callable
  AsymmetricFence::Light();
}

// A litmus test of the pairing itself (store; fence; load on two threads,
// never both loads missing both stores) needs two otherwise idle cores to
// catch the hardware reordering at all; on the shared 2-core machines it
// neither fails without the fence nor finishes in reasonable time. The
// pairing is exercised where it matters instead: the interpreter lock's
// NoLostWakeUps tests hang (and their watchdog fails them) if a release ever
// misses a thread that has started waiting.
TEST(AsymmetricFenceTest, HeavyWhileAnotherThreadRuns) {
  AsymmetricFence::Init();
  std::atomic<bool> stop{false};
  std::atomic<uint64_t> spins{0};
  std::thread other([&] {
    while (!stop.load(std::memory_order_relaxed)) {
      spins.fetch_add(1, std::memory_order_relaxed);
      AsymmetricFence::Light();
    }
  });
  for (int i = 0; i < 100; ++i) AsymmetricFence::Heavy();
  stop.store(true);
  other.join();
  SUCCEED() << spins.load() << " light fences meanwhile";
}

}  // namespace
}  // namespace heapd::gil
