// Prometheus histograms from heapd's latency histograms.
//
// A LatencyHistogram (heap/gil/latency_histogram.h) has some 2,200
// log-linear buckets; a Prometheus histogram has a handful of cumulative
// ones, each counting the values at most its upper bound. A fine bucket is
// counted under the first Prometheus bound that its largest value does not
// exceed, so every cumulative count is exact for values known to lie below
// the bound, and the +Inf bucket always equals the count.
//
// Example:
//   prometheus::ClientMetric::Histogram h = ToPrometheusHistogram(
//       lock_kind.wait, TickClock::NsPerTick() * 1e-9, LatencyBoundsSeconds());
#ifndef HEAPD_SERVER_METRICS_CUMULATIVE_BUCKETS_H_
#define HEAPD_SERVER_METRICS_CUMULATIVE_BUCKETS_H_

#include <prometheus/client_metric.h>

#include <vector>

#include "heap/gil/latency_histogram.h"

namespace heapd::server::metrics {

// Upper bounds, in seconds, from 1 us to 10 s (1-2.5-5 steps): the range of
// lock waits and holds, collection pauses and RPC latencies.
const std::vector<double>& LatencyBoundsSeconds();

// `histogram`'s counts under `bounds` (ascending, finite; +Inf is added),
// each value times `seconds_per_unit`. Safe while another thread records
// (the counts may then miss the latest records).
prometheus::ClientMetric::Histogram ToPrometheusHistogram(
    const gil::LatencyHistogram& histogram, double seconds_per_unit,
    const std::vector<double>& bounds);

}  // namespace heapd::server::metrics

#endif  // HEAPD_SERVER_METRICS_CUMULATIVE_BUCKETS_H_
