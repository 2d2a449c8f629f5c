#include "client/heapload/hgrm.h"

#include <algorithm>
#include <cmath>
#include <cstdint>

#include "absl/strings/str_format.h"

namespace heapd::heapload {
namespace {

constexpr double kNanosPerMicro = 1000.0;
constexpr int kTicksPerHalfDistance = 5;

// HdrHistogram's next percentile level after `level`: the distance to 100
// is cut in halves, each reported in kTicksPerHalfDistance steps.
double NextLevel(double level) {
  const int64_t halvings =
      static_cast<int64_t>(std::log2(100.0 / (100.0 - level))) + 1;
  const double ticks = kTicksPerHalfDistance * std::pow(2.0, halvings);
  return level + 100.0 / ticks;
}

std::string Row(double value_ns, double level, int64_t count) {
  const double fraction = level / 100.0;
  return absl::StrFormat("%12.3f %2.12f %10d %14.2f\n",
                         value_ns / kNanosPerMicro, fraction, count,
                         1.0 / (1.0 - fraction));
}

}  // namespace

std::string HgrmReport(const ResponseTimeHistogram& h) {
  std::string out =
      absl::StrFormat("%12s %14s %10s %14s\n\n", "Value", "Percentile",
                      "TotalCount", "1/(1-Percentile)");
  const int64_t total = h.count();
  double variance_sum = 0;
  int64_t cumulative = 0;
  double level = 0;
  for (int b = 0; b < ResponseTimeHistogram::kBuckets && cumulative < total;
       ++b) {
    const int64_t count = h.CountAt(b);
    if (count == 0) continue;
    cumulative += count;
    const int64_t low = ResponseTimeHistogram::BucketLow(b);
    const int64_t high =
        std::min(ResponseTimeHistogram::BucketHigh(b), h.max());
    const double middle =
        low + (ResponseTimeHistogram::BucketHigh(b) - low) / 2.0;
    variance_sum += count * (middle - h.mean()) * (middle - h.mean());
    // The bucket that holds the last value reports once, then the 100% row.
    while (100.0 * static_cast<double>(cumulative) / total >= level) {
      if (cumulative == total) break;
      out += Row(static_cast<double>(high), level, cumulative);
      level = NextLevel(level);
    }
    if (cumulative == total) {
      if (level < 100.0) out += Row(static_cast<double>(high), level, total);
      out += absl::StrFormat("%12.3f %2.12f %10d\n", h.max() / kNanosPerMicro,
                             1.0, total);
    }
  }
  const double deviation =
      total > 0 ? std::sqrt(variance_sum / static_cast<double>(total)) : 0;
  out += absl::StrFormat("#[Mean    = %12.3f, StdDeviation   = %12.3f]\n",
                         h.mean() / kNanosPerMicro, deviation / kNanosPerMicro);
  out += absl::StrFormat("#[Max     = %12.3f, Total count    = %12d]\n",
                         h.max() / kNanosPerMicro, total);
  out += absl::StrFormat("#[Buckets = %12d, SubBuckets     = %12d]\n",
                         ResponseTimeHistogram::kHdrBuckets,
                         ResponseTimeHistogram::kHdrSubBuckets);
  return out;
}

}  // namespace heapd::heapload
