#include "client/lease_renewer.h"

#include <chrono>
#include <utility>

namespace heapd::client {

LeaseRenewer::LeaseRenewer(absl::Duration interval,
                           std::function<absl::Status()> renew)
    : interval_(interval),
      renew_(std::move(renew)),
      thread_([this] { Run(); }) {}

LeaseRenewer::~LeaseRenewer() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

absl::Status LeaseRenewer::last_status() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return last_status_;
}

int64_t LeaseRenewer::renewals() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return renewals_;
}

void LeaseRenewer::Run() {
  const auto wait = absl::ToChronoNanoseconds(interval_);
  std::unique_lock<std::mutex> lock(mutex_);
  while (true) {
    if (wake_.wait_for(lock, wait, [this] { return stopping_; })) return;
    // The renewal is an RPC: never hold the mutex across it, so
    // last_status() and the destructor's stop request do not wait on the
    // network.
    lock.unlock();
    absl::Status status = renew_();
    lock.lock();
    ++renewals_;
    last_status_ = std::move(status);
    // The session is gone; renewing it again cannot bring it back.
    if (absl::IsNotFound(last_status_)) return;
  }
}

}  // namespace heapd::client
