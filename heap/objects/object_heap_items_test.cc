// ObjectHeap's items by index (`xs[i] = x`, `del xs[i]`) and reading a
// field or an item (`a.ref`, `xs[i]`, `t[i]`).
#include <vector>

#include "absl/status/status.h"
#include "gtest/gtest.h"
#include "heap/objects/object_heap.h"
#include "heap/objects/object_heap_test_util.h"

namespace heapd::objects {
namespace {

std::vector<Handle> ItemsOf(const ObjectHeap& heap, Handle list) {
  return heap.Inspect(list, kAlice)->items;
}

TEST(ObjectHeapItemsTest, SetItemReplacesAndReleasesThePreviousItem) {
  ObjectHeap heap(Options());
  const Handle list = New(heap, ObjectType::kList);
  const Handle a = New(heap, ObjectType::kInt);
  const Handle b = New(heap, ObjectType::kInt);
  const Handle c = New(heap, ObjectType::kInt);
  ASSERT_TRUE(heap.Append(list, a).ok());
  ASSERT_TRUE(heap.Append(list, b).ok());
  ASSERT_TRUE(heap.DecRef(kAlice, a).ok());  // only the list keeps `a`

  LinkResult set = *heap.SetItem(list, 0, c);
  EXPECT_EQ(set.replaced, a);
  EXPECT_EQ(set.objects_freed, 1) << "the list held the last reference";
  EXPECT_EQ(set.target_refcount, 2);
  EXPECT_FALSE(heap.IsAlive(a));
  EXPECT_EQ(ItemsOf(heap, list), (std::vector<Handle>{c, b}));

  // Negative indices count from the end, as in Python.
  set = *heap.SetItem(list, -1, c);
  EXPECT_EQ(set.replaced, b);
  EXPECT_EQ(set.objects_freed, 0);
  EXPECT_EQ(ItemsOf(heap, list), (std::vector<Handle>{c, c}));

  // Replacing an item by itself keeps it alive.
  ASSERT_TRUE(heap.DecRef(kAlice, c).ok());
  set = *heap.SetItem(list, 1, c);
  EXPECT_EQ(set.replaced, c);
  EXPECT_EQ(set.target_refcount, 2);
  ExpectValid(heap);
}

TEST(ObjectHeapItemsTest, DeleteItemRemovesByPosition) {
  ObjectHeap heap(Options());
  const Handle list = New(heap, ObjectType::kList);
  const Handle a = New(heap, ObjectType::kInt);
  const Handle b = New(heap, ObjectType::kInt);
  for (Handle h : {a, b, a}) ASSERT_TRUE(heap.Append(list, h).ok());
  ASSERT_TRUE(heap.DecRef(kAlice, a).ok());

  UnlinkResult deleted = *heap.DeleteItem(list, -1);
  EXPECT_EQ(deleted.released, a);
  EXPECT_EQ(deleted.released_refcount, 1);
  EXPECT_EQ(ItemsOf(heap, list), (std::vector<Handle>{a, b}));
  deleted = *heap.DeleteItem(list, 0);
  EXPECT_EQ(deleted.released_refcount, 0);
  EXPECT_EQ(deleted.objects_freed, 1);
  EXPECT_EQ(ItemsOf(heap, list), (std::vector<Handle>{b}));
  ExpectValid(heap);
}

TEST(ObjectHeapItemsTest, BadIndicesAndTypesChangeNothing) {
  ObjectHeap heap(Options());
  const Handle list = New(heap, ObjectType::kList);
  const Handle a = New(heap, ObjectType::kInt);
  ASSERT_TRUE(heap.Append(list, a).ok());
  const Handle object = NewObject(heap);
  const Handle tuple = New(heap, ObjectType::kTuple, kAlice, 2);
  const Handle set = New(heap, ObjectType::kSet);
  const Handle made_up = 0x5eed5eed5eed5eedULL;

  for (int64_t index : {1, -2, 1000}) {
    absl::Status status = heap.SetItem(list, index, object).status();
    EXPECT_EQ(status.code(), absl::StatusCode::kOutOfRange) << status;
    EXPECT_EQ(status.message().substr(0, 21), "list assignment index")
        << status;
    EXPECT_EQ(heap.DeleteItem(list, index).status().code(),
              absl::StatusCode::kOutOfRange);
    EXPECT_EQ(heap.ItemReferent(list, index).status().code(),
              absl::StatusCode::kOutOfRange);
  }
  for (Handle not_a_list : {object, tuple, set, a}) {
    EXPECT_EQ(heap.SetItem(not_a_list, 0, a).status().code(),
              absl::StatusCode::kFailedPrecondition);
    EXPECT_EQ(heap.DeleteItem(not_a_list, 0).status().code(),
              absl::StatusCode::kFailedPrecondition);
  }
  EXPECT_EQ(heap.SetItem(made_up, 0, a).status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(heap.SetItem(list, 0, made_up).status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(heap.DeleteItem(made_up, 0).status().code(),
            absl::StatusCode::kNotFound);

  EXPECT_EQ(ItemsOf(heap, list), (std::vector<Handle>{a}));
  EXPECT_EQ(*heap.RefCount(a), 2);
  EXPECT_EQ(*heap.RefCount(object), 1);
  ExpectValid(heap);
}

TEST(ObjectHeapItemsTest, ReferentsOfFieldsAndItems) {
  ObjectHeap heap(Options());
  const Handle object = NewObject(heap);
  const Handle list = New(heap, ObjectType::kList);
  const Handle tuple = New(heap, ObjectType::kTuple, kAlice, 2);
  const Handle dict = New(heap, ObjectType::kDict);
  const Handle text = New(heap, ObjectType::kStr, kAlice, 5);
  ASSERT_TRUE(heap.SetField(object, "ref", list).ok());
  ASSERT_TRUE(heap.Append(list, text).ok());
  ASSERT_TRUE(heap.SetField(tuple, "1", object).ok());
  ASSERT_TRUE(heap.SetField(dict, "k", text).ok());

  Referent field = *heap.FieldReferent(object, "ref");
  EXPECT_EQ(field.handle, list);
  EXPECT_EQ(field.type, ObjectType::kList);
  EXPECT_EQ(field.size, heap.Inspect(list, kAlice)->size);
  EXPECT_EQ(heap.FieldReferent(dict, "k")->handle, text);
  EXPECT_EQ(heap.FieldReferent(tuple, "1")->handle, object);
  Referent item = *heap.ItemReferent(list, -1);
  EXPECT_EQ(item.handle, text);
  EXPECT_EQ(item.type, ObjectType::kStr);
  EXPECT_EQ(heap.ItemReferent(tuple, 1)->handle, object);
  EXPECT_EQ(heap.TypeAndSize(text)->type, ObjectType::kStr);
  EXPECT_EQ(heap.TypeAndSize(text)->size, heap.Inspect(text, kAlice)->size);
  EXPECT_EQ(heap.TypeAndSize(0x5eedULL).status().code(),
            absl::StatusCode::kNotFound);

  // Reading changes no count.
  EXPECT_EQ(*heap.RefCount(list), 2);

  EXPECT_EQ(heap.FieldReferent(object, "missing").status().code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(heap.FieldReferent(tuple, "0").status().code(),
            absl::StatusCode::kFailedPrecondition)
      << "an empty slot is not set";
  EXPECT_EQ(heap.ItemReferent(tuple, 0).status().code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(heap.ItemReferent(tuple, 2).status().code(),
            absl::StatusCode::kOutOfRange);
  EXPECT_EQ(heap.FieldReferent(list, "x").status().code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(heap.ItemReferent(object, 0).status().code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(heap.FieldReferent(text, "x").status().code(),
            absl::StatusCode::kFailedPrecondition);
  ExpectValid(heap);
}

TEST(ObjectHeapItemsTest, AnotherTenantsReferentIsNotFound) {
  ObjectHeap heap(Options());
  Handle mine, list, theirs;
  {
    ScopedAccess alice(heap, Access::Only(1));
    mine = NewObject(heap);
    list = New(heap, ObjectType::kList);
  }
  {
    ScopedAccess bob(heap, Access::Only(2));
    theirs = NewObject(heap, kBob);
  }
  {
    // Only an admin links across tenants.
    ScopedAccess admin(heap, Access::Everything());
    ASSERT_TRUE(heap.SetField(mine, "other", theirs).ok());
    ASSERT_TRUE(heap.Append(list, theirs).ok());
  }
  ScopedAccess alice(heap, Access::Only(1));
  EXPECT_EQ(heap.FieldReferent(mine, "other").status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(heap.ItemReferent(list, 0).status().code(),
            absl::StatusCode::kNotFound);
  // Nor may a caller name another tenant's list.
  ScopedAccess bob(heap, Access::Only(2));
  EXPECT_EQ(heap.SetItem(list, 0, theirs).status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(heap.DeleteItem(list, 0).status().code(),
            absl::StatusCode::kNotFound);
  ExpectValid(heap);
}

}  // namespace
}  // namespace heapd::objects
