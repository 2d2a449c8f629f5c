// `heapctl run`: reads a scenario file, parses it, runs it against heapd and
// turns the result into an exit code. Two entry points:
//
// RunScenarioFile, for a caller that already holds a connected client
// (heapctl's Context has one, set up from --server and --deadline):
//
//   return heapd::scenario::RunScenarioFile(
//       context.client, context.args.words[0],
//       {.verbose = context.args.Has("verbose"),
//        .quiet = context.args.Has("quiet"), .json = context.json},
//       context.out, context.err);
//
// RunScenarioCommand, for a bare argument list that names heapd itself
// (tests/scenario_test.cc checks the exit codes through it):
//
//   return heapd::scenario::RunScenarioCommand(
//       {"scen.heap", "--server=127.0.0.1:50051"}, std::cout, std::cerr);
//
// RunScenarioCommand's arguments:
//   FILE               the scenario (docs/scenarios.md)
//   --server=ADDR      heapd's address (default 127.0.0.1:50051)
//   --verbose          also print statements inside repeat blocks
//   --quiet            print only `print` output and failures
//   --json             instead of the statement log, print one JSON object:
//                      {"file", "ok", "statements", "expectations_passed",
//                       "failures": [...], "error"}
//   --deadline_ms=N    per-call deadline (default 10000)
// The statement log goes to `out`; usage, parse and connection errors and
// failed expectations (again, as a list at the end) go to `err`.
//
// A scenario does not own the heap it runs on. When the heap held objects
// before the scenario started (other sessions', or garbage), `err` says so
// where it matters: a one-line note before the run when the scenario uses a
// heap-wide statement (gc.freeze, gc.unfreeze, gc.threshold, gc.enable,
// gc.disable, gc.debug), which acts on those objects too or changes the
// collector for everyone; and, when an expectation failed, a hint that the
// scenario may expect a fresh heap and how to start one.
//
// Exit codes: 0 every expectation held; 1 an expectation failed or a
// statement could not run; 2 bad usage, an unreadable file or a parse error.
//
// Thread safety: no shared state; reentrant.
#ifndef HEAPD_CLIENT_SCENARIO_RUN_COMMAND_H_
#define HEAPD_CLIENT_SCENARIO_RUN_COMMAND_H_

#include <functional>
#include <ostream>
#include <string>
#include <vector>

#include "client/heap_client.h"
#include "client/scenario/runner.h"
#include "client/session.h"

namespace heapd::scenario {

struct RunFileOptions {
  // Also print the statements inside repeat blocks.
  bool verbose = false;
  // Print only `print` output and failures.
  bool quiet = false;
  // One JSON object instead of the statement log (see above).
  bool json = false;
  // RunOptions::at_end: called before the scenario's session closes.
  std::function<void(const client::Session& session,
                     const NamedObjects& objects)>
      at_end;
};

// Reads, parses and runs `file` through `heap`; the exit code above.
int RunScenarioFile(const client::HeapClient& heap, const std::string& file,
                    const RunFileOptions& options, std::ostream& out,
                    std::ostream& err);

// Parses `args` (the flags above), connects, and runs RunScenarioFile.
int RunScenarioCommand(const std::vector<std::string>& args, std::ostream& out,
                       std::ostream& err);

}  // namespace heapd::scenario

#endif  // HEAPD_CLIENT_SCENARIO_RUN_COMMAND_H_
