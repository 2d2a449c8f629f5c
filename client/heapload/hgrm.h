// The latency distribution as an HdrHistogram percentile distribution
// (".hgrm"), the text HdrHistogram's outputPercentileDistribution prints
// and memtier_benchmark's --hdr-file-prefix writes, so that HdrHistogram's
// plotters read it:
//
//          Value     Percentile TotalCount 1/(1-Percentile)
//
//         12.031 0.000000000000          1           1.00
//        ...
//        812.543 1.000000000000      20000
//   #[Mean    =       35.112, StdDeviation   =       20.501]
//   #[Max     =      812.543, Total count    =        20000]
//   #[Buckets =           56, SubBuckets     =          256]
//
// Values are in microseconds (the histogram holds nanoseconds). Rows follow
// HdrHistogram's percentile iteration with 5 ticks per half distance: the
// percentile levels 0, 10, 20 ... 50, 55 ... 75, 77.5 ... each reported at
// the highest value of the bucket that reaches it, the last row at 100%
// without the 1/(1-Percentile) column. The bucket layout of
// ResponseTimeHistogram is HdrHistogram's with 256 sub-buckets, which the
// footer states.
//
// Example:
//   std::ofstream(path) << HgrmReport(result.streams[0].latency);
#ifndef HEAPD_CLIENT_HEAPLOAD_HGRM_H_
#define HEAPD_CLIENT_HEAPLOAD_HGRM_H_

#include <string>

#include "client/heapload/response_time_histogram.h"

namespace heapd::heapload {

std::string HgrmReport(const ResponseTimeHistogram& histogram);

}  // namespace heapd::heapload

#endif  // HEAPD_CLIENT_HEAPLOAD_HGRM_H_
