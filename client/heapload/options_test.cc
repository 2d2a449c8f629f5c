#include "client/heapload/options.h"

#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace heapd::heapload {
namespace {

using ::testing::HasSubstr;

absl::StatusOr<Options> Parse(std::vector<std::string> args) {
  return ParseOptions(args);
}

void ExpectError(std::vector<std::string> args, const std::string& part) {
  absl::StatusOr<Options> options = Parse(args);
  ASSERT_FALSE(options.ok()) << "accepted " << ::testing::PrintToString(args);
  EXPECT_EQ(options.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(options.status().message(), HasSubstr(part));
}

TEST(OptionsTest, Defaults) {
  absl::StatusOr<Options> o = Parse({});
  ASSERT_TRUE(o.ok()) << o.status();
  EXPECT_EQ(o->server, "127.0.0.1:50051");
  EXPECT_EQ(o->connections, 1);
  EXPECT_EQ(o->concurrency, 1);
  EXPECT_EQ(o->duration, absl::Seconds(10));
  EXPECT_EQ(o->workload, WorkloadKind::kPing);
  EXPECT_EQ(o->rate, 0);
  EXPECT_FALSE(o->json);
  EXPECT_TRUE(o->progress);
}

TEST(OptionsTest, ReadsEveryForm) {
  absl::StatusOr<Options> o =
      Parse({"--server=10.0.0.1:1", "--connections", "64", "--concurrency=128",
             "--duration=2s", "--warmup", "500ms", "--rate=1000", "--batch=16",
             "--workload=alloc-free", "--stats-pollers=8", "--stats_rate=10",
             "--json", "--progress=false", "--convoy_batch=1000", "--label=x",
             "--timeout=3", "--deadline=1m"});
  ASSERT_TRUE(o.ok()) << o.status();
  EXPECT_EQ(o->server, "10.0.0.1:1");
  EXPECT_EQ(o->connections, 64);
  EXPECT_EQ(o->concurrency, 128);
  EXPECT_EQ(o->duration, absl::Seconds(2));
  EXPECT_EQ(o->warmup, absl::Milliseconds(500));
  EXPECT_EQ(o->rate, 1000);
  EXPECT_EQ(o->batch, 16);
  EXPECT_EQ(o->workload, WorkloadKind::kAllocFree);
  EXPECT_EQ(o->stats_pollers, 8);
  EXPECT_EQ(o->stats_rate, 10);
  EXPECT_TRUE(o->json);
  EXPECT_FALSE(o->progress);
  EXPECT_EQ(o->convoy_batch, 1000);
  EXPECT_EQ(o->label, "x");
  EXPECT_EQ(o->timeout, absl::Seconds(3));
  EXPECT_EQ(EffectiveDeadline(*o), absl::Minutes(1));
}

TEST(OptionsTest, ConcurrencyDefaultsToConnections) {
  absl::StatusOr<Options> o = Parse({"--connections=8"});
  ASSERT_TRUE(o.ok()) << o.status();
  EXPECT_EQ(o->concurrency, 8);
}

TEST(OptionsTest, MixImpliesMixedAndKeepsWeights) {
  absl::StatusOr<Options> o =
      Parse({"--mix=alloc-free:5,cycles:1,link-churn:2"});
  ASSERT_TRUE(o.ok()) << o.status();
  EXPECT_EQ(o->workload, WorkloadKind::kMixed);
  ASSERT_EQ(o->mix.size(), 3u);
  EXPECT_EQ(o->mix[0].kind, WorkloadKind::kAllocFree);
  EXPECT_EQ(o->mix[0].weight, 5);
  EXPECT_EQ(o->mix[2].kind, WorkloadKind::kLinkChurn);
  EXPECT_EQ(o->mix[2].weight, 2);
}

TEST(OptionsTest, RequestsAloneRunUntilDone) {
  absl::StatusOr<Options> o = Parse({"--requests=100"});
  ASSERT_TRUE(o.ok()) << o.status();
  EXPECT_EQ(o->requests, 100);
  EXPECT_EQ(o->duration, absl::InfiniteDuration());
  EXPECT_EQ(EffectiveDeadline(*o), absl::Minutes(10));
}

TEST(OptionsTest, StatsPollAloneGetsOnePoller) {
  absl::StatusOr<Options> o = Parse({"--workload=stats-poll"});
  ASSERT_TRUE(o.ok()) << o.status();
  EXPECT_EQ(o->stats_pollers, 1);
}

TEST(OptionsTest, RejectsBadInput) {
  ExpectError({"--connections=0"}, "--connections=0");
  ExpectError({"--connections=many"}, "not an integer");
  ExpectError({"--duration=soon"}, "not a duration");
  ExpectError({"--rate=-5"}, ">= 0");
  ExpectError({"--rate=fast"}, "not a number");
  ExpectError({"--workload=bogus"}, "--workload=bogus");
  ExpectError({"--frobnicate=1"}, "unknown flag --frobnicate");
  ExpectError({"--connections"}, "needs a value");
  ExpectError({"positional"}, "unexpected argument");
  ExpectError({"--json=maybe"}, "not a boolean");
  ExpectError({"--connections=8", "--concurrency=4"}, "below --connections");
  ExpectError({"--workload=cycles", "--mix=alloc-free:1"},
              "--mix goes with --workload=mixed");
  ExpectError({"--mix=alloc-free:0"}, "sum to 0");
  ExpectError({"--mix=stats-poll:1"}, "is not ping");
  ExpectError({"--mix=alloc-free:x"}, "weight 'x'");
  ExpectError({"--duration=0"}, "nothing would stop the run");
  ExpectError({"--stats_pollers=2", "--stats_rate=0"}, "--stats_rate");
  ExpectError({"--workload=stats-poll", "--stats_pollers=0"},
              "--stats_pollers >= 1");
  ExpectError({"--timeout=0"}, "--timeout");
}

// A file in the test's temporary directory.
std::string WriteFile(const std::string& name, const std::string& text) {
  const char* dir = std::getenv("TEST_TMPDIR");
  const std::string path =
      std::string(dir != nullptr ? dir : "/tmp") + "/" + name;
  std::ofstream(path) << text;
  return path;
}

TEST(OptionsTest, ScenarioIsReadAndParsedAndIsTheWorkload) {
  const std::string path =
      WriteFile("ok.heap", "a = object\nb = object\na.ref = b\n");
  absl::StatusOr<Options> o =
      Parse({"--scenario=" + path, "--connections=2", "--requests=10"});
  ASSERT_TRUE(o.ok()) << o.status();
  EXPECT_EQ(o->workload, WorkloadKind::kScenario);
  EXPECT_EQ(o->scenario_file, path);
  ASSERT_NE(o->scenario, nullptr);
  EXPECT_EQ(o->scenario->statements.size(), 3u);
  EXPECT_EQ(o->scenario->filename, path);
}

TEST(OptionsTest, ScenarioRefusals) {
  const std::string ok = WriteFile("fine.heap", "a = object\n");
  ExpectError({"--scenario=/nonexistent/x.heap"},
              "/nonexistent/x.heap: cannot open the file");
  // The parser's own message, FILE:LINE first.
  const std::string bad = WriteFile("bad.heap", "a = object\ndel\n");
  ExpectError({"--scenario=" + bad}, bad + ":2: ");
  ExpectError({"--scenario=" + ok, "--workload=cycles"},
              "leave out --workload=cycles");
  ExpectError({"--scenario=" + ok, "--batch=10"}, "--batch does not apply");
  ExpectError({"--scenario=" + ok, "--mix=alloc-free:1"}, "--mix");
  ExpectError({"--workload=scenario"}, "--workload=scenario");
  ExpectError({"--mix=scenario:1"}, "is not ping");
  // Runnable once, but a pass that can fail before its first RPC would spin.
  const std::string spins = WriteFile("spins.heap", "del a\nb = object\n");
  ExpectError({"--scenario=" + spins}, spins + ":1: heapload starts each pass");
  const std::string idle = WriteFile("idle.heap", "x = 1\nprint \"hi\"\n");
  ExpectError({"--scenario=" + idle}, "sends no RPC");
}

TEST(OptionsTest, ServerIsHostAndPort) {
  ExpectError({"--server=41861"},
              "--server='41861': HOST:PORT expected, e.g. 127.0.0.1:41861");
  ExpectError({"--server=127.0.0.1:0"}, "port 0");
  ExpectError({"--server=localhost"}, "HOST:PORT expected");
  ExpectError({"--server=:50051"}, "HOST:PORT expected");
  ExpectError({"--server=host:port"}, "HOST:PORT expected");
  for (const char* ok : {"localhost:1", "[::1]:50051", "unix:/tmp/heapd.sock",
                         "dns:///heapd.example:443"}) {
    absl::StatusOr<Options> o = Parse({std::string("--server=") + ok});
    ASSERT_TRUE(o.ok()) << ok << ": " << o.status();
    EXPECT_EQ(o->server, ok);
  }
}

TEST(OptionsTest, FormatsAndTheirFiles) {
  absl::StatusOr<Options> o =
      Parse({"--format=text,json,csv,hgrm", "--output=out/run"});
  ASSERT_TRUE(o.ok()) << o.status();
  EXPECT_EQ(OutputPath(*o, "text"), "out/run.txt");
  EXPECT_EQ(OutputPath(*o, "json"), "out/run.json");
  EXPECT_EQ(OutputPath(*o, "csv"), "out/run.csv");
  EXPECT_EQ(OutputPath(*o, "hgrm"), "out/run.hgrm");
  o = Parse({"--format=json", "--output=run.json"});
  ASSERT_TRUE(o.ok()) << o.status();
  EXPECT_EQ(OutputPath(*o, "json"), "run.json");
  o = Parse({"--json"});
  ASSERT_TRUE(o.ok()) << o.status();
  EXPECT_EQ(o->formats, std::vector<std::string>{"json"});
  EXPECT_EQ(OutputPath(*o, "json"), "");
  ExpectError({"--format=text,json"},
              "several formats go to files: add "
              "--output=NAME");
  ExpectError({"--format=xml"}, "'xml' is not text, json, csv or hgrm");
  ExpectError({"--format=json,json", "--output=x"}, "'json' given twice");
  ExpectError({"--json", "--format=csv"}, "--json is --format=json");
}

TEST(OptionsTest, HdrFilePerRun) {
  absl::StatusOr<Options> o = Parse({"--hdr_file=out/lat.hgrm"});
  ASSERT_TRUE(o.ok()) << o.status();
  EXPECT_EQ(HdrPath(*o, 1), "out/lat.hgrm");
  o = Parse({"--hdr_file=out.d/lat.hgrm", "--runs=3"});
  ASSERT_TRUE(o.ok()) << o.status();
  EXPECT_EQ(HdrPath(*o, 2), "out.d/lat-run2.hgrm");
  o = Parse({"--hdr_file=out.d/lat", "--runs=3"});
  ASSERT_TRUE(o.ok()) << o.status();
  EXPECT_EQ(HdrPath(*o, 3), "out.d/lat-run3");
}

TEST(OptionsTest, SchedulesShapeTheirLoop) {
  absl::StatusOr<Options> o = Parse(
      {"--schedule=step:start=8,end=256,step=8,every=5s", "--connections=4"});
  ASSERT_TRUE(o.ok()) << o.status();
  EXPECT_EQ(o->concurrency, 256);
  EXPECT_EQ(o->duration, absl::Seconds(160));  // 32 steps of 5 s
  o = Parse({"--schedule=line:start=1,end=8,over=10s", "--duration=20s"});
  ASSERT_TRUE(o.ok()) << o.status();
  EXPECT_EQ(o->duration, absl::Seconds(20));
  o = Parse({"--rate_schedule=line:start=100,end=200,over=30s"});
  ASSERT_TRUE(o.ok()) << o.status();
  EXPECT_EQ(o->rate, 100);
  EXPECT_EQ(o->duration, absl::Seconds(30));
  ExpectError({"--schedule=step:start=1,end=8,step=1,every=1s", "--rate=10"},
              "use --rate_schedule");
  ExpectError({"--schedule=step:start=1,end=8,step=1,every=1s",
               "--rate_schedule=line:start=1,end=2,over=1s"},
              "give one");
  ExpectError(
      {"--schedule=step:start=1,end=8,step=1,every=1s", "--concurrency=4"},
      "leave out --concurrency");
  ExpectError({"--rate_schedule=line:start=1,end=2,over=1s", "--rate=5"},
              "--rate and --rate_schedule");
  ExpectError({"--schedule=ramp"}, "'ramp' is not step or line");
  ExpectError({"--runs=0"}, "--runs=0: must be between 1 and 1000");
}

}  // namespace
}  // namespace heapd::heapload
