// ObjectHeap's collector: cycles, generations, thresholds, finalizers and
// resurrection, weak references, freezing, SAVEALL, events.
#include <utility>
#include <vector>

#include "gtest/gtest.h"
#include "heap/objects/object_heap.h"
#include "heap/objects/object_heap_test_util.h"

namespace heapd::objects {
namespace {

TEST(CollectorTest, TwoObjectsReferringToEachOther) {
  ObjectHeap heap(Options());
  const size_t blocks_before =
      heap.AllocatorStatistics().small.size_classes[2].blocks_in_use;
  const Handle a = NewObject(heap);
  const Handle b = NewObject(heap);
  ASSERT_TRUE(heap.SetField(a, "ref", b).ok());
  ASSERT_TRUE(heap.SetField(b, "ref", a).ok());
  EXPECT_EQ(heap.DecRef(kAlice, a)->objects_freed, 0);
  EXPECT_EQ(heap.DecRef(kAlice, b)->objects_freed, 0);
  EXPECT_TRUE(heap.IsAlive(a));
  ExpectValid(heap);
  CollectResult result = *heap.Collect(2);
  EXPECT_EQ(result.collected, 2);
  EXPECT_EQ(result.uncollectable, 0);
  EXPECT_EQ(result.examined, 2);
  EXPECT_FALSE(heap.IsAlive(a));
  EXPECT_FALSE(heap.IsAlive(b));
  EXPECT_EQ(heap.AllocatorStatistics().small.size_classes[2].blocks_in_use,
            blocks_before)
      << "the blocks went back to their pool";
  ExpectValid(heap);
}

TEST(CollectorTest, ReachableCyclesSurviveAndAgeOneGeneration) {
  ObjectHeap heap(Options());
  const Handle a = NewObject(heap);
  const Handle b = NewObject(heap);
  ASSERT_TRUE(heap.SetField(a, "ref", b).ok());
  ASSERT_TRUE(heap.SetField(b, "ref", a).ok());
  ASSERT_TRUE(heap.DecRef(kAlice, b).ok());  // a is still held
  EXPECT_EQ(heap.Collect(0)->collected, 0);
  EXPECT_EQ(heap.Inspect(a, kAlice)->generation, 1);
  EXPECT_EQ(heap.Inspect(b, kAlice)->generation, 1);
  // Now garbage, but in generation 1: a young collection does not see it.
  ASSERT_TRUE(heap.DecRef(kAlice, a).ok());
  EXPECT_EQ(heap.Collect(0)->collected, 0);
  EXPECT_EQ(heap.Collect(1)->collected, 2);
  ExpectValid(heap);
}

TEST(CollectorTest, OlderGenerationsKeepYoungObjectsAlive) {
  ObjectHeap heap(Options());
  const Handle old = New(heap, ObjectType::kList);
  ASSERT_TRUE(heap.Collect(2).ok());
  ASSERT_EQ(heap.Inspect(old, kAlice)->generation, 2);
  const Handle young = NewObject(heap);
  ASSERT_TRUE(heap.SetField(young, "self", young).ok());
  ASSERT_TRUE(heap.Append(old, young).ok());
  ASSERT_TRUE(heap.DecRef(kAlice, young).ok());
  EXPECT_EQ(heap.Collect(0)->collected, 0);
  EXPECT_TRUE(heap.IsAlive(young));
  ExpectValid(heap);
}

TEST(CollectorTest, ThresholdTriggersAutomaticCollection) {
  ObjectHeapOptions options;  // gc enabled, thresholds (700, 10, 10)
  ObjectHeap heap(options);
  std::vector<Handle> lists;
  for (int i = 0; i < 700; ++i) lists.push_back(New(heap, ObjectType::kList));
  EXPECT_EQ(heap.Stats().generations[0].count, 700);
  EXPECT_EQ(heap.Stats().generations[0].collections, 0);
  lists.push_back(New(heap, ObjectType::kList));  // the 701st
  ObjectHeapStats stats = heap.Stats();
  EXPECT_EQ(stats.generations[0].collections, 1);
  EXPECT_EQ(stats.generations[0].count, 0);
  EXPECT_EQ(stats.generations[1].count, 1);
  EXPECT_EQ(stats.generations[1].objects, 701);
  // Atomic objects do not count.
  for (int i = 0; i < 1000; ++i) New(heap, ObjectType::kFloat);
  EXPECT_EQ(heap.Stats().generations[0].count, 0);
  // Deallocating containers pays back generation 0's count.
  const Handle extra = New(heap, ObjectType::kList);
  EXPECT_EQ(heap.Stats().generations[0].count, 1);
  ASSERT_TRUE(heap.DecRef(kAlice, extra).ok());
  EXPECT_EQ(heap.Stats().generations[0].count, 0);

  std::vector<HeapEvent> events = heap.EventsSince(0);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].kind, HeapEvent::Kind::kCollection);
  EXPECT_TRUE(events[0].collection.automatic);
  EXPECT_EQ(events[0].collection.examined, 701);
  ExpectValid(heap);
}

TEST(CollectorTest, DisabledOrZeroThresholdMeansNoAutomaticCollection) {
  ObjectHeapOptions options;
  options.gc.enabled = false;
  ObjectHeap heap(options);
  for (int i = 0; i < 2000; ++i) New(heap, ObjectType::kList);
  EXPECT_EQ(heap.Stats().generations[0].collections, 0);
  EXPECT_EQ(heap.Stats().generations[0].count, 2000);
  GcConfig config = heap.gc_config();
  config.enabled = true;
  config.thresholds[0] = 0;
  ASSERT_TRUE(heap.SetGcConfig(config).ok());
  for (int i = 0; i < 2000; ++i) New(heap, ObjectType::kList);
  EXPECT_EQ(heap.Stats().generations[0].collections, 0);
}

TEST(CollectorTest, FullCollectionWaitsForTwentyFivePercentNewLongLived) {
  ObjectHeapOptions options;
  options.gc.thresholds = {10, 1, 1};
  ObjectHeap heap(options);
  // 1,000 long-lived objects after a full collection.
  for (int i = 0; i < 1000; ++i) New(heap, ObjectType::kList);
  ASSERT_TRUE(heap.Collect(2).ok());
  const int64_t full_before = heap.Stats().generations[2].collections;
  EXPECT_EQ(heap.Stats().long_lived_total, 1000);
  // Young objects that survive into generation 2: only once more than 250
  // are pending does a full collection run.
  for (int i = 0; i < 200; ++i) New(heap, ObjectType::kList);
  EXPECT_EQ(heap.Stats().generations[2].collections, full_before);
  for (int i = 0; i < 200; ++i) New(heap, ObjectType::kList);
  EXPECT_GT(heap.Stats().generations[2].collections, full_before);
  ExpectValid(heap);
}

TEST(CollectorTest, FinalizerRunsOnceAndTheCycleDies) {
  ObjectHeap heap(Options());
  AllocateSpec spec;
  spec.finalizer.action = Finalizer::Action::kRecord;
  const Handle a = heap.Allocate(kAlice, spec)->handle;
  ASSERT_TRUE(heap.SetField(a, "self", a).ok());
  ASSERT_TRUE(heap.DecRef(kAlice, a).ok());
  EXPECT_EQ(heap.Collect(2)->collected, 1);
  EXPECT_FALSE(heap.IsAlive(a));
  std::vector<HeapEvent> events = heap.EventsSince(0);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].kind, HeapEvent::Kind::kFinalizer);
  EXPECT_EQ(events[0].object, a);
  EXPECT_FALSE(events[0].resurrected);
  ExpectValid(heap);
}

// a <-> b, a's finalizer resurrecting it into kAlice, who holds a only.
std::pair<Handle, Handle> ResurrectingCycle(ObjectHeap& heap) {
  AllocateSpec spec;
  spec.finalizer.action = Finalizer::Action::kResurrectToOwner;
  const Handle a = heap.Allocate(kAlice, spec)->handle;
  const Handle b = NewObject(heap);
  EXPECT_TRUE(heap.SetField(a, "ref", b).ok());
  EXPECT_TRUE(heap.SetField(b, "ref", a).ok());
  EXPECT_TRUE(heap.DecRef(kAlice, b).ok());
  return {a, b};
}

TEST(CollectorTest, ResurrectionKeepsTheObjectAndWhatItReaches) {
  ObjectHeap heap(Options());
  const auto [a, b] = ResurrectingCycle(heap);
  ASSERT_TRUE(heap.DecRef(kAlice, a).ok());
  CollectResult first = *heap.Collect(2);
  EXPECT_EQ(first.collected, 0) << "resurrected objects are not counted";
  EXPECT_TRUE(heap.IsAlive(a));
  EXPECT_TRUE(heap.IsAlive(b));
  EXPECT_EQ(heap.OwnerReferences(kAlice, a), 1);
  EXPECT_TRUE(heap.Inspect(a, kAlice)->finalized);
  ExpectValid(heap);
  // Dropped again, the cycle dies and the finalizer does not run twice.
  ASSERT_TRUE(heap.DecRef(kAlice, a).ok());
  EXPECT_EQ(heap.Collect(2)->collected, 2);
  EXPECT_FALSE(heap.IsAlive(a));
  int finalizers = 0;
  for (const HeapEvent& e : heap.EventsSince(0)) {
    if (e.kind == HeapEvent::Kind::kFinalizer) ++finalizers;
  }
  EXPECT_EQ(finalizers, 1);
  ExpectValid(heap);
}

// A finalizer that would resurrect into an owner released since: nobody is
// left to hold the object, so it runs, resurrects nothing, and the object
// dies. (Resurrecting it would leave it held for ever by a closed session.)
TEST(CollectorTest, ResurrectionIntoAReleasedOwnerFreesTheObject) {
  ObjectHeap heap(Options());
  // A cycle that outlives its owner's release: the collector finds it
  // later, when the owner is gone.
  const auto [a, b] = ResurrectingCycle(heap);
  // And one whose last reference is the owner's own: the release itself
  // runs its finalizer.
  AllocateSpec spec;
  spec.finalizer.action = Finalizer::Action::kResurrectToOwner;
  const Handle c = heap.Allocate(kAlice, spec)->handle;
  const ReleaseResult released = heap.ReleaseOwner(kAlice);
  EXPECT_EQ(released.objects_freed, 1) << "c: finalized, not resurrected";
  EXPECT_FALSE(heap.IsAlive(c));
  ExpectValid(heap);
  const CollectResult collected = *heap.Collect(2);
  EXPECT_EQ(collected.collected, 2);
  EXPECT_FALSE(heap.IsAlive(a));
  EXPECT_FALSE(heap.IsAlive(b));
  EXPECT_EQ(heap.OwnerReferences(kAlice, a), 0);
  EXPECT_EQ(heap.Stats().objects, 0);
  ExpectValid(heap);
}

// The same owner id used again after its release is a new owner: its own
// resurrecting finalizers resurrect into it.
TEST(CollectorTest, AnOwnerUsedAgainAfterReleaseResurrectsAnew) {
  ObjectHeap heap(Options());
  AllocateSpec spec;
  spec.finalizer.action = Finalizer::Action::kResurrectToOwner;
  const Handle old = heap.Allocate(kAlice, spec)->handle;
  ASSERT_TRUE(heap.IncRef(kBob, old).ok());
  heap.ReleaseOwner(kAlice);
  const Handle fresh = heap.Allocate(kAlice, spec)->handle;
  ASSERT_TRUE(heap.DecRef(kAlice, fresh).ok());
  EXPECT_TRUE(heap.IsAlive(fresh)) << "resurrected into the new kAlice";
  EXPECT_EQ(heap.OwnerReferences(kAlice, fresh), 1);
  ASSERT_TRUE(heap.DecRef(kBob, old).ok());
  EXPECT_FALSE(heap.IsAlive(old)) << "its owner was released before";
  EXPECT_EQ(heap.OwnerReferences(kAlice, old), 0);
  ExpectValid(heap);
}

TEST(CollectorTest, FinalizerRunsWhenRefcountingFreesTheObject) {
  ObjectHeap heap(Options());
  AllocateSpec spec;
  spec.finalizer.action = Finalizer::Action::kResurrectToOwner;
  const Handle a = heap.Allocate(kAlice, spec)->handle;
  RefCountResult dropped = *heap.DecRef(kAlice, a);
  EXPECT_EQ(dropped.objects_freed, 0) << "the finalizer resurrected it";
  EXPECT_TRUE(heap.IsAlive(a));
  EXPECT_EQ(heap.OwnerReferences(kAlice, a), 1);
  EXPECT_TRUE(heap.Inspect(a, kAlice)->finalized);
  ExpectValid(heap);
  // The second time it dies for good: a finalizer runs once.
  dropped = *heap.DecRef(kAlice, a);
  EXPECT_EQ(dropped.objects_freed, 1);
  EXPECT_FALSE(heap.IsAlive(a));
  int finalizers = 0;
  for (const HeapEvent& e : heap.EventsSince(0)) {
    if (e.kind == HeapEvent::Kind::kFinalizer) ++finalizers;
  }
  EXPECT_EQ(finalizers, 1);
  ExpectValid(heap);
}

TEST(CollectorTest, ResurrectionIntoALiveObject) {
  ObjectHeap heap(Options());
  const Handle keeper = NewObject(heap);
  AllocateSpec spec;
  spec.finalizer.action = Finalizer::Action::kResurrectInto;
  spec.finalizer.into = keeper;
  spec.finalizer.field = "saved";
  const Handle a = heap.Allocate(kAlice, spec)->handle;
  ASSERT_TRUE(heap.SetField(a, "self", a).ok());
  ASSERT_TRUE(heap.DecRef(kAlice, a).ok());
  EXPECT_EQ(heap.Collect(2)->collected, 0);
  ObjectInfo info = *heap.Inspect(keeper, kAlice);
  ASSERT_EQ(info.fields.size(), 1u);
  EXPECT_EQ(info.fields[0].target, a);
  EXPECT_EQ(heap.Inspect(a, kAlice)->referrers.size(), 2u);  // keeper, self
  ExpectValid(heap);
}

TEST(CollectorTest, WeakReferencesToGarbageAreClearedWithCallbacks) {
  ObjectHeap heap(Options());
  AllocateSpec spec;
  spec.weakref = true;
  spec.weakref_callback = true;
  Allocated a = *heap.Allocate(kAlice, spec);
  const Handle live = NewObject(heap);
  const WeakRefId to_live = *heap.CreateWeakRef(live, true);
  ASSERT_TRUE(heap.SetField(a.handle, "self", a.handle).ok());
  ASSERT_TRUE(heap.DecRef(kAlice, a.handle).ok());
  EXPECT_EQ(*heap.WeakRefTarget(a.weakref), a.handle)
      << "weak: not a reference";
  EXPECT_EQ(*heap.RefCount(a.handle), 1);
  EXPECT_EQ(heap.Collect(2)->collected, 1);
  EXPECT_EQ(*heap.WeakRefTarget(a.weakref), 0u);
  EXPECT_EQ(*heap.WeakRefTarget(to_live), live);
  int callbacks = 0;
  for (const HeapEvent& e : heap.EventsSince(0)) {
    if (e.kind == HeapEvent::Kind::kWeakRefCallback) {
      ++callbacks;
      EXPECT_EQ(e.weakref, a.weakref);
    }
  }
  EXPECT_EQ(callbacks, 1);
  // Refcounting death clears them too.
  ASSERT_TRUE(heap.DecRef(kAlice, live).ok());
  EXPECT_EQ(*heap.WeakRefTarget(to_live), 0u);
  EXPECT_EQ(heap.WeakRefTarget(999).status().code(),
            absl::StatusCode::kNotFound);
  ExpectValid(heap);
}

// EventsSince(n): exactly the events after sequence n that the ring still
// holds, in order, before and after the ring wraps.
TEST(CollectorTest, EventsSinceAnySequence) {
  ObjectHeapOptions options = Options();
  options.event_capacity = 4;
  ObjectHeap heap(options);
  AllocateSpec spec;
  spec.finalizer.action = Finalizer::Action::kRecord;
  for (int i = 0; i < 6; ++i) {  // one finalizer event each
    const Handle h = heap.Allocate(kAlice, spec)->handle;
    ASSERT_TRUE(heap.DecRef(kAlice, h).ok());
  }
  ASSERT_EQ(heap.last_event_sequence(), 6u);
  // The ring holds 3..6.
  for (uint64_t after = 0; after <= 7; ++after) {
    std::vector<uint64_t> got;
    for (const HeapEvent& e : heap.EventsSince(after))
      got.push_back(e.sequence);
    std::vector<uint64_t> want;
    for (uint64_t s = std::max<uint64_t>(after + 1, 3); s <= 6; ++s) {
      want.push_back(s);
    }
    EXPECT_EQ(got, want) << "after " << after;
  }
}

TEST(CollectorTest, FrozenObjectsAreNotCollected) {
  ObjectHeap heap(Options());
  const Handle a = NewObject(heap);
  ASSERT_TRUE(heap.SetField(a, "self", a).ok());
  ASSERT_TRUE(heap.DecRef(kAlice, a).ok());
  EXPECT_EQ(heap.Freeze(), 1);
  EXPECT_EQ(heap.Inspect(a, kAlice)->generation, kPermanentGeneration);
  EXPECT_EQ(heap.Collect(2)->collected, 0);
  EXPECT_EQ(heap.Unfreeze(), 1);
  EXPECT_EQ(heap.Inspect(a, kAlice)->generation, 2);
  EXPECT_EQ(heap.Collect(2)->collected, 1);
  ExpectValid(heap);
}

TEST(CollectorTest, SaveAllKeepsGarbageInAList) {
  ObjectHeap heap(Options());
  GcConfig config = heap.gc_config();
  config.debug_flags = kDebugSaveAll;
  ASSERT_TRUE(heap.SetGcConfig(config).ok());
  const Handle a = NewObject(heap);
  const Handle b = NewObject(heap);
  ASSERT_TRUE(heap.SetField(a, "ref", b).ok());
  ASSERT_TRUE(heap.SetField(b, "ref", a).ok());
  ASSERT_TRUE(heap.DecRef(kAlice, a).ok());
  ASSERT_TRUE(heap.DecRef(kAlice, b).ok());
  EXPECT_EQ(heap.Collect(2)->collected, 2);
  EXPECT_EQ(heap.garbage_size(), 2);
  EXPECT_EQ(heap.GarbageHandles().size(), 2u);
  EXPECT_TRUE(heap.IsAlive(a));
  ExpectValid(heap);
  // Emptying gc.garbage leaves a cycle: the next collection frees it.
  config.debug_flags = 0;
  ASSERT_TRUE(heap.SetGcConfig(config).ok());
  EXPECT_EQ(heap.ClearGarbage(), 2);
  EXPECT_TRUE(heap.IsAlive(a));
  EXPECT_EQ(heap.Collect(2)->collected, 2);
  EXPECT_FALSE(heap.IsAlive(a));
  ExpectValid(heap);
}

TEST(CollectorTest, ConfigIsValidated) {
  ObjectHeap heap(Options());
  GcConfig config = heap.gc_config();
  config.thresholds[1] = -1;
  EXPECT_EQ(heap.SetGcConfig(config).code(),
            absl::StatusCode::kInvalidArgument);
  config.thresholds[1] = 10;
  config.debug_flags = 64;
  EXPECT_EQ(heap.SetGcConfig(config).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(heap.Collect(3).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(heap.Collect(-1).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(heap.gc_config().thresholds[1], 10);
}

}  // namespace
}  // namespace heapd::objects
