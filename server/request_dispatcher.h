// RequestDispatcher: runs a unary call's heap work under the interpreter lock
// and finishes the call. Every RPC of HeapService that takes the lock goes
// through Dispatch.
//
// Where the work runs: on the gRPC thread that received the call if the
// lock is free and nobody waits for it (InterpreterLock::TryAcquire);
// otherwise on an interpreter thread (interpreter_threads.h) that waits for
// the lock, so that gRPC's threads never wait and Ping, Stats and WatchStats
// answer while heap requests queue. With max_lock_waiters set, a call that
// finds that many already waiting is refused at once with
// RESOURCE_EXHAUSTED, so that overload pushes back on clients instead of
// queueing without bound.
//
// One call, in order:
//   under the lock    body(heap); the interpreter's last safe point if the
//                     call asks (Interpreter::SafePoint, kBeforeRelease: a
//                     scheduled collection runs); the Stats snapshot
//                     (StatsPublisher::Update: at most every publish
//                     interval, at once after a heap event such as a
//                     collection);
//   after the release WatchStats streams hear of new heap events; the wait
//                     (from the call's arrival, the queue for an interpreter
//                     thread included) and the hold are offered to the slow
//                     log; after_release, if the body succeeded; the call is
//                     counted by method and status code and finished.
// A call whose figures were left unpublished (the interval had not passed)
// is remembered until TakeUnpublished, which the session reaper's wake-up
// calls, so an idle server does not serve a request's figures stale for
// ever.
//
// Threads: Dispatch and Finish from gRPC's handlers. The destructor runs
// every call already queued for an interpreter thread, then joins them.
//
// Example (in a handler):
//   return dispatcher_.Dispatch(
//       context, {.method = Method::kVerify, .operations = 0},
//       [response](objects::ObjectHeap& heap) -> absl::Status { ... });
#ifndef HEAPD_SERVER_REQUEST_DISPATCHER_H_
#define HEAPD_SERVER_REQUEST_DISPATCHER_H_

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "heap/interpreter.h"
#include "heap/objects/object_heap.h"
#include "server/grpc_status.h"
#include "server/interpreter_threads.h"
#include "server/methods.h"
#include "server/rpc_counters.h"
#include "server/slow_log.h"
#include "server/stats_publisher.h"
#include "server/stats_watchers.h"

namespace heapd::server {

// One call for Dispatch.
struct LockedCall {
  Method method = Method::kPing;
  // The session the call names ("" for none), for the slow log.
  std::string session_id{};
  // The caller's identity (Caller::tenant), for the slow log.
  uint32_t tenant = 0;
  // The heap operations it carries, for the slow log.
  int64_t operations = 1;
  // Whether it ends with the interpreter's last safe point, where a
  // scheduled collection runs. Calls that only read or renew (a Ping, a
  // fresh Stats, Verify) leave the collection to the next request.
  bool end_with_safe_point = true;
  // If set, runs once the lock is released and before the call finishes,
  // when the body succeeded: work that needs what the body did but not the
  // lock (a fresh Stats fills its answer there).
  std::function<void()> after_release = nullptr;
};

class RequestDispatcher {
 public:
  // What the dispatcher works with; each must outlive it.
  struct Parts {
    Interpreter* interpreter = nullptr;
    const MethodKinds* kinds = nullptr;
    StatsPublisher* publisher = nullptr;
    SlowLog* slowlog = nullptr;
    RpcCounters* rpc_counters = nullptr;
    StatsWatchers* watchers = nullptr;
  };
  struct Options {
    // The most calls that may wait for the interpreter lock at once (0: no
    // cap).
    int64_t max_lock_waiters = 0;
    // Threads that wait for the lock on behalf of calls that found it busy.
    int interpreter_threads = 16;
  };

  RequestDispatcher(const Parts& parts, const Options& options);
  RequestDispatcher(const RequestDispatcher&) = delete;
  RequestDispatcher& operator=(const RequestDispatcher&) = delete;

  // Runs body(heap) under the interpreter lock as one request of the
  // method's kind and finishes the call with its status (see the top of
  // this file). `body` runs after the handler has returned, so it must
  // capture by value. Returns the call's reactor.
  template <typename Body>
  grpc::ServerUnaryReactor* Dispatch(grpc::CallbackServerContext* context,
                                     LockedCall call, Body body)
      // A successful TryAcquire's hold passes, through a lambda the analysis
      // cannot follow, to RunLocked's adopting holder, which releases it.
      ABSL_NO_THREAD_SAFETY_ANALYSIS;

  // Counts the call of `method` with `status` and finishes it.
  void Finish(grpc::ServerUnaryReactor* reactor, Method method,
              const grpc::Status& status);
  // The same for a call refused before it was dispatched; returns its
  // reactor.
  grpc::ServerUnaryReactor* Finish(grpc::CallbackServerContext* context,
                                   Method method, const grpc::Status& status);

  // Whether a call has left its figures unpublished since the last call of
  // this; clears the mark.
  bool TakeUnpublished() {
    return unpublished_.exchange(false, std::memory_order_relaxed);
  }

  int64_t max_lock_waiters() const { return max_lock_waiters_; }
  // Calls the cap refused.
  int64_t lock_waiters_rejected() const {
    return lock_waiters_rejected_.load(std::memory_order_relaxed);
  }

 private:
  using Clock = std::chrono::steady_clock;

  struct Hold {
    absl::Status status;
    bool events = false;  // the heap recorded an event (a collection...)
    Clock::time_point acquired, releasing;
  };

  // Dispatch's work: acquires the lock (or adopts it if `held`), runs
  // RunHeld, releases, then AfterRelease. Returns the body's status.
  template <typename Body>
  absl::Status RunLocked(const LockedCall& call, bool held,
                         Clock::time_point arrived, Body& body);
  template <typename Body>
  Hold RunHeld(const LockedCall& call, Body& body)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(interp_.lock());

  // Whether a call that found the lock busy may wait for it; if not, it
  // has been refused (and finished) here.
  bool AdmitWaiter(grpc::ServerUnaryReactor* reactor, Method method);
  // A waiting call took the lock.
  void StopWaiting();
  // What a hold does after the body: the safe point, the Stats snapshot.
  void EndHold(const LockedCall& call, uint64_t events_before, Hold* hold)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(interp_.lock());
  // Watchers and the slow log, after the release.
  void AfterRelease(const LockedCall& call, const Hold& hold,
                    Clock::time_point arrived);

  Interpreter& interp_;
  const MethodKinds& kinds_;
  StatsPublisher& publisher_;
  SlowLog& slowlog_;
  RpcCounters& rpc_counters_;
  StatsWatchers& watchers_;
  const int64_t max_lock_waiters_;

  // Calls waiting for the lock (counted only under a cap), and those the
  // cap refused.
  std::atomic<int64_t> lock_waiting_{0};
  std::atomic<int64_t> lock_waiters_rejected_{0};
  std::atomic<bool> unpublished_{false};
  // Last: destroyed first, running what is queued (which uses every member
  // above) before the rest goes.
  InterpreterThreads threads_;
};

template <typename Body>
grpc::ServerUnaryReactor* RequestDispatcher::Dispatch(
    grpc::CallbackServerContext* context, LockedCall call, Body body) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  const Clock::time_point arrived = Clock::now();
  const Method method = call.method;
  auto run = [this, reactor, call = std::move(call), body = std::move(body),
              arrived](bool held) mutable {
    const absl::Status status = RunLocked(call, held, arrived, body);
    if (status.ok() && call.after_release) call.after_release();
    Finish(reactor, call.method, ToGrpcStatus(status));
  };
  // Free and nobody waiting: run here, on gRPC's thread, without a hop.
  if (interp_.lock().TryAcquire(kinds_.of(method))) {
    run(/*held=*/true);
    return reactor;
  }
  if (!AdmitWaiter(reactor, method)) return reactor;
  // An interpreter thread waits for the lock, not gRPC's.
  threads_.Submit([run = std::move(run)]() mutable { run(/*held=*/false); });
  return reactor;
}

template <typename Body>
absl::Status RequestDispatcher::RunLocked(const LockedCall& call, bool held,
                                          Clock::time_point arrived,
                                          Body& body) {
  Hold hold;
  if (held) {
    interp_.lock().AssertHeld();
    gil::InterpreterLockHolder holder(&interp_.lock(), std::adopt_lock);
    hold = RunHeld(call, body);
  } else {
    gil::InterpreterLockHolder holder(&interp_.lock(), kinds_.of(call.method));
    StopWaiting();
    hold = RunHeld(call, body);
  }
  AfterRelease(call, hold, arrived);
  return hold.status;
}

template <typename Body>
RequestDispatcher::Hold RequestDispatcher::RunHeld(const LockedCall& call,
                                                   Body& body) {
  Hold hold;
  hold.acquired = Clock::now();
  objects::ObjectHeap& heap = interp_.heap();
  const uint64_t events_before = heap.last_event_sequence();
  hold.status = body(heap);
  EndHold(call, events_before, &hold);
  return hold;
}

}  // namespace heapd::server

#endif  // HEAPD_SERVER_REQUEST_DISPATCHER_H_
