// ObjectHeap: objects, their memory, references and links. The collector's
// tests are in collector_test.cc, the limits' in object_heap_limit_test.cc.
#include "heap/objects/object_heap.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "gtest/gtest.h"
#include "heap/objects/object_heap_test_util.h"

namespace heapd::objects {

// Reaches into the heap to break an invariant on purpose.
class ObjectHeapTestPeer {
 public:
  static void CorruptRefcount(ObjectHeap& heap, Handle handle) {
    ++heap.records_[heap.LiveSlotOf(handle)].refcount;
  }
};

namespace {

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
            absl::StatusCode::kNotFound);
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
  EXPECT_EQ(sizes, (std::vector<size_t>{88, 88, 88, 88, 120, 120, 120, 120, 184,
                                        184}));
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
  EXPECT_EQ(heap.IncRef(kAlice, x).status().code(),
            absl::StatusCode::kNotFound);
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
  ASSERT_TRUE(heap.DecRef(kAlice, b).ok());  // del b
  EXPECT_TRUE(heap.IsAlive(b)) << "a.ref keeps it";

  link = *heap.SetField(a, "ref", c);  // a.ref = c
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
  // The object exists, the field does not: FAILED_PRECONDITION.
  EXPECT_EQ(heap.ClearField(a, "ref").status().code(),
            absl::StatusCode::kFailedPrecondition);
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
            absl::StatusCode::kFailedPrecondition);
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
  ASSERT_TRUE(
      heap.SetField(mine, "x", New(heap, ObjectType::kFloat, kAlice)).ok());
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
  EXPECT_EQ(heap.Stats().objects, 1000000)
      << "a cycle: refcounting frees nothing";
  CollectResult collected = *heap.Collect(2);
  EXPECT_EQ(collected.collected, 1000000);
  EXPECT_EQ(heap.Stats().objects, 0);
  ExpectValid(heap);
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

// ---------------------------------------------------------------------------
// Replies state the heap after the whole call

TEST(ObjectHeapTest, LinkRepliesTheTargetsCountAfterTheCascade) {
  ObjectHeap heap(Options());
  const Handle x = NewObject(heap);
  const Handle d = NewObject(heap);
  const Handle c = NewObject(heap);
  ASSERT_TRUE(heap.SetField(x, "f", d).ok());  // x.f = d
  ASSERT_TRUE(heap.SetField(d, "g", c).ok());  // d.g = c
  ASSERT_TRUE(heap.DecRef(kAlice, d).ok());    // del d
  // x.f = c: replacing d frees it, and with it d.g's reference to c.
  const LinkResult link = *heap.SetField(x, "f", c);
  EXPECT_EQ(link.objects_freed, 1);
  EXPECT_EQ(link.target_refcount, 2);  // the owner's and x.f
  EXPECT_EQ(heap.Inspect(c, kAlice)->refcount, 2);
  ExpectValid(heap);
}

TEST(ObjectHeapTest, UnlinkingWhatIsNotThereIsAFailedPrecondition) {
  ObjectHeap heap(Options());
  const Handle object = NewObject(heap);
  const Handle list = New(heap, ObjectType::kList);
  const Handle x = NewObject(heap);
  ASSERT_TRUE(heap.Append(list, x).ok());
  // A field on a list: refused alike by link and unlink.
  EXPECT_EQ(heap.SetField(list, "f", x).status().code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(heap.ClearField(list, "f").status().code(),
            absl::StatusCode::kFailedPrecondition);
  // A field that is not set; an item that is not there.
  EXPECT_EQ(heap.ClearField(object, "absent").status().code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(heap.RemoveItem(list, object).status().code(),
            absl::StatusCode::kFailedPrecondition);
  // Unknown handles stay NOT_FOUND.
  EXPECT_EQ(heap.ClearField(0x5eed, "f").status().code(),
            absl::StatusCode::kNotFound);
  ExpectValid(heap);
}

// ---------------------------------------------------------------------------
// Tenants and handles

TEST(ObjectHeapTest, AnotherTenantsObjectsAreNotFoundAndUnchanged) {
  ObjectHeap heap(Options());
  constexpr OwnerId kBobsSession = 2;
  Handle mine, mine_list, theirs;
  {
    ScopedAccess alice(heap, Access::Only(1));
    mine = NewObject(heap);
    mine_list = New(heap, ObjectType::kList);
  }
  {
    ScopedAccess bob(heap, Access::Only(2));
    theirs = NewObject(heap, kBobsSession);
  }
  const Handle made_up = 0x5eed5eed5eed5eedULL;
  auto neutral = [](const absl::Status& status, Handle handle) {
    return absl::StrCat(
        status.code(), " ",
        absl::StrReplaceAll(status.message(), {{absl::StrCat(handle), "H"}}));
  };
  ScopedAccess alice(heap, Access::Only(1));
  for (Handle h : {theirs, made_up}) {
    SCOPED_TRACE(h == theirs ? "another tenant's" : "made up");
    const std::vector<absl::Status> answers = {
        heap.IncRef(kAlice, h).status(),
        heap.DecRef(kAlice, h).status(),
        heap.SetField(mine, "f", h).status(),
        heap.SetField(h, "f", mine).status(),
        heap.Append(mine_list, h).status(),
        heap.ClearField(h, "f").status(),
        heap.RemoveItem(mine_list, h).status(),
        heap.Inspect(h, kAlice).status(),
        heap.CreateWeakRef(h, false).status(),
    };
    for (const absl::Status& status : answers) {
      EXPECT_EQ(status.code(), absl::StatusCode::kNotFound) << status;
      EXPECT_EQ(neutral(status, h), neutral(answers[0], h));
    }
  }
  EXPECT_FALSE(heap.Visible(theirs));
  ScopedAccess admin(heap, Access::Everything());
  EXPECT_EQ(heap.Inspect(theirs, kBobsSession)->refcount, 1);
  EXPECT_TRUE(heap.Inspect(theirs, kBobsSession)->referrers.empty());
  ExpectValid(heap);
}

TEST(ObjectHeapTest, InspectShowsOnlyTheAskingTenantsObjects) {
  ObjectHeap heap(Options());
  Handle mine, theirs;
  {
    ScopedAccess alice(heap, Access::Only(1));
    mine = NewObject(heap);
  }
  {
    ScopedAccess bob(heap, Access::Only(2));
    theirs = NewObject(heap, 2);
  }
  ASSERT_TRUE(heap.SetField(mine, "peer", theirs).ok());  // by an admin
  {
    ScopedAccess alice(heap, Access::Only(1));
    const ObjectInfo info = *heap.Inspect(mine, kAlice);
    EXPECT_TRUE(info.fields.empty());
    EXPECT_TRUE(info.referents.empty());
    // Clearing the field works, but does not name what it released.
    const UnlinkResult unlink = *heap.ClearField(mine, "peer");
    EXPECT_EQ(unlink.released, 0u);
    EXPECT_EQ(unlink.released_refcount, 0);
  }
  ASSERT_TRUE(heap.SetField(mine, "peer", theirs).ok());
  {
    ScopedAccess bob(heap, Access::Only(2));
    EXPECT_TRUE(heap.Inspect(theirs, 2)->referrers.empty());
  }
  EXPECT_EQ(heap.Inspect(theirs, 2)->referrers, std::vector<Handle>{mine});
  ExpectValid(heap);
}

TEST(ObjectHeapTest, HandlesDependOnTheKeyAndFollowNoPattern) {
  ObjectHeapOptions one = Options();
  one.handle_key = HandleKey{1, 2};
  ObjectHeapOptions two = Options();
  two.handle_key = HandleKey{3, 4};
  ObjectHeap a(one), b(two);
  std::vector<Handle> from_a, from_b;
  for (int i = 0; i < 64; ++i) {
    from_a.push_back(NewObject(a));
    from_b.push_back(NewObject(b));
  }
  for (int i = 0; i < 64; ++i) {
    EXPECT_NE(from_a[i], from_b[i]);
    if (i > 1) {
      EXPECT_NE(from_a[i] - from_a[i - 1], from_a[1] - from_a[0]);
    }
  }
}

TEST(ObjectHeapTest, OwnerHandlesListsWhatAnOwnerHolds) {
  ObjectHeap heap(Options());
  const Handle a = NewObject(heap);
  ASSERT_TRUE(heap.IncRef(kAlice, a).ok());
  const Handle b = NewObject(heap, kBob);
  const std::vector<OwnedObject> alice = heap.OwnerHandles(kAlice);
  ASSERT_EQ(alice.size(), 1u);
  EXPECT_EQ(alice[0].handle, a);
  EXPECT_EQ(alice[0].references, 2);
  EXPECT_FALSE(alice[0].has_links);
  ASSERT_TRUE(heap.SetField(a, "ref", a).ok());
  EXPECT_TRUE(heap.OwnerHandles(kAlice)[0].has_links);
  ASSERT_EQ(heap.OwnerHandles(kBob).size(), 1u);
  EXPECT_EQ(heap.OwnerHandles(kBob)[0].handle, b);
  EXPECT_TRUE(heap.OwnerHandles(99).empty());
  // Under a limit, objects with links come first.
  for (int i = 0; i < 5; ++i) NewObject(heap);
  const std::vector<OwnedObject> one = heap.OwnerHandles(kAlice, 1);
  ASSERT_EQ(one.size(), 1u);
  EXPECT_EQ(one[0].handle, a);
  EXPECT_EQ(heap.OwnerHandles(kAlice, 3).size(), 3u);
  EXPECT_EQ(heap.OwnerHandles(kAlice).size(), 6u);
  EXPECT_EQ(heap.OwnerHandles(kAlice, 10, 2).size(), 2u) << "looked at 2";
}

}  // namespace
}  // namespace heapd::objects
