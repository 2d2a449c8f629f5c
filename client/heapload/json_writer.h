// JsonWriter: pretty-printed JSON objects written top-down, with keys in the
// order given, so that a report reads like the text one. Numbers that are
// whole print without a fraction; NaN and infinities print as null.
//
// Example:
//   JsonWriter w;
//   w.Begin("");
//   w.Number("count", 3);
//   w.BeginArray("samples");
//   w.Begin("");  w.Number("t", 1);  w.End();
//   w.EndArray();
//   w.End();
//   std::string text = w.text();  // ends in a newline
#ifndef HEAPD_CLIENT_HEAPLOAD_JSON_WRITER_H_
#define HEAPD_CLIENT_HEAPLOAD_JSON_WRITER_H_

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/string_view.h"

namespace heapd::heapload {

// Writes pretty-printed JSON objects with keys in the order given, so the
// report reads top-down like the text one.
class JsonWriter {
 public:
  // Opens an object: the root, a member of the open object, or (key
  // ignored) an element of the open array.
  void Begin(absl::string_view key) {
    if (!first_.empty()) Key(key);
    out_ += "{";
    first_.push_back(true);
    array_.push_back(false);
  }
  void End() { Close('}'); }
  // Opens an array, a member of the open object; its elements are objects
  // (Begin) or numbers (Number with any key).
  void BeginArray(absl::string_view key) {
    Key(key);
    out_ += "[";
    first_.push_back(true);
    array_.push_back(true);
  }
  void EndArray() { Close(']'); }
  void Number(absl::string_view key, double v) {
    Key(key);
    if (!std::isfinite(v)) {
      out_ += "null";
    } else if (v == std::floor(v) && std::fabs(v) < 1e15) {
      absl::StrAppend(&out_, static_cast<int64_t>(v));
    } else {
      out_ += absl::StrFormat("%.10g", v);
    }
  }
  // Every digit of a large integer (Number keeps 10 significant ones).
  void Integer(absl::string_view key, int64_t v) {
    Key(key);
    absl::StrAppend(&out_, v);
  }
  void Null(absl::string_view key) {
    Key(key);
    out_ += "null";
  }
  void Bool(absl::string_view key, bool v) {
    Key(key);
    out_ += v ? "true" : "false";
  }
  void String(absl::string_view key, absl::string_view v) {
    Key(key);
    Quote(v);
  }
  // An array of strings, on one line.
  void Strings(absl::string_view key, const std::vector<std::string>& v) {
    Key(key);
    out_ += "[";
    for (size_t i = 0; i < v.size(); ++i) {
      if (i > 0) out_ += ", ";
      Quote(v[i]);
    }
    out_ += "]";
  }
  const std::string& text() const { return out_; }

 private:
  void Key(absl::string_view key) {
    if (!first_.back()) out_ += ",";
    first_.back() = false;
    out_ += "\n";
    out_.append(2 * first_.size(), ' ');
    if (array_.back()) return;
    Quote(key);
    out_ += ": ";
  }
  void Close(char bracket) {
    const bool empty = first_.back();
    first_.pop_back();
    array_.pop_back();
    if (!empty) {
      out_ += "\n";
      out_.append(2 * first_.size(), ' ');
    }
    out_ += bracket;
    if (first_.empty()) out_ += "\n";
  }
  void Quote(absl::string_view v) {
    out_ += '"';
    for (char c : v) {
      switch (c) {
        case '"':
          out_ += "\\\"";
          break;
        case '\\':
          out_ += "\\\\";
          break;
        case '\n':
          out_ += "\\n";
          break;
        case '\t':
          out_ += "\\t";
          break;
        default:
          if (static_cast<unsigned char>(c) < 0x20) {
            out_ += absl::StrFormat("\\u%04x", static_cast<int>(c));
          } else {
            out_ += c;
          }
      }
    }
    out_ += '"';
  }

  std::string out_;
  // One entry per open object or array: no member written yet; an array.
  std::vector<bool> first_;
  std::vector<bool> array_;
};

}  // namespace heapd::heapload

#endif  // HEAPD_CLIENT_HEAPLOAD_JSON_WRITER_H_
