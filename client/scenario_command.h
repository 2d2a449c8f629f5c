// `heapctl run`: reads a scenario file, parses it, runs it against heapd and
// turns the result into an exit code. Everything heapctl's `run` subcommand
// needs is this one call:
//
//   if (command == "run") return heapd::scenario::RunScenarioCommand(
//       rest_of_args, std::cout, std::cerr);
//
// Arguments (what follows `run`):
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
// Exit codes: 0 every expectation held; 1 an expectation failed or a
// statement could not run; 2 bad usage, an unreadable file or a parse error.
//
// Thread safety: no shared state; reentrant.
#ifndef HEAPD_CLIENT_SCENARIO_COMMAND_H_
#define HEAPD_CLIENT_SCENARIO_COMMAND_H_

#include <ostream>
#include <string>
#include <vector>

namespace heapd::scenario {

int RunScenarioCommand(const std::vector<std::string>& args,
                       std::ostream& out, std::ostream& err);

}  // namespace heapd::scenario

#endif  // HEAPD_CLIENT_SCENARIO_COMMAND_H_
