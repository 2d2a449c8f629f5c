// A minimal HTTP/1.1 client for the metrics tests: one request per
// connection to 127.0.0.1, the whole response read until the server closes.
#ifndef HEAPD_TESTS_METRICS_HTTP_CLIENT_H_
#define HEAPD_TESTS_METRICS_HTTP_CLIENT_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace heapd::testing {

struct HttpResponse {
  int code = 0;
  std::string headers;  // the header lines, as received
  std::string body;
};

// `method` `path` on 127.0.0.1:`port` with `headers` ("Name: value" each).
// Gives up after 30 s.
absl::StatusOr<HttpResponse> HttpRequest(
    int port, const std::string& method, const std::string& path,
    const std::vector<std::string>& headers = {});

}  // namespace heapd::testing

#endif  // HEAPD_TESTS_METRICS_HTTP_CLIENT_H_
