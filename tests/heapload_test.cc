// heapload against a real heapd on 127.0.0.1 with a free port: every
// workload in short bounded runs, the counts checked against the server's
// own RPC counters, the open loop's schedule, the JSON report, and that N
// connections are N TCP connections.
#include <grpcpp/grpcpp.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include <chrono>
#include <cstdlib>
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
#include "client/heapload/json_paths.h"
#include "client/heapload/options.h"
#include "client/heapload/report.h"
#include "client/heapload/runner.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "proto/heap.grpc.pb.h"
#include "tests/heapd_process.h"
#include "tests/heapd_test_fixture.h"

namespace heapd::heapload {
namespace {

using ::testing::IsEmpty;

class HeapLoadTest : public HeapdTest {
 protected:
  HeapLoadTest() : HeapdTest(std::chrono::seconds(10)) {}

  void SetUp() override { Start({}); }

  // Options for a short run against this test's heapd.
  Options ShortRunOptions(std::vector<std::string> flags) {
    // Defaults first: a test's own flags come later and win.
    flags.insert(flags.begin(), {absl::StrCat("--server=", address_),
                                 "--progress=false", "--deadline=60s"});
    absl::StatusOr<Options> options = ParseOptions(flags);
    EXPECT_TRUE(options.ok()) << options.status();
    return options.ok() ? *options : Options();
  }

  RunResult Run(std::vector<std::string> flags) {
    absl::StatusOr<RunResult> result = RunLoad(ShortRunOptions(flags), nullptr);
    EXPECT_TRUE(result.ok()) << result.status();
    return result.ok() ? *std::move(result) : RunResult();
  }

  // The server's calls by method (fresh: includes every finished call).
  std::map<std::string, int64_t> ServerCalls() {
    v1::StatsRequest request;
    request.add_sections(v1::SERVER);
    request.set_fresh(true);
    v1::StatsResponse response;
    const grpc::Status status =
        Call(&v1::Heap::Stub::Stats, request, &response);
    EXPECT_TRUE(status.ok()) << Describe(status);
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
};

TEST_F(HeapLoadTest, EveryWorkloadRunsCleanly) {
  for (const std::string workload :
       {"ping", "alloc-free", "cycles", "link-churn", "mixed"}) {
    for (const std::string batch : {"0", "10"}) {
      if (workload == "ping" && batch != "0") continue;
      SCOPED_TRACE(absl::StrCat(workload, " batch ", batch));
      RunResult r =
          Run({"--workload=" + workload, "--batch=" + batch, "--connections=2",
               "--concurrency=4", "--duration=300ms"});
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
  RunResult r = Run({"--workload=alloc-free", "--connections=3",
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
  RunResult r = Run({"--workload=alloc-free", "--batch=8", "--connections=2",
                     "--duration=300ms"});
  ASSERT_EQ(r.streams.size(), 1u);
  ExpectHealthy(r.streams[0]);
  EXPECT_EQ(r.streams[0].operations, 8 * r.streams[0].succeeded);
}

TEST_F(HeapLoadTest, StatsPollersAndConvoyRunBesideTheWorkload) {
  RunResult r =
      Run({"--workload=alloc-free", "--connections=4", "--duration=1s",
           "--stats_pollers=2", "--stats_rate=10", "--convoy_batch=200"});
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
  RunResult r = Run({"--workload=stats-poll", "--stats_pollers=2",
                     "--stats_rate=20", "--duration=500ms"});
  ASSERT_EQ(r.streams.size(), 1u);
  EXPECT_EQ(r.streams[0].name, "stats_poll");
  ExpectHealthy(r.streams[0]);
  EXPECT_EQ(r.sessions_opened, 0);
}

// The open loop schedules its rate: 200/s for 2 s is 400 calls, each sent
// (and counted by the server) or, when a stall of the machine kept it from
// a free slot before the end, counted as backlog. Sixteen slots, so that a
// stall delays calls rather than leaving them unsent. Behaviour, not speed:
// a loaded machine changes which of the two a call is, never their sum.
TEST_F(HeapLoadTest, OpenLoopAccountsForEveryCallOfItsRate) {
  std::map<std::string, int64_t> before = ServerCalls();
  RunResult r = Run({"--workload=ping", "--connections=2", "--concurrency=16",
                     "--rate=200", "--duration=2s"});
  std::map<std::string, int64_t> after = ServerCalls();
  ASSERT_EQ(r.streams.size(), 1u);
  ExpectHealthy(r.streams[0]);
  EXPECT_EQ(r.streams[0].sent + r.streams[0].unsent_backlog, 400);
  EXPECT_EQ(after["Ping"] - before["Ping"], r.streams[0].sent);
}

// The run's clock keeper waits between its deadlines rather than spinning:
// a run that sends almost nothing uses almost no CPU. A spinning keeper
// would take a whole core under --progress=false, which every scripted run
// passes, and so halve the figures it measures on two cores. Not a speed
// test: a busy loop uses about the whole wall time, an idle one a few
// percent.
TEST_F(HeapLoadTest, AnIdleRunDoesNotSpin) {
  const auto cpu_seconds = [] {
    rusage usage;
    getrusage(RUSAGE_SELF, &usage);
    return static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
           (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
  };
  const double cpu_before = cpu_seconds();
  const auto wall_before = std::chrono::steady_clock::now();
  RunResult r = Run({"--workload=ping", "--rate=5", "--duration=3s"});
  const double wall = std::chrono::duration<double>(
                          std::chrono::steady_clock::now() - wall_before)
                          .count();
  const double cpu = cpu_seconds() - cpu_before;
  EXPECT_GT(r.streams[0].succeeded, 0);
  EXPECT_LT(cpu, 0.5 * wall) << "heapload used " << cpu << " s of CPU in "
                             << wall << " s sending 5 calls a second";
}

TEST_F(HeapLoadTest, RequestsCapIsExact) {
  RunResult r = Run({"--workload=alloc-free", "--connections=2",
                     "--concurrency=8", "--requests=500"});
  ASSERT_EQ(r.streams.size(), 1u);
  ExpectHealthy(r.streams[0]);
  EXPECT_EQ(r.streams[0].sent, 500);
}

// 50 calls are scheduled in the warm-up and 100 after it; only those after
// count (sent, or left unsent by a stall), but all reach the server.
TEST_F(HeapLoadTest, WarmupIsExcluded) {
  std::map<std::string, int64_t> before = ServerCalls();
  RunResult r = Run({"--workload=ping", "--rate=100", "--concurrency=16",
                     "--warmup=500ms", "--duration=1s"});
  std::map<std::string, int64_t> after = ServerCalls();
  ASSERT_EQ(r.streams.size(), 1u);
  ExpectHealthy(r.streams[0]);
  EXPECT_EQ(r.streams[0].sent + r.streams[0].unsent_backlog, 100);
  EXPECT_EQ(after["Ping"] - before["Ping"] - r.streams[0].sent, 50);
}

// --connections=N opens N TCP connections, seen in the kernel's table.
TEST_F(HeapLoadTest, ConnectionsAreDistinctTcpConnections) {
  ServerCalls();  // the test's own connection, up before counting
  const int baseline = ConnectionsToServer();
  RunResult result;
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
  RunResult r =
      Run({"--workload=ping", "--requests=1000000000", "--deadline=1s"});
  ASSERT_EQ(r.streams.size(), 1u);
  EXPECT_TRUE(r.deadline_hit);
  EXPECT_EQ(r.streams[0].sent, r.streams[0].succeeded + r.streams[0].failed);
  EXPECT_GT(r.streams[0].succeeded, 0);
}

// Every field a script may read is in the JSON, and the JSON parses.
TEST_F(HeapLoadTest, JsonReportHoldsEveryField) {
  RunResult r = Run({"--workload=mixed", "--connections=2", "--duration=500ms",
                     "--stats_pollers=1", "--convoy_batch=50"});
  absl::StatusOr<std::map<std::string, std::string>> json =
      FlattenJson(JsonReport(r));
  ASSERT_TRUE(json.ok()) << json.status();
  std::vector<std::string> required = {
      "label",
      "measured_s",
      "deadline_hit",
      "connections_opened",
      "sessions_opened",
      "sessions_closed",
      "open_file_limit",
      "options.server",
      "options.workload",
      "options.scenario",
      "options.connections",
      "options.concurrency",
      "options.duration_s",
      "options.requests",
      "options.rate",
      "options.open_loop",
      "options.warmup_s",
      "options.batch",
      "options.mix",
      "options.stats_pollers",
      "options.stats_rate",
      "options.convoy_batch",
      "options.live_objects",
      "options.timeout_s",
      "options.deadline_s",
      "per_connection.connections",
      "per_connection.min_requests_per_s",
      "per_connection.max_requests_per_s",
      "per_connection.jain_index",
      "server.available",
      "server.error",
      "server.wall_s",
      "server.lock.policy",
      "server.lock.switch_interval_ns",
      "server.lock.held_share",
      "server.lock.acquisitions",
      "server.lock.contended",
      "server.lock.contended_share",
      "server.lock.wait_mean_ns",
      "server.lock.hold_mean_ns",
      "server.lock.wait_p50_ns",
      "server.lock.wait_p90_ns",
      "server.lock.wait_p99_ns",
      "server.lock.wait_p999_ns",
      "server.lock.wait_max_ns",
      "server.lock.wait_percentiles_scope",
      "server.lock.handoffs",
      "server.lock.handoffs_per_s",
      "server.lock.waiters_peak",
      "server.lock.forced_switches",
      "server.lock.drop_requests",
      "server.lock.by_kind",
      "server.lock.by_kind.Batch.acquisitions",
      "server.lock.by_kind.Batch.contended",
      "server.lock.by_kind.Batch.wait_mean_ns",
      "server.lock.by_kind.Batch.hold_mean_ns",
      "server.lock.by_kind.Batch.wait_p99_ns_since_start",
      "server.rpcs.total",
      "server.rpcs.errors",
      "server.rpcs.by_method",
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

// --- --scenario ------------------------------------------------------------

// The scenario files are runfiles; the test writes its own to TEST_TMPDIR.
std::string ScenarioFile(const std::string& name) {
  const char* srcdir = std::getenv("TEST_SRCDIR");
  const char* workspace = std::getenv("TEST_WORKSPACE");
  if (srcdir == nullptr || workspace == nullptr) {
    return absl::StrCat("tests/scenarios/", name);
  }
  return absl::StrCat(srcdir, "/", workspace, "/tests/scenarios/", name);
}

std::string WriteScenario(const std::string& name, const std::string& text) {
  const char* dir = std::getenv("TEST_TMPDIR");
  const std::string path =
      absl::StrCat(dir != nullptr ? dir : "/tmp", "/", name);
  std::ofstream(path) << text;
  return path;
}

class HeapLoadScenarioTest : public HeapLoadTest {
 protected:
  // Objects alive after a full collection, as Verify walks them: what a
  // run leaves behind once its cyclic garbage is collected.
  int64_t LiveObjectsAfterCollect() {
    const std::string session = OpenSession();
    v1::CollectRequest collect;
    collect.set_session_id(session);
    v1::CollectResponse collected;
    grpc::Status status = Call(&v1::Heap::Stub::Collect, collect, &collected);
    EXPECT_TRUE(status.ok()) << Describe(status);
    v1::CloseSessionRequest close;
    close.set_session_id(session);
    v1::CloseSessionResponse closed;
    status = Call(&v1::Heap::Stub::CloseSession, close, &closed);
    EXPECT_TRUE(status.ok()) << Describe(status);
    v1::VerifyResponse verified;
    status = Call(&v1::Heap::Stub::Verify, v1::VerifyRequest(), &verified);
    EXPECT_TRUE(status.ok()) << Describe(status);
    return verified.objects();
  }
};

// One slot runs the two-object cycle over and over: every pass passes all
// its expectations, no call fails, and the heap is back to where it was.
TEST_F(HeapLoadScenarioTest, CycleScenarioRunsCleanly) {
  const int64_t baseline = LiveObjectsAfterCollect();
  RunResult r = Run({"--scenario=" + ScenarioFile("04_two_object_cycle.heap"),
                     "--duration=500ms"});
  ASSERT_EQ(r.streams.size(), 1u);
  ExpectHealthy(r.streams[0]);
  ASSERT_TRUE(r.scenario.has_value());
  EXPECT_GT(r.scenario->iterations_completed, 1);
  EXPECT_EQ(r.scenario->iterations_abandoned, 0);
  EXPECT_EQ(r.scenario->expectations_failed, 0)
      << ::testing::PrintToString(r.scenario->first_failures);
  // 12 expectations a pass, and the pass cut short by the end adds some.
  EXPECT_GE(r.scenario->expectations_passed,
            12 * r.scenario->iterations_completed);
  EXPECT_THAT(r.scenario->first_errors, IsEmpty());
  EXPECT_EQ(r.sessions_opened, 1);
  EXPECT_EQ(r.sessions_closed, 1);
  EXPECT_EQ(LiveObjectsAfterCollect(), baseline);
}

// Many slots on several connections: the counts add up and the heap comes
// back (expectations about the whole heap may fail under concurrency: one
// slot's collect frees another's garbage; they are results, not checked).
TEST_F(HeapLoadScenarioTest, ConcurrentSlotsLeaveTheHeapAsTheyFoundIt) {
  const int64_t baseline = LiveObjectsAfterCollect();
  for (const std::string file :
       {"21_cycle_rooted_by_live_list.heap", "06_finalizer_cycle.heap"}) {
    SCOPED_TRACE(file);
    RunResult r =
        Run({"--scenario=" + ScenarioFile(file), "--connections=2",
             "--concurrency=6", "--duration=500ms", "--stats_pollers=1"});
    ASSERT_EQ(r.streams.size(), 2u);
    ExpectHealthy(r.streams[0]);
    ExpectHealthy(r.streams[1]);
    ASSERT_TRUE(r.scenario.has_value());
    EXPECT_GT(r.scenario->iterations_completed, 0);
    EXPECT_EQ(r.scenario->iterations_abandoned, 0)
        << ::testing::PrintToString(r.scenario->first_errors);
    EXPECT_GT(r.scenario->expectations_passed, 0);
    EXPECT_EQ(LiveObjectsAfterCollect(), baseline);
  }
}

// `finalizer resurrect` hands the session references no statement took;
// the cleanup finds them and gives them back. One slot, and a run of exactly
// two passes and their cleanups (39 calls each: 37 for the statements, two
// cleanup Inspects that find both Lazaruses freed), so that no pass is cut
// short with a resurrectable object in the garbage: heapd keeps an object
// whose finalizer resurrects it into a session closed meanwhile.
TEST_F(HeapLoadScenarioTest, ResurrectionsAreGivenBack) {
  std::map<std::string, int64_t> before = ServerCalls();
  RunResult r = Run(
      {"--scenario=" + ScenarioFile("07_resurrection.heap"), "--requests=78"});
  std::map<std::string, int64_t> after = ServerCalls();
  ASSERT_EQ(r.streams.size(), 1u);
  ExpectHealthy(r.streams[0]);
  ASSERT_TRUE(r.scenario.has_value());
  EXPECT_EQ(r.scenario->iterations_completed, 2);
  EXPECT_EQ(r.scenario->iterations_abandoned, 0);
  EXPECT_EQ(r.scenario->expectations_failed, 0)
      << ::testing::PrintToString(r.scenario->first_failures);
  EXPECT_EQ(after["Allocate"] - before["Allocate"], 4);
  EXPECT_EQ(LiveObjectsAfterCollect(), 0);
}

// What the names still hold at the end of a pass is given back by DecRefs
// before the next pass, as calls: a pass is Allocate, Allocate, Link,
// Inspect, then DecRef a, DecRef b. 50 calls are 8 passes and 2 calls.
TEST_F(HeapLoadScenarioTest, EachPassGivesBackWhatItsNamesHold) {
  const std::string file = WriteScenario(
      "held.heap",
      "a = object\nb = object\na.ref = b\nexpect refcount(b) == 2\n");
  std::map<std::string, int64_t> before = ServerCalls();
  RunResult r = Run({"--scenario=" + file, "--requests=50"});
  std::map<std::string, int64_t> after = ServerCalls();
  ASSERT_EQ(r.streams.size(), 1u);
  ExpectHealthy(r.streams[0]);
  EXPECT_EQ(r.streams[0].sent, 50);
  EXPECT_EQ(r.streams[0].operations, 50);
  ASSERT_TRUE(r.scenario.has_value());
  EXPECT_EQ(r.scenario->iterations_completed, 8);
  EXPECT_EQ(r.scenario->expectations_passed, 8);
  EXPECT_EQ(after["Allocate"] - before["Allocate"], 18);
  EXPECT_EQ(after["DecRef"] - before["DecRef"], 16);
  EXPECT_EQ(after["Inspect"] - before["Inspect"], 8);
  EXPECT_EQ(LiveObjectsAfterCollect(), 0);
}

// A failed expectation is counted (with its message) but is not a failed
// call, and the pass goes on; the JSON report carries it all.
TEST_F(HeapLoadScenarioTest, FailedExpectationsAreCountedNotCalls) {
  const std::string file = WriteScenario(
      "wrong.heap",
      "a = object\nexpect refcount(a) == 5\nexpect refcount(a) == 1\n");
  // A pass: Allocate, Inspect, Inspect, DecRef a. 30 calls: 7 passes, and
  // the eighth's Allocate and first Inspect (its expectation is counted as
  // soon as the reply is in).
  RunResult r = Run({"--scenario=" + file, "--requests=30", "--json"});
  ASSERT_EQ(r.streams.size(), 1u);
  ExpectHealthy(r.streams[0]);
  ASSERT_TRUE(r.scenario.has_value());
  EXPECT_EQ(r.scenario->iterations_completed, 7);
  EXPECT_EQ(r.scenario->expectations_failed, 8);
  EXPECT_EQ(r.scenario->expectations_passed, 7);
  ASSERT_EQ(r.scenario->first_failures.size(), 5u);
  EXPECT_EQ(r.scenario->first_failures[0],
            absl::StrCat(file,
                         ":2: expect refcount(a) == 5 failed: "
                         "refcount(a) is 1"));

  absl::StatusOr<std::map<std::string, std::string>> json =
      FlattenJson(JsonReport(r));
  ASSERT_TRUE(json.ok()) << json.status();
  for (const std::string key :
       {"options.scenario", "scenario.file", "scenario.iterations_completed",
        "scenario.iterations_abandoned", "scenario.expectations_passed",
        "scenario.expectations_failed", "scenario.first_failures",
        "scenario.first_errors", "streams.workload.sent",
        "streams.workload.counts_add_up"}) {
    EXPECT_TRUE(json->count(key)) << key;
  }
  EXPECT_EQ(json->at("options.workload"), "scenario");
  EXPECT_EQ(json->at("options.scenario"), file);
  EXPECT_EQ(json->at("scenario.expectations_failed"), "8");
  EXPECT_EQ(json->at("scenario.first_failures.0"),
            r.scenario->first_failures[0]);
  EXPECT_EQ(json->at("streams.workload.counts_add_up"), "true");
}

// An RPC error fails the call with its code and abandons the pass, whose
// names are still given back: a pass is Allocate, Allocate, Link (refused:
// an int holds no references), DecRef i, DecRef o.
TEST_F(HeapLoadScenarioTest, AnRpcErrorAbandonsThePass) {
  const std::string file =
      WriteScenario("refused.heap", "o = object\ni = int 1\ni.f = o\n");
  RunResult r = Run({"--scenario=" + file, "--requests=25"});
  ASSERT_EQ(r.streams.size(), 1u);
  const StreamResult& s = r.streams[0];
  EXPECT_EQ(s.sent, 25);
  EXPECT_EQ(s.sent, s.succeeded + s.failed);
  EXPECT_EQ(s.failed, 5);
  EXPECT_EQ(s.operations, 20);
  int64_t errors = 0;
  for (const auto& [code, count] : s.errors) errors += count;
  EXPECT_EQ(errors, 5);
  ASSERT_TRUE(r.scenario.has_value());
  EXPECT_EQ(r.scenario->iterations_completed, 0);
  EXPECT_EQ(r.scenario->iterations_abandoned, 5);
  ASSERT_FALSE(r.scenario->first_errors.empty());
  EXPECT_THAT(r.scenario->first_errors[0],
              ::testing::StartsWith(
                  absl::StrCat(file, ":3: Link: cannot set a field")));
  EXPECT_EQ(LiveObjectsAfterCollect(), 0);
}

// The heapload binary itself: a file that does not parse is a bad flag
// (exit code 2, "FILE:LINE: ..."), refused before anything is sent.
TEST_F(HeapLoadScenarioTest, ParseErrorExitsWithCodeTwo) {
  const std::string file =
      WriteScenario("broken.heap", "a = object\ndel\ncollect\n");
  absl::StatusOr<std::string> heapload =
      HeapdProcess::RunfilePath("client/heapload/heapload");
  ASSERT_TRUE(heapload.ok()) << heapload.status();
  std::map<std::string, int64_t> before = ServerCalls();
  absl::StatusOr<std::unique_ptr<HeapdProcess>> process =
      HeapdProcess::StartProgram(
          *heapload, {absl::StrCat("--server=", address_), "--scenario=" + file,
                      "--requests=10"});
  ASSERT_TRUE(process.ok()) << process.status();
  absl::StatusOr<int> status = (*process)->WaitForExit(absl::Seconds(60));
  ASSERT_TRUE(status.ok()) << status.status();
  ASSERT_TRUE(WIFEXITED(*status));
  EXPECT_EQ(WEXITSTATUS(*status), 2);
  EXPECT_THAT((*process)->stderr_text(),
              ::testing::HasSubstr(absl::StrCat(file, ":2: ")));
  std::map<std::string, int64_t> after = ServerCalls();
  EXPECT_EQ(after["OpenSession"], before["OpenSession"]);
}

TEST_F(HeapLoadTest, NoServerIsAnError) {
  // A port nobody listens on.
  Options options = ShortRunOptions({"--duration=1s", "--timeout=1s"});
  options.server = "127.0.0.1:1";
  absl::StatusOr<RunResult> result = RunLoad(options, nullptr);
  EXPECT_FALSE(result.ok());
}

// TLS against a plaintext heapd: the first handshake fails at once, and the
// message names the likely mismatch instead of a timeout.
TEST_F(HeapLoadTest, SaysWhenItSpeaksTlsToAPlaintextHeapd) {
  const std::string dir = ::testing::TempDir();
  const std::string ca = dir + "/heapload_ca.pem";
  const std::string make_ca = absl::StrCat(
      "openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=heapload",
      " -keyout ", dir, "/heapload_ca.key -out ", ca, " 2>/dev/null");
  ASSERT_EQ(std::system(make_ca.c_str()), 0) << make_ca;
  const absl::StatusOr<RunResult> result = RunLoad(
      ShortRunOptions({"--workload=ping", "--duration=1s", "--tls_ca=" + ca}),
      nullptr);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(result.status().message(),
              ::testing::HasSubstr("does heapd expect TLS"));
}

}  // namespace
}  // namespace heapd::heapload
