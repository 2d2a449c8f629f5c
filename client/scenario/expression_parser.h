// Expressions of the scenario language (parser.h's Expr), for the parser:
//
//   expr    := unary (('+' | '-') unary)*
//   unary   := ('not' | '-') unary | primary
//   primary := INTEGER | true | false | '(' expr ')'
//            | collected | uncollectable | examined
//            | FUNCTION '(' NAME ')'          refcount, alive, freed, ...
//            | inspect '(' NAME ')' PATH      PATH: ('.' NAME | '[' KEY ']')+
//            | stats PATH
//            | NAME                            a number bound to the name
//
// Nesting (parentheses, `not`, `-`) is bounded by kMaxExpressionDepth.
#ifndef HEAPD_CLIENT_SCENARIO_EXPRESSION_PARSER_H_
#define HEAPD_CLIENT_SCENARIO_EXPRESSION_PARSER_H_

#include "absl/status/statusor.h"
#include "client/scenario/lexer.h"
#include "client/scenario/parser.h"

namespace heapd::scenario {

// Reads one expression from `in`, leaving it at the first token after the
// expression; INVALID_ARGUMENT (without the location) if there is none.
absl::StatusOr<Expr> ParseExpression(TokenCursor& in);

}  // namespace heapd::scenario

#endif  // HEAPD_CLIENT_SCENARIO_EXPRESSION_PARSER_H_
