// The CSV of the per-second time series.
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "client/heapload/report.h"
#include "client/heapload/report_figures.h"

namespace heapd::heapload {

std::string CsvReport(const std::vector<RunResult>& runs) {
  std::string out = "run";
  for (const SeriesColumn& column : TimeSeriesColumns()) {
    absl::StrAppend(&out, ",", column.name);
  }
  absl::StrAppend(&out, ",stage_label\n");
  for (size_t i = 0; i < runs.size(); ++i) {
    for (const TimeSample& sample : runs[i].time_series) {
      absl::StrAppend(&out, i + 1);
      for (const SeriesColumn& column : TimeSeriesColumns()) {
        const std::optional<double> v = column.value(sample);
        absl::StrAppend(&out, ",",
                        v.has_value() ? absl::StrFormat("%.10g", *v) : "");
      }
      // Labels hold no comma or quote ("step 3/32", "ramp").
      absl::StrAppend(&out, ",", StageLabel(sample), "\n");
    }
  }
  return out;
}

}  // namespace heapd::heapload
