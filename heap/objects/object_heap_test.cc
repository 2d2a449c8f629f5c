#include "heap/objects/object_heap.h"

#include <algorithm>
#include <map>
#include <random>
#include <set>
#include <utility>
#include <vector>

#include "gtest/gtest.h"

namespace heapd::objects {

// Reaches into the heap to break an invariant on purpose.
class ObjectHeapTestPeer {
 public:
  static void CorruptRefcount(ObjectHeap& heap, Handle handle) {
    ++heap.records_[handle & 0xffffffffu].refcount;
  }
};

namespace {

constexpr OwnerId kAlice = 1;
constexpr OwnerId kBob = 2;

ObjectHeapOptions Options() {
  ObjectHeapOptions options;
  options.gc.enabled = false;  // tests collect explicitly unless they say so
  return options;
}

void ExpectValid(const ObjectHeap& heap) {
  absl::Status status = heap.Verify();
  ASSERT_TRUE(status.ok()) << status;
}

Handle New(ObjectHeap& heap, ObjectType type, OwnerId owner = kAlice,
           int64_t length = 0) {
  AllocateSpec spec;
  spec.type = type;
  spec.length = length;
  absl::StatusOr<Allocated> a = heap.Allocate(owner, spec);
  EXPECT_TRUE(a.ok()) << a.status();
  // The safe point after the operation, where a collection the allocation
  // scheduled runs (as the service does after each request).
  heap.CollectIfScheduled();
  return a.ok() ? a->handle : 0;
}

Handle NewObject(ObjectHeap& heap, OwnerId owner = kAlice) {
  return New(heap, ObjectType::kObject, owner);
}

// ---------------------------------------------------------------------------
// Objects and their memory

TEST(ObjectHeapTest, ObjectsLiveInBlocksOfTheirSizeClass) {
  ObjectHeap heap(Options());
  AllocateSpec spec;
  spec.type = ObjectType::kObject;
  Allocated instance = *heap.Allocate(kAlice, spec);
  EXPECT_EQ(instance.size, 48u);
  EXPECT_EQ(instance.block_size, 48u);
  EXPECT_EQ(instance.size_class, 2);

  spec.type = ObjectType::kList;
  Allocated list = *heap.Allocate(kAlice, spec);
  EXPECT_EQ(list.size, 56u);  // 16-byte GC header included
  EXPECT_EQ(list.block_size, 64u);
  EXPECT_EQ(list.size_class, 3);

  spec.type = ObjectType::kStr;
  spec.length = 1000;
  Allocated text = *heap.Allocate(kAlice, spec);
  EXPECT_EQ(text.size, 1041u);
  EXPECT_EQ(text.size_class, -1) << "over 512 bytes: the raw domain";

  spec.type = ObjectType::kFloat;
  spec.length = 0;
  Allocated number = *heap.Allocate(kAlice, spec);
  EXPECT_EQ(number.block_size, 32u);

  const obmalloc::AllocatorStats stats = heap.AllocatorStatistics();
  EXPECT_EQ(stats.small.size_classes[2].blocks_in_use, 1u);
  EXPECT_EQ(stats.small.size_classes[3].blocks_in_use, 1u);
  EXPECT_EQ(stats.small.size_classes[1].blocks_in_use, 1u);
  EXPECT_EQ(stats.raw.blocks_in_use, 1u);
  ExpectValid(heap);
}

TEST(ObjectHeapTest, BadAllocationsAreRejected) {
  ObjectHeap heap(Options());
  AllocateSpec spec;
  spec.type = ObjectType::kStr;
  spec.length = -1;
  EXPECT_EQ(heap.Allocate(kAlice, spec).status().code(),
            absl::StatusCode::kInvalidArgument);
  spec.length = MaxLength(ObjectType::kStr) + 1;
  EXPECT_EQ(heap.Allocate(kAlice, spec).status().code(),
            absl::StatusCode::kInvalidArgument);
  spec.type = ObjectType::kDict;
  spec.length = 3;
  EXPECT_EQ(heap.Allocate(kAlice, spec).status().code(),
            absl::StatusCode::kInvalidArgument);
  spec.length = 0;
  spec.finalizer.action = Finalizer::Action::kResurrectInto;
  spec.finalizer.into = 12345;
  EXPECT_EQ(heap.Allocate(kAlice, spec).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(heap.Stats().objects, 0);
  ExpectValid(heap);
}

TEST(ObjectHeapTest, ListItemsGrowInTheirOwnAllocation) {
  ObjectHeap heap(Options());
  const Handle list = New(heap, ObjectType::kList);
  const Handle item = New(heap, ObjectType::kFloat);
  std::vector<size_t> sizes;
  for (int i = 0; i < 10; ++i) {
    ASSERT_TRUE(heap.Append(list, item).ok());
    sizes.push_back(heap.Inspect(list, kAlice)->size);
  }
  // sys.getsizeof after each append in CPython 3.12.
  EXPECT_EQ(sizes, (std::vector<size_t>{88, 88, 88, 88, 120, 120, 120, 120,
                                        184, 184}));
  EXPECT_EQ(*heap.RefCount(item), 11);
  ExpectValid(heap);
}

// ---------------------------------------------------------------------------
// Reference counting

TEST(ObjectHeapTest, OwnersHoldTheirOwnReferences) {
  ObjectHeap heap(Options());
  const Handle x = NewObject(heap);
  EXPECT_EQ(*heap.RefCount(x), 1);
  RefCountResult inc = *heap.IncRef(kBob, x);
  EXPECT_EQ(inc.refcount, 2);
  EXPECT_EQ(inc.owner_references, 1);

  // Alice holds one reference, Bob one: neither can drop the other's.
  RefCountResult dec = *heap.DecRef(kAlice, x);
  EXPECT_EQ(dec.refcount, 1);
  absl::StatusOr<RefCountResult> again = heap.DecRef(kAlice, x);
  EXPECT_EQ(again.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(*heap.RefCount(x), 1) << "a refused DecRef changes nothing";
  ExpectValid(heap);

  dec = *heap.DecRef(kBob, x);
  EXPECT_EQ(dec.refcount, 0);
  EXPECT_EQ(dec.objects_freed, 1);
  EXPECT_FALSE(heap.IsAlive(x));
  ExpectValid(heap);
}

TEST(ObjectHeapTest, StaleAndMadeUpHandlesAreNotFound) {
  ObjectHeap heap(Options());
  const Handle x = NewObject(heap);
  ASSERT_TRUE(heap.DecRef(kAlice, x).ok());
  // The slot is reused by the next object, under a new handle.
  const Handle y = NewObject(heap);
  EXPECT_NE(x, y);
  EXPECT_EQ(x & 0xffffffffu, y & 0xffffffffu);
  EXPECT_EQ(heap.IncRef(kAlice, x).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(heap.Inspect(x, kAlice).status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(heap.SetField(y, "f", x).status().code(),
            absl::StatusCode::kNotFound);
  for (Handle made_up : {Handle{0}, Handle{42}, ~Handle{0}, y + 1}) {
    EXPECT_EQ(heap.IncRef(kAlice, made_up).status().code(),
              absl::StatusCode::kNotFound)
        << made_up;
  }
  EXPECT_EQ(*heap.RefCount(y), 1);
  ExpectValid(heap);
}

TEST(ObjectHeapTest, FieldsReplaceAndReleaseTheirReferent) {
  ObjectHeap heap(Options());
  const Handle a = NewObject(heap);
  const Handle b = NewObject(heap);
  const Handle c = NewObject(heap);
  LinkResult link = *heap.SetField(a, "ref", b);  // a.ref = b
  EXPECT_EQ(link.target_refcount, 2);
  EXPECT_EQ(link.replaced, 0u);
  ASSERT_TRUE(heap.DecRef(kAlice, b).ok());       // del b
  EXPECT_TRUE(heap.IsAlive(b)) << "a.ref keeps it";

  link = *heap.SetField(a, "ref", c);             // a.ref = c
  EXPECT_EQ(link.replaced, b);
  EXPECT_EQ(link.objects_freed, 1);
  EXPECT_FALSE(heap.IsAlive(b));

  // Setting a field to what it holds already keeps the object alive.
  ASSERT_TRUE(heap.DecRef(kAlice, c).ok());
  link = *heap.SetField(a, "ref", c);
  EXPECT_TRUE(heap.IsAlive(c));
  EXPECT_EQ(link.target_refcount, 1);

  UnlinkResult unlink = *heap.ClearField(a, "ref");  // del a.ref
  EXPECT_EQ(unlink.released, c);
  EXPECT_EQ(unlink.objects_freed, 1);
  EXPECT_EQ(heap.ClearField(a, "ref").status().code(),
            absl::StatusCode::kNotFound);
  ExpectValid(heap);
}

TEST(ObjectHeapTest, ItemsAppendAndRemove) {
  ObjectHeap heap(Options());
  const Handle list = New(heap, ObjectType::kList);
  const Handle x = New(heap, ObjectType::kInt);
  ASSERT_TRUE(heap.Append(list, x).ok());
  ASSERT_TRUE(heap.Append(list, x).ok());
  EXPECT_EQ(*heap.RefCount(x), 3);
  ASSERT_TRUE(heap.DecRef(kAlice, x).ok());
  EXPECT_EQ(heap.RemoveItem(list, x)->released_refcount, 1);
  UnlinkResult last = *heap.RemoveItem(list, x);
  EXPECT_EQ(last.released_refcount, 0);
  EXPECT_EQ(last.objects_freed, 1);
  const Handle y = New(heap, ObjectType::kInt);
  EXPECT_EQ(heap.RemoveItem(list, y).status().code(),
            absl::StatusCode::kFailedPrecondition);

  // A set holds a member once.
  const Handle set = New(heap, ObjectType::kSet);
  ASSERT_TRUE(heap.Append(set, y).ok());
  ASSERT_TRUE(heap.Append(set, y).ok());
  EXPECT_EQ(*heap.RefCount(y), 2);

  // A tuple fills its slots, then refuses.
  const Handle tuple = New(heap, ObjectType::kTuple, kAlice, 2);
  ASSERT_TRUE(heap.Append(tuple, y).ok());
  ASSERT_TRUE(heap.SetField(tuple, "1", list).ok());
  EXPECT_EQ(heap.Append(tuple, y).status().code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(heap.SetField(tuple, "2", y).status().code(),
            absl::StatusCode::kInvalidArgument);
  ExpectValid(heap);
}

TEST(ObjectHeapTest, TupleSlotsAreNamedInPlainDecimal) {
  ObjectHeap heap(Options());
  const Handle tuple = New(heap, ObjectType::kTuple, kAlice, 12);
  const Handle x = NewObject(heap);
  for (const char* name : {"", " 1", "1 ", "+1", "01", "0x1", "-0", "12",
                           "18446744073709551617"}) {
    EXPECT_EQ(heap.SetField(tuple, name, x).status().code(),
              absl::StatusCode::kInvalidArgument)
        << "\"" << name << "\"";
  }
  ASSERT_TRUE(heap.SetField(tuple, "0", x).ok());
  ASSERT_TRUE(heap.SetField(tuple, "11", x).ok());
  EXPECT_EQ(heap.ClearField(tuple, "00").status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_TRUE(heap.ClearField(tuple, "11").ok());

  const Handle empty = New(heap, ObjectType::kTuple, kAlice, 0);
  const absl::Status none = heap.SetField(empty, "0", x).status();
  EXPECT_EQ(none.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(none.message().find("has no slots"), absl::string_view::npos)
      << none;
  ExpectValid(heap);
}

TEST(ObjectHeapTest, AtomicObjectsHoldNoReferences) {
  ObjectHeap heap(Options());
  const Handle s = New(heap, ObjectType::kStr, kAlice, 5);
  const Handle x = NewObject(heap);
  EXPECT_EQ(heap.SetField(s, "f", x).status().code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(heap.Append(s, x).status().code(),
            absl::StatusCode::kFailedPrecondition);
  const Handle list = New(heap, ObjectType::kList);
  EXPECT_EQ(heap.SetField(list, "f", x).status().code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(heap.Append(x, list).status().code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(*heap.RefCount(x), 1);
  ExpectValid(heap);
}

TEST(ObjectHeapTest, ReleasingAnOwnerFreesWhatOnlyItKept) {
  ObjectHeap heap(Options());
  const Handle shared = NewObject(heap, kAlice);
  ASSERT_TRUE(heap.IncRef(kBob, shared).ok());
  const Handle mine = NewObject(heap, kAlice);
  ASSERT_TRUE(heap.SetField(mine, "x", New(heap, ObjectType::kFloat, kAlice)).ok());
  ASSERT_TRUE(heap.IncRef(kAlice, mine).ok());
  ReleaseResult released = heap.ReleaseOwner(kAlice);
  EXPECT_EQ(released.references_released, 4);
  EXPECT_EQ(released.objects_freed, 2);  // mine, and mine.x with it
  EXPECT_TRUE(heap.IsAlive(shared));
  EXPECT_FALSE(heap.IsAlive(mine));
  EXPECT_EQ(heap.Stats().objects, 1);
  ExpectValid(heap);
}

TEST(ObjectHeapTest, DeepChainIsFreedWithoutRecursion) {
  // 1,000,000 objects, each referring to the next: dropping the head frees
  // them all by reference counting. Recursion would overflow the stack.
  ObjectHeap heap(Options());
  const Handle head = NewObject(heap);
  Handle tail = head;
  for (int i = 1; i < 1000000; ++i) {
    const Handle next = NewObject(heap);
    ASSERT_TRUE(heap.SetField(tail, "next", next).ok());
    ASSERT_TRUE(heap.DecRef(kAlice, next).ok());
    tail = next;
  }
  EXPECT_EQ(heap.Stats().objects, 1000000);
  RefCountResult dropped = *heap.DecRef(kAlice, head);
  EXPECT_EQ(dropped.objects_freed, 1000000);
  EXPECT_EQ(heap.Stats().objects, 0);
  EXPECT_EQ(heap.AllocatorStatistics().small.size_classes[2].blocks_in_use, 0u);
  ExpectValid(heap);
}

TEST(ObjectHeapTest, ListOfAMillionItemsIsFreed) {
  ObjectHeap heap(Options());
  const Handle list = New(heap, ObjectType::kList);
  for (int i = 0; i < 1000000; ++i) {
    const Handle item = New(heap, ObjectType::kList);
    ASSERT_TRUE(heap.Append(list, item).ok());
    ASSERT_TRUE(heap.DecRef(kAlice, item).ok());
  }
  RefCountResult dropped = *heap.DecRef(kAlice, list);
  EXPECT_EQ(dropped.objects_freed, 1000001);
  EXPECT_EQ(heap.AllocatorStatistics().raw.blocks_in_use, 0u);
  ExpectValid(heap);
}

TEST(ObjectHeapTest, ListOfAMillionItemsInACycleIsCollected) {
  ObjectHeap heap(Options());
  const Handle list = New(heap, ObjectType::kList);
  for (int i = 0; i < 1000000; ++i) {
    const Handle item = New(heap, ObjectType::kList);
    ASSERT_TRUE(heap.Append(list, item).ok());
    ASSERT_TRUE(heap.Append(item, list).ok());  // each item refers back
    ASSERT_TRUE(heap.DecRef(kAlice, item).ok());
  }
  EXPECT_EQ(heap.DecRef(kAlice, list)->objects_freed, 0);
  EXPECT_EQ(heap.Collect(2)->collected, 1000001);
  EXPECT_EQ(heap.Stats().objects, 0);
  EXPECT_EQ(heap.AllocatorStatistics().raw.blocks_in_use, 0u);
  ExpectValid(heap);
}

TEST(ObjectHeapTest, DeepRingIsCollected) {
  ObjectHeap heap(Options());
  const Handle head = NewObject(heap);
  Handle tail = head;
  for (int i = 1; i < 1000000; ++i) {
    const Handle next = NewObject(heap);
    ASSERT_TRUE(heap.SetField(tail, "next", next).ok());
    ASSERT_TRUE(heap.DecRef(kAlice, next).ok());
    tail = next;
  }
  ASSERT_TRUE(heap.SetField(tail, "next", head).ok());
  ASSERT_TRUE(heap.DecRef(kAlice, head).ok());
  EXPECT_EQ(heap.Stats().objects, 1000000) << "a cycle: refcounting frees nothing";
  CollectResult collected = *heap.Collect(2);
  EXPECT_EQ(collected.collected, 1000000);
  EXPECT_EQ(heap.Stats().objects, 0);
  ExpectValid(heap);
}

// ---------------------------------------------------------------------------
// The collector

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
  EXPECT_EQ(*heap.WeakRefTarget(a.weakref), a.handle) << "weak: not a reference";
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
  EXPECT_EQ(heap.WeakRefTarget(999).status().code(), absl::StatusCode::kNotFound);
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
    for (const HeapEvent& e : heap.EventsSince(after)) got.push_back(e.sequence);
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
  EXPECT_EQ(heap.SetGcConfig(config).code(), absl::StatusCode::kInvalidArgument);
  config.thresholds[1] = 10;
  config.debug_flags = 64;
  EXPECT_EQ(heap.SetGcConfig(config).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(heap.Collect(3).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(heap.Collect(-1).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(heap.gc_config().thresholds[1], 10);
}

TEST(VerifyTest, DetectsAWrongRefcount) {
  ObjectHeap heap(Options());
  const Handle a = NewObject(heap);
  ExpectValid(heap);
  ObjectHeapTestPeer::CorruptRefcount(heap, a);
  absl::Status status = heap.Verify();
  EXPECT_EQ(status.code(), absl::StatusCode::kInternal);
  EXPECT_NE(status.message().find("refcount"), std::string::npos) << status;
}

// The random-operation property test that was here is now the model-based
// test (object_heap_model_test.cc, against heap_model.h).

}  // namespace
}  // namespace heapd::objects

namespace heapd::objects {
namespace {

// ---------------------------------------------------------------------------
// Limits

// Cycles no owner holds fill the heap to its memory limit; the allocation
// that would map one arena too many collects them first and succeeds.
TEST(LimitTest, MemoryLimitCollectsCyclesBeforeRefusing) {
  ObjectHeapOptions options = Options();
  options.max_bytes = 2 * options.layout.arena_size();
  ObjectHeap heap(options);
  int64_t made = 0;
  for (;; ++made) {
    AllocateSpec spec;
    absl::StatusOr<Allocated> a = heap.Allocate(kAlice, spec);
    absl::StatusOr<Allocated> b = heap.Allocate(kAlice, spec);
    if (!a.ok() || !b.ok()) break;
    ASSERT_TRUE(heap.SetField(a->handle, "peer", b->handle).ok());
    ASSERT_TRUE(heap.SetField(b->handle, "peer", a->handle).ok());
    ASSERT_TRUE(heap.DecRef(kAlice, a->handle).ok());
    ASSERT_TRUE(heap.DecRef(kAlice, b->handle).ok());
    if (heap.limit_collections() > 0) break;
    ASSERT_LT(made, 1000000) << "the limit never bit";
  }
  EXPECT_EQ(heap.limit_collections(), 1);
  EXPECT_GT(made, 100);
  EXPECT_LE(heap.allocator().memory_limit().charged(), options.max_bytes);
  ExpectValid(heap);
}

// Objects an owner keeps alive cannot be collected: past the limit
// Allocate fails with RESOURCE_EXHAUSTED, after one full collection, and
// the heap is unchanged and still valid.
// Field names are interned only while a field holds them: a client making
// up names (a dict keyed by request ids, say) does not grow the heap once
// those fields are gone.
TEST(LimitTest, FieldNamesAreDroppedWhenNoFieldHoldsThem) {
  ObjectHeap heap(Options());
  const Handle a = New(heap, ObjectType::kDict);
  const Handle b = New(heap, ObjectType::kObject);
  const Handle value = New(heap, ObjectType::kInt);
  for (int i = 0; i < 1000; ++i) {
    ASSERT_TRUE(heap.SetField(a, absl::StrCat("key", i), value).ok());
  }
  ASSERT_TRUE(heap.SetField(b, "key7", value).ok());
  EXPECT_EQ(heap.interned_names(), 1000);
  for (int i = 0; i < 500; ++i) {
    ASSERT_TRUE(heap.ClearField(a, absl::StrCat("key", i)).ok());
  }
  EXPECT_EQ(heap.interned_names(), 501) << "key7 is still b's";
  ExpectValid(heap);
  ASSERT_TRUE(heap.DecRef(kAlice, a).ok());  // frees the dict and its fields
  EXPECT_EQ(heap.interned_names(), 1);
  EXPECT_EQ(heap.Inspect(b, kAlice)->fields[0].name, "key7");
  // Freed ids are reused, and names resolve right after reuse.
  ASSERT_TRUE(heap.SetField(b, "other", value).ok());
  EXPECT_TRUE(heap.ClearField(b, "key3").status().code() ==
              absl::StatusCode::kNotFound);
  ASSERT_TRUE(heap.ClearField(b, "key7").ok());
  EXPECT_EQ(heap.interned_names(), 1);
  EXPECT_EQ(heap.Inspect(b, kAlice)->fields[0].name, "other");
  ExpectValid(heap);
}

// list.remove() at the memory limit: the shrink wants a new, smaller items
// block, which the limit refuses; the removal stands and the list keeps its
// larger block (a failed shrinking realloc leaves the old one), and the call
// succeeds: a request that changed the heap does not report failure.
TEST(LimitTest, RemovingItemsAtTheMemoryLimitSucceeds) {
  ObjectHeapOptions options = Options();
  // One arena for the small objects, room for the list's items beside it.
  options.max_bytes = 2 * options.layout.arena_size();
  ObjectHeap heap(options);
  const Handle list = New(heap, ObjectType::kList);
  const Handle item = New(heap, ObjectType::kInt);
  constexpr int kItems = 2000;  // a 16 KB items block, raw
  for (int i = 0; i < kItems; ++i) ASSERT_TRUE(heap.Append(list, item).ok());
  // Fill the rest: small objects until no arena is left, then raw blocks
  // until not even 600 bytes are.
  for (const int64_t length : {int64_t{100}, int64_t{600}}) {
    for (int n = 0; n < 1000000; ++n) {
      AllocateSpec spec;
      spec.type = ObjectType::kBytes;
      spec.length = length;
      if (!heap.Allocate(kAlice, spec).ok()) break;
    }
  }
  const uint64_t refused = heap.allocator().memory_limit().refused();
  for (int i = 0; i < kItems; ++i) {
    absl::StatusOr<UnlinkResult> removed = heap.RemoveItem(list, item);
    ASSERT_TRUE(removed.ok()) << "removal " << i << ": " << removed.status();
    EXPECT_EQ(removed->released_refcount, kItems - i) << "removal " << i;
  }
  EXPECT_GT(heap.allocator().memory_limit().refused(), refused)
      << "no shrink was refused: the test did not reach the limit";
  EXPECT_TRUE(heap.Inspect(list, kAlice)->referents.empty());
  ExpectValid(heap);
}

TEST(LimitTest, MemoryLimitRefusesWhatLiveObjectsFill) {
  ObjectHeapOptions options = Options();
  options.max_bytes = options.layout.arena_size();
  ObjectHeap heap(options);
  absl::Status failed;
  int64_t live = 0;
  while (failed.ok()) {
    AllocateSpec spec;
    spec.type = ObjectType::kStr;
    spec.length = 100;
    absl::StatusOr<Allocated> a = heap.Allocate(kAlice, spec);
    if (a.ok()) {
      ++live;
    } else {
      failed = a.status();
    }
    ASSERT_LT(live, 1000000);
  }
  EXPECT_TRUE(absl::IsResourceExhausted(failed)) << failed;
  EXPECT_NE(failed.message().find("memory limit"), std::string::npos)
      << failed;
  EXPECT_EQ(heap.limit_collections(), 1);
  EXPECT_EQ(heap.Stats().objects, live);
  EXPECT_GE(heap.allocator().memory_limit().refused(), 1u);
  // A raw (large) request is charged too.
  AllocateSpec big;
  big.type = ObjectType::kBytes;
  big.length = 4 * options.layout.arena_size();
  EXPECT_TRUE(absl::IsResourceExhausted(heap.Allocate(kAlice, big).status()));
  ExpectValid(heap);
  // Freeing makes room again.
  heap.ReleaseOwner(kAlice);
  EXPECT_TRUE(heap.Allocate(kAlice, AllocateSpec{}).ok());
  ExpectValid(heap);
}

TEST(LimitTest, ObjectLimit) {
  ObjectHeapOptions options = Options();
  options.max_objects = 3;
  ObjectHeap heap(options);
  const Handle a = NewObject(heap);
  const Handle b = NewObject(heap);
  ASSERT_TRUE(heap.SetField(a, "peer", b).ok());
  ASSERT_TRUE(heap.SetField(b, "peer", a).ok());
  ASSERT_TRUE(heap.DecRef(kAlice, a).ok());
  ASSERT_TRUE(heap.DecRef(kAlice, b).ok());
  const Handle c = NewObject(heap);
  // The fourth: the cycle a-b is collected to make room.
  ASSERT_TRUE(heap.Allocate(kAlice, AllocateSpec{}).ok());
  EXPECT_EQ(heap.limit_collections(), 1);
  EXPECT_FALSE(heap.IsAlive(a));
  ASSERT_TRUE(heap.Allocate(kAlice, AllocateSpec{}).ok());
  absl::StatusOr<Allocated> refused = heap.Allocate(kAlice, AllocateSpec{});
  EXPECT_TRUE(absl::IsResourceExhausted(refused.status()));
  EXPECT_NE(refused.status().message().find("max_objects 3"),
            std::string::npos)
      << refused.status();
  EXPECT_TRUE(heap.IsAlive(c));
  EXPECT_EQ(heap.Stats().objects, 3);
  ExpectValid(heap);
}

// At the limit, a malformed request is still INVALID_ARGUMENT, and costs no
// collection.
TEST(LimitTest, AMalformedAllocateAtTheLimitIsInvalidArgument) {
  ObjectHeapOptions options = Options();
  options.max_objects = 1;
  ObjectHeap heap(options);
  const Handle holder = NewObject(heap);
  AllocateSpec bad_length;
  bad_length.type = ObjectType::kStr;
  bad_length.length = -1;
  EXPECT_TRUE(absl::IsInvalidArgument(
      heap.Allocate(kAlice, bad_length).status()));
  AllocateSpec bad_finalizer;
  bad_finalizer.finalizer.action = Finalizer::Action::kResurrectInto;
  bad_finalizer.finalizer.into = holder + 12345;
  bad_finalizer.finalizer.field = "f";
  EXPECT_TRUE(absl::IsInvalidArgument(
      heap.Allocate(kAlice, bad_finalizer).status()));
  EXPECT_EQ(heap.limit_collections(), 0);
  ExpectValid(heap);
}

// Unallocate takes an object back as if it had never been made: no
// finalizer runs (a resurrecting one would keep it), no weak-reference
// callback is recorded.
TEST(ObjectHeapTest, UnallocateRunsNoFinalizerAndNoCallback) {
  ObjectHeap heap(Options());
  const Handle holder = NewObject(heap);
  const uint64_t events_before = heap.last_event_sequence();
  for (Finalizer::Action action :
       {Finalizer::Action::kRecord, Finalizer::Action::kResurrectToOwner,
        Finalizer::Action::kResurrectInto}) {
    AllocateSpec spec;
    spec.finalizer.action = action;
    spec.finalizer.into = holder;
    spec.finalizer.field = "saved";
    spec.weakref = true;
    spec.weakref_callback = true;
    absl::StatusOr<Allocated> made = heap.Allocate(kAlice, spec);
    ASSERT_TRUE(made.ok()) << made.status();
    ASSERT_TRUE(heap.Unallocate(kAlice, made->handle).ok());
    EXPECT_FALSE(heap.IsAlive(made->handle));
    EXPECT_EQ(*heap.WeakRefTarget(made->weakref), 0u);
  }
  EXPECT_EQ(heap.last_event_sequence(), events_before);
  EXPECT_EQ(heap.Stats().objects, 1);
  EXPECT_EQ(heap.Stats().weakrefs, 0);
  EXPECT_TRUE(heap.Inspect(holder, kAlice)->fields.empty());

  // Only the sole reference can be taken back.
  const Handle shared = NewObject(heap);
  ASSERT_TRUE(heap.SetField(holder, "f", shared).ok());
  EXPECT_TRUE(absl::IsFailedPrecondition(heap.Unallocate(kAlice, shared)));
  EXPECT_TRUE(absl::IsFailedPrecondition(heap.Unallocate(kBob, holder)));
  ExpectValid(heap);
}

TEST(ObjectHeapTest, AFinalizersFieldNameIsAtMost256Bytes) {
  ObjectHeap heap(Options());
  const Handle holder = NewObject(heap);
  AllocateSpec spec;
  spec.finalizer.action = Finalizer::Action::kResurrectInto;
  spec.finalizer.into = holder;
  spec.finalizer.field = std::string(257, 'f');
  const absl::Status refused = heap.Allocate(kAlice, spec).status();
  EXPECT_TRUE(absl::IsInvalidArgument(refused)) << refused;
  spec.finalizer.field = std::string(256, 'f');
  EXPECT_TRUE(heap.Allocate(kAlice, spec).ok());
  ExpectValid(heap);
}

}  // namespace
}  // namespace heapd::objects
