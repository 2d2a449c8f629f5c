#include "server/unimplemented.h"

#include "absl/strings/str_cat.h"

namespace heapd {

grpc::Status NotServedYet(absl::string_view method) {
  return grpc::Status(
      grpc::StatusCode::UNIMPLEMENTED,
      absl::StrCat("heapd.v1.Heap/", method,
                   " is not served by this build yet: it comes in a later "
                   "version (docs/api.md lists what is served)"));
}

grpc::ServerUnaryReactor* FinishNotServedYet(
    grpc::CallbackServerContext* context, absl::string_view method) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  reactor->Finish(NotServedYet(method));
  return reactor;
}

}  // namespace heapd
