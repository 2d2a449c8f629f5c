// The client library (//client:heapd_client) against the real heapd over
// real gRPC: every RPC, the statuses errors come back with, lease renewal
// and closing on destruction. Every wait is bounded (RPC deadlines, start
// and exit timeouts, polling deadlines).
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "client/heapd_client.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/heapd_test_fixture.h"

namespace heapd::client {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

class ClientTest : public HeapdTest {
 protected:
  ClientTest() : HeapdTest(std::chrono::seconds(30)) {}

  void SetUp() override {
    // Every request publishes the figures Stats serves, so a Stats after it
    // sees its effect.
    Start({"--stats_publish_interval_ms=0"});
    if (HasFatalFailure()) return;
    ClientOptions options;
    options.address = address_;
    options.client_name = "client_integration_test";
    absl::StatusOr<HeapClient> client = HeapClient::Connect(options);
    ASSERT_TRUE(client.ok()) << client.status();
    client_ = std::make_unique<HeapClient>(*client);
  }

  // The client goes first: heapd then stops with no channel open to it.
  void TearDown() override {
    client_.reset();
    HeapdTest::TearDown();
  }

  Session Open(absl::Duration ttl = absl::ZeroDuration()) {
    absl::StatusOr<Session> session = client_->OpenSession(ttl);
    EXPECT_TRUE(session.ok()) << session.status();
    if (!session.ok()) return client_->AttachSession("failed-to-open");
    return std::move(*session);
  }

  uint64_t New(const Session& session, v1::ObjectType type) {
    absl::StatusOr<v1::AllocateResponse> allocated = session.Allocate(type);
    EXPECT_TRUE(allocated.ok()) << allocated.status();
    if (!allocated.ok() || allocated->objects_size() != 1) return 0;
    return allocated->objects(0).handle();
  }

  int64_t SessionsOpen() {
    absl::StatusOr<v1::StatsResponse> stats = client_->Stats({v1::SERVER});
    EXPECT_TRUE(stats.ok()) << stats.status();
    return stats.ok() ? stats->server().sessions_open() : -1;
  }

  std::unique_ptr<HeapClient> client_;
};

TEST_F(ClientTest, PingEchoesAndNamesTheVersion) {
  absl::StatusOr<v1::PingResponse> pong = client_->Ping("", "hello");
  ASSERT_TRUE(pong.ok()) << pong.status();
  EXPECT_EQ(pong->payload(), "hello");
  EXPECT_FALSE(pong->version().empty());
  EXPECT_GT(pong->server_time_unix_ns(), 0);
  EXPECT_TRUE(client_->WaitForConnected(absl::Seconds(10)).ok());
}

TEST_F(ClientTest, StatsSectionsAndFreshness) {
  absl::StatusOr<v1::StatsResponse> all = client_->Stats();
  ASSERT_TRUE(all.ok()) << all.status();
  EXPECT_EQ(all->allocator().size_classes_size(), 32);
  EXPECT_EQ(all->collector().generations_size(), 3);
  EXPECT_FALSE(all->lock().policy().empty());

  absl::StatusOr<v1::StatsResponse> allocator =
      client_->Stats({v1::ALLOCATOR}, /*fresh=*/true);
  ASSERT_TRUE(allocator.ok()) << allocator.status();
  EXPECT_EQ(allocator->allocator().size_classes_size(), 32);
  EXPECT_EQ(allocator->collector().generations_size(), 0);
}

TEST_F(ClientTest, SessionObjectCallsEndToEnd) {
  Session session = Open();
  EXPECT_EQ(session.id().size(), 32u);
  EXPECT_EQ(session.ttl(), absl::Seconds(30));
  EXPECT_TRUE(session.owned());

  absl::StatusOr<v1::AllocateResponse> three =
      session.Allocate(v1::STR, /*length=*/10, /*count=*/3);
  ASSERT_TRUE(three.ok()) << three.status();
  ASSERT_EQ(three->objects_size(), 3);
  const uint64_t str = three->objects(0).handle();

  const uint64_t object = New(session, v1::OBJECT);
  const uint64_t list = New(session, v1::LIST);

  absl::StatusOr<v1::IncRefResponse> inc = session.IncRef(str);
  ASSERT_TRUE(inc.ok()) << inc.status();
  EXPECT_EQ(inc->refcount(), 2);
  EXPECT_EQ(inc->session_references(), 2);
  absl::StatusOr<v1::DecRefResponse> dec = session.DecRef(str);
  ASSERT_TRUE(dec.ok()) << dec.status();
  EXPECT_EQ(dec->refcount(), 1);

  absl::StatusOr<v1::LinkResponse> link = session.Link(object, str, "name");
  ASSERT_TRUE(link.ok()) << link.status();
  EXPECT_EQ(link->target_refcount(), 2);
  ASSERT_TRUE(session.Append(list, object).ok());
  ASSERT_TRUE(session.Append(list, str).ok());

  absl::StatusOr<v1::ObjectInfo> info = session.Inspect(object);
  ASSERT_TRUE(info.ok()) << info.status();
  EXPECT_EQ(info->type(), v1::OBJECT);
  ASSERT_EQ(info->fields_size(), 1);
  EXPECT_EQ(info->fields(0).name(), "name");
  EXPECT_EQ(info->fields(0).target(), str);
  EXPECT_THAT(info->referrers(), ElementsAre(list));
  absl::StatusOr<v1::ObjectInfo> list_info = session.Inspect(list);
  ASSERT_TRUE(list_info.ok());
  EXPECT_THAT(list_info->items(), ElementsAre(object, str));

  absl::StatusOr<v1::UnlinkResponse> removed = session.Remove(list, str);
  ASSERT_TRUE(removed.ok()) << removed.status();
  EXPECT_EQ(removed->released(), str);
  absl::StatusOr<v1::UnlinkResponse> cleared = session.Unlink(object, "name");
  ASSERT_TRUE(cleared.ok()) << cleared.status();
  EXPECT_EQ(cleared->released_refcount(), 1);

  absl::StatusOr<v1::CloseSessionResponse> closed = session.Close();
  ASSERT_TRUE(closed.ok()) << closed.status();
  EXPECT_EQ(closed->references_released(), 5);
  EXPECT_FALSE(session.owned());
}

TEST_F(ClientTest, ItemsByIndexAndReferents) {
  Session session = Open();
  const uint64_t holder = New(session, v1::OBJECT);
  const uint64_t list = New(session, v1::LIST);
  const uint64_t str = New(session, v1::STR);
  ASSERT_TRUE(session.Link(holder, list, "items").ok());
  ASSERT_TRUE(session.Append(list, holder).ok());

  absl::StatusOr<v1::LinkResponse> set = session.SetItem(list, -1, str);
  ASSERT_TRUE(set.ok()) << set.status();
  EXPECT_EQ(set->replaced(), holder);
  absl::StatusOr<v1::GetReferentResponse> field =
      session.GetField(holder, "items");
  ASSERT_TRUE(field.ok()) << field.status();
  EXPECT_EQ(field->handle(), list);
  EXPECT_EQ(field->type(), v1::LIST);
  EXPECT_EQ(field->session_references(), 2);
  absl::StatusOr<v1::GetReferentResponse> item = session.GetItem(list, 0);
  ASSERT_TRUE(item.ok()) << item.status();
  EXPECT_EQ(item->handle(), str);
  absl::StatusOr<v1::UnlinkResponse> deleted = session.DeleteItem(list, 0);
  ASSERT_TRUE(deleted.ok()) << deleted.status();
  EXPECT_EQ(deleted->released(), str);
  EXPECT_EQ(session.GetItem(list, 0).status().code(),
            absl::StatusCode::kOutOfRange);
  EXPECT_EQ(session.SetItem(holder, 0, str).status().code(),
            absl::StatusCode::kFailedPrecondition);

  // The same in one Batch, a later operation naming the referent.
  BatchBuilder batch;
  const size_t get = batch.GetField(holder, "items");
  batch.Append(ObjectRef::Result(get, 0), str);
  batch.SetItem(ObjectRef::Result(get, 0), 0, holder);
  batch.DeleteItem(list, -1);
  absl::StatusOr<v1::BatchResponse> response = session.Execute(batch);
  ASSERT_TRUE(response.ok()) << response.status();
  ASSERT_EQ(response->succeeded(), 4) << response->DebugString();
  EXPECT_EQ(response->results(get).get_referent().session_references(), 3);
  EXPECT_EQ(response->results(2).link().replaced(), str);
}

TEST_F(ClientTest, WeakRefToAnExistingObject) {
  Session session = Open();
  const uint64_t object = New(session, v1::OBJECT);
  absl::StatusOr<v1::CreateWeakRefResponse> made =
      session.CreateWeakRef(object, /*callback=*/true);
  ASSERT_TRUE(made.ok()) << made.status();
  absl::StatusOr<v1::ReadWeakRefResponse> alive =
      session.ReadWeakRef(made->weakref_id());
  ASSERT_TRUE(alive.ok()) << alive.status();
  EXPECT_EQ(alive->handle(), object);
  EXPECT_EQ(alive->session_references(), 2);
  ASSERT_TRUE(session.DecRef(object).ok());
  ASSERT_TRUE(session.DecRef(object).ok());
  absl::StatusOr<v1::ReadWeakRefResponse> dead =
      session.ReadWeakRef(made->weakref_id());
  ASSERT_TRUE(dead.ok()) << dead.status();
  EXPECT_EQ(dead->handle(), 0u);

  BatchBuilder batch;
  const Allocation list = batch.Allocate(v1::LIST);
  const size_t weak = batch.CreateWeakRef(list);
  absl::StatusOr<v1::BatchResponse> response = session.Execute(batch);
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_NE(response->results(weak).create_weakref().weakref_id(), 0u);
}

TEST_F(ClientTest, TheClassicCycleNeedsTheCollector) {
  Session session = Open();
  absl::StatusOr<v1::AllocateResponse> two = session.Allocate(v1::OBJECT, 0, 2);
  ASSERT_TRUE(two.ok()) << two.status();
  const uint64_t a = two->objects(0).handle();
  const uint64_t b = two->objects(1).handle();
  ASSERT_TRUE(session.Link(a, b, "ref").ok());
  ASSERT_TRUE(session.Link(b, a, "ref").ok());
  absl::StatusOr<v1::DecRefResponse> del_a = session.DecRef(a);
  ASSERT_TRUE(del_a.ok());
  EXPECT_EQ(del_a->objects_freed(), 0);
  ASSERT_TRUE(session.DecRef(b).ok());
  absl::StatusOr<v1::CollectResponse> collected = session.Collect();
  ASSERT_TRUE(collected.ok()) << collected.status();
  EXPECT_EQ(collected->collected(), 2);
  EXPECT_EQ(collected->generation_counts_size(), 3);
  absl::StatusOr<v1::CollectResponse> young = session.Collect(0);
  ASSERT_TRUE(young.ok()) << young.status();
  EXPECT_EQ(young->collected(), 0);
}

TEST_F(ClientTest, BatchBuilderRunsTheCycleInOneCall) {
  Session session = Open();
  BatchBuilder batch;
  const Allocation a = batch.Allocate(v1::OBJECT);
  const Allocation b = batch.Allocate(v1::OBJECT);
  batch.Link(a, b, "ref");
  batch.Link(b, a, "ref");
  batch.DecRef(a);
  batch.DecRef(b);
  const size_t collect = batch.Collect();
  absl::StatusOr<v1::BatchResponse> response = session.Execute(batch);
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->succeeded(), 7);
  EXPECT_EQ(response->results(collect).collect().collected(), 2);
  absl::StatusOr<uint64_t> handle = HandleOf(*response, a);
  ASSERT_TRUE(handle.ok()) << handle.status();
  EXPECT_NE(*handle, 0u);

  // A failing operation stops the batch unless continue_on_error.
  BatchBuilder failing;
  failing.DecRef(*handle);  // already freed
  failing.Allocate(v1::INT);
  absl::StatusOr<v1::BatchResponse> stopped = session.Execute(failing);
  ASSERT_TRUE(stopped.ok()) << stopped.status();
  EXPECT_EQ(stopped->failed(), 1);
  EXPECT_EQ(stopped->skipped(), 1);
  absl::StatusOr<v1::BatchResponse> went_on =
      session.Execute(failing, /*continue_on_error=*/true);
  ASSERT_TRUE(went_on.ok());
  EXPECT_EQ(went_on->succeeded(), 1);
  EXPECT_EQ(went_on->failed(), 1);
}

TEST_F(ClientTest, AllocateWithEveryRequestField) {
  Session session = Open();
  v1::AllocateRequest request;
  request.set_type(v1::OBJECT);
  request.set_count(2);
  request.mutable_weakref()->set_create(true);
  request.mutable_finalizer()->set_action(v1::Finalizer::RECORD);
  // The session id is filled in, whatever the request says.
  request.set_session_id("ignored");
  absl::StatusOr<v1::AllocateResponse> allocated = session.Allocate(request);
  ASSERT_TRUE(allocated.ok()) << allocated.status();
  ASSERT_EQ(allocated->objects_size(), 2);
  EXPECT_NE(allocated->objects(0).weakref_id(), 0u);
  absl::StatusOr<v1::ObjectInfo> info =
      session.Inspect(allocated->objects(1).handle());
  ASSERT_TRUE(info.ok()) << info.status();
  EXPECT_EQ(info->weakref_count(), 1);
  EXPECT_TRUE(info->has_finalizer());
}

TEST_F(ClientTest, GcConfigFreezeAndUnfreeze) {
  Session session = Open();
  absl::StatusOr<v1::GcConfig> config = session.GetGcConfig();
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_THAT(config->thresholds(), ElementsAre(700, 10, 10));
  EXPECT_TRUE(config->enabled());

  v1::SetGcConfigRequest change;
  change.set_threshold0(500);
  change.set_enabled(false);
  absl::StatusOr<v1::GcConfig> after = session.SetGcConfig(change);
  ASSERT_TRUE(after.ok()) << after.status();
  EXPECT_THAT(after->thresholds(), ElementsAre(500, 10, 10));
  EXPECT_FALSE(after->enabled());

  New(session, v1::LIST);
  New(session, v1::DICT);
  absl::StatusOr<v1::FreezeResponse> frozen = session.Freeze();
  ASSERT_TRUE(frozen.ok()) << frozen.status();
  EXPECT_EQ(frozen->frozen(), 2);
  absl::StatusOr<v1::UnfreezeResponse> thawed = session.Unfreeze();
  ASSERT_TRUE(thawed.ok()) << thawed.status();
  EXPECT_EQ(thawed->unfrozen(), 2);
}

TEST_F(ClientTest, WatchStatsDeliversSnapshotsUntilTheCallbackStops) {
  int snapshots = 0;
  v1::WatchStatsRequest request;
  request.set_interval_ms(50);
  const absl::Status status =
      client_->WatchStats(request, [&](const v1::StatsResponse& stats) {
        EXPECT_GT(stats.sequence(), 0u);
        return ++snapshots < 3;
      });
  EXPECT_TRUE(status.ok()) << status;
  EXPECT_EQ(snapshots, 3);
  request.set_interval_ms(10);
  const absl::Status refused = client_->WatchStats(
      request, [](const v1::StatsResponse&) { return true; });
  EXPECT_EQ(refused.code(), absl::StatusCode::kInvalidArgument) << refused;
}

// --- errors keep the server's code and message
// --------------------------------

TEST_F(ClientTest, UnknownSessionIsNotFound) {
  const Session ghost = client_->AttachSession("no-such-session");
  absl::StatusOr<v1::AllocateResponse> allocated = ghost.Allocate(v1::INT);
  EXPECT_EQ(allocated.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(allocated.status().message()),
              HasSubstr("no-such-session"));
  EXPECT_EQ(client_->Ping("no-such-session").status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(ghost.Collect().status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(ghost.GetGcConfig().status().code(), absl::StatusCode::kNotFound);
}

TEST_F(ClientTest, HeapStateErrorsAreFailedPreconditionOrNotFound) {
  Session mine = Open();
  Session theirs = Open();
  const uint64_t object = New(theirs, v1::OBJECT);
  const uint64_t number = New(mine, v1::INT);

  // Dropping a reference this session does not hold.
  EXPECT_EQ(mine.DecRef(object).status().code(),
            absl::StatusCode::kFailedPrecondition);
  // Linking from an atomic object.
  EXPECT_EQ(mine.Link(number, object, "x").status().code(),
            absl::StatusCode::kFailedPrecondition);
  // Removing an item that is not there.
  const uint64_t list = New(mine, v1::LIST);
  EXPECT_EQ(mine.Remove(list, number).status().code(),
            absl::StatusCode::kFailedPrecondition);
  // A made-up handle.
  EXPECT_EQ(mine.Inspect(123456789).status().code(),
            absl::StatusCode::kNotFound);
  // Malformed requests.
  EXPECT_EQ(mine.Allocate(v1::OBJECT_TYPE_UNSPECIFIED).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(mine.Collect(7).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(client_->OpenSession(absl::Hours(1)).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(client_->OpenSession(-absl::Seconds(1)).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(ClientConnectTest, BadOptionsAndUnreachableServers) {
  ClientOptions options;
  options.address = "50051";  // a port without its host
  EXPECT_EQ(HeapClient::Connect(options).status().code(),
            absl::StatusCode::kInvalidArgument);
  // No address: $HEAPD_SERVER, else heapd's default.
  options.address = "";
  absl::StatusOr<HeapClient> defaulted = HeapClient::Connect(options);
  ASSERT_TRUE(defaulted.ok()) << defaulted.status();
  EXPECT_EQ(defaulted->options().address, DefaultServerAddress());
  options.address = "127.0.0.1:1";
  options.deadline = absl::ZeroDuration();
  EXPECT_EQ(HeapClient::Connect(options).status().code(),
            absl::StatusCode::kInvalidArgument);

  // Port 1 on loopback: nothing listens there.
  options.deadline = absl::Seconds(5);
  absl::StatusOr<HeapClient> client = HeapClient::Connect(options);
  ASSERT_TRUE(client.ok()) << client.status();
  const absl::Status ping = client->Ping().status();
  EXPECT_TRUE(ping.code() == absl::StatusCode::kUnavailable ||
              ping.code() == absl::StatusCode::kDeadlineExceeded)
      << ping;
  if (ping.code() == absl::StatusCode::kUnavailable) {
    EXPECT_THAT(std::string(ping.message()),
                HasSubstr("nothing listens on 127.0.0.1:1"));
  }
  EXPECT_EQ(client->WaitForConnected(absl::Milliseconds(200)).code(),
            absl::StatusCode::kDeadlineExceeded);
}

// --- leases and ownership ----------------------------------------------------

TEST_F(ClientTest, RenewalKeepsASessionAlivePastItsTtl) {
  Session renewed = Open(absl::Milliseconds(300));
  Session released = Open(absl::Milliseconds(300));
  const std::string released_id = released.Release();
  const uint64_t kept = New(renewed, v1::FLOAT);

  // Four TTLs: the unrenewed session's lease runs out (the reaper looks
  // every 100 ms), the renewed one's never does.
  absl::SleepFor(absl::Milliseconds(1200));
  EXPECT_TRUE(renewed.lease_status().ok()) << renewed.lease_status();
  absl::StatusOr<v1::ObjectInfo> info = renewed.Inspect(kept);
  ASSERT_TRUE(info.ok()) << info.status();
  EXPECT_EQ(info->session_references(), 1);
  EXPECT_EQ(client_->Ping(released_id).status().code(),
            absl::StatusCode::kNotFound);
}

TEST_F(ClientTest, DestructionClosesTheSession) {
  {
    Session session = Open();
    New(session, v1::TUPLE);
    EXPECT_EQ(SessionsOpen(), 1);
    // A move hands ownership over: only one close happens.
    Session moved = std::move(session);
    EXPECT_FALSE(session.owned());
    EXPECT_TRUE(moved.owned());
  }
  EXPECT_EQ(SessionsOpen(), 0);
  absl::StatusOr<v1::StatsResponse> stats =
      client_->Stats({v1::SERVER, v1::OBJECTS}, /*fresh=*/true);
  ASSERT_TRUE(stats.ok()) << stats.status();
  EXPECT_EQ(stats->server().sessions_closed_total(), 1);
  EXPECT_EQ(stats->objects().objects(), 0);

  // An attached session is never closed by its destructor.
  Session owner = Open();
  { const Session attached = client_->AttachSession(owner.id()); }
  EXPECT_TRUE(client_->Ping(owner.id()).ok());
  EXPECT_EQ(SessionsOpen(), 1);
}

}  // namespace
}  // namespace heapd::client
