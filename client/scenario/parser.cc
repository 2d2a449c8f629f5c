// The scenario parser: one line at a time, each line tokenized (lexer.h) and
// then read by a small recursive-descent parser, statements here and
// expressions in expression_parser.h. Blocks (`repeat N {` ... `}`) are a
// stack of open statements; a closing brace moves the innermost into its
// parent. Nothing here allocates more than a constant times the input, and
// every recursion is bounded (kMaxExpressionDepth), so arbitrary bytes
// neither crash nor hang it.
#include "client/scenario/parser.h"

#include <utility>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "client/scenario/expression_parser.h"
#include "client/scenario/lexer.h"

namespace heapd::scenario {

absl::string_view CompareOpText(CompareOp op) {
  switch (op) {
    case CompareOp::kEqual:
      return "==";
    case CompareOp::kNotEqual:
      return "!=";
    case CompareOp::kLess:
      return "<";
    case CompareOp::kLessEqual:
      return "<=";
    case CompareOp::kGreater:
      return ">";
    case CompareOp::kGreaterEqual:
      return ">=";
  }
  return "?";
}

namespace {

// Reads the tokens of one line into one statement.
class LineParser : public TokenCursor {
 public:
  using TokenCursor::TokenCursor;

  // Parses the line into `statement`. Sets `*opens_block` for `repeat N {`
  // and `*closes_block` for `}`.
  absl::Status Parse(Statement* statement, bool* opens_block,
                     bool* closes_block);

 private:
  // `.field` or `[key]` after an object name; the field's name.
  absl::StatusOr<std::string> Field() {
    if (AtPunct(".")) {
      Next();
      if (Peek().kind != TokenKind::kName) {
        return Expected("a field name", Before());
      }
      return Next().text;
    }
    if (AtPunct("[")) {
      Next();
      std::string key;
      if (Peek().kind == TokenKind::kString) {
        key = Next().text;
        if (key.empty()) {
          return absl::InvalidArgumentError("a key must not be empty");
        }
      } else if (Peek().kind == TokenKind::kInteger) {
        key = absl::StrCat(Next().value);
      } else {
        return Expected("a key (a string or a number)", Before());
      }
      if (!AtPunct("]")) return Expected("']'", Before());
      Next();
      return key;
    }
    return Expected("'.field' or '[key]'", Before());
  }

  absl::Status ParseRepeat(Statement* statement);
  absl::Status ParseDelete(Statement* statement);
  absl::Status ParseCollectArgs(Statement* statement, bool parenthesized);
  absl::Status ParseGc(Statement* statement);
  absl::Status ParseExpect(Statement* statement);
  absl::Status ParsePrint(Statement* statement);
  absl::Status ParseAssignment(Statement* statement, std::string target);
  absl::Status ParseAllocation(Statement* statement);
  absl::Status ParseNameStatement(Statement* statement);
};
absl::Status LineParser::Parse(Statement* statement, bool* opens_block,
                               bool* closes_block) {
  *opens_block = false;
  *closes_block = false;
  if (AtPunct("}")) {
    Next();
    *closes_block = true;
    return ExpectEnd();
  }
  if (Peek().kind != TokenKind::kName) {
    return absl::InvalidArgumentError(absl::StrCat(
        "expected a statement (name = ..., del, collect, gc.*, expect, "
        "print, repeat), found ",
        Describe(Peek())));
  }
  const std::string& word = Peek().text;
  if (word == "repeat") {
    *opens_block = true;
    return ParseRepeat(statement);
  }
  if (word == "del") return ParseDelete(statement);
  if (word == "collect") {
    Next();
    statement->kind = StatementKind::kCollect;
    return ParseCollectArgs(statement, false);
  }
  if (word == "gc") return ParseGc(statement);
  if (word == "expect") return ParseExpect(statement);
  if (word == "print") return ParsePrint(statement);
  return ParseNameStatement(statement);
}

absl::Status LineParser::ParseRepeat(Statement* statement) {
  Next();
  statement->kind = StatementKind::kRepeat;
  if (Peek().kind != TokenKind::kInteger) {
    return Expected("a count", "repeat");
  }
  statement->count = Next().value;
  if (statement->count > kMaxRepeatCount) {
    return absl::InvalidArgumentError(
        absl::StrCat("a repeat count must be at most ", kMaxRepeatCount));
  }
  if (!AtPunct("{")) return Expected("'{'", Before());
  Next();
  if (!AtEnd()) {
    return absl::InvalidArgumentError(
        absl::StrCat("expected the end of the line after '{' (the block's "
                     "statements go on the lines below it), found ",
                     Describe(Peek())));
  }
  return absl::OkStatus();
}

absl::Status LineParser::ParseDelete(Statement* statement) {
  Next();
  absl::StatusOr<std::string> name = ObjectName("del");
  if (!name.ok()) return name.status();
  if (AtPunct(".") || AtPunct("[")) {
    statement->kind = StatementKind::kDeleteField;
    statement->target = *std::move(name);
    absl::StatusOr<std::string> field = Field();
    if (!field.ok()) return field.status();
    statement->field = *std::move(field);
    return ExpectEnd();
  }
  statement->kind = StatementKind::kDelete;
  statement->names.push_back(*std::move(name));
  while (AtPunct(",")) {
    Next();
    absl::StatusOr<std::string> more = ObjectName(",");
    if (!more.ok()) return more.status();
    statement->names.push_back(*std::move(more));
  }
  return ExpectEnd();
}

// `[gen]`, or `([gen])` for gc.collect.
absl::Status LineParser::ParseCollectArgs(Statement* statement,
                                          bool parenthesized) {
  if (parenthesized && AtPunct("(")) {
    Next();
    if (!AtPunct(")")) {
      if (Peek().kind != TokenKind::kInteger || Peek().value > 2) {
        return Expected("a generation 0, 1 or 2", Before());
      }
      statement->generation = static_cast<int>(Next().value);
    }
    if (!AtPunct(")")) return Expected("')'", Before());
    Next();
    return ExpectEnd();
  }
  if (!AtEnd()) {
    if (Peek().kind != TokenKind::kInteger || Peek().value > 2) {
      return Expected("a generation 0, 1 or 2", Before());
    }
    statement->generation = static_cast<int>(Next().value);
  }
  return ExpectEnd();
}

absl::Status LineParser::ParseGc(Statement* statement) {
  Next();
  if (!AtPunct(".")) return Expected("'.' and a gc function", "gc");
  Next();
  if (Peek().kind != TokenKind::kName) {
    return Expected(
        "collect, threshold, enable, disable, freeze, unfreeze or debug",
        "gc.");
  }
  const std::string function = Next().text;
  if (function == "collect") {
    statement->kind = StatementKind::kCollect;
    return ParseCollectArgs(statement, true);
  }
  // Arguments: bare (`gc.threshold 700 10 10`) or Python's call syntax
  // (`gc.set_threshold(700, 10, 10)`); `()` may follow a function without.
  const bool parenthesized = AtPunct("(");
  if (parenthesized) Next();
  const auto at_args_end = [&] {
    return parenthesized ? AtPunct(")") : AtEnd();
  };
  const auto finish = [&]() -> absl::Status {
    if (parenthesized) {
      if (!AtPunct(")")) return Expected("')'", Before());
      Next();
    }
    return ExpectEnd();
  };
  if (function == "enable" || function == "disable" || function == "freeze" ||
      function == "unfreeze") {
    statement->kind = function == "enable"    ? StatementKind::kGcEnable
                      : function == "disable" ? StatementKind::kGcDisable
                      : function == "freeze"  ? StatementKind::kGcFreeze
                                              : StatementKind::kGcUnfreeze;
    return finish();
  }
  if (function == "threshold" || function == "set_threshold") {
    statement->kind = StatementKind::kGcThreshold;
    while (!at_args_end()) {
      if (!statement->thresholds.empty() && AtPunct(",")) Next();
      if (Peek().kind != TokenKind::kInteger) {
        return Expected("a threshold (a number >= 0)", Before());
      }
      if (statement->thresholds.size() == 3) {
        return absl::InvalidArgumentError(
            "expected at most 3 thresholds (generations 0, 1 and 2)");
      }
      statement->thresholds.push_back(Next().value);
    }
    if (statement->thresholds.empty()) {
      return Expected("1 to 3 thresholds", Before());
    }
    return finish();
  }
  if (function == "debug" || function == "set_debug") {
    statement->kind = StatementKind::kGcDebug;
    bool any = false;
    while (!at_args_end()) {
      if (any) {
        if (!AtPunct("|")) return Expected("'|' between flags", Before());
        Next();
      }
      if (Peek().kind == TokenKind::kInteger) {
        if (Peek().value > 0xffffffff) {
          return absl::InvalidArgumentError("debug flags must fit 32 bits");
        }
        statement->debug_flags |= static_cast<uint32_t>(Next().value);
      } else if (Peek().kind == TokenKind::kName) {
        // Python's spelling: gc.DEBUG_SAVEALL.
        if (AtName("gc") && AtPunct(".", 1) &&
            Peek(2).kind == TokenKind::kName) {
          Next();
          Next();
        }
        std::string flag = absl::AsciiStrToLower(Peek().text);
        if (absl::StartsWith(flag, "gc_")) flag = flag.substr(3);
        if (absl::StartsWith(flag, "debug_")) flag = flag.substr(6);
        uint32_t bits;
        if (flag == "none") {
          bits = 0;
        } else if (flag == "stats") {
          bits = 1;
        } else if (flag == "collectable") {
          bits = 2;
        } else if (flag == "uncollectable") {
          bits = 4;
        } else if (flag == "saveall") {
          bits = 32;
        } else {
          return absl::InvalidArgumentError(absl::StrCat(
              "unknown debug flag ", Quote(Peek().text),
              " (known: none, stats, collectable, uncollectable, saveall)"));
        }
        Next();
        statement->debug_flags |= bits;
      } else {
        return Expected("a debug flag", Before());
      }
      any = true;
    }
    if (!any) return Expected("a debug flag (none, saveall, ...)", Before());
    return finish();
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "unknown gc function ", Quote(function),
      " (known: collect, threshold, enable, disable, freeze, unfreeze, "
      "debug)"));
}

absl::Status LineParser::ParseExpect(Statement* statement) {
  Next();
  statement->kind = StatementKind::kExpect;
  if (AtEnd()) return Expected("an expression", "expect");
  absl::StatusOr<Expr> lhs = ParseExpression(*this);
  if (!lhs.ok()) return lhs.status();
  statement->lhs = *std::move(lhs);
  static constexpr std::pair<absl::string_view, CompareOp> kOps[] = {
      {"==", CompareOp::kEqual},  {"!=", CompareOp::kNotEqual},
      {"<", CompareOp::kLess},    {"<=", CompareOp::kLessEqual},
      {">", CompareOp::kGreater}, {">=", CompareOp::kGreaterEqual}};
  for (const auto& [text, op] : kOps) {
    if (AtPunct(text)) {
      Next();
      statement->op = op;
      if (AtEnd()) return Expected("an expression", Before());
      absl::StatusOr<Expr> rhs = ParseExpression(*this);
      if (!rhs.ok()) return rhs.status();
      statement->rhs = *std::move(rhs);
      break;
    }
  }
  if (!AtEnd()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "expected a comparison (==, !=, <, <=, >, >=) or the end of the line "
        "after ",
        Quote(Before()), ", found ", Describe(Peek())));
  }
  return absl::OkStatus();
}

absl::Status LineParser::ParsePrint(Statement* statement) {
  Next();
  statement->kind = StatementKind::kPrint;
  while (!AtEnd()) {
    if (!statement->print.empty()) {
      if (!AtPunct(",")) return Expected("',' between items", Before());
      Next();
    }
    PrintItem item;
    if (Peek().kind == TokenKind::kString) {
      item.text = Next().text;
    } else {
      absl::StatusOr<Expr> expr = ParseExpression(*this);
      if (!expr.ok()) return expr.status();
      item.expr = *std::move(expr);
    }
    statement->print.push_back(std::move(item));
  }
  return absl::OkStatus();
}

absl::Status LineParser::ParseNameStatement(Statement* statement) {
  if (IsReserved(Peek().text) && AtPunct("=", 1)) {
    return absl::InvalidArgumentError(absl::StrCat(
        Quote(Peek().text), " is a reserved word; choose another name"));
  }
  absl::StatusOr<std::string> name = ObjectName("the start of the line");
  if (!name.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "expected a statement (name = ..., del, collect, gc.*, expect, "
        "print, repeat), found ",
        Describe(Peek())));
  }
  if (AtPunct("=")) {
    Next();
    return ParseAssignment(statement, *std::move(name));
  }
  statement->target = *name;
  if (AtPunct(".") && Peek(1).kind == TokenKind::kName && AtPunct("(", 2)) {
    Next();
    const std::string method = Next().text;
    if (method == "append" || method == "add") {
      statement->kind = StatementKind::kAppend;
    } else if (method == "remove" || method == "discard") {
      statement->kind = StatementKind::kRemove;
    } else {
      return absl::InvalidArgumentError(
          absl::StrCat("unknown method ", Quote(method),
                       " (known: append, add, remove, discard)"));
    }
    Next();  // (
    absl::StatusOr<std::string> item = ObjectName(Before());
    if (!item.ok()) return item.status();
    statement->value = *std::move(item);
    if (!AtPunct(")")) return Expected("')'", Before());
    Next();
    return ExpectEnd();
  }
  if (AtPunct(".") || AtPunct("[")) {
    statement->kind = StatementKind::kSetField;
    absl::StatusOr<std::string> field = Field();
    if (!field.ok()) return field.status();
    statement->field = *std::move(field);
    if (!AtPunct("=")) return Expected("'='", Before());
    Next();
    absl::StatusOr<std::string> value = ObjectName(Before());
    if (!value.ok()) return value.status();
    statement->value = *std::move(value);
    return ExpectEnd();
  }
  return Expected("'=', '.field = ', '[key] = ' or '.append(...)'", Before());
}

absl::Status LineParser::ParseAssignment(Statement* statement,
                                         std::string target) {
  statement->target = std::move(target);
  if (Peek().kind == TokenKind::kName && IsTypeName(Peek().text)) {
    statement->kind = StatementKind::kAllocate;
    return ParseAllocation(statement);
  }
  statement->kind = StatementKind::kBind;
  if (AtEnd()) {
    return Expected("an object type, a name or an expression", Before());
  }
  absl::StatusOr<Expr> expr = ParseExpression(*this);
  if (!expr.ok()) return expr.status();
  statement->expr = *std::move(expr);
  return ExpectEnd();
}

absl::Status LineParser::ParseAllocation(Statement* statement) {
  statement->type = Next().text;
  if (Peek().kind == TokenKind::kInteger) statement->length = Next().value;
  bool seen_finalizer = false;
  bool seen_weakref = false;
  while (!AtEnd()) {
    if (AtName("finalizer") && !seen_finalizer) {
      Next();
      seen_finalizer = true;
      statement->finalizer = FinalizerKind::kRecord;
      if (AtName("resurrect")) {
        Next();
        statement->finalizer = FinalizerKind::kResurrect;
        if (AtName("into")) {
          Next();
          statement->finalizer = FinalizerKind::kResurrectInto;
          absl::StatusOr<std::string> into = ObjectName("into");
          if (!into.ok()) return into.status();
          statement->resurrect_into = *std::move(into);
          absl::StatusOr<std::string> field = Field();
          if (!field.ok()) return field.status();
          statement->resurrect_field = *std::move(field);
        }
      }
    } else if (AtName("weakref") && !seen_weakref) {
      Next();
      seen_weakref = true;
      statement->weakref = true;
      if (AtName("callback")) {
        Next();
        statement->weakref_callback = true;
      }
    } else {
      return absl::InvalidArgumentError(absl::StrCat(
          "expected a length, 'finalizer' or 'weakref' (once each) after ",
          Quote(Before()), ", found ", Describe(Peek())));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<Scenario> ParseScenario(absl::string_view text,
                                       absl::string_view filename) {
  Scenario scenario;
  scenario.filename = std::string(filename);
  // Open repeat blocks, innermost last; their bodies fill as lines arrive.
  std::vector<Statement> open;
  const auto error = [&](int line, absl::string_view message) {
    return absl::InvalidArgumentError(
        absl::StrCat(filename, ":", line, ": ", message));
  };
  int line_number = 0;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == absl::string_view::npos) end = text.size();
    absl::string_view line = text.substr(start, end - start);
    start = end + 1;
    ++line_number;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.size() > kMaxLineLength) {
      return error(line_number, absl::StrCat("line is longer than ",
                                             kMaxLineLength, " characters"));
    }
    std::vector<Token> tokens;
    size_t source_end = 0;
    if (absl::Status status = Tokenize(line, &tokens, &source_end);
        !status.ok()) {
      return error(line_number, status.message());
    }
    if (tokens.size() == 1) continue;  // blank or comment only
    Statement statement;
    statement.line = line_number;
    statement.source = std::string(absl::StripAsciiWhitespace(
        line.substr(tokens[0].begin, source_end - tokens[0].begin)));
    bool opens_block = false;
    bool closes_block = false;
    LineParser parser(line, std::move(tokens));
    if (absl::Status status =
            parser.Parse(&statement, &opens_block, &closes_block);
        !status.ok()) {
      return error(line_number, status.message());
    }
    if (closes_block) {
      if (open.empty()) {
        return error(line_number, "'}' without a 'repeat' block to close");
      }
      Statement block = std::move(open.back());
      open.pop_back();
      (open.empty() ? scenario.statements : open.back().body)
          .push_back(std::move(block));
      continue;
    }
    if (opens_block) {
      if (static_cast<int>(open.size()) >= kMaxBlockDepth) {
        return error(
            line_number,
            absl::StrCat("repeat blocks nested deeper than ", kMaxBlockDepth));
      }
      open.push_back(std::move(statement));
      continue;
    }
    (open.empty() ? scenario.statements : open.back().body)
        .push_back(std::move(statement));
  }
  if (!open.empty()) {
    return error(open.back().line,
                 absl::StrCat("expected '}' to close this 'repeat' before the "
                              "end of the file"));
  }
  return scenario;
}

}  // namespace heapd::scenario
