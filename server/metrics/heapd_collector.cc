#include "server/metrics/heapd_collector.h"

#include "heap/gil/lock_stats.h"
#include "heap/gil/tick_clock.h"
#include "heap/objects/heap_event.h"
#include "server/metrics/cumulative_buckets.h"

namespace heapd::server::metrics {

MetricsInput HeapdCollector::Read() const {
  MetricsInput input;
  service_.FillAllStats(&input.stats);
  const std::vector<double>& bounds = LatencyBoundsSeconds();
  const double seconds_per_tick = gil::TickClock::NsPerTick() * 1e-9;
  const gil::LockStats& lock = service_.lock_counters();
  for (int id = 0; id < lock.num_kinds(); ++id) {
    const gil::RequestKindCounters& kind = lock.kind(id);
    if (kind.acquisitions.load(std::memory_order_relaxed) == 0) continue;
    input.lock_kinds.push_back(
        {kind.name, ToPrometheusHistogram(kind.wait, seconds_per_tick, bounds),
         ToPrometheusHistogram(kind.hold, seconds_per_tick, bounds)});
  }
  for (int g = 0; g < objects::kNumGenerations; ++g) {
    input.gc_pause.push_back(
        ToPrometheusHistogram(service_.gc_pause(g), 1e-9, bounds));
  }
  return input;
}

std::vector<prometheus::MetricFamily> HeapdCollector::Collect() const {
  return HeapdFamilies(Read());
}

}  // namespace heapd::server::metrics
