#include "client/session.h"

#include <algorithm>
#include <utility>

namespace heapd::client {
namespace {

// Renewing at a third of the TTL leaves room for two lost or slow Pings
// before the lease runs out.
constexpr int kRenewalsPerTtl = 3;
// Never ping more often than this, however short the lease.
constexpr absl::Duration kMinRenewInterval = absl::Milliseconds(10);

}  // namespace

Session::Session(HeapClient client, std::string id, absl::Duration ttl,
                 bool owned)
    : client_(std::move(client)), id_(std::move(id)), ttl_(ttl), owned_(owned) {
  if (owned_ && ttl_ > absl::ZeroDuration()) {
    // The renewer holds its own copies: the Session may move while it runs.
    renewer_ = std::make_unique<LeaseRenewer>(
        std::max(ttl_ / kRenewalsPerTtl, kMinRenewInterval),
        [client = client_, id = id_] { return client.Ping(id).status(); });
  }
}

Session::Session(Session&& other) noexcept
    : client_(other.client_),
      id_(std::move(other.id_)),
      ttl_(other.ttl_),
      owned_(std::exchange(other.owned_, false)),
      renewer_(std::move(other.renewer_)) {}

Session& Session::operator=(Session&& other) noexcept {
  if (this != &other) {
    Finish();
    client_ = other.client_;
    id_ = std::move(other.id_);
    ttl_ = other.ttl_;
    owned_ = std::exchange(other.owned_, false);
    renewer_ = std::move(other.renewer_);
  }
  return *this;
}

Session::~Session() { Finish(); }

void Session::Finish() {
  renewer_.reset();
  if (owned_) {
    owned_ = false;
    v1::CloseSessionRequest request;
    request.set_session_id(id_);
    // A destructor cannot report: the session is closed or its lease will
    // end it anyway.
    client_.CloseSession(request).IgnoreError();
  }
}

absl::StatusOr<v1::CloseSessionResponse> Session::Close() {
  renewer_.reset();
  owned_ = false;
  v1::CloseSessionRequest request;
  request.set_session_id(id_);
  return client_.CloseSession(request);
}

std::string Session::Release() {
  renewer_.reset();
  owned_ = false;
  return id_;
}

absl::Status Session::lease_status() const {
  if (renewer_ == nullptr) return absl::OkStatus();
  return renewer_->last_status();
}

absl::StatusOr<v1::AllocateResponse> Session::Allocate(v1::ObjectType type,
                                                       int64_t length,
                                                       uint32_t count) const {
  v1::AllocateRequest request;
  request.set_type(type);
  request.set_length(length);
  request.set_count(count);
  return Allocate(std::move(request));
}

absl::StatusOr<v1::AllocateResponse> Session::Allocate(
    v1::AllocateRequest request) const {
  request.set_session_id(id_);
  return client_.Allocate(request);
}

absl::StatusOr<v1::IncRefResponse> Session::IncRef(uint64_t handle) const {
  v1::IncRefRequest request;
  request.set_session_id(id_);
  request.set_handle(handle);
  return client_.IncRef(request);
}

absl::StatusOr<v1::DecRefResponse> Session::DecRef(uint64_t handle) const {
  v1::DecRefRequest request;
  request.set_session_id(id_);
  request.set_handle(handle);
  return client_.DecRef(request);
}

absl::StatusOr<v1::LinkResponse> Session::Link(uint64_t source, uint64_t target,
                                               absl::string_view field) const {
  v1::LinkRequest request;
  request.set_session_id(id_);
  request.set_source(source);
  request.set_target(target);
  request.set_field(std::string(field));
  return client_.Link(request);
}

absl::StatusOr<v1::LinkResponse> Session::Append(uint64_t source,
                                                 uint64_t target) const {
  v1::LinkRequest request;
  request.set_session_id(id_);
  request.set_source(source);
  request.set_target(target);
  request.set_append(true);
  return client_.Link(request);
}

absl::StatusOr<v1::UnlinkResponse> Session::Unlink(
    uint64_t source, absl::string_view field) const {
  v1::UnlinkRequest request;
  request.set_session_id(id_);
  request.set_source(source);
  request.set_field(std::string(field));
  return client_.Unlink(request);
}

absl::StatusOr<v1::UnlinkResponse> Session::Remove(uint64_t source,
                                                   uint64_t item) const {
  v1::UnlinkRequest request;
  request.set_session_id(id_);
  request.set_source(source);
  request.set_item(item);
  return client_.Unlink(request);
}

absl::StatusOr<v1::LinkResponse> Session::SetItem(uint64_t source,
                                                  int64_t index,
                                                  uint64_t target) const {
  v1::LinkRequest request;
  request.set_session_id(id_);
  request.set_source(source);
  request.set_target(target);
  request.set_index(index);
  return client_.Link(request);
}

absl::StatusOr<v1::UnlinkResponse> Session::DeleteItem(uint64_t source,
                                                       int64_t index) const {
  v1::UnlinkRequest request;
  request.set_session_id(id_);
  request.set_source(source);
  request.set_index(index);
  return client_.Unlink(request);
}

absl::StatusOr<v1::GetReferentResponse> Session::GetField(
    uint64_t source, absl::string_view field) const {
  v1::GetReferentRequest request;
  request.set_session_id(id_);
  request.set_source(source);
  request.set_field(std::string(field));
  return client_.GetReferent(request);
}

absl::StatusOr<v1::GetReferentResponse> Session::GetItem(uint64_t source,
                                                         int64_t index) const {
  v1::GetReferentRequest request;
  request.set_session_id(id_);
  request.set_source(source);
  request.set_index(index);
  return client_.GetReferent(request);
}

absl::StatusOr<v1::CreateWeakRefResponse> Session::CreateWeakRef(
    uint64_t handle, bool callback) const {
  v1::CreateWeakRefRequest request;
  request.set_session_id(id_);
  request.set_handle(handle);
  request.set_callback(callback);
  return client_.CreateWeakRef(request);
}

absl::StatusOr<v1::ReadWeakRefResponse> Session::ReadWeakRef(
    uint64_t weakref_id) const {
  v1::ReadWeakRefRequest request;
  request.set_session_id(id_);
  request.set_weakref_id(weakref_id);
  return client_.ReadWeakRef(request);
}

absl::StatusOr<v1::ObjectInfo> Session::Inspect(uint64_t handle) const {
  v1::InspectRequest request;
  request.set_session_id(id_);
  request.set_handle(handle);
  absl::StatusOr<v1::InspectResponse> response = client_.Inspect(request);
  if (!response.ok()) return response.status();
  return std::move(*response->mutable_object());
}

absl::StatusOr<v1::CollectResponse> Session::Collect(
    std::optional<int> generation) const {
  v1::CollectRequest request;
  request.set_session_id(id_);
  if (generation.has_value()) request.set_generation(*generation);
  return client_.Collect(request);
}

absl::StatusOr<v1::GcConfig> Session::GetGcConfig() const {
  v1::GetGcConfigRequest request;
  request.set_session_id(id_);
  return client_.GetGcConfig(request);
}

absl::StatusOr<v1::GcConfig> Session::SetGcConfig(
    v1::SetGcConfigRequest request) const {
  request.set_session_id(id_);
  return client_.SetGcConfig(request);
}

absl::StatusOr<v1::FreezeResponse> Session::Freeze() const {
  v1::FreezeRequest request;
  request.set_session_id(id_);
  return client_.Freeze(request);
}

absl::StatusOr<v1::UnfreezeResponse> Session::Unfreeze() const {
  v1::UnfreezeRequest request;
  request.set_session_id(id_);
  return client_.Unfreeze(request);
}

absl::StatusOr<v1::BatchResponse> Session::Execute(
    const BatchBuilder& batch, bool continue_on_error) const {
  return client_.Batch(batch.Build(id_, continue_on_error));
}

absl::Status Session::Renew() const { return client_.Ping(id_).status(); }

}  // namespace heapd::client
