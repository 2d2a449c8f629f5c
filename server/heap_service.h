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
//   Collect, Inspect, GetGcConfig, SetGcConfig, Freeze, Unfreeze
//                 the heap, through sessions (session_manager.h). Each runs
//                 under the interpreter lock, its hold labelled with the RPC
//                 method's name as its RequestKind, renews the session it
//                 names, and ends with ObjectHeap::CollectIfScheduled()
//                 before releasing the lock: the request boundary is the safe
//                 point where automatic collections run.
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
//
// Every RPC is counted by method and status code (rpc_counters.h). Every
// locked request's wait for the lock and hold of it are measured here and
// offered to the slow log (slow_log.h) after the lock is released.
//
//   Batch         many object operations for one session in one call
//                 (batch_executor.h), under the lock as one request of kind
//                 "Batch". Between operations it passes CPython's eval-breaker
//                 check: CollectIfScheduled(), then InterpreterLock::SafePoint
//                 (yields counted in lock_yields; the session is looked up
//                 again after each, and NOT_FOUND ends the call if it went
//                 away meanwhile); CollectIfScheduled() again at the end.
//                 More than max_batch operations is RESOURCE_EXHAUSTED before
//                 the lock is taken; an unknown session NOT_FOUND.
//
// WatchStats finishes its stream at once with UNIMPLEMENTED, naming itself
// (see unimplemented.h).
//
// Errors: the heap's absl::Status becomes a grpc::Status with the same
// canonical code and message (grpc_status.h). Allocate refuses a count over
// max_allocate_count with RESOURCE_EXHAUSTED; if one object of a request
// fails, those already made are dropped again, so a failed Allocate leaves
// the session holding nothing new.
//
// Threads: handlers run on gRPC's callback threads, any number at once; the
// interpreter lock serializes them. The session reaper runs on its own
// thread from construction to destruction.
//
// Uses the callback API: with 10 us of work under a global lock, measured on
// this project's machines, it kept p99 at 6-8 ms where the synchronous API's
// thread pool reached 46 ms.
//
// Example:
//   heapd::HeapService service(heapd::HeapServiceOptions{});
//   grpc::ServerBuilder builder;
//   builder.RegisterService(&service);  // service must outlive the server
#ifndef HEAPD_SERVER_HEAP_SERVICE_H_
#define HEAPD_SERVER_HEAP_SERVICE_H_

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "heap/interpreter.h"
#include "heap/interpreter_lock.h"
#include "heap/layout.h"
#include "heap/object_heap.h"
#include "server/rpc_counters.h"
#include "server/session_manager.h"
#include "server/slow_log.h"
#include "server/stats_publisher.h"
#include "proto/heap.grpc.pb.h"
#include "proto/heap.pb.h"

namespace heapd {

struct HeapServiceOptions {
  AllocatorLayout layout = AllocatorLayout::Classic();
  // The collector's starting configuration (thresholds 700, 10, 10).
  GcConfig gc;
  InterpreterLockOptions lock;
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
};

class HeapService final : public v1::Heap::CallbackService {
 public:
  // The largest Ping payload echoed back (the API's 64 KiB).
  static constexpr size_t kMaxPingPayload = 64 * 1024;

  // Creates the heap and the sessions' reaper; the start time reported in
  // Stats is the time of construction. REQUIRES: the lock options pass
  // InterpreterLock::ValidateOptions and the gc config is valid.
  explicit HeapService(const HeapServiceOptions& options);
  // Stops the reaper.
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
  // The interpreter lock, for tests that must hold it from outside (to show
  // that Stats does not need it). Not for serving.
  InterpreterLock& lock_for_testing() { return interp_.lock(); }
  // The interpreter (its lock and the heap), for in-process tests and the
  // request fuzzer, which check ObjectHeap::Verify() between requests while
  // holding the lock. Not for serving.
  Interpreter& interpreter_for_testing() { return interp_; }

  // Batch runs many operations in one hold of the lock (batch_executor.h);
  // WatchStats is not served yet (UNIMPLEMENTED).
  grpc::ServerUnaryReactor* Batch(grpc::CallbackServerContext* context,
                                  const v1::BatchRequest* request,
                                  v1::BatchResponse* response) override;
  grpc::ServerWriteReactor<v1::StatsResponse>* WatchStats(
      grpc::CallbackServerContext* context,
      const v1::WatchStatsRequest* request) override;  // UNIMPLEMENTED

 private:
  // The lock's request kinds, one per RPC method name.
  struct Kinds {
    RequestKind open_session, close_session, allocate, incref, decref, link,
        unlink, collect, inspect, get_gc_config, set_gc_config, freeze,
        unfreeze, stats, stats_publish, session_reaper, ping, batch;
  };
  static Kinds RegisterKinds(InterpreterLock& lock);

  // The RPC methods, as rows of rpc_counters_ (kMethodNames in the .cc).
  enum Method {
    kPing, kStats, kOpenSession, kCloseSession, kAllocate, kIncRef, kDecRef,
    kLink, kUnlink, kCollect, kInspect, kGetGcConfig, kSetGcConfig, kFreeze,
    kUnfreeze, kBatch, kWatchStats, kNumMethods
  };

  // Counts the call of `method` with `status` and finishes it.
  grpc::ServerUnaryReactor* Finish(grpc::CallbackServerContext* context,
                                   Method method, const grpc::Status& status);

  // Runs body(heap) under the interpreter lock as one request of `kind`;
  // then, if `safe_point`, the automatic collection a threshold scheduled;
  // then refreshes the published snapshot, all before releasing the lock.
  // Measures the wait and hold and offers them to the slow log afterwards.
  template <typename Body>
  absl::Status Locked(Method method, RequestKind kind,
                      const std::string& session_id, bool safe_point,
                      Body&& body);

  // Runs body(heap, owner) through Locked as one request of `kind` for the
  // session `session_id` (renewing its lease), with the safe point's
  // automatic collection, and finishes the call with its status.
  template <typename Body>
  grpc::ServerUnaryReactor* Serve(grpc::CallbackServerContext* context,
                                  Method method, RequestKind kind,
                                  const std::string& session_id, Body&& body);

  void FillServerStats(v1::ServerStats* out) const;

  // Wall-clock start for started_unix_ns; the steady clock for uptime, so a
  // clock step never makes uptime jump or go negative.
  const absl::Time started_;
  const std::chrono::steady_clock::time_point started_steady_;
  // A copy of the allocator's layout: immutable, so read without the lock.
  const AllocatorLayout layout_;
  const int64_t max_allocate_count_;
  const int64_t max_batch_;

  Interpreter interp_;
  const Kinds kinds_;
  // Declared after interp_: destroyed (and its reaper stopped) first.
  SessionManager sessions_;
  // Each read by Stats without the interpreter lock; see their headers.
  StatsPublisher publisher_;
  SlowLog slowlog_;
  RpcCounters rpc_counters_;
  // Whether the last locked request left its figures unpublished (the
  // interval had not passed); the reaper's wake-up publishes them.
  std::atomic<bool> unpublished_{false};
};

}  // namespace heapd

#endif  // HEAPD_SERVER_HEAP_SERVICE_H_
