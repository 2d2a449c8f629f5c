// FieldNameInterner: field names as small ids, interned while some field
// holds them.
//
// Objects keep their fields' names as ids, so setting a field allocates
// nothing once its name has been seen. Each id counts the fields holding it;
// a name no field holds any more is dropped and its id reused, so a client
// that keeps making up names (a dict keyed by request ids) does not grow the
// heap for ever. Not thread-safe (the interpreter lock serializes the heap).
#ifndef HEAPD_HEAP_OBJECTS_FIELD_NAME_INTERNER_H_
#define HEAPD_HEAP_OBJECTS_FIELD_NAME_INTERNER_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"

namespace heapd::objects {

class FieldNameInterner {
 public:
  // Find's answer for a name no field holds.
  static constexpr uint32_t kNotInterned = UINT32_MAX;

  // The id of `name`, or kNotInterned.
  uint32_t Find(absl::string_view name) const;
  // The id of `name` for one more field holding it, interned if new.
  // `known` is Find(name), which callers have looked up already (a field
  // is first searched for among the object's own), so a new field's name is
  // looked up once.
  uint32_t Acquire(absl::string_view name, uint32_t known);
  // One field fewer holds `id`; the last one drops the name.
  // REQUIRES: `id` is held.
  void Release(uint32_t id);

  // REQUIRES: `id` is held.
  const std::string& Text(uint32_t id) const { return names_[id].text; }
  // Distinct names held.
  size_t size() const { return ids_.size(); }
  // Every id handed out is below this.
  uint32_t id_limit() const { return static_cast<uint32_t>(names_.size()); }

  // Checks the table against `uses`, the number of fields holding each id
  // (id_limit() entries) as the caller counted them: each held id counts
  // exactly its uses and is interned, each other is free. INTERNAL naming
  // the first disagreement.
  absl::Status Verify(absl::Span<const int64_t> uses) const;

 private:
  struct Name {
    std::string text;
    int64_t uses = 0;
  };
  std::vector<Name> names_;  // by id
  absl::flat_hash_map<std::string, uint32_t> ids_;
  std::vector<uint32_t> free_ids_;
};

}  // namespace heapd::objects

#endif  // HEAPD_HEAP_OBJECTS_FIELD_NAME_INTERNER_H_
