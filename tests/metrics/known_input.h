// A MetricsInput with known figures in every section, and gRPC metrics with
// known calls, for the exposition tests.
#ifndef HEAPD_TESTS_METRICS_KNOWN_INPUT_H_
#define HEAPD_TESTS_METRICS_KNOWN_INPUT_H_

#include <prometheus/metric_family.h>

#include <vector>

#include "server/metrics/heapd_families.h"

namespace heapd::testing {

// Figures: 3 generations (collections 7, 2, 1), 42 live ints of 1344 bytes
// and 5 lists, lock kinds "Allocate" (10 acquisitions, 4 contended) and
// "Stats", size class 1 with 3 blocks in use and 250 free, collection
// pauses (one in generation 0, two in generation 1), version "9.9.9",
// layout "classic", policy "cpython"; and each of the lock's, the server's
// and the collector's single figures a value of its own (11 to 22).
server::metrics::MetricsInput KnownInput();

// KnownInput's families followed by gRPC metrics after two OK Allocate
// calls and one NOT_FOUND Incref.
std::vector<prometheus::MetricFamily> KnownFamilies();

// A family of each type with awkward values (fractions, large integers,
// -0, NaN, infinities), label values with a backslash and a quote, a
// timestamp, a histogram without a +Inf bucket: for the serializers.
std::vector<prometheus::MetricFamily> EdgeFamilies();

}  // namespace heapd::testing

#endif  // HEAPD_TESTS_METRICS_KNOWN_INPUT_H_
