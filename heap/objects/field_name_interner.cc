#include "heap/objects/field_name_interner.h"

#include "absl/strings/str_format.h"

namespace heapd::objects {

uint32_t FieldNameInterner::Find(absl::string_view name) const {
  auto it = ids_.find(name);
  return it == ids_.end() ? kNotInterned : it->second;
}

uint32_t FieldNameInterner::Acquire(absl::string_view name, uint32_t known) {
  uint32_t id = known;
  if (id == kNotInterned) {
    if (free_ids_.empty()) {
      id = static_cast<uint32_t>(names_.size());
      names_.emplace_back();
    } else {
      id = free_ids_.back();
      free_ids_.pop_back();
    }
    names_[id].text = std::string(name);
    ids_.emplace(names_[id].text, id);
  }
  ++names_[id].uses;
  return id;
}

void FieldNameInterner::Release(uint32_t id) {
  Name& name = names_[id];
  if (--name.uses > 0) return;
  ids_.erase(name.text);
  std::string().swap(name.text);  // its memory too
  free_ids_.push_back(id);
}

absl::Status FieldNameInterner::Verify(absl::Span<const int64_t> uses) const {
  if (uses.size() != names_.size()) {
    return absl::InternalError(
        absl::StrFormat("uses counted for %d field name ids, the table has %d",
                        uses.size(), names_.size()));
  }
  for (uint32_t id = 0; id < names_.size(); ++id) {
    if (names_[id].uses != uses[id]) {
      return absl::InternalError(absl::StrFormat(
          "field name %d (\"%s\") counts %d uses, fields hold %d", id,
          names_[id].text, names_[id].uses, uses[id]));
    }
    auto it = ids_.find(names_[id].text);
    const bool interned = it != ids_.end() && it->second == id;
    if (interned != (uses[id] > 0)) {
      return absl::InternalError(absl::StrFormat(
          "field name %d (\"%s\") is %s but held by %d fields", id,
          names_[id].text, interned ? "interned" : "free", uses[id]));
    }
  }
  if (ids_.size() + free_ids_.size() != names_.size()) {
    return absl::InternalError(
        absl::StrFormat("%d interned and %d free field names, of %d",
                        ids_.size(), free_ids_.size(), names_.size()));
  }
  return absl::OkStatus();
}

}  // namespace heapd::objects
