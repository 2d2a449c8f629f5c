// FlattenJson: a strict little JSON reader for tests of heapload's report.
//
// It turns a document into a map from dotted paths to scalar values:
//   {"a": {"b": 1, "c": "x"}, "d": [true]}
// gives
//   "a" -> "{}", "a.b" -> "1", "a.c" -> "x", "d" -> "[]", "d.0" -> "true".
// Objects and arrays appear under their own path as "{}" and "[]", strings
// unescaped, numbers, true, false and null as written. Anything that is not
// JSON (a trailing comma, a bad escape, text after the document) is
// INVALID_ARGUMENT with the offset.
//
// Why not protobuf's JSON parser into a Struct: Debian's protobuf is not
// built with ThreadSanitizer, and its Map code, inlined instrumented into a
// test, crashes against the uninstrumented library under --config=tsan.
//
// Header-only; for tests (the //client/heapload:json_paths target is testonly).
#ifndef HEAPD_CLIENT_HEAPLOAD_JSON_PATHS_H_
#define HEAPD_CLIENT_HEAPLOAD_JSON_PATHS_H_

#include <cctype>
#include <cstdlib>
#include <map>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace heapd::heapload {
namespace json_paths_internal {

class Reader {
 public:
  explicit Reader(absl::string_view text) : text_(text) {}

  absl::Status Document(std::map<std::string, std::string>* out) {
    out_ = out;
    absl::Status s = Value("");
    if (!s.ok()) return s;
    Space();
    if (pos_ != text_.size()) return Error("text after the document");
    return absl::OkStatus();
  }

 private:
  absl::Status Error(absl::string_view what) {
    return absl::InvalidArgumentError(
        absl::StrCat("not JSON at offset ", pos_, ": ", what));
  }
  void Space() {
    while (pos_ < text_.size() &&
           (text_[pos_] == ' ' || text_[pos_] == '\n' || text_[pos_] == '\t' ||
            text_[pos_] == '\r')) {
      ++pos_;
    }
  }
  bool Eat(char c) {
    Space();
    if (pos_ < text_.size() && text_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }
  static std::string Join(const std::string& path, absl::string_view key) {
    return path.empty() ? std::string(key) : absl::StrCat(path, ".", key);
  }

  absl::Status Value(const std::string& path) {
    Space();
    if (pos_ >= text_.size()) return Error("value expected");
    const char c = text_[pos_];
    if (c == '{') return Object(path);
    if (c == '[') return Array(path);
    if (c == '"') {
      std::string s;
      if (absl::Status st = String(&s); !st.ok()) return st;
      (*out_)[path] = s;
      return absl::OkStatus();
    }
    for (absl::string_view word : {"true", "false", "null"}) {
      if (text_.substr(pos_, word.size()) == word) {
        pos_ += word.size();
        (*out_)[path] = std::string(word);
        return absl::OkStatus();
      }
    }
    return Number(path);
  }

  absl::Status Object(const std::string& path) {
    ++pos_;  // {
    (*out_)[path] = "{}";
    if (Eat('}')) return absl::OkStatus();
    do {
      Space();
      std::string key;
      if (absl::Status s = String(&key); !s.ok()) return s;
      if (!Eat(':')) return Error("':' expected");
      if (absl::Status s = Value(Join(path, key)); !s.ok()) return s;
    } while (Eat(','));
    if (!Eat('}')) return Error("',' or '}' expected");
    return absl::OkStatus();
  }

  absl::Status Array(const std::string& path) {
    ++pos_;  // [
    (*out_)[path] = "[]";
    if (Eat(']')) return absl::OkStatus();
    int index = 0;
    do {
      if (absl::Status s = Value(Join(path, absl::StrCat(index++))); !s.ok()) {
        return s;
      }
    } while (Eat(','));
    if (!Eat(']')) return Error("',' or ']' expected");
    return absl::OkStatus();
  }

  absl::Status String(std::string* out) {
    if (pos_ >= text_.size() || text_[pos_] != '"') {
      return Error("string expected");
    }
    ++pos_;
    while (pos_ < text_.size() && text_[pos_] != '"') {
      char c = text_[pos_++];
      if (static_cast<unsigned char>(c) < 0x20) {
        return Error("control character in a string");
      }
      if (c != '\\') {
        out->push_back(c);
        continue;
      }
      if (pos_ >= text_.size()) break;
      c = text_[pos_++];
      switch (c) {
        case '"':
        case '\\':
        case '/':
          out->push_back(c);
          break;
        case 'n':
          out->push_back('\n');
          break;
        case 't':
          out->push_back('\t');
          break;
        case 'r':
          out->push_back('\r');
          break;
        case 'b':
          out->push_back('\b');
          break;
        case 'f':
          out->push_back('\f');
          break;
        case 'u': {
          if (pos_ + 4 > text_.size()) return Error("short \\u escape");
          const std::string hex(text_.substr(pos_, 4));
          char* end = nullptr;
          const long code = std::strtol(hex.c_str(), &end, 16);
          if (end != hex.c_str() + 4) return Error("bad \\u escape");
          pos_ += 4;
          // Enough for the control characters the report escapes.
          if (code < 0x80) {
            out->push_back(static_cast<char>(code));
          } else {
            out->push_back('?');
          }
          break;
        }
        default:
          return Error("bad escape");
      }
    }
    if (pos_ >= text_.size()) return Error("unterminated string");
    ++pos_;  // closing quote
    return absl::OkStatus();
  }

  absl::Status Number(const std::string& path) {
    const size_t start = pos_;
    if (pos_ < text_.size() && text_[pos_] == '-') ++pos_;
    auto digits = [&] {
      const size_t from = pos_;
      while (pos_ < text_.size() &&
             std::isdigit(static_cast<unsigned char>(text_[pos_]))) {
        ++pos_;
      }
      return pos_ > from;
    };
    if (!digits()) return Error("value expected");
    if (pos_ < text_.size() && text_[pos_] == '.') {
      ++pos_;
      if (!digits()) return Error("digits expected after '.'");
    }
    if (pos_ < text_.size() && (text_[pos_] == 'e' || text_[pos_] == 'E')) {
      ++pos_;
      if (pos_ < text_.size() && (text_[pos_] == '+' || text_[pos_] == '-')) {
        ++pos_;
      }
      if (!digits()) return Error("digits expected in the exponent");
    }
    (*out_)[path] = std::string(text_.substr(start, pos_ - start));
    return absl::OkStatus();
  }

  absl::string_view text_;
  size_t pos_ = 0;
  std::map<std::string, std::string>* out_ = nullptr;
};

}  // namespace json_paths_internal

inline absl::StatusOr<std::map<std::string, std::string>> FlattenJson(
    absl::string_view text) {
  std::map<std::string, std::string> paths;
  json_paths_internal::Reader reader(text);
  absl::Status status = reader.Document(&paths);
  if (!status.ok()) return status;
  return paths;
}

}  // namespace heapd::heapload

#endif  // HEAPD_CLIENT_HEAPLOAD_JSON_PATHS_H_
