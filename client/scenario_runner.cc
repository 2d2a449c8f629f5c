// The runner keeps the scenario's names the way Python keeps a frame's
// locals: each name bound to an object holds one reference (of the
// scenario's session), rebinding a name drops the reference it held after
// the new value is bound, and `del` drops it. A deleted name is remembered
// with its last object ("ghosts"), so `freed(a)`, `alive(a)` and
// `refcount(a)` still read the object after `del a`, as a weak reference
// would in Python.
#include "client/scenario_runner.h"

#include <algorithm>
#include <limits>
#include <optional>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "client/proto_path.h"
#include "client/session.h"

namespace heapd::scenario {
namespace {

// What a name is bound to.
struct Binding {
  bool is_object = false;
  uint64_t handle = 0;  // is_object
  int64_t value = 0;    // a number otherwise
  // Allocated with `finalizer resurrect`: after a collection (or the last
  // del) the object may come back to the session, and to this name.
  bool resurrects = false;
};

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
// location, which Run adds.
absl::Status Failure(absl::Status status, absl::string_view doing) {
  return absl::Status(status.code(),
                      absl::StrCat(doing, ": ", status.message()));
}

class Runner {
 public:
  Runner(const Scenario& scenario, const client::HeapClient& heap,
         const client::Session& session, const RunOptions& options,
         std::ostream& out, RunResult* result)
      : scenario_(scenario),
        heap_(heap),
        session_(session),
        options_(options),
        out_(out),
        result_(result) {}

  // Runs the top-level statements; stops at the first that cannot run.
  void Run() {
    for (const Statement& statement : scenario_.statements) {
      if (!Execute(statement, /*depth=*/0)) return;
    }
  }

 private:
  // Per-statement caches: one fresh Stats and one Inspect per object serve
  // every mention in the statement (`expect stats.a == stats.b`).
  struct Cache {
    std::optional<v1::StatsResponse> stats;
    absl::flat_hash_map<uint64_t, absl::StatusOr<v1::ObjectInfo>> objects;
  };

  // Runs one statement (a repeat with its body); false once the scenario
  // must stop (result_->error is set).
  bool Execute(const Statement& statement, int depth) {
    if (++result_->statements > options_.max_statements) {
      result_->error = absl::ResourceExhaustedError(
          absl::StrCat(Where(statement), "the scenario ran more than ",
                       options_.max_statements, " statements"));
      Print(result_->error.message());
      return false;
    }
    const bool echo = !options_.quiet && (depth == 0 || options_.verbose);
    if (statement.kind == StatementKind::kRepeat) {
      if (echo) {
        Print(absl::StrFormat("%5d | %s", statement.line, statement.source));
      }
      const int64_t before = result_->statements;
      for (int64_t i = 0; i < statement.count; ++i) {
        for (const Statement& inner : statement.body) {
          if (!Execute(inner, depth + 1)) return false;
        }
      }
      if (echo) {
        Print(absl::StrFormat("%5s | } -> %d times, %d statements", "",
                              statement.count, result_->statements - before));
      }
      return true;
    }
    cache_ = Cache();
    std::string text;
    absl::Status status = ExecuteSimple(statement, &text);
    if (!status.ok()) {
      result_->error = absl::Status(
          status.code(), absl::StrCat(Where(statement), status.message()));
      Print(result_->error.message());
      return false;
    }
    if (statement.kind == StatementKind::kPrint) {
      Print(text);
    } else if (echo) {
      Print(absl::StrFormat("%5d | %s -> %s", statement.line, statement.source,
                            text));
    }
    // A failed expectation shows even inside a silent block or when quiet.
    if (pending_failure_.has_value()) {
      Print(*pending_failure_);
      pending_failure_.reset();
    }
    return true;
  }

  std::string Where(const Statement& statement) const {
    return absl::StrCat(scenario_.filename, ":", statement.line, ": ");
  }

  void Print(absl::string_view line) { out_ << line << "\n"; }

  absl::Status ExecuteSimple(const Statement& s, std::string* text) {
    switch (s.kind) {
      case StatementKind::kAllocate:
        return Allocate(s, text);
      case StatementKind::kBind:
        return Bind(s, text);
      case StatementKind::kSetField: {
        absl::StatusOr<uint64_t> source = ObjectOf(s.target);
        if (!source.ok()) return source.status();
        absl::StatusOr<uint64_t> target = ObjectOf(s.value);
        if (!target.ok()) return target.status();
        absl::StatusOr<v1::LinkResponse> link =
            session_.Link(*source, *target, s.field);
        if (!link.ok()) return Failure(link.status(), "Link");
        *text = absl::StrCat(s.value, " refcount ", link->target_refcount());
        if (link->replaced() != 0) {
          absl::StrAppend(text, ", replaced ", HandleText(link->replaced()));
        }
        AppendFreed(link->objects_freed(), text);
        return absl::OkStatus();
      }
      case StatementKind::kAppend: {
        absl::StatusOr<uint64_t> source = ObjectOf(s.target);
        if (!source.ok()) return source.status();
        absl::StatusOr<uint64_t> item = ObjectOf(s.value);
        if (!item.ok()) return item.status();
        absl::StatusOr<v1::LinkResponse> link = session_.Append(*source, *item);
        if (!link.ok()) return Failure(link.status(), "Link (append)");
        *text = absl::StrCat(s.value, " refcount ", link->target_refcount());
        return absl::OkStatus();
      }
      case StatementKind::kRemove: {
        absl::StatusOr<uint64_t> source = ObjectOf(s.target);
        if (!source.ok()) return source.status();
        absl::StatusOr<uint64_t> item = ObjectOf(s.value);
        if (!item.ok()) return item.status();
        absl::StatusOr<v1::UnlinkResponse> unlink =
            session_.Remove(*source, *item);
        if (!unlink.ok()) return Failure(unlink.status(), "Unlink (remove)");
        *text =
            absl::StrCat(s.value, " refcount ", unlink->released_refcount());
        AppendFreed(unlink->objects_freed(), text);
        return absl::OkStatus();
      }
      case StatementKind::kDelete:
        return Delete(s, text);
      case StatementKind::kDeleteField: {
        absl::StatusOr<uint64_t> source = ObjectOf(s.target);
        if (!source.ok()) return source.status();
        absl::StatusOr<v1::UnlinkResponse> unlink =
            session_.Unlink(*source, s.field);
        if (!unlink.ok()) return Failure(unlink.status(), "Unlink");
        *text = absl::StrCat("released ", HandleText(unlink->released()),
                             ", refcount ", unlink->released_refcount());
        AppendFreed(unlink->objects_freed(), text);
        return absl::OkStatus();
      }
      case StatementKind::kCollect: {
        absl::StatusOr<v1::CollectResponse> collect =
            session_.Collect(s.generation);
        if (!collect.ok()) return Failure(collect.status(), "Collect");
        *text =
            absl::StrCat("collected ", collect->collected(), ", uncollectable ",
                         collect->uncollectable(), " (examined ",
                         collect->examined(), "; generations ",
                         absl::StrJoin(collect->generation_counts(), "/"), ")");
        last_collect_ = *std::move(collect);
        return CheckResurrections(text);
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
        absl::StatusOr<v1::GcConfig> config = session_.SetGcConfig(request);
        if (!config.ok()) return Failure(config.status(), "SetGcConfig");
        *text = absl::StrCat("thresholds ",
                             absl::StrJoin(config->thresholds(), " "),
                             config->enabled() ? ", enabled" : ", disabled",
                             ", debug flags ", config->debug_flags());
        return absl::OkStatus();
      }
      case StatementKind::kGcFreeze: {
        absl::StatusOr<v1::FreezeResponse> freeze = session_.Freeze();
        if (!freeze.ok()) return Failure(freeze.status(), "Freeze");
        *text = absl::StrCat("frozen ", freeze->frozen());
        return absl::OkStatus();
      }
      case StatementKind::kGcUnfreeze: {
        absl::StatusOr<v1::UnfreezeResponse> unfreeze = session_.Unfreeze();
        if (!unfreeze.ok()) return Failure(unfreeze.status(), "Unfreeze");
        *text = absl::StrCat("unfrozen ", unfreeze->unfrozen());
        return absl::OkStatus();
      }
      case StatementKind::kExpect:
        return Expect(s, text);
      case StatementKind::kPrint: {
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
        *text = absl::StrJoin(parts, " ");
        return absl::OkStatus();
      }
      case StatementKind::kRepeat:
        break;  // Execute runs blocks
    }
    return absl::InternalError("unhandled statement");
  }

  absl::Status Allocate(const Statement& s, std::string* text) {
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
    absl::StatusOr<v1::AllocateResponse> response =
        session_.Allocate(std::move(request));
    if (!response.ok()) return Failure(response.status(), "Allocate");
    if (response->objects_size() != 1) {
      return absl::InternalError(absl::StrCat(
          "Allocate returned ", response->objects_size(), " objects, not 1"));
    }
    const v1::AllocatedObject& object = response->objects(0);
    *text = absl::StrCat(s.type, " ", HandleText(object.handle()), " (",
                         object.size(), " bytes in a ", object.block_size(),
                         "-byte block, ",
                         object.size_class() < 0
                             ? std::string("raw domain")
                             : absl::StrCat("size class ", object.size_class()),
                         ")");
    if (object.weakref_id() != 0) {
      absl::StrAppend(text, ", weakref ", object.weakref_id());
    }
    Binding binding;
    binding.is_object = true;
    binding.handle = object.handle();
    binding.resurrects = s.finalizer == FinalizerKind::kResurrect;
    return Rebind(s.target, binding, text);
  }

  absl::Status Bind(const Statement& s, std::string* text) {
    const Expr& expr = *s.expr;
    if (expr.kind == ExprKind::kVariable) {
      auto it = names_.find(expr.name);
      if (it != names_.end() && it->second.is_object) {
        // `node = n`: one more owner of n's object, as in Python.
        const Binding binding = it->second;
        absl::StatusOr<v1::IncRefResponse> incref =
            session_.IncRef(binding.handle);
        if (!incref.ok()) return Failure(incref.status(), "IncRef");
        *text = absl::StrCat(HandleText(binding.handle), ", refcount ",
                             incref->refcount());
        return Rebind(s.target, binding, text);
      }
    }
    absl::StatusOr<int64_t> value = Evaluate(expr);
    if (!value.ok()) return value.status();
    Binding binding;
    binding.value = *value;
    *text = ValueText(expr, *value);
    return Rebind(s.target, binding, text);
  }

  // Binds `name`, then drops the reference its previous object held.
  absl::Status Rebind(const std::string& name, const Binding& binding,
                      std::string* text) {
    std::optional<Binding> previous;
    if (auto it = names_.find(name); it != names_.end()) {
      previous = it->second;
    }
    names_[name] = binding;
    ghosts_.erase(name);
    if (previous.has_value() && previous->is_object) {
      absl::StatusOr<v1::DecRefResponse> decref =
          session_.DecRef(previous->handle);
      if (!decref.ok()) return Failure(decref.status(), "DecRef");
      absl::StrAppend(text, "; previous ", HandleText(previous->handle),
                      decref->refcount() == 0
                          ? std::string(" freed")
                          : absl::StrCat(" refcount ", decref->refcount()));
      if (decref->objects_freed() > 1) {
        absl::StrAppend(text, " (", decref->objects_freed(), " objects)");
      }
    }
    return absl::OkStatus();
  }

  absl::Status Delete(const Statement& s, std::string* text) {
    std::vector<std::string> parts;
    for (const std::string& name : s.names) {
      auto it = names_.find(name);
      if (it == names_.end()) return Unbound(name);
      const Binding binding = it->second;
      names_.erase(it);
      if (!binding.is_object) {
        parts.push_back(absl::StrCat(name, " unbound"));
        continue;
      }
      ghosts_[name] = binding;
      absl::StatusOr<v1::DecRefResponse> decref =
          session_.DecRef(binding.handle);
      if (!decref.ok()) return Failure(decref.status(), "DecRef");
      std::string part =
          decref->refcount() == 0
              ? absl::StrCat(name, " freed")
              : absl::StrCat(name, " refcount ", decref->refcount());
      if (decref->objects_freed() > 1) {
        absl::StrAppend(&part, " (", decref->objects_freed(),
                        " objects freed)");
      }
      parts.push_back(std::move(part));
    }
    *text = absl::StrJoin(parts, "; ");
    // A finalizer that resurrects may have run at refcount zero.
    return CheckResurrections(text);
  }

  // Names whose object a finalizer gave back to the session are bound to
  // it again (Python's Lazarus, found again under its old name).
  absl::Status CheckResurrections(std::string* text) {
    std::vector<std::string> candidates;
    for (const auto& [name, binding] : ghosts_) {
      if (binding.resurrects) candidates.push_back(name);
    }
    std::sort(candidates.begin(), candidates.end());
    for (const std::string& name : candidates) {
      const uint64_t handle = ghosts_.at(name).handle;
      absl::StatusOr<v1::ObjectInfo> info = session_.Inspect(handle);
      if (!info.ok()) {
        if (info.status().code() == absl::StatusCode::kNotFound) continue;
        return Failure(info.status(), "Inspect");
      }
      // Each bound name holds one of the session's references; only a
      // reference no name holds yet brings a name back (one per name, when
      // several deleted names had the object).
      int64_t held_by_names = 0;
      for (const auto& [bound_name, binding] : names_) {
        if (binding.is_object && binding.handle == handle) ++held_by_names;
      }
      if (info->session_references() <= held_by_names) continue;
      names_[name] = ghosts_.at(name);
      ghosts_.erase(name);
      absl::StrAppend(text, "; ", name, " resurrected (bound again)");
    }
    return absl::OkStatus();
  }

  absl::Status Expect(const Statement& s, std::string* text) {
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
      ++result_->expectations_passed;
      *text = absl::StrCat("ok (", detail, ")");
      return absl::OkStatus();
    }
    const std::string failure = absl::StrCat(
        scenario_.filename, ":", s.line, ": ", s.source, " failed: ", detail);
    result_->failures.push_back(failure);
    *text = absl::StrCat("FAILED: ", detail);
    pending_failure_ = failure;
    return absl::OkStatus();
  }

  // The object `name` is bound to, for statements that use a reference.
  absl::StatusOr<uint64_t> ObjectOf(const std::string& name) {
    auto it = names_.find(name);
    if (it == names_.end()) return Unbound(name);
    if (!it->second.is_object) {
      return absl::InvalidArgumentError(absl::StrCat(
          "'", name, "' is a number (", it->second.value, "), not an object"));
    }
    return it->second.handle;
  }

  absl::Status Unbound(const std::string& name) const {
    if (ghosts_.contains(name)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "'", name, "' was deleted; only alive(", name, "), freed(", name,
          "), refcount(", name, ") and the like may still read it"));
    }
    return absl::InvalidArgumentError(
        absl::StrCat("'", name, "' is not defined"));
  }

  // The object a function reads: a bound name, or a deleted name's last.
  absl::StatusOr<uint64_t> ObservedObject(const std::string& name) {
    if (auto it = names_.find(name); it != names_.end()) {
      if (!it->second.is_object) return ObjectOf(name);
      return it->second.handle;
    }
    if (auto it = ghosts_.find(name); it != ghosts_.end()) {
      return it->second.handle;
    }
    return Unbound(name);
  }

  // Inspect of `handle`, once per statement.
  const absl::StatusOr<v1::ObjectInfo>& InspectCached(uint64_t handle) {
    auto it = cache_.objects.find(handle);
    if (it == cache_.objects.end()) {
      it = cache_.objects.emplace(handle, session_.Inspect(handle)).first;
    }
    return it->second;
  }

  absl::StatusOr<int64_t> Evaluate(const Expr& expr) {
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
        const absl::StatusOr<v1::ObjectInfo>& info = InspectCached(*handle);
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
        const absl::StatusOr<v1::ObjectInfo>& info = InspectCached(*handle);
        if (!info.ok()) {
          return Failure(info.status(),
                         absl::StrCat("inspect(", expr.object, ")"));
        }
        return ReadNumberAtPath(
            *info, absl::StrCat("inspect(", expr.object, ")"), expr.path);
      }
      case ExprKind::kStatsPath: {
        if (!cache_.stats.has_value()) {
          v1::StatsRequest request;
          request.set_fresh(true);  // include this scenario's own effects
          absl::StatusOr<v1::StatsResponse> stats = heap_.Stats(request);
          if (!stats.ok()) return Failure(stats.status(), "Stats");
          cache_.stats = *std::move(stats);
        }
        return ReadNumberAtPath(*cache_.stats, "stats", expr.path);
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

  void AppendFreed(int64_t freed, std::string* text) {
    if (freed > 0) absl::StrAppend(text, ", ", freed, " freed");
  }

  const Scenario& scenario_;
  // Stats need no session: they go through the client.
  const client::HeapClient& heap_;
  const client::Session& session_;
  const RunOptions& options_;
  std::ostream& out_;
  RunResult* result_;
  absl::flat_hash_map<std::string, Binding> names_;
  absl::flat_hash_map<std::string, Binding> ghosts_;
  std::optional<v1::CollectResponse> last_collect_;
  Cache cache_;
  std::optional<std::string> pending_failure_;
};

}  // namespace

RunResult RunScenario(const Scenario& scenario, const client::HeapClient& heap,
                      const RunOptions& options, std::ostream& out) {
  RunResult result;
  absl::StatusOr<client::Session> session =
      heap.OpenSession(absl::ZeroDuration(), options.client_name);
  if (!session.ok()) {
    result.error = absl::Status(
        session.status().code(),
        absl::StrCat(scenario.filename,
                     ": cannot open a session: ", session.status().message()));
    out << result.error.message() << "\n";
    return result;
  }
  Runner runner(scenario, heap, *session, options, out, &result);
  runner.Run();
  absl::StatusOr<v1::CloseSessionResponse> closed = session->Close();
  if (!options.quiet) {
    if (closed.ok()) {
      out << absl::StrFormat(
          "%5s | end -> session closed: %d references released, %d objects "
          "freed\n",
          "", closed->references_released(), closed->objects_freed());
    } else {
      out << absl::StrFormat("%5s | end -> closing the session failed: %s\n",
                             "", closed.status().ToString());
    }
  }
  if (!options.quiet || !result.ok()) {
    out << absl::StrFormat(
        "%s: %d statements, %d expectations passed, %d failed%s\n",
        scenario.filename, result.statements, result.expectations_passed,
        result.failures.size(), result.error.ok() ? "" : ", stopped early");
  }
  return result;
}

}  // namespace heapd::scenario
