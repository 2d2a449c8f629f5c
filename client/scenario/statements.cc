// What each statement of a scenario sends and what it says (the text the
// listener gets): Interpreter's statements, the reads its expressions need,
// and the cleanup pass. The control around them (passes, repeats, stopping)
// is interpreter.cc.
#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "client/scenario/evaluation.h"
#include "client/scenario/heap_request.h"
#include "client/scenario/interpreter.h"

namespace heapd::scenario {
namespace {

// Rounds of cleanup: dropping the names' references may run a finalizer
// that hands the session a new one, which the next round gives back; a
// finalizer runs once per object, so two rounds suffice and the rest is
// margin.
constexpr int kMaxCleanupRounds = 4;

std::string HandleText(uint64_t handle) { return absl::StrCat("#", handle); }

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

// --- Statements ------------------------------------------------------------

absl::Status Interpreter::Start(const Statement& s) {
  switch (s.kind) {
    case StatementKind::kAllocate:
      return Allocate(s);
    case StatementKind::kBind:
      return Bind(s);
    case StatementKind::kSetField:
    case StatementKind::kAppend: {
      absl::StatusOr<uint64_t> source = locals_.ObjectOf(s.target);
      if (!source.ok()) return source.status();
      absl::StatusOr<uint64_t> target = locals_.ObjectOf(s.value);
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
      steps_.SendOrFail<v1::LinkResponse>(
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
      absl::StatusOr<uint64_t> source = locals_.ObjectOf(s.target);
      if (!source.ok()) return source.status();
      absl::StatusOr<uint64_t> item = locals_.ObjectOf(s.value);
      if (!item.ok()) return item.status();
      v1::UnlinkRequest request;
      request.set_source(*source);
      request.set_item(*item);
      steps_.SendOrFail<v1::UnlinkResponse>(
          std::move(request), "Unlink (remove)",
          [this, &s](const v1::UnlinkResponse& unlink) {
            text_ =
                absl::StrCat(s.value, " refcount ", unlink.released_refcount());
            AppendFreed(unlink.objects_freed(), &text_);
            return absl::OkStatus();
          });
      return absl::OkStatus();
    }
    case StatementKind::kDelete:
      Delete(s);
      return absl::OkStatus();
    case StatementKind::kDeleteField: {
      absl::StatusOr<uint64_t> source = locals_.ObjectOf(s.target);
      if (!source.ok()) return source.status();
      v1::UnlinkRequest request;
      request.set_source(*source);
      request.set_field(s.field);
      steps_.SendOrFail<v1::UnlinkResponse>(
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
      steps_.SendOrFail<v1::CollectResponse>(
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
      steps_.SendOrFail<v1::GcConfig>(
          std::move(request), "SetGcConfig", [this](const v1::GcConfig& c) {
            text_ =
                absl::StrCat("thresholds ", absl::StrJoin(c.thresholds(), " "),
                             c.enabled() ? ", enabled" : ", disabled",
                             ", debug flags ", c.debug_flags());
            return absl::OkStatus();
          });
      return absl::OkStatus();
    }
    case StatementKind::kGcFreeze:
      steps_.SendOrFail<v1::FreezeResponse>(
          v1::FreezeRequest(), "Freeze",
          [this](const v1::FreezeResponse& freeze) {
            text_ = absl::StrCat("frozen ", freeze.frozen());
            return absl::OkStatus();
          });
      return absl::OkStatus();
    case StatementKind::kGcUnfreeze:
      steps_.SendOrFail<v1::UnfreezeResponse>(
          v1::UnfreezeRequest(), "Unfreeze",
          [this](const v1::UnfreezeResponse& unfreeze) {
            text_ = absl::StrCat("unfrozen ", unfreeze.unfrozen());
            return absl::OkStatus();
          });
      return absl::OkStatus();
    case StatementKind::kExpect:
      RequestReads(*s.lhs);
      if (s.rhs.has_value()) RequestReads(*s.rhs);
      steps_.Then([this, &s] { return Expect(s); });
      return absl::OkStatus();
    case StatementKind::kPrint:
      for (const PrintItem& item : s.print) {
        if (item.expr.has_value()) RequestReads(*item.expr);
      }
      steps_.Then([this, &s] { return Print(s); });
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
      absl::StatusOr<uint64_t> into = locals_.ObjectOf(s.resurrect_into);
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
  steps_.SendOrFail<v1::AllocateResponse>(
      std::move(request), "Allocate",
      [this, &s](const v1::AllocateResponse& response) -> absl::Status {
        if (response.objects_size() != 1) {
          return absl::InternalError(absl::StrCat("Allocate returned ",
                                                  response.objects_size(),
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
    auto it = locals_.names.find(expr.name);
    if (it != locals_.names.end() && it->second.is_object) {
      // `node = n`: one more owner of n's object, as in Python.
      const Binding binding = it->second;
      v1::IncRefRequest request;
      request.set_handle(binding.handle);
      steps_.SendOrFail<v1::IncRefResponse>(
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
  steps_.Then([this, &s]() -> absl::Status {
    absl::StatusOr<int64_t> value =
        Evaluate(*s.expr, locals_, reads_, last_collect_);
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
  if (auto it = locals_.names.find(name); it != locals_.names.end()) {
    previous = it->second;
  }
  locals_.names[name] = binding;
  locals_.ghosts.erase(name);
  if (previous.has_value() && previous->is_object) {
    const uint64_t handle = previous->handle;
    steps_.SendOrFail<v1::DecRefResponse>(
        DecRefOf(handle), "DecRef",
        [this, handle](const v1::DecRefResponse& decref) {
          absl::StrAppend(&text_, "; previous ", HandleText(handle),
                          decref.refcount() == 0
                              ? std::string(" freed")
                              : absl::StrCat(" refcount ", decref.refcount()));
          if (decref.objects_freed() > 1) {
            absl::StrAppend(&text_, " (", decref.objects_freed(), " objects)");
          }
          return absl::OkStatus();
        });
  }
  return absl::OkStatus();
}

void Interpreter::Delete(const Statement& s) {
  for (const std::string& name : s.names) {
    steps_.Then([this, &name]() -> absl::Status {
      auto it = locals_.names.find(name);
      if (it == locals_.names.end()) return locals_.Unbound(name);
      const Binding binding = it->second;
      locals_.names.erase(it);
      if (!binding.is_object) {
        parts_.push_back(absl::StrCat(name, " unbound"));
        return absl::OkStatus();
      }
      locals_.ghosts[name] = binding;
      steps_.SendOrFail<v1::DecRefResponse>(
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
  steps_.Then([this] {
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
  for (const auto& [name, binding] : locals_.ghosts) {
    if (binding.resurrects) candidates.push_back(name);
  }
  std::sort(candidates.begin(), candidates.end());
  for (const std::string& name : candidates) {
    const uint64_t handle = locals_.ghosts.at(name).handle;
    steps_.Send<v1::InspectResponse>(
        InspectOf(handle),
        [this, name,
         handle](absl::StatusOr<v1::InspectResponse> info) -> absl::Status {
          if (!info.ok()) {
            if (info.status().code() == absl::StatusCode::kNotFound) {
              return absl::OkStatus();
            }
            return RequestFailed(info.status(), "Inspect");
          }
          // Each bound name holds one of the session's references; only a
          // reference no name holds yet brings a name back (one per name,
          // when several deleted names had the object).
          int64_t held_by_names = 0;
          for (const auto& [bound_name, binding] : locals_.names) {
            if (binding.is_object && binding.handle == handle) {
              ++held_by_names;
            }
          }
          if (info->object().session_references() <= held_by_names) {
            return absl::OkStatus();
          }
          auto ghost = locals_.ghosts.find(name);
          if (ghost == locals_.ghosts.end()) return absl::OkStatus();
          locals_.names[name] = ghost->second;
          locals_.ghosts.erase(ghost);
          absl::StrAppend(&text_, "; ", name, " resurrected (bound again)");
          return absl::OkStatus();
        });
  }
}

absl::Status Interpreter::Expect(const Statement& s) {
  absl::StatusOr<int64_t> lhs =
      Evaluate(*s.lhs, locals_, reads_, last_collect_);
  if (!lhs.ok()) return lhs.status();
  std::optional<int64_t> rhs;
  if (s.rhs.has_value()) {
    absl::StatusOr<int64_t> value =
        Evaluate(*s.rhs, locals_, reads_, last_collect_);
    if (!value.ok()) return value.status();
    rhs = *value;
  }
  const bool passed = s.op.has_value() ? Compare(*lhs, *s.op, *rhs) : *lhs != 0;
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
  const std::string failure = absl::StrCat(scenario_.filename, ":", s.line,
                                           ": ", s.source, " failed: ", detail);
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
    absl::StatusOr<int64_t> value =
        Evaluate(*item.expr, locals_, reads_, last_collect_);
    if (!value.ok()) return value.status();
    parts.push_back(ValueText(*item.expr, *value));
  }
  text_ = absl::StrJoin(parts, " ");
  return absl::OkStatus();
}

// --- Reads and cleanup ------------------------------------------------------

// Names that cannot be read are skipped here: Evaluate reports them, in the
// order the expression reads them.
void Interpreter::RequestReads(const Expr& expr) {
  switch (expr.kind) {
    case ExprKind::kObjectCall:
    case ExprKind::kInspectPath: {
      absl::StatusOr<uint64_t> handle = locals_.ObservedObject(expr.object);
      if (!handle.ok() || !reads_.requested.insert(*handle).second) return;
      const uint64_t h = *handle;
      steps_.Send<v1::InspectResponse>(
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
      steps_.Send<v1::StatsResponse>(
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

// What closing the session would give back, as DecRefs: one per name bound
// to an object (each name holds one reference), then, for each object a
// `finalizer resurrect` may have handed back to the session, as many as
// Inspect says the session still holds (no name holds one any more).
bool Interpreter::QueueCleanupRound() {
  std::vector<std::pair<std::string, uint64_t>> held;
  for (const auto& [name, binding] : locals_.names) {
    if (binding.is_object) held.emplace_back(name, binding.handle);
  }
  if (cleanup_rounds_ >= kMaxCleanupRounds ||
      (held.empty() && resurrectable_.empty())) {
    return false;
  }
  ++cleanup_rounds_;
  std::sort(held.begin(), held.end());
  locals_.names.clear();
  locals_.ghosts.clear();
  // A failed cleanup call is not retried (the driver counts it as failed);
  // the connection's session still releases the reference when it closes.
  const auto ignore = [](absl::StatusOr<v1::DecRefResponse>) {
    return absl::OkStatus();
  };
  for (const auto& [name, handle] : held) {
    steps_.Send<v1::DecRefResponse>(DecRefOf(handle), ignore);
  }
  std::vector<uint64_t> candidates(resurrectable_.begin(),
                                   resurrectable_.end());
  std::sort(candidates.begin(), candidates.end());
  for (const uint64_t handle : candidates) {
    steps_.Send<v1::InspectResponse>(
        InspectOf(handle),
        [this, handle, ignore](absl::StatusOr<v1::InspectResponse> info) {
          const int64_t references =
              info.ok() ? info->object().session_references() : 0;
          // Freed, unreadable, or kept alive by other objects only: nothing
          // more this pass can give back.
          if (references == 0) resurrectable_.erase(handle);
          for (int64_t i = 0; i < references; ++i) {
            steps_.Send<v1::DecRefResponse>(DecRefOf(handle), ignore);
          }
          return absl::OkStatus();
        });
  }
  return true;
}

}  // namespace heapd::scenario
