// `heapctl top`: a live view of heapd in the terminal, redrawn in place.
//
// Each refresh polls Stats (which never takes the interpreter lock) and
// draws, at the terminal's size: size-class occupancy bars (blocks in use
// of the blocks their pools hold), arenas in use and released, each
// generation's count against its threshold, collections and pause
// percentiles, the lock's wait p50/p99 and hand-offs per second, and RPCs
// per second by method. Rates come from two successive snapshots of the
// same server run (the first frame, and the first after a restart, show
// totals only).
//
// RenderTop is pure: the snapshots, the screen size and the connection's
// state in, the lines out. It never returns more than `height` lines nor a
// line longer than `width`, and never cuts a figure: a line too wide drops
// whole fields, least important first (a size class's pools, then its
// blocks, its bar...), and bars shrink or grow with the width. Every size
// class in use is shown when the rows allow; otherwise the fullest, and a
// line saying how many more there are. While heapd cannot be reached the
// last frame stays, with a last line saying so.
//
// TopCommand runs the loop: raw terminal mode (keys without Enter, no
// echo), cursor hidden, the alternate screen; redrawn at once when the
// terminal is resized; `q` quits at any time, Ctrl-C too (exit code 130),
// and the terminal is restored either way. When Stats fails with
// UNAVAILABLE, CANCELLED or DEADLINE_EXCEEDED after a first frame, top
// retries every kReconnectEvery and resumes when heapd answers again.
// --interval_ms sets the refresh, --iterations N stops after N frames (for
// scripts, which get any error at once; stdin need not be a terminal).
#ifndef HEAPD_CLIENT_HEAPCTL_TOP_H_
#define HEAPD_CLIENT_HEAPCTL_TOP_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "client/heapctl/command.h"
#include "proto/heap.pb.h"

namespace heapd::heapctl {

// How often top tries to reach a heapd that went away.
inline constexpr absl::Duration kReconnectEvery = absl::Seconds(1);

// `previous` is null for the first frame. `gone` is OK while heapd
// answers, else the error of the last attempt to reach it.
std::vector<std::string> RenderTop(const v1::StatsResponse& current,
                                   const v1::StatsResponse* previous,
                                   const std::string& address, int width,
                                   int height,
                                   const absl::Status& gone = absl::OkStatus());

// Whether a failed Stats means heapd went away (top waits for it) rather
// than refused top (top exits).
bool ServerGone(const absl::Status& status);

// "[#####.....]" of `width` characters (brackets included), filled by
// `fraction` (clamped to 0..1).
std::string Bar(double fraction, int width);

Command TopCommand();

}  // namespace heapd::heapctl

#endif  // HEAPD_CLIENT_HEAPCTL_TOP_H_
