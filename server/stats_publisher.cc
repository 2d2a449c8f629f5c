#include "server/stats_publisher.h"

#include <chrono>
#include <utility>

namespace heapd::server {

StatsPublisher::StatsPublisher(absl::Duration interval, size_t recent_capacity)
    : interval_(interval), recent_capacity_(recent_capacity) {}

void StatsPublisher::CatchUp(const objects::ObjectHeap& heap) {
  for (objects::HeapEvent& event : heap.EventsSince(last_event_sequence_)) {
    last_event_sequence_ = event.sequence;
    if (event.kind != objects::HeapEvent::Kind::kCollection) continue;
    const int64_t ns = absl::ToInt64Nanoseconds(event.collection.duration);
    const uint64_t pause = ns < 0 ? 0 : static_cast<uint64_t>(ns);
    pause_.Record(pause);
    const int generation = event.collection.generation;
    if (generation >= 0 && generation < objects::kNumGenerations) {
      pause_by_generation_[generation].Record(pause);
    }
    recent_.push_back(std::move(event));
    while (recent_.size() > recent_capacity_) recent_.pop_front();
  }
}

bool StatsPublisher::Update(const objects::ObjectHeap& heap, bool force,
                            absl::Time now) {
  if (!force && next_sequence_ > 1 && now - last_published_ < interval_) {
    return false;
  }
  last_published_ = now;
  CatchUp(heap);
  auto snapshot = std::make_shared<StatsSnapshot>();
  snapshot->sequence = next_sequence_++;
  snapshot->timestamp_unix_ns = absl::ToUnixNanos(absl::Now());
  snapshot->allocator = heap.AllocatorStatistics();
  snapshot->heap = heap.Stats();
  snapshot->recent_collections.assign(recent_.begin(), recent_.end());
  if (absl::FromUnixNanos(map_until_ns_.load(std::memory_order_relaxed)) >
      now) {
    const auto started = std::chrono::steady_clock::now();
    auto map = std::make_shared<HeapMapCapture>();
    map->arenas = heap.AllocatorOccupancy();
    map->capture_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                          std::chrono::steady_clock::now() - started)
                          .count();
    snapshot->map = std::move(map);
  }
  std::shared_ptr<const StatsSnapshot> published = std::move(snapshot);
  {
    MutexLock lock(&mu_);
    latest_.swap(published);
  }
  // The previous snapshot, if no reader holds it, is freed here: outside mu_.
  return true;
}

void StatsPublisher::WatchMap(absl::Time until) {
  const int64_t ns = absl::ToUnixNanos(until);
  int64_t seen = map_until_ns_.load(std::memory_order_relaxed);
  while (seen < ns && !map_until_ns_.compare_exchange_weak(
                          seen, ns, std::memory_order_relaxed)) {
  }
}

bool StatsPublisher::MapPending() const {
  if (absl::FromUnixNanos(map_until_ns_.load(std::memory_order_relaxed)) <=
      absl::Now()) {
    return false;
  }
  std::shared_ptr<const StatsSnapshot> latest = Latest();
  return latest == nullptr || latest->map == nullptr;
}

std::shared_ptr<const StatsSnapshot> StatsPublisher::Latest() const {
  MutexLock lock(&mu_);
  return latest_;
}

}  // namespace heapd::server
