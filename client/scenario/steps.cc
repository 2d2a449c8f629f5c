#include "client/scenario/steps.h"

#include <iterator>

namespace heapd::scenario {

void StepQueue::Then(std::function<absl::Status()> step) {
  Step local;
  local.then = [step = std::move(step)](HeapReply*) { return step(); };
  added_.push_back(std::move(local));
}

absl::StatusOr<std::optional<HeapRequest>> StepQueue::Run() {
  while (true) {
    // What the last step added runs next, before what was queued earlier.
    steps_.insert(steps_.begin(), std::make_move_iterator(added_.begin()),
                  std::make_move_iterator(added_.end()));
    added_.clear();
    if (steps_.empty()) return std::nullopt;
    Step& front = steps_.front();
    if (front.request.has_value()) {
      std::optional<HeapRequest> request = std::move(front.request);
      front.request.reset();
      awaiting_reply_ = true;
      return request;
    }
    Step step = std::move(front);
    steps_.pop_front();
    std::optional<HeapReply> reply = std::move(reply_);
    reply_.reset();
    awaiting_reply_ = false;
    const absl::Status status =
        step.then(reply.has_value() ? &*reply : nullptr);
    if (!status.ok()) {
      Clear();
      return status;
    }
  }
}

void StepQueue::Clear() {
  steps_.clear();
  added_.clear();
  awaiting_reply_ = false;
  reply_.reset();
}

}  // namespace heapd::scenario
