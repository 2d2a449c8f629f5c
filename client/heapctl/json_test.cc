#include "client/heapctl/json.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace heapd::heapctl {
namespace {

using ::testing::HasSubstr;

TEST(JsonTest, ProtoFieldNamesAndDefaultsRoundTrip) {
  v1::StatsResponse stats;
  stats.mutable_allocator()->set_arenas_current(3);
  stats.mutable_server()->set_sessions_open(0);
  const std::string json = ToJson(stats);
  EXPECT_THAT(json, HasSubstr("\"arenas_current\": \"3\""));
  // Defaults are printed, so scripts always find the key.
  EXPECT_THAT(json, HasSubstr("\"sessions_open\": \"0\""));
  absl::StatusOr<v1::StatsResponse> back = StatsFromJson(json);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->allocator().arenas_current(), 3);
  EXPECT_FALSE(StatsFromJson("{not json").ok());
}

TEST(JsonTest, RedactKeepsCountsAndZeroesTimes) {
  v1::StatsResponse stats;
  stats.set_sequence(9);
  stats.mutable_collector()->mutable_pause()->set_count(4);
  stats.mutable_collector()->mutable_pause()->set_p99_ns(1000);
  v1::GenerationStats* generation =
      stats.mutable_collector()->add_generations();
  generation->set_collections(2);
  generation->mutable_pause()->set_count(2);
  generation->mutable_pause()->set_sum_ns(700);
  stats.mutable_lock()->set_policy("fifo");
  stats.mutable_lock()->set_acquisitions(10);
  stats.mutable_lock()->set_contended(3);
  stats.mutable_lock()->add_by_kind()->set_kind("Batch");
  stats.mutable_server()->set_version("0.1.0");
  stats.mutable_server()->set_rpcs_total(5);
  stats.add_slowlog()->set_id(1);
  RedactStats(&stats);
  EXPECT_EQ(stats.sequence(), 0u);
  EXPECT_EQ(stats.collector().pause().count(), 4);
  EXPECT_EQ(stats.collector().pause().p99_ns(), 0);
  EXPECT_EQ(stats.collector().generations(0).collections(), 2);
  EXPECT_EQ(stats.collector().generations(0).pause().count(), 2);
  EXPECT_EQ(stats.collector().generations(0).pause().sum_ns(), 0);
  EXPECT_EQ(stats.lock().policy(), "fifo");
  EXPECT_EQ(stats.lock().acquisitions(), 10);
  EXPECT_EQ(stats.lock().contended(), 0);
  EXPECT_EQ(stats.lock().by_kind(0).kind(), "Batch");
  EXPECT_EQ(stats.server().version(), "*");
  EXPECT_EQ(stats.server().rpcs_total(), 5);
  EXPECT_EQ(stats.slowlog_size(), 0);

  // Sections not in the response stay out.
  v1::StatsResponse empty;
  RedactStats(&empty);
  EXPECT_FALSE(empty.has_collector());
  EXPECT_FALSE(empty.has_lock());
}

}  // namespace
}  // namespace heapd::heapctl
