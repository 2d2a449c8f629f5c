// The heapload binary against a real heapd, its output files read back: the
// JSON, CSV and .hgrm of a run, the stages of a schedule in the time series,
// --runs and their median, and the messages of a wrong or empty address.
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "client/heapload/json_paths.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/heapd_process.h"
#include "tests/heapd_test_fixture.h"
#include "tests/stand_in_servers.h"

namespace heapd::heapload {
namespace {

using ::testing::HasSubstr;
using Json = std::map<std::string, std::string>;

std::string TempPath(const std::string& name) {
  const char* dir = std::getenv("TEST_TMPDIR");
  return absl::StrCat(dir != nullptr ? dir : "/tmp", "/", name);
}

std::string ReadFile(const std::string& path) {
  std::ifstream file(path);
  std::stringstream text;
  text << file.rdbuf();
  return text.str();
}

double Number(const Json& json, const std::string& path) {
  auto it = json.find(path);
  EXPECT_NE(it, json.end()) << path;
  double v = 0;
  if (it != json.end()) {
    EXPECT_TRUE(absl::SimpleAtod(it->second, &v)) << path;
  }
  return v;
}

// The `key` of every element of array `array`.
std::vector<std::string> Column(const Json& json, const std::string& array,
                                const std::string& key) {
  std::vector<std::string> values;
  for (int i = 0;; ++i) {
    auto it = json.find(absl::StrCat(array, ".", i, ".", key));
    if (it == json.end()) return values;
    values.push_back(it->second);
  }
}

struct Exit {
  int code = -1;
  std::string out, err;
};

// Runs the heapload binary with `flags` to its end.
Exit Heapload(std::vector<std::string> flags) {
  Exit exit;
  absl::StatusOr<std::string> binary =
      HeapdProcess::RunfilePath("client/heapload/heapload");
  EXPECT_TRUE(binary.ok()) << binary.status();
  if (!binary.ok()) return exit;
  absl::StatusOr<std::unique_ptr<HeapdProcess>> process =
      HeapdProcess::StartProgram(*binary, flags);
  EXPECT_TRUE(process.ok()) << process.status();
  if (!process.ok()) return exit;
  absl::StatusOr<int> status = (*process)->WaitForExit(absl::Seconds(120));
  EXPECT_TRUE(status.ok()) << status.status();
  if (status.ok() && WIFEXITED(*status)) exit.code = WEXITSTATUS(*status);
  exit.out = (*process)->stdout_text();
  exit.err = (*process)->stderr_text();
  return exit;
}

class HeapLoadOutputTest : public HeapdTest {
 protected:
  HeapLoadOutputTest() : HeapdTest(std::chrono::seconds(10)) {}

  Exit Run(std::vector<std::string> flags) {
    flags.insert(flags.begin(), {absl::StrCat("--server=", address_),
                                 "--progress=false", "--deadline=90s"});
    return Heapload(flags);
  }

  static Json ReadJson(const std::string& path) {
    absl::StatusOr<Json> json = FlattenJson(ReadFile(path));
    EXPECT_TRUE(json.ok()) << path << ": " << json.status();
    return json.ok() ? *json : Json();
  }
};

// One run, every format: the text on stdout and in run.txt, the JSON with
// its time stamp, the server's version and configuration and a per-second
// series with the lock's use, the CSV with a row per second, and the
// latency distribution whose count is the run's.
TEST_F(HeapLoadOutputTest, EveryFormatIsWrittenAndReadsBack) {
  Start({});
  const std::string base = TempPath("every");
  const std::string hdr = TempPath("every-latency.hgrm");
  Exit exit = Run({"--workload=alloc-free", "--connections=2",
                   "--duration=2500ms", "--format=text,json,csv,hgrm",
                   "--output=" + base, "--hdr_file=" + hdr});
  ASSERT_EQ(exit.code, 0) << exit.err;
  EXPECT_THAT(exit.out, HasSubstr("workload: sent"));
  EXPECT_EQ(ReadFile(base + ".txt"), exit.out);

  const Json json = ReadJson(base + ".json");
  EXPECT_GT(Number(json, "timestamp_unix_ns"), 1.6e18);
  EXPECT_THAT(json.at("timestamp"), HasSubstr("T"));
  EXPECT_EQ(json.at("server_config.available"), "true");
  EXPECT_FALSE(json.at("server_config.version").empty());
  EXPECT_EQ(json.at("server_config.lock_policy"), "cpython");
  EXPECT_EQ(json.at("server_config.layout"), "classic");
  EXPECT_EQ(json.at("server_config.gc_thresholds.0"), "700");
  EXPECT_TRUE(json.count("client.cores_used"));
  EXPECT_TRUE(json.count("client.bottleneck"));

  const std::vector<std::string> t = Column(json, "time_series", "t_s");
  ASSERT_GE(t.size(), 2u);
  const std::vector<std::string> held =
      Column(json, "time_series", "lock_held_share");
  ASSERT_EQ(held.size(), t.size());
  for (const std::string& h : held) {
    double share = -1;
    ASSERT_TRUE(absl::SimpleAtod(h, &share)) << h;
    EXPECT_GE(share, 0);
    EXPECT_LE(share, 1.01);
  }
  const std::vector<std::string> p99 = Column(json, "time_series", "p99_ns");
  ASSERT_EQ(p99.size(), t.size());
  EXPECT_GT(std::stod(p99[0]), 0);

  // The CSV: a header naming the columns, then the JSON's rows.
  std::vector<std::string> lines =
      absl::StrSplit(ReadFile(base + ".csv"), '\n', absl::SkipEmpty());
  ASSERT_EQ(lines.size(), t.size() + 1);
  std::vector<std::string> header = absl::StrSplit(lines[0], ',');
  EXPECT_EQ(header[0], "run");
  EXPECT_EQ(header[1], "t_s");
  EXPECT_THAT(header, ::testing::Contains("lock_held_share"));
  EXPECT_THAT(header, ::testing::Contains("requests_per_s"));
  for (size_t i = 1; i < lines.size(); ++i) {
    std::vector<std::string> row = absl::StrSplit(lines[i], ',');
    EXPECT_EQ(row.size(), header.size()) << lines[i];
    EXPECT_EQ(row[0], "1");
    EXPECT_DOUBLE_EQ(std::stod(row[1]), std::stod(t[i - 1]));
  }

  // The distribution in both files: the run's calls, percentiles rising.
  const double sent = Number(json, "streams.workload.sent");
  ASSERT_GT(sent, 0);
  for (const std::string& path : {base + ".hgrm", hdr}) {
    SCOPED_TRACE(path);
    const std::string text = ReadFile(path);
    std::vector<std::string> rows = absl::StrSplit(text, '\n');
    ASSERT_GT(rows.size(), 6u);
    EXPECT_EQ(rows[0],
              "       Value     Percentile TotalCount 1/(1-Percentile)");
    EXPECT_EQ(rows[1], "");
    double last_value = -1, last_percentile = -1, last_count = -1;
    size_t i = 2;
    for (; i < rows.size() && !rows[i].empty() && rows[i][0] != '#'; ++i) {
      std::vector<std::string> f =
          absl::StrSplit(rows[i], ' ', absl::SkipEmpty());
      ASSERT_GE(f.size(), 3u) << rows[i];
      const double value = std::stod(f[0]), percentile = std::stod(f[1]),
                   count = std::stod(f[2]);
      EXPECT_GE(value, last_value) << rows[i];
      EXPECT_GE(percentile, last_percentile) << rows[i];
      EXPECT_GE(count, last_count) << rows[i];
      last_value = value;
      last_percentile = percentile;
      last_count = count;
    }
    EXPECT_DOUBLE_EQ(last_percentile, 1.0);
    EXPECT_EQ(last_count, sent);
    EXPECT_THAT(text, HasSubstr("#[Mean    = "));
    EXPECT_THAT(text, HasSubstr(absl::StrCat(
                          ", Total count    = ",
                          std::string(12 - absl::StrCat(sent).size(), ' '),
                          static_cast<int64_t>(sent), "]")));
    EXPECT_THAT(text, HasSubstr("#[Buckets =           56, SubBuckets     = "
                                "         256]"));
  }
}

// A step schedule of calls in flight: each second says its stage and target,
// and the stages come in order.
TEST_F(HeapLoadOutputTest, ConcurrencyScheduleStagesAreInTheSeries) {
  Start({});
  const std::string base = TempPath("steps");
  Exit exit = Run({"--workload=ping", "--connections=2",
                   "--schedule=step:start=1,end=4,step=1,every=1s",
                   "--format=json,text", "--output=" + base});
  ASSERT_EQ(exit.code, 0) << exit.err;
  EXPECT_THAT(exit.out, HasSubstr("stages (calls in flight"));
  EXPECT_THAT(exit.out, HasSubstr("step 4/4"));
  const Json json = ReadJson(base + ".json");
  EXPECT_EQ(json.at("options.concurrency"), "4");
  EXPECT_EQ(json.at("options.schedule"), "step:start=1,end=4,step=1,every=1s");
  const std::vector<std::string> stages = Column(json, "time_series", "stage");
  const std::vector<std::string> targets =
      Column(json, "time_series", "target_concurrency");
  ASSERT_EQ(stages.size(), targets.size());
  std::set<int> seen;
  int previous = 0;
  for (size_t i = 0; i < stages.size(); ++i) {
    const int stage = std::stoi(stages[i]);
    EXPECT_GE(stage, previous);
    previous = stage;
    seen.insert(stage);
    EXPECT_EQ(std::stoi(targets[i]), stage + 1) << "second " << i;
  }
  // A busy machine may stretch a second, never skip a stage's middle.
  EXPECT_GE(seen.size(), 3u);
  EXPECT_TRUE(seen.count(0));
  EXPECT_TRUE(seen.count(3));
}

// A rate schedule: the open loop's target rate per second follows the steps.
TEST_F(HeapLoadOutputTest, RateScheduleStagesAreInTheSeries) {
  Start({});
  const std::string base = TempPath("rates.json");
  Exit exit = Run({"--workload=ping", "--concurrency=8", "--warmup=1s",
                   "--rate_schedule=step:start=50,end=100,step=50,every=2s",
                   "--format=json", "--output=" + base});
  ASSERT_EQ(exit.code, 0) << exit.err;
  const Json json = ReadJson(base);
  const std::vector<std::string> stages = Column(json, "time_series", "stage");
  const std::vector<std::string> rates =
      Column(json, "time_series", "target_rate");
  const std::vector<std::string> warmup = Column(json, "time_series", "warmup");
  ASSERT_EQ(stages.size(), rates.size());
  ASSERT_EQ(stages.size(), warmup.size());
  ASSERT_GE(stages.size(), 4u);
  // The warm-up's second runs at the start rate, then the steps.
  EXPECT_EQ(warmup.front(), "1");
  EXPECT_EQ(warmup.back(), "0");
  EXPECT_EQ(stages.front(), "0");
  EXPECT_EQ(rates.front(), "50");
  EXPECT_EQ(stages.back(), "1");
  EXPECT_EQ(rates.back(), "100");
  EXPECT_EQ(json.at("time_series.0.stage_label"), "step 1/2");
  EXPECT_EQ(Number(json, "options.duration_s"), 4);
  // Every call of the schedule was sent or is backlog: 2 s at 50/s, 2 s at
  // 100/s.
  EXPECT_EQ(Number(json, "streams.workload.sent") +
                Number(json, "streams.workload.unsent_backlog"),
            300);
}

// --runs=3: three reports and their median, in the text and the JSON.
TEST_F(HeapLoadOutputTest, RunsAreEachReportedWithTheirMedian) {
  Start({});
  const std::string base = TempPath("runs");
  Exit exit =
      Run({"--workload=ping", "--requests=200", "--runs=3", "--format=json",
           "--output=" + base, "--hdr_file=" + TempPath("runs.hgrm")});
  ASSERT_EQ(exit.code, 0) << exit.err;
  EXPECT_THAT(exit.out, HasSubstr("=== run 3 of 3 ==="));
  EXPECT_THAT(exit.out, HasSubstr("median"));
  const Json json = ReadJson(base + ".json");
  EXPECT_EQ(json.at("runs_count"), "3");
  std::vector<double> rates;
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(json.at(absl::StrCat("runs.", i, ".streams.workload.sent")),
              "200");
    rates.push_back(Number(
        json, absl::StrCat("runs.", i, ".streams.workload.requests_per_s")));
  }
  std::sort(rates.begin(), rates.end());
  EXPECT_NEAR(Number(json, "median.requests_per_s"), rates[1], 1e-6 * rates[1]);
  for (int run = 1; run <= 3; ++run) {
    EXPECT_THAT(ReadFile(TempPath(absl::StrCat("runs-run", run, ".hgrm"))),
                HasSubstr("Total count    =          200]"));
  }
}

// A port nothing listens on: heapload says so and exits 1, without waiting
// for --timeout (left at its 10 s; the test's own limit is generous).
TEST(HeapLoadAddressTest, NothingListeningIsSaidAtOnce) {
  const std::string server = ClosedLoopbackAddress();
  Exit exit =
      Heapload({"--server=" + server, "--duration=1s", "--progress=false"});
  EXPECT_EQ(exit.code, 1);
  EXPECT_THAT(exit.err,
              HasSubstr(absl::StrCat("nothing listens on ", server,
                                     ": is heapd running? (tools/run) Pass "
                                     "--server=HOST:PORT or set "
                                     "HEAPD_SERVER")));
}

TEST(HeapLoadAddressTest, AServerThatIsNotHeapdIsNamedSo) {
  NotHeapdServer server;
  const std::string address = server.address();
  ASSERT_FALSE(address.empty());
  Exit exit =
      Heapload({"--server=" + address, "--duration=1s", "--progress=false"});
  EXPECT_EQ(exit.code, 1);
  EXPECT_THAT(exit.err, HasSubstr(absl::StrCat("the server at ", address,
                                               " is not heapd")));
}

TEST(HeapLoadAddressTest, APortAloneIsNoAddress) {
  Exit exit = Heapload({"--server=41861"});
  EXPECT_EQ(exit.code, 2);
  EXPECT_THAT(exit.err, HasSubstr("HOST:PORT expected"));
  EXPECT_THAT(exit.err, HasSubstr("127.0.0.1:41861"));
}

}  // namespace
}  // namespace heapd::heapload
