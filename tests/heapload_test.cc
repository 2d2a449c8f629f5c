// heapload against a real heapd on 127.0.0.1 with a free port: every
// workload in short bounded runs, the counts checked against the server's
// own RPC counters, the open loop's rate, the JSON report, and that N
// connections are N TCP connections.
#include <grpcpp/grpcpp.h>
#include <sys/resource.h>

#include <chrono>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "client/json_paths.h"
#include "client/load_options.h"
#include "client/load_report.h"
#include "client/load_runner.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "proto/heap.grpc.pb.h"
#include "tests/heapd_process.h"

namespace heapd {
namespace {

using ::testing::IsEmpty;

class HeapLoadTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::unique_ptr<HeapdProcess>> process =
        HeapdProcess::Start({"--listen=127.0.0.1:0"});
    ASSERT_TRUE(process.ok()) << process.status();
    heapd_ = std::move(*process);
    absl::StatusOr<std::string> address =
        heapd_->WaitForLine("heapd listening on ", absl::Seconds(60));
    ASSERT_TRUE(address.ok()) << address.status();
    address_ = *address;
    grpc::ChannelArguments args;
    args.SetInt(GRPC_ARG_ENABLE_HTTP_PROXY, 0);
    stub_ = v1::Heap::NewStub(grpc::CreateCustomChannel(
        address_, grpc::InsecureChannelCredentials(), args));
  }

  void TearDown() override {
    heapd_->Signal(SIGTERM);
    absl::StatusOr<int> status = heapd_->WaitForExit(absl::Seconds(30));
    EXPECT_TRUE(status.ok()) << status.status();
  }

  // Options for a short run against this test's heapd.
  LoadOptions Options(std::vector<std::string> flags) {
    // Defaults first: a test's own flags come later and win.
    flags.insert(flags.begin(), {absl::StrCat("--server=", address_),
                                 "--progress=false", "--deadline=60s"});
    absl::StatusOr<LoadOptions> options = ParseLoadOptions(flags);
    EXPECT_TRUE(options.ok()) << options.status();
    return options.ok() ? *options : LoadOptions();
  }

  LoadResult Run(std::vector<std::string> flags) {
    absl::StatusOr<LoadResult> result = RunLoad(Options(flags), nullptr);
    EXPECT_TRUE(result.ok()) << result.status();
    return result.ok() ? *std::move(result) : LoadResult();
  }

  // The server's calls by method (fresh: includes every finished call).
  std::map<std::string, int64_t> ServerCalls() {
    v1::StatsRequest request;
    request.add_sections(v1::SERVER);
    request.set_fresh(true);
    v1::StatsResponse response;
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() +
                         std::chrono::seconds(10));
    grpc::Status status = stub_->Stats(&context, request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    std::map<std::string, int64_t> calls;
    for (const v1::MethodStats& m : response.server().methods()) {
      calls[m.method()] = m.calls();
    }
    calls["sessions_open"] = response.server().sessions_open();
    return calls;
  }

  // ESTABLISHED TCP connections whose remote end is heapd's port. gRPC's
  // sockets are dual-stack, so IPv4 peers appear in /proc/net/tcp6 as
  // v4-mapped addresses: both tables are read.
  int ConnectionsToServer() {
    int port = 0;
    const std::string port_text = address_.substr(address_.rfind(':') + 1);
    EXPECT_TRUE(absl::SimpleAtoi(port_text, &port));
    int count = 0;
    for (const char* path : {"/proc/net/tcp", "/proc/net/tcp6"}) {
      count += ConnectionsIn(path, port);
    }
    return count;
  }

  static int ConnectionsIn(const char* path, int port) {
    std::ifstream table(path);
    std::string line;
    std::getline(table, line);  // header
    int count = 0;
    while (std::getline(table, line)) {
      std::vector<std::string> fields =
          absl::StrSplit(line, ' ', absl::SkipEmpty());
      // sl local_address rem_address st ...; addresses are HEXIP:HEXPORT.
      if (fields.size() < 4 || fields[3] != "01") continue;
      const std::string& remote = fields[2];
      unsigned remote_port = 0;
      std::istringstream(remote.substr(remote.find(':') + 1)) >> std::hex >>
          remote_port;
      if (static_cast<int>(remote_port) == port) ++count;
    }
    return count;
  }

  // The checks every healthy run passes.
  static void ExpectHealthy(const StreamResult& s) {
    EXPECT_EQ(s.sent, s.succeeded + s.failed) << s.name;
    EXPECT_GT(s.succeeded, 0) << s.name;
    EXPECT_EQ(s.failed, 0) << s.name;
    EXPECT_THAT(s.errors, IsEmpty()) << s.name;
    EXPECT_EQ(s.latency.count(), s.sent) << s.name;
  }

  std::unique_ptr<HeapdProcess> heapd_;
  std::string address_;
  std::unique_ptr<v1::Heap::Stub> stub_;
};

TEST_F(HeapLoadTest, EveryWorkloadRunsCleanly) {
  for (const std::string workload :
       {"ping", "alloc-free", "cycles", "link-churn", "mixed"}) {
    for (const std::string batch : {"0", "10"}) {
      if (workload == "ping" && batch != "0") continue;
      SCOPED_TRACE(absl::StrCat(workload, " batch ", batch));
      LoadResult r = Run({"--workload=" + workload, "--batch=" + batch,
                          "--connections=2", "--concurrency=4",
                          "--duration=300ms"});
      ASSERT_EQ(r.streams.size(), 1u);
      ExpectHealthy(r.streams[0]);
      if (workload != "ping") {
        EXPECT_GE(r.streams[0].operations, r.streams[0].succeeded);
        EXPECT_EQ(r.sessions_opened, 2);
        EXPECT_EQ(r.sessions_closed, 2);
      }
      EXPECT_FALSE(r.deadline_hit);
      EXPECT_TRUE(r.stats_before.has_value()) << r.stats_error;
      EXPECT_TRUE(r.stats_after.has_value()) << r.stats_error;
      int64_t per_connection = 0;
      for (int64_t n : r.per_connection_succeeded) per_connection += n;
      EXPECT_EQ(per_connection, r.streams[0].succeeded);
    }
  }
  // Every session was closed.
  EXPECT_EQ(ServerCalls()["sessions_open"], 0);
}

// heapload's count of calls is the server's: single-operation alloc-free
// sends exactly one Allocate or DecRef per call.
TEST_F(HeapLoadTest, CountsMatchTheServersCounters) {
  std::map<std::string, int64_t> before = ServerCalls();
  LoadResult r = Run({"--workload=alloc-free", "--connections=3",
                      "--concurrency=6", "--duration=500ms"});
  std::map<std::string, int64_t> after = ServerCalls();
  ASSERT_EQ(r.streams.size(), 1u);
  ExpectHealthy(r.streams[0]);
  const int64_t server_calls = after["Allocate"] - before["Allocate"] +
                               after["DecRef"] - before["DecRef"];
  EXPECT_EQ(server_calls, r.streams[0].sent);
  EXPECT_EQ(r.streams[0].operations, r.streams[0].succeeded);
  EXPECT_EQ(after["OpenSession"] - before["OpenSession"], 3);
  EXPECT_EQ(after["CloseSession"] - before["CloseSession"], 3);
}

TEST_F(HeapLoadTest, BatchesCarryTheirOperations) {
  LoadResult r = Run({"--workload=alloc-free", "--batch=8", "--connections=2",
                      "--duration=300ms"});
  ASSERT_EQ(r.streams.size(), 1u);
  ExpectHealthy(r.streams[0]);
  EXPECT_EQ(r.streams[0].operations, 8 * r.streams[0].succeeded);
}

TEST_F(HeapLoadTest, StatsPollersAndConvoyRunBesideTheWorkload) {
  LoadResult r = Run({"--workload=alloc-free", "--connections=4",
                      "--duration=1s", "--stats_pollers=2",
                      "--stats_rate=10", "--convoy_batch=200"});
  ASSERT_EQ(r.streams.size(), 3u);
  EXPECT_EQ(r.streams[0].name, "workload");
  EXPECT_EQ(r.streams[1].name, "stats_poll");
  EXPECT_EQ(r.streams[2].name, "convoy");
  for (const StreamResult& s : r.streams) ExpectHealthy(s);
  EXPECT_EQ(r.streams[2].operations, 200 * r.streams[2].succeeded);
  // The convoy has a connection of its own.
  EXPECT_EQ(r.connections_opened, 5);
  EXPECT_EQ(r.per_connection_succeeded.size(), 4u);
}

TEST_F(HeapLoadTest, StatsPollAlone) {
  LoadResult r = Run({"--workload=stats-poll", "--stats_pollers=2",
                      "--stats_rate=20", "--duration=500ms"});
  ASSERT_EQ(r.streams.size(), 1u);
  EXPECT_EQ(r.streams[0].name, "stats_poll");
  ExpectHealthy(r.streams[0]);
  EXPECT_EQ(r.sessions_opened, 0);
}

// The open loop keeps its rate, as the server counts it: 200/s for 2 s.
// Sixteen slots, so that a stall of the machine (tests share it) delays
// calls rather than leaving them unsent.
TEST_F(HeapLoadTest, RateIsKeptWithinFivePercent) {
  std::map<std::string, int64_t> before = ServerCalls();
  LoadResult r = Run({"--workload=ping", "--connections=2",
                      "--concurrency=16", "--rate=200", "--duration=2s"});
  std::map<std::string, int64_t> after = ServerCalls();
  ASSERT_EQ(r.streams.size(), 1u);
  ExpectHealthy(r.streams[0]);
  const int64_t pings = after["Ping"] - before["Ping"];
  EXPECT_GE(pings, 380);
  EXPECT_LE(pings, 420);
  EXPECT_EQ(pings, r.streams[0].sent);
  EXPECT_EQ(r.streams[0].unsent_backlog, 0);
}

// The run's clock keeper waits between its deadlines rather than spinning:
// a run that sends almost nothing uses almost no CPU. (It once spun a whole
// core under --progress=false, which every scripted run passes, and so
// halved the figures it measured on two cores.) Not a speed test: a busy
// loop uses about the whole wall time, an idle one a few percent.
TEST_F(HeapLoadTest, AnIdleRunDoesNotSpin) {
  const auto cpu_seconds = [] {
    rusage usage;
    getrusage(RUSAGE_SELF, &usage);
    return static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
           (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
  };
  const double cpu_before = cpu_seconds();
  const auto wall_before = std::chrono::steady_clock::now();
  LoadResult r = Run({"--workload=ping", "--rate=5", "--duration=3s"});
  const double wall = std::chrono::duration<double>(
                          std::chrono::steady_clock::now() - wall_before)
                          .count();
  const double cpu = cpu_seconds() - cpu_before;
  EXPECT_GT(r.streams[0].succeeded, 0);
  EXPECT_LT(cpu, 0.5 * wall) << "heapload used " << cpu << " s of CPU in "
                             << wall << " s sending 5 calls a second";
}

TEST_F(HeapLoadTest, RequestsCapIsExact) {
  LoadResult r = Run({"--workload=alloc-free", "--connections=2",
                      "--concurrency=8", "--requests=500"});
  ASSERT_EQ(r.streams.size(), 1u);
  ExpectHealthy(r.streams[0]);
  EXPECT_EQ(r.streams[0].sent, 500);
}

// 50 calls are scheduled in the warm-up and 100 after it; only those after
// count (sent, or left unsent by a stall), but all reach the server.
TEST_F(HeapLoadTest, WarmupIsExcluded) {
  std::map<std::string, int64_t> before = ServerCalls();
  LoadResult r = Run({"--workload=ping", "--rate=100", "--concurrency=16",
                      "--warmup=500ms", "--duration=1s"});
  std::map<std::string, int64_t> after = ServerCalls();
  ASSERT_EQ(r.streams.size(), 1u);
  ExpectHealthy(r.streams[0]);
  const int64_t scheduled = r.streams[0].sent + r.streams[0].unsent_backlog;
  EXPECT_GE(scheduled, 99);
  EXPECT_LE(scheduled, 101);
  EXPECT_EQ(after["Ping"] - before["Ping"] - r.streams[0].sent, 50);
}

// --connections=N opens N TCP connections, seen in the kernel's table.
TEST_F(HeapLoadTest, ConnectionsAreDistinctTcpConnections) {
  ServerCalls();  // the test's own connection, up before counting
  const int baseline = ConnectionsToServer();
  LoadResult result;
  std::thread run([&] {
    result = Run({"--workload=ping", "--connections=16", "--duration=2s"});
  });
  int during = 0;
  for (int i = 0; i < 20 && during < 16; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    during = ConnectionsToServer() - baseline;
  }
  run.join();
  EXPECT_EQ(during, 16);
  EXPECT_EQ(result.connections_opened, 16);
  ASSERT_EQ(result.per_connection_succeeded.size(), 16u);
  for (int64_t n : result.per_connection_succeeded) EXPECT_GT(n, 0);
}

TEST_F(HeapLoadTest, HardDeadlineEndsTheRun) {
  LoadResult r = Run({"--workload=ping", "--requests=1000000000",
                      "--deadline=1s"});
  ASSERT_EQ(r.streams.size(), 1u);
  EXPECT_TRUE(r.deadline_hit);
  EXPECT_EQ(r.streams[0].sent, r.streams[0].succeeded + r.streams[0].failed);
  EXPECT_GT(r.streams[0].succeeded, 0);
}

// Every field a script may read is in the JSON, and the JSON parses.
TEST_F(HeapLoadTest, JsonReportHoldsEveryField) {
  LoadResult r = Run({"--workload=mixed", "--connections=2",
                      "--duration=500ms", "--stats_pollers=1",
                      "--convoy_batch=50"});
  absl::StatusOr<std::map<std::string, std::string>> json =
      FlattenJson(JsonReport(r));
  ASSERT_TRUE(json.ok()) << json.status();
  std::vector<std::string> required = {
      "label", "measured_s", "deadline_hit", "connections_opened",
      "sessions_opened", "sessions_closed", "open_file_limit",
      "options.server", "options.workload", "options.connections",
      "options.concurrency", "options.duration_s", "options.requests",
      "options.rate", "options.open_loop", "options.warmup_s",
      "options.batch", "options.mix", "options.stats_pollers",
      "options.stats_rate", "options.convoy_batch", "options.live_objects",
      "options.timeout_s", "options.deadline_s",
      "per_connection.connections", "per_connection.min_requests_per_s",
      "per_connection.max_requests_per_s", "per_connection.jain_index",
      "server.available", "server.error", "server.wall_s",
      "server.lock.policy", "server.lock.switch_interval_ns",
      "server.lock.held_share", "server.lock.acquisitions",
      "server.lock.contended", "server.lock.contended_share",
      "server.lock.wait_mean_ns", "server.lock.hold_mean_ns",
      "server.lock.wait_p50_ns", "server.lock.wait_p90_ns",
      "server.lock.wait_p99_ns", "server.lock.wait_p999_ns",
      "server.lock.wait_max_ns", "server.lock.wait_percentiles_scope",
      "server.lock.handoffs", "server.lock.handoffs_per_s",
      "server.lock.waiters_peak", "server.lock.forced_switches",
      "server.lock.drop_requests", "server.lock.by_kind",
      "server.lock.by_kind.Batch.acquisitions",
      "server.lock.by_kind.Batch.contended",
      "server.lock.by_kind.Batch.wait_mean_ns",
      "server.lock.by_kind.Batch.hold_mean_ns",
      "server.lock.by_kind.Batch.wait_p99_ns_since_start",
      "server.rpcs.total", "server.rpcs.errors", "server.rpcs.by_method",
      "server.sessions_open",
  };
  for (const std::string stream : {"workload", "stats_poll", "convoy"}) {
    for (const std::string key :
         {"sent", "succeeded", "failed", "counts_add_up", "operations",
          "unsent_backlog", "requests_per_s", "operations_per_s", "errors",
          "latency_ns.count", "latency_ns.min", "latency_ns.mean",
          "latency_ns.p50", "latency_ns.p90", "latency_ns.p99",
          "latency_ns.p999", "latency_ns.max"}) {
      required.push_back(absl::StrCat("streams.", stream, ".", key));
    }
  }
  for (const std::string& path : required) {
    EXPECT_TRUE(json->count(path)) << path;
  }
  EXPECT_EQ(json->at("server.available"), "true");
  EXPECT_EQ(json->at("streams.workload.counts_add_up"), "true");
  EXPECT_EQ(std::stod(json->at("streams.workload.sent")),
            static_cast<double>(r.streams[0].sent));
}

TEST_F(HeapLoadTest, NoServerIsAnError) {
  // A port nobody listens on.
  LoadOptions options = Options({"--duration=1s", "--timeout=1s"});
  options.server = "127.0.0.1:1";
  absl::StatusOr<LoadResult> result = RunLoad(options, nullptr);
  EXPECT_FALSE(result.ok());
}

}  // namespace
}  // namespace heapd
