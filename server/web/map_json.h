// The heap map as the web API serves it (GET /api/map; docs/api.md): the
// layout, then every arena of a snapshot's HeapMapCapture in arena-index
// order, each with its pools' size classes and blocks in use, and the
// totals the page checks against Stats.
//
// Past `max_pools` pools in all the pools are left out ("aggregated": true)
// and each arena carries only its totals, so the answer stays small at any
// heap size.
#ifndef HEAPD_SERVER_WEB_MAP_JSON_H_
#define HEAPD_SERVER_WEB_MAP_JSON_H_

#include <cstddef>
#include <string>

#include "heap/obmalloc/layout.h"
#include "server/stats_publisher.h"

namespace heapd::server::web {

// The page aggregates beyond this many pools (about 400 MiB of 4 KiB pools).
inline constexpr size_t kMaxMapPools = 100000;

// REQUIRES: snapshot.map is set.
std::string MapJson(const StatsSnapshot& snapshot,
                    const obmalloc::AllocatorLayout& layout, size_t max_pools);

// The answer while no snapshot carries the map yet: {"pending": true, ...}.
std::string PendingMapJson(const obmalloc::AllocatorLayout& layout);

}  // namespace heapd::server::web

#endif  // HEAPD_SERVER_WEB_MAP_JSON_H_
