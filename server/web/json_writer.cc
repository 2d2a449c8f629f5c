#include "server/web/json_writer.h"

#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace heapd::server::web {

void JsonWriter::Separate() {
  if (!first_) out_.push_back(',');
  first_ = false;
}

void JsonWriter::Open(char bracket) {
  Separate();
  out_.push_back(bracket);
  first_ = true;
}

void JsonWriter::Close(char bracket) {
  out_.push_back(bracket);
  first_ = false;
}

void JsonWriter::Key(absl::string_view key) {
  String(key);
  out_.push_back(':');
  // The value that follows takes no comma.
  first_ = true;
}

void JsonWriter::String(absl::string_view value) {
  Separate();
  out_.push_back('"');
  for (const char c : value) {
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
      case '\r':
        out_ += "\\r";
        break;
      case '\t':
        out_ += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          absl::StrAppendFormat(&out_, "\\u%04x", c);
        } else {
          out_.push_back(c);
        }
    }
  }
  out_.push_back('"');
}

void JsonWriter::Int(int64_t value) {
  Separate();
  absl::StrAppend(&out_, value);
}

void JsonWriter::Double(double value) {
  Separate();
  if (!std::isfinite(value)) value = 0;
  absl::StrAppendFormat(&out_, "%.6g", value);
}

void JsonWriter::Bool(bool value) {
  Separate();
  out_ += value ? "true" : "false";
}

void JsonWriter::Null() {
  Separate();
  out_ += "null";
}

}  // namespace heapd::server::web
