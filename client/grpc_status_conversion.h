// The one conversion from the grpc::Status a call returns to the
// absl::Status the client library hands out: the same canonical code, the
// same message (server/grpc_status.h is the other direction).
#ifndef HEAPD_CLIENT_GRPC_STATUS_CONVERSION_H_
#define HEAPD_CLIENT_GRPC_STATUS_CONVERSION_H_

#include <grpcpp/grpcpp.h>

#include "absl/status/status.h"

namespace heapd::client {

// gRPC's status codes and absl's are both google.rpc.Code, so the cast
// keeps the code exactly.
inline absl::Status FromGrpcStatus(const grpc::Status& status) {
  if (status.ok()) return absl::OkStatus();
  return absl::Status(static_cast<absl::StatusCode>(status.error_code()),
                      status.error_message());
}

}  // namespace heapd::client

#endif  // HEAPD_CLIENT_GRPC_STATUS_CONVERSION_H_
