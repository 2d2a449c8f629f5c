// Translation of the heap's statistics (heap/ structs: the allocator, the
// objects and collector, the interpreter lock) into heapd.v1 messages
// (proto/heap.proto).
//
// The heap knows nothing of protobuf and the RPC handlers know nothing of the
// heap's structs: this file is the only place the two meet, so a field added
// on either side has one obvious place to be wired up.
//
// Example:
//   heapd::obmalloc::AllocatorStats stats = allocator.Stats();  // under the lock
//   heapd::v1::AllocatorStats message;
//   heapd::ToProto(allocator.layout(), stats, &message);  // lock not needed
//
// Pure functions: they read only their arguments, so they may run after the
// lock that guarded the snapshot has been released. Each overwrites every
// field it owns in `out` (repeated fields are cleared first).
#ifndef HEAPD_SERVER_STATS_TRANSLATION_H_
#define HEAPD_SERVER_STATS_TRANSLATION_H_

#include <vector>

#include "heap/obmalloc/allocator.h"
#include "heap/gil/latency_histogram.h"
#include "heap/obmalloc/layout.h"
#include "heap/gil/lock_stats.h"
#include "heap/objects/object_heap.h"
#include "proto/heap.pb.h"

namespace heapd {

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
void ToProto(const obmalloc::AllocatorLayout& layout, const obmalloc::AllocatorStats& stats,
             v1::AllocatorStats* out);

// A latency summary in nanoseconds, rounded to whole nanoseconds.
void ToProto(const gil::LatencySummary& summary, v1::Histogram* out);

// The objects section: live objects, their bytes, one row per type that has
// objects, weak references.
void ToProto(const objects::ObjectHeapStats& stats, v1::ObjectStats* out);

// The collector section: configuration, the three generations, the
// permanent generation, the long-lived counters, gc.garbage, and the
// collections among `events` (oldest first). The pause histogram is left
// empty: the heap keeps none; the service fills it from its own
// (stats_publisher.h) with the LatencySummary overload.
void ToProto(const objects::ObjectHeapStats& stats,
             const std::vector<objects::HeapEvent>& events, v1::CollectorStats* out);

// One collection. REQUIRES: event.kind is kCollection.
void ToProto(const objects::HeapEvent& event, v1::CollectionEvent* out);

// The lock section, with one by_kind row per registered kind that has been
// used.
void ToProto(const gil::LockStatsSnapshot& stats, v1::LockStats* out);

}  // namespace heapd

#endif  // HEAPD_SERVER_STATS_TRANSLATION_H_
