// What scenario expressions (parser.h's Expr) are worth, for the
// interpreter (interpreter.h): the names a scenario binds, what one
// statement read from heapd, and the evaluation itself. No I/O here: the
// interpreter requests the reads an expression needs (an Inspect per object
// it mentions, one Stats) before it evaluates it on their answers, so every
// mention of `a` in one statement sees the same Inspect.
#ifndef HEAPD_CLIENT_SCENARIO_EVALUATION_H_
#define HEAPD_CLIENT_SCENARIO_EVALUATION_H_

#include <cstdint>
#include <optional>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "client/scenario/parser.h"
#include "proto/heap.pb.h"

namespace heapd::scenario {

// What a name is bound to.
struct Binding {
  bool is_object = false;
  uint64_t handle = 0;  // is_object
  int64_t value = 0;    // a number otherwise
  // Allocated with `finalizer resurrect`: after a collection (or the last
  // del) the object may come back to the session, and to this name.
  bool resurrects = false;
};

// The scenario's names, kept the way Python keeps a frame's locals: each
// name bound to an object holds one of the session's references. A deleted
// name is remembered with its last object (a ghost), so `freed(a)`,
// `alive(a)` and `refcount(a)` still read the object after `del a`, as a
// weak reference would in Python.
struct Locals {
  absl::flat_hash_map<std::string, Binding> names;
  absl::flat_hash_map<std::string, Binding> ghosts;

  // The object `name` is bound to, for statements that use a reference.
  absl::StatusOr<uint64_t> ObjectOf(const std::string& name) const;
  // The object a function reads: a bound name's, or a deleted name's last.
  absl::StatusOr<uint64_t> ObservedObject(const std::string& name) const;
  // Why `name` cannot be read (deleted, or never bound): INVALID_ARGUMENT.
  absl::Status Unbound(const std::string& name) const;
};

// What one statement read: one Stats and one Inspect per object serve every
// mention in the statement (`expect stats.a == stats.b`).
struct StatementReads {
  std::optional<absl::StatusOr<v1::StatsResponse>> stats;
  bool stats_requested = false;
  absl::flat_hash_map<uint64_t, absl::StatusOr<v1::ObjectInfo>> objects;
  absl::flat_hash_set<uint64_t> requested;
};

// The value of `expr`, from the names, the statement's reads and the last
// collect (absent before the first). Errors carry no location: "'x' is not
// defined", "'t + t' overflows 64 bits", "Inspect: ..." for a failed read.
absl::StatusOr<int64_t> Evaluate(
    const Expr& expr, const Locals& locals, const StatementReads& reads,
    const std::optional<v1::CollectResponse>& last_collect);

// A value as the scenario's output writes it: "true" or "false" for
// alive(x), freed(x) and `not ...`, else the number.
std::string ValueText(const Expr& expr, int64_t value);

// `lhs op rhs`.
bool Compare(int64_t lhs, CompareOp op, int64_t rhs);

}  // namespace heapd::scenario

#endif  // HEAPD_CLIENT_SCENARIO_EVALUATION_H_
