// HeapClient: a connection to heapd and every RPC of proto/heap.proto as a
// typed call.
//
// Each method sends one request and returns the response, or the call's
// gRPC status as an absl::Status with the same code and message (NOT_FOUND
// for an unknown session or handle, FAILED_PRECONDITION for what the heap's
// state refuses, DEADLINE_EXCEEDED after ClientOptions::deadline,
// UNAVAILABLE when heapd cannot be reached, ...). Nothing throws.
//
// The heap methods take the request message as it is on the wire, so every
// field is reachable; Session (client/session.h) wraps them with the session
// filled in and plain arguments, and is what most code wants. Ping and Stats
// need no session and have plain overloads here.
//
// A HeapClient is a cheap handle: copies share one channel. It is
// thread-safe; any number of threads may call it at once.
//
// Example:
//   absl::StatusOr<HeapClient> client = HeapClient::Connect({});
//   if (!client.ok()) return client.status();
//   absl::StatusOr<v1::StatsResponse> stats =
//       client->Stats({v1::ALLOCATOR}, /*fresh=*/false);
//   absl::StatusOr<Session> session = client->OpenSession(absl::Seconds(30));
#ifndef HEAPD_CLIENT_HEAP_CLIENT_H_
#define HEAPD_CLIENT_HEAP_CLIENT_H_

#include <grpcpp/grpcpp.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "client/client_options.h"
#include "proto/heap.grpc.pb.h"
#include "proto/heap.pb.h"

namespace heapd::client {

class Session;

class HeapClient {
 public:
  // Creates the channel to options.address (empty: DefaultServerAddress()
  // of server_address.h, which options() then holds). INVALID_ARGUMENT for
  // an address CheckServerAddress refuses. The channel connects lazily: an
  // unreachable server shows up as UNAVAILABLE on the first call, "nothing
  // listens on ADDRESS ..." (grpc_status_conversion.h), or use
  // WaitForConnected.
  static absl::StatusOr<HeapClient> Connect(ClientOptions options);

  // Waits until the channel is connected; DEADLINE_EXCEEDED after `timeout`.
  absl::Status WaitForConnected(absl::Duration timeout) const;

  const ClientOptions& options() const { return connection_->options; }

  // --- Sessions -----------------------------------------------------------

  // Opens a session with a lease of `ttl` (absl::ZeroDuration(): the
  // server's default, 30 s) that a background thread renews until the
  // Session is closed or destroyed. `client_name` empty: options().client_name.
  absl::StatusOr<Session> OpenSession(absl::Duration ttl,
                                      absl::string_view client_name = "") const;

  // A Session for an id opened elsewhere (another process, an earlier
  // command). It is neither renewed nor closed by this process: every call
  // naming it renews its lease on the server anyway.
  Session AttachSession(absl::string_view session_id) const;

  // --- Every RPC, typed ---------------------------------------------------

  absl::StatusOr<v1::OpenSessionResponse> OpenSession(
      const v1::OpenSessionRequest& request) const;
  absl::StatusOr<v1::CloseSessionResponse> CloseSession(
      const v1::CloseSessionRequest& request) const;
  absl::StatusOr<v1::AllocateResponse> Allocate(
      const v1::AllocateRequest& request) const;
  absl::StatusOr<v1::IncRefResponse> IncRef(
      const v1::IncRefRequest& request) const;
  absl::StatusOr<v1::DecRefResponse> DecRef(
      const v1::DecRefRequest& request) const;
  absl::StatusOr<v1::LinkResponse> Link(const v1::LinkRequest& request) const;
  absl::StatusOr<v1::UnlinkResponse> Unlink(
      const v1::UnlinkRequest& request) const;
  absl::StatusOr<v1::GetReferentResponse> GetReferent(
      const v1::GetReferentRequest& request) const;
  absl::StatusOr<v1::CreateWeakRefResponse> CreateWeakRef(
      const v1::CreateWeakRefRequest& request) const;
  absl::StatusOr<v1::ReadWeakRefResponse> ReadWeakRef(
      const v1::ReadWeakRefRequest& request) const;
  absl::StatusOr<v1::CollectResponse> Collect(
      const v1::CollectRequest& request) const;
  absl::StatusOr<v1::InspectResponse> Inspect(
      const v1::InspectRequest& request) const;
  absl::StatusOr<v1::BatchResponse> Batch(
      const v1::BatchRequest& request) const;
  absl::StatusOr<v1::GcConfig> GetGcConfig(
      const v1::GetGcConfigRequest& request) const;
  absl::StatusOr<v1::GcConfig> SetGcConfig(
      const v1::SetGcConfigRequest& request) const;
  absl::StatusOr<v1::FreezeResponse> Freeze(
      const v1::FreezeRequest& request) const;
  absl::StatusOr<v1::UnfreezeResponse> Unfreeze(
      const v1::UnfreezeRequest& request) const;
  absl::StatusOr<v1::StatsResponse> Stats(
      const v1::StatsRequest& request) const;
  absl::StatusOr<v1::PingResponse> Ping(const v1::PingRequest& request) const;

  // Stats of `sections` (empty: all). `fresh` publishes a snapshot under the
  // interpreter lock first (see StatsRequest.fresh): for scripts checking
  // their own effect, not for dashboards.
  absl::StatusOr<v1::StatsResponse> Stats(
      const std::vector<v1::StatsSection>& sections = {},
      bool fresh = false) const;

  // The empty round trip; with a session id it renews that session's lease.
  absl::StatusOr<v1::PingResponse> Ping(absl::string_view session_id = "",
                                        absl::string_view payload = "") const;

  // WatchStats: calls `on_snapshot` with every snapshot the stream delivers
  // until it returns false (the call is then cancelled and this returns OK)
  // or the stream ends (its status). The stream has no deadline.
  absl::Status WatchStats(
      const v1::WatchStatsRequest& request,
      const std::function<bool(const v1::StatsResponse&)>& on_snapshot) const;

 private:
  // What copies share.
  struct Connection {
    ClientOptions options;
    std::shared_ptr<grpc::Channel> channel;
    std::unique_ptr<v1::Heap::Stub> stub;
  };

  explicit HeapClient(std::shared_ptr<const Connection> connection)
      : connection_(std::move(connection)) {}

  // Sets the deadline and call credentials of one call.
  void Prepare(grpc::ClientContext* context, bool with_deadline) const;

  // One call of the method `name` ("Ping"), for messages.
  template <typename Request, typename Response>
  absl::StatusOr<Response> Unary(
      absl::string_view name,
      grpc::Status (v1::Heap::Stub::*method)(grpc::ClientContext*,
                                             const Request&, Response*),
      const Request& request) const;

  std::shared_ptr<const Connection> connection_;
};

}  // namespace heapd::client

#endif  // HEAPD_CLIENT_HEAP_CLIENT_H_
