// WatchStats against a real heapd: the interval, collection events between
// messages, the checks on its request, and shutdown ending the stream.
#include <grpcpp/grpcpp.h>
#include <signal.h>

#include <chrono>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "proto/heap.grpc.pb.h"
#include "tests/heapd_test_fixture.h"

namespace heapd {
namespace {

constexpr std::chrono::seconds kRpcTimeout(30);

class StatsStreamTest : public HeapdTest {
 protected:
  StatsStreamTest() : HeapdTest(kRpcTimeout) {}
  void SetUp() override { Start({}); }

  std::unique_ptr<grpc::ClientReader<v1::StatsResponse>> Watch(
      grpc::ClientContext* context, int64_t interval_ms) {
    context->set_deadline(std::chrono::system_clock::now() + kRpcTimeout);
    v1::WatchStatsRequest request;
    request.set_interval_ms(interval_ms);
    return heap_->WatchStats(context, request);
  }
};

TEST_F(StatsStreamTest, MessagesComeAtTheInterval) {
  grpc::ClientContext context;
  auto reader = Watch(&context, 100);
  v1::StatsResponse message;
  const absl::Time start = absl::Now();
  for (int i = 0; i < 4; ++i) {
    ASSERT_TRUE(reader->Read(&message)) << "message " << i;
    EXPECT_TRUE(message.has_allocator());
    EXPECT_TRUE(message.has_lock());
    EXPECT_EQ(message.server().watch_streams_open(), 1);
  }
  // The first at once, three more at 100 ms: at least 300 ms in all.
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(290));
  context.TryCancel();
  while (reader->Read(&message)) {
  }
  EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::CANCELLED);
}

TEST_F(StatsStreamTest, SectionsAreHonoured) {
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + kRpcTimeout);
  v1::WatchStatsRequest request;
  request.add_sections(v1::COLLECTOR);
  auto reader = heap_->WatchStats(&context, request);
  v1::StatsResponse message;
  ASSERT_TRUE(reader->Read(&message));
  EXPECT_TRUE(message.has_collector());
  EXPECT_FALSE(message.has_allocator());
  EXPECT_FALSE(message.has_server());
  context.TryCancel();
  while (reader->Read(&message)) {
  }
  reader->Finish();
}

// With an interval of a minute, a collection still reaches the watcher in
// the next message, well before the interval is up, with its event.
TEST_F(StatsStreamTest, CollectionsArriveAsTheyHappen) {
  grpc::ClientContext context;
  auto reader = Watch(&context, 60000);
  v1::StatsResponse first;
  ASSERT_TRUE(reader->Read(&first));
  EXPECT_EQ(first.events_size(), 0);

  const std::string session = OpenSession();
  v1::CollectRequest collect;
  collect.set_session_id(session);
  collect.set_generation(1);
  v1::CollectResponse collected;
  const absl::Time start = absl::Now();
  ASSERT_TRUE(Call(&v1::Heap::Stub::Collect, collect, &collected).ok());

  v1::StatsResponse message;
  ASSERT_TRUE(reader->Read(&message));
  EXPECT_LT(absl::Now() - start, absl::Seconds(30));
  ASSERT_EQ(message.events_size(), 1);
  EXPECT_EQ(message.events(0).generation(), 1);
  EXPECT_FALSE(message.events(0).automatic());
  EXPECT_EQ(message.events_missed(), 0);
  context.TryCancel();
  while (reader->Read(&message)) {
  }
  reader->Finish();
}

TEST_F(StatsStreamTest, TooShortAnIntervalIsInvalid) {
  for (int64_t interval : {1, 49, -5}) {
    grpc::ClientContext context;
    auto reader = Watch(&context, interval);
    v1::StatsResponse message;
    EXPECT_FALSE(reader->Read(&message));
    const grpc::Status status = reader->Finish();
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT)
        << interval;
    EXPECT_NE(status.error_message().find("at least 50"), std::string::npos)
        << status.error_message();
  }
}

// SIGTERM ends open streams with UNAVAILABLE at once, so they do not hold
// the drain to its deadline; the server still exits 0 (TearDown checks).
TEST_F(StatsStreamTest, ShutdownEndsTheStream) {
  grpc::ClientContext context;
  auto reader = Watch(&context, 60000);
  v1::StatsResponse message;
  ASSERT_TRUE(reader->Read(&message));
  const absl::Time start = absl::Now();
  heapd_->Signal(SIGTERM);
  while (reader->Read(&message)) {
  }
  const grpc::Status status = reader->Finish();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE)
      << status.error_message();
  // Well inside the 5 s drain deadline.
  EXPECT_LT(absl::Now() - start, absl::Seconds(4));
}

}  // namespace
}  // namespace heapd
