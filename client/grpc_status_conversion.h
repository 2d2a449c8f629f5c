// The one conversion from the grpc::Status a call returns to the
// absl::Status the client library hands out (server/grpc_status.h is the
// other direction).
//
// The code is kept exactly. heapd's own messages pass through as they are;
// what gRPC itself says when the call never reached heapd is said again in
// words that name the address and what to do:
//   UNAVAILABLE  "nothing listens on 127.0.0.1:50051: is heapd running?
//                 (tools/run) Pass --server=HOST:PORT or set HEAPD_SERVER
//                 to use another address (gRPC: failed to connect ...)"
//   UNIMPLEMENTED "the server at 127.0.0.1:50051 is not heapd: it does not
//                 serve heapd.v1.Heap/Ping"
#ifndef HEAPD_CLIENT_GRPC_STATUS_CONVERSION_H_
#define HEAPD_CLIENT_GRPC_STATUS_CONVERSION_H_

#include <grpcpp/grpcpp.h>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace heapd::client {

// gRPC's status codes and absl's are both google.rpc.Code, so the cast
// keeps the code exactly; the message is gRPC's.
inline absl::Status FromGrpcStatus(const grpc::Status& status) {
  if (status.ok()) return absl::OkStatus();
  return absl::Status(static_cast<absl::StatusCode>(status.error_code()),
                      status.error_message());
}

// The same, for a call of `method` ("Ping") to the server at `address`,
// with the connection failures above explained.
absl::Status FromGrpcStatus(const grpc::Status& status,
                            absl::string_view address,
                            absl::string_view method);

}  // namespace heapd::client

#endif  // HEAPD_CLIENT_GRPC_STATUS_CONVERSION_H_
