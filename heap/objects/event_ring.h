// EventRing: the heap's latest events, numbered, for watchers that ask for
// what happened since the last one they saw.
//
// Every recorded event gets the next sequence number (1, 2, ...: no gaps)
// and the time; the ring keeps the latest `capacity` and drops the oldest,
// so a watcher that falls behind misses events rather than holding the heap's
// memory. Not thread-safe (the interpreter lock serializes the heap).
#ifndef HEAPD_HEAP_OBJECTS_EVENT_RING_H_
#define HEAPD_HEAP_OBJECTS_EVENT_RING_H_

#include <cstddef>
#include <cstdint>
#include <deque>
#include <vector>

#include "heap/objects/heap_event.h"

namespace heapd::objects {

class EventRing {
 public:
  // Keeps at most `capacity` events (at least one, whatever is asked).
  explicit EventRing(size_t capacity);

  // Numbers and timestamps `event` and keeps it.
  void Record(HeapEvent event);
  // The events kept whose sequence is above `after_sequence`, oldest first.
  std::vector<HeapEvent> Since(uint64_t after_sequence) const;
  // The sequence number of the latest event (0 before the first).
  uint64_t last_sequence() const { return next_sequence_ - 1; }

 private:
  size_t capacity_;
  std::deque<HeapEvent> events_;
  uint64_t next_sequence_ = 1;
};

}  // namespace heapd::objects

#endif  // HEAPD_HEAP_OBJECTS_EVENT_RING_H_
