#include "server/heap_service.h"

#include <optional>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "server/batch_executor.h"
#include "server/grpc_status.h"
#include "server/object_operations.h"
#include "server/object_translation.h"
#include "server/stats_translation.h"
#include "server/unimplemented.h"
#include "server/version.h"

namespace heapd {
namespace {

int64_t UnixNanosNow() { return absl::ToUnixNanos(absl::Now()); }

// Whether a Stats request asks for `section`: an empty list means all.
bool Wants(const v1::StatsRequest& request, v1::StatsSection section) {
  if (request.sections().empty()) return true;
  for (int wanted : request.sections()) {
    if (wanted == section) return true;
  }
  return false;
}

// Collections the collector section lists in `recent`.
constexpr size_t kRecentCollections = 16;

ObjectHeapOptions HeapOptions(const HeapServiceOptions& options) {
  ObjectHeapOptions heap;
  heap.layout = options.layout;
  heap.gc = options.gc;
  return heap;
}

SessionManagerOptions SessionOptions(const HeapServiceOptions& options) {
  SessionManagerOptions sessions;
  sessions.max_ttl = options.max_session_ttl;
  sessions.reap_interval = options.reap_interval;
  return sessions;
}

}  // namespace

HeapService::Kinds HeapService::RegisterKinds(InterpreterLock& lock) {
  Kinds kinds;
  kinds.open_session = lock.RegisterKind("OpenSession");
  kinds.close_session = lock.RegisterKind("CloseSession");
  kinds.allocate = lock.RegisterKind("Allocate");
  kinds.incref = lock.RegisterKind("IncRef");
  kinds.decref = lock.RegisterKind("DecRef");
  kinds.link = lock.RegisterKind("Link");
  kinds.unlink = lock.RegisterKind("Unlink");
  // A collection is a rare, long hold: time every one.
  kinds.collect = lock.RegisterKind("Collect", {.time_every_hold = true});
  kinds.inspect = lock.RegisterKind("Inspect");
  kinds.get_gc_config = lock.RegisterKind("GetGcConfig");
  kinds.set_gc_config = lock.RegisterKind("SetGcConfig");
  kinds.freeze = lock.RegisterKind("Freeze");
  kinds.unfreeze = lock.RegisterKind("Unfreeze");
  kinds.stats = lock.RegisterKind("Stats");
  kinds.session_reaper = lock.RegisterKind("SessionReaper");
  kinds.ping = lock.RegisterKind("Ping");
  kinds.batch = lock.RegisterKind("Batch");
  return kinds;
}

HeapService::HeapService(const HeapServiceOptions& options)
    : started_(absl::Now()),
      started_steady_(std::chrono::steady_clock::now()),
      layout_(options.layout),
      max_allocate_count_(options.max_allocate_count),
      max_batch_(options.max_batch),
      interp_(HeapOptions(options), options.lock),
      kinds_(RegisterKinds(interp_.lock())),
      sessions_(&interp_, SessionOptions(options)) {
  sessions_.StartReaper(kinds_.session_reaper);
}

HeapService::~HeapService() { sessions_.StopReaper(); }

template <typename Body>
grpc::ServerUnaryReactor* HeapService::Serve(
    grpc::CallbackServerContext* context, RequestKind kind,
    const std::string& session_id, Body&& body) {
  absl::Status status;
  {
    InterpreterLockHolder holder(&interp_.lock(), kind);
    ObjectHeap& heap = interp_.heap();
    absl::StatusOr<OwnerId> owner = sessions_.Renew(heap, session_id);
    status = owner.ok() ? body(heap, *owner) : owner.status();
    // The end of the request is its safe point: a collection a threshold
    // scheduled runs here, still under the lock, as CPython runs it at the
    // next eval-breaker check.
    heap.CollectIfScheduled();
  }
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  reactor->Finish(ToGrpcStatus(status));
  return reactor;
}

grpc::ServerUnaryReactor* HeapService::Ping(
    grpc::CallbackServerContext* context, const v1::PingRequest* request,
    v1::PingResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  if (request->payload().size() > kMaxPingPayload) {
    reactor->Finish(grpc::Status(
        grpc::StatusCode::INVALID_ARGUMENT,
        absl::StrCat("Ping payload is ", request->payload().size(),
                     " bytes; at most ", kMaxPingPayload, " (64 KiB)")));
    return reactor;
  }
  // A keep-alive: renews the lease of the session it names. Without one,
  // Ping stays the empty round trip and never touches the lock.
  if (!request->session_id().empty()) {
    absl::Status status;
    {
      InterpreterLockHolder holder(&interp_.lock(), kinds_.ping);
      status = sessions_.Renew(interp_.heap(), request->session_id()).status();
    }
    if (!status.ok()) {
      reactor->Finish(ToGrpcStatus(status));
      return reactor;
    }
  }
  response->set_payload(request->payload());
  response->set_server_time_unix_ns(UnixNanosNow());
  response->set_version(kHeapdVersion);
  reactor->Finish(grpc::Status::OK);
  return reactor;
}

grpc::ServerUnaryReactor* HeapService::Stats(
    grpc::CallbackServerContext* context, const v1::StatsRequest* request,
    v1::StatsResponse* response) {
  const bool want_allocator = Wants(*request, v1::ALLOCATOR);
  const bool want_objects = Wants(*request, v1::OBJECTS);
  const bool want_collector = Wants(*request, v1::COLLECTOR);

  // Only the copies happen under the lock; translating them to protobuf
  // does not need it.
  std::optional<AllocatorStats> allocator_stats;
  std::optional<ObjectHeapStats> heap_stats;
  std::vector<HeapEvent> events;
  uint64_t sequence;
  int64_t timestamp;
  {
    InterpreterLockHolder holder(&interp_.lock(), kinds_.stats);
    const ObjectHeap& heap = interp_.heap();
    if (want_allocator) allocator_stats = heap.AllocatorStatistics();
    if (want_objects || want_collector) heap_stats = heap.Stats();
    if (want_collector) events = heap.EventsSince(0);
    sequence = next_sequence_++;
    timestamp = UnixNanosNow();
  }

  response->set_timestamp_unix_ns(timestamp);
  response->set_sequence(sequence);
  if (allocator_stats.has_value()) {
    ToProto(layout_, *allocator_stats, response->mutable_allocator());
  }
  if (want_objects) ToProto(*heap_stats, response->mutable_objects());
  if (want_collector) {
    std::vector<HeapEvent> collections;
    for (HeapEvent& event : events) {
      if (event.kind == HeapEvent::Kind::kCollection) {
        collections.push_back(std::move(event));
      }
    }
    if (collections.size() > kRecentCollections) {
      collections.erase(collections.begin(),
                        collections.end() - kRecentCollections);
    }
    ToProto(*heap_stats, collections, response->mutable_collector());
  }
  // The lock's statistics are read without the lock.
  if (Wants(*request, v1::LOCK)) {
    ToProto(interp_.lock().Stats(), response->mutable_lock());
  }
  if (Wants(*request, v1::SERVER)) FillServerStats(response->mutable_server());
  // SLOWLOG stays empty: there is no slow log yet.

  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  reactor->Finish(grpc::Status::OK);
  return reactor;
}

void HeapService::FillServerStats(v1::ServerStats* out) const {
  out->set_version(kHeapdVersion);
  out->set_started_unix_ns(absl::ToUnixNanos(started_));
  out->set_uptime_ns(std::chrono::duration_cast<std::chrono::nanoseconds>(
                         std::chrono::steady_clock::now() - started_steady_)
                         .count());
  const SessionCounters sessions = sessions_.Counters();
  out->set_sessions_open(sessions.open);
  out->set_sessions_opened_total(sessions.opened_total);
  out->set_sessions_closed_total(sessions.closed_total);
  out->set_sessions_expired_total(sessions.expired_total);
}

// ---------------------------------------------------------------------------
// Sessions.

grpc::ServerUnaryReactor* HeapService::OpenSession(
    grpc::CallbackServerContext* context,
    const v1::OpenSessionRequest* request,
    v1::OpenSessionResponse* response) {
  absl::Status status;
  {
    // Opening touches no heap state, but goes through the lock like every
    // session call so that its cost shows in the lock's per-kind figures.
    InterpreterLockHolder holder(&interp_.lock(), kinds_.open_session);
    absl::StatusOr<OpenedSession> opened = sessions_.Open(
        request->client_name(), absl::Milliseconds(request->ttl_ms()));
    if (opened.ok()) {
      response->set_session_id(opened->id);
      response->set_ttl_ms(absl::ToInt64Milliseconds(opened->ttl));
      response->set_expires_at_unix_ns(absl::ToUnixNanos(opened->expires_at));
    } else {
      status = opened.status();
    }
    interp_.heap().CollectIfScheduled();
  }
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  reactor->Finish(ToGrpcStatus(status));
  return reactor;
}

grpc::ServerUnaryReactor* HeapService::CloseSession(
    grpc::CallbackServerContext* context,
    const v1::CloseSessionRequest* request,
    v1::CloseSessionResponse* response) {
  absl::Status status;
  {
    InterpreterLockHolder holder(&interp_.lock(), kinds_.close_session);
    ObjectHeap& heap = interp_.heap();
    absl::StatusOr<ReleaseResult> released =
        sessions_.Close(heap, request->session_id());
    if (released.ok()) {
      response->set_references_released(released->references_released);
      response->set_objects_freed(released->objects_freed);
    } else {
      status = released.status();
    }
    heap.CollectIfScheduled();
  }
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  reactor->Finish(ToGrpcStatus(status));
  return reactor;
}

// ---------------------------------------------------------------------------
// Objects and references.

grpc::ServerUnaryReactor* HeapService::Allocate(
    grpc::CallbackServerContext* context, const v1::AllocateRequest* request,
    v1::AllocateResponse* response) {
  return Serve(context, kinds_.allocate, request->session_id(),
               [&](ObjectHeap& heap, OwnerId owner) -> absl::Status {
                 return AllocateObjects(
                     heap, owner, request->type(), request->length(),
                     request->count(), request->finalizer(),
                     request->weakref(), max_allocate_count_, response);
               });
}

grpc::ServerUnaryReactor* HeapService::IncRef(
    grpc::CallbackServerContext* context, const v1::IncRefRequest* request,
    v1::IncRefResponse* response) {
  return Serve(context, kinds_.incref, request->session_id(),
               [&](ObjectHeap& heap, OwnerId owner) -> absl::Status {
                 return IncRefObject(heap, owner, request->handle(),
                                     response);
               });
}

grpc::ServerUnaryReactor* HeapService::DecRef(
    grpc::CallbackServerContext* context, const v1::DecRefRequest* request,
    v1::DecRefResponse* response) {
  return Serve(context, kinds_.decref, request->session_id(),
               [&](ObjectHeap& heap, OwnerId owner) -> absl::Status {
                 return DecRefObject(heap, owner, request->handle(),
                                     response);
               });
}

grpc::ServerUnaryReactor* HeapService::Link(
    grpc::CallbackServerContext* context, const v1::LinkRequest* request,
    v1::LinkResponse* response) {
  return Serve(
      context, kinds_.link, request->session_id(),
      [&](ObjectHeap& heap, OwnerId) -> absl::Status {
        const bool has_field = request->slot_case() == v1::LinkRequest::kField;
        return LinkObjects(
            heap, request->source(), request->target(),
            has_field ? &request->field() : nullptr,
            request->slot_case() == v1::LinkRequest::kAppend &&
                request->append(),
            response);
      });
}

grpc::ServerUnaryReactor* HeapService::Unlink(
    grpc::CallbackServerContext* context, const v1::UnlinkRequest* request,
    v1::UnlinkResponse* response) {
  return Serve(
      context, kinds_.unlink, request->session_id(),
      [&](ObjectHeap& heap, OwnerId) -> absl::Status {
        const bool has_field =
            request->slot_case() == v1::UnlinkRequest::kField;
        std::optional<Handle> item;
        if (request->slot_case() == v1::UnlinkRequest::kItem) {
          item = request->item();
        }
        return UnlinkObjects(heap, request->source(),
                             has_field ? &request->field() : nullptr, item,
                             response);
      });
}

grpc::ServerUnaryReactor* HeapService::Inspect(
    grpc::CallbackServerContext* context, const v1::InspectRequest* request,
    v1::InspectResponse* response) {
  return Serve(context, kinds_.inspect, request->session_id(),
               [&](ObjectHeap& heap, OwnerId owner) -> absl::Status {
                 absl::StatusOr<ObjectInfo> info =
                     heap.Inspect(request->handle(), owner);
                 if (!info.ok()) return info.status();
                 ToProto(*info, response->mutable_object());
                 return absl::OkStatus();
               });
}

// ---------------------------------------------------------------------------
// The collector.

grpc::ServerUnaryReactor* HeapService::Collect(
    grpc::CallbackServerContext* context, const v1::CollectRequest* request,
    v1::CollectResponse* response) {
  return Serve(context, kinds_.collect, request->session_id(),
               [&](ObjectHeap& heap, OwnerId) -> absl::Status {
                 // Absent means a full collection, as gc.collect().
                 return CollectGeneration(
                     heap,
                     request->has_generation()
                         ? std::optional<int32_t>(request->generation())
                         : std::nullopt,
                     response);
               });
}

grpc::ServerUnaryReactor* HeapService::GetGcConfig(
    grpc::CallbackServerContext* context,
    const v1::GetGcConfigRequest* request, v1::GcConfig* response) {
  return Serve(context, kinds_.get_gc_config, request->session_id(),
               [&](ObjectHeap& heap, OwnerId) -> absl::Status {
                 ToProto(heap.gc_config(), response);
                 return absl::OkStatus();
               });
}

grpc::ServerUnaryReactor* HeapService::SetGcConfig(
    grpc::CallbackServerContext* context,
    const v1::SetGcConfigRequest* request, v1::GcConfig* response) {
  return Serve(context, kinds_.set_gc_config, request->session_id(),
               [&](ObjectHeap& heap, OwnerId) -> absl::Status {
                 absl::Status status = heap.SetGcConfig(
                     MergeGcConfig(heap.gc_config(), *request));
                 if (!status.ok()) return status;
                 ToProto(heap.gc_config(), response);
                 return absl::OkStatus();
               });
}

grpc::ServerUnaryReactor* HeapService::Freeze(
    grpc::CallbackServerContext* context, const v1::FreezeRequest* request,
    v1::FreezeResponse* response) {
  return Serve(context, kinds_.freeze, request->session_id(),
               [&](ObjectHeap& heap, OwnerId) -> absl::Status {
                 response->set_frozen(heap.Freeze());
                 return absl::OkStatus();
               });
}

grpc::ServerUnaryReactor* HeapService::Unfreeze(
    grpc::CallbackServerContext* context, const v1::UnfreezeRequest* request,
    v1::UnfreezeResponse* response) {
  return Serve(context, kinds_.unfreeze, request->session_id(),
               [&](ObjectHeap& heap, OwnerId) -> absl::Status {
                 response->set_unfrozen(heap.Unfreeze());
                 return absl::OkStatus();
               });
}

// ---------------------------------------------------------------------------
// Batches.

grpc::ServerUnaryReactor* HeapService::Batch(
    grpc::CallbackServerContext* context, const v1::BatchRequest* request,
    v1::BatchResponse* response) {
  // Refused before the lock is taken: an oversize batch costs nobody a wait.
  absl::Status status = CheckBatchSize(*request, max_batch_);
  if (status.ok()) {
    InterpreterLockHolder holder(&interp_.lock(), kinds_.batch);
    ObjectHeap& heap = interp_.heap();
    absl::StatusOr<OwnerId> owner = sessions_.Renew(heap, request->session_id());
    if (owner.ok()) {
      // CPython's eval breaker between bytecodes: a scheduled collection,
      // then the lock for whoever asked for it. The session may be closed
      // while the lock is yielded, so it is looked up again after a yield
      // (its OwnerId is only guaranteed while the lock is held).
      auto safe_point = [&]() -> absl::StatusOr<bool> {
        // ExecuteBatch calls this with the lock held; the assertion (two
        // relaxed loads) tells clang's analysis so, which cannot see into
        // the call through FunctionRef.
        interp_.lock().AssertHeld();
        heap.CollectIfScheduled();
        if (!interp_.lock().SafePoint()) return false;
        absl::StatusOr<OwnerId> again =
            sessions_.Renew(heap, request->session_id());
        if (!again.ok()) return again.status();
        return true;
      };
      status = ExecuteBatch(heap, *owner, *request, max_allocate_count_,
                            safe_point, response);
      if (!status.ok()) response->Clear();
    } else {
      status = owner.status();
    }
    heap.CollectIfScheduled();
  }
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  reactor->Finish(ToGrpcStatus(status));
  return reactor;
}

// ---------------------------------------------------------------------------
// Not served yet.

grpc::ServerWriteReactor<v1::StatsResponse>* HeapService::WatchStats(
    grpc::CallbackServerContext*, const v1::WatchStatsRequest*) {
  return new FinishedWriteReactor<v1::StatsResponse>(
      NotServedYet("WatchStats"));
}

}  // namespace heapd
