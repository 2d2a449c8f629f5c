#include "client/load_report.h"

#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace heapd {
namespace {

using ::testing::HasSubstr;

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

LoadResult SampleResult() {
  LoadResult r;
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
}

TEST(LoadReportTest, JsonParsesAndHoldsTheFigures) {
  google::protobuf::Struct json;
  ASSERT_TRUE(
      google::protobuf::util::JsonStringToMessage(JsonReport(SampleResult()),
                                                  &json)
          .ok());
  const auto& f = json.fields();
  const auto& workload =
      f.at("streams").struct_value().fields().at("workload").struct_value();
  EXPECT_EQ(workload.fields().at("sent").number_value(), 10);
  EXPECT_EQ(workload.fields().at("requests_per_s").number_value(), 4.5);
  EXPECT_TRUE(workload.fields().at("counts_add_up").bool_value());
  EXPECT_EQ(workload.fields()
                .at("latency_ns")
                .struct_value()
                .fields()
                .at("max")
                .number_value(),
            10000);
  const auto& lock = f.at("server")
                         .struct_value()
                         .fields()
                         .at("lock")
                         .struct_value()
                         .fields();
  EXPECT_DOUBLE_EQ(lock.at("held_share").number_value(), 0.5);
  EXPECT_EQ(lock.at("handoffs_per_s").number_value(), 3);
  EXPECT_EQ(lock.at("wait_mean_ns").number_value(), 500);
  EXPECT_NEAR(f.at("per_connection")
                  .struct_value()
                  .fields()
                  .at("jain_index")
                  .number_value(),
              JainsFairnessIndex({2.0, 2.5}), 1e-9);
}

TEST(LoadReportTest, JsonEscapesStrings) {
  LoadResult r = SampleResult();
  r.options.label = "a \"quoted\" \\ label\nwith a newline";
  google::protobuf::Struct json;
  ASSERT_TRUE(
      google::protobuf::util::JsonStringToMessage(JsonReport(r), &json).ok());
  EXPECT_EQ(json.fields().at("label").string_value(), r.options.label);
}

TEST(LoadReportTest, MissingStatsAreSaidSo) {
  LoadResult r = SampleResult();
  r.stats_after.reset();
  r.stats_error = "Stats: UNAVAILABLE";
  EXPECT_THAT(TextReport(r), HasSubstr("server stats unavailable"));
}

}  // namespace
}  // namespace heapd
