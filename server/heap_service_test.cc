// HeapService in-process, through a real gRPC channel: what Stats serves and
// that it never takes the interpreter lock.
#include "server/heap_service.h"

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "proto/heap.grpc.pb.h"
#include "proto/heap.pb.h"

namespace heapd::server {
namespace {

HeapServiceOptions Options(absl::Duration slowlog_threshold) {
  HeapServiceOptions options;
  options.slowlog_threshold = slowlog_threshold;
  return options;
}

class HeapServiceTest : public ::testing::Test {
 protected:
  explicit HeapServiceTest(
      absl::Duration slowlog_threshold = absl::Milliseconds(10))
      : service_(Options(slowlog_threshold)) {
    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(),
                             &port);
    builder.RegisterService(&service_);
    server_ = builder.BuildAndStart();
    EXPECT_NE(server_, nullptr);
    EXPECT_NE(port, 0);
    address_ = "127.0.0.1:" + std::to_string(port);
    stub_ = v1::Heap::NewStub(
        grpc::CreateChannel(address_, grpc::InsecureChannelCredentials()));
  }
  ~HeapServiceTest() override { server_->Shutdown(); }

  template <typename Request, typename Response>
  grpc::Status Call(grpc::Status (v1::Heap::Stub::*method)(grpc::ClientContext*,
                                                           const Request&,
                                                           Response*),
                    const Request& request, Response* response) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() +
                         std::chrono::seconds(2));
    return (stub_.get()->*method)(&context, request, response);
  }

  v1::StatsResponse Stats() {
    v1::StatsResponse response;
    grpc::Status status =
        Call(&v1::Heap::Stub::Stats, v1::StatsRequest(), &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response;
  }

  std::string OpenSession() {
    v1::OpenSessionResponse response;
    grpc::Status status =
        Call(&v1::Heap::Stub::OpenSession, v1::OpenSessionRequest(), &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response.session_id();
  }

  grpc::Status Collect(const std::string& session_id, int generation = 2) {
    v1::CollectRequest request;
    request.set_session_id(session_id);
    request.set_generation(generation);
    v1::CollectResponse response;
    return Call(&v1::Heap::Stub::Collect, request, &response);
  }

  HeapService service_;
  std::string address_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<v1::Heap::Stub> stub_;
};

TEST_F(HeapServiceTest, StatsAnswersWhileTheInterpreterLockIsHeld) {
  gil::InterpreterLock& lock = service_.lock_for_testing();
  lock.Acquire();
  v1::StatsResponse response;
  const grpc::Status status =
      Call(&v1::Heap::Stub::Stats, v1::StatsRequest(), &response);
  lock.Release();
  ASSERT_TRUE(status.ok()) << status.error_message();
  // The snapshot published at construction: an idle server answers.
  EXPECT_GE(response.sequence(), 1u);
  EXPECT_GT(response.timestamp_unix_ns(), 0);
  EXPECT_EQ(response.allocator().size_classes_size() > 0, true);
  EXPECT_TRUE(response.has_collector());
  EXPECT_TRUE(response.has_lock());
}

// Heap requests that find the lock held queue on the interpreter threads,
// not on gRPC's: with every interpreter thread waiting and more requests
// queued behind them, Ping and Stats still answer at once.
TEST_F(HeapServiceTest, PingAndStatsAnswerWhileHeapRequestsQueue) {
  constexpr int kRequests = 24;  // more than the 16 interpreter threads
  gil::InterpreterLock& lock = service_.lock_for_testing();
  lock.Acquire();
  std::vector<grpc::Status> statuses(kRequests);
  std::vector<std::thread> clients;
  for (int i = 0; i < kRequests; ++i) {
    clients.emplace_back([&, i] {
      grpc::ChannelArguments args;
      args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
      args.SetInt("heapd.test.connection", i);
      std::unique_ptr<v1::Heap::Stub> stub =
          v1::Heap::NewStub(grpc::CreateCustomChannel(
              address_, grpc::InsecureChannelCredentials(), args));
      grpc::ClientContext context;
      context.set_deadline(std::chrono::system_clock::now() +
                           std::chrono::seconds(60));
      v1::OpenSessionResponse response;
      statuses[i] =
          stub->OpenSession(&context, v1::OpenSessionRequest(), &response);
    });
  }
  // Every interpreter thread waits for the lock; the rest are queued.
  const absl::Time deadline = absl::Now() + absl::Seconds(30);
  while (lock.Stats().waiters_current < 16 && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(1));
  }
  const uint64_t waiting = lock.Stats().waiters_current;
  v1::PingResponse pong;
  const grpc::Status ping =
      Call(&v1::Heap::Stub::Ping, v1::PingRequest(), &pong);
  v1::StatsResponse stats;
  const grpc::Status stats_status =
      Call(&v1::Heap::Stub::Stats, v1::StatsRequest(), &stats);
  lock.Release();
  for (std::thread& client : clients) client.join();
  EXPECT_EQ(waiting, 16u);
  EXPECT_TRUE(ping.ok()) << ping.error_message();
  EXPECT_TRUE(stats_status.ok()) << stats_status.error_message();
  for (const grpc::Status& status : statuses) {
    EXPECT_TRUE(status.ok()) << status.error_message();
  }
}

TEST_F(HeapServiceTest, PauseHistogramCountsEveryCollection) {
  const std::string session = OpenSession();
  const uint64_t before = Stats().sequence();
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(Collect(session).ok());
  const v1::StatsResponse stats = Stats();
  // A collection publishes at once.
  EXPECT_GT(stats.sequence(), before);
  EXPECT_EQ(stats.collector().pause().count(), 3);
  EXPECT_GE(stats.collector().pause().max_ns(),
            stats.collector().pause().p50_ns());
  EXPECT_GT(stats.collector().pause().sum_ns(), 0);
  EXPECT_EQ(stats.collector().recent_size(), 3);
}

TEST_F(HeapServiceTest, EachGenerationHasItsPauses) {
  const std::string session = OpenSession();
  for (int generation : {0, 0, 1}) {
    ASSERT_TRUE(Collect(session, generation).ok());
  }
  const v1::StatsResponse stats = Stats();
  ASSERT_EQ(stats.collector().generations_size(), 3);
  EXPECT_EQ(stats.collector().generations(0).pause().count(), 2);
  EXPECT_EQ(stats.collector().generations(1).pause().count(), 1);
  EXPECT_EQ(stats.collector().generations(2).pause().count(), 0);
  EXPECT_GT(stats.collector().generations(0).pause().sum_ns(), 0);
}

TEST_F(HeapServiceTest, CountsCallsAndErrorsByMethod) {
  v1::InspectRequest request;
  request.set_session_id("no-such-session");
  v1::InspectResponse response;
  const grpc::Status status =
      Call(&v1::Heap::Stub::Inspect, request, &response);
  ASSERT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);

  const v1::ServerStats server = Stats().server();
  EXPECT_EQ(server.rpcs_total(), 2);  // the Inspect and this Stats
  EXPECT_EQ(server.errors_total(), 1);
  bool found = false;
  for (const v1::MethodStats& method : server.methods()) {
    if (method.method() != "Inspect") continue;
    found = true;
    EXPECT_EQ(method.calls(), 1);
    ASSERT_EQ(method.errors_size(), 1);
    EXPECT_EQ(method.errors(0).code(), 5);
    EXPECT_EQ(method.errors(0).code_name(), "NOT_FOUND");
    EXPECT_EQ(method.errors(0).count(), 1);
  }
  EXPECT_TRUE(found);
}

TEST_F(HeapServiceTest, FastRequestsStayOutOfTheSlowLog) {
  OpenSession();
  EXPECT_EQ(Stats().slowlog_size(), 0);
}

class HeapServiceSlowLogTest : public HeapServiceTest {
 protected:
  HeapServiceSlowLogTest() : HeapServiceTest(absl::ZeroDuration()) {}
};

TEST_F(HeapServiceSlowLogTest, ZeroThresholdLogsEveryLockedRequest) {
  const std::string session = OpenSession();
  ASSERT_TRUE(Collect(session).ok());
  const v1::StatsResponse stats = Stats();
  ASSERT_EQ(stats.slowlog_size(), 2);
  const v1::SlowLogEntry& newest = stats.slowlog(0);
  EXPECT_EQ(newest.method(), "Collect");
  EXPECT_EQ(newest.session_id(), session);
  EXPECT_GT(newest.hold_ns(), 0);
  EXPECT_GE(newest.wait_ns(), 0);
  EXPECT_EQ(newest.operations(), 1);
  EXPECT_GT(newest.timestamp_unix_ns(), 0);
  EXPECT_EQ(stats.slowlog(1).method(), "OpenSession");
  EXPECT_GT(newest.id(), stats.slowlog(1).id());
}

}  // namespace
}  // namespace heapd::server
