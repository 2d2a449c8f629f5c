// Writes the exposition of tests/metrics/known_input.h's families:
//   write_known_exposition text|openmetrics
// to standard output, for the parsers of exposition_parse_test.sh.
#include <iostream>
#include <string>

#include "server/metrics/exposition.h"
#include "tests/metrics/known_input.h"

int main(int argc, char** argv) {
  using heapd::server::metrics::Format;
  const std::string format = argc > 1 ? argv[1] : "";
  if (format != "text" && format != "openmetrics") {
    std::cerr << "usage: write_known_exposition text|openmetrics\n";
    return 2;
  }
  std::cout << heapd::server::metrics::Serialize(
      heapd::testing::KnownFamilies(),
      format == "text" ? Format::kText : Format::kOpenMetrics);
  return 0;
}
