// ConnectionCounter: how many client connections the process's gRPC servers
// hold open, for ServerStats.connections_open.
//
// gRPC's C++ API reports no connection events, but its channelz registry
// (on by default) lists every server and each server's sockets. Count walks
// that listing (a JSON document per page of 100 sockets), so it is cached:
// at most one walk per `refresh` interval, whoever asks. With 1,000
// connections a walk takes about a millisecond, on the caller's thread and
// never under the interpreter lock.
//
// Counts every gRPC server in the process (heapd runs one).
//
// Thread-safe.
//
// Example:
//   ConnectionCounter connections(absl::Seconds(1));
//   int64_t open = connections.Count();
#ifndef HEAPD_SERVER_CONNECTION_COUNTER_H_
#define HEAPD_SERVER_CONNECTION_COUNTER_H_

#include <cstdint>

#include "absl/base/thread_annotations.h"
#include "absl/time/time.h"
#include "server/mutex.h"

namespace heapd::server {

class ConnectionCounter {
 public:
  explicit ConnectionCounter(absl::Duration refresh) : refresh_(refresh) {}

  // Open connections, at most `refresh` old.
  int64_t Count() ABSL_LOCKS_EXCLUDED(mu_);

  // A fresh walk of channelz, uncached.
  static int64_t CountNow();

 private:
  const absl::Duration refresh_;
  // Held through a walk, so that concurrent callers wait for its count
  // instead of walking again.
  Mutex mu_;
  absl::Time counted_at_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
  int64_t count_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace heapd::server

#endif  // HEAPD_SERVER_CONNECTION_COUNTER_H_
