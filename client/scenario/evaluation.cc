#include "client/scenario/evaluation.h"

#include <limits>

#include "absl/strings/str_cat.h"
#include "client/scenario/heap_request.h"
#include "client/scenario/proto_path.h"

namespace heapd::scenario {
namespace {

// Expressions whose value reads as true/false rather than a number.
bool IsBoolean(const Expr& expr) {
  return expr.kind == ExprKind::kNot ||
         (expr.kind == ExprKind::kObjectCall &&
          (expr.name == "alive" || expr.name == "freed"));
}

const absl::StatusOr<v1::ObjectInfo>& InspectResult(const StatementReads& reads,
                                                    uint64_t handle) {
  auto it = reads.objects.find(handle);
  if (it != reads.objects.end()) return it->second;
  static const absl::StatusOr<v1::ObjectInfo> kNotRead =
      absl::InternalError("the object was not inspected for this statement");
  return kNotRead;
}

}  // namespace

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

// The object `name` is bound to, for statements that use a reference.
absl::StatusOr<uint64_t> Locals::ObjectOf(const std::string& name) const {
  auto it = names.find(name);
  if (it == names.end()) return Unbound(name);
  if (!it->second.is_object) {
    return absl::InvalidArgumentError(absl::StrCat(
        "'", name, "' is a number (", it->second.value, "), not an object"));
  }
  return it->second.handle;
}

absl::Status Locals::Unbound(const std::string& name) const {
  if (ghosts.contains(name)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "'", name, "' was deleted; only alive(", name, "), freed(", name,
        "), refcount(", name, ") and the like may still read it"));
  }
  return absl::InvalidArgumentError(
      absl::StrCat("'", name, "' is not defined"));
}

// The object a function reads: a bound name, or a deleted name's last.
absl::StatusOr<uint64_t> Locals::ObservedObject(const std::string& name) const {
  if (auto it = names.find(name); it != names.end()) {
    if (!it->second.is_object) return ObjectOf(name);
    return it->second.handle;
  }
  if (auto it = ghosts.find(name); it != ghosts.end()) {
    return it->second.handle;
  }
  return Unbound(name);
}

absl::StatusOr<int64_t> Evaluate(
    const Expr& expr, const Locals& locals, const StatementReads& reads,
    const std::optional<v1::CollectResponse>& last_collect) {
  switch (expr.kind) {
    case ExprKind::kInteger:
      return expr.integer;
    case ExprKind::kVariable: {
      auto it = locals.names.find(expr.name);
      if (it == locals.names.end()) return locals.Unbound(expr.name);
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
      if (!last_collect.has_value()) {
        return absl::InvalidArgumentError(absl::StrCat(
            "'", expr.name, "' reads the last collect, and none ran yet"));
      }
      if (expr.name == "collected") return last_collect->collected();
      if (expr.name == "uncollectable") {
        return last_collect->uncollectable();
      }
      return last_collect->examined();
    }
    case ExprKind::kObjectCall: {
      absl::StatusOr<uint64_t> handle = locals.ObservedObject(expr.object);
      if (!handle.ok()) return handle.status();
      const absl::StatusOr<v1::ObjectInfo>& info =
          InspectResult(reads, *handle);
      const bool freed =
          !info.ok() && info.status().code() == absl::StatusCode::kNotFound;
      if (!info.ok() && !freed) return RequestFailed(info.status(), "Inspect");
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
      absl::StatusOr<uint64_t> handle = locals.ObservedObject(expr.object);
      if (!handle.ok()) return handle.status();
      const absl::StatusOr<v1::ObjectInfo>& info =
          InspectResult(reads, *handle);
      if (!info.ok()) {
        return RequestFailed(info.status(),
                             absl::StrCat("inspect(", expr.object, ")"));
      }
      return ReadNumberAtPath(*info, absl::StrCat("inspect(", expr.object, ")"),
                              expr.path);
    }
    case ExprKind::kStatsPath: {
      if (!reads.stats.has_value()) {
        return absl::InternalError("stats were not read for this statement");
      }
      if (!reads.stats->ok()) {
        return RequestFailed(reads.stats->status(), "Stats");
      }
      return ReadNumberAtPath(**reads.stats, "stats", expr.path);
    }
    case ExprKind::kAdd:
    case ExprKind::kSubtract: {
      absl::StatusOr<int64_t> left =
          Evaluate(expr.children[0], locals, reads, last_collect);
      if (!left.ok()) return left.status();
      absl::StatusOr<int64_t> right =
          Evaluate(expr.children[1], locals, reads, last_collect);
      if (!right.ok()) return right.status();
      int64_t value;
      const bool overflow = expr.kind == ExprKind::kAdd
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
      absl::StatusOr<int64_t> operand =
          Evaluate(expr.children[0], locals, reads, last_collect);
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
