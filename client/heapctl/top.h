// `heapctl top`: a live view of heapd in the terminal, redrawn in place.
//
// Each refresh polls Stats (which never takes the interpreter lock) and
// draws, within 80x24: size-class occupancy bars (blocks in use of the
// blocks their pools hold), arenas in use and released, each generation's
// count against its threshold, collections and pause percentiles, the
// lock's wait p50/p99 and hand-offs per second, and RPCs per second by
// method. Rates come from two successive snapshots (the first frame shows
// totals only).
//
// RenderTop is pure: the snapshots and the screen size in, the lines out
// (none longer than `width`, at most `height`). TopCommand runs the loop:
// raw terminal mode (keys without Enter, no echo), cursor hidden, the
// alternate screen; `q` quits, Ctrl-C too (exit code 130), and the terminal
// is restored either way. --interval_ms sets the refresh, --iterations N
// stops after N frames (for scripts; stdin need not be a terminal).
#ifndef HEAPD_CLIENT_HEAPCTL_TOP_H_
#define HEAPD_CLIENT_HEAPCTL_TOP_H_

#include <string>
#include <vector>

#include "client/heapctl/command.h"
#include "proto/heap.pb.h"

namespace heapd::heapctl {

// `previous` is null for the first frame.
std::vector<std::string> RenderTop(const v1::StatsResponse& current,
                                   const v1::StatsResponse* previous,
                                   const std::string& address, int width,
                                   int height);

// "[#####.....]" of `width` characters (brackets included), filled by
// `fraction` (clamped to 0..1).
std::string Bar(double fraction, int width);

Command TopCommand();

}  // namespace heapd::heapctl

#endif  // HEAPD_CLIENT_HEAPCTL_TOP_H_
