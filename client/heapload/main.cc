// heapload: a load generator for heapd's interpreter lock. Many connections,
// many calls in flight, open or closed loop, schedules of either, and the
// server's own lock statistics over the run. See docs/heapload.md and
// `heapload --help`.
//
// Output: the report on stdout (text unless --format/--json says otherwise)
// and the files of --output and --hdr_file (output_files.h); progress lines
// and errors on stderr.
// Exit codes: 0 after the runs (whatever the calls returned); 1 when a run
// could not start (nothing listens, no session, too few file descriptors)
// or a report file could not be written; 2 for invalid flags (a --scenario
// file that does not parse, or that heapload cannot run, included).
#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include "client/heapload/options.h"
#include "client/heapload/output_files.h"
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
  std::vector<heapd::heapload::RunResult> runs;
  bool deadline_hit = false;
  for (int i = 1; i <= options->runs; ++i) {
    if (options->runs > 1 && options->progress) {
      std::cerr << "heapload: run " << i << " of " << options->runs << "\n";
    }
    absl::StatusOr<heapd::heapload::RunResult> result =
        heapd::heapload::RunLoad(*options, &std::cerr);
    if (!result.ok()) {
      std::cerr << "heapload: " << result.status().message() << "\n";
      return 1;
    }
    deadline_hit = deadline_hit || result->deadline_hit;
    runs.push_back(*std::move(result));
  }
  const absl::Status written =
      heapd::heapload::WriteReports(*options, runs, std::cout);
  if (!written.ok()) {
    std::cerr << "heapload: " << written.message() << "\n";
  }
  const int code = written.ok() ? 0 : 1;
  // Calls the hard deadline could not end may still hold the run's state.
  if (deadline_hit) std::_Exit(code);
  return code;
}
