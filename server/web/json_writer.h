// JsonWriter: a JSON text built by appending, for the web API's own
// documents (the map and the session graph; Stats goes through protobuf's
// JSON mapping instead). Keys and strings are escaped; the caller keeps the
// structure balanced.
//
// Example:
//   JsonWriter w;
//   w.BeginObject();
//   w.Key("name"); w.String("heapd");
//   w.Key("pools"); w.BeginArray(); w.Int(3); w.EndArray();
//   w.EndObject();
//   std::string text = w.Take();  // {"name":"heapd","pools":[3]}
#ifndef HEAPD_SERVER_WEB_JSON_WRITER_H_
#define HEAPD_SERVER_WEB_JSON_WRITER_H_

#include <cstdint>
#include <string>
#include <utility>

#include "absl/strings/string_view.h"

namespace heapd::server::web {

class JsonWriter {
 public:
  void BeginObject() { Open('{'); }
  void EndObject() { Close('}'); }
  void BeginArray() { Open('['); }
  void EndArray() { Close(']'); }
  void Key(absl::string_view key);
  void String(absl::string_view value);
  void Int(int64_t value);
  void Double(double value);
  void Bool(bool value);
  void Null();

  std::string Take() { return std::move(out_); }

 private:
  void Open(char bracket);
  void Close(char bracket);
  // A comma unless this value is the first of its container or a key's.
  void Separate();

  std::string out_;
  bool first_ = true;
};

}  // namespace heapd::server::web

#endif  // HEAPD_SERVER_WEB_JSON_WRITER_H_
