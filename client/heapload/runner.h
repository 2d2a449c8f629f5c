// LoadRunner: drives one heapload run against one heapd and collects what
// the report needs.
//
// The run, in order:
//   1. raise the soft open-file limit if the connections need it;
//   2. open --connections channels, each with its own subchannel pool and a
//      distinct channel argument so that gRPC cannot share a TCP connection
//      between them, and wait until every one is connected;
//   3. open one session per connection (workloads that need one);
//   4. start the streams of calls: the workload (--concurrency slots
//      round-robin over the connections), the stats pollers and the convoy;
//   5. after --warmup, snapshot the server's Stats (LOCK, SERVER, fresh);
//      calls sent from then on are measured;
//   6. stop sending at --duration / --requests, wait for the calls in flight,
//      snapshot Stats again, close the sessions.
// Every second a time-series sample is taken (time_series.h): the server's
// lock from a Stats call for the LOCK section (no interpreter lock taken),
// which the progress lines print too. A --schedule raises or lowers the
// slots allowed to have a call in flight (the others wait); a
// --rate_schedule changes the open loop's interval between intended send
// times.
// A hard deadline (EffectiveDeadline) cancels whatever is still in flight.
//
// Timing. In the closed loop a slot sends its next call when the reply
// arrives. In the open loop (--rate) a dispatcher gives call i the intended
// send time start + i / rate and hands it to the next free slot; its latency
// is measured from that intended time, so a stall that keeps calls from
// being sent shows up in their latency (no coordinated omission). Calls
// whose time came but that found no free slot before the end are counted
// as `unsent_backlog`.
//
// Calls are made with the generated stub's callback API, so a few gRPC
// threads serve thousands of calls in flight.
//
// Example:
//   heapd::heapload::Options options = ...;
//   absl::StatusOr<heapd::heapload::RunResult> result =
//       heapd::heapload::RunLoad(options, &std::cerr);
#ifndef HEAPD_CLIENT_HEAPLOAD_RUNNER_H_
#define HEAPD_CLIENT_HEAPLOAD_RUNNER_H_

#include <cstdint>
#include <map>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "client/heapload/options.h"
#include "client/heapload/response_time_histogram.h"
#include "client/heapload/scenario_program.h"
#include "client/heapload/time_series.h"
#include "proto/heap.pb.h"

namespace heapd::heapload {

// One stream of calls: "workload", "stats_poll" or "convoy". Counts cover
// measured calls only (sent at or after the end of the warm-up).
struct StreamResult {
  std::string name;
  // Calls sent; every one ends as succeeded or failed (cancelled calls
  // fail), so sent == succeeded + failed.
  int64_t sent = 0;
  int64_t succeeded = 0;
  int64_t failed = 0;
  // Heap operations in the calls that succeeded (a Batch's succeeded
  // operations, 1 per single heap RPC, 0 for Ping and Stats).
  int64_t operations = 0;
  // Open loop: calls whose intended send time came before the end but that
  // never found a free slot.
  int64_t unsent_backlog = 0;
  // Failed calls by status code name ("DEADLINE_EXCEEDED", ...).
  std::map<std::string, int64_t> errors;
  // Latency in ns of every measured call, successful or not.
  ResponseTimeHistogram latency;
};

struct RunResult {
  Options options;
  // The measured window: end of warm-up to the last measured completion.
  absl::Duration measured = absl::ZeroDuration();
  // The workload stream first, then stats_poll and convoy when present.
  std::vector<StreamResult> streams;
  // Successful workload calls per workload connection (not the convoy's).
  std::vector<int64_t> per_connection_succeeded;
  int connections_opened = 0;
  int sessions_opened = 0;
  int sessions_closed = 0;
  // The soft RLIMIT_NOFILE after any raise.
  int64_t open_file_limit = 0;
  // The hard deadline cut the run short.
  bool deadline_hit = false;
  // Stats (LOCK and SERVER, fresh) at the start and end of the measured
  // window; absent (with stats_error saying why) when a Stats call failed.
  std::optional<v1::StatsResponse> stats_before;
  std::optional<v1::StatsResponse> stats_after;
  std::string stats_error;
  // --scenario: iterations and expectations over the whole run.
  std::optional<ScenarioSummary> scenario;
  // When the run started sending (Unix time, ns).
  int64_t started_unix_ns = 0;
  // The server's configuration as Stats reports it when the run starts
  // (ALLOCATOR, OBJECTS, COLLECTOR, LOCK and SERVER sections, served
  // without the interpreter lock); absent when that call failed.
  std::optional<v1::StatsResponse> server_config;
  // heapload's own CPU time (user + system) over the measured window, and
  // the CPUs it may run on.
  double client_cpu_s = 0;
  int cores_available = 1;
  // One sample a second, from the start (warm-up included).
  std::vector<TimeSample> time_series;
};

// Runs `options` to the end. Errors only for what prevents a run: no
// connection, no session, too few file descriptors. Failed calls during the
// run are results, not errors. Progress lines go to `progress` (may be
// null) about once a second.
absl::StatusOr<RunResult> RunLoad(const Options& options,
                                  std::ostream* progress);

}  // namespace heapd::heapload

#endif  // HEAPD_CLIENT_HEAPLOAD_RUNNER_H_
