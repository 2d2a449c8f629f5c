// The exposition formats /metrics serves, written from prometheus-cpp's
// metric families: Prometheus text 0.0.4 (the bytes prometheus-cpp 1.0.1's
// TextSerializer writes, at a fraction of its cost: docs/metrics.md says
// why it is not used) and OpenMetrics 1.0.0 (prometheus-cpp 1.0.1 has no
// serializer for it), chosen by the scraper's Accept header as Prometheus
// itself asks:
//   Accept: application/openmetrics-text;version=1.0.0,...;q=0.5,text/plain...
//
// Pure functions.
//
// Example:
//   Format format = NegotiateFormat(accept_header);
//   std::string body = Serialize(families, format);
//   // Content-Type: ContentType(format)
#ifndef HEAPD_SERVER_METRICS_EXPOSITION_H_
#define HEAPD_SERVER_METRICS_EXPOSITION_H_

#include <prometheus/metric_family.h>

#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace heapd::server::metrics {

enum class Format { kText, kOpenMetrics };

// OpenMetrics when `accept` names application/openmetrics-text with no
// q=0, else the text format.
Format NegotiateFormat(absl::string_view accept);

const char* ContentType(Format format);

// Every family with its HELP and TYPE. In OpenMetrics a counter family's
// name drops its "_total" (its samples keep it) and the body ends "# EOF".
std::string Serialize(const std::vector<prometheus::MetricFamily>& families,
                      Format format);
// The same, appended to `out` (whose capacity a caller may keep between
// scrapes).
void SerializeTo(const std::vector<prometheus::MetricFamily>& families,
                 Format format, std::string* out);

}  // namespace heapd::server::metrics

#endif  // HEAPD_SERVER_METRICS_EXPOSITION_H_
