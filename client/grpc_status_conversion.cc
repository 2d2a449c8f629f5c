#include "client/grpc_status_conversion.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "client/server_address.h"

namespace heapd::client {
namespace {

// gRPC's words (1.51, chttp2 and the pick-first policy) when no connection
// could be made to any address the target resolved to.
bool NoConnection(absl::string_view message) {
  return absl::StrContains(message, "failed to connect to all addresses") ||
         absl::StrContains(message, "Connection refused") ||
         absl::StrContains(message, "connections to all backends failing");
}

}  // namespace

absl::Status FromGrpcStatus(const grpc::Status& status,
                            absl::string_view address,
                            absl::string_view method) {
  const absl::Status plain = FromGrpcStatus(status);
  switch (status.error_code()) {
    case grpc::StatusCode::UNAVAILABLE:
      if (absl::StrContains(status.error_message(), "DNS resolution failed")) {
        return absl::UnavailableError(absl::StrCat(
            "cannot resolve the host of ", address,
            ": pass --server=HOST:PORT or set ", kServerAddressVariable,
            " (gRPC: ", status.error_message(), ")"));
      }
      if (NoConnection(status.error_message())) {
        return absl::UnavailableError(
            absl::StrCat(NothingListensMessage(address),
                         " (gRPC: ", status.error_message(), ")"));
      }
      return plain;
    case grpc::StatusCode::UNIMPLEMENTED:
      // heapd serves every method of heapd.v1.Heap: an UNIMPLEMENTED answer
      // comes from another server (or a heapd older than this client).
      return absl::UnimplementedError(absl::StrCat(
          "the server at ", address,
          " is not heapd: it does not serve heapd.v1.Heap/", method,
          status.error_message().empty()
              ? ""
              : absl::StrCat(" (", status.error_message(), ")")));
    default:
      return plain;
  }
}

}  // namespace heapd::client
