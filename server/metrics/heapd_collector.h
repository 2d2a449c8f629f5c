// HeapdCollector: the prometheus::Collectable of a running HeapService.
// Each scrape reads what Stats serves (the published snapshot, the lock's
// counters, the RPC counters; never the interpreter lock) and converts it
// with HeapdFamilies (heapd_families.h).
//
// Threads: Collect from any thread, while the service lives.
//
// Example:
//   auto collector = std::make_shared<HeapdCollector>(&service);
//   std::vector<prometheus::MetricFamily> families = collector->Collect();
#ifndef HEAPD_SERVER_METRICS_HEAPD_COLLECTOR_H_
#define HEAPD_SERVER_METRICS_HEAPD_COLLECTOR_H_

#include <prometheus/collectable.h>
#include <prometheus/metric_family.h>

#include <vector>

#include "server/heap_service.h"
#include "server/metrics/heapd_families.h"

namespace heapd::server::metrics {

class HeapdCollector : public prometheus::Collectable {
 public:
  // `service` must outlive every Collect.
  explicit HeapdCollector(HeapService* service) : service_(*service) {}

  // What a scrape converts.
  MetricsInput Read() const;
  std::vector<prometheus::MetricFamily> Collect() const override;

 private:
  HeapService& service_;
};

}  // namespace heapd::server::metrics

#endif  // HEAPD_SERVER_METRICS_HEAPD_COLLECTOR_H_
