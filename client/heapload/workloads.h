// Workloads of heapload: what each call in flight sends next.
//
// The runner (runner.h, connections.h) owns connections, timing and
// accounting; a workload only decides the next RPC. It does so through a
// CallProgram, one per call slot (a slot is one call in flight, always on
// the same connection and session): a small state machine that starts its
// next call through the generated stub's callback API and reports, once the
// reply is in, whether the call succeeded and how many heap operations it
// carried.
//
//   ping        Ping with an empty payload: the round trip without the lock.
//   alloc-free  Allocate one OBJECT, then DecRef it (two calls), or, with
//               --batch K, one Batch of K operations: allocate/decref pairs
//               (K rounded up to even, each decref naming its allocate's
//               result).
//   cycles      Allocate two OBJECTs, link a.ref = b and b.ref = a, drop
//               both (five calls, or ceil(K/5) cycles per Batch): garbage
//               only the collector frees.
//   link-churn  Allocate --live_objects OBJECTs once, then relink fields
//               among them (`objs[i].fN = objs[j]`), one Link per call or K
//               per Batch: lock traffic on live objects, nothing freed.
//   mixed       At every unit boundary (an object freed, a cycle dropped, a
//               link made) picks one of the above by weight.
//   stats-poll  Stats (all sections) as a dashboard would; it never takes
//               the lock. Runs as its own stream of pollers (--stats_pollers,
//               --stats_rate) beside any workload, or alone.
//
//   scenario    --scenario FILE: the scenario language's statements, one
//               RPC per call, restarting at the end
//               (client/heapload/scenario_program.h).
//
// Adding a workload means one CallProgram subclass and a line in
// NewCallProgram.
//
// Thread safety: a CallProgram is used by one slot, which never starts a
// call before the previous one's `done` ran; StartNext and `done` may run on
// different threads, one after the other. gRPC orders them (the completion
// follows the start), but inside Debian's uninstrumented library, where
// ThreadSanitizer cannot see it; see CallStartGuard.
#ifndef HEAPD_CLIENT_HEAPLOAD_WORKLOADS_H_
#define HEAPD_CLIENT_HEAPLOAD_WORKLOADS_H_

#include <grpcpp/grpcpp.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "proto/heap.grpc.pb.h"

namespace heapd::scenario {
struct Scenario;
}  // namespace heapd::scenario

namespace heapd::heapload {

class ScenarioTally;

enum class WorkloadKind {
  kPing,
  kAllocFree,
  kCycles,
  kLinkChurn,
  kMixed,
  kStatsPoll,
  // Chosen by --scenario FILE, never by name.
  kScenario,
};

// "ping", "alloc-free", ...; and back (nullopt for an unknown name, and for
// "scenario", which takes a file: --scenario).
const char* WorkloadName(WorkloadKind kind);
std::optional<WorkloadKind> WorkloadFromName(absl::string_view name);

// One entry of --mix: a workload and its relative weight (> 0).
struct MixWeight {
  WorkloadKind kind;
  int weight;
};

// Called once per call with the call's status (a Batch whose operations
// failed reports the first failed operation's code) and the number of heap
// operations that succeeded in it (0 for Ping and Stats).
using CallDone =
    std::function<void(const grpc::Status& status, int64_t operations)>;

class CallProgram {
 public:
  virtual ~CallProgram() = default;

  // Starts the next call on `stub` with `context` (fresh, its deadline set
  // by the caller) and returns at once; `done` runs exactly once, on a gRPC
  // thread, after the program updated its own state.
  // REQUIRES: the previous call's `done` has run.
  virtual void StartNext(v1::Heap::Stub* stub, grpc::ClientContext* context,
                         CallDone done) = 0;

  // True between units of work (no object half made), when a mixed program
  // may switch to another workload.
  virtual bool AtUnitBoundary() const { return true; }
};

// What a program needs to know about its slot.
struct ProgramSettings {
  // The connection's session; empty for ping and stats-poll.
  std::string session_id;
  // Operations per Batch call; 0 sends single-operation RPCs.
  int batch = 0;
  // Batch answers carry failed operations only (BatchRequest.errors_only).
  bool errors_only = false;
  // Objects each link-churn slot keeps alive and relinks.
  int live_objects = 8;
  // Mixed: the workloads and weights to choose from.
  std::vector<MixWeight> mix;
  // Seeds the program's random choices.
  uint64_t seed = 1;
  // Scenario: the parsed file (shared by every slot, read only) and where
  // the slots count iterations and expectations.
  std::shared_ptr<const scenario::Scenario> scenario;
  std::shared_ptr<ScenarioTally> scenario_tally;
};

// Makes gRPC's ordering of a call's start before its completion visible to
// ThreadSanitizer. In TSan builds, whoever calls StartNext holds a
// CallStartGuard (one process-wide mutex) around it, and every completion
// callback calls AwaitCallStart (takes and drops that mutex) before it
// touches the program's state: everything the starting thread wrote, the
// program's own fields and gRPC's copy of the callback, is then ordered
// before the completion by a mutex TSan sees. Only TSan builds pay for it
// (call starts are serialized there); elsewhere both are empty.
class CallStartGuard {
 public:
  CallStartGuard();
  ~CallStartGuard();
  CallStartGuard(const CallStartGuard&) = delete;
  CallStartGuard& operator=(const CallStartGuard&) = delete;

 private:
  [[maybe_unused]] bool locked_ = false;
};
void AwaitCallStart();

// Whether calls of `kind` name a session (so the runner opens one per
// connection).
bool NeedsSession(WorkloadKind kind);

// A program for `kind` in `settings`' slot.
std::unique_ptr<CallProgram> NewCallProgram(WorkloadKind kind,
                                            const ProgramSettings& settings);

}  // namespace heapd::heapload

#endif  // HEAPD_CLIENT_HEAPLOAD_WORKLOADS_H_
