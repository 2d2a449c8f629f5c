// LeaseRenewer: a background thread that calls a renewal function every
// interval until it is destroyed.
//
// Session uses it to keep a lease alive: heapd ends a session whose lease
// runs out, so a client that is idle for longer than its TTL would lose
// every reference it holds. The renewal is a Ping naming the session, sent
// at a fraction of the TTL so that one lost or slow Ping does not end the
// lease.
//
// A NOT_FOUND from the renewal means the session is gone (closed, expired,
// the server restarted): the renewer stops trying and keeps that status.
// Other errors (UNAVAILABLE, DEADLINE_EXCEEDED) are kept too, but renewal
// goes on, since the next attempt may succeed.
//
// Thread-safe: last_status() may be called from any thread. The destructor
// stops the thread and waits for a renewal in flight to finish.
//
// Example:
//   LeaseRenewer renewer(absl::Seconds(10), [&] { return Ping(id); });
//   ...
//   if (!renewer.last_status().ok()) { ... the lease may be lost ... }
#ifndef HEAPD_CLIENT_LEASE_RENEWER_H_
#define HEAPD_CLIENT_LEASE_RENEWER_H_

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>

#include "absl/status/status.h"
#include "absl/time/time.h"

namespace heapd::client {

class LeaseRenewer {
 public:
  // Starts the thread; the first renewal happens after one `interval`.
  // REQUIRES: interval > 0.
  LeaseRenewer(absl::Duration interval, std::function<absl::Status()> renew);
  ~LeaseRenewer();
  LeaseRenewer(const LeaseRenewer&) = delete;
  LeaseRenewer& operator=(const LeaseRenewer&) = delete;

  // The status of the latest renewal (OK before the first).
  absl::Status last_status() const;
  // Renewals attempted so far.
  int64_t renewals() const;

 private:
  void Run();

  const absl::Duration interval_;
  const std::function<absl::Status()> renew_;

  mutable std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;     // guarded by mutex_
  absl::Status last_status_;  // guarded by mutex_
  int64_t renewals_ = 0;      // guarded by mutex_

  // Last, so that it starts after every field above is constructed.
  std::thread thread_;
};

}  // namespace heapd::client

#endif  // HEAPD_CLIENT_LEASE_RENEWER_H_
