// End-to-end tests of the heapd binary: each test starts the real server as
// a child process on a free loopback port and talks to it over real gRPC,
// as any client would. Nothing here reaches beyond 127.0.0.1, and every wait
// is bounded (RPC deadlines, start and exit timeouts), so a broken server
// fails the test instead of hanging it.
#include <grpcpp/grpcpp.h>
#include <signal.h>
#include <sys/wait.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "google/protobuf/descriptor.pb.h"
#include "gtest/gtest.h"
#include "proto/heap.grpc.pb.h"
#include "proto/heap.pb.h"
#include "tests/grpc_health.grpc.pb.h"
#include "tests/grpc_health.pb.h"
#include "tests/grpc_reflection.grpc.pb.h"
#include "tests/grpc_reflection.pb.h"
#include "tests/heapd_process.h"
#include "tests/status_text.h"

namespace heapd {
namespace {

using ::grpc::health::v1::Health;
using ::grpc::health::v1::HealthCheckRequest;
using ::grpc::health::v1::HealthCheckResponse;
using ::grpc::reflection::v1alpha::ServerReflection;
using ::grpc::reflection::v1alpha::ServerReflectionRequest;
using ::grpc::reflection::v1alpha::ServerReflectionResponse;
using ::testing::Contains;
using ::testing::HasSubstr;

// Generous: sanitizer builds start gRPC several times slower.
constexpr absl::Duration kStartTimeout = absl::Seconds(60);
constexpr absl::Duration kExitTimeout = absl::Seconds(30);
constexpr std::chrono::seconds kRpcTimeout(10);
constexpr absl::string_view kListeningLine = "heapd listening on ";

void SetDeadline(grpc::ClientContext* context) {
  context->set_deadline(std::chrono::system_clock::now() + kRpcTimeout);
}

// Runs heapd with `flags` until the listening line and returns the address
// it printed.
absl::StatusOr<std::string> StartHeapd(const std::vector<std::string>& flags,
                                       std::unique_ptr<HeapdProcess>* heapd) {
  absl::StatusOr<std::unique_ptr<HeapdProcess>> process =
      HeapdProcess::Start(flags);
  if (!process.ok()) return process.status();
  *heapd = std::move(*process);
  return (*heapd)->WaitForLine(kListeningLine, kStartTimeout);
}

// A heapd on a free loopback port, and a channel to it.
class HeapdTest : public ::testing::Test {
 protected:
  void SetUp() override { Start({}); }

  // Replaces the running heapd (if any) with one started with `flags` on
  // top of --listen=127.0.0.1:0.
  void Start(std::vector<std::string> flags) {
    if (heapd_ != nullptr) Stop();
    flags.insert(flags.begin(), "--listen=127.0.0.1:0");
    absl::StatusOr<std::string> address = StartHeapd(flags, &heapd_);
    ASSERT_TRUE(address.ok()) << address.status();
    ASSERT_TRUE(absl::StartsWith(*address, "127.0.0.1:")) << *address;
    grpc::ChannelArguments args;
    // A proxy in the environment must never carry a test's calls off the
    // machine.
    args.SetInt(GRPC_ARG_ENABLE_HTTP_PROXY, 0);
    channel_ =
        grpc::CreateCustomChannel(absl::StrCat("ipv4:", *address),
                                  grpc::InsecureChannelCredentials(), args);
    heap_ = v1::Heap::NewStub(channel_);
  }

  // Every test ends with a clean shutdown, which must succeed: exit code 0
  // also means no sanitizer found anything in heapd (their reports at exit,
  // such as leaks, change the exit code).
  void TearDown() override {
    if (heapd_ != nullptr) Stop();
    heap_.reset();
    channel_.reset();
  }

  // SIGTERM, then expects heapd to exit 0. The destructor of HeapdProcess
  // kills a server that did not.
  void Stop() {
    heapd_->Signal(SIGTERM);  // a no-op if it already exited
    const absl::StatusOr<int> status = heapd_->WaitForExit(kExitTimeout);
    EXPECT_TRUE(status.ok()) << status.status();
    if (status.ok()) {
      EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0)
          << "wait status " << *status << "\n"
          << heapd_->stderr_text();
    }
    heapd_.reset();
  }

  grpc::Status Stats(const std::vector<v1::StatsSection>& sections,
                     v1::StatsResponse* response) {
    v1::StatsRequest request;
    for (v1::StatsSection section : sections) request.add_sections(section);
    grpc::ClientContext context;
    SetDeadline(&context);
    return heap_->Stats(&context, request, response);
  }

  // One request and its one response on a reflection stream.
  ServerReflectionResponse Reflect(const ServerReflectionRequest& request) {
    std::unique_ptr<ServerReflection::Stub> stub =
        ServerReflection::NewStub(channel_);
    grpc::ClientContext context;
    SetDeadline(&context);
    auto stream = stub->ServerReflectionInfo(&context);
    EXPECT_TRUE(stream->Write(request));
    EXPECT_TRUE(stream->WritesDone());
    ServerReflectionResponse response;
    EXPECT_TRUE(stream->Read(&response));
    ServerReflectionResponse extra;
    EXPECT_FALSE(stream->Read(&extra)) << "one request, one response";
    const grpc::Status status = stream->Finish();
    EXPECT_TRUE(status.ok()) << Describe(status);
    return response;
  }

  std::unique_ptr<HeapdProcess> heapd_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::Heap::Stub> heap_;
};

// --- (a) health -------------------------------------------------------------

TEST_F(HeapdTest, HealthIsServingForTheServerAndTheHeapService) {
  std::unique_ptr<Health::Stub> health = Health::NewStub(channel_);
  for (const std::string service : {"", "heapd.v1.Heap"}) {
    SCOPED_TRACE(service);
    HealthCheckRequest request;
    request.set_service(service);
    HealthCheckResponse response;
    grpc::ClientContext context;
    SetDeadline(&context);
    const grpc::Status status = health->Check(&context, request, &response);
    ASSERT_TRUE(status.ok()) << Describe(status);
    EXPECT_EQ(response.status(), HealthCheckResponse::SERVING);
  }
}

TEST_F(HeapdTest, HealthDoesNotKnowOtherServices) {
  std::unique_ptr<Health::Stub> health = Health::NewStub(channel_);
  HealthCheckRequest request;
  request.set_service("heapd.v1.NoSuchService");
  HealthCheckResponse response;
  grpc::ClientContext context;
  SetDeadline(&context);
  EXPECT_EQ(health->Check(&context, request, &response).error_code(),
            grpc::StatusCode::NOT_FOUND);
}

// --- (b) reflection ---------------------------------------------------------

TEST_F(HeapdTest, ReflectionListsTheHeapService) {
  ServerReflectionRequest request;
  request.set_list_services("");
  const ServerReflectionResponse response = Reflect(request);
  ASSERT_TRUE(response.has_list_services_response()) << response.DebugString();
  std::vector<std::string> names;
  for (const auto& service : response.list_services_response().service()) {
    names.push_back(service.name());
  }
  EXPECT_THAT(names, Contains("heapd.v1.Heap"));
  EXPECT_THAT(names, Contains("grpc.health.v1.Health"));
}

TEST_F(HeapdTest, ReflectionServesTheHeapProtoFile) {
  ServerReflectionRequest request;
  request.set_file_containing_symbol("heapd.v1.Heap");
  const ServerReflectionResponse response = Reflect(request);
  ASSERT_TRUE(response.has_file_descriptor_response())
      << response.DebugString();
  ASSERT_GT(response.file_descriptor_response().file_descriptor_proto_size(),
            0);
  google::protobuf::FileDescriptorProto file;
  ASSERT_TRUE(file.ParseFromString(
      response.file_descriptor_response().file_descriptor_proto(0)));
  EXPECT_EQ(file.package(), "heapd.v1");
  ASSERT_EQ(file.service_size(), 1);
  EXPECT_EQ(file.service(0).name(), "Heap");
}

// --- (c) Ping ---------------------------------------------------------------

TEST_F(HeapdTest, PingEchoesThePayload) {
  v1::PingRequest request;
  request.set_payload(std::string("heapd\0ping", 10));
  v1::PingResponse response;
  grpc::ClientContext context;
  SetDeadline(&context);
  const int64_t before = absl::ToUnixNanos(absl::Now());
  const grpc::Status status = heap_->Ping(&context, request, &response);
  ASSERT_TRUE(status.ok()) << Describe(status);
  EXPECT_EQ(response.payload(), request.payload());
  EXPECT_FALSE(response.version().empty());
  // Same machine, same clock.
  EXPECT_GE(response.server_time_unix_ns(), before);
  EXPECT_LE(response.server_time_unix_ns(), absl::ToUnixNanos(absl::Now()));
}

TEST_F(HeapdTest, PingAcceptsExactly64KiB) {
  for (const size_t size : {size_t{64 * 1024}, size_t{64 * 1024 + 1}}) {
    SCOPED_TRACE(size);
    v1::PingRequest request;
    request.set_payload(std::string(size, 'x'));
    v1::PingResponse response;
    grpc::ClientContext context;
    SetDeadline(&context);
    const grpc::Status status = heap_->Ping(&context, request, &response);
    if (size <= 64 * 1024) {
      ASSERT_TRUE(status.ok()) << Describe(status);
      EXPECT_EQ(response.payload().size(), size);
    } else {
      EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
      EXPECT_THAT(status.error_message(), HasSubstr("64 KiB"));
    }
  }
}

// --- (d) Stats --------------------------------------------------------------

TEST_F(HeapdTest, StatsReportTheClassicLayoutAndTheSizeClassTable) {
  v1::StatsResponse response;
  const grpc::Status status = Stats({}, &response);
  ASSERT_TRUE(status.ok()) << Describe(status);
  ASSERT_TRUE(response.has_allocator());
  const v1::AllocatorStats& allocator = response.allocator();

  const v1::AllocatorLayout& layout = allocator.layout();
  EXPECT_EQ(layout.preset(), "classic");
  EXPECT_EQ(layout.arena_size(), 256 * 1024);
  EXPECT_EQ(layout.pool_size(), 4 * 1024);
  EXPECT_EQ(layout.alignment(), 16);
  EXPECT_EQ(layout.small_request_threshold(), 512);
  EXPECT_EQ(layout.size_classes(), 32);
  EXPECT_EQ(layout.pool_header_size(), 48);
  EXPECT_EQ(layout.arena_release(), "keep_one");

  ASSERT_EQ(allocator.size_classes_size(), 32);
  for (int c = 0; c < 32; ++c) {
    SCOPED_TRACE(c);
    EXPECT_EQ(allocator.size_classes(c).size_class(), c);
    EXPECT_EQ(allocator.size_classes(c).block_size(), 16 * (c + 1));
    EXPECT_EQ(allocator.size_classes(c).blocks_per_pool(),
              (4096 - 48) / (16 * (c + 1)));
  }
  EXPECT_EQ(allocator.size_classes(0).blocks_per_pool(), 253);
  EXPECT_EQ(allocator.size_classes(31).block_size(), 512);

  EXPECT_EQ(allocator.bytes_in_allocated_blocks() +
                allocator.bytes_in_available_blocks() +
                allocator.bytes_in_unused_pools() +
                allocator.bytes_lost_to_pool_headers() +
                allocator.bytes_lost_to_quantization() +
                allocator.bytes_lost_to_arena_alignment(),
            allocator.bytes_total());
  EXPECT_GT(allocator.arena_map_bytes(), 0) << "the map's root always exists";

  ASSERT_TRUE(response.has_server());
  EXPECT_FALSE(response.server().version().empty());
  EXPECT_GT(response.server().started_unix_ns(), 0);
  EXPECT_GE(response.server().uptime_ns(), 0);
  EXPECT_GT(response.timestamp_unix_ns(), 0);
}

TEST_F(HeapdTest, StatsSequenceAndUptimeGrow) {
  v1::StatsResponse first;
  v1::StatsResponse second;
  ASSERT_TRUE(Stats({}, &first).ok());
  // The snapshot published when the server started: an idle server answers.
  EXPECT_GE(first.sequence(), 1u);
  ASSERT_TRUE(Stats({}, &second).ok());
  // The sequence names a published snapshot: Stats alone publishes none, so
  // it may repeat, but never goes back.
  EXPECT_GE(second.sequence(), first.sequence());
  EXPECT_GE(second.timestamp_unix_ns(), first.timestamp_unix_ns());
  EXPECT_GT(second.server().uptime_ns(), first.server().uptime_ns());
  EXPECT_EQ(second.server().started_unix_ns(),
            first.server().started_unix_ns());
}

// Many dashboards polling at once: each sees snapshots in order, and every
// call is answered. (Under --config=tsan this also checks the service's
// locking.)
TEST_F(HeapdTest, ConcurrentStatsSeeOrderedSnapshots) {
  constexpr int kThreads = 8;
  constexpr int kCallsPerThread = 25;
  std::vector<std::vector<uint64_t>> seen(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([this, &seen, t] {
      for (int i = 0; i < kCallsPerThread; ++i) {
        v1::StatsResponse response;
        if (!Stats({}, &response).ok()) return;
        seen[t].push_back(response.sequence());
      }
    });
  }
  for (std::thread& thread : threads) thread.join();

  size_t total = 0;
  for (const std::vector<uint64_t>& sequences : seen) {
    // One client's snapshots are ordered: never an older one after a newer.
    EXPECT_TRUE(std::is_sorted(sequences.begin(), sequences.end()));
    total += sequences.size();
  }
  EXPECT_EQ(total, size_t{kThreads * kCallsPerThread});
}

TEST_F(HeapdTest, StatsFillOnlyTheSectionsAskedFor) {
  v1::StatsResponse server_only;
  ASSERT_TRUE(Stats({v1::SERVER}, &server_only).ok());
  EXPECT_FALSE(server_only.has_allocator());
  EXPECT_TRUE(server_only.has_server());

  v1::StatsResponse allocator_only;
  ASSERT_TRUE(Stats({v1::ALLOCATOR}, &allocator_only).ok());
  EXPECT_TRUE(allocator_only.has_allocator());
  EXPECT_FALSE(allocator_only.has_server());
  EXPECT_GT(allocator_only.sequence(), 0u);
}

TEST_F(HeapdTest, StatsReportTheLayoutTheFlagsChose) {
  Start({"--layout=cpython312", "--arena_release=eager"});
  v1::StatsResponse response;
  ASSERT_TRUE(Stats({v1::ALLOCATOR}, &response).ok());
  const v1::AllocatorStats& allocator = response.allocator();
  EXPECT_EQ(allocator.layout().preset(), "cpython312");
  EXPECT_EQ(allocator.layout().arena_size(), 1024 * 1024);
  EXPECT_EQ(allocator.layout().pool_size(), 16 * 1024);
  EXPECT_EQ(allocator.layout().arena_release(), "eager");
  ASSERT_EQ(allocator.size_classes_size(), 32);
  EXPECT_EQ(allocator.size_classes(0).blocks_per_pool(), (16384 - 48) / 16);
}

// --- (e) every method is served ---------------------------------------------

// The service's descriptor and the server agree: no method answers
// UNIMPLEMENTED (WatchStats is exercised in stats_stream_integration_test).
TEST_F(HeapdTest, WatchStatsStreams) {
  grpc::ClientContext context;
  SetDeadline(&context);
  std::unique_ptr<grpc::ClientReader<v1::StatsResponse>> reader =
      heap_->WatchStats(&context, v1::WatchStatsRequest());
  v1::StatsResponse response;
  EXPECT_TRUE(reader->Read(&response));
  EXPECT_GT(response.sequence(), 0u);
  context.TryCancel();
  while (reader->Read(&response)) {
  }
  EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::CANCELLED);
}

// --- (f) bad flags ----------------------------------------------------------

TEST(HeapdFlagsTest, InvalidValuesExitWithCode2AndSayWhy) {
  const struct {
    std::string flag;
    std::string reason;
  } cases[] = {
      {"--pool_size=3000", "pool size 3000 is not a power of two"},
      {"--arena_size=8192", "at least 4 pools"},
      {"--layout=cpython313", "unknown layout preset 'cpython313'"},
      {"--arena_release=lazy", "unknown arena release policy 'lazy'"},
      {"--listen=127.0.0.1", "expected HOST:PORT"},
      {"--lock_policy=gil", "--lock_policy=gil: expected cpython"},
      {"--switch_interval_ms=0", "--switch_interval_ms=0"},
      {"--gc_threshold2=-1", "--gc_threshold2=-1"},
      {"--max_session_ttl_ms=0", "--max_session_ttl_ms=0"},
      {"--max_allocate_count=0", "--max_allocate_count=0"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.flag);
    std::unique_ptr<HeapdProcess> heapd;
    std::vector<std::string> flags = {"--listen=127.0.0.1:0", c.flag};
    absl::StatusOr<std::unique_ptr<HeapdProcess>> process =
        HeapdProcess::Start(flags);
    ASSERT_TRUE(process.ok()) << process.status();
    absl::StatusOr<int> status = (*process)->WaitForExit(kExitTimeout);
    ASSERT_TRUE(status.ok()) << status.status();
    ASSERT_TRUE(WIFEXITED(*status)) << "wait status " << *status;
    EXPECT_EQ(WEXITSTATUS(*status), 2);
    EXPECT_THAT((*process)->stderr_text(), HasSubstr(c.reason));
    EXPECT_THAT((*process)->stdout_text(),
                ::testing::Not(HasSubstr("listening")));
  }
}

// A second heapd on a port one already serves must not start: with
// SO_REUSEPORT the kernel would spread connections over both servers, and
// objects made through one would be unknown to the other.
TEST_F(HeapdTest, RefusesAPortAnotherServerHolds) {
  v1::PingResponse response;
  grpc::ClientContext context;
  SetDeadline(&context);
  ASSERT_TRUE(heap_->Ping(&context, v1::PingRequest(), &response).ok());
  const std::string peer = context.peer();  // ipv4:127.0.0.1:PORT
  const std::string address = peer.substr(peer.find(':') + 1);

  absl::StatusOr<std::unique_ptr<HeapdProcess>> second =
      HeapdProcess::Start({absl::StrCat("--listen=", address)});
  ASSERT_TRUE(second.ok()) << second.status();
  absl::StatusOr<int> status = (*second)->WaitForExit(kExitTimeout);
  ASSERT_TRUE(status.ok()) << status.status();
  ASSERT_TRUE(WIFEXITED(*status)) << "wait status " << *status;
  EXPECT_EQ(WEXITSTATUS(*status), 1);
  EXPECT_THAT((*second)->stderr_text(),
              HasSubstr(absl::StrCat(address, " is already in use")));
  EXPECT_THAT((*second)->stderr_text(), HasSubstr("--listen=127.0.0.1:0"));
  EXPECT_THAT((*second)->stdout_text(), ::testing::Not(HasSubstr("listening")));
}

// --- (g) signals ------------------------------------------------------------

class HeapdSignalTest : public HeapdTest,
                        public ::testing::WithParamInterface<int> {};

TEST_P(HeapdSignalTest, StopsCleanlyWithExitCode0) {
  // Serve one call first, so shutdown has a live connection to close.
  v1::PingResponse response;
  grpc::ClientContext context;
  SetDeadline(&context);
  ASSERT_TRUE(heap_->Ping(&context, v1::PingRequest(), &response).ok());

  heapd_->Signal(GetParam());
  absl::StatusOr<int> status = heapd_->WaitForExit(kExitTimeout);
  ASSERT_TRUE(status.ok()) << status.status();
  ASSERT_TRUE(WIFEXITED(*status)) << "wait status " << *status << "\n"
                                  << heapd_->stderr_text();
  EXPECT_EQ(WEXITSTATUS(*status), 0) << heapd_->stderr_text();
  EXPECT_THAT(heapd_->stdout_text(), HasSubstr("\nheapd stopped\n"));
  // The listener is gone: a new call fails instead of reaching a server.
  v1::PingResponse after;
  grpc::ClientContext after_context;
  SetDeadline(&after_context);
  EXPECT_EQ(heap_->Ping(&after_context, v1::PingRequest(), &after).error_code(),
            grpc::StatusCode::UNAVAILABLE);
}

INSTANTIATE_TEST_SUITE_P(ShutdownSignals, HeapdSignalTest,
                         ::testing::Values(SIGTERM, SIGINT),
                         [](const ::testing::TestParamInfo<int>& info) {
                           return std::string(info.param == SIGTERM ? "SIGTERM"
                                                                    : "SIGINT");
                         });

}  // namespace
}  // namespace heapd
