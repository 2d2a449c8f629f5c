// heapload --scenario FILE: a scenario of the scenario language
// (docs/scenarios.md) as a workload, on every call slot.
//
// ScenarioProgram is the scenario interpreter's asynchronous driver
// (client/scenario/interpreter.h; the synchronous one is `heapctl run`'s
// runner). The interpreter says which RPC comes next and what its reply
// means; the program sends it with the generated stub's callback API, hands
// the reply back from the completion (a gRPC thread, which never blocks on
// anything) and reports the call to the runner. Why a shared interpreter
// and not a second, asynchronous copy of the runner: a statement's meaning
// (what `del a, b` sends, what `freed(a)` reads, how a resurrected object
// finds its name again) is then written once, and `heapctl run` and
// heapload cannot drift apart.
//
// What a slot does:
//   - runs the scenario from the top, one RPC per call; statements that
//     need no RPC (`x = 1`, `print`, an expectation on a number already
//     known) run between calls and take none; `print` prints nothing;
//   - in the connection's session (heapload opens one per connection), with
//     names of its own: slots never see each other's names or objects;
//   - at the end of a pass, or when a statement stops it, gives back what
//     its names hold (a DecRef per name bound to an object, plus the
//     references a `finalizer resurrect` handed the session), as calls like
//     any other; the one-shot runner gets the same effect from closing its
//     session, which heapload's slots cannot do (the session is the
//     connection's). Cyclic garbage a scenario leaves uncollected waits for
//     heapd's automatic collection, as after `heapctl run`. Then it starts
//     over.
//
// Accounting, per call: a call succeeds when its RPC does; an Inspect
// answered NOT_FOUND is how `freed(x)` reads and counts as succeeded too.
// Operations: 1 per heap RPC that succeeded, 0 for Stats. A failed RPC is
// a failed call with its code, and it stops the pass (cleanup, restart).
// Expectations are not calls: they are counted in a ScenarioTally, shared
// by the slots, with iterations completed and abandoned and the first few
// messages of each kind ("FILE:LINE: ...").
//
// Figures to read with care: with several slots, what a scenario reads of
// the whole heap (`stats.*`, `collected` after a `collect`, which collects
// every slot's garbage) includes the other slots' work, so expectations on
// them may fail under concurrency that hold when run alone; `gc.*`
// statements change the server's collector for everyone, and are not undone.
//
// Example:
//   absl::StatusOr<std::shared_ptr<const scenario::Scenario>> scenario =
//       LoadScenarioFile("tests/scenarios/04_two_object_cycle.heap");
//   ProgramSettings settings;
//   settings.session_id = session_id;
//   settings.scenario = *scenario;
//   settings.scenario_tally = std::make_shared<ScenarioTally>();
//   std::unique_ptr<CallProgram> program = NewScenarioProgram(settings);
//
// Thread safety: a ScenarioProgram is a CallProgram (one slot, calls one
// after the other; see workloads.h). ScenarioTally is thread-safe.
#ifndef HEAPD_CLIENT_HEAPLOAD_SCENARIO_PROGRAM_H_
#define HEAPD_CLIENT_HEAPLOAD_SCENARIO_PROGRAM_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "client/heapload/workloads.h"
#include "client/scenario/parser.h"

namespace heapd::heapload {

// What every slot's scenario did over the whole run, warm-up included (a
// pass may span the end of the warm-up). A pass the end of the run cut
// short is neither completed nor abandoned.
struct ScenarioSummary {
  std::string file;
  // Passes that ran to the end (failed expectations included).
  int64_t iterations_completed = 0;
  // Passes a statement stopped (an RPC error, an unknown name, ...).
  int64_t iterations_abandoned = 0;
  int64_t expectations_passed = 0;
  int64_t expectations_failed = 0;
  // The first kScenarioMessagesKept of each, "FILE:LINE: ...".
  std::vector<std::string> first_failures;
  std::vector<std::string> first_errors;
};

inline constexpr size_t kScenarioMessagesKept = 5;

// The slots' shared counts. Thread-safe.
class ScenarioTally {
 public:
  void IterationCompleted() { iterations_completed_.fetch_add(1); }
  void IterationAbandoned(const std::string& error);
  void ExpectationPassed() { expectations_passed_.fetch_add(1); }
  void ExpectationFailed(const std::string& message);

  ScenarioSummary Summary(const std::string& file) const;

 private:
  std::atomic<int64_t> iterations_completed_{0};
  std::atomic<int64_t> iterations_abandoned_{0};
  std::atomic<int64_t> expectations_passed_{0};
  std::atomic<int64_t> expectations_failed_{0};
  mutable std::mutex mu_;
  std::vector<std::string> first_failures_;  // guarded by mu_
  std::vector<std::string> first_errors_;    // guarded by mu_
};

// Reads and parses `path` and checks that heapload can run it: the parse
// error as the parser gives it ("FILE:LINE: ..."), or CheckScenarioForLoad's.
absl::StatusOr<std::shared_ptr<const scenario::Scenario>> LoadScenarioFile(
    const std::string& path);

// What heapload cannot run, refused before anything is sent. A slot starts
// the next pass as soon as one ends, so each pass must send an RPC before
// anything in it can fail (else a scenario whose first statement fails, or
// one with no RPC at all, would spin without ever making a call): the
// first statement that does anything must be an allocation (not `resurrect
// into`, which needs a name), `collect`, a `gc.*` statement, or read
// `stats`. INVALID_ARGUMENT "FILE:LINE: ..." otherwise.
absl::Status CheckScenarioForLoad(const scenario::Scenario& scenario);

// The program of one slot. REQUIRES: settings.scenario and
// settings.scenario_tally set, and the scenario checked.
std::unique_ptr<CallProgram> NewScenarioProgram(
    const ProgramSettings& settings);

}  // namespace heapd::heapload

#endif  // HEAPD_CLIENT_HEAPLOAD_SCENARIO_PROGRAM_H_
