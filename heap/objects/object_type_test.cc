#include "heap/objects/object_type.h"

#include <vector>

#include "gtest/gtest.h"

namespace heapd::objects {
namespace {

// sys.getsizeof on 64-bit CPython 3.12.1 (measured on this machine).
TEST(ObjectTypeTest, AtomicSizesMatchCpython312) {
  EXPECT_EQ(BasicSize(ObjectType::kInt, 0), 28u);   // 0
  EXPECT_EQ(BasicSize(ObjectType::kInt, 1), 28u);   // 1
  EXPECT_EQ(BasicSize(ObjectType::kInt, 30), 28u);  // 2**30 - 1
  EXPECT_EQ(BasicSize(ObjectType::kInt, 31), 32u);  // 2**30
  EXPECT_EQ(BasicSize(ObjectType::kInt, 60), 32u);
  EXPECT_EQ(BasicSize(ObjectType::kInt, 61), 36u);
  EXPECT_EQ(BasicSize(ObjectType::kFloat, 0), 24u);
  EXPECT_EQ(BasicSize(ObjectType::kStr, 0), 41u);    // ''
  EXPECT_EQ(BasicSize(ObjectType::kStr, 3), 44u);    // 'abc'
  EXPECT_EQ(BasicSize(ObjectType::kBytes, 0), 33u);  // b''
  EXPECT_EQ(BasicSize(ObjectType::kRaw, 700), 700u);
}

TEST(ObjectTypeTest, ContainerSizesMatchCpython312) {
  EXPECT_EQ(BasicSize(ObjectType::kTuple, 0), 40u);   // ()
  EXPECT_EQ(BasicSize(ObjectType::kTuple, 2), 56u);   // (1, 2)
  EXPECT_EQ(BasicSize(ObjectType::kList, 0), 56u);    // []
  EXPECT_EQ(BasicSize(ObjectType::kDict, 0), 64u);    // {}
  EXPECT_EQ(BasicSize(ObjectType::kSet, 0), 216u);    // set()
  EXPECT_EQ(BasicSize(ObjectType::kObject, 0), 48u);  // C()
}

// Replays n appends/adds and returns sys.getsizeof after each one.
template <typename Grow>
std::vector<size_t> SizesWhileGrowing(ObjectType type, int n, Grow grow) {
  std::vector<size_t> sizes;
  int64_t capacity = 0;
  for (int entries = 0; entries < n; ++entries) {
    sizes.push_back(BasicSize(type, 0) + ItemsAllocationSize(type, capacity));
    capacity = grow(entries + 1, capacity);
  }
  return sizes;
}

TEST(ObjectTypeTest, ListGrowsAsCpython) {
  // [sys.getsizeof(l) for each of 40 appends to l = []], CPython 3.12.1.
  const std::vector<size_t> cpython = {
      56,  88,  88,  88,  88,  120, 120, 120, 120, 184, 184, 184, 184, 184,
      184, 184, 184, 248, 248, 248, 248, 248, 248, 248, 248, 312, 312, 312,
      312, 312, 312, 312, 312, 376, 376, 376, 376, 376, 376, 376};
  EXPECT_EQ(SizesWhileGrowing(ObjectType::kList, 40, ListCapacityFor), cpython);
  // Removing shrinks once less than half is used.
  EXPECT_EQ(ListCapacityFor(5, 8), 8);
  EXPECT_EQ(ListCapacityFor(3, 8), 8) << "3 of 8 is still over a third";
  EXPECT_EQ(ListCapacityFor(3, 16), 8) << "(3 + 0 + 6) & ~3";
  EXPECT_EQ(ListCapacityFor(0, 4), 0);
}

TEST(ObjectTypeTest, DictGrowsAsCpython) {
  // [sys.getsizeof(d) for 40 str-keyed insertions into d = {}].
  const std::vector<size_t> cpython = {
      64,  184, 184, 184, 184, 184, 272, 272, 272, 272, 272, 464, 464, 464,
      464, 464, 464, 464, 464, 464, 464, 464, 832, 832, 832, 832, 832, 832,
      832, 832, 832, 832, 832, 832, 832, 832, 832, 832, 832, 832};
  EXPECT_EQ(SizesWhileGrowing(ObjectType::kDict, 40, DictCapacityFor), cpython);
}

TEST(ObjectTypeTest, SetGrowsAsCpython) {
  // [sys.getsizeof(s) for 25 additions to s = set()].
  std::vector<size_t> cpython(25, 0);
  for (int i = 0; i < 25; ++i) cpython[i] = i < 5 ? 216 : i < 19 ? 728 : 2264;
  EXPECT_EQ(SizesWhileGrowing(ObjectType::kSet, 25, SetCapacityFor), cpython);
}

TEST(ObjectTypeTest, NamesAndKinds) {
  EXPECT_EQ(ObjectTypeName(ObjectType::kDict), "dict");
  EXPECT_EQ(*ParseObjectType("object"), ObjectType::kObject);
  EXPECT_EQ(ParseObjectType("frozenset").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(IsContainer(ObjectType::kTuple));
  EXPECT_FALSE(IsContainer(ObjectType::kStr));
  EXPECT_TRUE(HasLength(ObjectType::kStr));
  EXPECT_FALSE(HasLength(ObjectType::kDict));
}

}  // namespace
}  // namespace heapd::objects
