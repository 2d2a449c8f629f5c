// LatencyHistogram: a distribution of durations, cheap to record into, read
// at any time by any thread.
//
// Buckets are log-linear, the layout of HdrHistogram with 64 sub-buckets per
// power of two:
//
//   values 0..127                    one bucket per value (exact)
//   [2^k, 2^(k+1)), 7 <= k < 40      64 buckets of width 2^(k-6)
//   2^40 and above                   one overflow bucket
//
// A percentile is reported as the midpoint of the bucket holding it, so it is
// off by at most half a bucket width: 2^(k-7) / 2^k = 1/128, under 0.8% of the
// value. The maximum is kept exactly. 2^40 ticks is about 7 minutes at 2.6
// GHz; anything longer is counted in the overflow bucket and reported as the
// maximum.
//
// Units are the caller's: the interpreter lock records TickClock ticks and
// passes nanoseconds per tick to Summarize.
//
// Threads: one writer at a time, any number of readers. The interpreter lock
// records only while holding itself, so Record is a relaxed load and store,
// not an atomic add: an add would pay for a locked instruction (~5 ns on the
// project's machines) that the lock already provides. Readers load relaxed: a
// summary taken while someone records may miss the last few records, but never
// sees a torn counter. 17.5 KiB per histogram.
//
// Example:
//   LatencyHistogram h;
//   h.Record(120);
//   h.Record(4000);
//   LatencySummary s = h.Summarize();  // s.count == 2, s.max == 4000
#ifndef HEAPD_HEAP_GIL_LATENCY_HISTOGRAM_H_
#define HEAPD_HEAP_GIL_LATENCY_HISTOGRAM_H_

#include <atomic>
#include <bit>
#include <cstdint>

namespace heapd::gil {

// What a histogram holds, in the unit chosen by Summarize's scale.
struct LatencySummary {
  uint64_t count = 0;
  double sum = 0;
  double p50 = 0;
  double p90 = 0;
  double p99 = 0;
  double p999 = 0;  // the 99.9th percentile
  double max = 0;

  double mean() const { return count == 0 ? 0 : sum / count; }
};

class LatencyHistogram {
 public:
  static constexpr int kLinearBuckets = 128;  // values below are exact
  static constexpr int kSubBucketBits = 6;    // 64 buckets per power of two
  static constexpr int kMaxExponent = 40;     // 2^40 and above overflow
  static constexpr int kOverflowBucket =
      kLinearBuckets + (kMaxExponent - 7) * (1 << kSubBucketBits);
  static constexpr int kNumBuckets = kOverflowBucket + 1;

  LatencyHistogram() = default;
  LatencyHistogram(const LatencyHistogram&) = delete;
  LatencyHistogram& operator=(const LatencyHistogram&) = delete;

  static int BucketOf(uint64_t value) {
    if (value < kLinearBuckets) return static_cast<int>(value);
    const int k = 63 - std::countl_zero(value);  // 7 <= k
    if (k >= kMaxExponent) return kOverflowBucket;
    return kLinearBuckets + ((k - 7) << kSubBucketBits) +
           static_cast<int>((value >> (k - kSubBucketBits)) -
                            (uint64_t{1} << kSubBucketBits));
  }
  // The smallest value of `bucket`, and how many values it spans.
  static uint64_t BucketLowerBound(int bucket);
  static uint64_t BucketWidth(int bucket);

  // Counts one value. REQUIRES: no other thread records concurrently.
  void Record(uint64_t value) {
    Bump(buckets_[BucketOf(value)], 1);
    Bump(sum_, value);
    if (value > max_.load(std::memory_order_relaxed)) {
      max_.store(value, std::memory_order_relaxed);
    }
  }

  // Counts a value of 0 (the lock: an acquisition that did not wait).
  // REQUIRES: no other thread records concurrently.
  void RecordZero() { Bump(buckets_[0], 1); }

  // Counts one value already known to fall in `bucket`, without updating
  // the maximum: for a value repeated from an earlier Record (the lock uses
  // it for holds it did not time; see interpreter_lock.h).
  // REQUIRES: no other thread records concurrently; bucket == BucketOf(value).
  void RecordRepeat(int bucket, uint64_t value) {
    Bump(buckets_[bucket], 1);
    Bump(sum_, value);
  }

  // Adds every count of `other` to this one. REQUIRES: no other thread
  // records into *this concurrently (`other` may be written meanwhile).
  void Add(const LatencyHistogram& other);

  // Count, sum, percentiles and maximum, each value multiplied by `scale`.
  // Safe to call concurrently with Record.
  LatencySummary Summarize(double scale = 1.0) const;

  // The sum of the buckets (Summarize's count).
  uint64_t count() const;
  uint64_t bucket_count(int bucket) const {
    return buckets_[bucket].load(std::memory_order_relaxed);
  }

 private:
  // Buckets [0, UsedBuckets()) hold every record so far: each value is at
  // most max_ (RecordZero's 0 and RecordRepeat's earlier values included).
  int UsedBuckets() const;

  static void Bump(std::atomic<uint64_t>& counter, uint64_t by) {
    counter.store(counter.load(std::memory_order_relaxed) + by,
                  std::memory_order_relaxed);
  }

  std::atomic<uint64_t> buckets_[kNumBuckets] = {};
  std::atomic<uint64_t> sum_{0};
  std::atomic<uint64_t> max_{0};
};

}  // namespace heapd::gil

#endif  // HEAPD_HEAP_GIL_LATENCY_HISTOGRAM_H_
