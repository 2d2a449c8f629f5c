#include "server/session_manager.h"

#include <atomic>
#include <chrono>
#include <set>
#include <thread>

#include "absl/status/status.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace heapd::server {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// A clock the test moves by hand; read by the reaper thread too.
class FakeClock {
 public:
  absl::Time Now() const {
    return absl::FromUnixNanos(ns_.load(std::memory_order_relaxed));
  }
  void Advance(absl::Duration d) {
    ns_.fetch_add(absl::ToInt64Nanoseconds(d), std::memory_order_relaxed);
  }

 private:
  std::atomic<int64_t> ns_{absl::ToUnixNanos(absl::FromUnixSeconds(1e9))};
};

class SessionManagerTest : public ::testing::Test {
 protected:
  SessionManagerOptions Options() {
    SessionManagerOptions options;
    options.max_ttl = absl::Minutes(10);
    options.now = [this] { return clock_.Now(); };
    return options;
  }

  // An object the session owns; returns its handle.
  objects::Handle AllocateFor(objects::OwnerId owner) {
    gil::InterpreterLockHolder holder(&interp_.lock());
    objects::AllocateSpec spec;
    spec.type = objects::ObjectType::kObject;
    absl::StatusOr<objects::Allocated> object =
        interp_.heap().Allocate(owner, spec);
    EXPECT_TRUE(object.ok()) << object.status();
    return object.ok() ? object->handle : 0;
  }

  bool Alive(objects::Handle handle) {
    gil::InterpreterLockHolder holder(&interp_.lock());
    return interp_.heap().IsAlive(handle);
  }

  absl::StatusOr<objects::OwnerId> Renew(SessionManager& sessions,
                                         absl::string_view id) {
    gil::InterpreterLockHolder holder(&interp_.lock());
    return sessions.Renew(interp_.heap(), id);
  }

  FakeClock clock_;
  Interpreter interp_{objects::ObjectHeapOptions{}, {}};
};

TEST_F(SessionManagerTest, IdsAreLongRandomHexAndOwnersDistinct) {
  SessionManager sessions(&interp_, Options());
  std::set<std::string> ids;
  std::set<objects::OwnerId> owners;
  for (int i = 0; i < 100; ++i) {
    absl::StatusOr<OpenedSession> s = sessions.Open("t", absl::ZeroDuration());
    ASSERT_TRUE(s.ok()) << s.status();
    EXPECT_EQ(s->id.size(), 32u);
    EXPECT_EQ(s->id.find_first_not_of("0123456789abcdef"), std::string::npos);
    ids.insert(s->id);
    owners.insert(s->owner);
  }
  EXPECT_EQ(ids.size(), 100u);
  EXPECT_EQ(owners.size(), 100u);
  EXPECT_EQ(sessions.Counters().open, 100);
  EXPECT_EQ(sessions.Counters().opened_total, 100);
}

TEST_F(SessionManagerTest, TtlDefaultsAndLimits) {
  SessionManager sessions(&interp_, Options());
  absl::StatusOr<OpenedSession> s = sessions.Open("t", absl::ZeroDuration());
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->ttl, absl::Seconds(30));
  EXPECT_EQ(s->expires_at, clock_.Now() + absl::Seconds(30));

  absl::StatusOr<OpenedSession> too_long =
      sessions.Open("t", absl::Minutes(10) + absl::Milliseconds(1));
  EXPECT_EQ(too_long.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(too_long.status().message(), HasSubstr("--max_session_ttl_ms"));
  EXPECT_EQ(sessions.Open("t", absl::Milliseconds(-1)).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(sessions.Open("t", absl::Minutes(10)).ok());
}

TEST_F(SessionManagerTest, DefaultIsCappedAtAShortMaximum) {
  SessionManagerOptions options = Options();
  options.max_ttl = absl::Seconds(1);
  SessionManager sessions(&interp_, options);
  absl::StatusOr<OpenedSession> s = sessions.Open("t", absl::ZeroDuration());
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->ttl, absl::Seconds(1));
}

TEST_F(SessionManagerTest, EveryCallRenewsTheLease) {
  SessionManager sessions(&interp_, Options());
  absl::StatusOr<OpenedSession> s = sessions.Open("t", absl::Seconds(1));
  ASSERT_TRUE(s.ok());
  // Ten renewals 0.9 s apart: 9 s in all, far past the first lease.
  for (int i = 0; i < 10; ++i) {
    clock_.Advance(absl::Milliseconds(900));
    absl::StatusOr<objects::OwnerId> owner = Renew(sessions, s->id);
    ASSERT_TRUE(owner.ok()) << i << ": " << owner.status();
    EXPECT_EQ(*owner, s->owner);
  }
  clock_.Advance(absl::Seconds(1));
  absl::StatusOr<objects::OwnerId> owner = Renew(sessions, s->id);
  EXPECT_EQ(owner.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(owner.status().message(), HasSubstr("lease ran out"));
  EXPECT_EQ(sessions.Counters().expired_total, 1);
  EXPECT_EQ(sessions.Counters().open, 0);
}

TEST_F(SessionManagerTest, PeekLeavesTheLeaseAndChecksTheIdentity) {
  SessionManager sessions(&interp_, Options());
  const Caller alice{.identity = "alice", .admin = false, .tenant = 1};
  const Caller bob{.identity = "bob", .admin = false, .tenant = 2};
  const Caller root{.identity = "root", .admin = true, .tenant = 3};
  absl::StatusOr<OpenedSession> s = sessions.Open("t", absl::Seconds(1), alice);
  ASSERT_TRUE(s.ok());
  gil::InterpreterLockHolder holder(&interp_.lock());
  EXPECT_EQ(*sessions.Peek(s->id, alice), s->owner);
  EXPECT_EQ(*sessions.Peek(s->id, root), s->owner) << "admins see all";
  EXPECT_EQ(sessions.Peek(s->id, bob).status().code(),
            absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(sessions.Peek("nope", alice).status().code(),
            absl::StatusCode::kNotFound);
  clock_.Advance(absl::Milliseconds(600));
  ASSERT_TRUE(sessions.Peek(s->id, alice).ok());
  clock_.Advance(absl::Milliseconds(600));
  EXPECT_EQ(sessions.Peek(s->id, alice).status().code(),
            absl::StatusCode::kNotFound)
      << "a look does not renew the lease";
}

TEST_F(SessionManagerTest, ExpiryFoundOnLookupReleasesReferences) {
  SessionManager sessions(&interp_, Options());
  absl::StatusOr<OpenedSession> s = sessions.Open("t", absl::Seconds(1));
  ASSERT_TRUE(s.ok());
  const objects::Handle h = AllocateFor(s->owner);
  ASSERT_TRUE(Alive(h));
  clock_.Advance(absl::Seconds(2));
  EXPECT_FALSE(Renew(sessions, s->id).ok());
  EXPECT_FALSE(Alive(h));
}

TEST_F(SessionManagerTest, UnknownSessionIsNotFound) {
  SessionManager sessions(&interp_, Options());
  absl::StatusOr<objects::OwnerId> owner = Renew(sessions, "nope");
  EXPECT_EQ(owner.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(owner.status().message(), HasSubstr("nope"));
  gil::InterpreterLockHolder holder(&interp_.lock());
  EXPECT_EQ(sessions.Close(interp_.heap(), "nope").status().code(),
            absl::StatusCode::kNotFound);
}

// A session belongs to the identity that opened it: another client gets
// PERMISSION_DENIED (without learning whose it is); an admin may close it
// but not act through it.
TEST_F(SessionManagerTest, SessionsBelongToTheirIdentity) {
  SessionManager sessions(&interp_, Options());
  const Caller alice{"alice", /*admin=*/false};
  const Caller bob{"bob", /*admin=*/false};
  const Caller root{"root", /*admin=*/true};
  absl::StatusOr<OpenedSession> opened =
      sessions.Open("test", absl::ZeroDuration(), alice);
  ASSERT_TRUE(opened.ok());
  gil::InterpreterLockHolder holder(&interp_.lock());
  EXPECT_TRUE(sessions.Renew(interp_.heap(), opened->id, alice).ok());
  absl::StatusOr<objects::OwnerId> stolen =
      sessions.Renew(interp_.heap(), opened->id, bob);
  EXPECT_EQ(stolen.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(stolen.status().message(), Not(HasSubstr("alice")));
  EXPECT_EQ(sessions.Renew(interp_.heap(), opened->id, root).status().code(),
            absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(sessions.Close(interp_.heap(), opened->id, bob).status().code(),
            absl::StatusCode::kPermissionDenied);
  EXPECT_TRUE(sessions.Close(interp_.heap(), opened->id, root).ok());
  EXPECT_EQ(sessions.Counters().open, 0);
}

TEST_F(SessionManagerTest, CloseReleasesOnlyThatSessionsReferences) {
  SessionManager sessions(&interp_, Options());
  absl::StatusOr<OpenedSession> a = sessions.Open("a", absl::ZeroDuration());
  absl::StatusOr<OpenedSession> b = sessions.Open("b", absl::ZeroDuration());
  ASSERT_TRUE(a.ok() && b.ok());
  const objects::Handle ha = AllocateFor(a->owner);
  const objects::Handle hb = AllocateFor(b->owner);
  {
    gil::InterpreterLockHolder holder(&interp_.lock());
    absl::StatusOr<objects::ReleaseResult> released =
        sessions.Close(interp_.heap(), a->id);
    ASSERT_TRUE(released.ok()) << released.status();
    EXPECT_EQ(released->references_released, 1);
    EXPECT_EQ(released->objects_freed, 1);
    EXPECT_EQ(sessions.Close(interp_.heap(), a->id).status().code(),
              absl::StatusCode::kNotFound);
  }
  EXPECT_FALSE(Alive(ha));
  EXPECT_TRUE(Alive(hb));
  EXPECT_EQ(sessions.Counters().closed_total, 1);
  EXPECT_EQ(sessions.Counters().open, 1);
}

TEST_F(SessionManagerTest, ReapExpiredReleasesOnlyExpiredSessions) {
  SessionManager sessions(&interp_, Options());
  absl::StatusOr<OpenedSession> short_lease =
      sessions.Open("s", absl::Seconds(1));
  absl::StatusOr<OpenedSession> long_lease =
      sessions.Open("l", absl::Seconds(60));
  ASSERT_TRUE(short_lease.ok() && long_lease.ok());
  const objects::Handle hs = AllocateFor(short_lease->owner);
  const objects::Handle hl = AllocateFor(long_lease->owner);
  EXPECT_EQ(sessions.ReapExpired(), 0);
  clock_.Advance(absl::Seconds(2));
  EXPECT_EQ(sessions.ReapExpired(), 1);
  EXPECT_FALSE(Alive(hs));
  EXPECT_TRUE(Alive(hl));
  EXPECT_EQ(sessions.Counters().expired_total, 1);
  EXPECT_EQ(sessions.Counters().open, 1);
}

// The reaper thread, with the fake clock: it releases without any call
// naming the session. Bounded wait, no sleeping for the lease itself.
TEST_F(SessionManagerTest, ReaperThreadReleasesExpiredSessions) {
  SessionManagerOptions options = Options();
  options.reap_interval = absl::Milliseconds(10);
  SessionManager sessions(&interp_, options);
  sessions.StartReaper(interp_.lock().RegisterKind("SessionReaper"));
  absl::StatusOr<OpenedSession> s = sessions.Open("s", absl::Seconds(1));
  ASSERT_TRUE(s.ok());
  const objects::Handle h = AllocateFor(s->owner);
  clock_.Advance(absl::Seconds(2));
  const absl::Time deadline = absl::Now() + absl::Seconds(20);
  while (Alive(h) && absl::Now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  EXPECT_FALSE(Alive(h));
  EXPECT_EQ(sessions.Counters().expired_total, 1);
  sessions.StopReaper();
  sessions.StopReaper();  // idempotent
}

TEST_F(SessionManagerTest, ReaperStopsPromptlyWithALongInterval) {
  SessionManagerOptions options = Options();
  options.reap_interval = absl::Hours(1);
  SessionManager sessions(&interp_, options);
  sessions.StartReaper();
  const absl::Time start = absl::Now();
  sessions.StopReaper();
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));
}

}  // namespace
}  // namespace heapd::server
