// SessionManager: heapd's sessions, each an owner of references in the
// ObjectHeap, with a lease.
//
// Contract:
//   - Open gives a session an unguessable id (128 random bits, 32 hex
//     digits) and a fresh OwnerId. Its lease is the requested ttl, or the
//     default (30 s, capped at the maximum) when 0 is asked; a negative ttl
//     or one over the maximum (--max_session_ttl_ms) is INVALID_ARGUMENT.
//   - Renew, called by every request naming a session, returns its OwnerId
//     and pushes its expiry to now + ttl. An unknown session is NOT_FOUND; so
//     is one whose lease ran out, which Renew releases on the spot.
//   - A session belongs to the Caller identity that opened it: Renew and
//     Close by another identity are PERMISSION_DENIED (Close is allowed to
//     an admin). Without access control every caller is the same anonymous
//     one, so this never bites.
//   - Close and expiry release every reference the session holds
//     (ObjectHeap::ReleaseOwner), always under the interpreter lock: Renew
//     and Close take the heap as proof that the caller holds it; the reaper
//     takes the lock itself.
//   - The reaper thread (StartReaper) wakes every reap_interval (100 ms by
//     default) and releases expired sessions, so references go back without
//     any call; it takes the interpreter lock only when something expired.
//     StopReaper (and the destructor) stop it within one wake-up.
//
// Locking: the manager's own mutex guards the session table and is always
// taken after the interpreter lock, never before, so the two cannot
// deadlock. Because sessions only disappear under the interpreter lock, an
// OwnerId returned by Renew stays valid until the caller releases the
// interpreter lock.
//
// No gRPC here: errors are absl::Status, translated by the service.
//
// Example:
//   heapd::server::SessionManager sessions(&interp, {});
//   sessions.StartReaper();
//   auto opened = sessions.Open("heapctl", absl::ZeroDuration());
//   {
//     heapd::gil::InterpreterLockHolder holder(&interp.lock(), kind);
//     absl::StatusOr<heapd::objects::OwnerId> owner =
//         sessions.Renew(interp.heap(), opened->id);
//     ...
//   }
#ifndef HEAPD_SERVER_SESSION_MANAGER_H_
#define HEAPD_SERVER_SESSION_MANAGER_H_

#include <cstdint>
#include <functional>
#include <random>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "heap/interpreter.h"
#include "heap/objects/object_heap.h"
#include "server/caller.h"
#include "server/mutex.h"

namespace heapd::server {

struct SessionManagerOptions {
  // The lease of a session opened with ttl 0 (capped at max_ttl).
  absl::Duration default_ttl = absl::Seconds(30);
  // The longest lease a client may ask for.
  absl::Duration max_ttl = absl::Minutes(10);
  // How often the reaper looks for expired sessions.
  absl::Duration reap_interval = absl::Milliseconds(100);
  // The clock leases are measured with; tests inject their own so that they
  // need not sleep for a lease to run out.
  std::function<absl::Time()> now = [] { return absl::Now(); };
};

struct OpenedSession {
  std::string id;
  objects::OwnerId owner = 0;
  absl::Duration ttl;
  absl::Time expires_at;
};

struct SessionCounters {
  int64_t open = 0;
  int64_t opened_total = 0;
  int64_t closed_total = 0;
  int64_t expired_total = 0;
};

class SessionManager {
 public:
  // `interpreter` must outlive the manager.
  SessionManager(Interpreter* interpreter, SessionManagerOptions options);
  // Stops the reaper. Sessions still open keep their references (the heap
  // goes away with the server anyway).
  ~SessionManager();
  SessionManager(const SessionManager&) = delete;
  SessionManager& operator=(const SessionManager&) = delete;

  // The longest client_name a session keeps (it is shown, not interpreted).
  static constexpr size_t kMaxClientName = 256;

  // INVALID_ARGUMENT for a negative ttl or one over the maximum, or a
  // client_name over kMaxClientName. The session belongs to `caller`'s
  // identity.
  absl::StatusOr<OpenedSession> Open(absl::string_view client_name,
                                     absl::Duration ttl,
                                     const Caller& caller = Caller())
      ABSL_LOCKS_EXCLUDED(mu_);

  // The session's owner, its lease renewed. NOT_FOUND if unknown or
  // expired (an expired one is released here); PERMISSION_DENIED if it
  // belongs to another identity. REQUIRES: the caller holds the interpreter
  // lock; `heap` is the interpreter's heap.
  absl::StatusOr<objects::OwnerId> Renew(objects::ObjectHeap& heap,
                                         absl::string_view id,
                                         const Caller& caller = Caller())
      ABSL_LOCKS_EXCLUDED(mu_);

  // The session's owner, for a look at its objects: its lease is left as
  // it is. NOT_FOUND if unknown or expired; PERMISSION_DENIED if it belongs
  // to another identity and `caller` is no admin. REQUIRES: the caller
  // holds the interpreter lock (the owner stays valid until it releases it).
  absl::StatusOr<objects::OwnerId> Peek(absl::string_view id,
                                        const Caller& caller) const
      ABSL_LOCKS_EXCLUDED(mu_);

  // Ends the session and releases its references. NOT_FOUND if unknown or
  // already expired; PERMISSION_DENIED if it belongs to another identity
  // and `caller` is no admin. REQUIRES: the caller holds the interpreter
  // lock.
  absl::StatusOr<objects::ReleaseResult> Close(objects::ObjectHeap& heap,
                                               absl::string_view id,
                                               const Caller& caller = Caller())
      ABSL_LOCKS_EXCLUDED(mu_);

  // Releases every session whose lease has run out; returns how many.
  // Takes the interpreter lock (as `kind`) only if one has.
  // REQUIRES: the caller does not hold the interpreter lock.
  int ReapExpired(gil::RequestKind kind = gil::RequestKind())
      ABSL_LOCKS_EXCLUDED(mu_, interpreter_->lock());

  // Starts the reaper thread (once); its lock holds count as `kind`. After
  // each wake-up's ReapExpired, the reaper calls after_reap(sessions reaped),
  // if set, without the interpreter lock: the service uses it to publish
  // figures no request has published (stats_publisher.h).
  void StartReaper(gil::RequestKind kind = gil::RequestKind(),
                   std::function<void(int)> after_reap = nullptr)
      ABSL_LOCKS_EXCLUDED(reaper_mu_);
  // Stops and joins the reaper, if running. Idempotent.
  void StopReaper() ABSL_LOCKS_EXCLUDED(reaper_mu_);

  // Readable at any time, without the interpreter lock.
  SessionCounters Counters() const ABSL_LOCKS_EXCLUDED(mu_);

 private:
  struct Session {
    std::string client_name;
    std::string identity;
    objects::OwnerId owner = 0;
    absl::Duration ttl;
    absl::Time expires_at;
  };

  std::string NewIdLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  bool AnyExpiredLocked(absl::Time now) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Waits one reap interval; returns false once StopReaper has asked the
  // reaper to stop.
  bool AwaitNextReap() ABSL_LOCKS_EXCLUDED(reaper_mu_);

  Interpreter* const interpreter_;
  const SessionManagerOptions options_;

  mutable Mutex mu_;
  absl::flat_hash_map<std::string, Session> sessions_ ABSL_GUARDED_BY(mu_);
  objects::OwnerId next_owner_ ABSL_GUARDED_BY(mu_) = 1;
  std::random_device random_ ABSL_GUARDED_BY(mu_);
  int64_t opened_total_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t closed_total_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t expired_total_ ABSL_GUARDED_BY(mu_) = 0;

  // The reaper: a thread woken by reap_interval or by stop_.
  Mutex reaper_mu_;
  CondVar reaper_wake_;
  bool stop_ ABSL_GUARDED_BY(reaper_mu_) = false;
  std::thread reaper_;
};

}  // namespace heapd::server

#endif  // HEAPD_SERVER_SESSION_MANAGER_H_
