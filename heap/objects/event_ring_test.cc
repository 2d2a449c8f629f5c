#include "heap/objects/event_ring.h"

#include <vector>

#include "gtest/gtest.h"

namespace heapd::objects {
namespace {

HeapEvent Finalized(Handle object) {
  HeapEvent event;
  event.kind = HeapEvent::Kind::kFinalizer;
  event.object = object;
  return event;
}

std::vector<uint64_t> Sequences(const std::vector<HeapEvent>& events) {
  std::vector<uint64_t> sequences;
  for (const HeapEvent& event : events) sequences.push_back(event.sequence);
  return sequences;
}

TEST(EventRingTest, AnEmptyRingHasNoEvents) {
  EventRing ring(4);
  EXPECT_EQ(ring.last_sequence(), 0u);
  EXPECT_TRUE(ring.Since(0).empty());
}

TEST(EventRingTest, EventsAreNumberedFromOneAndTimed) {
  EventRing ring(4);
  for (Handle h = 10; h < 13; ++h) ring.Record(Finalized(h));
  const std::vector<HeapEvent> events = ring.Since(0);
  EXPECT_EQ(Sequences(events), (std::vector<uint64_t>{1, 2, 3}));
  EXPECT_EQ(events[2].object, 12u);
  EXPECT_NE(events[0].time, absl::Time());
  EXPECT_EQ(ring.last_sequence(), 3u);
}

TEST(EventRingTest, KeepsTheLatestCapacityEvents) {
  EventRing ring(3);
  for (Handle h = 1; h <= 5; ++h) ring.Record(Finalized(h));
  EXPECT_EQ(Sequences(ring.Since(0)), (std::vector<uint64_t>{3, 4, 5}));
  EXPECT_EQ(ring.last_sequence(), 5u);
}

TEST(EventRingTest, SinceAnySequence) {
  EventRing ring(3);
  for (Handle h = 1; h <= 5; ++h) ring.Record(Finalized(h));
  // Before the oldest kept, inside the ring, at and past the latest.
  EXPECT_EQ(Sequences(ring.Since(1)), (std::vector<uint64_t>{3, 4, 5}));
  EXPECT_EQ(Sequences(ring.Since(2)), (std::vector<uint64_t>{3, 4, 5}));
  EXPECT_EQ(Sequences(ring.Since(3)), (std::vector<uint64_t>{4, 5}));
  EXPECT_EQ(Sequences(ring.Since(4)), (std::vector<uint64_t>{5}));
  EXPECT_TRUE(ring.Since(5).empty());
  EXPECT_TRUE(ring.Since(99).empty());
}

TEST(EventRingTest, ACapacityOfZeroKeepsOne) {
  EventRing ring(0);
  ring.Record(Finalized(1));
  ring.Record(Finalized(2));
  EXPECT_EQ(Sequences(ring.Since(0)), (std::vector<uint64_t>{2}));
}

}  // namespace
}  // namespace heapd::objects
