// Reads one number out of a protobuf message by a path of field names and
// indexes, through protobuf reflection: so a scenario's
// `stats.allocator.size_classes[3].blocks_in_use` reaches any numeric field
// of heapd.v1.StatsResponse (or ObjectInfo) without a table to maintain.
//
// The rules, one per kind of step (docs/scenarios.md repeats them):
//   .name      a field of the current message. A name that is not a field
//              may drop or add a plural `s` (`size_class` finds
//              `size_classes`), and at the root it may name a field of one
//              of the root's sub-messages (`stats.arenas_current` is
//              `stats.allocator.arenas_current`; the first in field order
//              wins).
//   [i]        the i-th element of a repeated field.
//   .key       an element of a repeated message field chosen by its key: the
//   ["key"]    element whose `type` enum (lowercase, `by_type.list`) or whose
//              `kind`/`method`/`code_name` string equals `key`. A missing
//              element reads as the message's defaults (zero counts).
//   (end)      a number: int, uint, bool (0/1) or enum (its number). Ending
//              on a repeated field gives its length; ending on a message
//              that has a `count` field gives the count
//              (`by_type.list` is `by_type.list.count`).
// Errors are INVALID_ARGUMENT naming the path so far and what was found,
// e.g. "stats.allocator has no field 'arena' (fields: layout, ...)".
//
// Thread safety: a pure function of its arguments.
#ifndef HEAPD_CLIENT_SCENARIO_PROTO_PATH_H_
#define HEAPD_CLIENT_SCENARIO_PROTO_PATH_H_

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "client/scenario/parser.h"
#include "google/protobuf/message.h"

namespace heapd::scenario {

// The number at `path` inside `root`; `root_name` ("stats") starts the
// path in messages.
absl::StatusOr<int64_t> ReadNumberAtPath(const google::protobuf::Message& root,
                                         absl::string_view root_name,
                                         const std::vector<PathStep>& path);

}  // namespace heapd::scenario

#endif  // HEAPD_CLIENT_SCENARIO_PROTO_PATH_H_
