// Unit tests of the item-by-index and referent operations against an
// ObjectHeap, without gRPC: which slot each request names, what the response
// carries, and that a refused request changes nothing. The wire-level
// behaviour is tested end to end in tests/referent_integration_test.cc.
#include "server/object_operations.h"

#include <optional>
#include <string>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "heap/objects/object_heap.h"
#include "proto/heap.pb.h"

namespace heapd::server {
namespace {

using ::testing::HasSubstr;

constexpr objects::OwnerId kOwner = 1;

class ObjectOperationsTest : public ::testing::Test {
 protected:
  objects::Handle New(v1::ObjectType type) {
    v1::AllocateResponse made;
    const absl::Status status =
        AllocateObjects(heap_, kOwner, type, 0, 1, v1::Finalizer(),
                        v1::WeakRefOptions(), 1, &made);
    EXPECT_TRUE(status.ok()) << status;
    return made.objects(0).handle();
  }

  objects::ObjectHeap heap_{objects::ObjectHeapOptions{}};
};

TEST_F(ObjectOperationsTest, LinkAndUnlinkByIndex) {
  const objects::Handle list = New(v1::LIST);
  const objects::Handle a = New(v1::OBJECT);
  const objects::Handle b = New(v1::OBJECT);
  v1::LinkResponse linked;
  ASSERT_TRUE(
      LinkObjects(heap_, list, a, nullptr, true, std::nullopt, &linked).ok());
  ASSERT_TRUE(LinkObjects(heap_, list, b, nullptr, false, 0, &linked).ok());
  EXPECT_EQ(linked.replaced(), a);
  EXPECT_EQ(linked.target_refcount(), 2);

  v1::UnlinkResponse unlinked;
  ASSERT_TRUE(
      UnlinkObjects(heap_, list, nullptr, std::nullopt, -1, &unlinked).ok());
  EXPECT_EQ(unlinked.released(), b);
  EXPECT_EQ(unlinked.released_refcount(), 1);
  EXPECT_TRUE(heap_.Inspect(list, kOwner)->items.empty());
}

TEST_F(ObjectOperationsTest, GetReferentTakesAReference) {
  const objects::Handle holder = New(v1::OBJECT);
  const objects::Handle list = New(v1::LIST);
  ASSERT_TRUE(heap_.SetField(holder, "items", list).ok());
  ASSERT_TRUE(heap_.Append(list, holder).ok());

  const std::string field = "items";
  v1::GetReferentResponse got;
  ASSERT_TRUE(
      GetReferentObject(heap_, kOwner, holder, &field, std::nullopt, &got)
          .ok());
  EXPECT_EQ(got.handle(), list);
  EXPECT_EQ(got.type(), v1::LIST);
  EXPECT_EQ(got.size(), static_cast<int64_t>(heap_.Inspect(list, 0)->size));
  EXPECT_EQ(got.refcount(), 3);  // the allocation, the field, the new one
  EXPECT_EQ(got.session_references(), 2);

  got.Clear();
  ASSERT_TRUE(GetReferentObject(heap_, kOwner, list, nullptr, 0, &got).ok());
  EXPECT_EQ(got.handle(), holder);
  EXPECT_EQ(got.type(), v1::OBJECT);
  EXPECT_EQ(heap_.OwnerReferences(kOwner, holder), 2);
}

TEST_F(ObjectOperationsTest, WeakRefToAnExistingObject) {
  const objects::Handle list = New(v1::LIST);
  v1::CreateWeakRefResponse made;
  ASSERT_TRUE(CreateWeakRefTo(heap_, list, /*callback=*/true, &made).ok());
  EXPECT_NE(made.weakref_id(), 0u);
  EXPECT_EQ(heap_.Inspect(list, kOwner)->weakref_count, 1);

  v1::ReadWeakRefResponse read;
  ASSERT_TRUE(ReadWeakRefOf(heap_, kOwner, made.weakref_id(), &read).ok());
  EXPECT_EQ(read.handle(), list);
  EXPECT_EQ(read.type(), v1::LIST);
  EXPECT_EQ(read.size(), static_cast<int64_t>(heap_.Inspect(list, 0)->size));
  EXPECT_EQ(read.session_references(), 2);
  ASSERT_TRUE(heap_.DecRef(kOwner, list).ok());
  ASSERT_TRUE(heap_.DecRef(kOwner, list).ok());

  read.Clear();
  ASSERT_TRUE(ReadWeakRefOf(heap_, kOwner, made.weakref_id(), &read).ok());
  EXPECT_EQ(read.ByteSizeLong(), 0u) << "dead: r() is None";
  EXPECT_EQ(ReadWeakRefOf(heap_, kOwner, 987654, &read).code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(CreateWeakRefTo(heap_, list, false, &made).code(),
            absl::StatusCode::kNotFound);
  EXPECT_TRUE(heap_.Verify().ok());
}

TEST_F(ObjectOperationsTest, RefusedRequestsChangeNothing) {
  const objects::Handle holder = New(v1::OBJECT);
  const objects::Handle list = New(v1::LIST);
  ASSERT_TRUE(heap_.Append(list, holder).ok());
  const std::string missing = "missing";
  v1::GetReferentResponse got;
  v1::LinkResponse linked;
  v1::UnlinkResponse unlinked;

  absl::Status status =
      GetReferentObject(heap_, kOwner, holder, nullptr, std::nullopt, &got);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("needs a slot"));
  EXPECT_EQ(
      GetReferentObject(heap_, kOwner, holder, &missing, std::nullopt, &got)
          .code(),
      absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(GetReferentObject(heap_, kOwner, list, nullptr, 1, &got).code(),
            absl::StatusCode::kOutOfRange);
  EXPECT_EQ(LinkObjects(heap_, list, holder, nullptr, false, 5, &linked).code(),
            absl::StatusCode::kOutOfRange);
  EXPECT_EQ(
      UnlinkObjects(heap_, list, nullptr, std::nullopt, -2, &unlinked).code(),
      absl::StatusCode::kOutOfRange);
  EXPECT_EQ(
      UnlinkObjects(heap_, holder, nullptr, std::nullopt, 0, &unlinked).code(),
      absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(
      LinkObjects(heap_, 0x5eedULL, holder, nullptr, false, 0, &linked).code(),
      absl::StatusCode::kNotFound);

  EXPECT_EQ(got.ByteSizeLong(), 0u);
  EXPECT_EQ(linked.ByteSizeLong(), 0u);
  EXPECT_EQ(unlinked.ByteSizeLong(), 0u);
  EXPECT_EQ(*heap_.RefCount(holder), 2);
  EXPECT_EQ(heap_.OwnerReferences(kOwner, holder), 1);
  EXPECT_EQ(heap_.Inspect(list, kOwner)->items.size(), 1u);
  EXPECT_TRUE(heap_.Verify().ok());
}

}  // namespace
}  // namespace heapd::server
