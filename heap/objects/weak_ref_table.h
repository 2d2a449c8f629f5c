// WeakRefTable: the heap's live weak references, by id.
//
// Ids are handed out in order (1, 2, ...) and never reused. A weak reference
// refers to an object's slot (and the handle it had) until the object dies;
// then it is cleared: it leaves the table, and Target still knows it, from
// its id alone, as one that was made and is dead. So a long-running heap
// keeps no record of its dead weak references. Not thread-safe (the
// interpreter lock serializes the heap).
#ifndef HEAPD_HEAP_OBJECTS_WEAK_REF_TABLE_H_
#define HEAPD_HEAP_OBJECTS_WEAK_REF_TABLE_H_

#include <cstddef>
#include <cstdint>
#include <optional>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "heap/objects/heap_event.h"

namespace heapd::objects {

class WeakRefTable {
 public:
  struct Entry {
    uint32_t target = 0;  // the referent's slot
    Handle target_handle = 0;
    bool callback = false;  // a callback runs when it is cleared
  };

  // A new weak reference to the object in slot `target`.
  WeakRefId Add(uint32_t target, Handle target_handle, bool callback);
  // Clears `id` if it is live and refers to slot `target`, and returns what
  // it was; nullopt (and nothing changes) otherwise.
  std::optional<Entry> Clear(WeakRefId id, uint32_t target);

  // The referent's handle; 0 once cleared. NOT_FOUND for an id never made.
  absl::StatusOr<Handle> Target(WeakRefId id) const;
  // The live weak reference `id`, or null.
  const Entry* Find(WeakRefId id) const;
  // Live weak references.
  size_t size() const { return live_.size(); }
  const absl::flat_hash_map<WeakRefId, Entry>& live() const { return live_; }

 private:
  absl::flat_hash_map<WeakRefId, Entry> live_;
  WeakRefId next_id_ = 1;
};

}  // namespace heapd::objects

#endif  // HEAPD_HEAP_OBJECTS_WEAK_REF_TABLE_H_
