#include "server/metrics/cumulative_buckets.h"

#include <cstdint>
#include <limits>

namespace heapd::server::metrics {

const std::vector<double>& LatencyBoundsSeconds() {
  static const std::vector<double>* const bounds = new std::vector<double>{
      1e-6, 2.5e-6, 5e-6,   1e-5, 2.5e-5, 5e-5,   1e-4, 2.5e-4,
      5e-4, 1e-3,   2.5e-3, 5e-3, 1e-2,   2.5e-2, 5e-2, 0.1,
      0.25, 0.5,    1,      2.5,  5,      10};
  return *bounds;
}

prometheus::ClientMetric::Histogram ToPrometheusHistogram(
    const gil::LatencyHistogram& histogram, double seconds_per_unit,
    const std::vector<double>& bounds) {
  using Histogram = gil::LatencyHistogram;
  prometheus::ClientMetric::Histogram out;
  out.bucket.resize(bounds.size() + 1);
  for (size_t i = 0; i < bounds.size(); ++i) {
    out.bucket[i].upper_bound = bounds[i];
  }
  out.bucket.back().upper_bound = std::numeric_limits<double>::infinity();
  // Per-bound counts first, then the running sum.
  std::vector<uint64_t> counts(out.bucket.size(), 0);
  size_t bound = 0;
  uint64_t total = 0;
  for (int b = 0; b < Histogram::kNumBuckets; ++b) {
    const uint64_t n = histogram.bucket_count(b);
    if (n == 0) continue;
    total += n;
    // The bucket's largest value; the overflow bucket has none.
    const double largest =
        b == Histogram::kOverflowBucket
            ? std::numeric_limits<double>::infinity()
            : static_cast<double>(Histogram::BucketLowerBound(b) +
                                  Histogram::BucketWidth(b) - 1) *
                  seconds_per_unit;
    while (bound < bounds.size() && largest > bounds[bound]) ++bound;
    counts[bound] += n;
  }
  uint64_t running = 0;
  for (size_t i = 0; i < counts.size(); ++i) {
    running += counts[i];
    out.bucket[i].cumulative_count = running;
  }
  out.sample_count = total;
  out.sample_sum = histogram.Summarize(seconds_per_unit).sum;
  return out;
}

}  // namespace heapd::server::metrics
