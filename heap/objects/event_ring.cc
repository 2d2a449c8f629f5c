#include "heap/objects/event_ring.h"

#include <algorithm>
#include <utility>

#include "absl/time/clock.h"

namespace heapd::objects {

EventRing::EventRing(size_t capacity)
    : capacity_(std::max<size_t>(capacity, 1)) {}

void EventRing::Record(HeapEvent event) {
  event.sequence = next_sequence_++;
  event.time = absl::Now();
  events_.push_back(std::move(event));
  while (events_.size() > capacity_) events_.pop_front();
}

std::vector<HeapEvent> EventRing::Since(uint64_t after_sequence) const {
  if (events_.empty() || after_sequence >= events_.back().sequence) return {};
  // Sequences are consecutive, so the first one wanted is found by
  // arithmetic: a watcher asking for the few events since its last message
  // does not walk the whole ring.
  const uint64_t first = events_.front().sequence;
  const size_t skip = after_sequence < first
                          ? 0
                          : static_cast<size_t>(after_sequence + 1 - first);
  return std::vector<HeapEvent>(events_.begin() + static_cast<ptrdiff_t>(skip),
                                events_.end());
}

}  // namespace heapd::objects
