// The one conversion from the heap's absl::Status to the grpc::Status a
// client sees: same canonical code, same message. Errors inside heapd flow
// as absl::Status; only the service's handlers call this.
#ifndef HEAPD_SERVER_GRPC_STATUS_H_
#define HEAPD_SERVER_GRPC_STATUS_H_

#include <grpcpp/grpcpp.h>

#include <string>

#include "absl/status/status.h"

namespace heapd::server {

// absl's canonical codes and gRPC's are the same numbers (both are
// google.rpc.Code), so the cast keeps the code exactly.
inline grpc::Status ToGrpcStatus(const absl::Status& status) {
  if (status.ok()) return grpc::Status::OK;
  return grpc::Status(static_cast<grpc::StatusCode>(status.code()),
                      std::string(status.message()));
}

}  // namespace heapd::server

#endif  // HEAPD_SERVER_GRPC_STATUS_H_
