// `heapctl doctor`: reads one Stats snapshot and says, in plain sentences
// with the figure that shows it, what looks wrong:
//
//   fragmentation    many arenas held by few blocks: the allocated blocks
//                    fill a small share of the arena bytes;
//   collector thrash generation-0 collections that find (almost) nothing:
//                    the collector's cost without its benefit;
//   lock convoy      waits for the interpreter lock far longer than holds
//                    at p99: threads queue behind each other;
//   slow-log outliers requests that held the lock far longer than the p99;
//   garbage          uncollectable objects (or SAVEALL) piling up.
//
// Each check's thresholds are the named constants below; a check needs a
// minimum of evidence (arenas, collections, acquisitions) before it speaks,
// so an idle or fresh server is "no problems found". Pure functions.
#ifndef HEAPD_CLIENT_HEAPCTL_DOCTOR_H_
#define HEAPD_CLIENT_HEAPCTL_DOCTOR_H_

#include <cstdint>
#include <string>
#include <vector>

#include "client/heapctl/command.h"
#include "proto/heap.pb.h"

namespace heapd::heapctl {

// Fragmentation: at least this many arenas, with allocated blocks filling
// less than this share of their bytes.
inline constexpr int64_t kFragmentationMinArenas = 4;
inline constexpr double kFragmentationMaxUtilization = 0.30;

// Thrash: at least this many generation-0 collections, finding fewer than
// this many objects per collection on average.
inline constexpr int64_t kThrashMinCollections = 20;
inline constexpr double kThrashMaxCollectedPerCollection = 1.0;

// Convoy: at least this many contended acquisitions, a wait p99 at least
// this long and at least this many times the hold p99.
inline constexpr int64_t kConvoyMinContended = 50;
inline constexpr int64_t kConvoyMinWaitP99Ns = 1000000;  // 1 ms
inline constexpr double kConvoyMinWaitToHoldRatio = 10.0;

// Slow-log outliers: entries holding the lock this many times the hold p99
// (and at least kOutlierMinHoldNs).
inline constexpr double kOutlierMinHoldToP99Ratio = 10.0;
inline constexpr int64_t kOutlierMinHoldNs = 1000000;  // 1 ms

// Garbage: at least this many objects in gc.garbage.
inline constexpr int64_t kGarbageMinObjects = 1;

struct Finding {
  // "fragmentation", "collector thrash", "lock convoy", "slow-log outliers",
  // "garbage".
  std::string problem;
  // What the figures show and what to try, in sentences.
  std::string explanation;
};

std::vector<Finding> Diagnose(const v1::StatsResponse& stats);

// One paragraph per finding, or "no problems found".
std::string FormatFindings(const std::vector<Finding>& findings);

// Exits kExitOk when Diagnose finds nothing, kExitFindings when it finds a
// problem (text or --json alike), so that scripts and CI can fail on it.
Command DoctorCommand();

}  // namespace heapd::heapctl

#endif  // HEAPD_CLIENT_HEAPCTL_DOCTOR_H_
