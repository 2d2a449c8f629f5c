#include "server/stats_publisher.h"

#include <memory>

#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "heap/objects/object_heap.h"

namespace heapd::server {
namespace {

constexpr objects::OwnerId kOwner = 1;

objects::ObjectHeapOptions Options() {
  objects::ObjectHeapOptions options;
  options.gc.enabled = false;  // the tests collect explicitly
  return options;
}

void AllocateOne(objects::ObjectHeap& heap) {
  objects::AllocateSpec spec;
  ASSERT_TRUE(heap.Allocate(kOwner, spec).ok());
}

TEST(StatsPublisherTest, NothingUntilTheFirstUpdateWhichAlwaysPublishes) {
  objects::ObjectHeap heap(Options());
  StatsPublisher publisher(absl::Hours(1));
  EXPECT_EQ(publisher.Latest(), nullptr);
  EXPECT_TRUE(publisher.Update(heap, /*force=*/false));
  std::shared_ptr<const StatsSnapshot> first = publisher.Latest();
  ASSERT_NE(first, nullptr);
  EXPECT_EQ(first->sequence, 1u);
  EXPECT_GT(first->timestamp_unix_ns, 0);
  EXPECT_EQ(first->heap.objects, 0);
}

TEST(StatsPublisherTest, PublishesAtMostOncePerIntervalUnlessForced) {
  objects::ObjectHeap heap(Options());
  StatsPublisher publisher(absl::Milliseconds(50));
  const absl::Time t0 = absl::UnixEpoch() + absl::Hours(1);
  ASSERT_TRUE(publisher.Update(heap, false, t0));
  std::shared_ptr<const StatsSnapshot> first = publisher.Latest();

  AllocateOne(heap);
  EXPECT_FALSE(publisher.Update(heap, false, t0 + absl::Milliseconds(10)));
  EXPECT_EQ(publisher.Latest(), first);  // the same, unchanged snapshot
  EXPECT_EQ(first->heap.objects, 0);

  EXPECT_TRUE(publisher.Update(heap, false, t0 + absl::Milliseconds(60)));
  std::shared_ptr<const StatsSnapshot> second = publisher.Latest();
  EXPECT_EQ(second->sequence, 2u);
  EXPECT_EQ(second->heap.objects, 1);
  EXPECT_GE(second->timestamp_unix_ns, first->timestamp_unix_ns);
  // A reader's snapshot outlives the swap and is never changed by it.
  EXPECT_EQ(first->heap.objects, 0);

  EXPECT_TRUE(publisher.Update(heap, true, t0 + absl::Milliseconds(61)));
  EXPECT_EQ(publisher.Latest()->sequence, 3u);
}

TEST(StatsPublisherTest, RecordsEveryCollectionsPauseAndKeepsTheRecentOnes) {
  objects::ObjectHeap heap(Options());
  StatsPublisher publisher(absl::Hours(1), /*recent_capacity=*/2);
  ASSERT_TRUE(publisher.Update(heap, true));
  EXPECT_EQ(publisher.pause().count(), 0u);
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(heap.Collect(i).ok());
  ASSERT_TRUE(publisher.Update(heap, true));
  EXPECT_EQ(publisher.pause().count(), 3u);
  std::shared_ptr<const StatsSnapshot> snapshot = publisher.Latest();
  ASSERT_EQ(snapshot->recent_collections.size(), 2u);
  EXPECT_EQ(snapshot->recent_collections[0].collection.generation, 1);
  EXPECT_EQ(snapshot->recent_collections[1].collection.generation, 2);
  // Seen once, counted once.
  ASSERT_TRUE(publisher.Update(heap, true));
  EXPECT_EQ(publisher.pause().count(), 3u);
}

TEST(StatsPublisherTest, RecordsEachGenerationsPausesApart) {
  objects::ObjectHeap heap(Options());
  StatsPublisher publisher(absl::Hours(1));
  for (int generation : {0, 0, 2, 0}) {
    ASSERT_TRUE(heap.Collect(generation).ok());
  }
  ASSERT_TRUE(publisher.Update(heap, true));
  EXPECT_EQ(publisher.pause(0).count(), 3u);
  EXPECT_EQ(publisher.pause(1).count(), 0u);
  EXPECT_EQ(publisher.pause(2).count(), 1u);
  EXPECT_EQ(publisher.pause().count(), 4u);
}

TEST(StatsPublisherTest, CarriesTheMapOnlyWhileSomeoneWatches) {
  objects::ObjectHeap heap(Options());
  StatsPublisher publisher(absl::Hours(1));
  AllocateOne(heap);
  const absl::Time t0 = absl::Now();
  ASSERT_TRUE(publisher.Update(heap, /*force=*/true, t0));
  EXPECT_EQ(publisher.Latest()->map, nullptr);
  EXPECT_FALSE(publisher.MapPending());

  publisher.WatchMap(t0 + absl::Hours(1));
  EXPECT_TRUE(publisher.MapPending());
  ASSERT_TRUE(publisher.Update(heap, /*force=*/true, t0 + absl::Seconds(1)));
  std::shared_ptr<const StatsSnapshot> watched = publisher.Latest();
  ASSERT_NE(watched->map, nullptr);
  EXPECT_FALSE(publisher.MapPending());
  ASSERT_EQ(watched->map->arenas.size(), 1u);
  EXPECT_GE(watched->map->capture_ns, 0);

  ASSERT_TRUE(publisher.Update(heap, /*force=*/true, t0 + absl::Hours(2)));
  EXPECT_EQ(publisher.Latest()->map, nullptr) << "nobody watches any more";
}

}  // namespace
}  // namespace heapd::server
