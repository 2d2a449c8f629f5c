#include "heap/gil/latency_histogram.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <memory>
#include <random>
#include <thread>
#include <vector>

#include "gtest/gtest.h"

namespace heapd::gil {
namespace {

using H = LatencyHistogram;

TEST(LatencyHistogramTest, BucketsTileTheRangeWithoutGaps) {
  for (int b = 0; b < H::kOverflowBucket; ++b) {
    const uint64_t low = H::BucketLowerBound(b);
    const uint64_t width = H::BucketWidth(b);
    ASSERT_EQ(H::BucketOf(low), b) << "bucket " << b;
    ASSERT_EQ(H::BucketOf(low + width - 1), b) << "bucket " << b;
    ASSERT_EQ(H::BucketLowerBound(b + 1), low + width) << "bucket " << b;
    if (b >= H::kLinearBuckets) {
      // At most 1/64 of the bucket's lowest value wide: half a bucket is
      // under 0.8%.
      ASSERT_LE(width * 64, low) << "bucket " << b;
    }
  }
  EXPECT_EQ(H::BucketOf(uint64_t{1} << H::kMaxExponent), H::kOverflowBucket);
  EXPECT_EQ(H::BucketOf(UINT64_MAX), H::kOverflowBucket);
}

TEST(LatencyHistogramTest, SmallValuesAreExact) {
  auto h = std::make_unique<H>();
  for (uint64_t v = 0; v < 128; ++v) h->Record(v);
  const LatencySummary s = h->Summarize();
  EXPECT_EQ(s.count, 128u);
  EXPECT_EQ(s.sum, 127.0 * 128 / 2);
  EXPECT_EQ(s.p50, 63);   // rank 64
  EXPECT_EQ(s.p90, 115);  // rank ceil(115.2) = 116
  EXPECT_EQ(s.p99, 126);  // rank ceil(126.72) = 127
  EXPECT_EQ(s.p999, 127);
  EXPECT_EQ(s.max, 127);
}

TEST(LatencyHistogramTest, EmptyIsAllZero) {
  auto h = std::make_unique<H>();
  const LatencySummary s = h->Summarize();
  EXPECT_EQ(s.count, 0u);
  EXPECT_EQ(s.max, 0);
  EXPECT_EQ(s.p50, 0);
  EXPECT_EQ(s.mean(), 0);
}

// The exact q-th percentile: the value of rank ceil(q * n).
double Exact(const std::vector<uint64_t>& sorted, int permille) {
  const uint64_t n = sorted.size();
  const uint64_t rank = std::max<uint64_t>(1, (permille * n + 999) / 1000);
  return static_cast<double>(sorted[rank - 1]);
}

TEST(LatencyHistogramTest, PercentilesWithinOnePercent) {
  for (uint32_t seed : {1u, 2u, 3u, 4u}) {
    std::mt19937_64 rng(seed);
    // Log-uniform from 1 to 2^36: every octave equally represented.
    std::uniform_real_distribution<double> exponent(0, 36);
    const int n = 1 + static_cast<int>(rng() % 20000);
    std::vector<uint64_t> values;
    auto h = std::make_unique<H>();
    for (int i = 0; i < n; ++i) {
      const uint64_t v = static_cast<uint64_t>(std::exp2(exponent(rng)));
      values.push_back(v);
      h->Record(v);
    }
    std::sort(values.begin(), values.end());
    const LatencySummary s = h->Summarize();
    ASSERT_EQ(s.count, static_cast<uint64_t>(n));
    EXPECT_EQ(s.max, static_cast<double>(values.back()));
    const std::pair<double, int> checks[] = {
        {s.p50, 500}, {s.p90, 900}, {s.p99, 990}, {s.p999, 999}};
    for (const auto& [reported, permille] : checks) {
      const double exact = Exact(values, permille);
      EXPECT_LE(std::abs(reported - exact), 0.01 * exact)
          << "seed " << seed << " n " << n << " permille " << permille
          << " exact " << exact << " reported " << reported;
    }
  }
}

TEST(LatencyHistogramTest, SumIsExactAndScaleApplies) {
  auto h = std::make_unique<H>();
  h->Record(1000);
  h->Record(3000);
  const LatencySummary s = h->Summarize(0.5);
  EXPECT_EQ(s.count, 2u);
  EXPECT_EQ(s.sum, 2000);
  EXPECT_EQ(s.max, 1500);
  EXPECT_EQ(s.mean(), 1000);
  EXPECT_NEAR(s.p50, 500, 5);
}

TEST(LatencyHistogramTest, OverflowReportsTheMaximum) {
  auto h = std::make_unique<H>();
  const uint64_t huge = uint64_t{1} << 45;
  h->Record(huge);
  const LatencySummary s = h->Summarize();
  EXPECT_EQ(s.p50, static_cast<double>(huge));
  EXPECT_EQ(s.max, static_cast<double>(huge));
}

TEST(LatencyHistogramTest, RecordZeroAndRecordRepeatCountWithoutMovingMax) {
  auto h = std::make_unique<H>();
  h->Record(5000);
  h->RecordRepeat(H::BucketOf(5000), 5000);
  h->RecordZero();
  const LatencySummary s = h->Summarize();
  EXPECT_EQ(s.count, 3u);
  EXPECT_EQ(s.sum, 10000);
  EXPECT_EQ(s.max, 5000);
  EXPECT_EQ(h->bucket_count(0), 1u);
  EXPECT_EQ(h->bucket_count(H::BucketOf(5000)), 2u);
}

// Readers stop at the maximum's bucket (the buckets above are empty): the
// records in that last bucket still count, wherever in it the maximum is.
TEST(LatencyHistogramTest, RecordsInTheMaximumsBucketAreRead) {
  for (const int bucket : {0, 127, 128, 1000, H::kOverflowBucket - 1}) {
    auto h = std::make_unique<H>();
    const uint64_t low = H::BucketLowerBound(bucket);
    h->RecordZero();
    for (int i = 0; i < 99; ++i) h->Record(low);
    const LatencySummary s = h->Summarize();
    EXPECT_EQ(s.count, 100u) << "bucket " << bucket;
    EXPECT_EQ(h->count(), 100u) << "bucket " << bucket;
    EXPECT_EQ(s.p99, static_cast<double>(low)) << "bucket " << bucket;
    auto sum = std::make_unique<H>();
    sum->Add(*h);
    EXPECT_EQ(sum->count(), 100u) << "bucket " << bucket;
  }
}

TEST(LatencyHistogramTest, AddMerges) {
  auto a = std::make_unique<H>();
  auto b = std::make_unique<H>();
  a->Record(10);
  b->Record(20);
  b->Record(1 << 20);
  a->Add(*b);
  const LatencySummary s = a->Summarize();
  EXPECT_EQ(s.count, 3u);
  EXPECT_EQ(s.sum, 30 + (1 << 20));
  EXPECT_EQ(s.max, 1 << 20);
  EXPECT_EQ(b->count(), 2u);
}

// One writer, one reader, concurrently: the reader never sees a count go
// down or exceed what was written (and TSan sees no race).
TEST(LatencyHistogramTest, ReadableWhileWritten) {
  auto h = std::make_unique<H>();
  constexpr int kRecords = 20000;
  std::atomic<bool> done{false};
  std::thread writer([&] {
    for (int i = 0; i < kRecords; ++i) h->Record(static_cast<uint64_t>(i));
    done.store(true);
  });
  uint64_t last = 0;
  while (!done.load()) {
    const uint64_t now = h->Summarize().count;
    ASSERT_GE(now, last);
    ASSERT_LE(now, static_cast<uint64_t>(kRecords));
    last = now;
  }
  writer.join();
  EXPECT_EQ(h->Summarize().count, static_cast<uint64_t>(kRecords));
}

}  // namespace
}  // namespace heapd::gil
