// Unit tests of ExecuteBatch against an ObjectHeap, without gRPC: where the
// safe point runs, what its error does, and the size check. The wire-level
// behaviour is tested end to end in tests/batch_integration_test.cc.
#include "server/batch_executor.h"

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "heap/objects/object_heap.h"
#include "proto/heap.pb.h"

namespace heapd::server {
namespace {

using ::testing::HasSubstr;

constexpr objects::OwnerId kOwner = 1;

v1::BatchRequest ThreeAllocations() {
  v1::BatchRequest batch;
  for (int i = 0; i < 3; ++i) {
    v1::BatchAllocate* allocate = batch.add_operations()->mutable_allocate();
    allocate->set_type(v1::OBJECT);
  }
  return batch;
}

TEST(ExecuteBatchTest, SafePointRunsBetweenOperationsOnlyAndCountsYields) {
  objects::ObjectHeap heap{objects::ObjectHeapOptions{}};
  int calls = 0;
  v1::BatchResponse response;
  const absl::Status status = ExecuteBatch(
      heap, kOwner, ThreeAllocations(), /*max_allocate_count=*/10,
      [&]() -> absl::StatusOr<bool> { return ++calls == 2; }, &response);
  ASSERT_TRUE(status.ok()) << status;
  EXPECT_EQ(calls, 2);  // between 0 and 1, between 1 and 2
  EXPECT_EQ(response.lock_yields(), 1);
  EXPECT_EQ(response.succeeded(), 3);
  EXPECT_EQ(heap.ReleaseOwner(kOwner).references_released, 3);
}

TEST(ExecuteBatchTest, AnErrorFromTheSafePointEndsTheBatch) {
  objects::ObjectHeap heap{objects::ObjectHeapOptions{}};
  v1::BatchResponse response;
  const absl::Status status = ExecuteBatch(
      heap, kOwner, ThreeAllocations(), /*max_allocate_count=*/10,
      []() -> absl::StatusOr<bool> {
        return absl::NotFoundError("session closed");
      },
      &response);
  EXPECT_EQ(status.code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(response.results_size(), 1);
  (void)heap.ReleaseOwner(kOwner);
}

// `x = holder.items; x[0] = holder; del x[0]` in one batch: a later
// operation names the referent an earlier get_referent took.
TEST(ExecuteBatchTest, GetReferentResultsAndItemsByIndex) {
  objects::ObjectHeap heap{objects::ObjectHeapOptions{}};
  v1::BatchRequest batch;
  batch.add_operations()->mutable_allocate()->set_type(v1::OBJECT);  // 0
  batch.add_operations()->mutable_allocate()->set_type(v1::LIST);    // 1
  auto result = [](uint32_t op, uint32_t object = 0) {
    v1::ObjectRef ref;
    ref.mutable_result()->set_op(op);
    ref.mutable_result()->set_object(object);
    return ref;
  };
  v1::BatchLink* field = batch.add_operations()->mutable_link();  // 2
  *field->mutable_source() = result(0);
  *field->mutable_target() = result(1);
  field->set_field("items");
  v1::BatchLink* append = batch.add_operations()->mutable_link();  // 3
  *append->mutable_source() = result(1);
  *append->mutable_target() = result(1);
  append->set_append(true);
  v1::BatchGetReferent* get =
      batch.add_operations()->mutable_get_referent();  // 4
  *get->mutable_source() = result(0);
  get->set_field("items");
  v1::BatchLink* set = batch.add_operations()->mutable_link();  // 5
  *set->mutable_source() = result(4);
  *set->mutable_target() = result(0);
  set->set_index(-1);
  v1::BatchUnlink* unset = batch.add_operations()->mutable_unlink();  // 6
  *unset->mutable_source() = result(4);
  unset->set_index(0);
  v1::BatchIncRef* bad = batch.add_operations()->mutable_incref();  // 7
  *bad->mutable_object() = result(4, 1);
  batch.set_continue_on_error(true);

  v1::BatchResponse response;
  ASSERT_TRUE(ExecuteBatch(
                  heap, kOwner, batch, /*max_allocate_count=*/1,
                  []() -> absl::StatusOr<bool> { return false; }, &response)
                  .ok());
  ASSERT_EQ(response.results_size(), 8);
  const objects::Handle list =
      response.results(1).allocate().objects(0).handle();
  EXPECT_EQ(response.results(4).get_referent().handle(), list);
  EXPECT_EQ(response.results(4).get_referent().session_references(), 2);
  EXPECT_EQ(response.results(5).link().replaced(), list);
  EXPECT_EQ(response.results(6).code(), 0) << response.results(6).message();
  EXPECT_EQ(response.results(7).code(),
            static_cast<int>(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(response.results(7).message(), HasSubstr("object 0"));
  EXPECT_EQ(response.failed(), 1);
  EXPECT_TRUE(heap.Inspect(list, kOwner)->items.empty());
  EXPECT_EQ(heap.ReleaseOwner(kOwner).references_released, 3);
  EXPECT_TRUE(heap.Verify().ok());
}

TEST(CheckBatchSizeTest, OverTheLimitIsResourceExhausted) {
  const v1::BatchRequest batch = ThreeAllocations();
  EXPECT_TRUE(CheckBatchSize(batch, 3).ok());
  const absl::Status status = CheckBatchSize(batch, 2);
  EXPECT_EQ(status.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(status.message(), HasSubstr("--max_batch"));
}

}  // namespace
}  // namespace heapd::server
