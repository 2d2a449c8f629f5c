#include "client/heap_client.h"

#include <chrono>
#include <utility>

#include "absl/strings/str_cat.h"
#include "client/grpc_status_conversion.h"
#include "client/server_address.h"
#include "client/session.h"

namespace heapd::client {

absl::StatusOr<HeapClient> HeapClient::Connect(ClientOptions options) {
  if (options.address.empty()) options.address = DefaultServerAddress();
  if (absl::Status checked = CheckServerAddress(options.address);
      !checked.ok()) {
    return checked;
  }
  if (options.deadline <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError(
        absl::StrCat("the call deadline must be positive, not ",
                     absl::FormatDuration(options.deadline)));
  }
  auto connection = std::make_shared<Connection>();
  connection->options = options;
  grpc::ChannelArguments arguments = options.channel_arguments;
  if (!options.use_http_proxy) {
    arguments.SetInt(GRPC_ARG_ENABLE_HTTP_PROXY, 0);
  }
  std::shared_ptr<grpc::ChannelCredentials> credentials =
      options.credentials != nullptr ? options.credentials
                                     : grpc::InsecureChannelCredentials();
  connection->channel =
      grpc::CreateCustomChannel(options.address, credentials, arguments);
  if (connection->channel == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot create a channel to ", options.address));
  }
  connection->stub = v1::Heap::NewStub(connection->channel);
  return HeapClient(std::move(connection));
}

absl::Status HeapClient::WaitForConnected(absl::Duration timeout) const {
  const auto deadline =
      std::chrono::system_clock::now() + absl::ToChronoNanoseconds(timeout);
  if (connection_->channel->WaitForConnected(deadline)) {
    return absl::OkStatus();
  }
  return absl::DeadlineExceededError(absl::StrCat(
      "could not connect to ", connection_->options.address, " within ",
      absl::FormatDuration(timeout),
      ": is heapd running there? (tools/run) Pass --server=HOST:PORT or set ",
      kServerAddressVariable, " to use another address"));
}

void HeapClient::Prepare(grpc::ClientContext* context,
                         bool with_deadline) const {
  const ClientOptions& options = connection_->options;
  if (with_deadline && options.deadline != absl::InfiniteDuration()) {
    context->set_deadline(std::chrono::system_clock::now() +
                          absl::ToChronoNanoseconds(options.deadline));
  }
  if (options.call_credentials != nullptr) {
    context->set_credentials(options.call_credentials);
  }
  if (!options.bearer_token.empty()) {
    context->AddMetadata("authorization",
                         absl::StrCat("Bearer ", options.bearer_token));
  }
}

template <typename Request, typename Response>
absl::StatusOr<Response> HeapClient::Unary(
    absl::string_view name,
    grpc::Status (v1::Heap::Stub::*method)(grpc::ClientContext*, const Request&,
                                           Response*),
    const Request& request) const {
  grpc::ClientContext context;
  Prepare(&context, /*with_deadline=*/true);
  Response response;
  const grpc::Status status =
      ((*connection_->stub).*method)(&context, request, &response);
  if (!status.ok()) {
    return FromGrpcStatus(status, connection_->options.address, name);
  }
  return response;
}

absl::StatusOr<Session> HeapClient::OpenSession(
    absl::Duration ttl, absl::string_view client_name) const {
  if (ttl < absl::ZeroDuration()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "a session's TTL cannot be negative: ", absl::FormatDuration(ttl)));
  }
  v1::OpenSessionRequest request;
  request.set_client_name(client_name.empty() ? connection_->options.client_name
                                              : std::string(client_name));
  request.set_ttl_ms(absl::ToInt64Milliseconds(ttl));
  absl::StatusOr<v1::OpenSessionResponse> opened = OpenSession(request);
  if (!opened.ok()) return opened.status();
  return Session(*this, opened->session_id(),
                 absl::Milliseconds(opened->ttl_ms()), /*owned=*/true);
}

Session HeapClient::AttachSession(absl::string_view session_id) const {
  return Session(*this, std::string(session_id), absl::ZeroDuration(),
                 /*owned=*/false);
}

absl::StatusOr<v1::OpenSessionResponse> HeapClient::OpenSession(
    const v1::OpenSessionRequest& request) const {
  return Unary("OpenSession", &v1::Heap::Stub::OpenSession, request);
}
absl::StatusOr<v1::CloseSessionResponse> HeapClient::CloseSession(
    const v1::CloseSessionRequest& request) const {
  return Unary("CloseSession", &v1::Heap::Stub::CloseSession, request);
}
absl::StatusOr<v1::AllocateResponse> HeapClient::Allocate(
    const v1::AllocateRequest& request) const {
  return Unary("Allocate", &v1::Heap::Stub::Allocate, request);
}
absl::StatusOr<v1::IncRefResponse> HeapClient::IncRef(
    const v1::IncRefRequest& request) const {
  return Unary("IncRef", &v1::Heap::Stub::IncRef, request);
}
absl::StatusOr<v1::DecRefResponse> HeapClient::DecRef(
    const v1::DecRefRequest& request) const {
  return Unary("DecRef", &v1::Heap::Stub::DecRef, request);
}
absl::StatusOr<v1::LinkResponse> HeapClient::Link(
    const v1::LinkRequest& request) const {
  return Unary("Link", &v1::Heap::Stub::Link, request);
}
absl::StatusOr<v1::UnlinkResponse> HeapClient::Unlink(
    const v1::UnlinkRequest& request) const {
  return Unary("Unlink", &v1::Heap::Stub::Unlink, request);
}
absl::StatusOr<v1::GetReferentResponse> HeapClient::GetReferent(
    const v1::GetReferentRequest& request) const {
  return Unary("GetReferent", &v1::Heap::Stub::GetReferent, request);
}
absl::StatusOr<v1::CreateWeakRefResponse> HeapClient::CreateWeakRef(
    const v1::CreateWeakRefRequest& request) const {
  return Unary("CreateWeakRef", &v1::Heap::Stub::CreateWeakRef, request);
}
absl::StatusOr<v1::ReadWeakRefResponse> HeapClient::ReadWeakRef(
    const v1::ReadWeakRefRequest& request) const {
  return Unary("ReadWeakRef", &v1::Heap::Stub::ReadWeakRef, request);
}
absl::StatusOr<v1::CollectResponse> HeapClient::Collect(
    const v1::CollectRequest& request) const {
  return Unary("Collect", &v1::Heap::Stub::Collect, request);
}
absl::StatusOr<v1::InspectResponse> HeapClient::Inspect(
    const v1::InspectRequest& request) const {
  return Unary("Inspect", &v1::Heap::Stub::Inspect, request);
}
absl::StatusOr<v1::BatchResponse> HeapClient::Batch(
    const v1::BatchRequest& request) const {
  return Unary("Batch", &v1::Heap::Stub::Batch, request);
}
absl::StatusOr<v1::GcConfig> HeapClient::GetGcConfig(
    const v1::GetGcConfigRequest& request) const {
  return Unary("GetGcConfig", &v1::Heap::Stub::GetGcConfig, request);
}
absl::StatusOr<v1::GcConfig> HeapClient::SetGcConfig(
    const v1::SetGcConfigRequest& request) const {
  return Unary("SetGcConfig", &v1::Heap::Stub::SetGcConfig, request);
}
absl::StatusOr<v1::FreezeResponse> HeapClient::Freeze(
    const v1::FreezeRequest& request) const {
  return Unary("Freeze", &v1::Heap::Stub::Freeze, request);
}
absl::StatusOr<v1::UnfreezeResponse> HeapClient::Unfreeze(
    const v1::UnfreezeRequest& request) const {
  return Unary("Unfreeze", &v1::Heap::Stub::Unfreeze, request);
}
absl::StatusOr<v1::StatsResponse> HeapClient::Stats(
    const v1::StatsRequest& request) const {
  return Unary("Stats", &v1::Heap::Stub::Stats, request);
}
absl::StatusOr<v1::PingResponse> HeapClient::Ping(
    const v1::PingRequest& request) const {
  return Unary("Ping", &v1::Heap::Stub::Ping, request);
}

absl::StatusOr<v1::StatsResponse> HeapClient::Stats(
    const std::vector<v1::StatsSection>& sections, bool fresh) const {
  v1::StatsRequest request;
  for (v1::StatsSection section : sections) request.add_sections(section);
  request.set_fresh(fresh);
  return Stats(request);
}

absl::StatusOr<v1::PingResponse> HeapClient::Ping(
    absl::string_view session_id, absl::string_view payload) const {
  v1::PingRequest request;
  request.set_session_id(std::string(session_id));
  request.set_payload(std::string(payload));
  return Ping(request);
}

absl::Status HeapClient::WatchStats(
    const v1::WatchStatsRequest& request,
    const std::function<bool(const v1::StatsResponse&)>& on_snapshot) const {
  grpc::ClientContext context;
  Prepare(&context, /*with_deadline=*/false);
  std::unique_ptr<grpc::ClientReader<v1::StatsResponse>> reader =
      connection_->stub->WatchStats(&context, request);
  v1::StatsResponse snapshot;
  while (reader->Read(&snapshot)) {
    if (!on_snapshot(snapshot)) {
      context.TryCancel();
      // Drain what is in flight so that Finish returns promptly.
      while (reader->Read(&snapshot)) {
      }
      reader->Finish().ok();
      return absl::OkStatus();
    }
  }
  return FromGrpcStatus(reader->Finish(), connection_->options.address,
                        "WatchStats");
}

}  // namespace heapd::client
