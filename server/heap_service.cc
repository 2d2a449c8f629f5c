#include "server/heap_service.h"

#include <chrono>
#include <iterator>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "server/batch_executor.h"
#include "server/grpc_status.h"
#include "server/object_operations.h"
#include "server/object_translation.h"
#include "server/stats_translation.h"
#include "server/version.h"

namespace heapd {
namespace {

int64_t UnixNanosNow() { return absl::ToUnixNanos(absl::Now()); }

// Whether `sections` asks for `section`: an empty list means all.
bool Wants(const google::protobuf::RepeatedField<int>& sections,
           v1::StatsSection section) {
  if (sections.empty()) return true;
  for (int wanted : sections) {
    if (wanted == section) return true;
  }
  return false;
}

// Collections the collector section lists in `recent`.
constexpr size_t kRecentCollections = 16;
// How often connections_open is recounted.
constexpr absl::Duration kConnectionsRefresh = absl::Seconds(1);

// RPC method names, indexed by HeapService::Method.
const char* const kMethodNames[] = {
    "Ping",   "Stats",   "OpenSession", "CloseSession", "Allocate",
    "IncRef", "DecRef",  "Link",        "Unlink",       "Collect",
    "Inspect", "GetGcConfig", "SetGcConfig", "Freeze",  "Unfreeze",
    "Batch",  "WatchStats", "Verify"};

std::vector<std::string> MethodNames() {
  return std::vector<std::string>(std::begin(kMethodNames),
                                  std::end(kMethodNames));
}

objects::ObjectHeapOptions HeapOptions(const HeapServiceOptions& options) {
  objects::ObjectHeapOptions heap;
  heap.layout = options.layout;
  heap.gc = options.gc;
  heap.max_bytes = options.max_heap_bytes;
  heap.max_objects = options.max_objects;
  return heap;
}

SessionManagerOptions SessionOptions(const HeapServiceOptions& options) {
  SessionManagerOptions sessions;
  sessions.max_ttl = options.max_session_ttl;
  sessions.reap_interval = options.reap_interval;
  return sessions;
}

}  // namespace

HeapService::Kinds HeapService::RegisterKinds(gil::InterpreterLock& lock) {
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
  kinds.stats_publish = lock.RegisterKind("StatsPublish");
  kinds.session_reaper = lock.RegisterKind("SessionReaper");
  kinds.ping = lock.RegisterKind("Ping");
  kinds.batch = lock.RegisterKind("Batch");
  // A walk of the whole heap: rare and long, like a collection.
  kinds.verify = lock.RegisterKind("Verify", {.time_every_hold = true});
  return kinds;
}

HeapService::HeapService(const HeapServiceOptions& options)
    : started_(absl::Now()),
      started_steady_(std::chrono::steady_clock::now()),
      layout_(options.layout),
      max_allocate_count_(options.max_allocate_count),
      max_batch_(options.max_batch),
      max_objects_(options.max_objects),
      max_lock_waiters_(options.max_lock_waiters),
      access_control_(options.access_control),
      interp_(HeapOptions(options), options.lock),
      kinds_(RegisterKinds(interp_.lock())),
      sessions_(&interp_, SessionOptions(options)),
      // Enough history for WatchStats' events between two messages.
      publisher_(options.stats_publish_interval,
                 StatsWatchers::kEventCapacity),
      slowlog_(options.slowlog_capacity, options.slowlog_threshold),
      rpc_counters_(MethodNames()),
      connections_(kConnectionsRefresh),
      watchers_(
          [this](const google::protobuf::RepeatedField<int>& sections,
                 v1::StatsResponse* out) { FillStats(sections, out); },
          [this] { return publisher_.Latest(); },
          [this](grpc::StatusCode code) {
            rpc_counters_.Count(kWatchStats, static_cast<int>(code));
          }),
      threads_(options.interpreter_threads) {
  static_assert(std::size(kMethodNames) == static_cast<size_t>(kNumMethods));
  SetMessageAllocatorFor_Batch(&batch_allocator_);
  // So that an idle server's Stats has figures to serve.
  {
    gil::InterpreterLockHolder holder(&interp_.lock(), kinds_.stats);
    publisher_.Update(interp_.heap(), /*force=*/true);
  }
  sessions_.StartReaper(kinds_.session_reaper, [this](int reaped) {
    // The trailing publish: within one reap interval of the last request,
    // or of an expiry that released objects, Stats sees their effect.
    if (!unpublished_.exchange(false, std::memory_order_relaxed) &&
        reaped == 0) {
      return;
    }
    gil::InterpreterLockHolder holder(&interp_.lock(), kinds_.stats_publish);
    publisher_.Update(interp_.heap(), /*force=*/true);
  });
}

HeapService::~HeapService() { sessions_.StopReaper(); }

void HeapService::Shutdown() {
  watchers_.FinishAll(grpc::Status(grpc::StatusCode::UNAVAILABLE,
                                   "heapd is shutting down"));
}

template <typename Body>
grpc::ServerUnaryReactor* HeapService::Dispatch(
    grpc::CallbackServerContext* context, Method method, gil::RequestKind kind,
    std::string session_id, bool safe_point, int64_t operations, Body body,
    std::function<void()> after_release) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  const Clock::time_point arrived = Clock::now();
  auto run = [this, reactor, method, kind, session_id = std::move(session_id),
              safe_point, operations, body = std::move(body),
              after_release = std::move(after_release),
              arrived](bool held) mutable {
    const absl::Status status = RunLocked(method, kind, session_id, safe_point,
                                          operations, held, arrived, body);
    if (status.ok() && after_release) after_release();
    Complete(reactor, method, ToGrpcStatus(status));
  };
  // Free and nobody waiting: run here, on gRPC's thread, without a hop.
  if (interp_.lock().TryAcquire(kind)) {
    run(/*held=*/true);
    return reactor;
  }
  // Overload pushes back: past the cap a request is refused before it
  // queues (and before it costs the lock anything).
  if (max_lock_waiters_ > 0 &&
      lock_waiting_.fetch_add(1, std::memory_order_relaxed) >=
          max_lock_waiters_) {
    lock_waiting_.fetch_sub(1, std::memory_order_relaxed);
    lock_waiters_rejected_.fetch_add(1, std::memory_order_relaxed);
    Complete(reactor, method,
             grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED,
                          absl::StrCat(kMethodNames[method], " refused: ",
                                       max_lock_waiters_,
                                       " requests already wait for the "
                                       "interpreter lock "
                                       "(--max_lock_waiters); retry with "
                                       "backoff")));
    return reactor;
  }
  // Otherwise an interpreter thread waits for the lock, not gRPC's.
  threads_.Submit([run = std::move(run)]() mutable { run(/*held=*/false); });
  return reactor;
}

template <typename Body>
absl::Status HeapService::RunLocked(Method method, gil::RequestKind kind,
                                    const std::string& session_id,
                                    bool safe_point, int64_t operations,
                                    bool held, Clock::time_point arrived,
                                    Body& body) {
  HeldResult result;
  if (held) {
    interp_.lock().AssertHeld();
    gil::InterpreterLockHolder holder(&interp_.lock(), std::adopt_lock);
    result = RunHeld(safe_point, body);
  } else {
    gil::InterpreterLockHolder holder(&interp_.lock(), kind);
    if (max_lock_waiters_ > 0) {
      lock_waiting_.fetch_sub(1, std::memory_order_relaxed);
    }
    result = RunHeld(safe_point, body);
  }
  // After the release: watchers, the slow log have their own mutexes, and
  // nobody waits for the interpreter lock while we take them.
  if (result.events) watchers_.Notify();
  SlowLogRecord record;
  record.operations = operations;
  // The wait includes the time queued for an interpreter thread.
  record.wait_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                       result.acquired - arrived)
                       .count();
  record.hold_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                       result.releasing - result.acquired)
                       .count();
  if (record.wait_ns > slowlog_.threshold_ns() ||
      record.hold_ns > slowlog_.threshold_ns()) {
    record.timestamp_unix_ns = UnixNanosNow();
    record.method = kMethodNames[method];
    record.session_id = session_id;
    slowlog_.MaybeRecord(std::move(record));
  }
  return result.status;
}

template <typename Body>
HeapService::HeldResult HeapService::RunHeld(bool safe_point, Body& body) {
  HeldResult result;
  result.acquired = Clock::now();
  objects::ObjectHeap& heap = interp_.heap();
  const uint64_t events_before = heap.last_event_sequence();
  result.status = body(heap);
  // The end of the request is its last safe point: a collection a threshold
  // scheduled runs here, still under the lock, as CPython runs it at the
  // next eval-breaker check.
  if (safe_point) interp_.SafePoint(Interpreter::SafePointAt::kBeforeRelease);
  // A collection (here, or inside a Batch) or another heap event is
  // published at once, for Stats and WatchStats' events.
  result.events = heap.last_event_sequence() != events_before;
  // Still under the lock, which is what makes the heap readable; cheap
  // unless the interval has passed or an event just changed the collector's
  // figures.
  const bool published = publisher_.Update(heap, result.events);
  // Left for the reaper's next wake-up, so an idle server does not serve
  // this request's figures stale for ever.
  unpublished_.store(!published, std::memory_order_relaxed);
  result.releasing = Clock::now();
  return result;
}

grpc::ServerUnaryReactor* HeapService::Finish(
    grpc::CallbackServerContext* context, Method method,
    const grpc::Status& status) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  Complete(reactor, method, status);
  return reactor;
}

void HeapService::Complete(grpc::ServerUnaryReactor* reactor, Method method,
                           const grpc::Status& status) {
  rpc_counters_.Count(method, static_cast<int>(status.error_code()));
  reactor->Finish(status);
}

template <typename Body>
grpc::ServerUnaryReactor* HeapService::Serve(
    grpc::CallbackServerContext* context, Method method, gil::RequestKind kind,
    const std::string& session_id, Body&& body, int64_t operations,
    bool admin_only) {
  absl::StatusOr<Caller> caller = Authorize(context, method, admin_only);
  if (!caller.ok()) return Finish(context, method, ToGrpcStatus(caller.status()));
  return Dispatch(
      context, method, kind, session_id, /*safe_point=*/true, operations,
      [this, session_id, caller = *std::move(caller),
       body = std::move(body)](objects::ObjectHeap& heap) mutable -> absl::Status {
        absl::StatusOr<objects::OwnerId> owner =
            sessions_.Renew(heap, session_id, caller);
        return owner.ok() ? body(heap, *owner) : owner.status();
      });
}

absl::StatusOr<Caller> HeapService::Authorize(
    grpc::CallbackServerContext* context, Method method,
    bool admin_only) const {
  if (access_control_ == nullptr) return Caller();
  const auto& metadata = context->client_metadata();
  const auto found = metadata.find("authorization");
  const absl::string_view header =
      found == metadata.end()
          ? absl::string_view()
          : absl::string_view(found->second.data(), found->second.size());
  absl::StatusOr<Caller> caller = access_control_->Authenticate(header);
  if (!caller.ok()) return caller.status();
  if (admin_only && !caller->admin) {
    return absl::PermissionDeniedError(absl::StrCat(
        kMethodNames[method],
        method == kCollect || method == kBatch ? " of generation 2" : "",
        " needs the admin role; '", caller->identity, "' is a client"));
  }
  return caller;
}

grpc::ServerUnaryReactor* HeapService::Ping(
    grpc::CallbackServerContext* context, const v1::PingRequest* request,
    v1::PingResponse* response) {
  const absl::StatusOr<Caller> caller = Authorize(context, kPing, false);
  if (!caller.ok()) return Finish(context, kPing, ToGrpcStatus(caller.status()));
  if (request->payload().size() > kMaxPingPayload) {
    return Finish(context, kPing,
                  grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                               absl::StrCat("Ping payload is ",
                                            request->payload().size(),
                                            " bytes; at most ",
                                            kMaxPingPayload, " (64 KiB)")));
  }
  // A keep-alive: renews the lease of the session it names. Without one,
  // Ping stays the empty round trip and never touches the lock.
  auto answer = [request, response] {
    response->set_payload(request->payload());
    response->set_server_time_unix_ns(UnixNanosNow());
    response->set_version(kHeapdVersion);
  };
  if (!request->session_id().empty()) {
    return Dispatch(context, kPing, kinds_.ping, request->session_id(),
                    /*safe_point=*/false, /*operations=*/0,
                    [=, this](objects::ObjectHeap& heap) -> absl::Status {
                      absl::Status renewed =
                          sessions_.Renew(heap, request->session_id(), *caller)
                              .status();
                      if (renewed.ok()) answer();
                      return renewed;
                    });
  }
  answer();
  return Finish(context, kPing, grpc::Status::OK);
}

grpc::ServerUnaryReactor* HeapService::Stats(
    grpc::CallbackServerContext* context, const v1::StatsRequest* request,
    v1::StatsResponse* response) {
  const absl::StatusOr<Caller> caller = Authorize(context, kStats, false);
  if (!caller.ok()) {
    return Finish(context, kStats, ToGrpcStatus(caller.status()));
  }
  // A fresh snapshot is published under the lock first, like any heap
  // request (on an interpreter thread if the lock is busy); the answer is
  // filled from it after the release, as for any Stats, so the hold is
  // the publication alone. Such a call is counted when it finishes, so its
  // own server section does not include it.
  if (request->fresh()) {
    return Dispatch(
        context, kStats, kinds_.stats, /*session_id=*/"",
        /*safe_point=*/false, /*operations=*/0,
        [this](objects::ObjectHeap& heap) -> absl::Status {
          publisher_.Update(heap, /*force=*/true);
          return absl::OkStatus();
        },
        [=, this] { FillStats(request->sections(), response); });
  }
  // Never the interpreter lock otherwise: the heap's figures are the latest
  // published snapshot (there is always one: the constructor publishes the
  // first). Counted before the server section is filled, so it includes
  // this call.
  rpc_counters_.Count(kStats, 0);
  FillStats(request->sections(), response);
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  reactor->Finish(grpc::Status::OK);
  return reactor;
}

void HeapService::FillStats(
    const google::protobuf::RepeatedField<int>& sections,
    v1::StatsResponse* response) {
  const std::shared_ptr<const StatsSnapshot> snapshot = publisher_.Latest();
  response->set_timestamp_unix_ns(snapshot->timestamp_unix_ns);
  response->set_sequence(snapshot->sequence);
  if (Wants(sections, v1::ALLOCATOR)) {
    ToProto(layout_, snapshot->allocator, response->mutable_allocator());
  }
  if (Wants(sections, v1::OBJECTS)) {
    ToProto(snapshot->heap, response->mutable_objects());
    response->mutable_objects()->set_max_objects(max_objects_);
  }
  if (Wants(sections, v1::COLLECTOR)) {
    v1::CollectorStats* collector = response->mutable_collector();
    // The publisher keeps more history than `recent` shows (WatchStats'
    // events need it): the newest kRecentCollections.
    const std::vector<objects::HeapEvent>& all = snapshot->recent_collections;
    const std::vector<objects::HeapEvent> recent(
        all.end() - std::min(all.size(), kRecentCollections), all.end());
    ToProto(snapshot->heap, recent, collector);
    // Live rather than from the snapshot: the histogram is readable without
    // the lock, and may count a collection the snapshot predates.
    ToProto(publisher_.pause().Summarize(), collector->mutable_pause());
  }
  if (Wants(sections, v1::LOCK)) {
    ToProto(interp_.lock().Stats(), response->mutable_lock());
  }
  if (Wants(sections, v1::SERVER)) FillServerStats(response->mutable_server());
  if (Wants(sections, v1::SLOWLOG)) {
    for (const SlowLogRecord& record : slowlog_.Entries()) {
      v1::SlowLogEntry* entry = response->add_slowlog();
      entry->set_id(record.id);
      entry->set_timestamp_unix_ns(record.timestamp_unix_ns);
      entry->set_method(record.method);
      entry->set_session_id(record.session_id);
      entry->set_wait_ns(record.wait_ns);
      entry->set_hold_ns(record.hold_ns);
      entry->set_operations(record.operations);
    }
  }
}

void HeapService::FillServerStats(v1::ServerStats* out) {
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
  int64_t rpcs = 0;
  int64_t errors = 0;
  for (const MethodCounts& counts : rpc_counters_.Read()) {
    v1::MethodStats* method = out->add_methods();
    method->set_method(counts.method);
    method->set_calls(counts.calls);
    rpcs += counts.calls;
    for (const CodeCount& code : counts.errors) {
      v1::StatusCount* error = method->add_errors();
      error->set_code(code.code);
      error->set_code_name(code.code_name);
      error->set_count(code.count);
      errors += code.count;
    }
  }
  out->set_rpcs_total(rpcs);
  out->set_errors_total(errors);
  out->set_connections_open(connections_.Count());
  out->set_watch_streams_open(watchers_.open());
  out->set_lock_waiters_rejected(
      lock_waiters_rejected_.load(std::memory_order_relaxed));
  out->set_max_lock_waiters(max_lock_waiters_);
}

// ---------------------------------------------------------------------------
// Sessions.

grpc::ServerUnaryReactor* HeapService::OpenSession(
    grpc::CallbackServerContext* context,
    const v1::OpenSessionRequest* request,
    v1::OpenSessionResponse* response) {
  const absl::StatusOr<Caller> caller = Authorize(context, kOpenSession, false);
  if (!caller.ok()) {
    return Finish(context, kOpenSession, ToGrpcStatus(caller.status()));
  }
  // Opening touches no heap state, but goes through the lock like every
  // session call so that its cost shows in the lock's per-kind figures.
  return Dispatch(
      context, kOpenSession, kinds_.open_session, /*session_id=*/"",
      /*safe_point=*/true, /*operations=*/0,
      [=, this](objects::ObjectHeap&) -> absl::Status {
        absl::StatusOr<OpenedSession> opened = sessions_.Open(
            request->client_name(), absl::Milliseconds(request->ttl_ms()),
            *caller);
        if (!opened.ok()) return opened.status();
        response->set_session_id(opened->id);
        response->set_ttl_ms(absl::ToInt64Milliseconds(opened->ttl));
        response->set_expires_at_unix_ns(
            absl::ToUnixNanos(opened->expires_at));
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* HeapService::CloseSession(
    grpc::CallbackServerContext* context,
    const v1::CloseSessionRequest* request,
    v1::CloseSessionResponse* response) {
  const absl::StatusOr<Caller> caller =
      Authorize(context, kCloseSession, false);
  if (!caller.ok()) {
    return Finish(context, kCloseSession, ToGrpcStatus(caller.status()));
  }
  return Dispatch(
      context, kCloseSession, kinds_.close_session, request->session_id(),
      /*safe_point=*/true, /*operations=*/0,
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
  return Serve(context, kAllocate, kinds_.allocate, request->session_id(),
               [=, this](objects::ObjectHeap& heap, objects::OwnerId owner) -> absl::Status {
                 return AllocateObjects(
                     heap, owner, request->type(), request->length(),
                     request->count(), request->finalizer(),
                     request->weakref(), max_allocate_count_, response);
               },
               /*operations=*/std::max<int64_t>(request->count(), 1));
}

grpc::ServerUnaryReactor* HeapService::IncRef(
    grpc::CallbackServerContext* context, const v1::IncRefRequest* request,
    v1::IncRefResponse* response) {
  return Serve(context, kIncRef, kinds_.incref,
      request->session_id(),
               [=](objects::ObjectHeap& heap, objects::OwnerId owner) -> absl::Status {
                 return IncRefObject(heap, owner, request->handle(),
                                     response);
               });
}

grpc::ServerUnaryReactor* HeapService::DecRef(
    grpc::CallbackServerContext* context, const v1::DecRefRequest* request,
    v1::DecRefResponse* response) {
  return Serve(context, kDecRef, kinds_.decref,
      request->session_id(),
               [=](objects::ObjectHeap& heap, objects::OwnerId owner) -> absl::Status {
                 return DecRefObject(heap, owner, request->handle(),
                                     response);
               });
}

grpc::ServerUnaryReactor* HeapService::Link(
    grpc::CallbackServerContext* context, const v1::LinkRequest* request,
    v1::LinkResponse* response) {
  return Serve(
      context, kLink, kinds_.link,
      request->session_id(),
      [=](objects::ObjectHeap& heap, objects::OwnerId) -> absl::Status {
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
      context, kUnlink, kinds_.unlink,
      request->session_id(),
      [=](objects::ObjectHeap& heap, objects::OwnerId) -> absl::Status {
        const bool has_field =
            request->slot_case() == v1::UnlinkRequest::kField;
        std::optional<objects::Handle> item;
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
  return Serve(context, kInspect, kinds_.inspect,
      request->session_id(),
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
  return Serve(context, kCollect, kinds_.collect,
      request->session_id(),
               [=](objects::ObjectHeap& heap, objects::OwnerId) -> absl::Status {
                 // Absent means a full collection, as gc.collect().
                 return CollectGeneration(
                     heap,
                     request->has_generation()
                         ? std::optional<int32_t>(request->generation())
                         : std::nullopt,
                     response);
               },
               /*operations=*/1,
               /*admin_only=*/!request->has_generation() ||
                   request->generation() == objects::kNumGenerations - 1);
}

grpc::ServerUnaryReactor* HeapService::GetGcConfig(
    grpc::CallbackServerContext* context,
    const v1::GetGcConfigRequest* request, v1::GcConfig* response) {
  return Serve(context, kGetGcConfig, kinds_.get_gc_config,
      request->session_id(),
               [=](objects::ObjectHeap& heap, objects::OwnerId) -> absl::Status {
                 ToProto(heap.gc_config(), response);
                 return absl::OkStatus();
               });
}

grpc::ServerUnaryReactor* HeapService::SetGcConfig(
    grpc::CallbackServerContext* context,
    const v1::SetGcConfigRequest* request, v1::GcConfig* response) {
  return Serve(context, kSetGcConfig, kinds_.set_gc_config,
      request->session_id(),
               [=](objects::ObjectHeap& heap, objects::OwnerId) -> absl::Status {
                 absl::Status status = heap.SetGcConfig(
                     MergeGcConfig(heap.gc_config(), *request));
                 if (!status.ok()) return status;
                 ToProto(heap.gc_config(), response);
                 return absl::OkStatus();
               },
               /*operations=*/1, /*admin_only=*/true);
}

grpc::ServerUnaryReactor* HeapService::Freeze(
    grpc::CallbackServerContext* context, const v1::FreezeRequest* request,
    v1::FreezeResponse* response) {
  return Serve(context, kFreeze, kinds_.freeze,
      request->session_id(),
               [=](objects::ObjectHeap& heap, objects::OwnerId) -> absl::Status {
                 response->set_frozen(heap.Freeze());
                 return absl::OkStatus();
               },
               /*operations=*/1, /*admin_only=*/true);
}

grpc::ServerUnaryReactor* HeapService::Unfreeze(
    grpc::CallbackServerContext* context, const v1::UnfreezeRequest* request,
    v1::UnfreezeResponse* response) {
  return Serve(context, kUnfreeze, kinds_.unfreeze,
      request->session_id(),
               [=](objects::ObjectHeap& heap, objects::OwnerId) -> absl::Status {
                 response->set_unfrozen(heap.Unfreeze());
                 return absl::OkStatus();
               },
               /*operations=*/1, /*admin_only=*/true);
}

// ---------------------------------------------------------------------------
// Batches.

grpc::ServerUnaryReactor* HeapService::Batch(
    grpc::CallbackServerContext* context, const v1::BatchRequest* request,
    v1::BatchResponse* response) {
  // A full collection among the operations needs the admin role.
  bool full_collection = false;
  for (const v1::Operation& operation : request->operations()) {
    full_collection |= operation.has_collect() &&
                       (!operation.collect().has_generation() ||
                        operation.collect().generation() ==
                            objects::kNumGenerations - 1);
  }
  const absl::StatusOr<Caller> caller =
      Authorize(context, kBatch, full_collection);
  // Refused before the lock is taken: an oversize batch costs nobody a wait.
  const absl::Status status =
      caller.ok() ? CheckBatchSize(*request, max_batch_) : caller.status();
  if (!status.ok()) return Finish(context, kBatch, ToGrpcStatus(status));
  // One hold of kind "Batch"; RunHeld runs the scheduled collection at its
  // end, publishes the Stats snapshot, and the slow log hears of it.
  return Dispatch(
        context, kBatch, kinds_.batch, request->session_id(),
        /*safe_point=*/true, request->operations_size(),
        [=, this](objects::ObjectHeap& heap) -> absl::Status {
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
            absl::StatusOr<objects::OwnerId> again =
                sessions_.Renew(heap, request->session_id(), *caller);
            if (!again.ok()) return again.status();
            return true;
          };
          absl::Status executed = ExecuteBatch(
              heap, *owner, *request, max_allocate_count_, safe_point,
              response);
          if (!executed.ok()) response->Clear();
          return executed;
        });
}

// ---------------------------------------------------------------------------
// Streams and checks.

grpc::ServerWriteReactor<v1::StatsResponse>* HeapService::WatchStats(
    grpc::CallbackServerContext* context,
    const v1::WatchStatsRequest* request) {
  const absl::StatusOr<Caller> caller = Authorize(context, kWatchStats, false);
  const grpc::Status valid = caller.ok()
                                 ? StatsWatchers::Validate(*request)
                                 : ToGrpcStatus(caller.status());
  if (!valid.ok()) {
    rpc_counters_.Count(kWatchStats, static_cast<int>(valid.error_code()));
    return StatsWatchers::Refuse(valid);
  }
  // Counted when it finishes, with its status (StatsWatchers' OnFinish).
  return watchers_.Start(*request);
}

grpc::ServerUnaryReactor* HeapService::Verify(
    grpc::CallbackServerContext* context, const v1::VerifyRequest*,
    v1::VerifyResponse* response) {
  const absl::StatusOr<Caller> caller = Authorize(context, kVerify, true);
  if (!caller.ok()) {
    return Finish(context, kVerify, ToGrpcStatus(caller.status()));
  }
  return Dispatch(
      context, kVerify, kinds_.verify, /*session_id=*/"",
      /*safe_point=*/false, /*operations=*/0,
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

}  // namespace heapd
