#include "heap/gil/latency_histogram.h"

#include <algorithm>
#include <array>

namespace heapd::gil {
namespace {

// Where a value of `bucket` is reported: its midpoint (exact for the linear
// buckets, which hold one value each).
double BucketValue(int bucket) {
  return static_cast<double>(LatencyHistogram::BucketLowerBound(bucket)) +
         static_cast<double>(LatencyHistogram::BucketWidth(bucket) - 1) / 2;
}

}  // namespace

uint64_t LatencyHistogram::BucketLowerBound(int bucket) {
  if (bucket < kLinearBuckets) return static_cast<uint64_t>(bucket);
  if (bucket >= kOverflowBucket) return uint64_t{1} << kMaxExponent;
  const int k = 7 + ((bucket - kLinearBuckets) >> kSubBucketBits);
  const uint64_t sub = (bucket - kLinearBuckets) & ((1 << kSubBucketBits) - 1);
  return ((uint64_t{1} << kSubBucketBits) + sub) << (k - kSubBucketBits);
}

uint64_t LatencyHistogram::BucketWidth(int bucket) {
  if (bucket < kLinearBuckets || bucket >= kOverflowBucket) return 1;
  const int k = 7 + ((bucket - kLinearBuckets) >> kSubBucketBits);
  return uint64_t{1} << (k - kSubBucketBits);
}

int LatencyHistogram::UsedBuckets() const {
  return BucketOf(max_.load(std::memory_order_relaxed)) + 1;
}

void LatencyHistogram::Add(const LatencyHistogram& other) {
  const int used = other.UsedBuckets();
  for (int b = 0; b < used; ++b) {
    const uint64_t n = other.buckets_[b].load(std::memory_order_relaxed);
    if (n != 0) Bump(buckets_[b], n);
  }
  Bump(sum_, other.sum_.load(std::memory_order_relaxed));
  const uint64_t other_max = other.max_.load(std::memory_order_relaxed);
  if (other_max > max_.load(std::memory_order_relaxed)) {
    max_.store(other_max, std::memory_order_relaxed);
  }
}

uint64_t LatencyHistogram::count() const {
  const int used = UsedBuckets();
  uint64_t total = 0;
  for (int b = 0; b < used; ++b) {
    total += buckets_[b].load(std::memory_order_relaxed);
  }
  return total;
}

LatencySummary LatencyHistogram::Summarize(double scale) const {
  // The maximum first: every record so far lies at or below its bucket, so
  // the buckets above need no reading (a dashboard's Stats summarizes a few
  // dozen histograms; most of their 2,241 buckets are empty). Then copy the
  // buckets, so that the count and the percentiles describe the same set of
  // records even while a writer is adding more (one that records a new
  // maximum meanwhile is missed, as any record after the copy would be).
  const uint64_t max_value = max_.load(std::memory_order_relaxed);
  const int used = BucketOf(max_value) + 1;
  std::array<uint64_t, kNumBuckets> counts;
  uint64_t total = 0;
  for (int b = 0; b < used; ++b) {
    counts[b] = buckets_[b].load(std::memory_order_relaxed);
    total += counts[b];
  }
  LatencySummary s;
  s.count = total;
  if (total == 0) return s;
  const double max = static_cast<double>(max_value);
  s.sum = static_cast<double>(sum_.load(std::memory_order_relaxed)) * scale;
  s.max = max * scale;

  // The q-th percentile is the value of rank ceil(q * count) (1-based),
  // computed in integers (q in thousandths) so no rounding moves a rank.
  const uint64_t permille[] = {500, 900, 990, 999};
  double* outputs[] = {&s.p50, &s.p90, &s.p99, &s.p999};
  int next = 0;
  uint64_t seen = 0;
  for (int b = 0; b < used && next < 4; ++b) {
    seen += counts[b];
    while (next < 4) {
      const uint64_t rank =
          std::max<uint64_t>(1, (permille[next] * total + 999) / 1000);
      if (seen < rank) break;
      // The overflow bucket has no midpoint; a midpoint above the exact
      // maximum would report a value no record had.
      const double v =
          b == kOverflowBucket ? max : std::min(BucketValue(b), max);
      *outputs[next++] = v * scale;
    }
  }
  return s;
}

}  // namespace heapd::gil
