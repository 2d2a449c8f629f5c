// Answers for the heapd.v1.Heap methods this build does not serve yet.
//
// The API is published whole (proto/heap.proto) while the heap side grows
// issue by issue. Until a method is served, it answers UNIMPLEMENTED with a
// message that names it, so a client author sees at once that the method
// exists but is not there yet, rather than gRPC's bare "" status.
//
// Example, in a callback handler:
//   return FinishNotServedYet(context, "OpenSession");
#ifndef HEAPD_SERVER_UNIMPLEMENTED_H_
#define HEAPD_SERVER_UNIMPLEMENTED_H_

#include <grpcpp/grpcpp.h>

#include "absl/strings/string_view.h"

namespace heapd {

// UNIMPLEMENTED, with a message naming "heapd.v1.Heap/<method>".
grpc::Status NotServedYet(absl::string_view method);

// Finishes a unary callback call with NotServedYet(method) and returns the
// reactor the handler must return.
grpc::ServerUnaryReactor* FinishNotServedYet(
    grpc::CallbackServerContext* context, absl::string_view method);

// A server-streaming reactor that writes nothing and finishes at once with
// `status`. It deletes itself when gRPC is done with it (OnDone), so the
// handler returns `new FinishedWriteReactor<T>(status)` and forgets it.
template <typename Response>
class FinishedWriteReactor final : public grpc::ServerWriteReactor<Response> {
 public:
  explicit FinishedWriteReactor(const grpc::Status& status) {
    // Finishing from the constructor is allowed by the callback API; the
    // status goes out once the handler has returned the reactor.
    this->Finish(status);
  }

  void OnDone() override { delete this; }
};

}  // namespace heapd

#endif  // HEAPD_SERVER_UNIMPLEMENTED_H_
