// The scenario interpreter: what a parsed scenario (client/scenario/parser.h)
// does, step by step, with the I/O left to its driver.
//
// A scenario's statements turn into heapd RPCs: `a = object` is an
// Allocate (and a DecRef of what `a` held before), `expect refcount(a) == 2`
// an Inspect, `collect` a Collect and an Inspect per object whose finalizer
// may bring it back. The interpreter knows which RPC comes next and what its
// answer means; it sends nothing itself. A driver asks it for the next
// request, sends it however it likes, and hands the reply back:
//
//   Interpreter interpreter(scenario);
//   while (std::optional<HeapRequest> request = interpreter.Next(listener)) {
//     NameSession(session_id, &*request);
//     interpreter.OnReply(Send(*request));  // blocking, or from a callback
//   }
//   // interpreter.result(): statements run, expectations, why it stopped
//
// Two drivers use it: the synchronous runner of `heapctl run`
// (client/scenario/runner.h), which sends each request with the blocking
// client library and prints what every statement did, and heapload's
// ScenarioProgram (client/heapload/scenario_program.h), which sends each one
// with the generated stub's callback API and restarts the scenario at its end.
// So the meaning of a statement is written once, here; the drivers only move
// bytes. Statements that need no RPC (`x = 1`, an expectation on a number
// already known, `print "text"`) run inside Next without a request.
//
// Why one interpreter and two drivers, rather than an asynchronous copy of
// the runner that shares its helpers: nearly all of a statement's meaning
// sits between its RPCs (what `del a, b` sends in which order, when a
// resurrected object gets its name back, which errors stop the scenario),
// and a copy would have to repeat all of it.
//
// Within a statement, the reads an expression needs (an Inspect per object
// it mentions, one Stats) are requested first, in the order the expression
// reads them, and the expression is then evaluated on their answers: so
// every mention of `a` in one statement sees the same Inspect
// (evaluation.h).
//
// The names are kept the way Python keeps a frame's locals: each name bound
// to an object holds one of the session's references, rebinding a name
// drops the reference it held after the new value is bound, and `del` drops
// it. A deleted name is remembered with its last object ("ghosts"), so
// `freed(a)`, `alive(a)` and `refcount(a)` still read the object after
// `del a`, as a weak reference would in Python (Locals, evaluation.h).
//
// Running the same scenario over and over (heapload) needs one thing the
// one-shot runner gets from closing its session: giving the session's
// references back. BeginCleanup switches the interpreter to a cleanup pass
// whose requests are the DecRefs of every reference its names hold, and of
// any reference a `finalizer resurrect` gave the session (found by Inspect),
// after which Restart begins the scenario again from the top with no names.
// Cyclic garbage the scenario left uncollected stays for heapd's automatic
// collection, exactly as after `heapctl run` closes its session.
//
// Thread safety: none inside. One interpreter serves one driver; Next and
// OnReply may run on different threads if the driver orders them (each
// OnReply after the Next that asked for it, each Next after that OnReply).
// The Scenario must outlive the interpreter and is only read, so many
// interpreters may share one.
#ifndef HEAPD_CLIENT_SCENARIO_INTERPRETER_H_
#define HEAPD_CLIENT_SCENARIO_INTERPRETER_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "client/scenario/evaluation.h"
#include "client/scenario/heap_request.h"
#include "client/scenario/parser.h"
#include "client/scenario/steps.h"
#include "proto/heap.pb.h"

namespace heapd::scenario {

// What the interpreter tells its driver as the scenario runs. Every method
// has an empty default; `depth` is 0 for top-level statements and one more
// inside each `repeat`.
class Listener {
 public:
  virtual ~Listener() = default;
  // A `repeat N {` begins, and ends after running `statements` statements
  // (repetitions counted).
  virtual void RepeatStarted(const Statement& repeat, int depth) {}
  virtual void RepeatFinished(const Statement& repeat, int depth,
                              int64_t statements) {}
  // A statement other than a repeat ran; `text` says what it did ("a
  // refcount 1"), or, for `print`, is the printed line.
  virtual void StatementDone(const Statement& statement, int depth,
                             const std::string& text) {}
  // After StatementDone of an `expect`: it held, or it failed with
  // `message` ("FILE:LINE: expect ... failed: ...").
  virtual void ExpectationPassed(const Statement& expect) {}
  virtual void ExpectationFailed(const std::string& message) {}
  // The pass stopped early: a statement could not run. `error` reads
  // "FILE:LINE: ..." and is also result().error.
  virtual void Stopped(const absl::Status& error) {}
};

// What one pass over the scenario did.
struct PassResult {
  // Statements executed (each repetition counted).
  int64_t statements = 0;
  int64_t expectations_passed = 0;
  // "FILE:LINE: expect ... failed: ...", in the order they failed.
  std::vector<std::string> failures;
  // Why the pass stopped early ("FILE:LINE: ..."), or OK.
  absl::Status error;
};

class Interpreter {
 public:
  // `max_statements` bounds one pass, repeats counted: a runaway `repeat`
  // stops with RESOURCE_EXHAUSTED instead of running for hours.
  // REQUIRES: `scenario` outlives the interpreter.
  explicit Interpreter(const Scenario& scenario,
                       int64_t max_statements = 20'000'000);
  Interpreter(const Interpreter&) = delete;
  Interpreter& operator=(const Interpreter&) = delete;

  // Runs what needs no RPC and returns the next request to send, or nullopt
  // when the pass (or the cleanup pass) is over. Events go to `listener`.
  // REQUIRES: the reply to the previous request was given (OnReply).
  std::optional<HeapRequest> Next(Listener& listener);

  // The reply to the request Next returned last; the next Next acts on it.
  void OnReply(HeapReply reply);

  // The pass so far (reset by Restart).
  const PassResult& result() const { return result_; }

  // The scenario's names now, and deleted names with their last object.
  const Locals& locals() const { return locals_; }

  // After a pass ended (Next returned nullopt): the following Nexts return
  // the DecRefs (and Inspects) that give back every reference the
  // scenario's names and resurrections left with the session, then nullopt.
  // Failed cleanup calls are not retried. Does nothing in a cleanup pass.
  void BeginCleanup();
  bool cleaning() const { return cleaning_; }

  // Forgets every name and starts a new pass at the first statement.
  void Restart();

 private:
  // A `repeat` body (or the scenario itself) being run.
  struct Frame {
    const std::vector<Statement>* body = nullptr;
    size_t next = 0;
    const Statement* repeat = nullptr;  // null for the top level
    int64_t iteration = 0;
    int64_t statements_before = 0;
  };

  // --- Control (interpreter.cc) -------------------------------------------
  // Moves to the next statement (entering and leaving repeats).
  void Advance(Listener& listener);
  void BeginStatement(const Statement& statement, int depth,
                      Listener& listener);
  void FinishStatement(Listener& listener);
  void Stop(Listener& listener, const absl::Status& status);
  std::string Where(const Statement& statement) const;

  // --- Statements (statements.cc): each queues its steps in steps_ ---------
  absl::Status Start(const Statement& s);
  absl::Status Allocate(const Statement& s);
  absl::Status Bind(const Statement& s);
  absl::Status Rebind(const std::string& name, const Binding& binding);
  void Delete(const Statement& s);
  void QueueResurrectionChecks();
  absl::Status Expect(const Statement& s);
  absl::Status Print(const Statement& s);
  // Requests the reads `expr` needs that this statement has not asked for.
  void RequestReads(const Expr& expr);
  // Queues the next cleanup round; false when nothing is left to give back.
  bool QueueCleanupRound();

  const Scenario& scenario_;
  const int64_t max_statements_;

  // The pass.
  PassResult result_;
  std::vector<Frame> frames_;
  bool done_ = false;
  bool cleaning_ = false;
  int cleanup_rounds_ = 0;
  Locals locals_;
  std::optional<v1::CollectResponse> last_collect_;
  // Objects allocated with `finalizer resurrect` this pass: the cleanup
  // checks each for references a resurrection gave the session.
  absl::flat_hash_set<uint64_t> resurrectable_;

  // The statement running, and what it has said so far.
  const Statement* statement_ = nullptr;
  int depth_ = 0;
  std::string text_;
  std::vector<std::string> parts_;  // del: one per name
  StatementReads reads_;
  std::optional<std::string> pending_failure_;
  bool pending_pass_ = false;

  // The running statement's steps, or the cleanup round's.
  StepQueue steps_;
};

}  // namespace heapd::scenario

#endif  // HEAPD_CLIENT_SCENARIO_INTERPRETER_H_
