// StatsPublisher: the heap's figures as an immutable snapshot that Stats
// reads without the interpreter lock.
//
// The heap's statistics (allocator, objects, collector) may only be read
// under the interpreter lock. Instead of making Stats wait for it, every
// request that already holds the lock calls Update at its end; at most once
// per `interval` (or at once when `force`, e.g. after a collection) Update
// copies the figures into a new StatsSnapshot and publishes it by swapping a
// shared_ptr. Readers take the latest pointer and may keep it as long as
// they like: a published snapshot never changes.
//
// Update also catches up on the heap's event ring (ObjectHeap::EventsSince)
// whenever it looks at the heap: each new collection's duration goes into
// the pause histogram and its generation's, and the last `recent_capacity`
// collections are kept for the collector section. A collection run outside a
// request (the service runs none) is seen at the next Update that looks; if
// more events than the heap's ring holds happen in between, the oldest are
// missed.
//
// The heap map (every arena's pools and their occupancy) costs a walk of
// every pool header, so Update captures it only while someone watches:
// WatchMap(until) asks for it in every snapshot published before `until`.
// Each capture's duration is recorded with it.
//
// Threads: Update is called only under the interpreter lock (one writer at a
// time, which LatencyHistogram requires). Latest and both pause() may be called
// by any thread at any time. The publisher's mutex is held only to swap or
// copy the pointer, never while a snapshot is built.
//
// Example:
//   StatsPublisher publisher(absl::Milliseconds(50));
//   { InterpreterLockHolder h(&lock); publisher.Update(heap, /*force=*/true); }
//   std::shared_ptr<const StatsSnapshot> s = publisher.Latest();  // no lock
#ifndef HEAPD_SERVER_STATS_PUBLISHER_H_
#define HEAPD_SERVER_STATS_PUBLISHER_H_

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/time/time.h"
#include "heap/gil/latency_histogram.h"
#include "heap/objects/object_heap.h"
#include "heap/obmalloc/allocator.h"
#include "server/mutex.h"

namespace heapd::server {

// Every arena's pools at one moment, and what capturing them cost (held
// under the interpreter lock).
struct HeapMapCapture {
  std::vector<obmalloc::ArenaOccupancy> arenas;
  int64_t capture_ns = 0;
};

// The heap's figures at one moment. Immutable once published.
struct StatsSnapshot {
  // 1 for the first snapshot, one more for each later one.
  uint64_t sequence = 0;
  // When it was captured (wall clock).
  int64_t timestamp_unix_ns = 0;
  obmalloc::AllocatorStats allocator;
  objects::ObjectHeapStats heap;
  // The most recent collections, oldest first.
  std::vector<objects::HeapEvent> recent_collections;
  // Null unless someone watched the map (StatsPublisher::WatchMap).
  std::shared_ptr<const HeapMapCapture> map;
};

class StatsPublisher {
 public:
  // Publishes at most once per `interval` unless forced; keeps the last
  // `recent_capacity` collections. Latest() is null until the first Update.
  explicit StatsPublisher(absl::Duration interval, size_t recent_capacity = 16);
  StatsPublisher(const StatsPublisher&) = delete;
  StatsPublisher& operator=(const StatsPublisher&) = delete;

  // Publishes a new snapshot of `heap` if `force`, if nothing has been
  // published yet, or if `interval` has passed since the last one by `now`
  // (absl::Now() unless a test passes its own). Returns whether it published.
  // REQUIRES: the caller holds the lock guarding `heap` (the interpreter
  // lock); calls are therefore serialized.
  bool Update(const objects::ObjectHeap& heap, bool force,
              absl::Time now = absl::Now()) ABSL_LOCKS_EXCLUDED(mu_);

  // The latest snapshot, or null before the first Update. Any thread.
  std::shared_ptr<const StatsSnapshot> Latest() const ABSL_LOCKS_EXCLUDED(mu_);

  // Snapshots published before `until` carry the heap map. Any thread.
  void WatchMap(absl::Time until);
  // Whether someone watches the map and the latest snapshot lacks it: a
  // publication is due even if nothing changed. Any thread.
  bool MapPending() const ABSL_LOCKS_EXCLUDED(mu_);

  // Every collection seen so far, in nanoseconds. Any thread may Summarize.
  const gil::LatencyHistogram& pause() const { return pause_; }
  // The collections of `generation` (0 to 2) among them.
  const gil::LatencyHistogram& pause(int generation) const {
    return pause_by_generation_[generation];
  }

 private:
  // Records the collections since the last look. Under the interpreter lock.
  void CatchUp(const objects::ObjectHeap& heap);

  const absl::Duration interval_;
  const size_t recent_capacity_;

  // Written only by Update, under the interpreter lock.
  uint64_t last_event_sequence_ = 0;
  uint64_t next_sequence_ = 1;
  absl::Time last_published_ = absl::InfinitePast();
  std::deque<objects::HeapEvent> recent_;
  gil::LatencyHistogram pause_;
  std::array<gil::LatencyHistogram, objects::kNumGenerations>
      pause_by_generation_;
  // Unix nanoseconds until which snapshots carry the map.
  std::atomic<int64_t> map_until_ns_{0};

  mutable Mutex mu_;
  std::shared_ptr<const StatsSnapshot> latest_ ABSL_GUARDED_BY(mu_);
};

}  // namespace heapd::server

#endif  // HEAPD_SERVER_STATS_PUBLISHER_H_
