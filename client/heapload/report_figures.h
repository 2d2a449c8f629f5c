// The figures of a heapload run that every report format shows, computed
// once from a RunResult: latency percentiles, the server's lock and RPC
// counters over the measured window, fairness over the connections, the
// server's configuration, and whether heapload itself was the bottleneck.
// The writers (report_text.cc, report_json.cc, report_csv.cc) only lay them
// out.
#ifndef HEAPD_CLIENT_HEAPLOAD_REPORT_FIGURES_H_
#define HEAPD_CLIENT_HEAPLOAD_REPORT_FIGURES_H_

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "client/heapload/response_time_histogram.h"
#include "client/heapload/runner.h"

namespace heapd::heapload {

inline double PerSecond(double count, double seconds) {
  return seconds > 0 ? count / seconds : 0.0;
}

inline double Ratio(double a, double b) { return b != 0 ? a / b : 0.0; }

struct LatencyFigures {
  int64_t count, min, p50, p90, p99, p999, max;
  double mean;
};

struct KindFigures {
  std::string kind;
  int64_t acquisitions, contended;
  double wait_mean_ns, hold_mean_ns;
  int64_t wait_p99_ns, hold_p99_ns;  // since server start
};

// The server's lock and RPC counters over the window between two snapshots.
struct ServerFigures {
  bool available = false;
  std::string error;
  std::string policy;
  int64_t switch_interval_ns = 0;
  double wall_s = 0;
  double held_share = 0;
  int64_t acquisitions = 0, contended = 0;
  double contended_share = 0;
  double wait_mean_ns = 0, hold_mean_ns = 0;
  int64_t wait_p50_ns = 0, wait_p90_ns = 0, wait_p99_ns = 0, wait_p999_ns = 0,
          wait_max_ns = 0;
  int64_t handoffs = 0;
  double handoffs_per_s = 0;
  int64_t waiters_peak = 0, forced_switches = 0, drop_requests = 0;
  std::vector<KindFigures> by_kind;
  int64_t rpcs = 0, rpc_errors = 0, sessions_open = 0;
  std::map<std::string, int64_t> calls_by_method;
};

struct FairnessFigures {
  int connections = 0;
  double min_rps = 0, max_rps = 0, jain = 1;
};

LatencyFigures LatencyOf(const ResponseTimeHistogram& h);

// The server's lock and RPC counters over the window between the two Stats
// snapshots; `available` false (with `error`) without them.
ServerFigures ServerFiguresOf(const RunResult& r);

FairnessFigures FairnessOf(const RunResult& r);

// Why the lock's wait percentiles cover the server's whole life.
extern const char* const kPercentileScope;

// The server's configuration as its Stats reports it.
struct ServerConfigFigures {
  bool available = false;
  std::string version;
  int64_t started_unix_ns = 0;
  std::string lock_policy;
  int64_t switch_interval_ns = 0;
  std::string layout;
  int64_t arena_size = 0, pool_size = 0, small_request_threshold = 0;
  std::string arena_release;
  int64_t max_heap_bytes = 0, max_objects = 0, max_lock_waiters = 0;
  bool gc_enabled = false;
  std::vector<int64_t> gc_thresholds;
};

ServerConfigFigures ServerConfigOf(const RunResult& r);

// heapload's own load over the measured window, and the verdict: heapload
// was likely the bottleneck when it kept about a core busy (or all of the
// cores it may use) while the server's lock was free most of the time.
struct ClientLoadFigures {
  double cpu_s = 0;
  double cores_used = 0;
  int cores_available = 1;
  bool lock_known = false;
  double lock_held_share = 0;
  bool bottleneck = false;
  // The warning for people, empty when bottleneck is false.
  std::string warning;
};

ClientLoadFigures ClientLoadOf(const RunResult& r);

// A column of the time series, shared by the JSON and CSV writers; nullopt
// where the figure is unknown (the lock's, when a Stats call failed).
struct SeriesColumn {
  const char* name;
  std::function<std::optional<double>(const TimeSample&)> value;
};
const std::vector<SeriesColumn>& TimeSeriesColumns();

// A figure of a whole run, shared by the runs' text table and JSON median.
struct RunColumn {
  const char* name;
  std::function<double(const RunResult&)> value;
};
const std::vector<RunColumn>& RunFigureColumns();

// The median of `values` (the mean of the middle two for an even count; 0
// when empty).
double Median(std::vector<double> values);

}  // namespace heapd::heapload

#endif  // HEAPD_CLIENT_HEAPLOAD_REPORT_FIGURES_H_
