// ResponseTimeHistogram: the response times heapload measures (nanoseconds
// from a call's intended send time to its completion), as a log-linear
// histogram in the manner of HdrHistogram, with a bounded relative error and
// a fixed footprint. Any non-negative integers fit.
//
// Layout. Values below 256 have a bucket each (exact). Above, every power of
// two [2^k, 2^(k+1)) is split into 128 buckets of equal width 2^(k-7):
//
//   value   0 ... 255 | 256..257 | ... | 510..511 | 512..515 | ...
//   bucket  0 ... 255 |   256    | ... |   383    |   384    | ...
//           exact     | 128 buckets of width 2    | 128 of width 4 ...
//
// A bucket of width w starts at >= 128 * w, so reporting its midpoint is off
// by at most w/2 / (128 w) = 1/256 (0.4%) of the true value: comfortably
// within the 1% the load generator promises for every percentile. Count,
// sum, min and max are kept exactly. 7,296 buckets of 8 bytes cover the whole
// int64 range (58 KiB).
//
// Not thread-safe: callers shard one per thread or guard it (the runner,
// runner.h, keeps one per shard under a mutex and merges them).
//
// Example:
//   heapd::heapload::ResponseTimeHistogram h;
//   h.Record(1500);
//   h.Record(2300);
//   int64_t p99 = h.Percentile(99.0);   // within 1% of 2300
#ifndef HEAPD_CLIENT_HEAPLOAD_RESPONSE_TIME_HISTOGRAM_H_
#define HEAPD_CLIENT_HEAPLOAD_RESPONSE_TIME_HISTOGRAM_H_

#include <cstdint>
#include <vector>

namespace heapd::heapload {

class ResponseTimeHistogram {
 public:
  ResponseTimeHistogram();

  // Adds one value; negative values count as 0.
  void Record(int64_t value);
  // Adds every value `other` holds.
  void Merge(const ResponseTimeHistogram& other);
  // Forgets every value.
  void Reset();

  int64_t count() const { return count_; }
  // Exact; 0 when empty.
  int64_t min() const { return count_ == 0 ? 0 : min_; }
  int64_t max() const { return max_; }
  double mean() const;

  // The value at percentile `p` (0..100): the smallest recorded value v such
  // that at least p% of the values are <= v, reported as its bucket's
  // midpoint clamped to [min, max]; within 1/256 of the exact answer. 0 when
  // empty.
  int64_t Percentile(double p) const;

  // Values recorded in `bucket` (0 <= bucket < kBuckets).
  int64_t CountAt(int bucket) const { return buckets_[bucket]; }

  // The bucket a value falls in, and a bucket's bounds (inclusive). Public
  // for the tests of the error bound and the .hgrm writer.
  static int BucketOf(int64_t value);
  static int64_t BucketLow(int bucket);
  static int64_t BucketHigh(int bucket);
  static constexpr int kBuckets = 256 + 55 * 128;
  // The layout in HdrHistogram's terms (lowest discernible value 1, 256
  // sub-buckets): the exact range is its first bucket, each power of two
  // above one more.
  static constexpr int kHdrBuckets = 1 + 55;
  static constexpr int kHdrSubBuckets = 256;

 private:
  std::vector<int64_t> buckets_;
  int64_t count_ = 0;
  // Sum of values; a double so hours of nanoseconds never overflow.
  double sum_ = 0;
  int64_t min_ = 0;
  int64_t max_ = 0;
};

}  // namespace heapd::heapload

#endif  // HEAPD_CLIENT_HEAPLOAD_RESPONSE_TIME_HISTOGRAM_H_
