// HeapdTest: a GoogleTest fixture that runs a real heapd on 127.0.0.1 with a
// free port and talks to it through a real gRPC stub.
//
// Start(flags) launches heapd (restarting it if one runs) with
// --listen=127.0.0.1:0 plus the fixture's default flags and `flags`, waits
// for its "heapd listening on" line and connects. TearDown stops it with
// SIGTERM and expects exit code 0, so a sanitizer report or a failed clean
// shutdown fails the test. Every wait is bounded.
//
// Example:
//   class MyTest : public heapd::HeapdTest {
//    protected:
//     void SetUp() override { Start({}); }
//   };
//   TEST_F(MyTest, Pings) {
//     v1::PingResponse response;
//     EXPECT_TRUE(Call(&v1::Heap::Stub::Ping, v1::PingRequest(),
//     &response).ok());
//   }
#ifndef HEAPD_TESTS_HEAPD_TEST_FIXTURE_H_
#define HEAPD_TESTS_HEAPD_TEST_FIXTURE_H_

#include <grpcpp/grpcpp.h>
#include <signal.h>
#include <sys/wait.h>

#include <chrono>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "proto/heap.grpc.pb.h"
#include "tests/heapd_process.h"
#include "tests/status_text.h"

namespace heapd {

class HeapdTest : public ::testing::Test {
 protected:
  static constexpr absl::Duration kStartTimeout = absl::Seconds(60);
  static constexpr absl::Duration kExitTimeout = absl::Seconds(30);

  // `default_flags` go to every heapd this fixture starts, before Start's.
  explicit HeapdTest(std::chrono::seconds rpc_timeout,
                     std::vector<std::string> default_flags = {})
      : rpc_timeout_(rpc_timeout), default_flags_(std::move(default_flags)) {}

  void Start(std::vector<std::string> flags) {
    if (heapd_ != nullptr) Stop();
    flags.insert(flags.begin(), default_flags_.begin(), default_flags_.end());
    flags.insert(flags.begin(), "--listen=127.0.0.1:0");
    absl::StatusOr<std::unique_ptr<HeapdProcess>> process =
        HeapdProcess::Start(flags);
    ASSERT_TRUE(process.ok()) << process.status();
    heapd_ = std::move(*process);
    absl::StatusOr<std::string> address =
        heapd_->WaitForLine("heapd listening on ", kStartTimeout);
    ASSERT_TRUE(address.ok()) << address.status();
    ASSERT_TRUE(absl::StartsWith(*address, "127.0.0.1:")) << *address;
    address_ = *address;
    channel_ = NewChannel(0);
    heap_ = v1::Heap::NewStub(channel_);
  }

  // A channel to the running heapd. Channels with different `connection`
  // numbers never share a TCP connection (gRPC would otherwise reuse one
  // subchannel for equal arguments).
  std::shared_ptr<grpc::Channel> NewChannel(int connection) const {
    grpc::ChannelArguments args;
    args.SetInt(GRPC_ARG_ENABLE_HTTP_PROXY, 0);
    args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
    args.SetInt("heapd.test.connection", connection);
    return grpc::CreateCustomChannel(absl::StrCat("ipv4:", address_),
                                     grpc::InsecureChannelCredentials(), args);
  }

  // A clean shutdown with exit code 0 (so no sanitizer report either).
  void TearDown() override {
    if (heapd_ != nullptr) Stop();
  }

  void Stop() {
    heapd_->Signal(SIGTERM);
    const absl::StatusOr<int> status = heapd_->WaitForExit(kExitTimeout);
    EXPECT_TRUE(status.ok()) << status.status();
    if (status.ok()) {
      EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0)
          << "wait status " << *status << "\n"
          << heapd_->stderr_text();
    }
    heapd_.reset();
  }

  // One unary call with a deadline: Call(&v1::Heap::Stub::IncRef, request,
  // &response). Carries `authorization: Bearer <bearer_token_>` when a
  // token is set (a heapd started with --auth_tokens).
  template <typename Method, typename Request, typename Response>
  grpc::Status Call(Method method, const Request& request, Response* response) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + rpc_timeout_);
    if (!bearer_token_.empty()) {
      context.AddMetadata("authorization",
                          absl::StrCat("Bearer ", bearer_token_));
    }
    return ((*heap_).*method)(&context, request, response);
  }

  // A new session, named after the running test (as heapd's stats and
  // slow log show it); ttl_ms 0 takes the server's default lease.
  std::string OpenSession(int64_t ttl_ms = 0) {
    v1::OpenSessionRequest request;
    const ::testing::TestInfo* test =
        ::testing::UnitTest::GetInstance()->current_test_info();
    if (test != nullptr) {
      request.set_client_name(
          absl::StrCat(test->test_suite_name(), ".", test->name()));
    }
    request.set_ttl_ms(ttl_ms);
    v1::OpenSessionResponse response;
    const grpc::Status status =
        Call(&v1::Heap::Stub::OpenSession, request, &response);
    EXPECT_TRUE(status.ok()) << Describe(status);
    return response.session_id();
  }

  // Every section of Stats, including the effect of every request that
  // finished before it (StatsRequest.fresh).
  v1::StatsResponse FreshStats() {
    v1::StatsRequest request;
    request.set_fresh(true);
    v1::StatsResponse response;
    const grpc::Status status =
        Call(&v1::Heap::Stub::Stats, request, &response);
    EXPECT_TRUE(status.ok()) << Describe(status);
    return response;
  }

  // The heap's own consistency check (the Verify RPC) passes.
  void ExpectHeapValid() {
    v1::VerifyResponse response;
    const grpc::Status status =
        Call(&v1::Heap::Stub::Verify, v1::VerifyRequest(), &response);
    EXPECT_TRUE(status.ok()) << Describe(status);
  }

  const std::chrono::seconds rpc_timeout_;
  const std::vector<std::string> default_flags_;
  // Sent with every Call when not empty.
  std::string bearer_token_;
  std::unique_ptr<HeapdProcess> heapd_;
  // HOST:PORT of the running heapd.
  std::string address_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::Heap::Stub> heap_;
};

}  // namespace heapd

#endif  // HEAPD_TESTS_HEAPD_TEST_FIXTURE_H_
