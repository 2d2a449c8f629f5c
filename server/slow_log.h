// SlowLog: the most recent requests that waited for or held the interpreter
// lock longer than a threshold, as Redis's SLOWLOG keeps slow commands.
//
// Bounded: once `capacity` entries are kept, each new one drops the oldest.
// Every request offers itself (MaybeRecord); only those whose wait or hold
// exceeds the threshold take the log's mutex, so the common fast request
// pays one comparison.
//
// Threads: any. Its own small mutex, never the interpreter lock: requests
// record after releasing the lock, and Stats reads it without the lock.
//
// Example:
//   SlowLog log(128, absl::Milliseconds(10));
//   log.MaybeRecord({.method = "Collect", .wait_ns = 0, .hold_ns = 25000000});
//   std::vector<SlowLogRecord> newest_first = log.Entries();
#ifndef HEAPD_SERVER_SLOW_LOG_H_
#define HEAPD_SERVER_SLOW_LOG_H_

#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/time/time.h"
#include "server/mutex.h"

namespace heapd::server {

struct SlowLogRecord {
  // Assigned by the log: 1, 2, ... in the order entries are kept.
  uint64_t id = 0;
  int64_t timestamp_unix_ns = 0;
  std::string method;
  std::string session_id;
  // The identity whose request it was (Caller::tenant).
  uint32_t tenant = 0;
  int64_t wait_ns = 0;
  int64_t hold_ns = 0;
  // Heap operations the request carried (LockedCall::operations).
  int64_t operations = 1;
};

class SlowLog {
 public:
  // REQUIRES: capacity >= 1 and threshold >= 0.
  SlowLog(size_t capacity, absl::Duration threshold);
  SlowLog(const SlowLog&) = delete;
  SlowLog& operator=(const SlowLog&) = delete;

  // Keeps `record` (its id assigned here) if its wait or hold is over the
  // threshold. Returns whether it was kept.
  bool MaybeRecord(SlowLogRecord record) ABSL_LOCKS_EXCLUDED(mu_);

  // The kept entries, most recent first.
  std::vector<SlowLogRecord> Entries() const ABSL_LOCKS_EXCLUDED(mu_);

  int64_t threshold_ns() const { return threshold_ns_; }

 private:
  const size_t capacity_;
  const int64_t threshold_ns_;

  mutable Mutex mu_;
  uint64_t next_id_ ABSL_GUARDED_BY(mu_) = 1;
  // Oldest first.
  std::deque<SlowLogRecord> entries_ ABSL_GUARDED_BY(mu_);
};

}  // namespace heapd::server

#endif  // HEAPD_SERVER_SLOW_LOG_H_
