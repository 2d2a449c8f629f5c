#include "server/arena_message_allocator.h"

#include <string>

#include "gtest/gtest.h"
#include "proto/heap.pb.h"

namespace heapd::server {
namespace {

using BatchAllocator =
    ArenaMessageAllocator<v1::BatchRequest, v1::BatchResponse>;

TEST(ArenaMessageAllocatorTest, RequestAndResponseShareOneArena) {
  BatchAllocator allocator;
  grpc::MessageHolder<v1::BatchRequest, v1::BatchResponse>* holder =
      allocator.AllocateMessages();
  ASSERT_NE(holder->request(), nullptr);
  ASSERT_NE(holder->response(), nullptr);
  EXPECT_NE(holder->request()->GetArena(), nullptr);
  EXPECT_EQ(holder->request()->GetArena(), holder->response()->GetArena());
  holder->Release();
}

// What gRPC does with them: parse the request off the wire, fill the
// answer, release. Sub-messages land on the arena; releasing frees it all
// (LeakSanitizer checks that in the ASan build).
TEST(ArenaMessageAllocatorTest, ParsedRequestsLiveOnTheArena) {
  v1::BatchRequest wire;
  wire.set_session_id("s-1");
  for (int i = 0; i < 100; ++i) {
    wire.add_operations()->mutable_allocate()->set_type(v1::OBJECT);
  }
  const std::string bytes = wire.SerializeAsString();

  BatchAllocator allocator;
  grpc::MessageHolder<v1::BatchRequest, v1::BatchResponse>* holder =
      allocator.AllocateMessages();
  ASSERT_TRUE(holder->request()->ParseFromString(bytes));
  EXPECT_EQ(holder->request()->operations_size(), 100);
  EXPECT_EQ(holder->request()->session_id(), "s-1");
  EXPECT_EQ(holder->request()->operations(99).GetArena(),
            holder->request()->GetArena());
  holder->response()->add_results()->set_code(0);
  holder->response()->set_succeeded(100);
  EXPECT_EQ(holder->response()->results(0).GetArena(),
            holder->response()->GetArena());
  holder->Release();
}

TEST(ArenaMessageAllocatorTest, EveryCallGetsItsOwnArena) {
  BatchAllocator allocator;
  auto* first = allocator.AllocateMessages();
  auto* second = allocator.AllocateMessages();
  EXPECT_NE(first->request()->GetArena(), second->request()->GetArena());
  first->Release();
  second->Release();
}

}  // namespace
}  // namespace heapd::server
