#include "client/batch_builder.h"

#include "gtest/gtest.h"

namespace heapd::client {
namespace {

TEST(BatchBuilderTest, AllocationsAreNamedByOperationAndObject) {
  BatchBuilder batch;
  const Allocation a = batch.Allocate(v1::OBJECT);
  const Allocation lists = batch.Allocate(v1::LIST, 4, 3);
  EXPECT_EQ(a.op(), 0u);
  EXPECT_EQ(lists.op(), 1u);
  EXPECT_EQ(lists.count(), 3u);
  EXPECT_EQ(batch.Append(lists.object(2), a), 2u);
  EXPECT_EQ(batch.Link(a, 77, "ref"), 3u);

  const v1::BatchRequest request = batch.Build("s1", true);
  EXPECT_EQ(request.session_id(), "s1");
  EXPECT_TRUE(request.continue_on_error());
  ASSERT_EQ(request.operations_size(), 4);
  EXPECT_EQ(request.operations(1).allocate().type(), v1::LIST);
  EXPECT_EQ(request.operations(1).allocate().length(), 4);
  EXPECT_EQ(request.operations(1).allocate().count(), 3u);

  const v1::BatchLink& append = request.operations(2).link();
  EXPECT_TRUE(append.append());
  EXPECT_EQ(append.source().result().op(), 1u);
  EXPECT_EQ(append.source().result().object(), 2u);
  EXPECT_EQ(append.target().result().op(), 0u);
  EXPECT_EQ(append.target().result().object(), 0u);

  const v1::BatchLink& link = request.operations(3).link();
  EXPECT_EQ(link.field(), "ref");
  EXPECT_EQ(link.target().handle(), 77u);
}

TEST(BatchBuilderTest, UnlinkRemoveRefcountsAndCollect) {
  BatchBuilder batch;
  batch.Unlink(5, "ref");
  batch.Remove(5, 6);
  batch.IncRef(7);
  batch.DecRef(7);
  batch.Collect(0);
  batch.Collect();
  const v1::BatchRequest request = batch.Build("s");
  ASSERT_EQ(request.operations_size(), 6);
  EXPECT_EQ(request.operations(0).unlink().field(), "ref");
  EXPECT_EQ(request.operations(1).unlink().item().handle(), 6u);
  EXPECT_EQ(request.operations(2).incref().object().handle(), 7u);
  EXPECT_EQ(request.operations(3).decref().object().handle(), 7u);
  EXPECT_TRUE(request.operations(4).collect().has_generation());
  EXPECT_EQ(request.operations(4).collect().generation(), 0);
  EXPECT_FALSE(request.operations(5).collect().has_generation());
  EXPECT_FALSE(request.continue_on_error());
}

TEST(BatchBuilderTest, ItemsByIndexAndReferents) {
  BatchBuilder batch;
  const Allocation list = batch.Allocate(v1::LIST);
  EXPECT_EQ(batch.GetField(5, "items"), 1u);
  EXPECT_EQ(batch.GetItem(list, -1), 2u);
  EXPECT_EQ(batch.SetItem(ObjectRef::Result(1, 0), 3, list), 3u);
  EXPECT_EQ(batch.DeleteItem(list, -2), 4u);
  const v1::BatchRequest request = batch.Build("s");
  ASSERT_EQ(request.operations_size(), 5);
  EXPECT_EQ(request.operations(1).get_referent().source().handle(), 5u);
  EXPECT_EQ(request.operations(1).get_referent().field(), "items");
  EXPECT_EQ(request.operations(2).get_referent().source().result().op(), 0u);
  EXPECT_EQ(request.operations(2).get_referent().index(), -1);
  const v1::BatchLink& set = request.operations(3).link();
  EXPECT_EQ(set.source().result().op(), 1u);
  EXPECT_EQ(set.index(), 3);
  EXPECT_EQ(set.slot_case(), v1::BatchLink::kIndex);
  EXPECT_EQ(request.operations(4).unlink().index(), -2);
  EXPECT_EQ(request.operations(4).unlink().slot_case(),
            v1::BatchUnlink::kIndex);
  batch.CreateWeakRef(list, true);
  const v1::Operation weak = batch.Build("s").operations(5);
  EXPECT_EQ(weak.create_weakref().object().result().op(), 0u);
  EXPECT_TRUE(weak.create_weakref().callback());
}

TEST(BatchBuilderTest, HandleOfReadsResultsAndExplainsFailures) {
  BatchBuilder batch;
  const Allocation a = batch.Allocate(v1::INT, 0, 2);
  const Allocation b = batch.Allocate(v1::INT);
  v1::BatchResponse response;
  v1::OperationResult* first = response.add_results();
  first->mutable_allocate()->add_objects()->set_handle(10);
  first->mutable_allocate()->add_objects()->set_handle(11);

  EXPECT_EQ(*HandleOf(response, a, 1), 11u);
  EXPECT_EQ(HandleOf(response, a, 2).status().code(),
            absl::StatusCode::kOutOfRange);
  EXPECT_EQ(HandleOf(response, b).status().code(),
            absl::StatusCode::kFailedPrecondition);

  v1::OperationResult* second = response.add_results();
  second->set_code(5);
  second->set_message("no such thing");
  const absl::StatusOr<uint64_t> failed = HandleOf(response, b);
  EXPECT_EQ(failed.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(failed.status().message().find("no such thing"),
            absl::string_view::npos);
}

}  // namespace
}  // namespace heapd::client
