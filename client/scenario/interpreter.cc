// How the interpreter runs a statement without blocking: as a queue of
// steps. A step is either a request with what to do with its reply, or a
// local computation; a step may add steps, which run right after it and
// before the steps queued earlier (so `del a, b` reads as: look up a, DecRef
// it, record the answer; look up b, ...). Next runs local steps until the
// first step is a request, hands that request out and waits for OnReply.
// The statement is done when its queue is empty.
//
// This is continuation-passing style written out, rather than C++20
// coroutines: a step is a plain std::function, the state between steps is
// the interpreter's members, and a driver may resume it from any thread.
#include "client/scenario/interpreter.h"

#include <algorithm>
#include <iterator>
#include <limits>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "client/scenario/proto_path.h"

namespace heapd::scenario {
namespace {

// Rounds of cleanup: dropping the names' references may run a finalizer
// that hands the session a new one, which the next round gives back; a
// finalizer runs once per object, so two rounds suffice and the rest is
// margin.
constexpr int kMaxCleanupRounds = 4;

std::string HandleText(uint64_t handle) { return absl::StrCat("#", handle); }

// Expressions whose value reads as true/false rather than a number.
bool IsBoolean(const Expr& expr) {
  return expr.kind == ExprKind::kNot ||
         (expr.kind == ExprKind::kObjectCall &&
          (expr.name == "alive" || expr.name == "freed"));
}

std::string ValueText(const Expr& expr, int64_t value) {
  if (IsBoolean(expr)) return value != 0 ? "true" : "false";
  return absl::StrCat(value);
}

bool Compare(int64_t lhs, CompareOp op, int64_t rhs) {
  switch (op) {
    case CompareOp::kEqual:
      return lhs == rhs;
    case CompareOp::kNotEqual:
      return lhs != rhs;
    case CompareOp::kLess:
      return lhs < rhs;
    case CompareOp::kLessEqual:
      return lhs <= rhs;
    case CompareOp::kGreater:
      return lhs > rhs;
    case CompareOp::kGreaterEqual:
      return lhs >= rhs;
  }
  return false;
}

// The error of a statement that cannot run: the message without the
// location, which Stop adds.
absl::Status Failure(const absl::Status& status, absl::string_view doing) {
  return absl::Status(status.code(),
                      absl::StrCat(doing, ": ", status.message()));
}

void AppendFreed(int64_t freed, std::string* text) {
  if (freed > 0) absl::StrAppend(text, ", ", freed, " freed");
}

v1::DecRefRequest DecRefOf(uint64_t handle) {
  v1::DecRefRequest request;
  request.set_handle(handle);
  return request;
}

v1::InspectRequest InspectOf(uint64_t handle) {
  v1::InspectRequest request;
  request.set_handle(handle);
  return request;
}

}  // namespace

void NameSession(const std::string& session_id, HeapRequest* request) {
  std::visit(
      [&](auto& r) {
        if constexpr (requires { r.set_session_id(session_id); }) {
          r.set_session_id(session_id);
        }
      },
      *request);
}

const char* RpcName(const HeapRequest& request) {
  static constexpr const char* kNames[] = {
      "Allocate", "IncRef", "DecRef",   "Link",     "Unlink", "Inspect",
      "Collect",  "SetGcConfig", "Freeze", "Unfreeze", "Stats"};
  static_assert(std::size(kNames) == std::variant_size_v<HeapRequest>);
  return kNames[request.index()];
}

Interpreter::Interpreter(const Scenario& scenario, int64_t max_statements)
    : scenario_(scenario), max_statements_(max_statements) {
  Restart();
}

// --- Control ---------------------------------------------------------------

std::optional<HeapRequest> Interpreter::Next(Listener& listener) {
  while (!done_) {
    if (!tasks_.empty()) {
      Task& front = tasks_.front();
      if (front.request.has_value()) {
        HeapRequest request = std::move(*front.request);
        front.request.reset();
        awaiting_reply_ = true;
        return request;
      }
      if (awaiting_reply_ && !reply_.has_value()) {
        Stop(listener, absl::FailedPreconditionError(
                           "Next called before the reply to its request"));
        break;
      }
      Task task = std::move(front);
      tasks_.pop_front();
      std::optional<HeapReply> reply = std::move(reply_);
      reply_.reset();
      awaiting_reply_ = false;
      const absl::Status status =
          task.then(reply.has_value() ? &*reply : nullptr);
      // What the step added runs next, before what was queued earlier.
      tasks_.insert(tasks_.begin(), std::make_move_iterator(added_.begin()),
                    std::make_move_iterator(added_.end()));
      added_.clear();
      if (!status.ok()) {
        Stop(listener, statement_ == nullptr
                           ? status
                           : absl::Status(status.code(),
                                          absl::StrCat(Where(*statement_),
                                                       status.message())));
      }
      continue;
    }
    if (statement_ != nullptr) {
      FinishStatement(listener);
    } else if (cleaning_) {
      if (!QueueCleanupRound()) done_ = true;
      tasks_.insert(tasks_.end(), std::make_move_iterator(added_.begin()),
                    std::make_move_iterator(added_.end()));
      added_.clear();
    } else {
      Advance(listener);
    }
  }
  return std::nullopt;
}

void Interpreter::OnReply(HeapReply reply) { reply_ = std::move(reply); }

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
  reads_ = Reads();
  pending_failure_.reset();
  pending_pass_ = false;
  const absl::Status status = Start(statement);
  tasks_.insert(tasks_.end(), std::make_move_iterator(added_.begin()),
                std::make_move_iterator(added_.end()));
  added_.clear();
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
  tasks_.clear();
  added_.clear();
  awaiting_reply_ = false;
  reply_.reset();
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
  tasks_.clear();
  added_.clear();
  awaiting_reply_ = false;
  reply_.reset();
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
  names_.clear();
  ghosts_.clear();
  last_collect_.reset();
  resurrectable_.clear();
  statement_ = nullptr;
  tasks_.clear();
  added_.clear();
  awaiting_reply_ = false;
  reply_.reset();
}

// What closing the session would give back, as DecRefs: one per name bound
// to an object (each name holds one reference), then, for each object a
// `finalizer resurrect` may have handed back to the session, as many as
// Inspect says the session still holds (no name holds one any more).
bool Interpreter::QueueCleanupRound() {
  std::vector<std::pair<std::string, uint64_t>> held;
  for (const auto& [name, binding] : names_) {
    if (binding.is_object) held.emplace_back(name, binding.handle);
  }
  if (cleanup_rounds_ >= kMaxCleanupRounds ||
      (held.empty() && resurrectable_.empty())) {
    return false;
  }
  ++cleanup_rounds_;
  std::sort(held.begin(), held.end());
  names_.clear();
  ghosts_.clear();
  // A failed cleanup call is not retried (the driver counts it as failed);
  // the connection's session still releases the reference when it closes.
  const auto ignore = [](absl::StatusOr<v1::DecRefResponse>) {
    return absl::OkStatus();
  };
  for (const auto& [name, handle] : held) {
    Send<v1::DecRefResponse>(DecRefOf(handle), ignore);
  }
  std::vector<uint64_t> candidates(resurrectable_.begin(),
                                   resurrectable_.end());
  std::sort(candidates.begin(), candidates.end());
  for (const uint64_t handle : candidates) {
    Send<v1::InspectResponse>(
        InspectOf(handle),
        [this, handle, ignore](absl::StatusOr<v1::InspectResponse> info) {
          const int64_t references =
              info.ok() ? info->object().session_references() : 0;
          // Freed, unreadable, or kept alive by other objects only: nothing
          // more this pass can give back.
          if (references == 0) resurrectable_.erase(handle);
          for (int64_t i = 0; i < references; ++i) {
            Send<v1::DecRefResponse>(DecRefOf(handle), ignore);
          }
          return absl::OkStatus();
        });
  }
  return true;
}

// --- Steps -----------------------------------------------------------------

void Interpreter::Then(std::function<absl::Status()> step) {
  Task task;
  task.then = [step = std::move(step)](HeapReply*) { return step(); };
  added_.push_back(std::move(task));
}

template <typename Response>
void Interpreter::Send(
    HeapRequest request,
    std::function<absl::Status(absl::StatusOr<Response>)> then) {
  Task task;
  task.request = std::move(request);
  task.then = [then = std::move(then)](HeapReply* reply) -> absl::Status {
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
  added_.push_back(std::move(task));
}

template <typename Response>
void Interpreter::SendOrFail(
    HeapRequest request, const char* doing,
    std::function<absl::Status(const Response&)> then) {
  Send<Response>(std::move(request),
                 [doing, then = std::move(then)](
                     absl::StatusOr<Response> response) -> absl::Status {
                   if (!response.ok()) return Failure(response.status(), doing);
                   return then(*response);
                 });
}

// --- Statements ------------------------------------------------------------

absl::Status Interpreter::Start(const Statement& s) {
  switch (s.kind) {
    case StatementKind::kAllocate:
      return Allocate(s);
    case StatementKind::kBind:
      return Bind(s);
    case StatementKind::kSetField:
    case StatementKind::kAppend: {
      absl::StatusOr<uint64_t> source = ObjectOf(s.target);
      if (!source.ok()) return source.status();
      absl::StatusOr<uint64_t> target = ObjectOf(s.value);
      if (!target.ok()) return target.status();
      const bool append = s.kind == StatementKind::kAppend;
      v1::LinkRequest request;
      request.set_source(*source);
      request.set_target(*target);
      if (append) {
        request.set_append(true);
      } else {
        request.set_field(s.field);
      }
      SendOrFail<v1::LinkResponse>(
          std::move(request), append ? "Link (append)" : "Link",
          [this, &s, append](const v1::LinkResponse& link) {
            text_ = absl::StrCat(s.value, " refcount ", link.target_refcount());
            if (append) return absl::OkStatus();
            if (link.replaced() != 0) {
              absl::StrAppend(&text_, ", replaced ",
                              HandleText(link.replaced()));
            }
            AppendFreed(link.objects_freed(), &text_);
            return absl::OkStatus();
          });
      return absl::OkStatus();
    }
    case StatementKind::kRemove: {
      absl::StatusOr<uint64_t> source = ObjectOf(s.target);
      if (!source.ok()) return source.status();
      absl::StatusOr<uint64_t> item = ObjectOf(s.value);
      if (!item.ok()) return item.status();
      v1::UnlinkRequest request;
      request.set_source(*source);
      request.set_item(*item);
      SendOrFail<v1::UnlinkResponse>(
          std::move(request), "Unlink (remove)",
          [this, &s](const v1::UnlinkResponse& unlink) {
            text_ = absl::StrCat(s.value, " refcount ",
                                 unlink.released_refcount());
            AppendFreed(unlink.objects_freed(), &text_);
            return absl::OkStatus();
          });
      return absl::OkStatus();
    }
    case StatementKind::kDelete:
      Delete(s);
      return absl::OkStatus();
    case StatementKind::kDeleteField: {
      absl::StatusOr<uint64_t> source = ObjectOf(s.target);
      if (!source.ok()) return source.status();
      v1::UnlinkRequest request;
      request.set_source(*source);
      request.set_field(s.field);
      SendOrFail<v1::UnlinkResponse>(
          std::move(request), "Unlink",
          [this](const v1::UnlinkResponse& unlink) {
            text_ = absl::StrCat("released ", HandleText(unlink.released()),
                                 ", refcount ", unlink.released_refcount());
            AppendFreed(unlink.objects_freed(), &text_);
            return absl::OkStatus();
          });
      return absl::OkStatus();
    }
    case StatementKind::kCollect: {
      v1::CollectRequest request;
      if (s.generation.has_value()) request.set_generation(*s.generation);
      SendOrFail<v1::CollectResponse>(
          std::move(request), "Collect",
          [this](const v1::CollectResponse& collect) {
            text_ = absl::StrCat(
                "collected ", collect.collected(), ", uncollectable ",
                collect.uncollectable(), " (examined ", collect.examined(),
                "; generations ",
                absl::StrJoin(collect.generation_counts(), "/"), ")");
            last_collect_ = collect;
            QueueResurrectionChecks();
            return absl::OkStatus();
          });
      return absl::OkStatus();
    }
    case StatementKind::kGcThreshold:
    case StatementKind::kGcEnable:
    case StatementKind::kGcDisable:
    case StatementKind::kGcDebug: {
      v1::SetGcConfigRequest request;
      if (s.kind == StatementKind::kGcThreshold) {
        request.set_threshold0(s.thresholds[0]);
        if (s.thresholds.size() > 1) request.set_threshold1(s.thresholds[1]);
        if (s.thresholds.size() > 2) request.set_threshold2(s.thresholds[2]);
      } else if (s.kind == StatementKind::kGcDebug) {
        request.set_debug_flags(s.debug_flags);
      } else {
        request.set_enabled(s.kind == StatementKind::kGcEnable);
      }
      SendOrFail<v1::GcConfig>(
          std::move(request), "SetGcConfig", [this](const v1::GcConfig& c) {
            text_ = absl::StrCat("thresholds ",
                                 absl::StrJoin(c.thresholds(), " "),
                                 c.enabled() ? ", enabled" : ", disabled",
                                 ", debug flags ", c.debug_flags());
            return absl::OkStatus();
          });
      return absl::OkStatus();
    }
    case StatementKind::kGcFreeze:
      SendOrFail<v1::FreezeResponse>(
          v1::FreezeRequest(), "Freeze",
          [this](const v1::FreezeResponse& freeze) {
            text_ = absl::StrCat("frozen ", freeze.frozen());
            return absl::OkStatus();
          });
      return absl::OkStatus();
    case StatementKind::kGcUnfreeze:
      SendOrFail<v1::UnfreezeResponse>(
          v1::UnfreezeRequest(), "Unfreeze",
          [this](const v1::UnfreezeResponse& unfreeze) {
            text_ = absl::StrCat("unfrozen ", unfreeze.unfrozen());
            return absl::OkStatus();
          });
      return absl::OkStatus();
    case StatementKind::kExpect:
      RequestReads(*s.lhs);
      if (s.rhs.has_value()) RequestReads(*s.rhs);
      Then([this, &s] { return Expect(s); });
      return absl::OkStatus();
    case StatementKind::kPrint:
      for (const PrintItem& item : s.print) {
        if (item.expr.has_value()) RequestReads(*item.expr);
      }
      Then([this, &s] { return Print(s); });
      return absl::OkStatus();
    case StatementKind::kRepeat:
      break;  // Advance runs blocks
  }
  return absl::InternalError("unhandled statement");
}

absl::Status Interpreter::Allocate(const Statement& s) {
  v1::AllocateRequest request;
  v1::ObjectType type;
  if (!v1::ObjectType_Parse(absl::AsciiStrToUpper(s.type), &type)) {
    return absl::InvalidArgumentError(
        absl::StrCat("unknown type '", s.type, "'"));
  }
  request.set_type(type);
  request.set_length(s.length);
  request.set_count(1);
  switch (s.finalizer) {
    case FinalizerKind::kNone:
      break;
    case FinalizerKind::kRecord:
      request.mutable_finalizer()->set_action(v1::Finalizer::RECORD);
      break;
    case FinalizerKind::kResurrect:
      request.mutable_finalizer()->set_action(
          v1::Finalizer::RESURRECT_TO_SESSION);
      break;
    case FinalizerKind::kResurrectInto: {
      absl::StatusOr<uint64_t> into = ObjectOf(s.resurrect_into);
      if (!into.ok()) return into.status();
      request.mutable_finalizer()->set_action(v1::Finalizer::RESURRECT_INTO);
      request.mutable_finalizer()->set_resurrect_into(*into);
      request.mutable_finalizer()->set_resurrect_field(s.resurrect_field);
      break;
    }
  }
  if (s.weakref) {
    request.mutable_weakref()->set_create(true);
    request.mutable_weakref()->set_callback(s.weakref_callback);
  }
  SendOrFail<v1::AllocateResponse>(
      std::move(request), "Allocate",
      [this, &s](const v1::AllocateResponse& response) -> absl::Status {
        if (response.objects_size() != 1) {
          return absl::InternalError(
              absl::StrCat("Allocate returned ", response.objects_size(),
                           " objects, not 1"));
        }
        const v1::AllocatedObject& object = response.objects(0);
        text_ = absl::StrCat(
            s.type, " ", HandleText(object.handle()), " (", object.size(),
            " bytes in a ", object.block_size(), "-byte block, ",
            object.size_class() < 0
                ? std::string("raw domain")
                : absl::StrCat("size class ", object.size_class()),
            ")");
        if (object.weakref_id() != 0) {
          absl::StrAppend(&text_, ", weakref ", object.weakref_id());
        }
        Binding binding;
        binding.is_object = true;
        binding.handle = object.handle();
        binding.resurrects = s.finalizer == FinalizerKind::kResurrect;
        if (binding.resurrects) resurrectable_.insert(binding.handle);
        return Rebind(s.target, binding);
      });
  return absl::OkStatus();
}

absl::Status Interpreter::Bind(const Statement& s) {
  const Expr& expr = *s.expr;
  if (expr.kind == ExprKind::kVariable) {
    auto it = names_.find(expr.name);
    if (it != names_.end() && it->second.is_object) {
      // `node = n`: one more owner of n's object, as in Python.
      const Binding binding = it->second;
      v1::IncRefRequest request;
      request.set_handle(binding.handle);
      SendOrFail<v1::IncRefResponse>(
          std::move(request), "IncRef",
          [this, &s, binding](const v1::IncRefResponse& incref) {
            text_ = absl::StrCat(HandleText(binding.handle), ", refcount ",
                                 incref.refcount());
            return Rebind(s.target, binding);
          });
      return absl::OkStatus();
    }
  }
  RequestReads(expr);
  Then([this, &s]() -> absl::Status {
    absl::StatusOr<int64_t> value = Evaluate(*s.expr);
    if (!value.ok()) return value.status();
    Binding binding;
    binding.value = *value;
    text_ = ValueText(*s.expr, *value);
    return Rebind(s.target, binding);
  });
  return absl::OkStatus();
}

// Binds `name`, then drops the reference its previous object held.
absl::Status Interpreter::Rebind(const std::string& name,
                                 const Binding& binding) {
  std::optional<Binding> previous;
  if (auto it = names_.find(name); it != names_.end()) {
    previous = it->second;
  }
  names_[name] = binding;
  ghosts_.erase(name);
  if (previous.has_value() && previous->is_object) {
    const uint64_t handle = previous->handle;
    SendOrFail<v1::DecRefResponse>(
        DecRefOf(handle), "DecRef",
        [this, handle](const v1::DecRefResponse& decref) {
          absl::StrAppend(&text_, "; previous ", HandleText(handle),
                          decref.refcount() == 0
                              ? std::string(" freed")
                              : absl::StrCat(" refcount ", decref.refcount()));
          if (decref.objects_freed() > 1) {
            absl::StrAppend(&text_, " (", decref.objects_freed(),
                            " objects)");
          }
          return absl::OkStatus();
        });
  }
  return absl::OkStatus();
}

void Interpreter::Delete(const Statement& s) {
  for (const std::string& name : s.names) {
    Then([this, &name]() -> absl::Status {
      auto it = names_.find(name);
      if (it == names_.end()) return Unbound(name);
      const Binding binding = it->second;
      names_.erase(it);
      if (!binding.is_object) {
        parts_.push_back(absl::StrCat(name, " unbound"));
        return absl::OkStatus();
      }
      ghosts_[name] = binding;
      SendOrFail<v1::DecRefResponse>(
          DecRefOf(binding.handle), "DecRef",
          [this, &name](const v1::DecRefResponse& decref) {
            std::string part =
                decref.refcount() == 0
                    ? absl::StrCat(name, " freed")
                    : absl::StrCat(name, " refcount ", decref.refcount());
            if (decref.objects_freed() > 1) {
              absl::StrAppend(&part, " (", decref.objects_freed(),
                              " objects freed)");
            }
            parts_.push_back(std::move(part));
            return absl::OkStatus();
          });
      return absl::OkStatus();
    });
  }
  Then([this] {
    text_ = absl::StrJoin(parts_, "; ");
    // A finalizer that resurrects may have run at refcount zero.
    QueueResurrectionChecks();
    return absl::OkStatus();
  });
}

// Names whose object a finalizer gave back to the session are bound to it
// again (Python's Lazarus, found again under its old name).
void Interpreter::QueueResurrectionChecks() {
  std::vector<std::string> candidates;
  for (const auto& [name, binding] : ghosts_) {
    if (binding.resurrects) candidates.push_back(name);
  }
  std::sort(candidates.begin(), candidates.end());
  for (const std::string& name : candidates) {
    const uint64_t handle = ghosts_.at(name).handle;
    Send<v1::InspectResponse>(
        InspectOf(handle),
        [this, name, handle](
            absl::StatusOr<v1::InspectResponse> info) -> absl::Status {
          if (!info.ok()) {
            if (info.status().code() == absl::StatusCode::kNotFound) {
              return absl::OkStatus();
            }
            return Failure(info.status(), "Inspect");
          }
          // Each bound name holds one of the session's references; only a
          // reference no name holds yet brings a name back (one per name,
          // when several deleted names had the object).
          int64_t held_by_names = 0;
          for (const auto& [bound_name, binding] : names_) {
            if (binding.is_object && binding.handle == handle) {
              ++held_by_names;
            }
          }
          if (info->object().session_references() <= held_by_names) {
            return absl::OkStatus();
          }
          auto ghost = ghosts_.find(name);
          if (ghost == ghosts_.end()) return absl::OkStatus();
          names_[name] = ghost->second;
          ghosts_.erase(ghost);
          absl::StrAppend(&text_, "; ", name, " resurrected (bound again)");
          return absl::OkStatus();
        });
  }
}

absl::Status Interpreter::Expect(const Statement& s) {
  absl::StatusOr<int64_t> lhs = Evaluate(*s.lhs);
  if (!lhs.ok()) return lhs.status();
  std::optional<int64_t> rhs;
  if (s.rhs.has_value()) {
    absl::StatusOr<int64_t> value = Evaluate(*s.rhs);
    if (!value.ok()) return value.status();
    rhs = *value;
  }
  const bool passed =
      s.op.has_value() ? Compare(*lhs, *s.op, *rhs) : *lhs != 0;
  // Describe the sides that are not plain numbers: "collected is 0".
  std::vector<std::string> facts;
  // Compared with `true` or `false`, a value reads as one too.
  const auto is_bool_literal = [](const std::optional<Expr>& expr) {
    return expr.has_value() && expr->kind == ExprKind::kInteger &&
           (expr->text == "true" || expr->text == "false");
  };
  const auto describe = [&](const Expr& expr, int64_t value, bool as_bool) {
    if (expr.kind == ExprKind::kInteger) return;
    facts.push_back(absl::StrCat(
        expr.text, " is ",
        as_bool ? (value != 0 ? "true" : "false") : ValueText(expr, value)));
  };
  describe(*s.lhs, *lhs, is_bool_literal(s.rhs));
  if (s.rhs.has_value()) describe(*s.rhs, *rhs, is_bool_literal(s.lhs));
  if (facts.empty()) facts.push_back("the comparison is false");
  const std::string detail = absl::StrJoin(facts, ", ");
  if (passed) {
    ++result_.expectations_passed;
    pending_pass_ = true;
    text_ = absl::StrCat("ok (", detail, ")");
    return absl::OkStatus();
  }
  const std::string failure = absl::StrCat(
      scenario_.filename, ":", s.line, ": ", s.source, " failed: ", detail);
  result_.failures.push_back(failure);
  text_ = absl::StrCat("FAILED: ", detail);
  pending_failure_ = failure;
  return absl::OkStatus();
}

absl::Status Interpreter::Print(const Statement& s) {
  std::vector<std::string> parts;
  for (const PrintItem& item : s.print) {
    if (item.text.has_value()) {
      parts.push_back(*item.text);
      continue;
    }
    absl::StatusOr<int64_t> value = Evaluate(*item.expr);
    if (!value.ok()) return value.status();
    parts.push_back(ValueText(*item.expr, *value));
  }
  text_ = absl::StrJoin(parts, " ");
  return absl::OkStatus();
}

// --- Names and expressions -------------------------------------------------

// The object `name` is bound to, for statements that use a reference.
absl::StatusOr<uint64_t> Interpreter::ObjectOf(const std::string& name) {
  auto it = names_.find(name);
  if (it == names_.end()) return Unbound(name);
  if (!it->second.is_object) {
    return absl::InvalidArgumentError(absl::StrCat(
        "'", name, "' is a number (", it->second.value, "), not an object"));
  }
  return it->second.handle;
}

absl::Status Interpreter::Unbound(const std::string& name) const {
  if (ghosts_.contains(name)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "'", name, "' was deleted; only alive(", name, "), freed(", name,
        "), refcount(", name, ") and the like may still read it"));
  }
  return absl::InvalidArgumentError(
      absl::StrCat("'", name, "' is not defined"));
}

// The object a function reads: a bound name, or a deleted name's last.
absl::StatusOr<uint64_t> Interpreter::ObservedObject(const std::string& name) {
  if (auto it = names_.find(name); it != names_.end()) {
    if (!it->second.is_object) return ObjectOf(name);
    return it->second.handle;
  }
  if (auto it = ghosts_.find(name); it != ghosts_.end()) {
    return it->second.handle;
  }
  return Unbound(name);
}

// Names that cannot be read are skipped here: Evaluate reports them, in the
// order the expression reads them.
void Interpreter::RequestReads(const Expr& expr) {
  switch (expr.kind) {
    case ExprKind::kObjectCall:
    case ExprKind::kInspectPath: {
      absl::StatusOr<uint64_t> handle = ObservedObject(expr.object);
      if (!handle.ok() || !reads_.requested.insert(*handle).second) return;
      const uint64_t h = *handle;
      Send<v1::InspectResponse>(
          InspectOf(h), [this, h](absl::StatusOr<v1::InspectResponse> info) {
            if (info.ok()) {
              reads_.objects.emplace(h, std::move(*info->mutable_object()));
            } else {
              reads_.objects.emplace(h, info.status());
            }
            return absl::OkStatus();
          });
      return;
    }
    case ExprKind::kStatsPath: {
      if (reads_.stats_requested) return;
      reads_.stats_requested = true;
      v1::StatsRequest request;
      request.set_fresh(true);  // include this scenario's own effects
      Send<v1::StatsResponse>(
          std::move(request), [this](absl::StatusOr<v1::StatsResponse> stats) {
            reads_.stats = std::move(stats);
            return absl::OkStatus();
          });
      return;
    }
    default:
      for (const Expr& child : expr.children) RequestReads(child);
      return;
  }
}

const absl::StatusOr<v1::ObjectInfo>& Interpreter::InspectResult(
    uint64_t handle) {
  auto it = reads_.objects.find(handle);
  if (it != reads_.objects.end()) return it->second;
  static const absl::StatusOr<v1::ObjectInfo> kNotRead =
      absl::InternalError("the object was not inspected for this statement");
  return kNotRead;
}

absl::StatusOr<int64_t> Interpreter::Evaluate(const Expr& expr) {
  switch (expr.kind) {
    case ExprKind::kInteger:
      return expr.integer;
    case ExprKind::kVariable: {
      auto it = names_.find(expr.name);
      if (it == names_.end()) return Unbound(expr.name);
      if (it->second.is_object) {
        return absl::InvalidArgumentError(
            absl::StrCat("'", expr.name,
                         "' is an object, not a number; read it with "
                         "refcount(",
                         expr.name, "), alive(", expr.name, "), inspect(",
                         expr.name, ").FIELD, ..."));
      }
      return it->second.value;
    }
    case ExprKind::kLastCollect: {
      if (!last_collect_.has_value()) {
        return absl::InvalidArgumentError(absl::StrCat(
            "'", expr.name, "' reads the last collect, and none ran yet"));
      }
      if (expr.name == "collected") return last_collect_->collected();
      if (expr.name == "uncollectable") {
        return last_collect_->uncollectable();
      }
      return last_collect_->examined();
    }
    case ExprKind::kObjectCall: {
      absl::StatusOr<uint64_t> handle = ObservedObject(expr.object);
      if (!handle.ok()) return handle.status();
      const absl::StatusOr<v1::ObjectInfo>& info = InspectResult(*handle);
      const bool freed =
          !info.ok() && info.status().code() == absl::StatusCode::kNotFound;
      if (!info.ok() && !freed) return Failure(info.status(), "Inspect");
      if (expr.name == "alive") return freed ? 0 : 1;
      if (expr.name == "freed") return freed ? 1 : 0;
      if (expr.name == "refcount") return freed ? 0 : info->refcount();
      if (expr.name == "weakrefs") return freed ? 0 : info->weakref_count();
      // generation
      if (freed) {
        return absl::FailedPreconditionError(absl::StrCat(
            "'", expr.object, "' was freed; it has no generation"));
      }
      return info->generation();
    }
    case ExprKind::kInspectPath: {
      absl::StatusOr<uint64_t> handle = ObservedObject(expr.object);
      if (!handle.ok()) return handle.status();
      const absl::StatusOr<v1::ObjectInfo>& info = InspectResult(*handle);
      if (!info.ok()) {
        return Failure(info.status(),
                       absl::StrCat("inspect(", expr.object, ")"));
      }
      return ReadNumberAtPath(
          *info, absl::StrCat("inspect(", expr.object, ")"), expr.path);
    }
    case ExprKind::kStatsPath: {
      if (!reads_.stats.has_value()) {
        return absl::InternalError("stats were not read for this statement");
      }
      if (!reads_.stats->ok()) {
        return Failure(reads_.stats->status(), "Stats");
      }
      return ReadNumberAtPath(**reads_.stats, "stats", expr.path);
    }
    case ExprKind::kAdd:
    case ExprKind::kSubtract: {
      absl::StatusOr<int64_t> left = Evaluate(expr.children[0]);
      if (!left.ok()) return left.status();
      absl::StatusOr<int64_t> right = Evaluate(expr.children[1]);
      if (!right.ok()) return right.status();
      int64_t value;
      const bool overflow =
          expr.kind == ExprKind::kAdd
              ? __builtin_add_overflow(*left, *right, &value)
              : __builtin_sub_overflow(*left, *right, &value);
      if (overflow) {
        return absl::OutOfRangeError(
            absl::StrCat("'", expr.text, "' overflows 64 bits"));
      }
      return value;
    }
    case ExprKind::kNegate:
    case ExprKind::kNot: {
      absl::StatusOr<int64_t> operand = Evaluate(expr.children[0]);
      if (!operand.ok()) return operand.status();
      if (expr.kind == ExprKind::kNegate) {
        if (*operand == std::numeric_limits<int64_t>::min()) {
          return absl::OutOfRangeError(
              absl::StrCat("'", expr.text, "' overflows 64 bits"));
        }
        return -*operand;
      }
      return *operand == 0 ? 1 : 0;
    }
  }
  return absl::InternalError("unhandled expression");
}

}  // namespace heapd::scenario
