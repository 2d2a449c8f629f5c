// End-to-end tests of heapd's object service: sessions, Allocate, IncRef,
// DecRef, Link, Unlink, Collect, Inspect, the collector's config, Freeze and
// Stats' new sections, each against the real heapd binary on a free
// loopback port over real gRPC. Every wait is bounded (RPC deadlines, start
// and exit timeouts, the lease test's polling deadline).
//
// Longer than the usual 600 lines: one fixture, a test per RPC.
#include <grpcpp/grpcpp.h>
#include <signal.h>
#include <sys/wait.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "proto/heap.grpc.pb.h"
#include "proto/heap.pb.h"
#include "tests/heapd_process.h"
#include "tests/heapd_test_fixture.h"

namespace heapd {
namespace {

using ::testing::HasSubstr;

constexpr std::chrono::seconds kRpcTimeout(10);

class ServiceTest : public HeapdTest {
 protected:
  void SetUp() override { Start({}); }

  // Every request publishes Stats' figures before it answers, so a Stats
  // after it sees its effect (the default refreshes at most every 50 ms).
  ServiceTest() : HeapdTest(kRpcTimeout, {"--stats_publish_interval_ms=0"}) {}

  grpc::Status Allocate(const std::string& session, v1::ObjectType type,
                        uint32_t count, v1::AllocateResponse* response,
                        int64_t length = 0) {
    v1::AllocateRequest request;
    request.set_session_id(session);
    request.set_type(type);
    request.set_count(count);
    request.set_length(length);
    return Call(&v1::Heap::Stub::Allocate, request, response);
  }

  // One new object's handle (0 and a failure if the call failed).
  uint64_t New(const std::string& session, v1::ObjectType type) {
    v1::AllocateResponse response;
    const grpc::Status status = Allocate(session, type, 1, &response);
    EXPECT_TRUE(status.ok()) << Describe(status);
    if (!status.ok() || response.objects_size() != 1) return 0;
    return response.objects(0).handle();
  }

  grpc::Status DecRef(const std::string& session, uint64_t handle,
                      v1::DecRefResponse* response) {
    v1::DecRefRequest request;
    request.set_session_id(session);
    request.set_handle(handle);
    return Call(&v1::Heap::Stub::DecRef, request, response);
  }

  grpc::Status IncRef(const std::string& session, uint64_t handle,
                      v1::IncRefResponse* response) {
    v1::IncRefRequest request;
    request.set_session_id(session);
    request.set_handle(handle);
    return Call(&v1::Heap::Stub::IncRef, request, response);
  }

  grpc::Status SetField(const std::string& session, uint64_t source,
                        const std::string& field, uint64_t target,
                        v1::LinkResponse* response) {
    v1::LinkRequest request;
    request.set_session_id(session);
    request.set_source(source);
    request.set_target(target);
    request.set_field(field);
    return Call(&v1::Heap::Stub::Link, request, response);
  }

  grpc::Status Collect(const std::string& session,
                       v1::CollectResponse* response) {
    v1::CollectRequest request;
    request.set_session_id(session);
    return Call(&v1::Heap::Stub::Collect, request, response);
  }

  grpc::Status Inspect(const std::string& session, uint64_t handle,
                       v1::InspectResponse* response) {
    v1::InspectRequest request;
    request.set_session_id(session);
    request.set_handle(handle);
    return Call(&v1::Heap::Stub::Inspect, request, response);
  }

  v1::StatsResponse Stats() {
    v1::StatsResponse response;
    const grpc::Status status =
        Call(&v1::Heap::Stub::Stats, v1::StatsRequest(), &response);
    EXPECT_TRUE(status.ok()) << Describe(status);
    return response;
  }

  int64_t BlocksInUse(int size_class) {
    const v1::StatsResponse stats = Stats();
    if (stats.allocator().size_classes_size() <= size_class) return -1;
    return stats.allocator().size_classes(size_class).blocks_in_use();
  }
};

// --- sessions ---------------------------------------------------------------

TEST_F(ServiceTest, OpenSessionGrantsALeaseAndAnUnguessableId) {
  v1::OpenSessionRequest request;
  v1::OpenSessionResponse response;
  const int64_t before = absl::ToUnixNanos(absl::Now());
  ASSERT_TRUE(Call(&v1::Heap::Stub::OpenSession, request, &response).ok());
  EXPECT_EQ(response.session_id().size(), 32u);
  EXPECT_EQ(response.ttl_ms(), 30000);
  EXPECT_GE(response.expires_at_unix_ns(), before + int64_t{30} * 1000000000);

  request.set_ttl_ms(10 * 60 * 1000 + 1);
  const grpc::Status status =
      Call(&v1::Heap::Stub::OpenSession, request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("--max_session_ttl_ms"));

  const v1::ServerStats server = Stats().server();
  EXPECT_EQ(server.sessions_open(), 1);
  EXPECT_EQ(server.sessions_opened_total(), 1);
}

TEST_F(ServiceTest, UnknownSessionIsNotFound) {
  v1::AllocateResponse response;
  grpc::Status status = Allocate("no-such-session", v1::OBJECT, 1, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_THAT(status.error_message(), HasSubstr("no-such-session"));

  v1::CloseSessionRequest close;
  close.set_session_id("no-such-session");
  v1::CloseSessionResponse closed;
  status = Call(&v1::Heap::Stub::CloseSession, close, &closed);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
}

TEST_F(ServiceTest, CloseSessionReleasesItsReferences) {
  const std::string session = OpenSession();
  v1::AllocateResponse allocated;
  ASSERT_TRUE(Allocate(session, v1::FLOAT, 3, &allocated).ok());
  ASSERT_EQ(allocated.objects_size(), 3);

  v1::CloseSessionRequest request;
  request.set_session_id(session);
  v1::CloseSessionResponse response;
  ASSERT_TRUE(Call(&v1::Heap::Stub::CloseSession, request, &response).ok());
  EXPECT_EQ(response.references_released(), 3);
  EXPECT_EQ(response.objects_freed(), 3);
  // The session is gone.
  EXPECT_EQ(
      Call(&v1::Heap::Stub::CloseSession, request, &response).error_code(),
      grpc::StatusCode::NOT_FOUND);
  const v1::StatsResponse stats = Stats();
  EXPECT_EQ(stats.objects().objects(), 0);
  EXPECT_EQ(stats.server().sessions_closed_total(), 1);
  EXPECT_EQ(stats.server().sessions_open(), 0);
}

// An object whose finalizer resurrects into its session, in a cycle the
// collector finds only after that session closed: there is no session left
// to hold it, so the collection frees it rather than keeping it for ever.
TEST_F(ServiceTest, AResurrectionIntoAClosedSessionFreesTheObject) {
  const std::string session = OpenSession();
  const std::string collector = OpenSession();
  v1::AllocateRequest request;
  request.set_session_id(session);
  request.set_type(v1::OBJECT);
  request.mutable_finalizer()->set_action(v1::Finalizer::RESURRECT_TO_SESSION);
  v1::AllocateResponse allocated;
  ASSERT_TRUE(Call(&v1::Heap::Stub::Allocate, request, &allocated).ok());
  const uint64_t lazarus = allocated.objects(0).handle();
  const uint64_t partner = New(session, v1::OBJECT);
  v1::LinkResponse linked;
  ASSERT_TRUE(SetField(session, lazarus, "ref", partner, &linked).ok());
  ASSERT_TRUE(SetField(session, partner, "ref", lazarus, &linked).ok());
  v1::CloseSessionRequest close;
  close.set_session_id(session);
  v1::CloseSessionResponse closed;
  ASSERT_TRUE(Call(&v1::Heap::Stub::CloseSession, close, &closed).ok());
  EXPECT_EQ(closed.objects_freed(), 0) << "a cycle: refcounting cannot";

  v1::CollectResponse collected;
  ASSERT_TRUE(Collect(collector, &collected).ok());
  EXPECT_EQ(collected.collected(), 2);
  EXPECT_EQ(FreshStats().objects().objects(), 0);
  v1::InspectResponse inspected;
  EXPECT_EQ(Inspect(collector, lazarus, &inspected).error_code(),
            grpc::StatusCode::NOT_FOUND);
  ExpectHeapValid();
}

// --- Allocate ---------------------------------------------------------------

TEST_F(ServiceTest, AllocateReportsSizesAndSizeClasses) {
  const std::string session = OpenSession();
  v1::AllocateResponse response;
  ASSERT_TRUE(Allocate(session, v1::OBJECT, 0, &response).ok());
  ASSERT_EQ(response.objects_size(), 1);  // count 0 means 1
  EXPECT_EQ(response.objects(0).size(), 48);
  EXPECT_EQ(response.objects(0).block_size(), 48);
  EXPECT_EQ(response.objects(0).size_class(), 2);

  ASSERT_TRUE(Allocate(session, v1::RAW, 2, &response, 4096).ok());
  ASSERT_EQ(response.objects_size(), 2);
  EXPECT_EQ(response.objects(0).size_class(), -1);

  v1::AllocateRequest weak;
  weak.set_session_id(session);
  weak.set_type(v1::OBJECT);
  weak.mutable_weakref()->set_create(true);
  weak.mutable_finalizer()->set_action(v1::Finalizer::RECORD);
  ASSERT_TRUE(Call(&v1::Heap::Stub::Allocate, weak, &response).ok());
  EXPECT_NE(response.objects(0).weakref_id(), 0u);
  v1::InspectResponse info;
  ASSERT_TRUE(Inspect(session, response.objects(0).handle(), &info).ok());
  EXPECT_TRUE(info.object().has_finalizer());
  EXPECT_EQ(info.object().weakref_count(), 1);
}

TEST_F(ServiceTest, AllocateRejectsBadTypesAndTooManyObjects) {
  const std::string session = OpenSession();
  v1::AllocateResponse response;
  grpc::Status status =
      Allocate(session, v1::OBJECT_TYPE_UNSPECIFIED, 1, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("type"));
  status = Allocate(session, static_cast<v1::ObjectType>(42), 1, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("42"));
  status = Allocate(session, v1::BYTES, 1, &response, -1);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);

  status = Allocate(session, v1::FLOAT, 100001, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_THAT(status.error_message(), HasSubstr("--max_allocate_count"));
  EXPECT_EQ(Stats().objects().objects(), 0);
}

TEST_F(ServiceTest, MaxAllocateCountFlagSetsTheLimit) {
  Start({"--max_allocate_count=5"});
  const std::string session = OpenSession();
  v1::AllocateResponse response;
  EXPECT_TRUE(Allocate(session, v1::FLOAT, 5, &response).ok());
  EXPECT_EQ(Allocate(session, v1::FLOAT, 6, &response).error_code(),
            grpc::StatusCode::RESOURCE_EXHAUSTED);
}

// --- IncRef / DecRef
// ----------------------------------------------------------

TEST_F(ServiceTest, IncRefAndDecRefCountTheSessionsReferences) {
  const std::string session = OpenSession();
  const uint64_t h = New(session, v1::OBJECT);
  v1::IncRefResponse inc;
  ASSERT_TRUE(IncRef(session, h, &inc).ok());
  EXPECT_EQ(inc.refcount(), 2);
  EXPECT_EQ(inc.session_references(), 2);
  v1::DecRefResponse dec;
  ASSERT_TRUE(DecRef(session, h, &dec).ok());
  EXPECT_EQ(dec.refcount(), 1);
  EXPECT_EQ(dec.objects_freed(), 0);
  ASSERT_TRUE(DecRef(session, h, &dec).ok());
  EXPECT_EQ(dec.refcount(), 0);
  EXPECT_EQ(dec.objects_freed(), 1);

  // The handle is stale now.
  grpc::Status status = IncRef(session, h, &inc);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  status = DecRef(session, h, &dec);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  v1::InspectResponse info;
  EXPECT_EQ(Inspect(session, h, &info).error_code(),
            grpc::StatusCode::NOT_FOUND);
}

TEST_F(ServiceTest, DecRefOfAReferenceNotHeldIsFailedPrecondition) {
  const std::string session = OpenSession();
  const uint64_t a = New(session, v1::OBJECT);
  const uint64_t b = New(session, v1::OBJECT);
  v1::LinkResponse link;
  ASSERT_TRUE(SetField(session, a, "ref", b, &link).ok());
  v1::DecRefResponse dec;
  ASSERT_TRUE(DecRef(session, b, &dec).ok());
  EXPECT_EQ(dec.refcount(), 1);  // a.ref keeps it
  const grpc::Status status = DecRef(session, b, &dec);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION)
      << Describe(status);
}

// --- Link / Unlink
// ------------------------------------------------------------

TEST_F(ServiceTest, LinkAndUnlinkFieldsAndItems) {
  const std::string session = OpenSession();
  const uint64_t list = New(session, v1::LIST);
  const uint64_t obj = New(session, v1::OBJECT);
  const uint64_t x = New(session, v1::FLOAT);
  const uint64_t y = New(session, v1::FLOAT);

  v1::LinkRequest append;
  append.set_session_id(session);
  append.set_source(list);
  append.set_target(x);
  append.set_append(true);
  v1::LinkResponse linked;
  ASSERT_TRUE(Call(&v1::Heap::Stub::Link, append, &linked).ok());
  EXPECT_EQ(linked.target_refcount(), 2);

  ASSERT_TRUE(SetField(session, obj, "f", x, &linked).ok());
  ASSERT_TRUE(SetField(session, obj, "f", y, &linked).ok());
  EXPECT_EQ(linked.replaced(), x);

  v1::InspectResponse info;
  ASSERT_TRUE(Inspect(session, obj, &info).ok());
  ASSERT_EQ(info.object().fields_size(), 1);
  EXPECT_EQ(info.object().fields(0).name(), "f");
  EXPECT_EQ(info.object().fields(0).target(), y);
  EXPECT_EQ(info.object().type(), v1::OBJECT);
  EXPECT_EQ(info.object().session_references(), 1);
  ASSERT_TRUE(Inspect(session, list, &info).ok());
  ASSERT_EQ(info.object().items_size(), 1);
  EXPECT_EQ(info.object().items(0), x);

  v1::UnlinkRequest unlink;
  unlink.set_session_id(session);
  unlink.set_source(list);
  unlink.set_item(x);
  v1::UnlinkResponse unlinked;
  ASSERT_TRUE(Call(&v1::Heap::Stub::Unlink, unlink, &unlinked).ok());
  EXPECT_EQ(unlinked.released(), x);
  EXPECT_EQ(unlinked.released_refcount(), 1);
  // Not there any more.
  EXPECT_EQ(Call(&v1::Heap::Stub::Unlink, unlink, &unlinked).error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);

  unlink.set_source(obj);
  unlink.set_field("f");
  ASSERT_TRUE(Call(&v1::Heap::Stub::Unlink, unlink, &unlinked).ok());
  EXPECT_EQ(unlinked.released(), y);
  // The field is gone: the object's state refuses a second unlink.
  EXPECT_EQ(Call(&v1::Heap::Stub::Unlink, unlink, &unlinked).error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);
}

TEST_F(ServiceTest, LinkErrors) {
  const std::string session = OpenSession();
  const uint64_t atom = New(session, v1::INT);
  const uint64_t obj = New(session, v1::OBJECT);
  v1::LinkResponse linked;
  grpc::Status status = SetField(session, atom, "ref", obj, &linked);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION)
      << Describe(status);

  v1::LinkRequest no_slot;
  no_slot.set_session_id(session);
  no_slot.set_source(obj);
  no_slot.set_target(atom);
  status = Call(&v1::Heap::Stub::Link, no_slot, &linked);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("slot"));

  status = SetField(session, obj, "ref", 12345, &linked);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
}

// --- the classic example
// ------------------------------------------------------

// a = object(); b = object(); a.ref = b; b.ref = a; del a; del b;
// gc.collect() == 2, and their two 48-byte blocks go back to their pool.
TEST_F(ServiceTest, TwoObjectsInACycleAreFreedOnlyByTheCollector) {
  const std::string session = OpenSession();
  const int64_t baseline = BlocksInUse(2);
  const uint64_t a = New(session, v1::OBJECT);
  const uint64_t b = New(session, v1::OBJECT);
  EXPECT_EQ(BlocksInUse(2), baseline + 2);
  v1::LinkResponse linked;
  ASSERT_TRUE(SetField(session, a, "ref", b, &linked).ok());
  ASSERT_TRUE(SetField(session, b, "ref", a, &linked).ok());

  v1::DecRefResponse dec;
  ASSERT_TRUE(DecRef(session, a, &dec).ok());
  EXPECT_EQ(dec.objects_freed(), 0);
  EXPECT_EQ(dec.refcount(), 1);
  ASSERT_TRUE(DecRef(session, b, &dec).ok());
  EXPECT_EQ(dec.objects_freed(), 0);
  EXPECT_EQ(BlocksInUse(2), baseline + 2) << "refcounting cannot free a cycle";

  v1::CollectResponse collected;
  ASSERT_TRUE(Collect(session, &collected).ok());
  EXPECT_EQ(collected.collected(), 2);
  EXPECT_EQ(collected.uncollectable(), 0);
  EXPECT_EQ(collected.generation_counts_size(), 3);
  EXPECT_EQ(BlocksInUse(2), baseline);

  const v1::StatsResponse stats = Stats();
  EXPECT_EQ(stats.objects().objects(), 0);
  ASSERT_EQ(stats.collector().generations_size(), 3);
  EXPECT_EQ(stats.collector().generations(2).collections(), 1);
  EXPECT_EQ(stats.collector().generations(2).collected(), 2);
  ASSERT_GE(stats.collector().recent_size(), 1);
  EXPECT_EQ(
      stats.collector().recent(stats.collector().recent_size() - 1).collected(),
      2);
}

TEST_F(ServiceTest, CollectGenerationIsValidated) {
  const std::string session = OpenSession();
  v1::CollectRequest request;
  request.set_session_id(session);
  request.set_generation(0);
  v1::CollectResponse response;
  EXPECT_TRUE(Call(&v1::Heap::Stub::Collect, request, &response).ok());
  request.set_generation(3);
  EXPECT_EQ(Call(&v1::Heap::Stub::Collect, request, &response).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
}

// --- two sessions
// ---------------------------------------------------------------

TEST_F(ServiceTest, SessionsOwnTheirReferencesOnly) {
  const std::string alice = OpenSession();
  const std::string bob = OpenSession();
  const uint64_t shared = New(alice, v1::OBJECT);
  const uint64_t alice_only = New(alice, v1::OBJECT);
  v1::IncRefResponse inc;
  ASSERT_TRUE(IncRef(bob, shared, &inc).ok());
  EXPECT_EQ(inc.refcount(), 2);
  EXPECT_EQ(inc.session_references(), 1);

  // Bob cannot drop Alice's reference.
  v1::DecRefResponse dec;
  EXPECT_EQ(DecRef(bob, alice_only, &dec).error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);

  // Closing Alice frees exactly what only she kept alive.
  v1::CloseSessionRequest close;
  close.set_session_id(alice);
  v1::CloseSessionResponse closed;
  ASSERT_TRUE(Call(&v1::Heap::Stub::CloseSession, close, &closed).ok());
  EXPECT_EQ(closed.references_released(), 2);
  EXPECT_EQ(closed.objects_freed(), 1);
  v1::InspectResponse info;
  ASSERT_TRUE(Inspect(bob, shared, &info).ok());
  EXPECT_EQ(info.object().refcount(), 1);
  EXPECT_EQ(Inspect(bob, alice_only, &info).error_code(),
            grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(Stats().objects().objects(), 1);
}

// --- leases
// -----------------------------------------------------------------------

TEST_F(ServiceTest, AnExpiredLeaseReleasesReferencesWithoutAnyCall) {
  Start({"--max_session_ttl_ms=1000"});
  const std::string watcher = OpenSession();  // the default, capped at 1 s
  const std::string session = OpenSession(300);
  v1::AllocateResponse allocated;
  ASSERT_TRUE(Allocate(session, v1::OBJECT, 4, &allocated).ok());
  EXPECT_EQ(Stats().objects().objects(), 4);

  // Stats names no session: it renews nothing. Bounded polling.
  const absl::Time deadline = absl::Now() + absl::Seconds(20);
  v1::StatsResponse stats = Stats();
  while (stats.objects().objects() != 0 && absl::Now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    stats = Stats();
  }
  EXPECT_EQ(stats.objects().objects(), 0);
  EXPECT_GE(stats.server().sessions_expired_total(), 1);
  v1::IncRefResponse inc;
  EXPECT_EQ(IncRef(session, 1, &inc).error_code(), grpc::StatusCode::NOT_FOUND);
  (void)watcher;
}

TEST_F(ServiceTest, CallsRenewTheLease) {
  Start({"--max_session_ttl_ms=3000"});
  const std::string session = OpenSession(1000);
  const uint64_t h = New(session, v1::OBJECT);
  // 3 s of calls 100 ms apart: far past one lease, never past a renewal
  // (the 900 ms of slack absorb a slow machine or a sanitizer).
  for (int i = 0; i < 30; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    v1::InspectResponse info;
    const grpc::Status status = Inspect(session, h, &info);
    ASSERT_TRUE(status.ok()) << i << ": " << Describe(status);
  }
}

TEST_F(ServiceTest, PingWithASessionRenewsItsLease) {
  Start({"--max_session_ttl_ms=3000"});
  const std::string session = OpenSession(1000);
  v1::PingRequest ping;
  ping.set_session_id(session);
  v1::PingResponse pong;
  for (int i = 0; i < 30; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    const grpc::Status status = Call(&v1::Heap::Stub::Ping, ping, &pong);
    ASSERT_TRUE(status.ok()) << i << ": " << Describe(status);
  }
  ping.set_session_id("no-such-session");
  EXPECT_EQ(Call(&v1::Heap::Stub::Ping, ping, &pong).error_code(),
            grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(Stats().server().sessions_expired_total(), 0);
}

// --- the collector's configuration
// ----------------------------------------------

TEST_F(ServiceTest, GcConfigFreezeAndUnfreeze) {
  Start({"--gc_threshold0=500"});
  const std::string session = OpenSession();
  v1::GetGcConfigRequest get;
  get.set_session_id(session);
  v1::GcConfig config;
  ASSERT_TRUE(Call(&v1::Heap::Stub::GetGcConfig, get, &config).ok());
  ASSERT_EQ(config.thresholds_size(), 3);
  EXPECT_EQ(config.thresholds(0), 500);
  EXPECT_EQ(config.thresholds(1), 10);
  EXPECT_TRUE(config.enabled());

  v1::SetGcConfigRequest set;
  set.set_session_id(session);
  set.set_threshold1(20);
  set.set_enabled(false);
  ASSERT_TRUE(Call(&v1::Heap::Stub::SetGcConfig, set, &config).ok());
  EXPECT_EQ(config.thresholds(0), 500);
  EXPECT_EQ(config.thresholds(1), 20);
  EXPECT_FALSE(config.enabled());
  set.set_threshold2(-1);
  EXPECT_EQ(Call(&v1::Heap::Stub::SetGcConfig, set, &config).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);

  New(session, v1::OBJECT);
  New(session, v1::LIST);
  v1::FreezeRequest freeze;
  freeze.set_session_id(session);
  v1::FreezeResponse frozen;
  ASSERT_TRUE(Call(&v1::Heap::Stub::Freeze, freeze, &frozen).ok());
  EXPECT_EQ(frozen.frozen(), 2);
  EXPECT_EQ(Stats().collector().permanent(), 2);
  v1::UnfreezeRequest unfreeze;
  unfreeze.set_session_id(session);
  v1::UnfreezeResponse unfrozen;
  ASSERT_TRUE(Call(&v1::Heap::Stub::Unfreeze, unfreeze, &unfrozen).ok());
  EXPECT_EQ(unfrozen.unfrozen(), 2);
}

// Allocations past threshold 0 schedule a collection; it runs at the end of
// the request that scheduled it.
TEST_F(ServiceTest, AutomaticCollectionsRunAtTheRequestBoundary) {
  Start({"--gc_threshold0=10"});
  const std::string session = OpenSession();
  v1::AllocateResponse allocated;
  ASSERT_TRUE(Allocate(session, v1::OBJECT, 11, &allocated).ok());
  const v1::StatsResponse stats = Stats();
  EXPECT_GE(stats.collector().generations(0).collections(), 1);
  ASSERT_GE(stats.collector().recent_size(), 1);
  EXPECT_TRUE(stats.collector().recent(0).automatic());
}

// --- Stats
// ----------------------------------------------------------------------------

TEST_F(ServiceTest, StatsReportObjectsAndTheLockPerMethod) {
  Start({"--lock_policy=fifo", "--switch_interval_ms=7"});
  const std::string session = OpenSession();
  New(session, v1::OBJECT);
  New(session, v1::STR);
  const v1::StatsResponse stats = Stats();
  EXPECT_EQ(stats.objects().objects(), 2);
  EXPECT_EQ(stats.objects().by_type_size(), 2);
  EXPECT_EQ(stats.lock().policy(), "fifo");
  EXPECT_EQ(stats.lock().switch_interval_ns(), 7000000);
  bool saw_allocate = false;
  for (const v1::LockKindStats& kind : stats.lock().by_kind()) {
    if (kind.kind() == "Allocate") {
      saw_allocate = true;
      EXPECT_EQ(kind.acquisitions(), 2);
    }
  }
  EXPECT_TRUE(saw_allocate);
  EXPECT_GE(stats.lock().acquisitions(), 3);
}

}  // namespace
}  // namespace heapd

namespace heapd {
namespace {

// With a long publish interval a request's figures wait for the next
// publish; the session reaper's wake-up (every 100 ms) publishes what the
// last request left, so an idle server does not serve them stale for ever.
TEST_F(ServiceTest, AnIdleServerPublishesTheLastRequestsFigures) {
  Start({"--stats_publish_interval_ms=600000"});
  const std::string session = OpenSession();
  New(session, v1::OBJECT);
  const absl::Time deadline = absl::Now() + absl::Seconds(5);
  int64_t objects = 0;
  while (absl::Now() < deadline) {
    objects = Stats().objects().objects();
    if (objects == 1) break;
    absl::SleepFor(absl::Milliseconds(20));
  }
  EXPECT_EQ(objects, 1);
}

// StatsRequest.fresh publishes under the lock first: with a publish
// interval nothing else would reach, the figures still include the request
// that just finished, and the sequence moves on.
TEST_F(ServiceTest, FreshStatsIncludeTheLastRequest) {
  Start({"--stats_publish_interval_ms=600000"});
  const std::string session = OpenSession();
  const uint64_t before = Stats().sequence();
  New(session, v1::OBJECT);
  v1::StatsRequest request;
  request.set_fresh(true);
  v1::StatsResponse stats;
  ASSERT_TRUE(Call(&v1::Heap::Stub::Stats, request, &stats).ok());
  EXPECT_EQ(stats.objects().objects(), 1);
  EXPECT_GT(stats.sequence(), before);
}

// --slowlog_threshold_us=0: every locked request enters the slow log, most
// recent first, with the session it named.
TEST_F(ServiceTest, SlowlogThresholdFlagZeroLogsEveryLockedRequest) {
  Start({"--slowlog_threshold_us=0"});
  const std::string session = OpenSession();
  v1::CollectRequest request;
  request.set_session_id(session);
  v1::CollectResponse response;
  ASSERT_TRUE(Call(&v1::Heap::Stub::Collect, request, &response).ok());
  const v1::StatsResponse stats = Stats();
  ASSERT_GE(stats.slowlog_size(), 2);
  EXPECT_EQ(stats.slowlog(0).method(), "Collect");
  EXPECT_EQ(stats.slowlog(0).session_id(), session);
  EXPECT_GT(stats.slowlog(0).hold_ns(), 0);
  EXPECT_EQ(stats.slowlog(1).method(), "OpenSession");
  // The collection's pause is counted too.
  EXPECT_EQ(stats.collector().pause().count(), 1);
}

TEST_F(ServiceTest, ErrorsAreCountedByMethodAndCode) {
  v1::InspectRequest request;
  request.set_session_id("no-such-session");
  v1::InspectResponse response;
  ASSERT_EQ(Call(&v1::Heap::Stub::Inspect, request, &response).error_code(),
            grpc::StatusCode::NOT_FOUND);
  const v1::ServerStats server = Stats().server();
  EXPECT_GE(server.errors_total(), 1);
  EXPECT_GE(server.rpcs_total(), 2);
  bool saw_inspect = false;
  for (const v1::MethodStats& method : server.methods()) {
    if (method.method() != "Inspect") continue;
    saw_inspect = true;
    ASSERT_EQ(method.errors_size(), 1);
    EXPECT_EQ(method.errors(0).code_name(), "NOT_FOUND");
    EXPECT_EQ(method.errors(0).count(), 1);
  }
  EXPECT_TRUE(saw_inspect);
}

}  // namespace
}  // namespace heapd
