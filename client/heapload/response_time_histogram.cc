#include "client/heapload/response_time_histogram.h"

#include <algorithm>
#include <bit>
#include <cmath>

namespace heapd::heapload {
namespace {

// 2^7 buckets per power of two above the exact range [0, 256).
constexpr int kSubBucketBits = 7;
constexpr int kSubBuckets = 1 << kSubBucketBits;  // 128
constexpr int kExactLimit = 2 * kSubBuckets;      // 256

}  // namespace

ResponseTimeHistogram::ResponseTimeHistogram() : buckets_(kBuckets, 0) {}

int ResponseTimeHistogram::BucketOf(int64_t value) {
  if (value < kExactLimit) return value < 0 ? 0 : static_cast<int>(value);
  const uint64_t v = static_cast<uint64_t>(value);
  const int k = 63 - std::countl_zero(v);  // 2^k <= v < 2^(k+1), k >= 8
  const int shift = k - kSubBucketBits;    // bucket width 2^shift
  const int sub = static_cast<int>(v >> shift) - kSubBuckets;  // 0..127
  return kExactLimit + (k - 8) * kSubBuckets + sub;
}

int64_t ResponseTimeHistogram::BucketLow(int bucket) {
  if (bucket < kExactLimit) return bucket;
  const int k = 8 + (bucket - kExactLimit) / kSubBuckets;
  const int sub = (bucket - kExactLimit) % kSubBuckets;
  const int shift = k - kSubBucketBits;
  return static_cast<int64_t>(static_cast<uint64_t>(kSubBuckets + sub)
                              << shift);
}

int64_t ResponseTimeHistogram::BucketHigh(int bucket) {
  if (bucket < kExactLimit) return bucket;
  const int k = 8 + (bucket - kExactLimit) / kSubBuckets;
  const int shift = k - kSubBucketBits;
  // Computed as low + (width - 1) so the last bucket does not overflow.
  return BucketLow(bucket) + ((int64_t{1} << shift) - 1);
}

void ResponseTimeHistogram::Record(int64_t value) {
  if (value < 0) value = 0;
  ++buckets_[BucketOf(value)];
  if (count_ == 0 || value < min_) min_ = value;
  if (value > max_) max_ = value;
  ++count_;
  sum_ += static_cast<double>(value);
}

void ResponseTimeHistogram::Merge(const ResponseTimeHistogram& other) {
  if (other.count_ == 0) return;
  for (int i = 0; i < kBuckets; ++i) buckets_[i] += other.buckets_[i];
  if (count_ == 0 || other.min_ < min_) min_ = other.min_;
  max_ = std::max(max_, other.max_);
  count_ += other.count_;
  sum_ += other.sum_;
}

void ResponseTimeHistogram::Reset() {
  std::fill(buckets_.begin(), buckets_.end(), 0);
  count_ = 0;
  sum_ = 0;
  min_ = 0;
  max_ = 0;
}

double ResponseTimeHistogram::mean() const {
  return count_ == 0 ? 0.0 : sum_ / static_cast<double>(count_);
}

int64_t ResponseTimeHistogram::Percentile(double p) const {
  if (count_ == 0) return 0;
  p = std::clamp(p, 0.0, 100.0);
  // The rank (1-based) of the value asked for: at least p% at or below it.
  int64_t rank =
      static_cast<int64_t>(std::ceil(p / 100.0 * static_cast<double>(count_)));
  rank = std::clamp<int64_t>(rank, 1, count_);
  int64_t seen = 0;
  for (int i = 0; i < kBuckets; ++i) {
    seen += buckets_[i];
    if (seen >= rank) {
      const int64_t low = BucketLow(i);
      const int64_t mid = low + (BucketHigh(i) - low) / 2;
      return std::clamp(mid, min_, max_);
    }
  }
  return max_;
}

}  // namespace heapd::heapload
