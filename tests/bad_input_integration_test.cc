// Bad input against a real heapd: every RPC of proto/heap.proto (but
// GetReferent, CreateWeakRef, ReadWeakRef and the links by index, whose bad
// inputs tests/referent_integration_test.cc sends the same way) sent every
// kind of malformed or refused request (numbers at their extremes, unknown
// enum values, made-up and stale handles, bad result references, huge
// strings, dead sessions), each checked for
//   1. the exact status code, with a message naming the problem (a
//      distinctive substring), and short (the server never echoes a
//      megabyte back in a status message);
//   2. a heap the rejected request left as it was: Stats' object and
//      collector figures (fresh) and Inspect of the objects involved, taken
//      before and after and compared as text;
// and Verify (every invariant of the heap) after each group. Also what must
// work at the edges: self-links collected, a 200,000-object chain (a
// million on request) freed by reference counting without recursion.
//
// The number of bad inputs sent is printed at the end ("bad inputs sent:").
//
// One file, longer than the usual 600 lines: the bad inputs of every RPC are
// counted together (kCountBadInputs) and share one heap picture check.
#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "proto/heap.grpc.pb.h"
#include "proto/heap.pb.h"
#include "tests/batch_request_builders.h"
#include "tests/heapd_test_fixture.h"

namespace heapd {
namespace {

using ::testing::HasSubstr;

constexpr std::chrono::seconds kRpcTimeout(60);

constexpr int64_t kInt64Max = std::numeric_limits<int64_t>::max();
constexpr int64_t kInt64Min = std::numeric_limits<int64_t>::min();
constexpr uint64_t kUint64Max = std::numeric_limits<uint64_t>::max();
constexpr uint32_t kUint32Max = std::numeric_limits<uint32_t>::max();
constexpr int32_t kInt32Max = std::numeric_limits<int32_t>::max();
constexpr int32_t kInt32Min = std::numeric_limits<int32_t>::min();

// The server's defaults this test relies on (server/main.cc).
constexpr int64_t kMaxBatch = 10000;
constexpr uint32_t kMaxAllocateCount = 100000;
constexpr int64_t kMaxSessionTtlMs = 600000;
constexpr size_t kMaxPingPayload = 64 * 1024;
// The longest status message we accept: enough for any sentence the server
// writes, far less than the megabyte strings sent.
constexpr size_t kMaxMessage = 2048;

const std::string kMegabyte(1 << 20, 'm');

// Bad inputs sent, over the whole run; printed at its end.
int bad_inputs_sent = 0;

class CountBadInputs : public ::testing::Environment {
 public:
  void TearDown() override {
    std::printf("bad inputs sent: %d\n", bad_inputs_sent);
  }
};
::testing::Environment* const kCountBadInputs =
    ::testing::AddGlobalTestEnvironment(new CountBadInputs);

// One bad input's answer: `code`, a message that contains `names` and is
// short.
void ExpectRejected(const grpc::Status& status, grpc::StatusCode code,
                    const std::string& names, const std::string& what) {
  ++bad_inputs_sent;
  EXPECT_EQ(status.error_code(), code) << what << ": " << Describe(status);
  EXPECT_THAT(status.error_message(), HasSubstr(names))
      << what << ": " << Describe(status);
  EXPECT_LE(status.error_message().size(), kMaxMessage) << what;
}

// The same for one operation of a batch.
void ExpectOpRejected(const v1::OperationResult& result, grpc::StatusCode code,
                      const std::string& names, const std::string& what) {
  ++bad_inputs_sent;
  EXPECT_EQ(result.code(), static_cast<int>(code))
      << what << ": " << result.message().substr(0, 500);
  EXPECT_THAT(result.message(), HasSubstr(names)) << what;
  EXPECT_LE(result.message().size(), kMaxMessage) << what;
  EXPECT_EQ(result.result_case(), v1::OperationResult::RESULT_NOT_SET) << what;
}

class BadInputTest : public HeapdTest {
 protected:
  BadInputTest() : HeapdTest(kRpcTimeout) {}

  void SetUp() override { Start({}); }

  // With the raw `authorization` value (none if empty).
  template <typename Method, typename Request, typename Response>
  grpc::Status CallWithAuthorization(const std::string& authorization,
                                     Method method, const Request& request,
                                     Response* response) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + rpc_timeout_);
    if (!authorization.empty()) {
      context.AddMetadata("authorization", authorization);
    }
    return ((*heap_).*method)(&context, request, response);
  }

  // `count` new objects' handles (a failure and none if the call failed).
  std::vector<uint64_t> New(const std::string& session, v1::ObjectType type,
                            uint32_t count = 1, int64_t length = 0) {
    v1::AllocateRequest request;
    request.set_session_id(session);
    request.set_type(type);
    request.set_count(count);
    request.set_length(length);
    v1::AllocateResponse response;
    const grpc::Status status =
        Call(&v1::Heap::Stub::Allocate, request, &response);
    EXPECT_TRUE(status.ok()) << Describe(status);
    std::vector<uint64_t> handles;
    for (const v1::AllocatedObject& object : response.objects()) {
      handles.push_back(object.handle());
    }
    return handles;
  }
  uint64_t NewOne(const std::string& session, v1::ObjectType type,
                  int64_t length = 0) {
    const std::vector<uint64_t> made = New(session, type, 1, length);
    return made.empty() ? 0 : made[0];
  }

  grpc::Status Allocate(const v1::AllocateRequest& request) {
    v1::AllocateResponse response;
    return Call(&v1::Heap::Stub::Allocate, request, &response);
  }
  grpc::Status IncRef(const std::string& session, uint64_t handle) {
    v1::IncRefRequest request;
    request.set_session_id(session);
    request.set_handle(handle);
    v1::IncRefResponse response;
    return Call(&v1::Heap::Stub::IncRef, request, &response);
  }
  grpc::Status DecRef(const std::string& session, uint64_t handle,
                      v1::DecRefResponse* response = nullptr) {
    v1::DecRefRequest request;
    request.set_session_id(session);
    request.set_handle(handle);
    v1::DecRefResponse ignored;
    return Call(&v1::Heap::Stub::DecRef, request,
                response != nullptr ? response : &ignored);
  }
  grpc::Status SetField(const std::string& session, uint64_t source,
                        const std::string& field, uint64_t target) {
    v1::LinkRequest request;
    request.set_session_id(session);
    request.set_source(source);
    request.set_target(target);
    request.set_field(field);
    v1::LinkResponse response;
    return Call(&v1::Heap::Stub::Link, request, &response);
  }
  grpc::Status Append(const std::string& session, uint64_t source,
                      uint64_t target) {
    v1::LinkRequest request;
    request.set_session_id(session);
    request.set_source(source);
    request.set_target(target);
    request.set_append(true);
    v1::LinkResponse response;
    return Call(&v1::Heap::Stub::Link, request, &response);
  }
  grpc::Status ClearField(const std::string& session, uint64_t source,
                          const std::string& field) {
    v1::UnlinkRequest request;
    request.set_session_id(session);
    request.set_source(source);
    request.set_field(field);
    v1::UnlinkResponse response;
    return Call(&v1::Heap::Stub::Unlink, request, &response);
  }
  grpc::Status RemoveItem(const std::string& session, uint64_t source,
                          uint64_t item) {
    v1::UnlinkRequest request;
    request.set_session_id(session);
    request.set_source(source);
    request.set_item(item);
    v1::UnlinkResponse response;
    return Call(&v1::Heap::Stub::Unlink, request, &response);
  }
  grpc::Status Inspect(const std::string& session, uint64_t handle,
                       v1::InspectResponse* response) {
    v1::InspectRequest request;
    request.set_session_id(session);
    request.set_handle(handle);
    return Call(&v1::Heap::Stub::Inspect, request, response);
  }
  v1::InspectResponse InspectOk(const std::string& session, uint64_t handle) {
    v1::InspectResponse response;
    const grpc::Status status = Inspect(session, handle, &response);
    EXPECT_TRUE(status.ok()) << Describe(status);
    return response;
  }
  grpc::Status Collect(const std::string& session,
                       v1::CollectResponse* response,
                       std::optional<int32_t> generation = std::nullopt) {
    v1::CollectRequest request;
    request.set_session_id(session);
    if (generation.has_value()) request.set_generation(*generation);
    return Call(&v1::Heap::Stub::Collect, request, response);
  }
  grpc::Status Batch(const std::string& session, v1::BatchRequest request,
                     v1::BatchResponse* response) {
    request.set_session_id(session);
    return Call(&v1::Heap::Stub::Batch, request, response);
  }

  // What a rejected request must not change, as text so that a difference
  // prints readably: the heap's object figures, the collector's generations,
  // the allocator's blocks in use, the collector's configuration, and
  // Inspect of each of `handles` as `session` sees it (or its status, for
  // handles that are not live). Without `collector`, the collector's
  // counters are left out (for requests that run a limit collection).
  std::string Picture(const std::string& session,
                      const std::vector<uint64_t>& handles,
                      bool collector = true) {
    const v1::StatsResponse stats = FreshStats();
    std::string picture =
        absl::StrCat("objects ", stats.objects().objects(), " bytes ",
                     stats.objects().bytes(), " weakrefs ",
                     stats.objects().weakrefs(), "\n");
    for (const v1::TypeStats& type : stats.objects().by_type()) {
      absl::StrAppend(&picture, "  type ", v1::ObjectType_Name(type.type()),
                      " count ", type.count(), " bytes ", type.bytes(), "\n");
    }
    for (const v1::GenerationStats& generation :
         stats.collector().generations()) {
      if (!collector) break;
      absl::StrAppend(&picture, "generation ", generation.generation(),
                      " count ", generation.count(), " threshold ",
                      generation.threshold(), " collections ",
                      generation.collections(), "\n");
    }
    absl::StrAppend(&picture, "permanent ", stats.collector().permanent(),
                    " garbage ", stats.collector().garbage(), " enabled ",
                    stats.collector().enabled(), " debug_flags ",
                    stats.collector().debug_flags(), "\n");
    if (collector) {
      absl::StrAppend(&picture, "limit_collections ",
                      stats.collector().limit_collections(), "\n");
    }
    absl::StrAppend(&picture, "allocated block bytes ",
                    stats.allocator().bytes_in_allocated_blocks(),
                    " raw blocks ", stats.allocator().raw().blocks_in_use(),
                    "\n");
    absl::StrAppend(&picture, "sessions open ", stats.server().sessions_open(),
                    "\n");
    for (uint64_t handle : handles) {
      v1::InspectResponse response;
      const grpc::Status status = Inspect(session, handle, &response);
      absl::StrAppend(
          &picture, "object ", handle, ": ",
          status.ok() ? response.object().DebugString() : Describe(status),
          "\n");
    }
    return picture;
  }

  // One gRPC call per session-taking RPC of the API, naming `session`.
  std::vector<std::pair<std::string, std::function<grpc::Status()>>>
  EveryCallNaming(const std::string& session, uint64_t handle) {
    std::vector<std::pair<std::string, std::function<grpc::Status()>>> calls;
    calls.emplace_back("CloseSession", [=, this] {
      v1::CloseSessionRequest request;
      request.set_session_id(session);
      v1::CloseSessionResponse response;
      return Call(&v1::Heap::Stub::CloseSession, request, &response);
    });
    calls.emplace_back("Allocate", [=, this] {
      v1::AllocateRequest request;
      request.set_session_id(session);
      request.set_type(v1::OBJECT);
      return Allocate(request);
    });
    calls.emplace_back("IncRef", [=, this] { return IncRef(session, handle); });
    calls.emplace_back("DecRef", [=, this] { return DecRef(session, handle); });
    calls.emplace_back(
        "Link", [=, this] { return SetField(session, handle, "f", handle); });
    calls.emplace_back("Unlink",
                       [=, this] { return ClearField(session, handle, "f"); });
    calls.emplace_back("Inspect", [=, this] {
      v1::InspectResponse response;
      return Inspect(session, handle, &response);
    });
    calls.emplace_back("Collect", [=, this] {
      v1::CollectResponse response;
      return Collect(session, &response);
    });
    calls.emplace_back("GetGcConfig", [=, this] {
      v1::GetGcConfigRequest request;
      request.set_session_id(session);
      v1::GcConfig response;
      return Call(&v1::Heap::Stub::GetGcConfig, request, &response);
    });
    calls.emplace_back("SetGcConfig", [=, this] {
      v1::SetGcConfigRequest request;
      request.set_session_id(session);
      request.set_threshold0(1);
      request.set_enabled(false);
      v1::GcConfig response;
      return Call(&v1::Heap::Stub::SetGcConfig, request, &response);
    });
    calls.emplace_back("Freeze", [=, this] {
      v1::FreezeRequest request;
      request.set_session_id(session);
      v1::FreezeResponse response;
      return Call(&v1::Heap::Stub::Freeze, request, &response);
    });
    calls.emplace_back("Unfreeze", [=, this] {
      v1::UnfreezeRequest request;
      request.set_session_id(session);
      v1::UnfreezeResponse response;
      return Call(&v1::Heap::Stub::Unfreeze, request, &response);
    });
    calls.emplace_back("Batch", [=, this] {
      v1::BatchRequest request;
      AddIncRef(&request, Handle(handle));
      v1::BatchResponse response;
      return Batch(session, request, &response);
    });
    calls.emplace_back("Ping", [=, this] {
      v1::PingRequest request;
      request.set_session_id(session);
      v1::PingResponse response;
      return Call(&v1::Heap::Stub::Ping, request, &response);
    });
    return calls;
  }
};

// ---------------------------------------------------------------------------
// Sessions

TEST_F(BadInputTest, OpenSessionTtlAtItsExtremes) {
  const std::string before = Picture("", {});
  const std::vector<std::pair<int64_t, std::string>> cases = {
      {-1, "is negative"},
      {kInt64Min, "is negative"},
      {kMaxSessionTtlMs + 1, "--max_session_ttl_ms"},
      {kInt64Max, "--max_session_ttl_ms"},
  };
  for (const auto& [ttl_ms, names] : cases) {
    v1::OpenSessionRequest request;
    request.set_ttl_ms(ttl_ms);
    request.set_client_name(kMegabyte);
    v1::OpenSessionResponse response;
    ExpectRejected(Call(&v1::Heap::Stub::OpenSession, request, &response),
                   grpc::StatusCode::INVALID_ARGUMENT, names,
                   absl::StrCat("ttl_ms ", ttl_ms));
    EXPECT_TRUE(response.session_id().empty());
  }
  EXPECT_EQ(Picture("", {}), before) << "no session was opened";
  // The largest lease allowed is granted as asked.
  v1::OpenSessionRequest request;
  request.set_ttl_ms(kMaxSessionTtlMs);
  v1::OpenSessionResponse response;
  ASSERT_TRUE(Call(&v1::Heap::Stub::OpenSession, request, &response).ok());
  EXPECT_EQ(response.ttl_ms(), kMaxSessionTtlMs);
  ExpectHeapValid();
}

// A session keeps its client_name for its lifetime: at most 256 bytes.
TEST_F(BadInputTest, OpenSessionClientNameIsBounded) {
  const std::string before = Picture("", {});
  for (const std::string& name : {std::string(257, 'n'), kMegabyte}) {
    v1::OpenSessionRequest request;
    request.set_client_name(name);
    v1::OpenSessionResponse response;
    ExpectRejected(Call(&v1::Heap::Stub::OpenSession, request, &response),
                   grpc::StatusCode::INVALID_ARGUMENT, "client_name",
                   absl::StrCat("client_name of ", name.size(), " bytes"));
    EXPECT_TRUE(response.session_id().empty());
  }
  EXPECT_EQ(Picture("", {}), before) << "no session was opened";
  v1::OpenSessionRequest request;
  request.set_client_name(std::string(256, 'n'));
  v1::OpenSessionResponse response;
  EXPECT_TRUE(Call(&v1::Heap::Stub::OpenSession, request, &response).ok());
}

// Every RPC that names a session refuses one that does not exist, with the
// same NOT_FOUND, and never echoes a megabyte-long id back.
TEST_F(BadInputTest, UnknownSessionsOnEveryRpc) {
  const std::string session = OpenSession();
  const uint64_t object = NewOne(session, v1::OBJECT);
  const std::string before = Picture(session, {object});
  const std::vector<std::string> unknown = {"",
                                            "0",
                                            "ffffffffffffffffffffffffffffffff",
                                            "no such session",
                                            std::string("\0\0", 2),
                                            kMegabyte};
  for (const std::string& id : unknown) {
    for (const auto& [method, call] : EveryCallNaming(id, object)) {
      // A Ping without a session is the plain round trip.
      if (id.empty() && method == "Ping") continue;
      ExpectRejected(
          call(), grpc::StatusCode::NOT_FOUND, "no session",
          absl::StrCat(method, " with session id of ", id.size(), " bytes"));
    }
  }
  EXPECT_EQ(Picture(session, {object}), before);
  ExpectHeapValid();
}

TEST_F(BadInputTest, ClosedAndExpiredSessions) {
  const std::string keeper = OpenSession();
  const uint64_t kept = NewOne(keeper, v1::OBJECT);

  // Closed: its references are released at once; every later call is
  // NOT_FOUND, closing it again too.
  const std::string closed = OpenSession();
  const uint64_t shared = NewOne(closed, v1::LIST);
  ASSERT_TRUE(IncRef(keeper, shared).ok());
  v1::CloseSessionRequest close;
  close.set_session_id(closed);
  v1::CloseSessionResponse closed_response;
  ASSERT_TRUE(
      Call(&v1::Heap::Stub::CloseSession, close, &closed_response).ok());
  EXPECT_EQ(closed_response.references_released(), 1);
  const std::string before = Picture(keeper, {kept, shared});
  for (const auto& [method, call] : EveryCallNaming(closed, shared)) {
    ExpectRejected(call(), grpc::StatusCode::NOT_FOUND, "no session",
                   absl::StrCat(method, " on a closed session"));
  }
  EXPECT_EQ(Picture(keeper, {kept, shared}), before);

  // Expired: a 200 ms lease, then a wait well past it. Whether the reaper
  // or the next call finds it first, its objects are gone and the session
  // is NOT_FOUND.
  const std::string short_lived = OpenSession(200);
  const std::vector<uint64_t> doomed = New(short_lived, v1::DICT, 3);
  ASSERT_EQ(doomed.size(), 3u);
  absl::SleepFor(absl::Milliseconds(600));
  for (const auto& [method, call] : EveryCallNaming(short_lived, doomed[0])) {
    ExpectRejected(call(), grpc::StatusCode::NOT_FOUND, "no session",
                   absl::StrCat(method, " on an expired session"));
  }
  for (uint64_t handle : doomed) {
    v1::InspectResponse response;
    EXPECT_EQ(Inspect(keeper, handle, &response).error_code(),
              grpc::StatusCode::NOT_FOUND);
  }
  EXPECT_EQ(Picture(keeper, {kept, shared}), before)
      << "the expired session's objects were freed, nothing else changed";
  ExpectHeapValid();
}

TEST_F(BadInputTest, ASessionCannotDropAnotherSessionsReference) {
  const std::string alice = OpenSession();
  const std::string bob = OpenSession();
  const uint64_t alices = NewOne(alice, v1::OBJECT);
  const uint64_t bobs = NewOne(bob, v1::STR, 10);
  const std::string before_alice = Picture(alice, {alices, bobs});
  const std::string before_bob = Picture(bob, {alices, bobs});
  ExpectRejected(DecRef(bob, alices), grpc::StatusCode::FAILED_PRECONDITION,
                 "holds no reference", "DecRef of another's object");
  ExpectRejected(DecRef(alice, bobs), grpc::StatusCode::FAILED_PRECONDITION,
                 "holds no reference", "DecRef of another's str");
  v1::BatchRequest batch;
  AddDecRef(&batch, Handle(alices));
  v1::BatchResponse response;
  ASSERT_TRUE(Batch(bob, batch, &response).ok());
  ASSERT_EQ(response.results_size(), 1);
  ExpectOpRejected(response.results(0), grpc::StatusCode::FAILED_PRECONDITION,
                   "holds no reference", "Batch DecRef of another's object");
  EXPECT_EQ(Picture(alice, {alices, bobs}), before_alice);
  EXPECT_EQ(Picture(bob, {alices, bobs}), before_bob);
  ExpectHeapValid();
}

// With --auth_tokens: calls without a valid token are UNAUTHENTICATED, a
// client's admin-only calls and calls on another identity's session
// PERMISSION_DENIED, and none of them changes anything.
TEST_F(BadInputTest, AccessControlRefusals) {
  constexpr char kAlice[] = "alice-token-0123456789abcdef";
  constexpr char kBob[] = "bob-token-0123456789abcdef";
  constexpr char kRoot[] = "root-token-0123456789abcdef";
  const char* tmp = std::getenv("TEST_TMPDIR");
  const std::string path =
      absl::StrCat(tmp != nullptr ? tmp : "/tmp", "/bad_input_tokens");
  {
    std::FILE* file = std::fopen(path.c_str(), "w");
    ASSERT_NE(file, nullptr);
    std::fprintf(file, "%s client alice\n%s client bob\n%s admin root\n",
                 kAlice, kBob, kRoot);
    std::fclose(file);
  }
  Start({"--auth_tokens=" + path});
  bearer_token_ = kAlice;
  const std::string alices = OpenSession();
  const uint64_t object = NewOne(alices, v1::OBJECT);
  const std::string before = Picture(alices, {object});

  // No token, a malformed header, an unknown or truncated token.
  for (const std::string& authorization :
       {std::string(""), std::string("alice-token-0123456789abcdef"),
        std::string("Basic YWxpY2U6cGFzcw=="), std::string("Bearer "),
        absl::StrCat("Bearer ", kAlice, "x"),
        absl::StrCat("Bearer ", std::string(kAlice).substr(0, 20)),
        absl::StrCat("bearer ", kAlice),
        absl::StrCat("Bearer ", std::string(4000, 't'))}) {
    v1::PingResponse pong;
    ExpectRejected(CallWithAuthorization(authorization, &v1::Heap::Stub::Ping,
                                         v1::PingRequest(), &pong),
                   grpc::StatusCode::UNAUTHENTICATED, "",
                   absl::StrCat("Ping with authorization of ",
                                authorization.size(), " bytes"));
    v1::IncRefRequest incref;
    incref.set_session_id(alices);
    incref.set_handle(object);
    v1::IncRefResponse increfed;
    ExpectRejected(CallWithAuthorization(authorization, &v1::Heap::Stub::IncRef,
                                         incref, &increfed),
                   grpc::StatusCode::UNAUTHENTICATED, "",
                   absl::StrCat("IncRef with authorization of ",
                                authorization.size(), " bytes"));
  }

  // Admin-only calls from a client.
  for (const auto& [method, call] : EveryCallNaming(alices, object)) {
    if (method != "SetGcConfig" && method != "Freeze" && method != "Unfreeze" &&
        method != "Collect") {
      continue;
    }
    ExpectRejected(call(), grpc::StatusCode::PERMISSION_DENIED,
                   "needs the admin role",
                   absl::StrCat(method, " from a client"));
  }
  v1::CollectResponse collected;
  ExpectRejected(Collect(alices, &collected, 2),
                 grpc::StatusCode::PERMISSION_DENIED, "needs the admin role",
                 "Collect generation 2 from a client");
  v1::BatchRequest full;
  AddIncRef(&full, Handle(object));
  full.add_operations()->mutable_collect();
  v1::BatchResponse batched;
  ExpectRejected(Batch(alices, full, &batched),
                 grpc::StatusCode::PERMISSION_DENIED, "needs the admin role",
                 "a Batch with a full collection from a client");
  v1::VerifyResponse verified;
  ExpectRejected(Call(&v1::Heap::Stub::Verify, v1::VerifyRequest(), &verified),
                 grpc::StatusCode::PERMISSION_DENIED, "needs the admin role",
                 "Verify from a client");

  // Every call on Alice's session by Bob; Close by Bob too (only an admin
  // may close another identity's session).
  bearer_token_ = kBob;
  for (const auto& [method, call] : EveryCallNaming(alices, object)) {
    if (method == "SetGcConfig" || method == "Freeze" || method == "Unfreeze" ||
        method == "Collect") {
      continue;  // refused for the role first
    }
    ExpectRejected(call(), grpc::StatusCode::PERMISSION_DENIED,
                   "belongs to another identity",
                   absl::StrCat(method, " on another identity's session"));
  }
  bearer_token_ = kAlice;
  EXPECT_EQ(Picture(alices, {object}), before);
  bearer_token_ = kRoot;
  ExpectHeapValid();
}

// ---------------------------------------------------------------------------
// Allocate

TEST_F(BadInputTest, AllocateAtItsExtremes) {
  const std::string session = OpenSession();
  const uint64_t holder = NewOne(session, v1::OBJECT);
  const uint64_t tuple = NewOne(session, v1::TUPLE, 2);
  const uint64_t str = NewOne(session, v1::STR, 5);
  const uint64_t freed = NewOne(session, v1::DICT);
  ASSERT_TRUE(DecRef(session, freed).ok());
  const std::vector<uint64_t> watched = {holder, tuple, str};
  const std::string before = Picture(session, watched);

  struct Case {
    int type;
    int64_t length;
    uint32_t count;
    grpc::StatusCode code;
    std::string names;
  };
  const std::vector<Case> cases = {
      // Types.
      {v1::OBJECT_TYPE_UNSPECIFIED, 0, 1, grpc::StatusCode::INVALID_ARGUMENT,
       "type is not set"},
      {999, 0, 1, grpc::StatusCode::INVALID_ARGUMENT, "type 999"},
      {-1, 0, 1, grpc::StatusCode::INVALID_ARGUMENT, "type -1"},
      {kInt32Max, 0, 1, grpc::StatusCode::INVALID_ARGUMENT,
       absl::StrCat("type ", kInt32Max)},
      {kInt32Min, 0, 1, grpc::StatusCode::INVALID_ARGUMENT,
       absl::StrCat("type ", kInt32Min)},
      // Lengths.
      {v1::STR, -1, 1, grpc::StatusCode::INVALID_ARGUMENT, "is negative"},
      {v1::RAW, kInt64Min, 1, grpc::StatusCode::INVALID_ARGUMENT,
       "is negative"},
      {v1::STR, kInt64Max, 1, grpc::StatusCode::INVALID_ARGUMENT,
       "out of range for str"},
      {v1::STR, (int64_t{64} << 20) + 1, 1, grpc::StatusCode::INVALID_ARGUMENT,
       "out of range for str"},
      {v1::BYTES, kInt64Max, 1, grpc::StatusCode::INVALID_ARGUMENT,
       "out of range for bytes"},
      {v1::RAW, kInt64Max, 1, grpc::StatusCode::INVALID_ARGUMENT,
       "out of range"},
      {v1::INT, kInt64Max, 1, grpc::StatusCode::INVALID_ARGUMENT,
       "out of range for int"},
      {v1::TUPLE, kInt64Max, 1, grpc::StatusCode::INVALID_ARGUMENT,
       "out of range for tuple"},
      {v1::TUPLE, (int64_t{1} << 24) + 1, 1, grpc::StatusCode::INVALID_ARGUMENT,
       "out of range for tuple"},
      {v1::LIST, kInt64Max, 1, grpc::StatusCode::INVALID_ARGUMENT,
       "out of range for list"},
      {v1::OBJECT, 1, 1, grpc::StatusCode::INVALID_ARGUMENT, "takes no length"},
      {v1::DICT, kInt64Max, 1, grpc::StatusCode::INVALID_ARGUMENT,
       "takes no length"},
      {v1::SET, 1, 1, grpc::StatusCode::INVALID_ARGUMENT, "takes no length"},
      {v1::FLOAT, 8, 1, grpc::StatusCode::INVALID_ARGUMENT, "takes no length"},
      // Counts: over the limit, whatever else is wrong.
      {v1::OBJECT, 0, kMaxAllocateCount + 1,
       grpc::StatusCode::RESOURCE_EXHAUSTED, "--max_allocate_count"},
      {v1::OBJECT, 0, kUint32Max, grpc::StatusCode::RESOURCE_EXHAUSTED,
       "--max_allocate_count"},
      {999, -1, kUint32Max, grpc::StatusCode::RESOURCE_EXHAUSTED,
       "--max_allocate_count"},
      // A bad length fails the whole request, not just one object.
      {v1::LIST, -5, 50, grpc::StatusCode::INVALID_ARGUMENT, "is negative"},
  };
  for (const Case& c : cases) {
    v1::AllocateRequest request;
    request.set_session_id(session);
    request.set_type(static_cast<v1::ObjectType>(c.type));
    request.set_length(c.length);
    request.set_count(c.count);
    ExpectRejected(Allocate(request), c.code, c.names,
                   absl::StrCat("Allocate type ", c.type, " length ", c.length,
                                " count ", c.count));
  }

  // Finalizers.
  struct FinalizerCase {
    int action;
    uint64_t into;
    std::string field;
    std::string names;
    grpc::StatusCode code = grpc::StatusCode::INVALID_ARGUMENT;
  };
  const std::vector<FinalizerCase> finalizers = {
      {999, 0, "", "finalizer.action 999"},
      {-1, 0, "", "finalizer.action -1"},
      // A target that is no live object is a handle like any other.
      {v1::Finalizer::RESURRECT_INTO, 0, "f", "not a live object",
       grpc::StatusCode::NOT_FOUND},
      {v1::Finalizer::RESURRECT_INTO, kUint64Max, "f", "not a live object",
       grpc::StatusCode::NOT_FOUND},
      {v1::Finalizer::RESURRECT_INTO, freed, "f", "not a live object",
       grpc::StatusCode::NOT_FOUND},
      {v1::Finalizer::RESURRECT_INTO, str, "f", "object or dict"},
      {v1::Finalizer::RESURRECT_INTO, tuple, "0", "object or dict"},
      {v1::Finalizer::RESURRECT_INTO, holder, "", "non-empty field name"},
      // The field could never be set (names are at most 256 bytes), and a
      // copy of it would be kept with every object of the request.
      {v1::Finalizer::RESURRECT_INTO, holder, std::string(257, 'f'),
       "at most 256"},
      {v1::Finalizer::RESURRECT_INTO, holder, kMegabyte, "at most 256"},
  };
  for (const FinalizerCase& c : finalizers) {
    v1::AllocateRequest request;
    request.set_session_id(session);
    request.set_type(v1::OBJECT);
    request.set_count(3);
    request.mutable_finalizer()->set_action(
        static_cast<v1::Finalizer::Action>(c.action));
    request.mutable_finalizer()->set_resurrect_into(c.into);
    request.mutable_finalizer()->set_resurrect_field(c.field);
    ExpectRejected(
        Allocate(request), c.code, c.names,
        absl::StrCat("Allocate with finalizer action ", c.action, " into ",
                     c.into, " field of ", c.field.size(), " bytes"));
  }
  EXPECT_EQ(Picture(session, watched), before);
  ExpectHeapValid();

  // The edges that are allowed: count 0 is one object, RAW of length 0,
  // the longest str, a tuple of no slots.
  EXPECT_EQ(New(session, v1::OBJECT, 0).size(), 1u);
  EXPECT_EQ(New(session, v1::RAW, 1, 0).size(), 1u);
  EXPECT_EQ(New(session, v1::STR, 1, int64_t{64} << 20).size(), 1u);
  EXPECT_EQ(New(session, v1::TUPLE, 1, 0).size(), 1u);
  ExpectHeapValid();
}

// A request that fails part-way (here at --max_objects) keeps nothing: the
// objects already made are dropped without their finalizers running (they
// never existed for the client, and a resurrecting finalizer would hand
// the session a reference it was never told about, or link the object
// somewhere) and without weak-reference callbacks.
TEST_F(BadInputTest, AFailedAllocateKeepsNothingEvenWithFinalizers) {
  Start({"--max_objects=10"});
  const std::string session = OpenSession();
  const uint64_t holder = NewOne(session, v1::OBJECT);
  // The limit collections below move the holder to generation 2: move it
  // there first.
  v1::CollectResponse collected;
  ASSERT_TRUE(Collect(session, &collected).ok());
  const std::string before = Picture(session, {holder}, false);
  const v1::StatsResponse stats_before = FreshStats();
  for (int action : {v1::Finalizer::RECORD, v1::Finalizer::RESURRECT_TO_SESSION,
                     v1::Finalizer::RESURRECT_INTO}) {
    v1::AllocateRequest request;
    request.set_session_id(session);
    request.set_type(v1::OBJECT);
    request.set_count(15);
    request.mutable_finalizer()->set_action(
        static_cast<v1::Finalizer::Action>(action));
    request.mutable_finalizer()->set_resurrect_into(holder);
    request.mutable_finalizer()->set_resurrect_field("saved");
    request.mutable_weakref()->set_create(true);
    request.mutable_weakref()->set_callback(true);
    ExpectRejected(Allocate(request), grpc::StatusCode::RESOURCE_EXHAUSTED,
                   "max_objects 10",
                   absl::StrCat("Allocate of 15 with finalizer ", action,
                                " at --max_objects=10"));
    EXPECT_EQ(Picture(session, {holder}, false), before)
        << "finalizer " << action;

    v1::BatchRequest batch;
    v1::BatchAllocate* allocate = batch.add_operations()->mutable_allocate();
    *allocate->mutable_finalizer() = request.finalizer();
    *allocate->mutable_weakref() = request.weakref();
    allocate->set_type(v1::OBJECT);
    allocate->set_count(15);
    v1::BatchResponse response;
    ASSERT_TRUE(Batch(session, batch, &response).ok());
    ASSERT_EQ(response.results_size(), 1);
    ExpectOpRejected(
        response.results(0), grpc::StatusCode::RESOURCE_EXHAUSTED,
        "max_objects 10",
        absl::StrCat("Batch allocate of 15 with finalizer ", action));
    EXPECT_EQ(Picture(session, {holder}, false), before)
        << "finalizer " << action;
  }
  // One limit collection per refused request, nothing else left behind.
  const v1::StatsResponse stats_after = FreshStats();
  EXPECT_EQ(stats_after.objects().weakrefs(), 0);
  EXPECT_EQ(stats_after.objects().objects(), 1);
  EXPECT_EQ(stats_after.collector().limit_collections(),
            stats_before.collector().limit_collections() + 6);
  ExpectHeapValid();
}

// A malformed Allocate is INVALID_ARGUMENT even at a limit: the request is
// wrong whatever the heap holds, and refusing it costs no full collection.
TEST_F(BadInputTest, AMalformedAllocateAtALimitIsInvalidArgument) {
  Start({"--max_objects=2"});
  const std::string session = OpenSession();
  const std::vector<uint64_t> made = New(session, v1::OBJECT, 2);
  const std::string before = Picture(session, made);
  const std::vector<std::pair<std::pair<int, int64_t>, std::string>> cases = {
      {{v1::STR, kInt64Max}, "out of range"},
      {{v1::OBJECT, 3}, "takes no length"},
  };
  for (const auto& [spec, names] : cases) {
    v1::AllocateRequest request;
    request.set_session_id(session);
    request.set_type(static_cast<v1::ObjectType>(spec.first));
    request.set_length(spec.second);
    ExpectRejected(Allocate(request), grpc::StatusCode::INVALID_ARGUMENT, names,
                   absl::StrCat("Allocate at the limit, ", names));
  }
  v1::AllocateRequest request;
  request.set_session_id(session);
  request.set_type(v1::OBJECT);
  request.mutable_finalizer()->set_action(v1::Finalizer::RESURRECT_INTO);
  request.mutable_finalizer()->set_resurrect_into(kUint64Max);
  request.mutable_finalizer()->set_resurrect_field("f");
  ExpectRejected(Allocate(request), grpc::StatusCode::NOT_FOUND,
                 "not a live object", "a bad finalizer at the limit");
  EXPECT_EQ(Picture(session, made), before) << "no limit collection ran";
  ExpectHeapValid();
}

// ---------------------------------------------------------------------------
// Handles

TEST_F(BadInputTest, HandlesAtTheirExtremesAreNotFoundEverywhere) {
  const std::string session = OpenSession();
  const uint64_t list = NewOne(session, v1::LIST);
  const uint64_t object = NewOne(session, v1::OBJECT);
  // A freed handle, and one whose slot a newer object took.
  const uint64_t freed = NewOne(session, v1::SET);
  const uint64_t reused = NewOne(session, v1::DICT);
  ASSERT_TRUE(DecRef(session, freed).ok());
  ASSERT_TRUE(DecRef(session, reused).ok());
  const uint64_t newer = NewOne(session, v1::DICT);
  ASSERT_NE(newer, reused);
  const std::vector<uint64_t> watched = {list, object, newer};
  const std::string before = Picture(session, watched);

  const std::vector<std::pair<uint64_t, std::string>> bad = {
      {0, "zero"},
      {kUint64Max, "max uint64"},
      {kUint32Max, "max uint32"},
      {(uint64_t{1} << 32) | 123456, "made up"},
      // Neighbours of a live handle.
      {list + 1, "a live handle plus one"},
      {list ^ (uint64_t{1} << 32), "a live handle with one bit flipped"},
      {freed, "freed"},
      {reused, "stale, its slot reused"},
  };
  for (const auto& [handle, what] : bad) {
    const std::string name = absl::StrCat("no object with handle ", handle);
    ExpectRejected(IncRef(session, handle), grpc::StatusCode::NOT_FOUND, name,
                   absl::StrCat("IncRef ", what));
    ExpectRejected(DecRef(session, handle), grpc::StatusCode::NOT_FOUND, name,
                   absl::StrCat("DecRef ", what));
    v1::InspectResponse inspected;
    ExpectRejected(Inspect(session, handle, &inspected),
                   grpc::StatusCode::NOT_FOUND, name,
                   absl::StrCat("Inspect ", what));
    ExpectRejected(SetField(session, handle, "f", object),
                   grpc::StatusCode::NOT_FOUND, name,
                   absl::StrCat("Link from ", what));
    ExpectRejected(SetField(session, object, "f", handle),
                   grpc::StatusCode::NOT_FOUND, name,
                   absl::StrCat("Link field to ", what));
    ExpectRejected(Append(session, list, handle), grpc::StatusCode::NOT_FOUND,
                   name, absl::StrCat("Append ", what));
    ExpectRejected(ClearField(session, handle, "f"),
                   grpc::StatusCode::NOT_FOUND, name,
                   absl::StrCat("Unlink field of ", what));
    ExpectRejected(RemoveItem(session, list, handle),
                   grpc::StatusCode::NOT_FOUND, name,
                   absl::StrCat("Unlink item ", what));
    // The same in a batch, every operation run (continue_on_error).
    v1::BatchRequest batch;
    batch.set_continue_on_error(true);
    AddIncRef(&batch, Handle(handle));
    AddDecRef(&batch, Handle(handle));
    AddLinkField(&batch, Handle(handle), Handle(object), "f");
    AddLinkField(&batch, Handle(object), Handle(handle), "f");
    AddAppend(&batch, Handle(list), Handle(handle));
    v1::BatchUnlink* unlink = batch.add_operations()->mutable_unlink();
    *unlink->mutable_source() = Handle(list);
    *unlink->mutable_item() = Handle(handle);
    v1::BatchResponse response;
    ASSERT_TRUE(Batch(session, batch, &response).ok());
    ASSERT_EQ(response.results_size(), 6);
    EXPECT_EQ(response.failed(), 6);
    for (const v1::OperationResult& result : response.results()) {
      ExpectOpRejected(result, grpc::StatusCode::NOT_FOUND, name,
                       absl::StrCat("Batch operation on ", what));
    }
  }
  EXPECT_EQ(Picture(session, watched), before);
  ExpectHeapValid();
}

// ---------------------------------------------------------------------------
// Links

TEST_F(BadInputTest, LinksTheHeapRefuses) {
  const std::string session = OpenSession();
  const uint64_t object = NewOne(session, v1::OBJECT);
  const uint64_t dict = NewOne(session, v1::DICT);
  const uint64_t list = NewOne(session, v1::LIST);
  const uint64_t set = NewOne(session, v1::SET);
  const uint64_t tuple = NewOne(session, v1::TUPLE, 2);
  const uint64_t empty_tuple = NewOne(session, v1::TUPLE, 0);
  const uint64_t full_tuple = NewOne(session, v1::TUPLE, 1);
  const uint64_t target = NewOne(session, v1::FLOAT);
  ASSERT_TRUE(Append(session, full_tuple, target).ok());
  ASSERT_TRUE(SetField(session, object, "present", target).ok());
  ASSERT_TRUE(Append(session, list, target).ok());
  std::vector<uint64_t> atomic;
  for (const auto& [type, length] :
       std::vector<std::pair<v1::ObjectType, int64_t>>{{v1::INT, 64},
                                                       {v1::FLOAT, 0},
                                                       {v1::STR, 3},
                                                       {v1::BYTES, 3},
                                                       {v1::RAW, 0},
                                                       {v1::RAW, 100}}) {
    atomic.push_back(NewOne(session, type, length));
  }
  std::vector<uint64_t> watched = {object, dict,        list,       set,
                                   tuple,  empty_tuple, full_tuple, target};
  watched.insert(watched.end(), atomic.begin(), atomic.end());
  const std::string before = Picture(session, watched);

  // Links from atomic objects.
  for (uint64_t from : atomic) {
    ExpectRejected(SetField(session, from, "f", target),
                   grpc::StatusCode::FAILED_PRECONDITION, "holds no references",
                   "field of an atomic object");
    ExpectRejected(Append(session, from, target),
                   grpc::StatusCode::FAILED_PRECONDITION, "holds no references",
                   "append to an atomic object");
    ExpectRejected(ClearField(session, from, "f"),
                   grpc::StatusCode::FAILED_PRECONDITION, "holds no references",
                   "clear a field of an atomic object");
    ExpectRejected(RemoveItem(session, from, target),
                   grpc::StatusCode::FAILED_PRECONDITION, "holds no references",
                   "remove from an atomic object");
  }
  // Wrong kind of slot for the container.
  for (uint64_t from : {list, set}) {
    ExpectRejected(SetField(session, from, "f", target),
                   grpc::StatusCode::FAILED_PRECONDITION,
                   "has items, not fields", "field of a list or set");
  }
  for (uint64_t from : {object, dict}) {
    ExpectRejected(Append(session, from, target),
                   grpc::StatusCode::FAILED_PRECONDITION,
                   "has fields, not items", "append to an object or dict");
    ExpectRejected(RemoveItem(session, from, target),
                   grpc::StatusCode::FAILED_PRECONDITION,
                   "only lists and sets remove items",
                   "remove from an object or dict");
  }
  ExpectRejected(RemoveItem(session, full_tuple, target),
                 grpc::StatusCode::FAILED_PRECONDITION,
                 "only lists and sets remove items", "remove from a tuple");
  ExpectRejected(Append(session, full_tuple, target),
                 grpc::StatusCode::FAILED_PRECONDITION, "slots filled",
                 "append to a full tuple");
  ExpectRejected(Append(session, empty_tuple, target),
                 grpc::StatusCode::FAILED_PRECONDITION, "slots filled",
                 "append to a tuple of no slots");
  // No slot at all, or `append: false`.
  for (uint64_t from : {object, list}) {
    v1::LinkRequest link;
    link.set_session_id(session);
    link.set_source(from);
    link.set_target(target);
    v1::LinkResponse linked;
    ExpectRejected(Call(&v1::Heap::Stub::Link, link, &linked),
                   grpc::StatusCode::INVALID_ARGUMENT, "needs a slot",
                   "Link without a slot");
    link.set_append(false);
    ExpectRejected(Call(&v1::Heap::Stub::Link, link, &linked),
                   grpc::StatusCode::INVALID_ARGUMENT, "needs a slot",
                   "Link with append false");
    v1::UnlinkRequest unlink;
    unlink.set_session_id(session);
    unlink.set_source(from);
    v1::UnlinkResponse unlinked;
    ExpectRejected(Call(&v1::Heap::Stub::Unlink, unlink, &unlinked),
                   grpc::StatusCode::INVALID_ARGUMENT, "needs a slot",
                   "Unlink without a slot");
  }
  // Field names: empty, one byte too long, a megabyte.
  for (uint64_t from : {object, dict}) {
    ExpectRejected(SetField(session, from, "", target),
                   grpc::StatusCode::INVALID_ARGUMENT, "must not be empty",
                   "empty field name");
    ExpectRejected(SetField(session, from, std::string(257, 'x'), target),
                   grpc::StatusCode::INVALID_ARGUMENT, "at most 256",
                   "257-byte field name");
    ExpectRejected(SetField(session, from, kMegabyte, target),
                   grpc::StatusCode::INVALID_ARGUMENT, "at most 256",
                   "1 MiB field name");
    // Absent fields.
    ExpectRejected(ClearField(session, from, "absent"),
                   grpc::StatusCode::FAILED_PRECONDITION,
                   "has no field \"absent\"", "clear an absent field");
    ExpectRejected(ClearField(session, from, ""),
                   grpc::StatusCode::FAILED_PRECONDITION, "has no field",
                   "clear the empty field");
    ExpectRejected(ClearField(session, from, kMegabyte),
                   grpc::StatusCode::FAILED_PRECONDITION, "has no field",
                   "clear a 1 MiB field name");
  }
  // Tuple slots: "0".."n-1" only, in their plain decimal form.
  for (const std::string& slot :
       {std::string(""), std::string("2"), std::string("-1"),
        std::string("18446744073709551616"), std::string("4294967296"),
        std::string("x"), std::string(" 1"), std::string("1 "),
        std::string("+1"), std::string("01"), std::string("0x1"),
        std::string(kMegabyte)}) {
    ExpectRejected(
        SetField(session, tuple, slot, target),
        grpc::StatusCode::INVALID_ARGUMENT,
        slot.empty() ? "must not be empty" : "has slots \"0\"..\"1\"",
        absl::StrCat("tuple slot of ", slot.size(),
                     " bytes: ", slot.substr(0, 30)));
    ExpectRejected(ClearField(session, tuple, slot),
                   grpc::StatusCode::FAILED_PRECONDITION, "has no field",
                   absl::StrCat("clear tuple slot of ", slot.size(),
                                " bytes: ", slot.substr(0, 30)));
  }
  ExpectRejected(SetField(session, empty_tuple, "0", target),
                 grpc::StatusCode::INVALID_ARGUMENT, "has no slots",
                 "slot of a tuple of length 0");
  ExpectRejected(ClearField(session, tuple, "0"),
                 grpc::StatusCode::FAILED_PRECONDITION, "has no field \"0\"",
                 "clear an empty tuple slot");
  // Items not there.
  ExpectRejected(RemoveItem(session, list, object),
                 grpc::StatusCode::FAILED_PRECONDITION, "is not an item",
                 "remove an item not in the list");
  ExpectRejected(RemoveItem(session, set, target),
                 grpc::StatusCode::FAILED_PRECONDITION, "is not an item",
                 "remove an item not in the set");
  EXPECT_EQ(Picture(session, watched), before);
  ExpectHeapValid();

  // The edges that are allowed: a 256-byte name, tuple slot "1", a field
  // set to the object it already holds (the count stays), a set member
  // added twice (stays one).
  ASSERT_TRUE(SetField(session, object, std::string(256, 'x'), target).ok());
  ASSERT_TRUE(SetField(session, tuple, "1", target).ok());
  const int64_t refcount = InspectOk(session, target).object().refcount();
  ASSERT_TRUE(SetField(session, object, "present", target).ok());
  ASSERT_TRUE(Append(session, set, target).ok());
  ASSERT_TRUE(Append(session, set, target).ok());
  EXPECT_EQ(InspectOk(session, target).object().refcount(), refcount + 1);
  EXPECT_EQ(InspectOk(session, set).object().items_size(), 1);
  ExpectHeapValid();
}

// A proto3 string must be UTF-8: a request that carries anything else
// cannot be parsed, and should be INVALID_ARGUMENT naming the field.
// DISABLED: gRPC 1.51's callback server answers UNIMPLEMENTED with an
// empty message (the handler never runs: the request fails to
// deserialize), for every string field of every RPC (session ids, field
// names, client names). Fixing it needs a parse step of our own in front
// of the handlers (or `bytes` fields in the proto); not a small change.
TEST_F(BadInputTest, DISABLED_StringsThatAreNotUtf8AreInvalidArgument) {
  const std::string session = OpenSession();
  const uint64_t object = NewOne(session, v1::OBJECT);
  const std::string before = Picture(session, {object});
  ExpectRejected(SetField(session, object, std::string("\xff\xfe", 2), object),
                 grpc::StatusCode::INVALID_ARGUMENT, "UTF-8",
                 "a field name that is not UTF-8");
  ExpectRejected(IncRef(std::string("\xc3\x28", 2), object),
                 grpc::StatusCode::INVALID_ARGUMENT, "UTF-8",
                 "a session id that is not UTF-8");
  EXPECT_EQ(Picture(session, {object}), before);
  ExpectHeapValid();
}

// What gRPC itself does today with a string that is not UTF-8, so that a
// change (the fix above, or a gRPC upgrade) is noticed.
TEST_F(BadInputTest, StringsThatAreNotUtf8AreRefusedByGrpcToday) {
  const std::string session = OpenSession();
  const uint64_t object = NewOne(session, v1::OBJECT);
  const std::string before = Picture(session, {object});
  ExpectRejected(SetField(session, object, std::string("\xff\xfe", 2), object),
                 grpc::StatusCode::UNIMPLEMENTED, "",
                 "a field name that is not UTF-8");
  EXPECT_EQ(Picture(session, {object}), before);
  ExpectHeapValid();
}

// Requests larger than gRPC's --max_message_bytes (4 MiB by default) are
// refused by gRPC before any handler runs.
TEST_F(BadInputTest, OversizedMessages) {
  const std::string session = OpenSession();
  const uint64_t object = NewOne(session, v1::OBJECT);
  const std::string before = Picture(session, {object});
  // Past 4 MiB.
  const std::string five_megabytes(5 << 20, 'x');
  ExpectRejected(SetField(session, object, five_megabytes, object),
                 grpc::StatusCode::RESOURCE_EXHAUSTED, "",
                 "a 5 MiB Link request");
  v1::PingRequest ping;
  ping.set_payload(five_megabytes);
  v1::PingResponse pong;
  ExpectRejected(Call(&v1::Heap::Stub::Ping, ping, &pong),
                 grpc::StatusCode::RESOURCE_EXHAUSTED, "",
                 "a 5 MiB Ping payload");
  EXPECT_EQ(Picture(session, {object}), before);
  ExpectHeapValid();
}

// ---------------------------------------------------------------------------
// Self-links and cycles

TEST_F(BadInputTest, SelfLinksAreCollected) {
  const std::string session = OpenSession();
  const v1::StatsResponse empty = FreshStats();
  const uint64_t object = NewOne(session, v1::OBJECT);
  const uint64_t dict = NewOne(session, v1::DICT);
  const uint64_t list = NewOne(session, v1::LIST);
  const uint64_t set = NewOne(session, v1::SET);
  const uint64_t tuple = NewOne(session, v1::TUPLE, 1);
  ASSERT_TRUE(SetField(session, object, "ref", object).ok());
  ASSERT_TRUE(SetField(session, object, "ref", object).ok())
      << "replaced by itself";
  ASSERT_TRUE(SetField(session, dict, "me", dict).ok());
  ASSERT_TRUE(Append(session, list, list).ok());
  ASSERT_TRUE(Append(session, list, list).ok());
  ASSERT_TRUE(Append(session, set, set).ok());
  ASSERT_TRUE(SetField(session, tuple, "0", tuple).ok());
  EXPECT_EQ(InspectOk(session, object).object().refcount(), 2);
  EXPECT_EQ(InspectOk(session, list).object().refcount(), 3);
  EXPECT_EQ(InspectOk(session, set).object().refcount(), 2);
  ExpectHeapValid();
  for (uint64_t handle : {object, dict, list, set, tuple}) {
    v1::DecRefResponse dropped;
    ASSERT_TRUE(DecRef(session, handle, &dropped).ok());
    EXPECT_EQ(dropped.objects_freed(), 0) << "a self-link keeps it alive";
  }
  EXPECT_EQ(FreshStats().objects().objects(), 5);
  v1::CollectResponse collected;
  ASSERT_TRUE(Collect(session, &collected).ok());
  EXPECT_EQ(collected.collected(), 5);
  EXPECT_EQ(FreshStats().objects().objects(), empty.objects().objects());
  for (uint64_t handle : {object, dict, list, set, tuple}) {
    v1::InspectResponse response;
    EXPECT_EQ(Inspect(session, handle, &response).error_code(),
              grpc::StatusCode::NOT_FOUND);
  }
  ExpectHeapValid();
}

// The deep-chain test's length: 200,000 by default, or
// $HEAPD_TEST_CHAIN_LENGTH (e.g. --test_env=HEAPD_TEST_CHAIN_LENGTH=1000000).
// Measured in fastbuild on a loaded 2-core machine, a million objects took
// 46 s to build (2 million batch operations; the unoptimized heap's own
// cost) and 1.5 s to free: too long for every run. Freed recursively,
// 200,000 frames of 48 bytes or more would already overflow a thread's
// default 8 MiB stack.
int ChainLength() {
  const char* length = std::getenv("HEAPD_TEST_CHAIN_LENGTH");
  int n = 0;
  if (length != nullptr && absl::SimpleAtoi(length, &n) && n > 1) return n;
  return 200000;
}

// A chain (object i's `next` is object i+1) built with batches, the session
// holding only the head: dropping the head frees all of it by reference
// counting, iteratively (a recursive free would overflow the server's
// stack), and the server goes on answering.
TEST_F(BadInputTest, ADeepChainIsFreedByOneDecRef) {
  Start({"--gc_threshold0=0"});  // no automatic collections meanwhile
  const std::string session = OpenSession();
  const int chain_length = ChainLength();
  // Per batch: one allocate of k objects, k-1 links within it, one link
  // from the previous batch's tail, k decrefs: 2k+1 <= --max_batch.
  constexpr int kPerBatch = static_cast<int>((kMaxBatch - 1) / 2);
  const absl::Time start = absl::Now();
  uint64_t head = 0;
  uint64_t tail = 0;
  for (int built = 0; built < chain_length;) {
    const int k = std::min(kPerBatch, chain_length - built);
    v1::BatchRequest batch;
    AddAllocate(&batch, v1::OBJECT, static_cast<uint32_t>(k));
    for (int i = 0; i + 1 < k; ++i) {
      AddLinkField(&batch, Result(0, i), Result(0, i + 1), "next");
    }
    if (tail != 0) AddLinkField(&batch, Handle(tail), Result(0, 0), "next");
    for (int i = built == 0 ? 1 : 0; i < k; ++i) {
      AddDecRef(&batch, Result(0, i));
    }
    v1::BatchResponse response;
    const grpc::Status status = Batch(session, batch, &response);
    ASSERT_TRUE(status.ok()) << Describe(status);
    ASSERT_EQ(response.failed(), 0)
        << response.results(response.results_size() - 1).message();
    const auto& objects = response.results(0).allocate().objects();
    if (built == 0) head = objects[0].handle();
    tail = objects[k - 1].handle();
    built += k;
  }
  const absl::Duration build = absl::Now() - start;
  EXPECT_EQ(FreshStats().objects().objects(), chain_length);
  const v1::InspectResponse inspected = InspectOk(session, head);
  EXPECT_EQ(inspected.object().refcount(), 1);
  EXPECT_EQ(inspected.object().session_references(), 1);

  const absl::Time drop = absl::Now();
  v1::DecRefResponse dropped;
  const grpc::Status status = DecRef(session, head, &dropped);
  ASSERT_TRUE(status.ok()) << Describe(status);
  EXPECT_EQ(dropped.objects_freed(), chain_length);
  EXPECT_EQ(dropped.refcount(), 0);
  const absl::Duration free = absl::Now() - drop;
  std::printf("chain of %d: built in %s, freed in %s\n", chain_length,
              absl::FormatDuration(build).c_str(),
              absl::FormatDuration(free).c_str());
  v1::PingResponse pong;
  EXPECT_TRUE(Call(&v1::Heap::Stub::Ping, v1::PingRequest(), &pong).ok());
  EXPECT_EQ(FreshStats().objects().objects(), 0);
  v1::InspectResponse gone;
  EXPECT_EQ(Inspect(session, tail, &gone).error_code(),
            grpc::StatusCode::NOT_FOUND);
  ExpectHeapValid();
}

// ---------------------------------------------------------------------------
// The collector and its configuration

TEST_F(BadInputTest, CollectAndGcConfigAtTheirExtremes) {
  const std::string session = OpenSession();
  const uint64_t object = NewOne(session, v1::OBJECT);
  const std::string before = Picture(session, {object});
  for (int32_t generation : {-1, 3, 4, kInt32Max, kInt32Min}) {
    v1::CollectResponse response;
    ExpectRejected(Collect(session, &response, generation),
                   grpc::StatusCode::INVALID_ARGUMENT,
                   absl::StrCat("generation ", generation, " does not exist"),
                   absl::StrCat("Collect generation ", generation));
    v1::BatchRequest batch;
    batch.add_operations()->mutable_collect()->set_generation(generation);
    v1::BatchResponse batched;
    ASSERT_TRUE(Batch(session, batch, &batched).ok());
    ASSERT_EQ(batched.results_size(), 1);
    ExpectOpRejected(batched.results(0), grpc::StatusCode::INVALID_ARGUMENT,
                     "does not exist",
                     absl::StrCat("Batch collect generation ", generation));
  }

  v1::GetGcConfigRequest get;
  get.set_session_id(session);
  v1::GcConfig config_before;
  ASSERT_TRUE(Call(&v1::Heap::Stub::GetGcConfig, get, &config_before).ok());
  struct ConfigCase {
    std::function<void(v1::SetGcConfigRequest*)> set;
    std::string names;
    std::string what;
  };
  const std::vector<ConfigCase> cases = {
      {[](auto* r) { r->set_threshold0(-1); }, "threshold 0 is -1",
       "threshold0 -1"},
      {[](auto* r) { r->set_threshold0(kInt64Min); }, "must be >= 0",
       "threshold0 min int64"},
      {[](auto* r) { r->set_threshold1(-1); }, "threshold 1 is -1",
       "threshold1 -1"},
      {[](auto* r) { r->set_threshold2(kInt64Min); }, "threshold 2 is",
       "threshold2 min int64"},
      {[](auto* r) { r->set_debug_flags(kUint32Max); },
       "unknown gc debug flags", "debug_flags max uint32"},
      {[](auto* r) { r->set_debug_flags(8); }, "unknown gc debug flags 8",
       "debug_flags 8"},
      {[](auto* r) { r->set_debug_flags(64 | 1); }, "unknown gc debug flags 64",
       "debug_flags 65"},
      // One bad field fails the whole request: the good ones are not
      // applied either.
      {[](auto* r) {
         r->set_threshold0(5);
         r->set_enabled(false);
         r->set_debug_flags(32);
         r->set_threshold2(-7);
       },
       "threshold 2 is -7", "good fields and one bad"},
  };
  for (const ConfigCase& c : cases) {
    v1::SetGcConfigRequest request;
    request.set_session_id(session);
    c.set(&request);
    v1::GcConfig response;
    ExpectRejected(Call(&v1::Heap::Stub::SetGcConfig, request, &response),
                   grpc::StatusCode::INVALID_ARGUMENT, c.names, c.what);
  }
  v1::GcConfig config_after;
  ASSERT_TRUE(Call(&v1::Heap::Stub::GetGcConfig, get, &config_after).ok());
  EXPECT_EQ(config_after.DebugString(), config_before.DebugString());
  EXPECT_EQ(Picture(session, {object}), before);
  ExpectHeapValid();

  // The largest thresholds are legal: nothing is ever collected
  // automatically, and an explicit collection still works.
  v1::SetGcConfigRequest huge;
  huge.set_session_id(session);
  huge.set_threshold0(kInt64Max);
  huge.set_threshold1(kInt64Max);
  huge.set_threshold2(kInt64Max);
  v1::GcConfig set;
  ASSERT_TRUE(Call(&v1::Heap::Stub::SetGcConfig, huge, &set).ok());
  EXPECT_EQ(set.thresholds(0), kInt64Max);
  New(session, v1::LIST, 2000);
  const v1::StatsResponse stats = FreshStats();
  for (const v1::GenerationStats& generation :
       stats.collector().generations()) {
    EXPECT_EQ(generation.collections(), 0);
  }
  v1::CollectResponse collected;
  ASSERT_TRUE(Collect(session, &collected, 0).ok());
  ExpectHeapValid();
}

// ---------------------------------------------------------------------------
// Stats, WatchStats, Ping

TEST_F(BadInputTest, UnknownStatsSectionsAreIgnored) {
  // Today's behaviour, kept on purpose: an unknown section (a newer
  // client's) fills nothing rather than failing the call, and a list of
  // only unknown sections fills no section at all.
  for (int section :
       {999, -1, static_cast<int>(v1::STATS_SECTION_UNSPECIFIED)}) {
    v1::StatsRequest request;
    request.add_sections(static_cast<v1::StatsSection>(section));
    v1::StatsResponse response;
    const grpc::Status status =
        Call(&v1::Heap::Stub::Stats, request, &response);
    ++bad_inputs_sent;
    ASSERT_TRUE(status.ok()) << Describe(status);
    EXPECT_FALSE(response.has_allocator()) << section;
    EXPECT_FALSE(response.has_objects()) << section;
    EXPECT_FALSE(response.has_server()) << section;
    EXPECT_GT(response.sequence(), 0u);
    request.add_sections(v1::OBJECTS);
    request.set_fresh(true);
    ++bad_inputs_sent;
    ASSERT_TRUE(Call(&v1::Heap::Stub::Stats, request, &response).ok());
    EXPECT_TRUE(response.has_objects()) << section;
    EXPECT_FALSE(response.has_lock()) << section;
  }
  ExpectHeapValid();
}

TEST_F(BadInputTest, WatchStatsIntervalAtItsExtremes) {
  const std::vector<std::pair<int64_t, std::string>> cases = {
      {-1, "at least 50"},
      {1, "at least 50"},
      {49, "at least 50"},
      {kInt64Min, "at least 50"},
      // Beyond a day is refused: the interval is added to the clock in
      // nanoseconds, which overflows past about 290 years.
      {86400001, "at most 86400000"},
      {kInt64Max, "at most 86400000"},
  };
  for (const auto& [interval_ms, names] : cases) {
    v1::WatchStatsRequest request;
    request.set_interval_ms(interval_ms);
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + kRpcTimeout);
    std::unique_ptr<grpc::ClientReader<v1::StatsResponse>> reader =
        heap_->WatchStats(&context, request);
    v1::StatsResponse message;
    if (reader->Read(&message)) {
      ADD_FAILURE() << "interval " << interval_ms << " was accepted";
      context.TryCancel();
      while (reader->Read(&message)) {
      }
    }
    ExpectRejected(reader->Finish(), grpc::StatusCode::INVALID_ARGUMENT, names,
                   absl::StrCat("WatchStats interval ", interval_ms));
  }
  // An unknown section streams nothing but the sequence, like Stats; the
  // longest interval allowed sends the first message and then waits.
  v1::WatchStatsRequest request;
  request.set_interval_ms(86400000);
  request.add_sections(static_cast<v1::StatsSection>(999));
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + kRpcTimeout);
  std::unique_ptr<grpc::ClientReader<v1::StatsResponse>> reader =
      heap_->WatchStats(&context, request);
  v1::StatsResponse message;
  ++bad_inputs_sent;
  ASSERT_TRUE(reader->Read(&message));
  EXPECT_FALSE(message.has_objects());
  EXPECT_GT(message.sequence(), 0u);
  context.TryCancel();
  while (reader->Read(&message)) {
  }
  EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::CANCELLED);
  ExpectHeapValid();
}

TEST_F(BadInputTest, PingPayloadAtItsLimit) {
  v1::PingRequest request;
  v1::PingResponse response;
  request.set_payload(std::string(kMaxPingPayload, 'p'));
  ASSERT_TRUE(Call(&v1::Heap::Stub::Ping, request, &response).ok());
  EXPECT_EQ(response.payload().size(), kMaxPingPayload);
  for (size_t size : {kMaxPingPayload + 1, size_t{1} << 20}) {
    request.set_payload(std::string(size, 'p'));
    ExpectRejected(Call(&v1::Heap::Stub::Ping, request, &response),
                   grpc::StatusCode::INVALID_ARGUMENT, "at most 65536",
                   absl::StrCat("Ping payload of ", size));
  }
  ExpectHeapValid();
}

// ---------------------------------------------------------------------------
// Batches

TEST_F(BadInputTest, EmptyAndOversizedBatches) {
  const std::string session = OpenSession();
  const uint64_t object = NewOne(session, v1::OBJECT);
  const std::string before = Picture(session, {object});
  v1::BatchResponse response;
  ASSERT_TRUE(Batch(session, v1::BatchRequest(), &response).ok());
  EXPECT_EQ(response.results_size(), 0);
  EXPECT_EQ(response.succeeded() + response.failed() + response.skipped(), 0);

  // One operation over --max_batch: refused whole, none of it run.
  v1::BatchRequest over;
  for (int64_t i = 0; i <= kMaxBatch; ++i) AddIncRef(&over, Handle(object));
  ExpectRejected(Batch(session, over, &response),
                 grpc::StatusCode::RESOURCE_EXHAUSTED, "--max_batch",
                 "a batch of max_batch + 1");
  EXPECT_EQ(response.results_size(), 0);
  // The unknown session does not matter: the size is checked first.
  ExpectRejected(Batch("no such session", over, &response),
                 grpc::StatusCode::RESOURCE_EXHAUSTED, "--max_batch",
                 "an oversized batch of an unknown session");
  EXPECT_EQ(Picture(session, {object}), before);

  // An allocate over --max_allocate_count fails that operation only.
  v1::BatchRequest big;
  AddAllocate(&big, v1::OBJECT, kMaxAllocateCount + 1);
  AddAllocate(&big, v1::OBJECT, kUint32Max);
  big.set_continue_on_error(true);
  ASSERT_TRUE(Batch(session, big, &response).ok());
  ASSERT_EQ(response.results_size(), 2);
  for (const v1::OperationResult& result : response.results()) {
    ExpectOpRejected(result, grpc::StatusCode::RESOURCE_EXHAUSTED,
                     "--max_allocate_count", "batch allocate over the count");
  }
  // Operations and references left unset.
  v1::BatchRequest unset;
  unset.set_continue_on_error(true);
  unset.add_operations();
  unset.add_operations()->mutable_incref();
  unset.add_operations()->mutable_decref();
  unset.add_operations()->mutable_link()->set_field("f");
  v1::BatchLink* no_target = unset.add_operations()->mutable_link();
  *no_target->mutable_source() = Handle(object);
  no_target->set_field("f");
  unset.add_operations()->mutable_unlink()->set_field("f");
  v1::BatchLink* no_slot = unset.add_operations()->mutable_link();
  *no_slot->mutable_source() = Handle(object);
  *no_slot->mutable_target() = Handle(object);
  v1::BatchUnlink* no_item = unset.add_operations()->mutable_unlink();
  *no_item->mutable_source() = Handle(object);
  no_item->mutable_item();
  ASSERT_TRUE(Batch(session, unset, &response).ok());
  ASSERT_EQ(response.results_size(), 8);
  const std::vector<std::string> names = {
      "operation 0 is unset",   "incref.object is unset",
      "decref.object is unset", "link.source is unset",
      "link.target is unset",   "unlink.source is unset",
      "needs a slot",           "unlink.item is unset"};
  for (int i = 0; i < 8; ++i) {
    ExpectOpRejected(response.results(i), grpc::StatusCode::INVALID_ARGUMENT,
                     names[i], absl::StrCat("unset, case ", i));
  }
  EXPECT_EQ(Picture(session, {object}), before);
  ExpectHeapValid();
}

// Every way a result reference can miss, as each kind of operand. (A
// skipped operation cannot be named: without continue_on_error nothing
// after the failure runs, and with it nothing is skipped.)
TEST_F(BadInputTest, ResultReferencesOutOfRange) {
  const std::string session = OpenSession();
  const uint64_t object = NewOne(session, v1::OBJECT);
  const std::string before = Picture(session, {object});
  v1::BatchRequest batch;
  batch.set_continue_on_error(true);
  AddAllocate(&batch, v1::OBJECT, 2);                        // 0: two objects
  AddAllocate(&batch, static_cast<v1::ObjectType>(999), 1);  // 1: fails
  AddIncRef(&batch, Handle(object));  // 2: no objects produced
  struct RefCase {
    uint32_t op;  // ignored when `itself`
    uint32_t object;
    bool itself;  // the operation that carries the reference
    std::string names;
  };
  const std::vector<RefCase> cases = {
      {0, 0, true, "must name an earlier operation"},
      {100000, 0, false, "must name an earlier operation"},
      {kUint32Max, 0, false, "must name an earlier operation"},
      {0, 2, false, "which allocated 2"},
      {0, kUint32Max, false, "which allocated 2"},
      {1, 0, false, "which failed"},
      {2, 0, false, "produced no objects"},
  };
  auto ref = [&](const RefCase& c) {
    return Result(c.itself ? batch.operations_size() : c.op, c.object);
  };
  const int first = batch.operations_size();
  for (const RefCase& c : cases) AddIncRef(&batch, ref(c));
  // The same references as link sources, targets and unlink items.
  for (const RefCase& c : cases) {
    AddLinkField(&batch, ref(c), Handle(object), "f");
    AddLinkField(&batch, Handle(object), ref(c), "f");
    v1::BatchUnlink* unlink = batch.add_operations()->mutable_unlink();
    *unlink->mutable_source() = Handle(object);
    *unlink->mutable_item() = ref(c);
    AddDecRef(&batch, ref(c));
  }
  // A reference to an earlier operation that failed, from a later batch
  // position, after a success in between.
  AddDecRef(&batch, Result(0, 1));  // succeeds: frees object 1
  AddIncRef(&batch, Result(0, 1));  // the handle is now stale
  v1::BatchResponse response;
  ASSERT_TRUE(Batch(session, batch, &response).ok());
  const int n = batch.operations_size();
  ASSERT_EQ(response.results_size(), n);
  EXPECT_EQ(response.skipped(), 0);
  ExpectOpRejected(response.results(1), grpc::StatusCode::INVALID_ARGUMENT,
                   "type 999", "allocate of type 999");
  for (size_t i = 0; i < cases.size(); ++i) {
    ExpectOpRejected(response.results(first + i),
                     grpc::StatusCode::INVALID_ARGUMENT, cases[i].names,
                     absl::StrCat("incref of reference case ", i));
    for (int j = 0; j < 4; ++j) {
      const int op =
          first + static_cast<int>(cases.size()) + 4 * static_cast<int>(i) + j;
      // The unlink resolves its source (a handle) first, then the item.
      ExpectOpRejected(response.results(op), grpc::StatusCode::INVALID_ARGUMENT,
                       cases[i].names,
                       absl::StrCat("operation ", op, ", reference case ", i));
    }
  }
  EXPECT_EQ(response.results(n - 2).code(), 0);
  ExpectOpRejected(response.results(n - 1), grpc::StatusCode::NOT_FOUND,
                   "no object with handle", "a result freed earlier");
  EXPECT_EQ(response.succeeded(), 3);  // allocate, incref of `object`, decref
  // What remains: `object` with one more reference; object 0 of the
  // allocate, which the session holds.
  ASSERT_TRUE(DecRef(session, object).ok());
  const uint64_t kept = response.results(0).allocate().objects(0).handle();
  ASSERT_TRUE(DecRef(session, kept).ok());
  EXPECT_EQ(Picture(session, {object}), before);
  ExpectHeapValid();
}

// continue_on_error false: the batch stops at the failed operation, what
// ran before it stays done (a batch is not a transaction), the rest is
// skipped. true: every operation runs.
TEST_F(BadInputTest, AFailingMiddleOperation) {
  const std::string session = OpenSession();
  const uint64_t object = NewOne(session, v1::OBJECT);
  const uint64_t other = NewOne(session, v1::LIST);
  const std::string other_session = OpenSession();
  const uint64_t not_mine = NewOne(other_session, v1::OBJECT);
  for (bool continue_on_error : {false, true}) {
    const int64_t refcount = InspectOk(session, object).object().refcount();
    v1::BatchRequest batch;
    batch.set_continue_on_error(continue_on_error);
    AddIncRef(&batch, Handle(object));
    AddAppend(&batch, Handle(other), Handle(object));
    AddDecRef(&batch, Handle(not_mine));  // fails
    AddIncRef(&batch, Handle(object));
    AddAllocate(&batch, v1::DICT, 3);
    v1::BatchResponse response;
    ASSERT_TRUE(Batch(session, batch, &response).ok());
    ASSERT_GE(response.results_size(), 3);
    ExpectOpRejected(response.results(2), grpc::StatusCode::FAILED_PRECONDITION,
                     "holds no reference", "the failing middle operation");
    EXPECT_EQ(response.results(0).code(), 0);
    EXPECT_EQ(response.results(1).code(), 0);
    EXPECT_EQ(response.failed(), 1);
    if (!continue_on_error) {
      EXPECT_EQ(response.results_size(), 3);
      EXPECT_EQ(response.succeeded(), 2);
      EXPECT_EQ(response.skipped(), 2);
      EXPECT_EQ(InspectOk(session, object).object().refcount(), refcount + 2);
    } else {
      EXPECT_EQ(response.results_size(), 5);
      EXPECT_EQ(response.succeeded(), 4);
      EXPECT_EQ(response.skipped(), 0);
      EXPECT_EQ(InspectOk(session, object).object().refcount(), refcount + 3);
      EXPECT_EQ(response.results(4).allocate().objects_size(), 3);
    }
    EXPECT_EQ(InspectOk(other_session, not_mine).object().refcount(), 1);
  }
  EXPECT_EQ(FreshStats().objects().objects(), 3 + 3);
  ExpectHeapValid();
}

// The same handle twice in one batch acts twice, exactly as two calls.
TEST_F(BadInputTest, DuplicatedHandlesInOneBatch) {
  const std::string session = OpenSession();
  const uint64_t source = NewOne(session, v1::OBJECT);
  const uint64_t list = NewOne(session, v1::LIST);
  const uint64_t set = NewOne(session, v1::SET);
  const uint64_t target = NewOne(session, v1::STR, 4);
  v1::BatchRequest batch;
  batch.set_continue_on_error(true);
  AddIncRef(&batch, Handle(target));                          // 0
  AddIncRef(&batch, Handle(target));                          // 1
  AddLinkField(&batch, Handle(source), Handle(target), "f");  // 2
  AddLinkField(&batch, Handle(source), Handle(target), "f");  // 3: replaces
  AddAppend(&batch, Handle(list), Handle(target));            // 4
  AddAppend(&batch, Handle(list), Handle(target));            // 5
  AddAppend(&batch, Handle(set), Handle(target));             // 6
  AddAppend(&batch, Handle(set), Handle(target));  // 7: already there
  v1::BatchResponse response;
  ASSERT_TRUE(Batch(session, batch, &response).ok());
  ASSERT_EQ(response.failed(), 0);
  EXPECT_EQ(response.results(1).incref().session_references(), 3);
  EXPECT_EQ(response.results(3).link().replaced(), target);
  // session 3 + field 1 + list 2 + set 1.
  v1::ObjectInfo info = InspectOk(session, target).object();
  EXPECT_EQ(info.refcount(), 7);
  EXPECT_EQ(info.session_references(), 3);
  EXPECT_EQ(InspectOk(session, list).object().items_size(), 2);
  EXPECT_EQ(InspectOk(session, set).object().items_size(), 1);
  EXPECT_EQ(InspectOk(session, source).object().fields_size(), 1);

  // Decref four times when the session holds three: the fourth fails, and
  // the object lives on through its links.
  v1::BatchRequest drops;
  drops.set_continue_on_error(true);
  for (int i = 0; i < 4; ++i) AddDecRef(&drops, Handle(target));
  // Unlink the same item and field twice: the second of each is refused.
  v1::BatchUnlink* unlink = drops.add_operations()->mutable_unlink();
  *unlink->mutable_source() = Handle(set);
  *unlink->mutable_item() = Handle(target);
  *drops.add_operations()->mutable_unlink() = *unlink;
  v1::BatchUnlink* clear = drops.add_operations()->mutable_unlink();
  *clear->mutable_source() = Handle(source);
  clear->set_field("f");
  *drops.add_operations()->mutable_unlink() = *clear;
  ASSERT_TRUE(Batch(session, drops, &response).ok());
  ASSERT_EQ(response.results_size(), 8);
  for (int i : {0, 1, 2, 4, 6}) {
    EXPECT_EQ(response.results(i).code(), 0) << i;
  }
  ExpectOpRejected(response.results(3), grpc::StatusCode::FAILED_PRECONDITION,
                   "holds no reference", "the fourth decref of three");
  ExpectOpRejected(response.results(5), grpc::StatusCode::FAILED_PRECONDITION,
                   "is not an item", "removing a set member twice");
  ExpectOpRejected(response.results(7), grpc::StatusCode::FAILED_PRECONDITION,
                   "has no field \"f\"", "clearing a field twice");
  info = InspectOk(session, target).object();
  EXPECT_EQ(info.refcount(), 2);  // the list's two items
  EXPECT_EQ(info.session_references(), 0);
  ExpectHeapValid();
}

}  // namespace
}  // namespace heapd
