// heapload: a load generator for heapd's interpreter lock. Many connections,
// many calls in flight, open or closed loop, and the server's own lock
// statistics over the run. See docs/heapload.md and `heapload --help`.
//
// Output: the report on stdout (text, or JSON with --json); progress lines
// and errors on stderr.
// Exit codes: 0 after a run (whatever the calls returned); 1 when the run
// could not start (no connection, no session, too few file descriptors);
// 2 for invalid flags (a --scenario file that does not parse, or that
// heapload cannot run, included).
#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include "client/heapload/options.h"
#include "client/heapload/report.h"
#include "client/heapload/runner.h"

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  for (const std::string& arg : args) {
    if (arg == "--help" || arg == "-h" || arg == "--helpfull") {
      std::cout << heapd::heapload::Usage();
      return 0;
    }
  }
  absl::StatusOr<heapd::heapload::Options> options =
      heapd::heapload::ParseOptions(args);
  if (!options.ok()) {
    std::cerr << "heapload: " << options.status().message() << "\n";
    return 2;
  }
  absl::StatusOr<heapd::heapload::RunResult> result =
      heapd::heapload::RunLoad(*options, &std::cerr);
  if (!result.ok()) {
    std::cerr << "heapload: " << result.status().message() << "\n";
    return 1;
  }
  std::cout << (options->json ? heapd::heapload::JsonReport(*result)
                              : heapd::heapload::TextReport(*result));
  std::cout.flush();
  // Calls the hard deadline could not end may still hold the run's state.
  if (result->deadline_hit) std::_Exit(0);
  return 0;
}
