#include "server/session_manager.h"

#include <chrono>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace heapd::server {
namespace {

// A session id as messages quote it: whole up to 64 bytes, else its start
// and its length. gRPC carries the message in a header that clients cap (8
// KiB by default): a long made-up id echoed back would turn NOT_FOUND into
// "metadata size exceeds limit".
std::string QuoteId(absl::string_view id) {
  constexpr size_t kMaxQuoted = 64;
  if (id.size() <= kMaxQuoted) return absl::StrCat("'", id, "'");
  return absl::StrCat("'", id.substr(0, kMaxQuoted), "'... (", id.size(),
                      " bytes)");
}

absl::Status UnknownSession(absl::string_view id) {
  return absl::NotFoundError(absl::StrCat(
      "no session ", QuoteId(id),
      ": it was never opened, was closed, or its lease ran out (open a new "
      "one with OpenSession)"));
}

// The session exists but belongs to someone else. Says whose only to an
// admin: a client learns nothing about other identities.
absl::Status NotYours(absl::string_view id, absl::string_view owner,
                      const Caller& caller) {
  return absl::PermissionDeniedError(
      absl::StrCat("session ", QuoteId(id), " belongs to ",
                   caller.admin ? absl::StrCat("identity '", owner, "'")
                                : std::string("another identity"),
                   ", not to '", caller.identity, "'"));
}

}  // namespace

SessionManager::SessionManager(Interpreter* interpreter,
                               SessionManagerOptions options)
    : interpreter_(interpreter), options_(std::move(options)) {}

SessionManager::~SessionManager() { StopReaper(); }

std::string SessionManager::NewIdLocked() {
  // std::random_device reads the kernel's CSPRNG on Linux: ids cannot be
  // guessed from earlier ones.
  std::string id;
  do {
    id.clear();
    for (int i = 0; i < 4; ++i) {
      absl::StrAppendFormat(&id, "%08x", static_cast<uint32_t>(random_()));
    }
  } while (sessions_.contains(id));
  return id;
}

absl::StatusOr<OpenedSession> SessionManager::Open(
    absl::string_view client_name, absl::Duration ttl, const Caller& caller) {
  if (ttl < absl::ZeroDuration()) {
    return absl::InvalidArgumentError(
        absl::StrCat("ttl_ms ", absl::ToInt64Milliseconds(ttl),
                     " is negative; use 0 for the server default"));
  }
  if (ttl > options_.max_ttl) {
    return absl::InvalidArgumentError(absl::StrCat(
        "ttl_ms ", absl::ToInt64Milliseconds(ttl),
        " is over this server's maximum of ",
        absl::ToInt64Milliseconds(options_.max_ttl),
        " ms (--max_session_ttl_ms); ask for less, or 0 for the default"));
  }
  if (client_name.size() > kMaxClientName) {
    return absl::InvalidArgumentError(absl::StrCat(
        "client_name is ", client_name.size(), " bytes; at most ",
        kMaxClientName, " (it names the session in stats and slow logs)"));
  }
  if (ttl == absl::ZeroDuration()) {
    ttl = std::min(options_.default_ttl, options_.max_ttl);
  }
  MutexLock lock(&mu_);
  OpenedSession opened;
  opened.id = NewIdLocked();
  opened.owner = next_owner_++;
  opened.ttl = ttl;
  opened.expires_at = options_.now() + ttl;
  sessions_.emplace(opened.id,
                    Session{std::string(client_name), caller.identity,
                            opened.owner, ttl, opened.expires_at});
  ++opened_total_;
  return opened;
}

absl::StatusOr<objects::OwnerId> SessionManager::Renew(
    objects::ObjectHeap& heap, absl::string_view id, const Caller& caller) {
  objects::OwnerId expired_owner = 0;
  {
    MutexLock lock(&mu_);
    auto it = sessions_.find(id);
    if (it == sessions_.end()) return UnknownSession(id);
    if (it->second.identity != caller.identity) {
      return NotYours(id, it->second.identity, caller);
    }
    const absl::Time now = options_.now();
    if (it->second.expires_at > now) {
      it->second.expires_at = now + it->second.ttl;
      return it->second.owner;
    }
    // Its lease ran out before the reaper got to it: it is released here,
    // exactly as the reaper would have.
    expired_owner = it->second.owner;
    sessions_.erase(it);
    ++expired_total_;
  }
  heap.ReleaseOwner(expired_owner);
  return UnknownSession(id);
}

absl::StatusOr<objects::OwnerId> SessionManager::Peek(
    absl::string_view id, const Caller& caller) const {
  MutexLock lock(&mu_);
  auto it = sessions_.find(id);
  if (it == sessions_.end() || it->second.expires_at <= options_.now()) {
    return UnknownSession(id);
  }
  if (it->second.identity != caller.identity && !caller.admin) {
    return NotYours(id, it->second.identity, caller);
  }
  return it->second.owner;
}

absl::StatusOr<objects::ReleaseResult> SessionManager::Close(
    objects::ObjectHeap& heap, absl::string_view id, const Caller& caller) {
  objects::OwnerId owner = 0;
  bool expired = false;
  {
    MutexLock lock(&mu_);
    auto it = sessions_.find(id);
    if (it == sessions_.end()) return UnknownSession(id);
    if (it->second.identity != caller.identity && !caller.admin) {
      return NotYours(id, it->second.identity, caller);
    }
    owner = it->second.owner;
    expired = it->second.expires_at <= options_.now();
    sessions_.erase(it);
    if (expired) {
      ++expired_total_;
    } else {
      ++closed_total_;
    }
  }
  const objects::ReleaseResult released = heap.ReleaseOwner(owner);
  if (expired) return UnknownSession(id);
  return released;
}

bool SessionManager::AnyExpiredLocked(absl::Time now) const {
  for (const auto& [id, session] : sessions_) {
    if (session.expires_at <= now) return true;
  }
  return false;
}

int SessionManager::ReapExpired(gil::RequestKind kind) {
  // Most wake-ups find nothing: look first without the interpreter lock, so
  // an idle reaper adds nothing to the lock's contention or statistics.
  {
    MutexLock lock(&mu_);
    if (!AnyExpiredLocked(options_.now())) return 0;
  }
  gil::InterpreterLockHolder holder(&interpreter_->lock(), kind);
  std::vector<objects::OwnerId> expired;
  {
    MutexLock lock(&mu_);
    const absl::Time now = options_.now();
    for (auto it = sessions_.begin(); it != sessions_.end();) {
      if (it->second.expires_at <= now) {
        expired.push_back(it->second.owner);
        sessions_.erase(it++);
      } else {
        ++it;
      }
    }
    expired_total_ += static_cast<int64_t>(expired.size());
  }
  for (objects::OwnerId owner : expired)
    interpreter_->heap().ReleaseOwner(owner);
  return static_cast<int>(expired.size());
}

void SessionManager::StartReaper(gil::RequestKind kind,
                                 std::function<void(int)> after_reap) {
  if (reaper_.joinable()) return;
  {
    MutexLock lock(&reaper_mu_);
    stop_ = false;
  }
  reaper_ = std::thread([this, kind, after_reap = std::move(after_reap)] {
    while (AwaitNextReap()) {
      const int reaped = ReapExpired(kind);
      if (after_reap) after_reap(reaped);
    }
  });
}

bool SessionManager::AwaitNextReap() {
  const auto deadline = std::chrono::steady_clock::now() +
                        absl::ToChronoNanoseconds(options_.reap_interval);
  MutexLock lock(&reaper_mu_);
  bool timed_out = false;
  while (!stop_ && !timed_out) {
    timed_out = reaper_wake_.WaitUntil(&reaper_mu_, deadline);
  }
  return !stop_;
}

void SessionManager::StopReaper() {
  if (!reaper_.joinable()) return;
  {
    MutexLock lock(&reaper_mu_);
    stop_ = true;
  }
  reaper_wake_.SignalAll();
  reaper_.join();
}

SessionCounters SessionManager::Counters() const {
  MutexLock lock(&mu_);
  SessionCounters counters;
  counters.open = static_cast<int64_t>(sessions_.size());
  counters.opened_total = opened_total_;
  counters.closed_total = closed_total_;
  counters.expired_total = expired_total_;
  return counters;
}

}  // namespace heapd::server
