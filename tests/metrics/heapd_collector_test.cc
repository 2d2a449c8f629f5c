// A scrape reads a running HeapService without its interpreter lock.
#include "server/metrics/heapd_collector.h"

#include <prometheus/metric_family.h>

#include <chrono>
#include <future>
#include <vector>

#include "gtest/gtest.h"
#include "heap/gil/interpreter_lock.h"
#include "server/heap_service.h"

namespace heapd::testing {
namespace {

TEST(HeapdCollectorTest, CollectsWhileTheInterpreterLockIsHeld) {
  server::HeapService service{server::HeapServiceOptions()};
  server::metrics::HeapdCollector collector(&service);
  gil::InterpreterLock& lock = service.lock_for_testing();
  lock.Acquire();
  // A collector that waited for the lock would wait until it is released
  // below, after the deadline.
  std::future<std::vector<prometheus::MetricFamily>> scrape =
      std::async(std::launch::async, [&] { return collector.Collect(); });
  const bool answered =
      scrape.wait_for(std::chrono::seconds(60)) == std::future_status::ready;
  lock.Release();
  EXPECT_TRUE(answered);
  EXPECT_GT(scrape.get().size(), 50u);
}

}  // namespace
}  // namespace heapd::testing
