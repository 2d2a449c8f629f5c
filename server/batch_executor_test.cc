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

TEST(CheckBatchSizeTest, OverTheLimitIsResourceExhausted) {
  const v1::BatchRequest batch = ThreeAllocations();
  EXPECT_TRUE(CheckBatchSize(batch, 3).ok());
  const absl::Status status = CheckBatchSize(batch, 2);
  EXPECT_EQ(status.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(status.message(), HasSubstr("--max_batch"));
}

}  // namespace
}  // namespace heapd::server
