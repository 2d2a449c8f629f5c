// `heapctl stats` as text: a StatsResponse laid out for people.
//
// The allocator section reads like CPython's sys._debugmallocstats(): the
// size-class table ("class size num pools blocks in use avail blocks", one
// row per class that has pools), the arena counters, then the byte
// accounting whose parts add up to "Total", each as `label = value` with
// the value right-aligned and thousands separated. Then objects by type,
// the collector per generation with its pause percentiles, the interpreter
// lock (overall and per request kind), the server (sessions, RPCs by
// method and error code) and the slow log. Sections the response does not
// carry (StatsRequest.sections) are left out.
//
// With `redact`, figures that vary from run to run of the same requests are
// printed as `*`: every duration (pauses, lock waits and holds), the lock's
// contention figures (contended, hand-offs, drop requests, forced switches,
// waiters: they depend on how threads were scheduled), the version and
// uptime, and the whole slow log (which requests cross its threshold is a
// matter of timing). Acquisitions stay: one per locked request. Golden tests
// and people diffing two runs use it; the rest is deterministic for a fixed
// sequence of requests.
//
// Pure: no I/O, no clock.
#ifndef HEAPD_CLIENT_HEAPCTL_STATS_FORMAT_H_
#define HEAPD_CLIENT_HEAPCTL_STATS_FORMAT_H_

#include <string>

#include "proto/heap.pb.h"

namespace heapd::heapctl {

struct StatsFormatOptions {
  // Print run-to-run varying figures as `*` (see above).
  bool redact = false;
  // Show the slow log even when it is empty (it was asked for); an empty
  // repeated field is not on the wire, so the response cannot say.
  bool slowlog = true;
};

std::string FormatStats(const v1::StatsResponse& stats,
                        const StatsFormatOptions& options = {});

// The pieces, for tools that want one section.
std::string FormatAllocator(const v1::AllocatorStats& allocator,
                            const StatsFormatOptions& options = {});
std::string FormatObjects(const v1::ObjectStats& objects);
std::string FormatCollector(const v1::CollectorStats& collector,
                            const StatsFormatOptions& options = {});
std::string FormatLock(const v1::LockStats& lock,
                       const StatsFormatOptions& options = {});
std::string FormatServer(const v1::ServerStats& server,
                         const StatsFormatOptions& options = {});
std::string FormatSlowlog(
    const google::protobuf::RepeatedPtrField<v1::SlowLogEntry>& slowlog,
    const StatsFormatOptions& options = {});

// `label = value` in _debugmallocstats' columns: the label padded to 35
// characters, the value right-aligned in 21 with thousands separators.
std::string MallocStatsLine(const std::string& label, int64_t value);

}  // namespace heapd::heapctl

#endif  // HEAPD_CLIENT_HEAPCTL_STATS_FORMAT_H_
