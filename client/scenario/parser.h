// The heap scenario language: text to a syntax tree, nothing else.
//
// A scenario is a small, line-oriented program that mirrors the Python it
// stands for, one statement a line (docs/scenarios.md has the grammar):
//
//   # Two objects that refer to each other survive refcounting but not the
//   # collector.
//   a = object
//   b = object
//   a.ref = b
//   b.ref = a
//   del a, b
//   collect
//   expect collected == 2
//
// ParseScenario turns the text into a Scenario: statements with their line
// numbers and source text, `repeat N { ... }` bodies nested inside. It is
// pure (no gRPC, no I/O) and total: any bytes give either a Scenario or an
// INVALID_ARGUMENT status whose message reads `FILE:LINE: what was
// expected`, e.g. `scen.heap:4: expected a name after 'del'`. Its work is
// linear in the input and bounded by the limits below, so a fuzzer may feed
// it anything. What the tree does is the interpreter's (interpreter.h);
// `heapctl run` (runner.h) and heapload's --scenario drive it against a
// heapd.
//
// Thread safety: ParseScenario shares no state; call it from any thread.
#ifndef HEAPD_CLIENT_SCENARIO_PARSER_H_
#define HEAPD_CLIENT_SCENARIO_PARSER_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace heapd::scenario {

// Limits that keep parsing (and running) any input bounded.
inline constexpr size_t kMaxLineLength = 4096;
// `repeat` blocks inside each other.
inline constexpr int kMaxBlockDepth = 16;
// Parentheses and `not`/`-` prefixes inside one expression.
inline constexpr int kMaxExpressionDepth = 32;
// The count of one `repeat`.
inline constexpr int64_t kMaxRepeatCount = 10'000'000;
// Thresholds, lengths and integer literals.
inline constexpr int64_t kMaxLiteral = int64_t{1} << 53;

// One step of a path over a protobuf message: `.name` or `[index]`.
struct PathStep {
  std::string name;              // empty for an index step
  std::optional<int64_t> index;  // set for `[index]`
};

// Where an expression reads its value from.
enum class ExprKind {
  kInteger,      // 42, true (1), false (0)
  kVariable,     // a name bound to a number (`n = stats.objects.objects`)
  kLastCollect,  // collected / uncollectable / examined of the last collect
  kObjectCall,   // refcount(x), alive(x), freed(x), generation(x), weakrefs(x)
  kInspectPath,  // inspect(x).path... over heapd.v1.ObjectInfo
  kStatsPath,    // stats.path... over heapd.v1.StatsResponse
  kAdd,          // children[0] + children[1]
  kSubtract,     // children[0] - children[1]
  kNegate,       // -children[0]
  kNot,          // not children[0]: 1 if it is 0, else 0
};

struct Expr {
  ExprKind kind = ExprKind::kInteger;
  int64_t integer = 0;  // kInteger
  // kVariable: the name; kLastCollect: "collected", "uncollectable" or
  // "examined"; kObjectCall: the function; kInspectPath: unused.
  std::string name;
  // kObjectCall and kInspectPath: the object's name.
  std::string object;
  std::vector<PathStep> path;  // kStatsPath, kInspectPath
  std::vector<Expr> children;  // operators
  // The expression as written (for messages: "collected is 0").
  std::string text;
};

enum class CompareOp {
  kEqual,
  kNotEqual,
  kLess,
  kLessEqual,
  kGreater,
  kGreaterEqual
};

// "==", "!=", ...
absl::string_view CompareOpText(CompareOp op);

// What an allocated object's finalizer does (heapd.v1.Finalizer.Action):
// `finalizer` records, `finalizer resurrect` gives the scenario's session a
// new reference, `finalizer resurrect into obj.field` links it from there.
enum class FinalizerKind { kNone, kRecord, kResurrect, kResurrectInto };

// One item of a `print`: a string literal or an expression.
struct PrintItem {
  std::optional<std::string> text;
  std::optional<Expr> expr;
};

enum class StatementKind {
  kAllocate,     // name = TYPE [length] [finalizer ...] [weakref [callback]]
  kBind,         // name = other_name  |  name = expression
  kSetField,     // obj.field = name   |  obj[key] = name
  kAppend,       // obj.append(name)   (also obj.add(name))
  kRemove,       // obj.remove(name)   (also obj.discard(name))
  kDelete,       // del name, name...
  kDeleteField,  // del obj.field      |  del obj[key]
  kCollect,      // collect [gen]      |  gc.collect([gen])
  kGcThreshold,  // gc.threshold t0 [t1 [t2]]
  kGcEnable,     // gc.enable
  kGcDisable,    // gc.disable
  kGcFreeze,     // gc.freeze
  kGcUnfreeze,   // gc.unfreeze
  kGcDebug,      // gc.debug saveall|stats|collectable|uncollectable|none|N...
  kExpect,       // expect EXPR [OP EXPR]
  kPrint,        // print ITEM, ITEM...
  kRepeat,       // repeat N { ... }
};

struct Statement {
  StatementKind kind = StatementKind::kPrint;
  int line = 0;
  // The statement as written, without its comment and outer blanks (for a
  // repeat: its first line, `repeat N {`).
  std::string source;

  // kAllocate, kBind: the name bound. kSetField, kAppend, kRemove,
  // kDeleteField: the container. kDelete: the names dropped.
  std::string target;
  std::vector<std::string> names;  // kDelete

  // kAllocate
  // heapd.v1.ObjectType's name in lowercase: "int", "float", "str",
  // "bytes", "tuple", "list", "dict", "set", "object" or "raw".
  std::string type;
  int64_t length = 0;
  FinalizerKind finalizer = FinalizerKind::kNone;
  std::string resurrect_into;   // kResurrectInto: the object's name
  std::string resurrect_field;  // kResurrectInto: its field
  bool weakref = false;
  bool weakref_callback = false;

  // kSetField, kDeleteField: the field (a dict key, a tuple slot "0"...).
  std::string field;
  // kSetField, kAppend, kRemove: the referent's name.
  std::string value;

  // kBind: the right-hand side (a bare name may be an object: an alias).
  std::optional<Expr> expr;

  // kCollect: the generation, absent for a full collection.
  std::optional<int> generation;
  // kGcThreshold: one to three thresholds.
  std::vector<int64_t> thresholds;
  // kGcDebug: the flags, ORed.
  uint32_t debug_flags = 0;

  // kExpect: `lhs` alone (true when non-zero), or `lhs op rhs`.
  std::optional<Expr> lhs;
  std::optional<CompareOp> op;
  std::optional<Expr> rhs;

  std::vector<PrintItem> print;  // kPrint

  // kRepeat
  int64_t count = 0;
  std::vector<Statement> body;
};

struct Scenario {
  std::string filename;
  std::vector<Statement> statements;
};

// Parses `text` (read from `filename`, which only names it in messages).
// INVALID_ARGUMENT "FILE:LINE: ..." on the first error.
absl::StatusOr<Scenario> ParseScenario(absl::string_view text,
                                       absl::string_view filename);

}  // namespace heapd::scenario

#endif  // HEAPD_CLIENT_SCENARIO_PARSER_H_
