// Faults against a real heapd: clients killed mid-call, mid-batch and
// mid-stream; leases that run out while a long collection holds the lock;
// 1,000 sessions opened and abandoned; SIGTERM under load; a memory cap
// under load. After each, Verify passes and, once the leases have run out
// and a collection has run, the heap is back to its starting object count.
#include <grpcpp/grpcpp.h>
#include <signal.h>
#include <sys/wait.h>

#include <atomic>
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
#include "tests/heapd_process.h"
#include "tests/heapd_test_fixture.h"

namespace heapd {
namespace {

constexpr std::chrono::seconds kRpcTimeout(60);

class FaultsTest : public HeapdTest {
 protected:
  FaultsTest() : HeapdTest(kRpcTimeout) {}

  // Waits until no session is open but `keep` (the leases ran out), then
  // runs a full collection through `keep` and returns the objects left.
  int64_t ObjectsAfterLeasesAndACollection(const std::string& keep,
                                           int64_t sessions_kept) {
    const absl::Time deadline = absl::Now() + absl::Seconds(30);
    while (absl::Now() < deadline &&
           FreshStats().server().sessions_open() > sessions_kept) {
      absl::SleepFor(absl::Milliseconds(50));
    }
    EXPECT_EQ(FreshStats().server().sessions_open(), sessions_kept);
    v1::CollectRequest collect;
    collect.set_session_id(keep);
    v1::CollectResponse collected;
    EXPECT_TRUE(Call(&v1::Heap::Stub::Collect, collect, &collected).ok());
    return FreshStats().objects().objects();
  }

  // Runs tests/vanishing_client in `mode` until it kills itself.
  void RunVanishingClient(const std::string& mode) {
    absl::StatusOr<std::string> path =
        HeapdProcess::RunfilePath("tests/vanishing_client");
    ASSERT_TRUE(path.ok()) << path.status();
    absl::StatusOr<std::unique_ptr<HeapdProcess>> client =
        HeapdProcess::StartProgram(*path, {address_, mode, "300"});
    ASSERT_TRUE(client.ok()) << client.status();
    const absl::StatusOr<int> status =
        (*client)->WaitForExit(absl::Seconds(60));
    ASSERT_TRUE(status.ok()) << status.status();
    EXPECT_TRUE(WIFSIGNALED(*status) && WTERMSIG(*status) == SIGKILL)
        << mode << ": " << (*client)->stdout_text() << (*client)->stderr_text();
    EXPECT_NE((*client)->stdout_text().find("dying"), std::string::npos);
  }
};

// A killed client's session is released when its lease runs out, whatever
// it was doing; its cycles go to the next collection.
TEST_F(FaultsTest, ClientsKilledMidCallMidBatchAndMidStream) {
  Start({});
  const std::string keep = OpenSession();
  for (const std::string mode : {"call", "batch", "stream"}) {
    SCOPED_TRACE(mode);
    RunVanishingClient(mode);
    // The server is still serving.
    v1::PingResponse pong;
    EXPECT_TRUE(Call(&v1::Heap::Stub::Ping, v1::PingRequest(), &pong).ok());
    ExpectHeapValid();
    EXPECT_EQ(ObjectsAfterLeasesAndACollection(keep, 1), 0);
    ExpectHeapValid();
  }
  const v1::StatsResponse stats = FreshStats();
  EXPECT_EQ(stats.server().sessions_expired_total(), 3);
  EXPECT_EQ(stats.server().watch_streams_open(), 0);
}

// Short leases run out while a long collection holds the lock: the reaper
// waits for the lock and then releases them.
TEST_F(FaultsTest, LeasesExpireDuringALongCollection) {
  Start({"--gc_threshold0=0"});
  const std::string keep = OpenSession();
  // 300,000 live objects: a full collection holds the lock for a while.
  // (One Allocate per call: 100,000 handles fill 2 of the 4 MiB a response
  // may take.)
  for (int i = 0; i < 3; ++i) {
    v1::AllocateRequest allocate;
    allocate.set_session_id(keep);
    allocate.set_type(v1::OBJECT);
    allocate.set_count(100000);
    v1::AllocateResponse allocated;
    const grpc::Status status =
        Call(&v1::Heap::Stub::Allocate, allocate, &allocated);
    ASSERT_TRUE(status.ok()) << Describe(status);
  }
  const int64_t baseline = FreshStats().objects().objects();

  std::vector<std::string> short_lived;
  for (int i = 0; i < 20; ++i) {
    short_lived.push_back(OpenSession(/*ttl_ms=*/100));
    v1::AllocateRequest allocate;
    allocate.set_session_id(short_lived.back());
    allocate.set_type(v1::LIST);
    allocate.set_count(10);
    v1::AllocateResponse allocated;
    ASSERT_TRUE(Call(&v1::Heap::Stub::Allocate, allocate, &allocated).ok());
  }
  for (int i = 0; i < 3; ++i) {
    v1::CollectRequest collect;
    collect.set_session_id(keep);
    v1::CollectResponse collected;
    ASSERT_TRUE(Call(&v1::Heap::Stub::Collect, collect, &collected).ok());
  }
  EXPECT_EQ(ObjectsAfterLeasesAndACollection(keep, 1), baseline);
  EXPECT_EQ(FreshStats().server().sessions_expired_total(), 20);
  ExpectHeapValid();
}

// 1,000 sessions, each leaving objects and a cycle behind, abandoned.
TEST_F(FaultsTest, AThousandAbandonedSessions) {
  Start({});
  const std::string keep = OpenSession();
  const int64_t baseline = FreshStats().objects().objects();
  for (int i = 0; i < 1000; ++i) {
    const std::string session = OpenSession(/*ttl_ms=*/2000);
    v1::BatchRequest batch;
    batch.set_session_id(session);
    auto* allocate = batch.add_operations()->mutable_allocate();
    allocate->set_type(v1::OBJECT);
    allocate->set_count(3);
    auto* link = batch.add_operations()->mutable_link();
    link->mutable_source()->mutable_result()->set_op(0);
    link->mutable_target()->mutable_result()->set_op(0);
    link->set_field("self");
    auto* drop = batch.add_operations()->mutable_decref();
    drop->mutable_object()->mutable_result()->set_op(0);
    v1::BatchResponse response;
    ASSERT_TRUE(Call(&v1::Heap::Stub::Batch, batch, &response).ok());
  }
  EXPECT_GT(FreshStats().objects().objects(), baseline);
  EXPECT_EQ(ObjectsAfterLeasesAndACollection(keep, 1), baseline);
  EXPECT_EQ(FreshStats().server().sessions_expired_total(), 1000);
  ExpectHeapValid();
}

// SIGTERM while 32 clients are busy: every call finishes or fails with a
// clean status, and heapd exits 0 within its 5 s drain deadline.
TEST_F(FaultsTest, SigtermUnderLoadDrainsAndExitsZero) {
  Start({});
  constexpr int kClients = 32;
  std::atomic<bool> stop{false};
  std::atomic<int64_t> ok{0};
  std::atomic<int64_t> refused{0};
  std::vector<std::string> unexpected(kClients);
  std::vector<std::thread> clients;
  for (int i = 0; i < kClients; ++i) {
    clients.emplace_back([&, i] {
      std::unique_ptr<v1::Heap::Stub> stub =
          v1::Heap::NewStub(NewChannel(i + 1));
      std::string session;
      while (!stop.load()) {
        grpc::ClientContext context;
        context.set_deadline(std::chrono::system_clock::now() +
                             std::chrono::seconds(20));
        grpc::Status status;
        if (session.empty()) {
          v1::OpenSessionResponse opened;
          status =
              stub->OpenSession(&context, v1::OpenSessionRequest(), &opened);
          session = opened.session_id();
        } else {
          v1::BatchRequest batch;
          batch.set_session_id(session);
          auto* allocate = batch.add_operations()->mutable_allocate();
          allocate->set_type(v1::LIST);
          allocate->set_count(50);
          batch.add_operations()->mutable_collect()->set_generation(0);
          v1::BatchResponse response;
          status = stub->Batch(&context, batch, &response);
        }
        if (status.ok()) {
          ++ok;
        } else if (status.error_code() == grpc::StatusCode::UNAVAILABLE ||
                   status.error_code() == grpc::StatusCode::CANCELLED) {
          ++refused;
          // The server is going away: stop once it has.
          if (stop.load()) return;
          std::this_thread::sleep_for(std::chrono::milliseconds(10));
        } else {
          unexpected[i] = Describe(status);
          return;
        }
      }
    });
  }
  absl::SleepFor(absl::Milliseconds(500));
  const absl::Time signalled = absl::Now();
  heapd_->Signal(SIGTERM);
  const absl::StatusOr<int> status = heapd_->WaitForExit(absl::Seconds(30));
  const absl::Duration took = absl::Now() - signalled;
  stop = true;
  for (std::thread& client : clients) client.join();
  ASSERT_TRUE(status.ok()) << status.status();
  EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0)
      << heapd_->stderr_text();
  EXPECT_LT(took, absl::Seconds(10)) << "the drain deadline is 5 s";
  EXPECT_NE(heapd_->stdout_text().find("heapd stopped"), std::string::npos);
  EXPECT_GT(ok.load(), 0);
  for (int i = 0; i < kClients; ++i) EXPECT_EQ(unexpected[i], "") << i;
  heapd_.reset();  // already reaped; TearDown has nothing to stop
}

// A load that wants more memory than --max_heap_bytes gets
// RESOURCE_EXHAUSTED, while Ping and Stats keep answering.
TEST_F(FaultsTest, MemoryPressureRefusesWhileTheServerKeepsAnswering) {
  Start({"--max_heap_bytes=1048576"});
  constexpr int kClients = 8;
  std::atomic<int64_t> exhausted{0};
  std::vector<std::string> unexpected(kClients);
  std::vector<std::thread> clients;
  for (int i = 0; i < kClients; ++i) {
    clients.emplace_back([&, i] {
      std::unique_ptr<v1::Heap::Stub> stub =
          v1::Heap::NewStub(NewChannel(i + 1));
      grpc::ClientContext open_context;
      v1::OpenSessionResponse opened;
      if (!stub->OpenSession(&open_context, v1::OpenSessionRequest(), &opened)
               .ok()) {
        unexpected[i] = "OpenSession failed";
        return;
      }
      for (int round = 0; round < 200; ++round) {
        grpc::ClientContext context;
        context.set_deadline(std::chrono::system_clock::now() + kRpcTimeout);
        v1::AllocateRequest allocate;
        allocate.set_session_id(opened.session_id());
        allocate.set_type(v1::STR);
        allocate.set_length(300);
        allocate.set_count(50);
        v1::AllocateResponse response;
        const grpc::Status status =
            stub->Allocate(&context, allocate, &response);
        if (status.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED) {
          ++exhausted;
        } else if (!status.ok()) {
          unexpected[i] = Describe(status);
          return;
        }
      }
    });
  }
  // Meanwhile: Ping and Stats, every one answered.
  int answered = 0;
  for (int i = 0; i < 50; ++i) {
    v1::PingResponse pong;
    EXPECT_TRUE(Call(&v1::Heap::Stub::Ping, v1::PingRequest(), &pong).ok());
    v1::StatsResponse stats;
    EXPECT_TRUE(Call(&v1::Heap::Stub::Stats, v1::StatsRequest(), &stats).ok());
    ++answered;
    absl::SleepFor(absl::Milliseconds(5));
  }
  for (std::thread& client : clients) client.join();
  EXPECT_EQ(answered, 50);
  EXPECT_GT(exhausted.load(), 0);
  for (int i = 0; i < kClients; ++i) EXPECT_EQ(unexpected[i], "") << i;
  const v1::StatsResponse stats = FreshStats();
  EXPECT_LE(stats.allocator().heap_bytes(), 1048576);
  ExpectHeapValid();
}

}  // namespace
}  // namespace heapd
