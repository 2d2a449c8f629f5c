// The scenario language's words, for the parser (parser.h) and nothing
// else: one line at a time into tokens, the reserved words, and a cursor
// that reads a line's tokens and words its errors ("expected a name after
// 'del', found the end of the line").
//
// Everything here is bounded by the line's length (kMaxLineLength), so any
// bytes are safe to tokenize.
#ifndef HEAPD_CLIENT_SCENARIO_LEXER_H_
#define HEAPD_CLIENT_SCENARIO_LEXER_H_

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace heapd::scenario {

enum class TokenKind { kName, kInteger, kString, kPunct, kEnd };

struct Token {
  TokenKind kind = TokenKind::kEnd;
  std::string text;   // the name, the punctuation, or the string's value
  int64_t value = 0;  // kInteger
  size_t begin = 0;   // offsets into the line
  size_t end = 0;
};

// Splits one line (no newline) into tokens, stopping at a `#` comment; the
// last token is always kEnd. `source_end` receives where the statement's
// text ends. INVALID_ARGUMENT (without the location) for a character, a
// number or a string the language does not have.
absl::Status Tokenize(absl::string_view line, std::vector<Token>* tokens,
                      size_t* source_end);

// `text` in single quotes for a message, bytes outside printable ASCII as
// \xNN.
std::string Quote(absl::string_view text);

// The object types of `name = TYPE`: "int", "float", ..., "raw".
bool IsTypeName(const std::string& word);
// The functions of one object: refcount(x), alive(x), freed(x),
// generation(x), weakrefs(x).
bool IsObjectFunction(const std::string& word);
// Words a scenario may not bind: statements, literals, the type names and
// the functions above.
bool IsReserved(const std::string& word);

// Reads the tokens of one line, front to back, and words the errors of
// whoever reads them.
class TokenCursor {
 public:
  // REQUIRES: `tokens` come from Tokenize(line); `line` outlives the cursor.
  TokenCursor(absl::string_view line, std::vector<Token> tokens)
      : line_(line), tokens_(std::move(tokens)) {}

  // The token `ahead` places on; the final kEnd past the end.
  const Token& Peek(size_t ahead = 0) const {
    const size_t i = pos_ + ahead;
    return i < tokens_.size() ? tokens_[i] : tokens_.back();
  }
  // Takes the current token; at the end it stays there.
  Token Next() {
    Token token = Peek();
    if (pos_ < tokens_.size() - 1) ++pos_;
    return token;
  }
  bool AtPunct(absl::string_view punct, size_t ahead = 0) const {
    return Peek(ahead).kind == TokenKind::kPunct && Peek(ahead).text == punct;
  }
  bool AtName(absl::string_view name, size_t ahead = 0) const {
    return Peek(ahead).kind == TokenKind::kName && Peek(ahead).text == name;
  }
  bool AtEnd() const { return Peek().kind == TokenKind::kEnd; }

  // The index of the current token, for TextFrom.
  size_t position() const { return pos_; }
  // The line from token `first` to the last token taken, as written.
  // REQUIRES: a token at or after `first` was taken.
  std::string TextFrom(size_t first) const;
  // What came before the current token, for "after '...'".
  std::string Before() const;

  // "'x'", "the string 'x'" or "the end of the line".
  static std::string Describe(const Token& token);
  // "expected WHAT after 'AFTER', found ..." (the current token).
  absl::Status Expected(absl::string_view what, absl::string_view after) const;
  // OK at the end of the line, else "expected the end of the line after".
  absl::Status ExpectEnd() const;
  // Takes a name the scenario may bind (not a reserved word).
  absl::StatusOr<std::string> ObjectName(absl::string_view what_after);

 private:
  absl::string_view line_;
  std::vector<Token> tokens_;
  size_t pos_ = 0;
};

}  // namespace heapd::scenario

#endif  // HEAPD_CLIENT_SCENARIO_LEXER_H_
