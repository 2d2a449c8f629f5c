// The scenario parser: every statement form, the expression grammar, the
// limits, and the exact error messages (file:line: what was expected).
#include "client/scenario/parser.h"

#include <random>
#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace heapd::scenario {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

// The statements of a scenario that must parse.
std::vector<Statement> Parse(absl::string_view text) {
  absl::StatusOr<Scenario> scenario = ParseScenario(text, "t.heap");
  EXPECT_TRUE(scenario.ok()) << scenario.status();
  if (!scenario.ok()) return {};
  return scenario->statements;
}

// The one statement of a one-line scenario.
Statement One(absl::string_view line) {
  std::vector<Statement> statements = Parse(line);
  EXPECT_EQ(statements.size(), 1u) << line;
  return statements.empty() ? Statement() : statements[0];
}

// The error message of a scenario that must not parse.
std::string Error(absl::string_view text) {
  absl::StatusOr<Scenario> scenario = ParseScenario(text, "scen.heap");
  EXPECT_FALSE(scenario.ok()) << text;
  if (scenario.ok()) return "";
  EXPECT_EQ(scenario.status().code(), absl::StatusCode::kInvalidArgument);
  return std::string(scenario.status().message());
}

TEST(ScenarioParserTest, TheCycleExample) {
  const std::vector<Statement> statements = Parse(
      "# Two objects that refer to each other.\n"
      "a = object\n"
      "b = object\n"
      "a.ref = b\n"
      "b.ref = a\n"
      "\n"
      "del a\n"
      "del b\n"
      "collect            # prints: collected 2\n"
      "expect collected == 2\n");
  ASSERT_EQ(statements.size(), 8u);
  EXPECT_EQ(statements[0].kind, StatementKind::kAllocate);
  EXPECT_EQ(statements[0].line, 2);
  EXPECT_EQ(statements[0].target, "a");
  EXPECT_EQ(statements[0].type, "object");
  EXPECT_EQ(statements[2].kind, StatementKind::kSetField);
  EXPECT_EQ(statements[2].target, "a");
  EXPECT_EQ(statements[2].field, "ref");
  EXPECT_EQ(statements[2].value, "b");
  EXPECT_EQ(statements[4].kind, StatementKind::kDelete);
  EXPECT_EQ(statements[4].line, 7);
  EXPECT_THAT(statements[4].names, ElementsAre("a"));
  EXPECT_EQ(statements[6].kind, StatementKind::kCollect);
  EXPECT_EQ(statements[6].source, "collect");  // without the comment
  EXPECT_FALSE(statements[6].generation.has_value());
  EXPECT_EQ(statements[7].kind, StatementKind::kExpect);
  EXPECT_EQ(statements[7].lhs->kind, ExprKind::kLastCollect);
  EXPECT_EQ(statements[7].lhs->name, "collected");
  EXPECT_EQ(*statements[7].op, CompareOp::kEqual);
  EXPECT_EQ(statements[7].rhs->integer, 2);
}

TEST(ScenarioParserTest, BlankLinesCommentsAndLineEndings) {
  const std::vector<Statement> statements =
      Parse("\n   \n\t# only a comment\r\n  a = list 3   # trailing\r\nb = a");
  ASSERT_EQ(statements.size(), 2u);
  EXPECT_EQ(statements[0].line, 4);
  EXPECT_EQ(statements[0].source, "a = list 3");
  EXPECT_EQ(statements[1].line, 5);
  EXPECT_TRUE(Parse("").empty());
  EXPECT_TRUE(Parse("# nothing\n\n").empty());
  // A `#` inside a string is text, not a comment.
  EXPECT_EQ(One("print \"#1\"").print[0].text, "#1");
}

TEST(ScenarioParserTest, AllocationOfEveryType) {
  for (const char* type : {"int", "float", "str", "bytes", "tuple", "list",
                           "dict", "set", "object", "raw"}) {
    const Statement s = One(absl::StrCat("x = ", type, " 7"));
    EXPECT_EQ(s.kind, StatementKind::kAllocate);
    EXPECT_EQ(s.type, type);
    EXPECT_EQ(s.length, 7);
  }
  EXPECT_EQ(One("l = list").length, 0);
  EXPECT_EQ(One("s = str 10_000").length, 10000);
}

TEST(ScenarioParserTest, FinalizersAndWeakReferences) {
  EXPECT_EQ(One("f = object").finalizer, FinalizerKind::kNone);
  EXPECT_EQ(One("f = object finalizer").finalizer, FinalizerKind::kRecord);
  EXPECT_EQ(One("f = object finalizer resurrect").finalizer,
            FinalizerKind::kResurrect);
  const Statement into =
      One("r = object finalizer resurrect into holder.saved");
  EXPECT_EQ(into.finalizer, FinalizerKind::kResurrectInto);
  EXPECT_EQ(into.resurrect_into, "holder");
  EXPECT_EQ(into.resurrect_field, "saved");
  EXPECT_EQ(One("r = object finalizer resurrect into d[\"k\"]").resurrect_field,
            "k");
  const Statement weak = One("w = object weakref");
  EXPECT_TRUE(weak.weakref);
  EXPECT_FALSE(weak.weakref_callback);
  const Statement both = One("w = list 4 weakref callback finalizer");
  EXPECT_EQ(both.length, 4);
  EXPECT_TRUE(both.weakref_callback);
  EXPECT_EQ(both.finalizer, FinalizerKind::kRecord);

  EXPECT_EQ(Error("f = object finalizer finalizer"),
            "scen.heap:1: expected a length, 'finalizer' or 'weakref' (once "
            "each) after 'f = object finalizer', found 'finalizer'");
  EXPECT_EQ(Error("f = object 3 4"),
            "scen.heap:1: expected a length, 'finalizer' or 'weakref' (once "
            "each) after 'f = object 3', found '4'");
  EXPECT_EQ(Error("r = object finalizer resurrect into holder"),
            "scen.heap:1: expected '.field' or '[key]' after 'r = object "
            "finalizer resurrect into holder', found the end of the line");
}

TEST(ScenarioParserTest, BindingsAreAliasesOrNumbers) {
  const Statement alias = One("node = n");
  EXPECT_EQ(alias.kind, StatementKind::kBind);
  EXPECT_EQ(alias.expr->kind, ExprKind::kVariable);
  EXPECT_EQ(alias.expr->name, "n");
  const Statement number = One("before = stats.objects.objects + 1");
  EXPECT_EQ(number.expr->kind, ExprKind::kAdd);
  EXPECT_EQ(number.expr->text, "stats.objects.objects + 1");
  EXPECT_EQ(Error("x ="),
            "scen.heap:1: expected an object type, a name or an expression "
            "after 'x =', found the end of the line");
  EXPECT_EQ(Error("list = object"),
            "scen.heap:1: 'list' is a reserved word; choose another name");
  EXPECT_EQ(Error("x = y z"),
            "scen.heap:1: expected the end of the line after 'x = y', found "
            "'z'");
}

TEST(ScenarioParserTest, FieldsItemsAndKeys) {
  const Statement field = One("a.ref = b");
  EXPECT_EQ(field.kind, StatementKind::kSetField);
  const Statement key = One("d[\"x\"] = v");
  EXPECT_EQ(key.kind, StatementKind::kSetField);
  EXPECT_EQ(key.field, "x");
  EXPECT_EQ(One("t[0] = v").field, "0");
  EXPECT_EQ(One("t[007] = v").field, "7");
  for (const char* method : {"append", "add"}) {
    const Statement s = One(absl::StrCat("l.", method, "(x)"));
    EXPECT_EQ(s.kind, StatementKind::kAppend);
    EXPECT_EQ(s.target, "l");
    EXPECT_EQ(s.value, "x");
  }
  for (const char* method : {"remove", "discard"}) {
    EXPECT_EQ(One(absl::StrCat("l.", method, "(x)")).kind,
              StatementKind::kRemove);
  }
  EXPECT_EQ(Error("l.pop(x)"),
            "scen.heap:1: unknown method 'pop' (known: append, add, remove, "
            "discard)");
  EXPECT_EQ(Error("l.append(x"),
            "scen.heap:1: expected ')' after 'l.append(x', found the end of "
            "the line");
  EXPECT_EQ(Error("l.append()"),
            "scen.heap:1: expected a name after 'l.append(', found ')'");
  EXPECT_EQ(Error("a.ref = 3"),
            "scen.heap:1: expected a name after 'a.ref =', found '3'");
  EXPECT_EQ(Error("a.ref b"),
            "scen.heap:1: expected '=' after 'a.ref', found 'b'");
  EXPECT_EQ(Error("d[] = v"),
            "scen.heap:1: expected a key (a string or a number) after 'd[', "
            "found ']'");
  EXPECT_EQ(Error("d[\"\"] = v"), "scen.heap:1: a key must not be empty");
  EXPECT_EQ(Error("a b"),
            "scen.heap:1: expected '=', '.field = ', '[key] = ' or "
            "'.append(...)' after 'a', found 'b'");
}

TEST(ScenarioParserTest, Delete) {
  const Statement names = One("del a, b,c");
  EXPECT_EQ(names.kind, StatementKind::kDelete);
  EXPECT_THAT(names.names, ElementsAre("a", "b", "c"));
  const Statement field = One("del a.ref");
  EXPECT_EQ(field.kind, StatementKind::kDeleteField);
  EXPECT_EQ(field.target, "a");
  EXPECT_EQ(field.field, "ref");
  EXPECT_EQ(One("del d[\"k\"]").field, "k");

  EXPECT_EQ(Error("a = object\nb = object\na.ref = b\ndel\n"),
            "scen.heap:4: expected a name after 'del', found the end of the "
            "line");
  EXPECT_EQ(Error("del 5"),
            "scen.heap:1: expected a name after 'del', found '5'");
  EXPECT_EQ(Error("del a,"),
            "scen.heap:1: expected a name after ',', found the end of the "
            "line");
  EXPECT_EQ(Error("del a.x, b"),
            "scen.heap:1: expected the end of the line after 'del a.x', "
            "found ','");
  EXPECT_EQ(Error("del list"),
            "scen.heap:1: expected a name after 'del', found the reserved "
            "word 'list'");
}

TEST(ScenarioParserTest, CollectAndTheGcModule) {
  EXPECT_FALSE(One("collect").generation.has_value());
  EXPECT_EQ(*One("collect 1").generation, 1);
  EXPECT_EQ(*One("gc.collect(0)").generation, 0);
  EXPECT_FALSE(One("gc.collect()").generation.has_value());
  EXPECT_EQ(Error("collect 3"),
            "scen.heap:1: expected a generation 0, 1 or 2 after 'collect', "
            "found '3'");
  EXPECT_EQ(Error("collect 1 2"),
            "scen.heap:1: expected the end of the line after 'collect 1', "
            "found '2'");

  EXPECT_THAT(One("gc.threshold 700 10 10").thresholds,
              ElementsAre(700, 10, 10));
  EXPECT_THAT(One("gc.set_threshold(5, 6)").thresholds, ElementsAre(5, 6));
  EXPECT_THAT(One("gc.threshold 0").thresholds, ElementsAre(0));
  EXPECT_EQ(Error("gc.threshold 1 2 3 4"),
            "scen.heap:1: expected at most 3 thresholds (generations 0, 1 "
            "and 2)");
  EXPECT_EQ(Error("gc.threshold"),
            "scen.heap:1: expected 1 to 3 thresholds after 'gc.threshold', "
            "found the end of the line");
  EXPECT_EQ(Error("gc.threshold(1, 2"),
            "scen.heap:1: expected a threshold (a number >= 0) after "
            "'gc.threshold(1, 2', found the end of the line");

  EXPECT_EQ(One("gc.enable").kind, StatementKind::kGcEnable);
  EXPECT_EQ(One("gc.disable()").kind, StatementKind::kGcDisable);
  EXPECT_EQ(One("gc.freeze").kind, StatementKind::kGcFreeze);
  EXPECT_EQ(One("gc.unfreeze()").kind, StatementKind::kGcUnfreeze);
  EXPECT_EQ(Error("gc.freeze 1"),
            "scen.heap:1: expected the end of the line after 'gc.freeze', "
            "found '1'");

  EXPECT_EQ(One("gc.debug saveall").debug_flags, 32u);
  EXPECT_EQ(One("gc.debug none").debug_flags, 0u);
  EXPECT_EQ(One("gc.debug saveall | stats").debug_flags, 33u);
  EXPECT_EQ(One("gc.set_debug(gc.DEBUG_SAVEALL | gc.DEBUG_STATS)").debug_flags,
            33u);
  EXPECT_EQ(One("gc.debug 6").debug_flags, 6u);
  EXPECT_EQ(Error("gc.debug loud"),
            "scen.heap:1: unknown debug flag 'loud' (known: none, stats, "
            "collectable, uncollectable, saveall)");
  EXPECT_EQ(Error("gc.debug saveall stats"),
            "scen.heap:1: expected '|' between flags after 'gc.debug "
            "saveall', found 'stats'");
  EXPECT_EQ(Error("gc.debug"),
            "scen.heap:1: expected a debug flag (none, saveall, ...) after "
            "'gc.debug', found the end of the line");

  EXPECT_EQ(Error("gc.get_referrers(a)"),
            "scen.heap:1: unknown gc function 'get_referrers' (known: "
            "collect, threshold, enable, disable, freeze, unfreeze, debug)");
  EXPECT_EQ(Error("gc freeze"),
            "scen.heap:1: expected '.' and a gc function after 'gc', found "
            "'freeze'");
}

TEST(ScenarioParserTest, ExpectComparisons) {
  const std::pair<const char*, CompareOp> ops[] = {
      {"==", CompareOp::kEqual},  {"!=", CompareOp::kNotEqual},
      {"<", CompareOp::kLess},    {"<=", CompareOp::kLessEqual},
      {">", CompareOp::kGreater}, {">=", CompareOp::kGreaterEqual}};
  for (const auto& [text, op] : ops) {
    const Statement s = One(absl::StrCat("expect refcount(b) ", text, " 2"));
    EXPECT_EQ(*s.op, op) << text;
    EXPECT_EQ(CompareOpText(op), text);
    EXPECT_EQ(s.lhs->kind, ExprKind::kObjectCall);
    EXPECT_EQ(s.lhs->name, "refcount");
    EXPECT_EQ(s.lhs->object, "b");
    EXPECT_EQ(s.lhs->text, "refcount(b)");
  }
  const Statement alone = One("expect alive(a)");
  EXPECT_FALSE(alone.op.has_value());
  EXPECT_FALSE(alone.rhs.has_value());
  const Statement negated = One("expect not freed(a)");
  EXPECT_EQ(negated.lhs->kind, ExprKind::kNot);
  EXPECT_EQ(negated.lhs->children[0].name, "freed");
  for (const char* function :
       {"refcount", "alive", "freed", "generation", "weakrefs"}) {
    EXPECT_EQ(One(absl::StrCat("expect ", function, "(x) == 1")).lhs->name,
              function);
  }
  EXPECT_EQ(Error("expect"),
            "scen.heap:1: expected an expression after 'expect', found the "
            "end of the line");
  EXPECT_EQ(Error("expect collected =="),
            "scen.heap:1: expected an expression after 'expect collected "
            "==', found the end of the line");
  EXPECT_EQ(Error("expect collected = 2"),
            "scen.heap:1: expected a comparison (==, !=, <, <=, >, >=) or "
            "the end of the line after 'expect collected', found '='");
  EXPECT_EQ(Error("expect refcount a"),
            "scen.heap:1: expected '(' after 'refcount', found 'a'");
  EXPECT_EQ(Error("expect refcount(a"),
            "scen.heap:1: expected ')' after 'expect refcount(a', found the "
            "end of the line");
  EXPECT_EQ(Error("expect 1 == 1 == 1"),
            "scen.heap:1: expected a comparison (==, !=, <, <=, >, >=) or "
            "the end of the line after 'expect 1 == 1', found '=='");
}

TEST(ScenarioParserTest, Expressions) {
  const Statement s =
      One("expect stats.generations[0].collections == "
          "before + 1 - (2 - -1)");
  const Expr& lhs = *s.lhs;
  EXPECT_EQ(lhs.kind, ExprKind::kStatsPath);
  ASSERT_EQ(lhs.path.size(), 3u);
  EXPECT_EQ(lhs.path[0].name, "generations");
  EXPECT_EQ(*lhs.path[1].index, 0);
  EXPECT_EQ(lhs.path[2].name, "collections");
  const Expr& rhs = *s.rhs;
  EXPECT_EQ(rhs.kind, ExprKind::kSubtract);  // left-associative
  EXPECT_EQ(rhs.children[0].kind, ExprKind::kAdd);
  EXPECT_EQ(rhs.children[0].children[0].kind, ExprKind::kVariable);
  EXPECT_EQ(rhs.children[1].kind, ExprKind::kSubtract);
  EXPECT_EQ(rhs.children[1].children[1].kind, ExprKind::kNegate);
  EXPECT_EQ(rhs.text, "before + 1 - (2 - -1)");

  const Statement keyed = One("expect stats.objects.by_type[\"list\"] == 1");
  EXPECT_EQ(keyed.lhs->path[2].name, "list");
  EXPECT_FALSE(keyed.lhs->path[2].index.has_value());

  const Statement inspect = One("expect inspect(a).fields[0].target != 0");
  EXPECT_EQ(inspect.lhs->kind, ExprKind::kInspectPath);
  EXPECT_EQ(inspect.lhs->object, "a");
  EXPECT_EQ(inspect.lhs->path.size(), 3u);

  EXPECT_EQ(One("expect true").lhs->integer, 1);
  EXPECT_EQ(One("expect false == 0").lhs->integer, 0);
  EXPECT_EQ(One("expect uncollectable == 0").lhs->name, "uncollectable");
  EXPECT_EQ(One("expect examined > 0").lhs->name, "examined");
  // Field names after '.' may be reserved words (by_type.list, by_type.int).
  EXPECT_EQ(One("expect stats.by_type.int == 0").lhs->path[1].name, "int");

  EXPECT_EQ(Error("expect stats == 1"),
            "scen.heap:1: expected '.' and a field after 'stats', found '=='");
  EXPECT_EQ(Error("expect stats.allocator[x] == 1"),
            "scen.heap:1: expected an index or a key after 'expect "
            "stats.allocator[', found 'x'");
  EXPECT_EQ(Error("expect stats.a[1 == 1"),
            "scen.heap:1: expected ']' after 'expect stats.a[1', found '=='");
  EXPECT_EQ(Error("expect inspect(a) == 1"),
            "scen.heap:1: expected '.' and a field of ObjectInfo after "
            "'expect inspect(a)', found '=='");
  EXPECT_EQ(Error("expect (1 == 1"),
            "scen.heap:1: expected ')' after 'expect (1', found '=='");
  EXPECT_EQ(Error("expect 1 + == 1"),
            "scen.heap:1: expected an expression after 'expect 1 +', found "
            "'=='");
  EXPECT_EQ(Error("expect list == 1"),
            "scen.heap:1: expected an expression after 'expect', found the "
            "reserved word 'list'");
}

TEST(ScenarioParserTest, Print) {
  const Statement s = One("print \"collected\", collected, 'a \\'quoted\\' b'");
  ASSERT_EQ(s.print.size(), 3u);
  EXPECT_EQ(*s.print[0].text, "collected");
  EXPECT_EQ(s.print[1].expr->name, "collected");
  EXPECT_EQ(*s.print[2].text, "a 'quoted' b");
  EXPECT_TRUE(One("print").print.empty());
  EXPECT_EQ(Error("print \"a\" \"b\""),
            "scen.heap:1: expected ',' between items after 'print \"a\"', "
            "found the string 'b'");
  EXPECT_EQ(Error("print \"open"),
            "scen.heap:1: expected a closing '\"' to end the string");
}

TEST(ScenarioParserTest, RepeatBlocksNest) {
  const std::vector<Statement> statements = Parse(
      "head = object\n"
      "repeat 3 {\n"
      "  n = object\n"
      "  repeat 2 {   # inner\n"
      "    n.x = n\n"
      "  }\n"
      "}\n"
      "del head\n");
  ASSERT_EQ(statements.size(), 3u);
  const Statement& outer = statements[1];
  EXPECT_EQ(outer.kind, StatementKind::kRepeat);
  EXPECT_EQ(outer.count, 3);
  EXPECT_EQ(outer.line, 2);
  EXPECT_EQ(outer.source, "repeat 3 {");
  ASSERT_EQ(outer.body.size(), 2u);
  EXPECT_EQ(outer.body[0].line, 3);
  const Statement& inner = outer.body[1];
  EXPECT_EQ(inner.kind, StatementKind::kRepeat);
  ASSERT_EQ(inner.body.size(), 1u);
  EXPECT_EQ(inner.body[0].line, 5);
  EXPECT_EQ(statements[2].line, 8);
  EXPECT_TRUE(Parse("repeat 0 {\n}\n")[0].body.empty());

  EXPECT_EQ(Error("repeat {\n}"),
            "scen.heap:1: expected a count after 'repeat', found '{'");
  EXPECT_EQ(Error("repeat 3\n"),
            "scen.heap:1: expected '{' after 'repeat 3', found the end of "
            "the line");
  EXPECT_EQ(Error("repeat 3 { a = object }"),
            "scen.heap:1: expected the end of the line after '{' (the "
            "block's statements go on the lines below it), found 'a'");
  EXPECT_EQ(Error("repeat 10_000_001 {\n}"),
            "scen.heap:1: a repeat count must be at most 10000000");
  EXPECT_EQ(Error("a = object\nrepeat 2 {\n  a.x = a\n"),
            "scen.heap:2: expected '}' to close this 'repeat' before the end "
            "of the file");
  EXPECT_EQ(Error("a = object\n}\n"),
            "scen.heap:2: '}' without a 'repeat' block to close");
  EXPECT_EQ(Error("repeat 1 {\n} x\n"),
            "scen.heap:2: expected the end of the line after '}', found 'x'");

  std::string deep;
  for (int i = 0; i < kMaxBlockDepth; ++i) deep += "repeat 1 {\n";
  for (int i = 0; i < kMaxBlockDepth; ++i) deep += "}\n";
  EXPECT_EQ(Parse(deep).size(), 1u);
  EXPECT_EQ(
      Error("repeat 1 {\n" + deep),
      absl::StrCat("scen.heap:", kMaxBlockDepth + 1,
                   ": repeat blocks nested deeper than ", kMaxBlockDepth));
}

TEST(ScenarioParserTest, TokenErrors) {
  EXPECT_EQ(Error("a = object\nb = object ;\n"),
            "scen.heap:2: unexpected character ';'");
  EXPECT_EQ(Error("a = \x01"), "scen.heap:1: unexpected character '\\x01'");
  EXPECT_EQ(Error("x = str 12abc"),
            "scen.heap:1: expected a number, found '12abc'");
  EXPECT_EQ(Error("x = str 99999999999999999999999"),
            absl::StrCat("scen.heap:1: number '99999999999999999999999' is "
                         "larger than ",
                         kMaxLiteral));
  EXPECT_EQ(Error("5 = a"),
            "scen.heap:1: expected a statement (name = ..., del, collect, "
            "gc.*, expect, print, repeat), found '5'");
  EXPECT_EQ(Error("= a"),
            "scen.heap:1: expected a statement (name = ..., del, collect, "
            "gc.*, expect, print, repeat), found '='");
}

TEST(ScenarioParserTest, Limits) {
  const std::string longest = "# " + std::string(kMaxLineLength - 2, 'x');
  EXPECT_TRUE(Parse(longest).empty());
  EXPECT_EQ(Error("a = object\n" + longest + "x"),
            absl::StrCat("scen.heap:2: line is longer than ", kMaxLineLength,
                         " characters"));
  std::string parens = "expect " + std::string(kMaxExpressionDepth + 1, '(') +
                       "1" + std::string(kMaxExpressionDepth + 1, ')');
  EXPECT_EQ(Error(parens),
            absl::StrCat("scen.heap:1: expression nested deeper than ",
                         kMaxExpressionDepth, " levels"));
  std::string nots = "expect";
  for (int i = 0; i < 1000; ++i) nots += " not";
  nots += " 1";
  EXPECT_THAT(Error(nots), HasSubstr("expression nested deeper than"));
}

// What a fuzzer would do, deterministically: random bytes and random edits
// of a real scenario must give a Scenario or an error, never a crash.
TEST(ScenarioParserTest, SurvivesArbitraryInput) {
  const std::string seed =
      "a = object finalizer resurrect into h.x\nrepeat 3 {\n  b = list 2 "
      "weakref callback\n  a.f = b\n  d[\"k\"] = b\n}\ndel a, b\ncollect 1\n"
      "gc.set_threshold(1, 2, 3)\nexpect stats.by_type.list - (1 + x) >= "
      "-refcount(b)\nprint \"s\", inspect(a).fields[0].target\n";
  ASSERT_TRUE(ParseScenario(seed, "seed").ok());
  std::mt19937 random(42);
  const std::string alphabet = "ab=.()[]{}\"'#+-<>!,|\n 0123456789_\r\t";
  for (int round = 0; round < 3000; ++round) {
    std::string text = seed;
    const int edits = 1 + static_cast<int>(random() % 8);
    for (int e = 0; e < edits; ++e) {
      const size_t at = random() % (text.size() + 1);
      switch (random() % 3) {
        case 0:
          text.insert(at, 1, alphabet[random() % alphabet.size()]);
          break;
        case 1:
          if (at < text.size()) text.erase(at, 1 + random() % 4);
          break;
        default:
          text.insert(at, 1, static_cast<char>(random() % 256));
      }
    }
    (void)ParseScenario(text, "fuzz");
  }
  for (int round = 0; round < 500; ++round) {
    std::string bytes(random() % 200, '\0');
    for (char& c : bytes) c = static_cast<char>(random() % 256);
    (void)ParseScenario(bytes, "bytes");
  }
}

}  // namespace
}  // namespace heapd::scenario
