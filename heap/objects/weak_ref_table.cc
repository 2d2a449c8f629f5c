#include "heap/objects/weak_ref_table.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace heapd::objects {

WeakRefId WeakRefTable::Add(uint32_t target, Handle target_handle,
                            bool callback) {
  const WeakRefId id = next_id_++;
  live_[id] = Entry{target, target_handle, callback};
  return id;
}

std::optional<WeakRefTable::Entry> WeakRefTable::Clear(WeakRefId id,
                                                       uint32_t target) {
  auto it = live_.find(id);
  if (it == live_.end() || it->second.target != target) return std::nullopt;
  const Entry cleared = it->second;
  live_.erase(it);
  return cleared;
}

absl::StatusOr<Handle> WeakRefTable::Target(WeakRefId id) const {
  if (const Entry* entry = Find(id)) return entry->target_handle;
  // Ids are handed out in order and never reused, so one below the next
  // was made, and is absent only because it was cleared.
  if (id != 0 && id < next_id_) return Handle{0};
  return absl::NotFoundError(absl::StrCat("no weak reference ", id));
}

const WeakRefTable::Entry* WeakRefTable::Find(WeakRefId id) const {
  auto it = live_.find(id);
  return it == live_.end() ? nullptr : &it->second;
}

}  // namespace heapd::objects
