// HeapService: the heapd.v1.Heap gRPC service.
//
// A thin translation layer: each handler turns a request into calls on the
// heap and the result into a response. It serves:
//
//   Ping          echoes the payload (at most 64 KiB, else INVALID_ARGUMENT)
//                 with the server's clock and version; with a session_id,
//                 renews that session's lease (under the lock; NOT_FOUND if
//                 unknown or expired), without one never takes the lock.
//   OpenSession / CloseSession, Allocate, IncRef, DecRef, Link, Unlink,
//   GetReferent, CreateWeakRef, ReadWeakRef, Collect, Inspect, GetGcConfig,
//   SetGcConfig, Freeze, Unfreeze
//                 the heap, through sessions (session_manager.h). Each runs
//                 under the interpreter lock, its hold labelled with the RPC
//                 method's name as its RequestKind, renews the session it
//                 names, and ends with the interpreter's safe point
//                 (Interpreter::SafePoint, kBeforeRelease) before releasing
//                 the lock: the request boundary is where automatic
//                 collections run.
//   Stats         the allocator, objects, collector, lock, server and
//                 slowlog sections, as StatsRequest.sections asks. It never
//                 takes the interpreter lock (unless StatsRequest.fresh asks
//                 for a snapshot published first): the heap's figures come from
//                 the latest snapshot (stats_publisher.h), which every
//                 locked request refreshes at its end at most every
//                 stats_publish_interval, or at once after a collection,
//                 and once at construction; a request that left its figures
//                 unpublished is published by the session reaper's next
//                 wake-up (reap_interval, 100 ms); the lock's, the pause
//                 histogram's, the RPC counters' and the slow log's figures
//                 are read live, each without the lock.
//   Batch         many object operations for one session in one call
//                 (batch_executor.h), under the lock as one request of kind
//                 "Batch". Between operations it passes the interpreter's
//                 safe point, CPython's eval-breaker check: a scheduled
//                 collection, then the lock for a waiter that asked (yields
//                 counted in lock_yields; the session is looked up again
//                 after each, and NOT_FOUND ends the call if it went away
//                 meanwhile); the request's last safe point at the end.
//                 More than max_batch operations is RESOURCE_EXHAUSTED before
//                 the lock is taken; an unknown session NOT_FOUND.
//   WatchStats    the Stats sections as a stream (stats_watchers.h): one
//                 message at once, then every interval_ms (>= 50, default
//                 1000), and one within 50 ms of any collection with its
//                 events; never takes the lock. Shutdown() ends every stream
//                 with UNAVAILABLE.
//   Verify        ObjectHeap::Verify under the lock (kind "Verify"): OK with
//                 what it walked, or INTERNAL naming the broken invariant.
//
// Every RPC is counted by method and status code (rpc_counters.h), under
// its name in the method table (methods.h). Every locked request runs
// through the RequestDispatcher (request_dispatcher.h), which measures its
// wait for the lock and its hold and offers them to the slow log
// (slow_log.h) after the lock is released.
//
// Access: with access_control set, every Heap method needs a bearer token
// (UNAUTHENTICATED without one); SetGcConfig, Freeze, Unfreeze, Verify and
// full collections (Collect or a Batch collect of generation 2) need the
// admin role (PERMISSION_DENIED otherwise); a session is bound to the
// identity that opened it (session_manager.h).
//
// Limits: max_heap_bytes and max_objects are the heap's (object_heap.h); a
// locked request that finds max_lock_waiters requests already waiting for
// the lock is refused at once with RESOURCE_EXHAUSTED (request_dispatcher.h).
//
// Errors: the heap's absl::Status becomes a grpc::Status with the same
// canonical code and message (grpc_status.h). Allocate refuses a count over
// max_allocate_count with RESOURCE_EXHAUSTED; if one object of a request
// fails, those already made are dropped again, so a failed Allocate leaves
// the session holding nothing new.
//
// Threads: handlers run on gRPC's callback threads, and a heap request
// there only if the interpreter lock is free and nobody waits for it;
// otherwise on an interpreter thread (request_dispatcher.h), so gRPC's
// threads never wait. The session reaper and the stats watcher run on
// threads of their own, from construction to destruction.
//
// Files: heap_service.cc has the handlers, heap_service_stats.cc the Stats
// sections' assembly.
//
// Uses the callback API, chosen by measurement (docs/architecture.md,
// bench/grpc_api_bench.cc): with 10 us more under the lock the synchronous
// API's call p99 was three times the callback API's.
//
// Example:
//   heapd::server::HeapService service(heapd::server::HeapServiceOptions{});
//   grpc::ServerBuilder builder;
//   builder.RegisterService(&service);  // service must outlive the server
#ifndef HEAPD_SERVER_HEAP_SERVICE_H_
#define HEAPD_SERVER_HEAP_SERVICE_H_

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/time/time.h"
#include "heap/gil/interpreter_lock.h"
#include "heap/interpreter.h"
#include "heap/objects/object_heap.h"
#include "heap/obmalloc/layout.h"
#include "proto/heap.grpc.pb.h"
#include "proto/heap.pb.h"
#include "server/access_control.h"
#include "server/arena_message_allocator.h"
#include "server/caller.h"
#include "server/connection_counter.h"
#include "server/methods.h"
#include "server/request_dispatcher.h"
#include "server/rpc_counters.h"
#include "server/session_manager.h"
#include "server/slow_log.h"
#include "server/stats_publisher.h"
#include "server/stats_translation.h"
#include "server/stats_watchers.h"

namespace heapd::server {

struct HeapServiceOptions {
  obmalloc::AllocatorLayout layout = obmalloc::AllocatorLayout::Classic();
  // The collector's starting configuration (thresholds 700, 10, 10).
  objects::GcConfig gc;
  gil::InterpreterLockOptions lock;
  // Sessions: the longest lease a client may ask for, and how often the
  // reaper looks for expired ones.
  absl::Duration max_session_ttl = absl::Minutes(10);
  absl::Duration reap_interval = absl::Milliseconds(100);
  // The most objects one Allocate may ask for.
  int64_t max_allocate_count = 100000;
  // The most operations one Batch may carry.
  int64_t max_batch = 10000;
  // A request whose lock wait or hold exceeds this enters the slow log,
  // which keeps the most recent slowlog_capacity of them.
  absl::Duration slowlog_threshold = absl::Milliseconds(10);
  size_t slowlog_capacity = 128;
  // How stale the heap's figures in Stats may be while requests run.
  absl::Duration stats_publish_interval = absl::Milliseconds(50);
  // The heap's limits (0: none): bytes taken from the OS, live objects.
  size_t max_heap_bytes = 0;
  int64_t max_objects = 0;
  // The most requests that may wait for the interpreter lock at once (0:
  // no cap); one more is refused with RESOURCE_EXHAUSTED.
  int64_t max_lock_waiters = 0;
  // Threads that wait for the interpreter lock on behalf of requests that
  // found it busy (interpreter_threads.h).
  int interpreter_threads = 16;
  // Bearer tokens and roles (access_control.h); null serves everyone as
  // the anonymous admin.
  std::shared_ptr<const AccessControl> access_control;
};

class HeapService final : public v1::Heap::CallbackService {
 public:
  // The largest Ping payload echoed back (the API's 64 KiB).
  static constexpr size_t kMaxPingPayload = 64 * 1024;

  // Creates the heap and the sessions' reaper; the start time reported in
  // Stats is the time of construction. REQUIRES: the lock options pass
  // InterpreterLock::ValidateOptions and the gc config is valid.
  explicit HeapService(const HeapServiceOptions& options);
  // Stops the reaper and the watcher thread. REQUIRES: the gRPC server
  // serving it has shut down.
  ~HeapService() override;
  HeapService(const HeapService&) = delete;
  HeapService& operator=(const HeapService&) = delete;

  grpc::ServerUnaryReactor* Ping(grpc::CallbackServerContext* context,
                                 const v1::PingRequest* request,
                                 v1::PingResponse* response) override;
  grpc::ServerUnaryReactor* Stats(grpc::CallbackServerContext* context,
                                  const v1::StatsRequest* request,
                                  v1::StatsResponse* response) override;

  grpc::ServerUnaryReactor* OpenSession(
      grpc::CallbackServerContext* context,
      const v1::OpenSessionRequest* request,
      v1::OpenSessionResponse* response) override;
  grpc::ServerUnaryReactor* CloseSession(
      grpc::CallbackServerContext* context,
      const v1::CloseSessionRequest* request,
      v1::CloseSessionResponse* response) override;
  grpc::ServerUnaryReactor* Allocate(grpc::CallbackServerContext* context,
                                     const v1::AllocateRequest* request,
                                     v1::AllocateResponse* response) override;
  grpc::ServerUnaryReactor* IncRef(grpc::CallbackServerContext* context,
                                   const v1::IncRefRequest* request,
                                   v1::IncRefResponse* response) override;
  grpc::ServerUnaryReactor* DecRef(grpc::CallbackServerContext* context,
                                   const v1::DecRefRequest* request,
                                   v1::DecRefResponse* response) override;
  grpc::ServerUnaryReactor* Link(grpc::CallbackServerContext* context,
                                 const v1::LinkRequest* request,
                                 v1::LinkResponse* response) override;
  grpc::ServerUnaryReactor* Unlink(grpc::CallbackServerContext* context,
                                   const v1::UnlinkRequest* request,
                                   v1::UnlinkResponse* response) override;
  grpc::ServerUnaryReactor* GetReferent(
      grpc::CallbackServerContext* context,
      const v1::GetReferentRequest* request,
      v1::GetReferentResponse* response) override;
  grpc::ServerUnaryReactor* CreateWeakRef(
      grpc::CallbackServerContext* context,
      const v1::CreateWeakRefRequest* request,
      v1::CreateWeakRefResponse* response) override;
  grpc::ServerUnaryReactor* ReadWeakRef(
      grpc::CallbackServerContext* context,
      const v1::ReadWeakRefRequest* request,
      v1::ReadWeakRefResponse* response) override;
  grpc::ServerUnaryReactor* Collect(grpc::CallbackServerContext* context,
                                    const v1::CollectRequest* request,
                                    v1::CollectResponse* response) override;
  grpc::ServerUnaryReactor* Inspect(grpc::CallbackServerContext* context,
                                    const v1::InspectRequest* request,
                                    v1::InspectResponse* response) override;
  grpc::ServerUnaryReactor* GetGcConfig(grpc::CallbackServerContext* context,
                                        const v1::GetGcConfigRequest* request,
                                        v1::GcConfig* response) override;
  grpc::ServerUnaryReactor* SetGcConfig(grpc::CallbackServerContext* context,
                                        const v1::SetGcConfigRequest* request,
                                        v1::GcConfig* response) override;
  grpc::ServerUnaryReactor* Freeze(grpc::CallbackServerContext* context,
                                   const v1::FreezeRequest* request,
                                   v1::FreezeResponse* response) override;
  grpc::ServerUnaryReactor* Unfreeze(grpc::CallbackServerContext* context,
                                     const v1::UnfreezeRequest* request,
                                     v1::UnfreezeResponse* response) override;
  grpc::ServerUnaryReactor* Batch(grpc::CallbackServerContext* context,
                                  const v1::BatchRequest* request,
                                  v1::BatchResponse* response) override;
  grpc::ServerWriteReactor<v1::StatsResponse>* WatchStats(
      grpc::CallbackServerContext* context,
      const v1::WatchStatsRequest* request) override;
  grpc::ServerUnaryReactor* Verify(grpc::CallbackServerContext* context,
                                   const v1::VerifyRequest* request,
                                   v1::VerifyResponse* response) override;

  // The start of a shutdown: ends every WatchStats stream (and any started
  // later) with UNAVAILABLE, so that they do not hold the server's drain.
  // Call before grpc::Server::Shutdown.
  void Shutdown();

  // For the metrics exporter (server/metrics/), each read without the
  // interpreter lock: every section Stats serves, the lock's raw counters
  // (the histograms behind its summaries, in TickClock ticks) and each
  // generation's collection pauses in nanoseconds.
  void FillAllStats(v1::StatsResponse* out) { FillStats({}, out); }
  const gil::LockStats& lock_counters() const {
    return interp_.lock().raw_stats();
  }
  const gil::LatencyHistogram& gc_pause(int generation) const {
    return publisher_.pause(generation);
  }

  // For the web page and its JSON API (server/web/), without gRPC:
  // Stats' every section as `caller` may see them, without the lock.
  void FillStatsFor(const Caller& caller, v1::StatsResponse* out) {
    FillStats({}, out);
    ScopeToCaller(caller, out);
  }
  // The published snapshots, and asking for the heap map in them.
  StatsPublisher& publisher() { return publisher_; }
  // Runs body(heap, owner) under the interpreter lock (its hold counted as
  // request kind "WebGraph") for session `session_id`, seen as `caller`
  // sees the heap, without renewing the session's lease: its owner or an
  // admin only (SessionManager::Peek's errors otherwise). The body bounds
  // its own work.
  absl::Status LookAtSession(
      const Caller& caller, absl::string_view session_id,
      absl::FunctionRef<void(objects::ObjectHeap&, objects::OwnerId)> body);

  // The interpreter lock, for tests that must hold it from outside (to show
  // that Stats does not need it). Not for serving.
  gil::InterpreterLock& lock_for_testing() { return interp_.lock(); }
  // The interpreter (its lock and the heap), for in-process tests and the
  // request fuzzer, which checks ObjectHeap::Verify() between requests and
  // empties gc.garbage between inputs while holding the lock. Not for
  // serving.
  Interpreter& interpreter_for_testing() { return interp_; }

 private:
  // Who may call a method: anyone authenticated, or admins only.
  enum class Role { kClient, kAdmin };

  // The caller of `context`'s request (the anonymous admin without access
  // control): UNAUTHENTICATED without a known token, PERMISSION_DENIED if
  // the method needs `role` and the caller has it not.
  // What a caller's requests may name and see in the heap: an admin (and
  // the anonymous caller of a server without access control) every
  // object, a client its identity's objects only.
  static objects::Access AccessOf(const Caller& caller);
  // Leaves out of a Stats answer what `caller` may not see of other
  // identities: the session ids in the slow log (admins see everything).
  void ScopeToCaller(const Caller& caller, v1::StatsResponse* response);
  absl::StatusOr<Caller> Authorize(grpc::CallbackServerContext* context,
                                   Method method, Role role) const;

  // Authorizes the call, then dispatches body(heap, owner) for the session
  // call.session_id names (renewing its lease, which must be the caller's),
  // and finishes the call with its status.
  template <typename Body>
  grpc::ServerUnaryReactor* Serve(grpc::CallbackServerContext* context,
                                  LockedCall call, Body body,
                                  Role role = Role::kClient);

  // Every section `sections` asks for (empty: all), without the lock.
  void FillStats(const google::protobuf::RepeatedField<int>& sections,
                 v1::StatsResponse* out);
  // The server section's figures as they are now, without the lock.
  ServerFigures ServerStatsNow();

  // Wall-clock start for started_unix_ns; the steady clock for uptime, so a
  // clock step never makes uptime jump or go negative.
  const absl::Time started_;
  const std::chrono::steady_clock::time_point started_steady_;
  // A copy of the allocator's layout: immutable, so read without the lock.
  const obmalloc::AllocatorLayout layout_;
  const int64_t max_allocate_count_;
  const int64_t max_batch_;
  const int64_t max_objects_;
  const std::shared_ptr<const AccessControl> access_control_;

  Interpreter interp_;
  const MethodKinds kinds_;
  // The lock's request kinds of the work no RPC asks for.
  const gil::RequestKind stats_publish_kind_;
  const gil::RequestKind session_reaper_kind_;
  const gil::RequestKind web_graph_kind_;
  // Declared after interp_: destroyed (and its reaper stopped) first.
  SessionManager sessions_;
  // Batch requests and answers live on an arena per call (the header says
  // why); gRPC uses it while serving, so it lives as long as the service.
  ArenaMessageAllocator<v1::BatchRequest, v1::BatchResponse> batch_allocator_;
  // Each read by Stats without the interpreter lock; see their headers.
  StatsPublisher publisher_;
  SlowLog slowlog_;
  RpcCounters rpc_counters_;
  ConnectionCounter connections_;
  // Its thread reads the members above until it is stopped.
  StatsWatchers watchers_;
  // Last: destroyed first, running the calls queued for the lock (which
  // may use every member above) before the rest goes.
  RequestDispatcher dispatcher_;
};

}  // namespace heapd::server

#endif  // HEAPD_SERVER_HEAP_SERVICE_H_
