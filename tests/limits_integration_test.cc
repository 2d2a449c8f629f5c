// The server's limits against a real heapd: heap bytes and objects (a full
// collection first, then RESOURCE_EXHAUSTED, the server still answering),
// requests waiting for the lock, message size; and Verify.
#include <grpcpp/grpcpp.h>

#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "proto/heap.grpc.pb.h"
#include "tests/heapd_test_fixture.h"

namespace heapd {
namespace {

constexpr std::chrono::seconds kRpcTimeout(60);

class LimitsTest : public HeapdTest {
 protected:
  LimitsTest() : HeapdTest(kRpcTimeout) {}

  grpc::Status Allocate(const std::string& session, v1::ObjectType type,
                        int64_t length, uint32_t count,
                        v1::AllocateResponse* response) {
    v1::AllocateRequest request;
    request.set_session_id(session);
    request.set_type(type);
    request.set_length(length);
    request.set_count(count);
    return Call(&v1::Heap::Stub::Allocate, request, response);
  }

  // Times the interpreter lock was acquired for a Collect.
  int64_t CollectAcquisitions() {
    v1::StatsRequest request;
    request.add_sections(v1::LOCK);
    v1::StatsResponse stats;
    if (!Call(&v1::Heap::Stub::Stats, request, &stats).ok()) return -1;
    for (const v1::LockKindStats& kind : stats.lock().by_kind()) {
      if (kind.kind() == "Collect") return kind.acquisitions();
    }
    return 0;
  }
};

// Live objects fill two arenas; the next allocation that needs a third
// runs a full collection, is refused, and leaves the heap as it was, while
// Ping and Stats keep answering.
TEST_F(LimitsTest, MaxHeapBytesRefusesAfterAFullCollection) {
  Start({"--max_heap_bytes=524288"});
  const std::string session = OpenSession();
  grpc::Status status;
  int64_t allocated = 0;
  while (status.ok() && allocated < 100000) {
    v1::AllocateResponse response;
    status = Allocate(session, v1::STR, 200, 100, &response);
    if (status.ok()) allocated += response.objects_size();
  }
  EXPECT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_NE(status.error_message().find("memory limit"), std::string::npos)
      << status.error_message();
  EXPECT_NE(status.error_message().find("full collection"), std::string::npos)
      << status.error_message();

  v1::PingResponse pong;
  EXPECT_TRUE(Call(&v1::Heap::Stub::Ping, v1::PingRequest(), &pong).ok());
  const v1::StatsResponse stats = FreshStats();
  // A failed Allocate drops what it made: only whole successes remain.
  EXPECT_EQ(stats.objects().objects(), allocated);
  EXPECT_EQ(stats.allocator().max_heap_bytes(), 524288);
  EXPECT_LE(stats.allocator().heap_bytes(), 524288);
  EXPECT_GE(stats.allocator().heap_limit_refusals(), 1);
  EXPECT_GE(stats.collector().limit_collections(), 1);
  ExpectHeapValid();
}

TEST_F(LimitsTest, MaxObjectsCollectsCyclesToMakeRoom) {
  Start({"--max_objects=10", "--gc_threshold0=0"});
  const std::string session = OpenSession();
  v1::AllocateResponse made;
  ASSERT_TRUE(Allocate(session, v1::OBJECT, 0, 10, &made).ok());
  // Make them one unreachable ring.
  for (int i = 0; i < 10; ++i) {
    v1::LinkRequest link;
    link.set_session_id(session);
    link.set_source(made.objects(i).handle());
    link.set_target(made.objects((i + 1) % 10).handle());
    link.set_field("next");
    v1::LinkResponse linked;
    ASSERT_TRUE(Call(&v1::Heap::Stub::Link, link, &linked).ok());
  }
  for (int i = 0; i < 10; ++i) {
    v1::DecRefRequest drop;
    drop.set_session_id(session);
    drop.set_handle(made.objects(i).handle());
    v1::DecRefResponse dropped;
    ASSERT_TRUE(Call(&v1::Heap::Stub::DecRef, drop, &dropped).ok());
  }
  v1::AllocateResponse more;
  ASSERT_TRUE(Allocate(session, v1::OBJECT, 0, 10, &more).ok())
      << "the ring is collected to make room";
  const grpc::Status refused = Allocate(session, v1::OBJECT, 0, 1, &more);
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_NE(refused.error_message().find("max_objects 10"), std::string::npos)
      << refused.error_message();
  const v1::StatsResponse stats = FreshStats();
  EXPECT_EQ(stats.objects().objects(), 10);
  EXPECT_EQ(stats.objects().max_objects(), 10);
  ExpectHeapValid();
}

// With one waiter allowed, requests that arrive while a long collection
// holds the lock and another request already waits are refused at once.
TEST_F(LimitsTest, MaxLockWaitersPushesBack) {
  Start({"--max_lock_waiters=1", "--gc_threshold0=0"});
  const std::string session = OpenSession();
  // 400,000 live objects the session holds: a full collection examines
  // them all, holding the lock for tens of milliseconds.
  v1::AllocateResponse list;
  ASSERT_TRUE(Allocate(session, v1::LIST, 0, 1, &list).ok());
  for (int round = 0; round < 4; ++round) {
    v1::BatchRequest batch;
    batch.set_session_id(session);
    v1::Operation* allocate = batch.add_operations();
    allocate->mutable_allocate()->set_type(v1::OBJECT);
    allocate->mutable_allocate()->set_count(100000);
    v1::BatchResponse response;
    ASSERT_TRUE(Call(&v1::Heap::Stub::Batch, batch, &response).ok());
  }
  // Callers on connections of their own, connected before the race starts.
  constexpr int kCallers = 16;
  std::vector<std::unique_ptr<v1::Heap::Stub>> stubs;
  for (int i = 0; i < kCallers; ++i) {
    stubs.push_back(v1::Heap::NewStub(NewChannel(i + 1)));
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + kRpcTimeout);
    v1::PingResponse pong;
    ASSERT_TRUE(stubs[i]->Ping(&context, v1::PingRequest(), &pong).ok());
  }
  int64_t rejected = 0;
  for (int attempt = 0; attempt < 5 && rejected == 0; ++attempt) {
    std::thread collector([&] {
      v1::CollectRequest collect;
      collect.set_session_id(session);
      v1::CollectResponse collected;
      EXPECT_TRUE(Call(&v1::Heap::Stub::Collect, collect, &collected).ok());
    });
    // Start the callers once the collection holds the lock: the lock
    // counts an acquisition of kind Collect when it is acquired (Stats
    // reads that without the lock).
    const absl::Time deadline = absl::Now() + absl::Seconds(20);
    while (absl::Now() < deadline && CollectAcquisitions() < attempt + 1) {
      absl::SleepFor(absl::Microseconds(200));
    }
    std::vector<std::thread> callers;
    std::vector<grpc::Status> statuses(kCallers);
    for (int i = 0; i < kCallers; ++i) {
      callers.emplace_back([&, i] {
        grpc::ClientContext context;
        context.set_deadline(std::chrono::system_clock::now() + kRpcTimeout);
        v1::InspectRequest inspect;
        inspect.set_session_id(session);
        inspect.set_handle(list.objects(0).handle());
        v1::InspectResponse response;
        statuses[i] = stubs[i]->Inspect(&context, inspect, &response);
      });
    }
    for (std::thread& caller : callers) caller.join();
    collector.join();
    for (const grpc::Status& status : statuses) {
      if (status.ok()) continue;
      EXPECT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
      EXPECT_NE(status.error_message().find("--max_lock_waiters"),
                std::string::npos)
          << status.error_message();
      ++rejected;
    }
  }
  EXPECT_GT(rejected, 0);
  v1::StatsRequest request;
  v1::StatsResponse stats;
  ASSERT_TRUE(Call(&v1::Heap::Stub::Stats, request, &stats).ok());
  EXPECT_EQ(stats.server().max_lock_waiters(), 1);
  EXPECT_EQ(stats.server().lock_waiters_rejected(), rejected);
  ExpectHeapValid();
}

TEST_F(LimitsTest, MaxMessageBytes) {
  Start({"--max_message_bytes=4096"});
  v1::PingRequest request;
  request.set_payload(std::string(8000, 'x'));
  v1::PingResponse response;
  const grpc::Status status = Call(&v1::Heap::Stub::Ping, request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED)
      << status.error_message();
  request.set_payload(std::string(1000, 'x'));
  EXPECT_TRUE(Call(&v1::Heap::Stub::Ping, request, &response).ok());
}

TEST_F(LimitsTest, BadLimitFlagsAreRefused) {
  for (const char* flag : {"--max_heap_bytes=1000", "--max_objects=-1",
                           "--max_lock_waiters=-2", "--max_message_bytes=5"}) {
    absl::StatusOr<std::unique_ptr<HeapdProcess>> process =
        HeapdProcess::Start({"--listen=127.0.0.1:0", flag});
    ASSERT_TRUE(process.ok()) << process.status();
    const absl::StatusOr<int> status =
        (*process)->WaitForExit(absl::Seconds(30));
    ASSERT_TRUE(status.ok()) << status.status();
    EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 2) << flag;
  }
}

TEST_F(LimitsTest, VerifyReportsWhatItWalked) {
  Start({});
  const std::string session = OpenSession();
  v1::AllocateResponse made;
  ASSERT_TRUE(Allocate(session, v1::DICT, 0, 50, &made).ok());
  v1::VerifyResponse response;
  ASSERT_TRUE(
      Call(&v1::Heap::Stub::Verify, v1::VerifyRequest(), &response).ok());
  EXPECT_EQ(response.objects(), 50);
  EXPECT_GE(response.arenas(), 1);
  EXPECT_GT(response.duration_ns(), 0);
}

}  // namespace
}  // namespace heapd
