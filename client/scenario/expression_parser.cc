// A recursive-descent parser, one function per rule of the grammar in
// expression_parser.h; `depth` counts the nesting so far.
#include "client/scenario/expression_parser.h"

#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace heapd::scenario {
namespace {

class ExpressionParser {
 public:
  explicit ExpressionParser(TokenCursor& in) : in_(in) {}

  absl::StatusOr<Expr> ParseExpr(int depth);

 private:
  absl::StatusOr<Expr> ParseUnary(int depth);
  absl::StatusOr<Expr> ParsePrimary(int depth);
  absl::Status ParsePath(std::vector<PathStep>* path);

  TokenCursor& in_;
};

absl::StatusOr<Expr> ExpressionParser::ParseExpr(int depth) {
  const size_t first = in_.position();
  absl::StatusOr<Expr> left = ParseUnary(depth);
  if (!left.ok()) return left.status();
  Expr expr = *std::move(left);
  while (in_.AtPunct("+") || in_.AtPunct("-")) {
    const bool add = in_.Next().text == "+";
    absl::StatusOr<Expr> right = ParseUnary(depth);
    if (!right.ok()) return right.status();
    Expr sum;
    sum.kind = add ? ExprKind::kAdd : ExprKind::kSubtract;
    sum.children.push_back(std::move(expr));
    sum.children.push_back(*std::move(right));
    expr = std::move(sum);
    expr.text = in_.TextFrom(first);
  }
  return expr;
}

absl::StatusOr<Expr> ExpressionParser::ParseUnary(int depth) {
  if (depth >= kMaxExpressionDepth) {
    return absl::InvalidArgumentError(absl::StrCat(
        "expression nested deeper than ", kMaxExpressionDepth, " levels"));
  }
  const size_t first = in_.position();
  if (in_.AtName("not") || in_.AtPunct("-")) {
    const bool is_not = in_.Next().text == "not";
    absl::StatusOr<Expr> operand = ParseUnary(depth + 1);
    if (!operand.ok()) return operand.status();
    Expr expr;
    expr.kind = is_not ? ExprKind::kNot : ExprKind::kNegate;
    expr.children.push_back(*std::move(operand));
    expr.text = in_.TextFrom(first);
    return expr;
  }
  return ParsePrimary(depth);
}

absl::Status ExpressionParser::ParsePath(std::vector<PathStep>* path) {
  while (in_.AtPunct(".") || in_.AtPunct("[")) {
    PathStep step;
    if (in_.Next().text == ".") {
      if (in_.Peek().kind != TokenKind::kName) {
        return in_.Expected("a field name", in_.Before());
      }
      step.name = in_.Next().text;
    } else {
      if (in_.Peek().kind == TokenKind::kInteger) {
        step.index = in_.Next().value;
      } else if (in_.Peek().kind == TokenKind::kString) {
        step.name = in_.Next().text;
        if (step.name.empty()) {
          return absl::InvalidArgumentError("a key must not be empty");
        }
      } else {
        return in_.Expected("an index or a key", in_.Before());
      }
      if (!in_.AtPunct("]")) return in_.Expected("']'", in_.Before());
      in_.Next();
    }
    path->push_back(std::move(step));
  }
  return absl::OkStatus();
}

absl::StatusOr<Expr> ExpressionParser::ParsePrimary(int depth) {
  const size_t first = in_.position();
  Expr expr;
  const Token& token = in_.Peek();
  if (token.kind == TokenKind::kInteger) {
    expr.kind = ExprKind::kInteger;
    expr.integer = in_.Next().value;
  } else if (in_.AtPunct("(")) {
    in_.Next();
    absl::StatusOr<Expr> inner = ParseExpr(depth + 1);
    if (!inner.ok()) return inner.status();
    if (!in_.AtPunct(")")) return in_.Expected("')'", in_.Before());
    in_.Next();
    expr = *std::move(inner);
  } else if (token.kind != TokenKind::kName) {
    return in_.Expected("an expression",
                        in_.Before().empty() ? "expect" : in_.Before());
  } else if (token.text == "true" || token.text == "false") {
    expr.kind = ExprKind::kInteger;
    expr.integer = in_.Next().text == "true" ? 1 : 0;
  } else if (token.text == "collected" || token.text == "uncollectable" ||
             token.text == "examined") {
    expr.kind = ExprKind::kLastCollect;
    expr.name = in_.Next().text;
  } else if (IsObjectFunction(token.text) || token.text == "inspect") {
    expr.name = in_.Next().text;
    expr.kind =
        expr.name == "inspect" ? ExprKind::kInspectPath : ExprKind::kObjectCall;
    if (!in_.AtPunct("(")) return in_.Expected("'('", expr.name);
    in_.Next();
    absl::StatusOr<std::string> object = in_.ObjectName(in_.Before());
    if (!object.ok()) return object.status();
    expr.object = *std::move(object);
    if (!in_.AtPunct(")")) return in_.Expected("')'", in_.Before());
    in_.Next();
    if (expr.kind == ExprKind::kInspectPath) {
      if (!in_.AtPunct(".") && !in_.AtPunct("[")) {
        return in_.Expected("'.' and a field of ObjectInfo", in_.Before());
      }
      absl::Status status = ParsePath(&expr.path);
      if (!status.ok()) return status;
    }
  } else if (token.text == "stats") {
    in_.Next();
    expr.kind = ExprKind::kStatsPath;
    if (!in_.AtPunct(".")) return in_.Expected("'.' and a field", "stats");
    absl::Status status = ParsePath(&expr.path);
    if (!status.ok()) return status;
  } else if (IsReserved(token.text)) {
    return absl::InvalidArgumentError(
        absl::StrCat("expected an expression after ", Quote(in_.Before()),
                     ", found the reserved word ", Quote(token.text)));
  } else {
    expr.kind = ExprKind::kVariable;
    expr.name = in_.Next().text;
  }
  expr.text = in_.TextFrom(first);
  return expr;
}

}  // namespace

absl::StatusOr<Expr> ParseExpression(TokenCursor& in) {
  return ExpressionParser(in).ParseExpr(0);
}

}  // namespace heapd::scenario
