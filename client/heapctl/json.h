// heapctl's --json: any response message as JSON, with the proto's own
// field names (snake_case, as in proto/heap.proto), fields at their default
// values included (so scripts find every key), enums by name and 64-bit
// integers as strings, as the proto3 JSON mapping has them.
#ifndef HEAPD_CLIENT_HEAPCTL_JSON_H_
#define HEAPD_CLIENT_HEAPCTL_JSON_H_

#include <string>

#include "absl/status/statusor.h"
#include "google/protobuf/message.h"
#include "proto/heap.pb.h"

namespace heapd::heapctl {

// Pretty-printed JSON ending in a newline.
std::string ToJson(const google::protobuf::Message& message);

// Reads a StatsResponse written by `heapctl stats --json` (or any proto3
// JSON of one). INVALID_ARGUMENT with the parser's message otherwise.
absl::StatusOr<v1::StatsResponse> StatsFromJson(const std::string& json);

// Zeroes what `heapctl stats --redact` hides in text (see
// stats_format.h): durations, the lock's contention figures, times,
// uptime and the snapshot sequence; the version becomes "*"; the slow log is
// cleared.
void RedactStats(v1::StatsResponse* stats);

}  // namespace heapd::heapctl

#endif  // HEAPD_CLIENT_HEAPCTL_JSON_H_
