#include "client/scenario/heap_request.h"

#include <iterator>

#include "absl/strings/str_cat.h"

namespace heapd::scenario {

void NameSession(const std::string& session_id, HeapRequest* request) {
  std::visit(
      [&](auto& r) {
        if constexpr (requires { r.set_session_id(session_id); }) {
          r.set_session_id(session_id);
        }
      },
      *request);
}

const char* RpcName(const HeapRequest& request) {
  static constexpr const char* kNames[] = {
      "Allocate", "IncRef",      "DecRef", "Link",     "Unlink", "Inspect",
      "Collect",  "SetGcConfig", "Freeze", "Unfreeze", "Stats"};
  static_assert(std::size(kNames) == std::variant_size_v<HeapRequest>);
  return kNames[request.index()];
}

absl::Status RequestFailed(const absl::Status& status,
                           absl::string_view doing) {
  return absl::Status(status.code(),
                      absl::StrCat(doing, ": ", status.message()));
}

}  // namespace heapd::scenario
