#include "client/heapload/response_time_histogram.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

#include "gtest/gtest.h"

namespace heapd::heapload {
namespace {

// The exact percentile by the same definition: the smallest value with at
// least p% of the values at or below it.
int64_t ExactPercentile(std::vector<int64_t> values, double p) {
  std::sort(values.begin(), values.end());
  int64_t rank = static_cast<int64_t>(
      std::ceil(p / 100.0 * static_cast<double>(values.size())));
  rank = std::clamp<int64_t>(rank, 1, static_cast<int64_t>(values.size()));
  return values[rank - 1];
}

double RelativeError(int64_t got, int64_t want) {
  if (want == 0) return got == 0 ? 0.0 : 1.0;
  return std::abs(static_cast<double>(got - want)) / static_cast<double>(want);
}

TEST(ResponseTimeHistogramTest, EmptyReportsZeros) {
  ResponseTimeHistogram h;
  EXPECT_EQ(h.count(), 0);
  EXPECT_EQ(h.Percentile(99), 0);
  EXPECT_EQ(h.min(), 0);
  EXPECT_EQ(h.max(), 0);
  EXPECT_EQ(h.mean(), 0.0);
}

TEST(ResponseTimeHistogramTest, SmallValuesAreExact) {
  ResponseTimeHistogram h;
  for (int v = 0; v < 256; ++v) h.Record(v);
  EXPECT_EQ(h.Percentile(50), 127);
  EXPECT_EQ(h.Percentile(100), 255);
  EXPECT_EQ(h.min(), 0);
  EXPECT_EQ(h.max(), 255);
}

TEST(ResponseTimeHistogramTest, BucketsTileTheRangeWithoutGaps) {
  for (int b = 1; b < ResponseTimeHistogram::kBuckets; ++b) {
    ASSERT_EQ(ResponseTimeHistogram::BucketLow(b),
              ResponseTimeHistogram::BucketHigh(b - 1) + 1)
        << "bucket " << b;
  }
  EXPECT_EQ(
      ResponseTimeHistogram::BucketHigh(ResponseTimeHistogram::kBuckets - 1),
      INT64_MAX);
  EXPECT_EQ(ResponseTimeHistogram::BucketOf(INT64_MAX),
            ResponseTimeHistogram::kBuckets - 1);
}

TEST(ResponseTimeHistogramTest, EveryValueLandsInItsBucket) {
  std::mt19937_64 rng(7);
  for (int i = 0; i < 100000; ++i) {
    const int64_t v = static_cast<int64_t>(rng() >> (rng() % 63 + 1));
    const int b = ResponseTimeHistogram::BucketOf(v);
    ASSERT_LE(ResponseTimeHistogram::BucketLow(b), v);
    ASSERT_GE(ResponseTimeHistogram::BucketHigh(b), v);
  }
}

// The promise: every reported percentile within 1% of the exact one, over
// distributions shaped like latencies (log-normal, bimodal with a far tail,
// uniform over a wide range).
TEST(ResponseTimeHistogramTest, PercentilesWithinOnePercent) {
  std::mt19937_64 rng(42);
  std::lognormal_distribution<double> lognormal(11.0, 1.5);  // ~60 us median
  std::uniform_int_distribution<int64_t> wide(1, int64_t{1} << 40);
  std::vector<std::vector<int64_t>> samples(3);
  for (int i = 0; i < 200000; ++i) {
    samples[0].push_back(static_cast<int64_t>(lognormal(rng)));
    samples[1].push_back(i % 100 == 0 ? 50'000'000 + i : 20'000 + i % 977);
    samples[2].push_back(wide(rng));
  }
  for (const std::vector<int64_t>& values : samples) {
    ResponseTimeHistogram h;
    for (int64_t v : values) h.Record(v);
    ASSERT_EQ(h.count(), static_cast<int64_t>(values.size()));
    for (double p : {1.0, 10.0, 50.0, 90.0, 99.0, 99.9, 99.99, 100.0}) {
      const int64_t want = ExactPercentile(values, p);
      EXPECT_LE(RelativeError(h.Percentile(p), want), 0.01)
          << "p" << p << ": got " << h.Percentile(p) << ", want " << want;
    }
    EXPECT_EQ(h.max(), *std::max_element(values.begin(), values.end()));
    EXPECT_EQ(h.min(), *std::min_element(values.begin(), values.end()));
  }
}

TEST(ResponseTimeHistogramTest, MergeEqualsRecordingEverything) {
  ResponseTimeHistogram a, b, all;
  for (int64_t v = 1; v < 100000; v += 7) {
    (v % 2 ? a : b).Record(v * 13);
    all.Record(v * 13);
  }
  a.Merge(b);
  EXPECT_EQ(a.count(), all.count());
  EXPECT_EQ(a.min(), all.min());
  EXPECT_EQ(a.max(), all.max());
  EXPECT_DOUBLE_EQ(a.mean(), all.mean());
  for (double p : {50.0, 99.0, 99.9}) {
    EXPECT_EQ(a.Percentile(p), all.Percentile(p));
  }
  a.Reset();
  EXPECT_EQ(a.count(), 0);
  EXPECT_EQ(a.Percentile(50), 0);
}

TEST(ResponseTimeHistogramTest, NegativeValuesCountAsZero) {
  ResponseTimeHistogram h;
  h.Record(-5);
  EXPECT_EQ(h.count(), 1);
  EXPECT_EQ(h.max(), 0);
  EXPECT_EQ(h.Percentile(50), 0);
}

}  // namespace
}  // namespace heapd::heapload
