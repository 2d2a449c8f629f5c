#include "server/heap_service.h"

#include <optional>

#include "absl/strings/str_cat.h"
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

}  // namespace

HeapService::HeapService(const AllocatorLayout& layout)
    : started_(absl::Now()),
      started_steady_(std::chrono::steady_clock::now()),
      layout_(layout),
      allocator_(layout) {}

grpc::ServerUnaryReactor* HeapService::Ping(
    grpc::CallbackServerContext* context, const v1::PingRequest* request,
    v1::PingResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  // TODO(sessions): renew request->session_id()'s lease once sessions exist;
  // until then the field is accepted and ignored.
  if (request->payload().size() > kMaxPingPayload) {
    reactor->Finish(grpc::Status(
        grpc::StatusCode::INVALID_ARGUMENT,
        absl::StrCat("Ping payload is ", request->payload().size(),
                     " bytes; at most ", kMaxPingPayload, " (64 KiB)")));
    return reactor;
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

  // Only the copy happens under the lock; translating the copy to protobuf
  // does not need it.
  std::optional<AllocatorStats> allocator_stats;
  uint64_t sequence;
  int64_t timestamp;
  {
    std::lock_guard<std::mutex> lock(allocator_mutex_);
    if (want_allocator) allocator_stats = allocator_.Stats();
    sequence = next_sequence_++;
    timestamp = UnixNanosNow();
  }

  response->set_timestamp_unix_ns(timestamp);
  response->set_sequence(sequence);
  if (allocator_stats.has_value()) {
    ToProto(layout_, *allocator_stats, response->mutable_allocator());
  }
  if (Wants(*request, v1::SERVER)) FillServerStats(response->mutable_server());
  // OBJECTS, COLLECTOR, LOCK and SLOWLOG stay empty: their subsystems do not
  // exist in this build.

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
}

// ---------------------------------------------------------------------------
// Not served yet.

grpc::ServerUnaryReactor* HeapService::OpenSession(
    grpc::CallbackServerContext* context, const v1::OpenSessionRequest*,
    v1::OpenSessionResponse*) {
  return FinishNotServedYet(context, "OpenSession");
}

grpc::ServerUnaryReactor* HeapService::CloseSession(
    grpc::CallbackServerContext* context, const v1::CloseSessionRequest*,
    v1::CloseSessionResponse*) {
  return FinishNotServedYet(context, "CloseSession");
}

grpc::ServerUnaryReactor* HeapService::Allocate(
    grpc::CallbackServerContext* context, const v1::AllocateRequest*,
    v1::AllocateResponse*) {
  return FinishNotServedYet(context, "Allocate");
}

grpc::ServerUnaryReactor* HeapService::IncRef(
    grpc::CallbackServerContext* context, const v1::IncRefRequest*,
    v1::IncRefResponse*) {
  return FinishNotServedYet(context, "IncRef");
}

grpc::ServerUnaryReactor* HeapService::DecRef(
    grpc::CallbackServerContext* context, const v1::DecRefRequest*,
    v1::DecRefResponse*) {
  return FinishNotServedYet(context, "DecRef");
}

grpc::ServerUnaryReactor* HeapService::Link(
    grpc::CallbackServerContext* context, const v1::LinkRequest*,
    v1::LinkResponse*) {
  return FinishNotServedYet(context, "Link");
}

grpc::ServerUnaryReactor* HeapService::Unlink(
    grpc::CallbackServerContext* context, const v1::UnlinkRequest*,
    v1::UnlinkResponse*) {
  return FinishNotServedYet(context, "Unlink");
}

grpc::ServerUnaryReactor* HeapService::Collect(
    grpc::CallbackServerContext* context, const v1::CollectRequest*,
    v1::CollectResponse*) {
  return FinishNotServedYet(context, "Collect");
}

grpc::ServerUnaryReactor* HeapService::Inspect(
    grpc::CallbackServerContext* context, const v1::InspectRequest*,
    v1::InspectResponse*) {
  return FinishNotServedYet(context, "Inspect");
}

grpc::ServerUnaryReactor* HeapService::Batch(
    grpc::CallbackServerContext* context, const v1::BatchRequest*,
    v1::BatchResponse*) {
  return FinishNotServedYet(context, "Batch");
}

grpc::ServerUnaryReactor* HeapService::GetGcConfig(
    grpc::CallbackServerContext* context, const v1::GetGcConfigRequest*,
    v1::GcConfig*) {
  return FinishNotServedYet(context, "GetGcConfig");
}

grpc::ServerUnaryReactor* HeapService::SetGcConfig(
    grpc::CallbackServerContext* context, const v1::SetGcConfigRequest*,
    v1::GcConfig*) {
  return FinishNotServedYet(context, "SetGcConfig");
}

grpc::ServerUnaryReactor* HeapService::Freeze(
    grpc::CallbackServerContext* context, const v1::FreezeRequest*,
    v1::FreezeResponse*) {
  return FinishNotServedYet(context, "Freeze");
}

grpc::ServerUnaryReactor* HeapService::Unfreeze(
    grpc::CallbackServerContext* context, const v1::UnfreezeRequest*,
    v1::UnfreezeResponse*) {
  return FinishNotServedYet(context, "Unfreeze");
}

grpc::ServerWriteReactor<v1::StatsResponse>* HeapService::WatchStats(
    grpc::CallbackServerContext*, const v1::WatchStatsRequest*) {
  return new FinishedWriteReactor<v1::StatsResponse>(
      NotServedYet("WatchStats"));
}

}  // namespace heapd
