// The per-second time series of a heapload run: each second the workload's
// throughput, latency and errors over that second, the figures since the
// end of the warm-up beside them, and the server's interpreter lock over the
// second (from two Stats calls asking for the LOCK section only, which heapd
// answers without taking the lock), and heapload's own CPU use.
//
// The progress lines on stderr print the same samples: one line for the
// last second, one for the run since the end of the warm-up, so that
// window and cumulative figures never share a line.
//
// Example:
//   TimeSample s;
//   ...fill the counts...
//   SetLockFigures(&previous_stats, stats_now, &s);
//   std::cerr << ProgressLines(s);
#ifndef HEAPD_CLIENT_HEAPLOAD_TIME_SERIES_H_
#define HEAPD_CLIENT_HEAPLOAD_TIME_SERIES_H_

#include <cstdint>
#include <string>

#include "proto/heap.pb.h"

namespace heapd::heapload {

struct TimeSample {
  // The end of the second, in seconds since the run started (warm-up
  // included), and whether it lies in the warm-up.
  double t_s = 0;
  bool warmup = false;
  // The run has a warm-up (the progress lines then say "since warm-up
  // end", else "since start").
  bool has_warmup = false;
  // The schedule's stage (its step from 0) and targets: calls in flight
  // allowed, and the open loop's rate (0: closed loop).
  int stage = 0;
  int stages = 0;
  int target_concurrency = 0;
  double target_rate = 0;
  // The workload's calls that ended within this second (warm-up included)
  // and their latency.
  double interval_s = 0;
  int64_t completed = 0;
  int64_t failed = 0;
  double requests_per_s = 0;
  int64_t p50_ns = 0;
  int64_t p99_ns = 0;
  int64_t max_ns = 0;
  int64_t in_flight = 0;
  // Since the end of the warm-up (the run's measured figures so far).
  int64_t total_succeeded = 0;
  int64_t total_failed = 0;
  double total_requests_per_s = 0;
  int64_t total_p99_ns = 0;
  // The server's lock over this second; lock_available is false when a
  // Stats call failed (or for the first second without a previous one).
  bool lock_available = false;
  double lock_held_share = 0;
  int64_t lock_acquisitions = 0;
  double lock_contended_share = 0;
  double lock_wait_mean_ns = 0;
  int64_t lock_waiters = 0;
  // heapload's CPU time over the second, in cores (1.0: one core busy).
  double client_cpu_cores = 0;
};

// The lock figures of `sample` from two Stats responses (LOCK section) a
// second apart; leaves lock_available false when `previous` is null.
void SetLockFigures(const v1::StatsResponse* previous,
                    const v1::StatsResponse& now, TimeSample* sample);

// Two lines, each ending in a newline: the last second, then the run since
// the end of the warm-up.
std::string ProgressLines(const TimeSample& sample);

// The schedule's stage as people read it: "step 3/32" ("" without one).
std::string StageLabel(const TimeSample& sample);

// This process's CPU time so far (user + system), in seconds.
double ProcessCpuSeconds();

// CPUs this process may run on.
int CoresAvailable();

}  // namespace heapd::heapload

#endif  // HEAPD_CLIENT_HEAPLOAD_TIME_SERIES_H_
