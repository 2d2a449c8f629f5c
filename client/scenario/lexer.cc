// The tokenizer is a single left-to-right pass over the line; numbers stop
// growing at kMaxLiteral, so their value never overflows.
#include "client/scenario/lexer.h"

#include <cctype>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "client/scenario/parser.h"

namespace heapd::scenario {

namespace {

const absl::flat_hash_set<std::string>& TypeNames() {
  static const auto* names = new absl::flat_hash_set<std::string>{
      "int",  "float", "str", "bytes",  "tuple",
      "list", "dict",  "set", "object", "raw"};
  return *names;
}

const absl::flat_hash_set<std::string>& ObjectFunctions() {
  static const auto* names = new absl::flat_hash_set<std::string>{
      "refcount", "alive", "freed", "generation", "weakrefs"};
  return *names;
}

}  // namespace

bool IsTypeName(const std::string& word) { return TypeNames().contains(word); }

bool IsObjectFunction(const std::string& word) {
  return ObjectFunctions().contains(word);
}

bool IsReserved(const std::string& word) {
  static const auto* words = new absl::flat_hash_set<std::string>{
      "del",           "collect", "gc",  "expect", "print", "repeat",
      "stats",         "inspect", "not", "true",   "false", "collected",
      "uncollectable", "examined"};
  return words->contains(word) || IsTypeName(word) || IsObjectFunction(word);
}

std::string Quote(absl::string_view text) {
  std::string out = "'";
  for (unsigned char c : text) {
    if (c >= 0x20 && c < 0x7f) {
      out.push_back(static_cast<char>(c));
    } else {
      absl::StrAppend(&out, absl::StrFormat("\\x%02x", c));
    }
  }
  out.push_back('\'');
  return out;
}

absl::Status Tokenize(absl::string_view line, std::vector<Token>* tokens,
                      size_t* source_end) {
  size_t i = 0;
  *source_end = line.size();
  while (i < line.size()) {
    const char c = line[i];
    if (c == ' ' || c == '\t') {
      ++i;
      continue;
    }
    if (c == '#') {
      *source_end = i;
      break;
    }
    Token token;
    token.begin = i;
    if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') {
      size_t j = i;
      while (j < line.size() &&
             (std::isalnum(static_cast<unsigned char>(line[j])) ||
              line[j] == '_')) {
        ++j;
      }
      token.kind = TokenKind::kName;
      token.text = std::string(line.substr(i, j - i));
      i = j;
    } else if (std::isdigit(static_cast<unsigned char>(c))) {
      // Decimal, with Python's optional `_` separators (10_000).
      size_t j = i;
      int64_t value = 0;
      bool too_big = false;
      while (j < line.size() &&
             (std::isdigit(static_cast<unsigned char>(line[j])) ||
              (line[j] == '_' && j + 1 < line.size() &&
               std::isdigit(static_cast<unsigned char>(line[j + 1]))))) {
        if (line[j] != '_') {
          value = value * 10 + (line[j] - '0');
          if (value > kMaxLiteral) too_big = true;
          if (too_big) value = kMaxLiteral;
        }
        ++j;
      }
      if (j < line.size() &&
          (std::isalpha(static_cast<unsigned char>(line[j])) ||
           line[j] == '_')) {
        size_t word_end = j;
        while (word_end < line.size() &&
               (std::isalnum(static_cast<unsigned char>(line[word_end])) ||
                line[word_end] == '_')) {
          ++word_end;
        }
        return absl::InvalidArgumentError(absl::StrCat(
            "expected a number, found ", Quote(line.substr(i, word_end - i))));
      }
      if (too_big) {
        return absl::InvalidArgumentError(
            absl::StrCat("number ", Quote(line.substr(i, j - i)),
                         " is larger than ", kMaxLiteral));
      }
      token.kind = TokenKind::kInteger;
      token.text = std::string(line.substr(i, j - i));
      token.value = value;
      i = j;
    } else if (c == '"' || c == '\'') {
      size_t j = i + 1;
      std::string value;
      bool closed = false;
      while (j < line.size()) {
        if (line[j] == '\\' && j + 1 < line.size()) {
          value.push_back(line[j + 1]);
          j += 2;
          continue;
        }
        if (line[j] == c) {
          closed = true;
          ++j;
          break;
        }
        value.push_back(line[j]);
        ++j;
      }
      if (!closed) {
        return absl::InvalidArgumentError(absl::StrCat("expected a closing ",
                                                       Quote(std::string(1, c)),
                                                       " to end the string"));
      }
      token.kind = TokenKind::kString;
      token.text = std::move(value);
      i = j;
    } else {
      static constexpr absl::string_view kTwoChar[] = {"==", "!=", "<=", ">="};
      token.kind = TokenKind::kPunct;
      for (absl::string_view two : kTwoChar) {
        if (line.substr(i, 2) == two) token.text = std::string(two);
      }
      if (token.text.empty()) {
        if (absl::string_view("=<>().,[]{}+-|").find(c) ==
            absl::string_view::npos) {
          return absl::InvalidArgumentError(
              absl::StrCat("unexpected character ", Quote(std::string(1, c))));
        }
        token.text = std::string(1, c);
      }
      i += token.text.size();
    }
    token.end = i;
    tokens->push_back(std::move(token));
  }
  Token end;
  end.kind = TokenKind::kEnd;
  end.begin = end.end = *source_end;
  tokens->push_back(std::move(end));
  return absl::OkStatus();
}

std::string TokenCursor::TextFrom(size_t first) const {
  return std::string(line_.substr(
      tokens_[first].begin, tokens_[pos_ - 1].end - tokens_[first].begin));
}

std::string TokenCursor::Before() const {
  if (pos_ == 0) return "";
  return TextFrom(0);
}

std::string TokenCursor::Describe(const Token& token) {
  if (token.kind == TokenKind::kEnd) return "the end of the line";
  if (token.kind == TokenKind::kString) {
    return absl::StrCat("the string ", Quote(token.text));
  }
  return Quote(token.text);
}

absl::Status TokenCursor::Expected(absl::string_view what,
                                   absl::string_view after) const {
  return absl::InvalidArgumentError(absl::StrCat("expected ", what, " after ",
                                                 Quote(after), ", found ",
                                                 Describe(Peek())));
}

absl::Status TokenCursor::ExpectEnd() const {
  if (AtEnd()) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat("expected the end of the line after ", Quote(Before()),
                   ", found ", Describe(Peek())));
}

absl::StatusOr<std::string> TokenCursor::ObjectName(
    absl::string_view what_after) {
  if (Peek().kind != TokenKind::kName) {
    return Expected("a name", what_after);
  }
  if (IsReserved(Peek().text)) {
    return absl::InvalidArgumentError(
        absl::StrCat("expected a name after ", Quote(what_after), ", found ",
                     "the reserved word ", Quote(Peek().text)));
  }
  return Next().text;
}

}  // namespace heapd::scenario
