// ObjectHeap at its limits (ObjectHeapOptions::max_bytes, max_objects): the
// collection a limit triggers, what is refused, and what stays consistent.
#include <string>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "heap/objects/object_heap.h"
#include "heap/objects/object_heap_test_util.h"

namespace heapd::objects {
namespace {

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
              absl::StatusCode::kFailedPrecondition);
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

// Objects an owner keeps alive cannot be collected: past the limit
// Allocate fails with RESOURCE_EXHAUSTED, after one full collection, and
// the heap is unchanged and still valid.
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
  EXPECT_NE(failed.message().find("memory limit"), std::string::npos) << failed;
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
  EXPECT_NE(refused.status().message().find("max_objects 3"), std::string::npos)
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
  EXPECT_TRUE(
      absl::IsInvalidArgument(heap.Allocate(kAlice, bad_length).status()));
  AllocateSpec bad_finalizer;
  bad_finalizer.finalizer.action = Finalizer::Action::kResurrectInto;
  bad_finalizer.finalizer.into = holder + 12345;
  bad_finalizer.finalizer.field = "f";
  // A finalizer target that is no live object: NOT_FOUND, also checked
  // before the limit.
  EXPECT_TRUE(absl::IsNotFound(heap.Allocate(kAlice, bad_finalizer).status()));
  EXPECT_EQ(heap.limit_collections(), 0);
  ExpectValid(heap);
}

// A list made with a length whose items the memory limit refuses leaves
// nothing behind. In particular its finalizer's claim on the owner must not
// outlive the request: the slot goes to the next object, and releasing the
// first owner must not take that object's owner from its finalizer.
TEST(LimitTest, AListTheLimitRefusesLeavesNoFinalizerBehind) {
  ObjectHeapOptions options = Options();
  options.max_bytes = 2 * options.layout.arena_size();
  ObjectHeap heap(options);
  AllocateSpec list;
  list.type = ObjectType::kList;
  // Items of four arenas' size: more than the limit leaves.
  list.length = static_cast<int64_t>(4 * options.layout.arena_size() / 8);
  list.finalizer.action = Finalizer::Action::kResurrectToOwner;
  const absl::Status refused = heap.Allocate(kAlice, list).status();
  EXPECT_TRUE(absl::IsResourceExhausted(refused)) << refused;
  ExpectValid(heap);

  AllocateSpec resurrecting;
  resurrecting.finalizer.action = Finalizer::Action::kResurrectToOwner;
  absl::StatusOr<Allocated> bobs = heap.Allocate(kBob, resurrecting);
  ASSERT_TRUE(bobs.ok()) << bobs.status();
  heap.ReleaseOwner(kAlice);
  ASSERT_TRUE(heap.DecRef(kBob, bobs->handle).ok());
  EXPECT_TRUE(heap.IsAlive(bobs->handle))
      << "its finalizer resurrects it into Bob, who is still there";
  EXPECT_EQ(heap.OwnerReferences(kBob, bobs->handle), 1);
  ExpectValid(heap);
}

}  // namespace
}  // namespace heapd::objects
