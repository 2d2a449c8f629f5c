// `heapctl diff`: what changed between two Stats snapshots, in the manner
// of tracemalloc's Snapshot.compare_to(): one line per size class, object
// type and generation that changed, the largest absolute change first, each
// figure with its signed change, and totals.
//
//   size class 3 (64 B): blocks=1,200 (+1,000), bytes=76,800 (+64,000), pools=5
//   (+4) type list: count=1,000 (+1,000), bytes=56,000 (+56,000) generation 0:
//   count=12 (-300), collections=4 (+1), collected=0 (+0)
//
// Pure functions; the command reads two `heapctl stats --json` files, or
// with --interval takes two snapshots that far apart.
#ifndef HEAPD_CLIENT_HEAPCTL_DIFF_H_
#define HEAPD_CLIENT_HEAPCTL_DIFF_H_

#include <cstdint>
#include <string>
#include <vector>

#include "client/heapctl/command.h"
#include "proto/heap.pb.h"

namespace heapd::heapctl {

// One changed row. `size`/`size_diff` are bytes where the row has bytes
// (size classes, types), else the object count (generations); rows are
// ordered by |size_diff|, then |count_diff|, then name.
struct DiffRow {
  std::string group;  // "size class", "type", "generation"
  std::string name;   // "3 (64 B)", "list", "0"
  int64_t count = 0;
  int64_t count_diff = 0;
  int64_t size = 0;
  int64_t size_diff = 0;
  // Extra "name=value (+diff)" figures printed after the main ones.
  std::string extra;
};

struct StatsDiff {
  std::vector<DiffRow> rows;
  // Totals after and their changes.
  int64_t blocks = 0, blocks_diff = 0;
  int64_t block_bytes = 0, block_bytes_diff = 0;
  int64_t objects = 0, objects_diff = 0;
  int64_t object_bytes = 0, object_bytes_diff = 0;
  int64_t arenas = 0, arenas_diff = 0;
  int64_t collections_diff = 0;
  int64_t collected_diff = 0;
  // Seconds between the snapshots (0 if unknown).
  double seconds = 0;
};

// `before` and `after` in that order; rows that did not change are left out
// unless `include_unchanged`.
StatsDiff DiffStats(const v1::StatsResponse& before,
                    const v1::StatsResponse& after,
                    bool include_unchanged = false);

// "+5", "-3", "+0".
std::string Signed(int64_t value);

// The lines, then a Total line; "no changes" when there are no rows.
std::string FormatDiff(const StatsDiff& diff, size_t limit = 0);

Command DiffCommand();

}  // namespace heapd::heapctl

#endif  // HEAPD_CLIENT_HEAPCTL_DIFF_H_
