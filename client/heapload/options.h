// heapload's command line: the flags, their defaults, and the rules that
// relate them.
//
// ParseOptions reads `--name=value` or `--name value` (dashes and
// underscores in names are the same; a boolean may stand alone) and returns
// INVALID_ARGUMENT with a message for the person who typed the flag:
// unknown flags, malformed numbers or durations, and combinations that make
// no sense (--concurrency below --connections, --mix without the mixed
// workload, neither --duration nor --requests positive, ...). --scenario
// FILE is read and parsed here, so a scenario that does not parse (its
// message reads "FILE:LINE: ...") or that heapload cannot run is refused
// like any other bad flag, before anything is sent.
//
// Example:
//   absl::StatusOr<heapd::heapload::Options> options =
//       heapd::heapload::ParseOptions({"--connections=64",
//                                      "--workload=alloc-free",
//                                      "--duration=10s"});
//   // options->concurrency == 64 (one call in flight per connection)
#ifndef HEAPD_CLIENT_HEAPLOAD_OPTIONS_H_
#define HEAPD_CLIENT_HEAPLOAD_OPTIONS_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "client/client_security.h"
#include "client/heapload/schedule.h"
#include "client/heapload/workloads.h"
#include "client/scenario/parser.h"
#include "client/server_address.h"

namespace heapd::heapload {

struct Options {
  // HOST:PORT of the one heapd this run targets.
  // $HEAPD_SERVER, else heapd's default address (client/server_address.h).
  std::string server = client::DefaultServerAddress();
  // TLS and the bearer token (--tls_ca, --tls_cert, --tls_key,
  // --tls_server_name, --token_file; see client_security.h).
  client::SecurityFlags security;
  // Distinct TCP connections (channels that share no subchannel).
  int connections = 1;
  // Calls in flight in total, spread round-robin over the connections.
  int concurrency = 1;
  // The measured part of the run; with --requests, whichever ends first.
  absl::Duration duration = absl::Seconds(10);
  // Measured requests (calls) to send; 0: no cap.
  int64_t requests = 0;
  // Open loop: requests per second in total, each at its intended send
  // time; 0: closed loop (each slot sends again when its reply arrives).
  double rate = 0;
  // Run this long before measuring; its calls are not in the results.
  absl::Duration warmup = absl::ZeroDuration();
  // Operations per Batch call; 0 sends single-operation RPCs.
  int batch = 0;
  // Batches ask for the failed operations' results only.
  bool errors_only = false;
  WorkloadKind workload = WorkloadKind::kPing;
  // --scenario FILE (workload kScenario): the file as given, and what it
  // parsed to (shared by every slot).
  std::string scenario_file;
  std::shared_ptr<const scenario::Scenario> scenario;
  std::vector<MixWeight> mix = {{WorkloadKind::kAllocFree, 1},
                                {WorkloadKind::kCycles, 1},
                                {WorkloadKind::kLinkChurn, 1}};
  // Stats pollers beside the workload, each polling --stats_rate times a
  // second (open loop).
  int stats_pollers = 0;
  double stats_rate = 10;
  // When > 0: one extra connection runs alloc-free Batch calls of this many
  // operations back to back (closed loop) beside the workload, which then
  // shows the wait that long lock holders impose on short calls.
  int convoy_batch = 0;
  // Objects each link-churn slot keeps alive.
  int live_objects = 8;
  // Deadline of every call, and how long connecting may take.
  absl::Duration timeout = absl::Seconds(10);
  // The whole run, warm-up and draining included, ends by then whatever
  // happens (calls still in flight are cancelled). 0: warmup + duration +
  // 30 s, or 10 min with --requests alone.
  absl::Duration deadline = absl::ZeroDuration();
  // Closed loop: calls in flight over time (--schedule); concurrency is
  // then the schedule's highest level. Open loop: the rate over time
  // (--rate_schedule). At most one is active.
  Schedule schedule;
  Schedule rate_schedule;
  // The run is repeated this many times, each reported, then the median.
  int runs = 1;
  // The reports to write: "text", "json", "csv" (the per-second time
  // series), "hgrm" (the latency distribution), in the order given.
  std::vector<std::string> formats = {"text"};
  // Base name of the report files: each format goes to OUTPUT.<txt|json|
  // csv|hgrm> (OUTPUT itself when it already ends so and one format is
  // asked). Empty: the one format on stdout.
  std::string output;
  // The workload's latency distribution, HdrHistogram's percentile format
  // (--hdr_file; with --runs, PATH gets -run<K> before its extension).
  std::string hdr_file;
  // JSON report on stdout instead of text (--json: --format=json).
  bool json = false;
  // A progress line on stderr every second.
  bool progress = true;
  // Copied into the report, for scripts that run many configurations.
  std::string label;
  // OpenSession's client_name (suffixed with the connection number).
  std::string client_name = "heapload";
};

// Parses the arguments after the program name.
absl::StatusOr<Options> ParseOptions(const std::vector<std::string>& args);

// The --help text.
std::string Usage();

// The file that format `format` goes to under --output: "" without
// --output (stdout).
std::string OutputPath(const Options& options, const std::string& format);

// --hdr_file's path for run `run` (1-based) of options.runs.
std::string HdrPath(const Options& options, int run);

// The run's overall deadline after defaults: options.deadline if set.
absl::Duration EffectiveDeadline(const Options& options);

}  // namespace heapd::heapload

#endif  // HEAPD_CLIENT_HEAPLOAD_OPTIONS_H_
