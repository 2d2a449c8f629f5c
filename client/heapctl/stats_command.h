// `heapctl stats`: everything Stats answers, as _debugmallocstats-style
// text (client/heapctl/stats_format.h) or as JSON.
#ifndef HEAPD_CLIENT_HEAPCTL_STATS_COMMAND_H_
#define HEAPD_CLIENT_HEAPCTL_STATS_COMMAND_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "client/heapctl/command.h"
#include "proto/heap.pb.h"

namespace heapd::heapctl {

Command StatsCommand();

// "allocator,lock" -> {ALLOCATOR, LOCK}; "" or "all" -> {} (every section).
// INVALID_ARGUMENT naming an unknown section.
absl::StatusOr<std::vector<v1::StatsSection>> ParseSections(
    const std::string& text);

}  // namespace heapd::heapctl

#endif  // HEAPD_CLIENT_HEAPCTL_STATS_COMMAND_H_
