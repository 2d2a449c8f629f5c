// StepQueue: how the interpreter (interpreter.h) runs a statement without
// blocking. A step is either a request with what to do with its reply, or a
// local computation; a step may add steps, which run right after it and
// before the steps queued earlier (so `del a, b` reads as: look up a,
// DecRef it, record the answer; look up b, ...). Run runs local steps until
// the first step is a request, hands that request out and waits for its
// reply (OnReply). The statement is done when the queue is empty.
//
// This is continuation-passing style written out, rather than C++20
// coroutines: a step is a plain std::function, the state between steps is
// the interpreter's members, and a driver may resume it from any thread.
//
// Example:
//   steps.Send<v1::DecRefResponse>(request,
//       [](absl::StatusOr<v1::DecRefResponse> decref) { ...; return OK; });
//   steps.Then([] { ...; return absl::OkStatus(); });
//   absl::StatusOr<std::optional<HeapRequest>> next = steps.Run();
//   // *next holds the DecRef; after steps.OnReply(reply), Run runs both.
//
// Thread safety: none; one interpreter drives it.
#ifndef HEAPD_CLIENT_SCENARIO_STEPS_H_
#define HEAPD_CLIENT_SCENARIO_STEPS_H_

#include <deque>
#include <functional>
#include <optional>
#include <utility>
#include <variant>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "client/scenario/heap_request.h"

namespace heapd::scenario {

class StepQueue {
 public:
  // Adds a local step.
  void Then(std::function<absl::Status()> step);

  // Adds a request; `then` gets its response or the call's status.
  template <typename Response>
  void Send(HeapRequest request,
            std::function<absl::Status(absl::StatusOr<Response>)> then);

  // Send, with a failed call failing the step ("Allocate: ...").
  template <typename Response>
  void SendOrFail(HeapRequest request, const char* doing,
                  std::function<absl::Status(const Response&)> then);

  // Runs the steps in order until one has a request to send, which it
  // returns, or until none is left (nullopt). A step that fails ends the
  // statement: the queue is emptied and its status returned.
  // REQUIRES: the reply to the request returned last was given (OnReply).
  absl::StatusOr<std::optional<HeapRequest>> Run();

  // The reply to the request Run returned last.
  void OnReply(HeapReply reply) { reply_ = std::move(reply); }

  // A request was handed out and its reply has not come.
  bool awaiting_reply() const { return awaiting_reply_ && !reply_.has_value(); }

  // Forgets every step and any reply.
  void Clear();

 private:
  // A request and what to do with its reply, or a local step (no request;
  // `then` gets a null reply).
  struct Step {
    std::optional<HeapRequest> request;
    std::function<absl::Status(HeapReply*)> then;
  };

  // Steps to run, the first perhaps waiting for its reply.
  std::deque<Step> steps_;
  // Added since Run last took a step: they go before steps_.
  std::vector<Step> added_;
  bool awaiting_reply_ = false;
  std::optional<HeapReply> reply_;
};

template <typename Response>
void StepQueue::Send(
    HeapRequest request,
    std::function<absl::Status(absl::StatusOr<Response>)> then) {
  Step step;
  step.request = std::move(request);
  step.then = [then = std::move(then)](HeapReply* reply) -> absl::Status {
    if (reply == nullptr) {
      return absl::InternalError("a request's step ran without its reply");
    }
    if (!reply->ok()) return then(reply->status());
    Response* response = std::get_if<Response>(&**reply);
    if (response == nullptr) {
      return absl::InternalError("the reply does not answer the request");
    }
    return then(std::move(*response));
  };
  added_.push_back(std::move(step));
}

template <typename Response>
void StepQueue::SendOrFail(HeapRequest request, const char* doing,
                           std::function<absl::Status(const Response&)> then) {
  Send<Response>(std::move(request),
                 [doing, then = std::move(then)](
                     absl::StatusOr<Response> response) -> absl::Status {
                   if (!response.ok()) {
                     return RequestFailed(response.status(), doing);
                   }
                   return then(*response);
                 });
}

}  // namespace heapd::scenario

#endif  // HEAPD_CLIENT_SCENARIO_STEPS_H_
