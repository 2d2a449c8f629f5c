#include "client/heapload/report.h"

#include <map>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "client/heapload/json_paths.h"
#include "client/heapload/report_figures.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace heapd::heapload {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST(JainsFairnessIndexTest, EqualSharesAreFair) {
  EXPECT_DOUBLE_EQ(JainsFairnessIndex({5, 5, 5, 5}), 1.0);
}

TEST(JainsFairnessIndexTest, OneTakingAllIsOneOverN) {
  EXPECT_DOUBLE_EQ(JainsFairnessIndex({10, 0, 0, 0}), 0.25);
}

TEST(JainsFairnessIndexTest, KnownValue) {
  // (1+2+3)^2 / (3 * (1+4+9)) = 36 / 42.
  EXPECT_NEAR(JainsFairnessIndex({1, 2, 3}), 36.0 / 42.0, 1e-12);
}

TEST(JainsFairnessIndexTest, NothingIsFair) {
  EXPECT_DOUBLE_EQ(JainsFairnessIndex({}), 1.0);
  EXPECT_DOUBLE_EQ(JainsFairnessIndex({0, 0}), 1.0);
}

RunResult SampleResult() {
  RunResult r;
  r.options.workload = WorkloadKind::kAllocFree;
  r.options.connections = 2;
  r.options.concurrency = 2;
  r.measured = absl::Seconds(2);
  StreamResult s;
  s.name = "workload";
  s.sent = 10;
  s.succeeded = 9;
  s.failed = 1;
  s.operations = 9;
  s.errors["UNAVAILABLE"] = 1;
  for (int i = 1; i <= 10; ++i) s.latency.Record(i * 1000);
  r.streams.push_back(s);
  r.per_connection_succeeded = {4, 5};
  v1::StatsResponse before, after;
  before.set_timestamp_unix_ns(1'000'000'000);
  after.set_timestamp_unix_ns(3'000'000'000);
  before.mutable_lock()->set_held_ns_total(100);
  after.mutable_lock()->set_held_ns_total(1'000'000'100);
  after.mutable_lock()->set_policy("fifo");
  after.mutable_lock()->set_acquisitions(10);
  after.mutable_lock()->set_contended(4);
  after.mutable_lock()->set_handoffs(6);
  after.mutable_lock()->mutable_wait()->set_count(10);
  after.mutable_lock()->mutable_wait()->set_sum_ns(5000);
  v1::LockKindStats* kind = after.mutable_lock()->add_by_kind();
  kind->set_kind("Allocate");
  kind->set_acquisitions(5);
  v1::MethodStats* method = after.mutable_server()->add_methods();
  method->set_method("Allocate");
  method->set_calls(5);
  r.stats_before = before;
  r.stats_after = after;
  return r;
}

TEST(LoadReportTest, TextShowsTheFigures) {
  const std::string text = TextReport(SampleResult());
  EXPECT_THAT(text, HasSubstr("sent 10 = succeeded 9 + failed 1"));
  EXPECT_THAT(text, HasSubstr("4.5 req/s"));
  EXPECT_THAT(text, HasSubstr("UNAVAILABLE 1"));
  EXPECT_THAT(text, HasSubstr("policy fifo"));
  EXPECT_THAT(text, HasSubstr("held          50.0%"));
  EXPECT_THAT(text, HasSubstr("Allocate"));
  EXPECT_THAT(text, HasSubstr("Jain's fairness index"));
  // The run's figures and those since the server started never share a
  // line.
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    EXPECT_FALSE(absl::StrContains(line, "this run") &&
                 absl::StrContains(line, "since"))
        << line;
  }
  EXPECT_THAT(text, HasSubstr("  wait          mean 500 ns (this run)\n"));
  EXPECT_THAT(text, HasSubstr("  since server start: wait p50 "));
}

double Number(const std::map<std::string, std::string>& json,
              const std::string& path) {
  auto it = json.find(path);
  EXPECT_NE(it, json.end()) << path;
  return it == json.end() ? -1 : std::stod(it->second);
}

TEST(LoadReportTest, JsonParsesAndHoldsTheFigures) {
  absl::StatusOr<std::map<std::string, std::string>> json =
      FlattenJson(JsonReport(SampleResult()));
  ASSERT_TRUE(json.ok()) << json.status();
  EXPECT_EQ(Number(*json, "streams.workload.sent"), 10);
  EXPECT_EQ(Number(*json, "streams.workload.requests_per_s"), 4.5);
  EXPECT_EQ(json->at("streams.workload.counts_add_up"), "true");
  EXPECT_EQ(Number(*json, "streams.workload.latency_ns.max"), 10000);
  EXPECT_EQ(Number(*json, "streams.workload.errors.UNAVAILABLE"), 1);
  EXPECT_DOUBLE_EQ(Number(*json, "server.lock.held_share"), 0.5);
  EXPECT_EQ(Number(*json, "server.lock.handoffs_per_s"), 3);
  EXPECT_EQ(Number(*json, "server.lock.wait_mean_ns"), 500);
  EXPECT_EQ(json->at("server.lock.policy"), "fifo");
  EXPECT_EQ(Number(*json, "server.lock.by_kind.Allocate.acquisitions"), 5);
  EXPECT_EQ(Number(*json, "server.rpcs.by_method.Allocate"), 5);
  EXPECT_NEAR(Number(*json, "per_connection.jain_index"),
              JainsFairnessIndex({2.0, 2.5}), 1e-9);
}

RunResult ScenarioResult() {
  RunResult r = SampleResult();
  r.options.workload = WorkloadKind::kScenario;
  r.options.scenario_file = "cycle.heap";
  ScenarioSummary summary;
  summary.file = "cycle.heap";
  summary.iterations_completed = 7;
  summary.iterations_abandoned = 1;
  summary.expectations_passed = 20;
  summary.expectations_failed = 2;
  summary.first_failures = {
      "cycle.heap:9: expect collected == 2 failed: "
      "collected is 4",
      "cycle.heap:9: expect \"x\""};
  summary.first_errors = {"cycle.heap:3: Link: deadline exceeded"};
  r.scenario = summary;
  return r;
}

TEST(LoadReportTest, ScenarioSectionInText) {
  const std::string text = TextReport(ScenarioResult());
  EXPECT_THAT(text, HasSubstr("heapload: scenario cycle.heap against"));
  EXPECT_THAT(text, HasSubstr("scenario cycle.heap: iterations completed 7, "
                              "abandoned 1; expectations passed 20, "
                              "failed 2"));
  EXPECT_THAT(text, HasSubstr("  failed   cycle.heap:9: expect collected"));
  EXPECT_THAT(text, HasSubstr("  stopped  cycle.heap:3: Link: deadline"));
  EXPECT_THAT(TextReport(SampleResult()), Not(HasSubstr("iterations")));
}

TEST(LoadReportTest, ScenarioSectionInJson) {
  absl::StatusOr<std::map<std::string, std::string>> json =
      FlattenJson(JsonReport(ScenarioResult()));
  ASSERT_TRUE(json.ok()) << json.status();
  EXPECT_EQ(json->at("options.workload"), "scenario");
  EXPECT_EQ(json->at("options.scenario"), "cycle.heap");
  EXPECT_EQ(json->at("scenario.file"), "cycle.heap");
  EXPECT_EQ(Number(*json, "scenario.iterations_completed"), 7);
  EXPECT_EQ(Number(*json, "scenario.iterations_abandoned"), 1);
  EXPECT_EQ(Number(*json, "scenario.expectations_passed"), 20);
  EXPECT_EQ(Number(*json, "scenario.expectations_failed"), 2);
  EXPECT_EQ(json->at("scenario.first_failures.1"),
            "cycle.heap:9: expect \"x\"");
  EXPECT_EQ(json->at("scenario.first_errors.0"),
            "cycle.heap:3: Link: deadline exceeded");
  EXPECT_EQ(json->count("scenario.first_errors.1"), 0u);
  // Other workloads have no scenario section.
  absl::StatusOr<std::map<std::string, std::string>> plain =
      FlattenJson(JsonReport(SampleResult()));
  ASSERT_TRUE(plain.ok()) << plain.status();
  EXPECT_EQ(plain->count("scenario"), 0u);
  EXPECT_EQ(plain->at("options.scenario"), "");
}

TEST(LoadReportTest, JsonEscapesStrings) {
  RunResult r = SampleResult();
  r.options.label = "a \"quoted\" \\ label\nwith a newline\x01";
  absl::StatusOr<std::map<std::string, std::string>> json =
      FlattenJson(JsonReport(r));
  ASSERT_TRUE(json.ok()) << json.status();
  EXPECT_EQ(json->at("label"), r.options.label);
}

// The reader the JSON tests rely on refuses what is not JSON.
TEST(JsonPathsTest, RejectsWhatIsNotJson) {
  for (const char* bad :
       {"", "{", "{\"a\": 1,}", "{\"a\" 1}", "[1 2]", "{\"a\": tru}",
        "{\"a\": \"x}", "{} {}", "{\"a\": 1.}", "{\"a\": \"\\q\"}"}) {
    EXPECT_FALSE(FlattenJson(bad).ok()) << bad;
  }
  absl::StatusOr<std::map<std::string, std::string>> ok =
      FlattenJson(R"({"a": {"b": -1.5e3, "c": [true, null]}, "d": "x"})");
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_EQ(ok->at("a"), "{}");
  EXPECT_EQ(ok->at("a.b"), "-1.5e3");
  EXPECT_EQ(ok->at("a.c"), "[]");
  EXPECT_EQ(ok->at("a.c.0"), "true");
  EXPECT_EQ(ok->at("a.c.1"), "null");
  EXPECT_EQ(ok->at("d"), "x");
}

// heapload busy (1.8 cores of 2) while the server's lock was held 50% of
// the time is no verdict on heapd; held 10%, it is heapload's limit.
TEST(LoadReportTest, WarnsWhenHeapLoadWasTheBottleneck) {
  RunResult r = SampleResult();
  r.cores_available = 2;
  r.client_cpu_s = 3.6;  // over the 2 s measured
  r.stats_after->mutable_lock()->set_held_ns_total(200'000'100);  // 10%
  const std::string text = TextReport(r);
  EXPECT_THAT(text, HasSubstr("heapload itself: 1.80 CPU cores of 2"));
  EXPECT_THAT(text, HasSubstr("** heapload was likely the bottleneck, not "
                              "heapd: it used 1.80 CPU cores (2 available) "
                              "while the server's lock was held only 10%"));
  absl::StatusOr<std::map<std::string, std::string>> json =
      FlattenJson(JsonReport(r));
  ASSERT_TRUE(json.ok()) << json.status();
  EXPECT_EQ(json->at("client.bottleneck"), "true");
  EXPECT_DOUBLE_EQ(Number(*json, "client.cores_used"), 1.8);
  EXPECT_THAT(json->at("client.warning"), HasSubstr("bottleneck"));

  // The same load against a busy lock: the server is the limit.
  RunResult busy = SampleResult();
  busy.cores_available = 2;
  busy.client_cpu_s = 3.6;
  EXPECT_THAT(TextReport(busy), Not(HasSubstr("bottleneck")));
  // A lightly loaded heapload beside a free lock: nothing to warn of.
  r.client_cpu_s = 0.4;
  EXPECT_THAT(TextReport(r), Not(HasSubstr("bottleneck")));
}

TEST(LoadReportTest, ServerConfigurationAndTimeSeriesInJsonAndCsv) {
  RunResult r = SampleResult();
  r.started_unix_ns = 1'700'000'000'123'456'789;
  v1::StatsResponse config;
  config.mutable_server()->set_version("9.8.7");
  config.mutable_lock()->set_policy("fifo");
  config.mutable_allocator()->mutable_layout()->set_preset("cpython312");
  config.mutable_collector()->set_enabled(true);
  config.mutable_collector()->add_generations()->set_threshold(700);
  r.server_config = config;
  TimeSample first;
  first.t_s = 1;
  first.requests_per_s = 100;
  first.lock_available = false;
  TimeSample second = first;
  second.t_s = 2;
  second.lock_available = true;
  second.lock_held_share = 0.25;
  r.time_series = {first, second};
  absl::StatusOr<std::map<std::string, std::string>> json =
      FlattenJson(JsonReport(r));
  ASSERT_TRUE(json.ok()) << json.status();
  EXPECT_EQ(json->at("timestamp_unix_ns"), "1700000000123456789");
  EXPECT_EQ(json->at("timestamp"), "2023-11-14T22:13:20.123456789+00:00");
  EXPECT_EQ(json->at("server_config.version"), "9.8.7");
  EXPECT_EQ(json->at("server_config.lock_policy"), "fifo");
  EXPECT_EQ(json->at("server_config.layout"), "cpython312");
  EXPECT_EQ(json->at("server_config.gc_thresholds.0"), "700");
  EXPECT_EQ(json->at("time_series.0.t_s"), "1");
  EXPECT_EQ(json->at("time_series.0.lock_held_share"), "null");
  EXPECT_EQ(json->at("time_series.1.lock_held_share"), "0.25");
  EXPECT_THAT(TextReport(r), HasSubstr("server: heapd 9.8.7, lock fifo"));

  const std::string csv = CsvReport({r, r});
  std::vector<std::string> lines = absl::StrSplit(csv, '\n', absl::SkipEmpty());
  ASSERT_EQ(lines.size(), 5u);
  EXPECT_THAT(lines[0], ::testing::StartsWith("run,t_s,warmup,stage,"));
  std::vector<std::string> header = absl::StrSplit(lines[0], ',');
  int held = -1;
  for (size_t i = 0; i < header.size(); ++i) {
    if (header[i] == "lock_held_share") held = static_cast<int>(i);
  }
  ASSERT_GE(held, 0);
  std::vector<std::string> row1 = absl::StrSplit(lines[1], ',');
  std::vector<std::string> row4 = absl::StrSplit(lines[4], ',');
  ASSERT_EQ(row1.size(), header.size());
  EXPECT_EQ(row1[0], "1");
  EXPECT_EQ(row1[held], "");
  EXPECT_EQ(row4[0], "2");
  EXPECT_EQ(row4[held], "0.25");
}

TEST(LoadReportTest, RunsHaveTheirMedian) {
  std::vector<RunResult> runs;
  for (int n : {9, 3, 6}) {
    RunResult r = SampleResult();
    r.streams[0].succeeded = n;
    runs.push_back(r);
  }
  absl::StatusOr<std::map<std::string, std::string>> json =
      FlattenJson(JsonRunsReport(runs));
  ASSERT_TRUE(json.ok()) << json.status();
  EXPECT_EQ(json->at("runs_count"), "3");
  EXPECT_EQ(json->at("runs.2.streams.workload.succeeded"), "6");
  EXPECT_DOUBLE_EQ(Number(*json, "median.requests_per_s"), 3.0);  // 6 / 2 s
  const std::string text = TextRunsReport(runs);
  EXPECT_THAT(text, HasSubstr("=== run 1 of 3 ==="));
  EXPECT_THAT(text, HasSubstr("=== 3 runs ==="));
  EXPECT_THAT(text, ::testing::ContainsRegex("median +2 +3 "));
  EXPECT_DOUBLE_EQ(Median({4, 1, 3, 2}), 2.5);
}

TEST(LoadReportTest, MissingStatsAreSaidSo) {
  RunResult r = SampleResult();
  r.stats_after.reset();
  r.stats_error = "Stats: UNAVAILABLE";
  EXPECT_THAT(TextReport(r), HasSubstr("server stats unavailable"));
}

}  // namespace
}  // namespace heapd::heapload
