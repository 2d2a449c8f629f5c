// The reports of a heapload run: text for people, JSON for scripts, CSV
// of the per-second time series for plots, and (hgrm.h) the latency
// distribution in HdrHistogram's format. With --runs, each run's report and
// the median of the runs.
//
// Both carry the same figures: for each stream of calls (the workload, the
// stats pollers, the convoy) throughput in requests/s and heap operations/s,
// latency p50/p90/p99/p99.9/max, errors by status code and the check
// sent == succeeded + failed; the spread of throughput over the workload's
// connections (min, max, Jain's fairness index); with --scenario, the
// scenario's iterations and expectations (a `scenario` section); and the
// server's interpreter lock over the measured window, from the difference
// of two Stats snapshots (LOCK and SERVER sections).
//
// What the server can and cannot give: heapd's Histogram message carries
// count, sum and percentiles but no buckets, so percentiles of a window
// cannot be computed from two snapshots. The report gives the window's mean
// wait (delta of sum / delta of count) and, for p50/p99, the after-snapshot's
// values, which cover everything since the server started
// (`wait_percentiles_scope` says so). Likewise `waiters_peak` is the peak
// since start. Run heapd fresh for each measurement to make those the run's.
//
// Example:
//   std::cout << heapd::heapload::TextReport(*result);
//   std::cout << heapd::heapload::JsonReport(*result);
#ifndef HEAPD_CLIENT_HEAPLOAD_REPORT_H_
#define HEAPD_CLIENT_HEAPLOAD_REPORT_H_

#include <cstdint>
#include <string>
#include <vector>

#include "client/heapload/runner.h"

namespace heapd::heapload {

// Jain's fairness index of `values`: (sum x)^2 / (n * sum x^2), 1 when all
// are equal, 1/n when one takes everything. 1 for an empty or all-zero list
// (nothing was unfair).
double JainsFairnessIndex(const std::vector<double>& values);

// The human-readable report, several lines ending in a newline.
std::string TextReport(const RunResult& result);

// The JSON report: one object with every figure of the text report, the
// options, when it ran (`timestamp_unix_ns`, `timestamp`), the server's
// version and configuration (`server_config`), heapload's own load
// (`client`), the schedule and the per-second `time_series` (the columns
// of TimeSeriesColumns, null where a figure is unknown). Pretty-printed,
// ends in a newline.
std::string JsonReport(const RunResult& result);

// The per-second time series of every run as CSV: a header line, then one
// row per sample; the first column is the run (from 1), the others are
// TimeSeriesColumns (empty where a figure is unknown).
std::string CsvReport(const std::vector<RunResult>& runs);

// Several runs of one configuration: each run's text report under
// "run K of N", then a table of the runs and their median.
std::string TextRunsReport(const std::vector<RunResult>& runs);

// Several runs as JSON: {"runs": [each run's JsonReport object], "median":
// {...}} with the median of the figures of RunFigureColumns.
std::string JsonRunsReport(const std::vector<RunResult>& runs);

}  // namespace heapd::heapload

#endif  // HEAPD_CLIENT_HEAPLOAD_REPORT_H_
