#include "server/slow_log.h"

#include <utility>

namespace heapd::server {

SlowLog::SlowLog(size_t capacity, absl::Duration threshold)
    : capacity_(capacity), threshold_ns_(absl::ToInt64Nanoseconds(threshold)) {}

bool SlowLog::MaybeRecord(SlowLogRecord record) {
  if (record.wait_ns <= threshold_ns_ && record.hold_ns <= threshold_ns_) {
    return false;
  }
  MutexLock lock(&mu_);
  record.id = next_id_++;
  entries_.push_back(std::move(record));
  while (entries_.size() > capacity_) entries_.pop_front();
  return true;
}

std::vector<SlowLogRecord> SlowLog::Entries() const {
  MutexLock lock(&mu_);
  return std::vector<SlowLogRecord>(entries_.rbegin(), entries_.rend());
}

}  // namespace heapd::server
