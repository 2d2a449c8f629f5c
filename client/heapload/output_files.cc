#include "client/heapload/output_files.h"

#include <cerrno>
#include <cstring>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "client/heapload/hgrm.h"
#include "client/heapload/report.h"

namespace heapd::heapload {
namespace {

absl::Status WriteFile(const std::string& path, const std::string& text) {
  std::ofstream file(path, std::ios::binary | std::ios::trunc);
  file << text;
  file.close();
  if (!file) {
    return absl::UnavailableError(
        absl::StrCat("cannot write ", path, ": ", std::strerror(errno)));
  }
  return absl::OkStatus();
}

const ResponseTimeHistogram& WorkloadLatency(const RunResult& run) {
  static const ResponseTimeHistogram* const kEmpty = new ResponseTimeHistogram;
  return run.streams.empty() ? *kEmpty : run.streams.front().latency;
}

}  // namespace

std::string RenderReport(const std::string& format,
                         const std::vector<RunResult>& runs) {
  if (format == "csv") return CsvReport(runs);
  if (format == "hgrm") {
    ResponseTimeHistogram all;
    for (const RunResult& run : runs) all.Merge(WorkloadLatency(run));
    return HgrmReport(all);
  }
  if (runs.size() == 1) {
    return format == "json" ? JsonReport(runs[0]) : TextReport(runs[0]);
  }
  return format == "json" ? JsonRunsReport(runs) : TextRunsReport(runs);
}

absl::Status WriteReports(const Options& options,
                          const std::vector<RunResult>& runs,
                          std::ostream& out) {
  absl::Status status;
  if (options.output.empty()) {
    out << RenderReport(options.formats.front(), runs);
  } else {
    out << RenderReport("text", runs);
    for (const std::string& format : options.formats) {
      status.Update(
          WriteFile(OutputPath(options, format), RenderReport(format, runs)));
    }
  }
  out.flush();
  if (!options.hdr_file.empty()) {
    for (size_t i = 0; i < runs.size(); ++i) {
      status.Update(WriteFile(HdrPath(options, static_cast<int>(i) + 1),
                              HgrmReport(WorkloadLatency(runs[i]))));
    }
  }
  return status;
}

}  // namespace heapd::heapload
