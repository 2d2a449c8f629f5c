// The RPCs a scenario sends and the replies its driver hands back: the
// vocabulary between the interpreter (interpreter.h), which decides what to
// send, and its drivers (runner.h; heapload's ScenarioProgram), which send
// it.
#ifndef HEAPD_CLIENT_SCENARIO_HEAP_REQUEST_H_
#define HEAPD_CLIENT_SCENARIO_HEAP_REQUEST_H_

#include <string>
#include <variant>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "proto/heap.pb.h"

namespace heapd::scenario {

// The RPCs a scenario sends. Requests come without a session id: the driver
// names its session (NameSession). Stats goes without one.
using HeapRequest =
    std::variant<v1::AllocateRequest, v1::IncRefRequest, v1::DecRefRequest,
                 v1::LinkRequest, v1::UnlinkRequest, v1::InspectRequest,
                 v1::CollectRequest, v1::SetGcConfigRequest, v1::FreezeRequest,
                 v1::UnfreezeRequest, v1::StatsRequest>;

// The response of each request above, at the same index.
using HeapResponse =
    std::variant<v1::AllocateResponse, v1::IncRefResponse, v1::DecRefResponse,
                 v1::LinkResponse, v1::UnlinkResponse, v1::InspectResponse,
                 v1::CollectResponse, v1::GcConfig, v1::FreezeResponse,
                 v1::UnfreezeResponse, v1::StatsResponse>;

// What the driver hands back: the response, or the call's status.
using HeapReply = absl::StatusOr<HeapResponse>;

// Sets `session_id` on every request that names a session.
void NameSession(const std::string& session_id, HeapRequest* request);

// The RPC's name ("Allocate", ...), for messages and tests.
const char* RpcName(const HeapRequest& request);

// How a statement reports a request that failed: `status` with "DOING: "
// before its message ("Inspect: NOT_FOUND ..."), the location left to the
// interpreter.
absl::Status RequestFailed(const absl::Status& status, absl::string_view doing);

}  // namespace heapd::scenario

#endif  // HEAPD_CLIENT_SCENARIO_HEAP_REQUEST_H_
