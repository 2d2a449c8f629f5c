// The heap's and the lock's figures as Prometheus metric families.
//
// Input is what Stats serves (a StatsResponse with every section) plus the
// bucketed histograms behind its latency summaries; output is one family per
// metric, each with its TYPE and HELP, named by Prometheus conventions
// (heapd_ prefix, base units, _total counters). docs/metrics.md lists them.
// Labels are low-cardinality only: request kind (an RPC method), generation,
// size class, object type; never a session or handle.
//
// Pure: reads only its argument.
//
// Example:
//   MetricsInput input;
//   input.stats = ...;  // a StatsResponse with every section
//   std::vector<prometheus::MetricFamily> families = HeapdFamilies(input);
#ifndef HEAPD_SERVER_METRICS_HEAPD_FAMILIES_H_
#define HEAPD_SERVER_METRICS_HEAPD_FAMILIES_H_

#include <prometheus/client_metric.h>
#include <prometheus/metric_family.h>

#include <string>
#include <vector>

#include "proto/heap.pb.h"

namespace heapd::server::metrics {

// One request kind's lock histograms, in seconds.
struct LockKindHistograms {
  std::string kind;
  prometheus::ClientMetric::Histogram wait;
  prometheus::ClientMetric::Histogram hold;
};

struct MetricsInput {
  // Every section of Stats (the slow log is not exported).
  v1::StatsResponse stats;
  // Kinds that have taken the lock.
  std::vector<LockKindHistograms> lock_kinds;
  // Collection pauses in seconds, by generation (the index).
  std::vector<prometheus::ClientMetric::Histogram> gc_pause;
};

std::vector<prometheus::MetricFamily> HeapdFamilies(const MetricsInput& input);

}  // namespace heapd::server::metrics

#endif  // HEAPD_SERVER_METRICS_HEAPD_FAMILIES_H_
