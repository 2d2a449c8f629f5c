// heapload's connections to heapd, and the calls a run makes beside its
// streams of calls: opening and closing sessions and the Stats snapshots.
//
// Example:
//   Connections connections;
//   absl::Status opened = connections.Open(options, options.connections);
//   if (opened.ok()) opened = connections.OpenSessions(0);
//   absl::StatusOr<v1::StatsResponse> before = connections.ServerStats();
//
// Thread safety: Open, OpenSessions and CloseSessions before and after the
// streams run; at(), Prepare and ServerStats from any thread in between.
#ifndef HEAPD_CLIENT_HEAPLOAD_CONNECTIONS_H_
#define HEAPD_CLIENT_HEAPLOAD_CONNECTIONS_H_

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "client/heapload/options.h"
#include "proto/heap.grpc.pb.h"

namespace heapd::heapload {

// One TCP connection to heapd and the session opened on it, if any.
struct Connection {
  std::shared_ptr<grpc::Channel> channel;
  std::unique_ptr<v1::Heap::Stub> stub;
  std::string session_id;
  // Measured successful workload calls on this connection.
  std::atomic<int64_t> succeeded{0};
};

class Connections {
 public:
  // Opens `count` channels to options.server, each with its own subchannel
  // pool and a distinct channel argument so that gRPC cannot share a TCP
  // connection between them, and waits until every one is connected
  // (--timeout, plus a little per connection for the handshakes). The TLS
  // and token flags' errors as they come; UNAVAILABLE for a connection that
  // is not ready in time, and at once when the first connection fails
  // ("nothing listens on HOST:PORT: is heapd running? ..." when the port
  // refuses connections).
  absl::Status Open(const Options& options, int count);

  size_t size() const { return connections_.size(); }
  Connection* at(size_t i) const { return connections_[i].get(); }
  Connection* back() const { return connections_.back().get(); }

  // The bearer token, if any, on a call about to start.
  void Prepare(grpc::ClientContext* context) const;

  // Opens a session on every connection from `first` on, named after
  // --client_name and the connection's number. UNAVAILABLE, with the code,
  // on the first that fails.
  absl::Status OpenSessions(size_t first);

  // Stats (LOCK and SERVER, fresh: every call that finished before it
  // counts) over the first connection.
  absl::StatusOr<v1::StatsResponse> ServerStats() const;

  // Stats for `sections`, not fresh (heapd answers without the interpreter
  // lock), over the first connection, with a deadline of `timeout`. A
  // failure keeps the call's code, in the client library's words.
  absl::StatusOr<v1::StatsResponse> Sample(
      const std::vector<v1::StatsSection>& sections,
      absl::Duration timeout) const;

  // Closes every session opened, counting them in `opened` and those heapd
  // closed in `closed`.
  void CloseSessions(int* opened, int* closed) const;

 private:
  // UNAVAILABLE "WHAT: CODE message" for a failed call of `method` made
  // while setting up, in the client library's words when the server at
  // options.server is gone or is not heapd.
  absl::Status SetupCallFailed(absl::string_view what, absl::string_view method,
                               const grpc::Status& status) const;

  // A call beside the streams: the token and a deadline of 10 s.
  void PrepareSetupCall(grpc::ClientContext* context) const;

  std::string client_name_;
  std::string token_;
  // options.server, for messages.
  std::string server_;
  std::vector<std::unique_ptr<Connection>> connections_;
};

// A gRPC status code's name: "DEADLINE_EXCEEDED".
const char* CodeName(grpc::StatusCode code);

// Raises the soft open-file limit towards the hard one when `connections`
// need more descriptors than it allows; returns the soft limit after.
absl::StatusOr<int64_t> RaiseFileLimit(int connections);

}  // namespace heapd::heapload

#endif  // HEAPD_CLIENT_HEAPLOAD_CONNECTIONS_H_
