// Translation of the figures Stats serves into heapd.v1 messages
// (proto/heap.proto): the heap's (heap/ structs: the allocator, the objects
// and collector, the interpreter lock) and the server's own (the server
// section's figures, the slow log's records).
//
// The heap knows nothing of protobuf and the RPC handlers know nothing of the
// figures' structs: this file is the only place the two meet, so a field
// added on either side has one obvious place to be wired up.
//
// Example:
//   heapd::obmalloc::AllocatorStats stats = allocator.Stats();  // under the
//   lock heapd::v1::AllocatorStats message; heapd::ToProto(allocator.layout(),
//   stats, &message);  // lock not needed
//
// Pure functions: they read only their arguments, so they may run after the
// lock that guarded the snapshot has been released. Each overwrites every
// field it owns in `out` (repeated fields are cleared first).
#ifndef HEAPD_SERVER_STATS_TRANSLATION_H_
#define HEAPD_SERVER_STATS_TRANSLATION_H_

#include <cstdint>
#include <string>
#include <vector>

#include "heap/gil/latency_histogram.h"
#include "heap/gil/lock_stats.h"
#include "heap/objects/object_heap.h"
#include "heap/obmalloc/allocator.h"
#include "heap/obmalloc/layout.h"
#include "proto/heap.pb.h"
#include "server/rpc_counters.h"
#include "server/session_manager.h"
#include "server/slow_log.h"

namespace heapd::server {

// Preset name, sizes, the fixed geometry (alignment 16, threshold 512, 32
// size classes, 48-byte pool headers) and the arena release policy's name.
void ToProto(const obmalloc::AllocatorLayout& layout, v1::AllocatorLayout* out);

// One row of the size-class table.
void ToProto(const obmalloc::SizeClassStats& row, v1::SizeClassStats* out);

// The raw domain's counters.
void ToProto(const obmalloc::RawDomainStats& raw, v1::RawDomainStats* out);

// The whole allocator section: `layout` must be the layout of the allocator
// `stats` was taken from. All kNumSizeClasses rows are emitted, in size-class
// order, including classes with no pools.
void ToProto(const obmalloc::AllocatorLayout& layout,
             const obmalloc::AllocatorStats& stats, v1::AllocatorStats* out);

// A latency summary in nanoseconds, rounded to whole nanoseconds.
void ToProto(const gil::LatencySummary& summary, v1::Histogram* out);

// The objects section: live objects, their bytes, one row per type that has
// objects, weak references, and the server's limit on live objects (0:
// none).
void ToProto(const objects::ObjectHeapStats& stats, int64_t max_objects,
             v1::ObjectStats* out);

// The collector section: configuration, the three generations, the
// permanent generation, the long-lived counters, gc.garbage, and the
// collections among `events` (oldest first). The pause histogram is left
// empty: the heap keeps none; the service fills it from its own
// (stats_publisher.h) with the LatencySummary overload.
void ToProto(const objects::ObjectHeapStats& stats,
             const std::vector<objects::HeapEvent>& events,
             v1::CollectorStats* out);

// One collection. REQUIRES: event.kind is kCollection.
void ToProto(const objects::HeapEvent& event, v1::CollectionEvent* out);

// The lock section, with one by_kind row per registered kind that has been
// used.
void ToProto(const gil::LockStatsSnapshot& stats, v1::LockStats* out);

// The server section's figures, each read without the interpreter lock.
struct ServerFigures {
  std::string version;
  int64_t started_unix_ns = 0;
  int64_t uptime_ns = 0;
  SessionCounters sessions;
  // One row per RPC method (RpcCounters::Read).
  std::vector<MethodCounts> methods;
  int64_t connections_open = 0;
  int64_t watch_streams_open = 0;
  int64_t lock_waiters_rejected = 0;
  int64_t max_lock_waiters = 0;
};

// The server section: every figure, one methods row per row of `methods`
// with its errors, and rpcs_total and errors_total, their sums.
void ToProto(const ServerFigures& figures, v1::ServerStats* out);

// One slow-log entry.
void ToProto(const SlowLogRecord& record, v1::SlowLogEntry* out);

}  // namespace heapd::server

#endif  // HEAPD_SERVER_STATS_TRANSLATION_H_
