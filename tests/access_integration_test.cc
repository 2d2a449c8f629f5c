// Objects belong to identities: with --auth_tokens, a handle is usable only
// by sessions of the identity that allocated it (or by an admin), every
// other identity gets the NOT_FOUND a made-up handle gets and changes
// nothing, and answers reveal nothing of other identities' objects and
// sessions. Handles are unguessable. Against a real heapd, two client
// identities and an admin.
#include <grpcpp/grpcpp.h>

#include <bitset>
#include <chrono>
#include <cstdint>
#include <fstream>
#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "gtest/gtest.h"
#include "proto/heap.grpc.pb.h"
#include "tests/heapd_test_fixture.h"
#include "tests/status_text.h"

namespace heapd {
namespace {

constexpr char kAliceToken[] = "alice-token-0123456789abcdef";
constexpr char kBobToken[] = "bob-token-0123456789abcdef";
constexpr char kAdminToken[] = "admin-token-0123456789abcdef";

// A handle no heapd made (the odds of a live handle being this value are
// 2^-64 per object).
constexpr uint64_t kMadeUpHandle = 0x5eed5eed5eed5eedULL;

std::string WriteTokens() {
  const char* dir = std::getenv("TEST_TMPDIR");
  const std::string path =
      absl::StrCat(dir != nullptr ? dir : "/tmp", "/tokens");
  std::ofstream out(path);
  out << kAliceToken << " client alice\n"
      << kBobToken << " client bob\n"
      << kAdminToken << " admin root\n";
  return path;
}

class AccessTest : public HeapdTest {
 protected:
  AccessTest() : HeapdTest(std::chrono::seconds(30)) {}

  void SetUp() override {
    Start({absl::StrCat("--auth_tokens=", WriteTokens()),
           "--slowlog_threshold_us=0", "--stats_publish_interval_ms=0"});
  }

  void As(const char* token) { bearer_token_ = token; }

  uint64_t Allocate(const std::string& session, v1::ObjectType type) {
    v1::AllocateRequest request;
    request.set_session_id(session);
    request.set_type(type);
    v1::AllocateResponse response;
    const grpc::Status status =
        Call(&v1::Heap::Stub::Allocate, request, &response);
    EXPECT_TRUE(status.ok()) << Describe(status);
    return response.objects_size() > 0 ? response.objects(0).handle() : 0;
  }

  grpc::Status LinkField(const std::string& session, uint64_t source,
                         uint64_t target, const std::string& field) {
    v1::LinkRequest request;
    request.set_session_id(session);
    request.set_source(source);
    request.set_target(target);
    request.set_field(field);
    v1::LinkResponse response;
    return Call(&v1::Heap::Stub::Link, request, &response);
  }

  grpc::Status Inspect(const std::string& session, uint64_t handle,
                       v1::InspectResponse* response) {
    v1::InspectRequest request;
    request.set_session_id(session);
    request.set_handle(handle);
    return Call(&v1::Heap::Stub::Inspect, request, response);
  }

  v1::ObjectInfo InspectOk(const std::string& session, uint64_t handle) {
    v1::InspectResponse response;
    const grpc::Status status = Inspect(session, handle, &response);
    EXPECT_TRUE(status.ok()) << Describe(status);
    return response.object();
  }

  // What a request naming `handle` answers, with the handle's digits made
  // neutral, so an answer about a foreign handle can be compared with one
  // about a made-up handle.
  static std::string Neutral(const grpc::Status& status, uint64_t handle) {
    return absl::StrCat(
        status.error_code(), " ",
        absl::StrReplaceAll(status.error_message(),
                            {{absl::StrCat(handle), "H"},
                             {absl::StrCat(absl::Hex(handle)), "H"}}));
  }

  // Every handle-naming request of the API, by `session`, naming `foreign`
  // where a handle goes and `own` (an object of `session`'s identity)
  // where a second one is needed. Returns each answer, described.
  std::vector<std::pair<std::string, grpc::Status>> EveryHandleRequest(
      const std::string& session, uint64_t foreign, uint64_t own,
      uint64_t own_list) {
    std::vector<std::pair<std::string, grpc::Status>> answers;
    {
      v1::IncRefRequest request;
      request.set_session_id(session);
      request.set_handle(foreign);
      v1::IncRefResponse response;
      answers.emplace_back("IncRef",
                           Call(&v1::Heap::Stub::IncRef, request, &response));
    }
    {
      v1::DecRefRequest request;
      request.set_session_id(session);
      request.set_handle(foreign);
      v1::DecRefResponse response;
      answers.emplace_back("DecRef",
                           Call(&v1::Heap::Stub::DecRef, request, &response));
    }
    answers.emplace_back("Link source", LinkField(session, foreign, own, "f"));
    answers.emplace_back("Link target", LinkField(session, own, foreign, "f"));
    {
      v1::LinkRequest request;
      request.set_session_id(session);
      request.set_source(own_list);
      request.set_target(foreign);
      request.set_append(true);
      v1::LinkResponse response;
      answers.emplace_back("Link append target",
                           Call(&v1::Heap::Stub::Link, request, &response));
    }
    {
      v1::UnlinkRequest request;
      request.set_session_id(session);
      request.set_source(foreign);
      request.set_field("f");
      v1::UnlinkResponse response;
      answers.emplace_back("Unlink source",
                           Call(&v1::Heap::Stub::Unlink, request, &response));
    }
    {
      v1::UnlinkRequest request;
      request.set_session_id(session);
      request.set_source(own_list);
      request.set_item(foreign);
      v1::UnlinkResponse response;
      answers.emplace_back("Unlink item",
                           Call(&v1::Heap::Stub::Unlink, request, &response));
    }
    {
      v1::InspectResponse response;
      answers.emplace_back("Inspect", Inspect(session, foreign, &response));
    }
    {
      v1::AllocateRequest request;
      request.set_session_id(session);
      request.set_type(v1::OBJECT);
      request.mutable_finalizer()->set_action(v1::Finalizer::RESURRECT_INTO);
      request.mutable_finalizer()->set_resurrect_into(foreign);
      request.mutable_finalizer()->set_resurrect_field("back");
      v1::AllocateResponse response;
      answers.emplace_back("Allocate finalizer target",
                           Call(&v1::Heap::Stub::Allocate, request, &response));
    }
    // Each Batch operation that names a handle, alone in its batch.
    auto batch = [&](const std::string& what, auto fill) {
      v1::BatchRequest request;
      request.set_session_id(session);
      fill(request.add_operations());
      v1::BatchResponse response;
      const grpc::Status status =
          Call(&v1::Heap::Stub::Batch, request, &response);
      if (!status.ok() || response.results_size() == 0) {
        answers.emplace_back(what, status);
        return;
      }
      const v1::OperationResult& result = response.results(0);
      answers.emplace_back(
          what, grpc::Status(static_cast<grpc::StatusCode>(result.code()),
                             result.message()));
    };
    batch("Batch incref", [&](v1::Operation* op) {
      op->mutable_incref()->mutable_object()->set_handle(foreign);
    });
    batch("Batch decref", [&](v1::Operation* op) {
      op->mutable_decref()->mutable_object()->set_handle(foreign);
    });
    batch("Batch link source", [&](v1::Operation* op) {
      op->mutable_link()->mutable_source()->set_handle(foreign);
      op->mutable_link()->mutable_target()->set_handle(own);
      op->mutable_link()->set_field("f");
    });
    batch("Batch link target", [&](v1::Operation* op) {
      op->mutable_link()->mutable_source()->set_handle(own);
      op->mutable_link()->mutable_target()->set_handle(foreign);
      op->mutable_link()->set_field("f");
    });
    batch("Batch unlink source", [&](v1::Operation* op) {
      op->mutable_unlink()->mutable_source()->set_handle(foreign);
      op->mutable_unlink()->set_field("f");
    });
    batch("Batch unlink item", [&](v1::Operation* op) {
      op->mutable_unlink()->mutable_source()->set_handle(own_list);
      op->mutable_unlink()->mutable_item()->set_handle(foreign);
    });
    batch("Batch allocate finalizer target", [&](v1::Operation* op) {
      op->mutable_allocate()->set_type(v1::OBJECT);
      op->mutable_allocate()->mutable_finalizer()->set_action(
          v1::Finalizer::RESURRECT_INTO);
      op->mutable_allocate()->mutable_finalizer()->set_resurrect_into(foreign);
      op->mutable_allocate()->mutable_finalizer()->set_resurrect_field("back");
    });
    return answers;
  }
};

TEST_F(AccessTest, AnotherIdentitysHandlesAreNotFoundAndChangeNothing) {
  As(kAliceToken);
  const std::string alice = OpenSession();
  const uint64_t a1 = Allocate(alice, v1::OBJECT);
  const uint64_t a2 = Allocate(alice, v1::OBJECT);
  const uint64_t alist = Allocate(alice, v1::LIST);
  ASSERT_TRUE(LinkField(alice, a1, a2, "f").ok());
  const v1::ObjectInfo a1_before = InspectOk(alice, a1);
  const v1::ObjectInfo a2_before = InspectOk(alice, a2);
  const v1::ObjectInfo alist_before = InspectOk(alice, alist);

  As(kBobToken);
  const std::string bob = OpenSession();
  const uint64_t b1 = Allocate(bob, v1::OBJECT);
  const uint64_t blist = Allocate(bob, v1::LIST);
  const int64_t objects_before = FreshStats().objects().objects();

  // What every request answers for a handle that never existed...
  std::vector<std::pair<std::string, grpc::Status>> made_up =
      EveryHandleRequest(bob, kMadeUpHandle, b1, blist);
  // ... and for each of alice's handles: the same, digits aside.
  for (uint64_t foreign : {a1, a2, alist}) {
    std::vector<std::pair<std::string, grpc::Status>> answers =
        EveryHandleRequest(bob, foreign, b1, blist);
    ASSERT_EQ(answers.size(), made_up.size());
    for (size_t i = 0; i < answers.size(); ++i) {
      SCOPED_TRACE(answers[i].first);
      EXPECT_EQ(answers[i].second.error_code(), grpc::StatusCode::NOT_FOUND)
          << Describe(answers[i].second);
      EXPECT_EQ(Neutral(answers[i].second, foreign),
                Neutral(made_up[i].second, kMadeUpHandle));
    }
  }

  // Nothing changed: alice's objects as they were, no object made or freed.
  EXPECT_EQ(FreshStats().objects().objects(), objects_before);
  As(kAliceToken);
  EXPECT_EQ(InspectOk(alice, a1).DebugString(), a1_before.DebugString());
  EXPECT_EQ(InspectOk(alice, a2).DebugString(), a2_before.DebugString());
  EXPECT_EQ(InspectOk(alice, alist).DebugString(), alist_before.DebugString());
  As(kAdminToken);
  ExpectHeapValid();
}

TEST_F(AccessTest, AnAdminMayNameEveryIdentitysObjects) {
  As(kAliceToken);
  const std::string alice = OpenSession();
  const uint64_t a1 = Allocate(alice, v1::OBJECT);
  As(kBobToken);
  const std::string bob = OpenSession();
  const uint64_t b1 = Allocate(bob, v1::OBJECT);

  As(kAdminToken);
  const std::string root = OpenSession();
  // a1.peer = b1, made by the admin across identities.
  ASSERT_TRUE(LinkField(root, a1, b1, "peer").ok());
  v1::IncRefRequest incref;
  incref.set_session_id(root);
  incref.set_handle(a1);
  v1::IncRefResponse incref_response;
  ASSERT_TRUE(Call(&v1::Heap::Stub::IncRef, incref, &incref_response).ok());
  EXPECT_EQ(incref_response.refcount(), 2);
  const v1::ObjectInfo a1_seen_by_admin = InspectOk(root, a1);
  ASSERT_EQ(a1_seen_by_admin.referents_size(), 1);
  EXPECT_EQ(a1_seen_by_admin.referents(0), b1);
  ASSERT_EQ(a1_seen_by_admin.fields_size(), 1);
  EXPECT_EQ(a1_seen_by_admin.fields(0).target(), b1);
  EXPECT_EQ(InspectOk(root, b1).referrers_size(), 1);

  // Alice sees her object, but nothing of bob's: no referent, no field
  // naming it. Bob sees his, but not alice's object referring to it.
  As(kAliceToken);
  const v1::ObjectInfo a1_seen_by_alice = InspectOk(alice, a1);
  EXPECT_EQ(a1_seen_by_alice.referents_size(), 0);
  EXPECT_EQ(a1_seen_by_alice.fields_size(), 0);
  EXPECT_EQ(a1_seen_by_alice.refcount(), 2);
  EXPECT_EQ(a1_seen_by_alice.DebugString().find(absl::StrCat(b1)),
            std::string::npos);
  As(kBobToken);
  const v1::ObjectInfo b1_seen_by_bob = InspectOk(bob, b1);
  EXPECT_EQ(b1_seen_by_bob.referrers_size(), 0);
  EXPECT_EQ(b1_seen_by_bob.DebugString().find(absl::StrCat(a1)),
            std::string::npos);
  EXPECT_EQ(b1_seen_by_bob.refcount(), 2);
  As(kAdminToken);
  ExpectHeapValid();
}

TEST_F(AccessTest, TheSlowLogShowsOtherIdentitiesSessionsOnlyToAdmins) {
  As(kAliceToken);
  const std::string alice = OpenSession();
  Allocate(alice, v1::OBJECT);
  As(kBobToken);
  const std::string bob = OpenSession();
  Allocate(bob, v1::OBJECT);

  auto sessions_in_slowlog = [this] {
    absl::flat_hash_set<std::string> sessions;
    const v1::StatsResponse stats = FreshStats();
    for (const v1::SlowLogEntry& entry : stats.slowlog()) {
      sessions.insert(entry.session_id());
    }
    return sessions;
  };
  As(kBobToken);
  absl::flat_hash_set<std::string> seen_by_bob = sessions_in_slowlog();
  EXPECT_TRUE(seen_by_bob.contains(bob));
  EXPECT_FALSE(seen_by_bob.contains(alice));
  As(kAdminToken);
  absl::flat_hash_set<std::string> seen_by_admin = sessions_in_slowlog();
  EXPECT_TRUE(seen_by_admin.contains(bob));
  EXPECT_TRUE(seen_by_admin.contains(alice));
}

// Handles carry no pattern: every bit is a coin toss over many
// allocations, consecutive handles share no more bits than chance, and a
// second heapd's handles for the same allocations have nothing in common
// with the first's.
TEST_F(AccessTest, HandlesAreUnpredictable) {
  constexpr int kCount = 2000;
  auto allocate_run = [this] {
    As(kAliceToken);
    const std::string session = OpenSession();
    std::vector<uint64_t> handles;
    v1::AllocateRequest request;
    request.set_session_id(session);
    request.set_type(v1::OBJECT);
    request.set_count(kCount);
    v1::AllocateResponse response;
    const grpc::Status status =
        Call(&v1::Heap::Stub::Allocate, request, &response);
    EXPECT_TRUE(status.ok()) << Describe(status);
    for (const v1::AllocatedObject& object : response.objects()) {
      handles.push_back(object.handle());
    }
    return handles;
  };
  const std::vector<uint64_t> first = allocate_run();
  ASSERT_EQ(first.size(), kCount);

  // Each bit is set in 50% of handles; at n=2000 the standard deviation is
  // 1.1%, so 43%..57% is over six of them.
  for (int bit = 0; bit < 64; ++bit) {
    int ones = 0;
    for (uint64_t handle : first) ones += (handle >> bit) & 1;
    EXPECT_GT(ones, kCount * 0.43) << "bit " << bit;
    EXPECT_LT(ones, kCount * 0.57) << "bit " << bit;
  }
  // Consecutive handles differ in 32 bits on average (sd 4 over one pair;
  // sd 0.09 over the mean of 1999 pairs).
  double differing = 0;
  for (int i = 1; i < kCount; ++i) {
    differing += std::bitset<64>(first[i] ^ first[i - 1]).count();
  }
  differing /= kCount - 1;
  EXPECT_GT(differing, 30.0);
  EXPECT_LT(differing, 34.0);

  // A second server, the same requests: handles share nothing with the
  // first run's, position by position or as a set.
  Start({absl::StrCat("--auth_tokens=", WriteTokens())});
  const std::vector<uint64_t> second = allocate_run();
  ASSERT_EQ(second.size(), kCount);
  absl::flat_hash_set<uint64_t> first_set(first.begin(), first.end());
  int shared = 0;
  double differing_across = 0;
  for (int i = 0; i < kCount; ++i) {
    shared += first_set.contains(second[i]);
    differing_across += std::bitset<64>(first[i] ^ second[i]).count();
  }
  EXPECT_EQ(shared, 0);
  differing_across /= kCount;
  EXPECT_GT(differing_across, 30.0);
  EXPECT_LT(differing_across, 34.0);
}

// Without access control every session is of one identity: a handle made
// by one session may be named by another, as docs/api.md says.
class SharedIdentityTest : public HeapdTest {
 protected:
  SharedIdentityTest() : HeapdTest(std::chrono::seconds(30)) {}
  void SetUp() override { Start({}); }
};

TEST_F(SharedIdentityTest, AnySessionMayNameAnyHandle) {
  const std::string first = OpenSession();
  const std::string second = OpenSession();
  v1::AllocateRequest allocate;
  allocate.set_session_id(first);
  allocate.set_type(v1::OBJECT);
  v1::AllocateResponse allocated;
  ASSERT_TRUE(Call(&v1::Heap::Stub::Allocate, allocate, &allocated).ok());
  v1::IncRefRequest incref;
  incref.set_session_id(second);
  incref.set_handle(allocated.objects(0).handle());
  v1::IncRefResponse response;
  const grpc::Status status = Call(&v1::Heap::Stub::IncRef, incref, &response);
  EXPECT_TRUE(status.ok()) << Describe(status);
  EXPECT_EQ(response.refcount(), 2);
}

}  // namespace
}  // namespace heapd
