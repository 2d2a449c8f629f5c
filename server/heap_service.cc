#include "server/heap_service.h"

#include <algorithm>
#include <chrono>
#include <optional>
#include <string>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "server/batch_executor.h"
#include "server/grpc_status.h"
#include "server/object_operations.h"
#include "server/object_translation.h"
#include "server/version.h"

namespace heapd::server {
namespace {

// How often connections_open is recounted.
constexpr absl::Duration kConnectionsRefresh = absl::Seconds(1);

objects::ObjectHeapOptions HeapOptions(const HeapServiceOptions& options) {
  objects::ObjectHeapOptions heap;
  heap.layout = options.layout;
  heap.gc = options.gc;
  heap.max_bytes = options.max_heap_bytes;
  heap.max_objects = options.max_objects;
  // Unguessable handles: a key no client can know.
  heap.handle_key = objects::RandomHandleKey();
  return heap;
}

SessionManagerOptions SessionOptions(const HeapServiceOptions& options) {
  SessionManagerOptions sessions;
  sessions.max_ttl = options.max_session_ttl;
  sessions.reap_interval = options.reap_interval;
  return sessions;
}

}  // namespace

HeapService::HeapService(const HeapServiceOptions& options)
    : started_(absl::Now()),
      started_steady_(std::chrono::steady_clock::now()),
      layout_(options.layout),
      max_allocate_count_(options.max_allocate_count),
      max_batch_(options.max_batch),
      max_objects_(options.max_objects),
      access_control_(options.access_control),
      interp_(HeapOptions(options), options.lock),
      kinds_(MethodKinds::Register(interp_.lock())),
      stats_publish_kind_(interp_.lock().RegisterKind("StatsPublish")),
      session_reaper_kind_(interp_.lock().RegisterKind("SessionReaper")),
      web_graph_kind_(interp_.lock().RegisterKind("WebGraph")),
      sessions_(&interp_, SessionOptions(options)),
      // Enough history for WatchStats' events between two messages.
      publisher_(options.stats_publish_interval, StatsWatchers::kEventCapacity),
      slowlog_(options.slowlog_capacity, options.slowlog_threshold),
      rpc_counters_(MethodNames()),
      connections_(kConnectionsRefresh),
      watchers_([this](const google::protobuf::RepeatedField<int>& sections,
                       v1::StatsResponse* out) { FillStats(sections, out); },
                [this] { return publisher_.Latest(); },
                [this](grpc::StatusCode code) {
                  rpc_counters_.Count(static_cast<int>(Method::kWatchStats),
                                      static_cast<int>(code));
                }),
      dispatcher_({.interpreter = &interp_,
                   .kinds = &kinds_,
                   .publisher = &publisher_,
                   .slowlog = &slowlog_,
                   .rpc_counters = &rpc_counters_,
                   .watchers = &watchers_},
                  {.max_lock_waiters = options.max_lock_waiters,
                   .interpreter_threads = options.interpreter_threads}) {
  SetMessageAllocatorFor_Batch(&batch_allocator_);
  // So that an idle server's Stats has figures to serve.
  {
    gil::InterpreterLockHolder holder(&interp_.lock(),
                                      kinds_.of(Method::kStats));
    publisher_.Update(interp_.heap(), /*force=*/true);
  }
  sessions_.StartReaper(session_reaper_kind_, [this](int reaped) {
    // The trailing publish: within one reap interval of the last request,
    // or of an expiry that released objects, Stats sees their effect.
    // A page watching the heap map asks for one too.
    if (!dispatcher_.TakeUnpublished() && reaped == 0 &&
        !publisher_.MapPending()) {
      return;
    }
    gil::InterpreterLockHolder holder(&interp_.lock(), stats_publish_kind_);
    publisher_.Update(interp_.heap(), /*force=*/true);
  });
}

HeapService::~HeapService() { sessions_.StopReaper(); }

void HeapService::Shutdown() {
  watchers_.FinishAll(
      grpc::Status(grpc::StatusCode::UNAVAILABLE, "heapd is shutting down"));
}

void HeapService::ScopeToCaller(const Caller& caller,
                                v1::StatsResponse* response) {
  if (caller.admin) return;
  // Aggregate figures stay; which sessions made the slow requests of other
  // identities does not show.
  if (response->slowlog_size() == 0) return;
  absl::flat_hash_set<uint64_t> own;
  for (const SlowLogRecord& record : slowlog_.Entries()) {
    if (record.tenant == caller.tenant) own.insert(record.id);
  }
  // An entry the log has dropped since is cleared too: nothing is shown
  // that is not known to be the caller's.
  for (v1::SlowLogEntry& entry : *response->mutable_slowlog()) {
    if (!own.contains(entry.id())) entry.clear_session_id();
  }
}

absl::Status HeapService::LookAtSession(
    const Caller& caller, absl::string_view session_id,
    absl::FunctionRef<void(objects::ObjectHeap&, objects::OwnerId)> body) {
  gil::InterpreterLockHolder holder(&interp_.lock(), web_graph_kind_);
  objects::ObjectHeap& heap = interp_.heap();
  objects::ScopedAccess access(heap, AccessOf(caller));
  absl::StatusOr<objects::OwnerId> owner = sessions_.Peek(session_id, caller);
  if (!owner.ok()) return owner.status();
  body(heap, *owner);
  return absl::OkStatus();
}

objects::Access HeapService::AccessOf(const Caller& caller) {
  return caller.admin ? objects::Access::Everything(caller.tenant)
                      : objects::Access::Only(caller.tenant);
}

template <typename Body>
grpc::ServerUnaryReactor* HeapService::Serve(
    grpc::CallbackServerContext* context, LockedCall call, Body body,
    Role role) {
  absl::StatusOr<Caller> caller = Authorize(context, call.method, role);
  if (!caller.ok()) {
    return dispatcher_.Finish(context, call.method,
                              ToGrpcStatus(caller.status()));
  }
  std::string session_id = call.session_id;
  call.tenant = caller->tenant;
  return dispatcher_.Dispatch(
      context, std::move(call),
      [this, session_id = std::move(session_id), caller = *std::move(caller),
       body =
           std::move(body)](objects::ObjectHeap& heap) mutable -> absl::Status {
        objects::ScopedAccess access(heap, AccessOf(caller));
        absl::StatusOr<objects::OwnerId> owner =
            sessions_.Renew(heap, session_id, caller);
        return owner.ok() ? body(heap, *owner) : owner.status();
      });
}

absl::StatusOr<Caller> HeapService::Authorize(
    grpc::CallbackServerContext* context, Method method, Role role) const {
  if (access_control_ == nullptr) return Caller();
  const auto& metadata = context->client_metadata();
  const auto found = metadata.find("authorization");
  const absl::string_view header =
      found == metadata.end()
          ? absl::string_view()
          : absl::string_view(found->second.data(), found->second.size());
  absl::StatusOr<Caller> caller = access_control_->Authenticate(header);
  if (!caller.ok()) return caller.status();
  if (role == Role::kAdmin && !caller->admin) {
    return absl::PermissionDeniedError(absl::StrCat(
        MethodName(method),
        method == Method::kCollect || method == Method::kBatch
            ? " of generation 2"
            : "",
        " needs the admin role; '", caller->identity, "' is a client"));
  }
  return caller;
}

grpc::ServerUnaryReactor* HeapService::Ping(
    grpc::CallbackServerContext* context, const v1::PingRequest* request,
    v1::PingResponse* response) {
  const absl::StatusOr<Caller> caller =
      Authorize(context, Method::kPing, Role::kClient);
  if (!caller.ok()) {
    return dispatcher_.Finish(context, Method::kPing,
                              ToGrpcStatus(caller.status()));
  }
  if (request->payload().size() > kMaxPingPayload) {
    return dispatcher_.Finish(
        context, Method::kPing,
        grpc::Status(
            grpc::StatusCode::INVALID_ARGUMENT,
            absl::StrCat("Ping payload is ", request->payload().size(),
                         " bytes; at most ", kMaxPingPayload, " (64 KiB)")));
  }
  // A keep-alive: renews the lease of the session it names. Without one,
  // Ping stays the empty round trip and never touches the lock.
  auto answer = [request, response] {
    response->set_payload(request->payload());
    response->set_server_time_unix_ns(absl::ToUnixNanos(absl::Now()));
    response->set_version(kHeapdVersion);
  };
  if (!request->session_id().empty()) {
    return dispatcher_.Dispatch(
        context,
        {.method = Method::kPing,
         .session_id = request->session_id(),
         .operations = 0,
         .end_with_safe_point = false},
        [=, this](objects::ObjectHeap& heap) -> absl::Status {
          absl::Status renewed =
              sessions_.Renew(heap, request->session_id(), *caller).status();
          if (renewed.ok()) answer();
          return renewed;
        });
  }
  answer();
  return dispatcher_.Finish(context, Method::kPing, grpc::Status::OK);
}

grpc::ServerUnaryReactor* HeapService::Stats(
    grpc::CallbackServerContext* context, const v1::StatsRequest* request,
    v1::StatsResponse* response) {
  const absl::StatusOr<Caller> caller =
      Authorize(context, Method::kStats, Role::kClient);
  if (!caller.ok()) {
    return dispatcher_.Finish(context, Method::kStats,
                              ToGrpcStatus(caller.status()));
  }
  // A fresh snapshot is published under the lock first, like any heap
  // request (on an interpreter thread if the lock is busy); the answer is
  // filled from it after the release, as for any Stats, so the hold is
  // the publication alone. Such a call is counted when it finishes, so its
  // own server section does not include it.
  if (request->fresh()) {
    return dispatcher_.Dispatch(
        context,
        {.method = Method::kStats,
         .operations = 0,
         .end_with_safe_point = false,
         .after_release =
             [=, this] {
               FillStats(request->sections(), response);
               ScopeToCaller(*caller, response);
             }},
        [this](objects::ObjectHeap& heap) -> absl::Status {
          publisher_.Update(heap, /*force=*/true);
          return absl::OkStatus();
        });
  }
  // Never the interpreter lock otherwise: the heap's figures are the latest
  // published snapshot (there is always one: the constructor publishes the
  // first). Counted before the server section is filled, so it includes
  // this call.
  rpc_counters_.Count(static_cast<int>(Method::kStats), 0);
  FillStats(request->sections(), response);
  ScopeToCaller(*caller, response);
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  reactor->Finish(grpc::Status::OK);
  return reactor;
}

// ---------------------------------------------------------------------------
// Sessions.

grpc::ServerUnaryReactor* HeapService::OpenSession(
    grpc::CallbackServerContext* context, const v1::OpenSessionRequest* request,
    v1::OpenSessionResponse* response) {
  const absl::StatusOr<Caller> caller =
      Authorize(context, Method::kOpenSession, Role::kClient);
  if (!caller.ok()) {
    return dispatcher_.Finish(context, Method::kOpenSession,
                              ToGrpcStatus(caller.status()));
  }
  // Opening touches no heap state, but goes through the lock like every
  // session call so that its cost shows in the lock's per-kind figures.
  return dispatcher_.Dispatch(
      context, {.method = Method::kOpenSession, .operations = 0},
      [=, this](objects::ObjectHeap&) -> absl::Status {
        absl::StatusOr<OpenedSession> opened =
            sessions_.Open(request->client_name(),
                           absl::Milliseconds(request->ttl_ms()), *caller);
        if (!opened.ok()) return opened.status();
        response->set_session_id(opened->id);
        response->set_ttl_ms(absl::ToInt64Milliseconds(opened->ttl));
        response->set_expires_at_unix_ns(absl::ToUnixNanos(opened->expires_at));
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* HeapService::CloseSession(
    grpc::CallbackServerContext* context,
    const v1::CloseSessionRequest* request,
    v1::CloseSessionResponse* response) {
  const absl::StatusOr<Caller> caller =
      Authorize(context, Method::kCloseSession, Role::kClient);
  if (!caller.ok()) {
    return dispatcher_.Finish(context, Method::kCloseSession,
                              ToGrpcStatus(caller.status()));
  }
  return dispatcher_.Dispatch(
      context,
      {.method = Method::kCloseSession,
       .session_id = request->session_id(),
       .operations = 0},
      [=, this](objects::ObjectHeap& heap) -> absl::Status {
        absl::StatusOr<objects::ReleaseResult> released =
            sessions_.Close(heap, request->session_id(), *caller);
        if (!released.ok()) return released.status();
        response->set_references_released(released->references_released);
        response->set_objects_freed(released->objects_freed);
        return absl::OkStatus();
      });
}

// ---------------------------------------------------------------------------
// Objects and references.

grpc::ServerUnaryReactor* HeapService::Allocate(
    grpc::CallbackServerContext* context, const v1::AllocateRequest* request,
    v1::AllocateResponse* response) {
  return Serve(context,
               {.method = Method::kAllocate,
                .session_id = request->session_id(),
                .operations = std::max<int64_t>(request->count(), 1)},
               [=, this](objects::ObjectHeap& heap,
                         objects::OwnerId owner) -> absl::Status {
                 return AllocateObjects(
                     heap, owner, request->type(), request->length(),
                     request->count(), request->finalizer(), request->weakref(),
                     max_allocate_count_, response);
               });
}

grpc::ServerUnaryReactor* HeapService::IncRef(
    grpc::CallbackServerContext* context, const v1::IncRefRequest* request,
    v1::IncRefResponse* response) {
  return Serve(
      context, {.method = Method::kIncRef, .session_id = request->session_id()},
      [=](objects::ObjectHeap& heap, objects::OwnerId owner) -> absl::Status {
        return IncRefObject(heap, owner, request->handle(), response);
      });
}

grpc::ServerUnaryReactor* HeapService::DecRef(
    grpc::CallbackServerContext* context, const v1::DecRefRequest* request,
    v1::DecRefResponse* response) {
  return Serve(
      context, {.method = Method::kDecRef, .session_id = request->session_id()},
      [=](objects::ObjectHeap& heap, objects::OwnerId owner) -> absl::Status {
        return DecRefObject(heap, owner, request->handle(), response);
      });
}

grpc::ServerUnaryReactor* HeapService::Link(
    grpc::CallbackServerContext* context, const v1::LinkRequest* request,
    v1::LinkResponse* response) {
  return Serve(
      context, {.method = Method::kLink, .session_id = request->session_id()},
      [=](objects::ObjectHeap& heap, objects::OwnerId) -> absl::Status {
        const bool has_field = request->slot_case() == v1::LinkRequest::kField;
        std::optional<int64_t> index;
        if (request->slot_case() == v1::LinkRequest::kIndex) {
          index = request->index();
        }
        return LinkObjects(heap, request->source(), request->target(),
                           has_field ? &request->field() : nullptr,
                           request->slot_case() == v1::LinkRequest::kAppend &&
                               request->append(),
                           index, response);
      });
}

grpc::ServerUnaryReactor* HeapService::Unlink(
    grpc::CallbackServerContext* context, const v1::UnlinkRequest* request,
    v1::UnlinkResponse* response) {
  return Serve(
      context, {.method = Method::kUnlink, .session_id = request->session_id()},
      [=](objects::ObjectHeap& heap, objects::OwnerId) -> absl::Status {
        const bool has_field =
            request->slot_case() == v1::UnlinkRequest::kField;
        std::optional<objects::Handle> item;
        if (request->slot_case() == v1::UnlinkRequest::kItem) {
          item = request->item();
        }
        std::optional<int64_t> index;
        if (request->slot_case() == v1::UnlinkRequest::kIndex) {
          index = request->index();
        }
        return UnlinkObjects(heap, request->source(),
                             has_field ? &request->field() : nullptr, item,
                             index, response);
      });
}

grpc::ServerUnaryReactor* HeapService::GetReferent(
    grpc::CallbackServerContext* context, const v1::GetReferentRequest* request,
    v1::GetReferentResponse* response) {
  return Serve(
      context,
      {.method = Method::kGetReferent, .session_id = request->session_id()},
      [=](objects::ObjectHeap& heap, objects::OwnerId owner) -> absl::Status {
        const bool has_field =
            request->slot_case() == v1::GetReferentRequest::kField;
        std::optional<int64_t> index;
        if (request->slot_case() == v1::GetReferentRequest::kIndex) {
          index = request->index();
        }
        return GetReferentObject(heap, owner, request->source(),
                                 has_field ? &request->field() : nullptr, index,
                                 response);
      });
}

grpc::ServerUnaryReactor* HeapService::CreateWeakRef(
    grpc::CallbackServerContext* context,
    const v1::CreateWeakRefRequest* request,
    v1::CreateWeakRefResponse* response) {
  return Serve(
      context,
      {.method = Method::kCreateWeakRef, .session_id = request->session_id()},
      [=](objects::ObjectHeap& heap, objects::OwnerId) -> absl::Status {
        return CreateWeakRefTo(heap, request->handle(), request->callback(),
                               response);
      });
}

grpc::ServerUnaryReactor* HeapService::ReadWeakRef(
    grpc::CallbackServerContext* context, const v1::ReadWeakRefRequest* request,
    v1::ReadWeakRefResponse* response) {
  return Serve(
      context,
      {.method = Method::kReadWeakRef, .session_id = request->session_id()},
      [=](objects::ObjectHeap& heap, objects::OwnerId owner) -> absl::Status {
        return ReadWeakRefOf(heap, owner, request->weakref_id(), response);
      });
}

grpc::ServerUnaryReactor* HeapService::Inspect(
    grpc::CallbackServerContext* context, const v1::InspectRequest* request,
    v1::InspectResponse* response) {
  return Serve(
      context,
      {.method = Method::kInspect, .session_id = request->session_id()},
      [=](objects::ObjectHeap& heap, objects::OwnerId owner) -> absl::Status {
        absl::StatusOr<objects::ObjectInfo> info =
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
  // Absent means a full collection, as gc.collect().
  const std::optional<int32_t> generation =
      request->has_generation() ? std::optional<int32_t>(request->generation())
                                : std::nullopt;
  return Serve(
      context,
      {.method = Method::kCollect, .session_id = request->session_id()},
      [=](objects::ObjectHeap& heap, objects::OwnerId) -> absl::Status {
        return CollectGeneration(heap, generation, response);
      },
      generation.value_or(objects::kNumGenerations - 1) ==
              objects::kNumGenerations - 1
          ? Role::kAdmin
          : Role::kClient);
}

grpc::ServerUnaryReactor* HeapService::GetGcConfig(
    grpc::CallbackServerContext* context, const v1::GetGcConfigRequest* request,
    v1::GcConfig* response) {
  return Serve(
      context,
      {.method = Method::kGetGcConfig, .session_id = request->session_id()},
      [=](objects::ObjectHeap& heap, objects::OwnerId) -> absl::Status {
        ToProto(heap.gc_config(), response);
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* HeapService::SetGcConfig(
    grpc::CallbackServerContext* context, const v1::SetGcConfigRequest* request,
    v1::GcConfig* response) {
  return Serve(
      context,
      {.method = Method::kSetGcConfig, .session_id = request->session_id()},
      [=](objects::ObjectHeap& heap, objects::OwnerId) -> absl::Status {
        absl::Status status =
            heap.SetGcConfig(MergeGcConfig(heap.gc_config(), *request));
        if (!status.ok()) return status;
        ToProto(heap.gc_config(), response);
        return absl::OkStatus();
      },
      Role::kAdmin);
}

grpc::ServerUnaryReactor* HeapService::Freeze(
    grpc::CallbackServerContext* context, const v1::FreezeRequest* request,
    v1::FreezeResponse* response) {
  return Serve(
      context, {.method = Method::kFreeze, .session_id = request->session_id()},
      [=](objects::ObjectHeap& heap, objects::OwnerId) -> absl::Status {
        response->set_frozen(heap.Freeze());
        return absl::OkStatus();
      },
      Role::kAdmin);
}

grpc::ServerUnaryReactor* HeapService::Unfreeze(
    grpc::CallbackServerContext* context, const v1::UnfreezeRequest* request,
    v1::UnfreezeResponse* response) {
  return Serve(
      context,
      {.method = Method::kUnfreeze, .session_id = request->session_id()},
      [=](objects::ObjectHeap& heap, objects::OwnerId) -> absl::Status {
        response->set_unfrozen(heap.Unfreeze());
        return absl::OkStatus();
      },
      Role::kAdmin);
}

// ---------------------------------------------------------------------------
// Batches.

grpc::ServerUnaryReactor* HeapService::Batch(
    grpc::CallbackServerContext* context, const v1::BatchRequest* request,
    v1::BatchResponse* response) {
  // A full collection among the operations needs the admin role.
  bool full_collection = false;
  for (const v1::Operation& operation : request->operations()) {
    full_collection |=
        operation.has_collect() &&
        (!operation.collect().has_generation() ||
         operation.collect().generation() == objects::kNumGenerations - 1);
  }
  const absl::StatusOr<Caller> caller = Authorize(
      context, Method::kBatch, full_collection ? Role::kAdmin : Role::kClient);
  // Refused before the lock is taken: an oversize batch costs nobody a wait.
  const absl::Status status =
      caller.ok() ? CheckBatchSize(*request, max_batch_) : caller.status();
  if (!status.ok()) {
    return dispatcher_.Finish(context, Method::kBatch, ToGrpcStatus(status));
  }
  // One hold of kind "Batch", ended by the request's last safe point.
  return dispatcher_.Dispatch(
      context,
      {.method = Method::kBatch,
       .session_id = request->session_id(),
       .tenant = caller->tenant,
       .operations = request->operations_size()},
      [=, this](objects::ObjectHeap& heap) -> absl::Status {
        // The caller's access, for this batch's operations; set again after
        // every yield, since the requests that ran meanwhile set their own.
        const objects::Access access = AccessOf(*caller);
        objects::ScopedAccess scoped(heap, access);
        absl::StatusOr<objects::OwnerId> owner =
            sessions_.Renew(heap, request->session_id(), *caller);
        if (!owner.ok()) return owner.status();
        // The interpreter's safe point between operations. The session
        // may be closed while the lock is yielded, so it is looked up
        // again after a yield (its OwnerId is only guaranteed while the
        // lock is held).
        auto safe_point = [&]() -> absl::StatusOr<bool> {
          // ExecuteBatch calls this with the lock held; the assertion (two
          // relaxed loads) tells clang's analysis so, which cannot see
          // into the call through FunctionRef.
          interp_.lock().AssertHeld();
          if (!interp_.SafePoint()) return false;
          heap.set_access(access);
          absl::StatusOr<objects::OwnerId> again =
              sessions_.Renew(heap, request->session_id(), *caller);
          if (!again.ok()) return again.status();
          return true;
        };
        absl::Status executed = ExecuteBatch(
            heap, *owner, *request, max_allocate_count_, safe_point, response);
        if (!executed.ok()) response->Clear();
        return executed;
      });
}

// ---------------------------------------------------------------------------
// Streams and checks.

grpc::ServerWriteReactor<v1::StatsResponse>* HeapService::WatchStats(
    grpc::CallbackServerContext* context,
    const v1::WatchStatsRequest* request) {
  const absl::StatusOr<Caller> caller =
      Authorize(context, Method::kWatchStats, Role::kClient);
  const grpc::Status valid = caller.ok() ? StatsWatchers::Validate(*request)
                                         : ToGrpcStatus(caller.status());
  if (!valid.ok()) {
    rpc_counters_.Count(static_cast<int>(Method::kWatchStats),
                        static_cast<int>(valid.error_code()));
    return StatsWatchers::Refuse(valid);
  }
  // Counted when it finishes, with its status (StatsWatchers' OnFinish).
  return watchers_.Start(*request,
                         [this, caller = *caller](v1::StatsResponse* message) {
                           ScopeToCaller(caller, message);
                         });
}

grpc::ServerUnaryReactor* HeapService::Verify(
    grpc::CallbackServerContext* context, const v1::VerifyRequest*,
    v1::VerifyResponse* response) {
  const absl::StatusOr<Caller> caller =
      Authorize(context, Method::kVerify, Role::kAdmin);
  if (!caller.ok()) {
    return dispatcher_.Finish(context, Method::kVerify,
                              ToGrpcStatus(caller.status()));
  }
  return dispatcher_.Dispatch(
      context,
      {.method = Method::kVerify,
       .operations = 0,
       .end_with_safe_point = false},
      [response](objects::ObjectHeap& heap) -> absl::Status {
        const auto start = std::chrono::steady_clock::now();
        absl::Status verified = heap.Verify();
        response->set_duration_ns(
            std::chrono::duration_cast<std::chrono::nanoseconds>(
                std::chrono::steady_clock::now() - start)
                .count());
        response->set_objects(heap.Stats().objects);
        response->set_arenas(static_cast<int64_t>(
            heap.AllocatorStatistics().small.arenas_current));
        return verified;
      });
}

}  // namespace heapd::server
