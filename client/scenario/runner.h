// The scenario runner: executes a parsed scenario (client/scenario/parser.h)
// against heapd through the C++ client library, one statement at a time,
// and prints what each did. What each statement means lives in the
// scenario interpreter (client/scenario/interpreter.h); the runner is its
// blocking driver and its printer.
//
// The scenario runs in a session of its own: names bind to the references
// that session holds, so refcounts read like Python's (every name is one
// owner). At the end the session is closed, releasing whatever the names
// still held. Output, one line per top-level statement:
//
//      7 | del a, b -> a refcount 1; b refcount 1
//      8 | collect -> collected 2, uncollectable 0 (examined 2; generations
//      0/0/0) 9 | expect collected == 2 -> ok (collected is 2)
//
// Statements inside `repeat` blocks run silently (RunOptions::verbose prints
// them too); `print` always prints. A failed `expect` is reported as
// `FILE:LINE: expect ... failed: ...` and the scenario goes on (every failed
// expectation is reported); a statement that cannot run (an unknown name, an
// RPC error) stops it with `FILE:LINE: ...`.
//
// Example:
//   absl::StatusOr<Scenario> scenario = ParseScenario(text, "cycle.heap");
//   absl::StatusOr<client::HeapClient> heap = client::HeapClient::Connect({});
//   RunResult result = RunScenario(*scenario, *heap, {}, std::cout);
//   return result.ok() ? 0 : 1;
//
// Thread safety: RunScenario uses only its arguments; run scenarios on
// several threads with one HeapClient if you like (each gets its session).
#ifndef HEAPD_CLIENT_SCENARIO_RUNNER_H_
#define HEAPD_CLIENT_SCENARIO_RUNNER_H_

#include <cstdint>
#include <functional>
#include <map>
#include <ostream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "client/heap_client.h"
#include "client/scenario/parser.h"
#include "client/session.h"

namespace heapd::scenario {

// The objects a scenario's names refer to at its end: name -> handle, for
// the names bound now and for those deleted (their last object, which may
// be freed by now).
struct NamedObjects {
  std::map<std::string, uint64_t> bound;
  std::map<std::string, uint64_t> deleted;
};

struct RunOptions {
  // Also print the statements inside repeat blocks, every time they run.
  bool verbose = false;
  // Print nothing but `print` output and failures.
  bool quiet = false;
  // The most statements one run executes, repeats counted: a runaway
  // `repeat` ends with RESOURCE_EXHAUSTED instead of running for hours.
  int64_t max_statements = 20'000'000;
  // The session's name in heapd's stats and slow log.
  std::string client_name = "heap-scenario";
  // Called after the last statement, before the session closes (while its
  // references still hold the scenario's objects): `heapctl run --dot`
  // draws them.
  std::function<void(const client::Session& session,
                     const NamedObjects& objects)>
      at_end;
};

struct RunResult {
  // Statements executed (each repetition counted).
  int64_t statements = 0;
  int64_t expectations_passed = 0;
  // "FILE:LINE: expect ... failed: ...", in the order they failed.
  std::vector<std::string> failures;
  // Why the scenario stopped early ("FILE:LINE: ..."), or OK.
  absl::Status error;

  bool ok() const { return failures.empty() && error.ok(); }
};

// Runs `scenario` in a new session of `heap`, writing its report to `out`.
RunResult RunScenario(const Scenario& scenario, const client::HeapClient& heap,
                      const RunOptions& options, std::ostream& out);

}  // namespace heapd::scenario

#endif  // HEAPD_CLIENT_SCENARIO_RUNNER_H_
