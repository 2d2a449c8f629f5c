// The interpreter's control: passes, `repeat` frames, statements begun and
// finished, stopping, cleanup passes and restarts. What each statement sends
// is statements.cc; the queue of its steps is steps.h.
#include "client/scenario/interpreter.h"

#include <utility>

#include "absl/strings/str_cat.h"

namespace heapd::scenario {

Interpreter::Interpreter(const Scenario& scenario, int64_t max_statements)
    : scenario_(scenario), max_statements_(max_statements) {
  Restart();
}

std::optional<HeapRequest> Interpreter::Next(Listener& listener) {
  while (!done_) {
    if (steps_.awaiting_reply()) {
      Stop(listener, absl::FailedPreconditionError(
                         "Next called before the reply to its request"));
      break;
    }
    absl::StatusOr<std::optional<HeapRequest>> request = steps_.Run();
    if (!request.ok()) {
      Stop(listener,
           statement_ == nullptr
               ? request.status()
               : absl::Status(request.status().code(),
                              absl::StrCat(Where(*statement_),
                                           request.status().message())));
      continue;
    }
    if (request->has_value()) return *std::move(*request);
    if (statement_ != nullptr) {
      FinishStatement(listener);
    } else if (cleaning_) {
      if (!QueueCleanupRound()) done_ = true;
    } else {
      Advance(listener);
    }
  }
  return std::nullopt;
}

void Interpreter::OnReply(HeapReply reply) { steps_.OnReply(std::move(reply)); }

void Interpreter::Advance(Listener& listener) {
  if (frames_.empty()) {
    done_ = true;
    return;
  }
  Frame& frame = frames_.back();
  if (frame.next == frame.body->size()) {
    if (frame.repeat != nullptr && ++frame.iteration < frame.repeat->count) {
      frame.next = 0;
      return;
    }
    const Frame finished = frame;
    frames_.pop_back();
    if (finished.repeat != nullptr) {
      listener.RepeatFinished(*finished.repeat,
                              static_cast<int>(frames_.size()) - 1,
                              result_.statements - finished.statements_before);
    }
    if (frames_.empty()) done_ = true;
    return;
  }
  const Statement& statement = (*frame.body)[frame.next++];
  const int depth = static_cast<int>(frames_.size()) - 1;
  if (++result_.statements > max_statements_) {
    Stop(listener, absl::ResourceExhaustedError(absl::StrCat(
                       Where(statement), "the scenario ran more than ",
                       max_statements_, " statements")));
    return;
  }
  if (statement.kind == StatementKind::kRepeat) {
    listener.RepeatStarted(statement, depth);
    Frame body;
    body.body = &statement.body;
    body.repeat = &statement;
    body.statements_before = result_.statements;
    // A count of 0 runs the body no time: start at its end.
    if (statement.count <= 0) body.next = statement.body.size();
    frames_.push_back(body);
    return;
  }
  BeginStatement(statement, depth, listener);
}

void Interpreter::BeginStatement(const Statement& statement, int depth,
                                 Listener& listener) {
  statement_ = &statement;
  depth_ = depth;
  text_.clear();
  parts_.clear();
  reads_ = StatementReads();
  pending_failure_.reset();
  pending_pass_ = false;
  const absl::Status status = Start(statement);
  if (!status.ok()) {
    Stop(listener, absl::Status(status.code(), absl::StrCat(Where(statement),
                                                            status.message())));
  }
}

void Interpreter::FinishStatement(Listener& listener) {
  const Statement& statement = *statement_;
  statement_ = nullptr;
  listener.StatementDone(statement, depth_, text_);
  if (pending_pass_) listener.ExpectationPassed(statement);
  if (pending_failure_.has_value()) {
    listener.ExpectationFailed(*pending_failure_);
    pending_failure_.reset();
  }
}

void Interpreter::Stop(Listener& listener, const absl::Status& status) {
  steps_.Clear();
  statement_ = nullptr;
  done_ = true;
  if (cleaning_) return;  // cleanup steps do not fail; nothing to report
  result_.error = status;
  listener.Stopped(status);
}

std::string Interpreter::Where(const Statement& statement) const {
  return absl::StrCat(scenario_.filename, ":", statement.line, ": ");
}

void Interpreter::BeginCleanup() {
  if (cleaning_) return;
  cleaning_ = true;
  done_ = false;
  cleanup_rounds_ = 0;
  steps_.Clear();
  statement_ = nullptr;
  frames_.clear();
}

void Interpreter::Restart() {
  result_ = PassResult();
  frames_.clear();
  Frame top;
  top.body = &scenario_.statements;
  frames_.push_back(top);
  done_ = false;
  cleaning_ = false;
  cleanup_rounds_ = 0;
  locals_ = Locals();
  last_collect_.reset();
  resurrectable_.clear();
  statement_ = nullptr;
  steps_.Clear();
}

}  // namespace heapd::scenario
