// Where heapload's reports go: stdout and the files --output, --format and
// --hdr_file ask for.
//
// Without --output the one format asked (text unless --format or --json
// says otherwise) goes to stdout. With --output every format goes to its
// file (OutputPath) and the text report still goes to stdout. --hdr_file
// gets each run's workload latency distribution (HdrPath).
// Formats of several runs (--runs): text and json report each run and the
// median; csv has a row per second of every run; hgrm is the distribution
// of all the runs' calls together.
//
// Example:
//   absl::Status written = WriteReports(options, runs, std::cout);
#ifndef HEAPD_CLIENT_HEAPLOAD_OUTPUT_FILES_H_
#define HEAPD_CLIENT_HEAPLOAD_OUTPUT_FILES_H_

#include <ostream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "client/heapload/options.h"
#include "client/heapload/runner.h"

namespace heapd::heapload {

// `format` ("text", "json", "csv", "hgrm") of `runs` (one or more).
std::string RenderReport(const std::string& format,
                         const std::vector<RunResult>& runs);

// Writes every report; a file that cannot be written is an error naming it
// (the others are still written).
absl::Status WriteReports(const Options& options,
                          const std::vector<RunResult>& runs,
                          std::ostream& out);

}  // namespace heapd::heapload

#endif  // HEAPD_CLIENT_HEAPLOAD_OUTPUT_FILES_H_
