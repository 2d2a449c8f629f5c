// The exposition formats /metrics serves: Prometheus text 0.0.4 (by
// prometheus-cpp's TextSerializer) and OpenMetrics 1.0.0 (written here:
// prometheus-cpp 1.0.1 has no OpenMetrics serializer), chosen by the
// scraper's Accept header as Prometheus itself asks:
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

}  // namespace heapd::server::metrics

#endif  // HEAPD_SERVER_METRICS_EXPOSITION_H_
