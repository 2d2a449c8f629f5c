// ObjectHeap::Verify: every invariant of objects, references, generations
// and weak references, and the allocator's.
#include <cstring>
#include <vector>

#include "heap/objects/object_heap.h"
#include "heap/obmalloc/invariant.h"

namespace heapd::objects {
namespace {

template <typename... Args>
absl::Status Broken(const absl::FormatSpec<Args...>& format,
                    const Args&... args) {
  return obmalloc::InvariantBroken("heap", format, args...);
}

}  // namespace

absl::Status ObjectHeap::Verify() const {
  if (!pending_free_.empty()) {
    return Broken("%d objects wait to be freed outside an operation",
                  pending_free_.size());
  }
  if (collecting_) return Broken("a collection is marked running");

  // Count every reference: links, owners, the garbage list.
  std::vector<int64_t> expected(records_.size(), 0);
  int64_t live = 0;
  for (uint32_t slot = 0; slot < records_.size(); ++slot) {
    const ObjectRecord& record = records_[slot];
    if (record.block == nullptr) continue;
    ++live;
    for (uint32_t target : LinksOf(record)) {
      if (target == kNoSlot) continue;
      if (target >= records_.size() || records_[target].block == nullptr) {
        return Broken("object %d links to freed slot %d", slot, target);
      }
      ++expected[target];
    }
    if (record.in_garbage_list) ++expected[slot];
  }
  if (live != live_objects_) {
    return Broken("%d live objects, counter says %d", live, live_objects_);
  }
  // The counters Stats reports, against a walk.
  std::array<TypeCount, kNumObjectTypes> by_type{};
  int64_t bytes = 0;
  for (const ObjectRecord& record : records_) {
    if (record.block == nullptr) continue;
    const int64_t size = static_cast<int64_t>(ObjectSize(record));
    ++by_type[static_cast<int>(record.type)].objects;
    by_type[static_cast<int>(record.type)].bytes += size;
    bytes += size;
  }
  if (bytes != live_bytes_) {
    return Broken("live objects take %d bytes, counter says %d", bytes,
                  live_bytes_);
  }
  for (int t = 0; t < kNumObjectTypes; ++t) {
    if (by_type[t].objects != type_counts_[t].objects ||
        by_type[t].bytes != type_counts_[t].bytes) {
      return Broken(
          "%d %s objects of %d bytes, counters say %d of %d",
          by_type[t].objects, ObjectTypeName(static_cast<ObjectType>(t)),
          by_type[t].bytes, type_counts_[t].objects, type_counts_[t].bytes);
    }
  }
  std::vector<int64_t> owned(records_.size(), 0);
  for (const auto& [owner, held] : owners_) {
    for (const auto& [slot, count] : held) {
      if (slot >= records_.size() || records_[slot].block == nullptr) {
        return Broken("owner %d holds a reference to freed slot %d", owner,
                      slot);
      }
      if (count <= 0) {
        return Broken("owner %d holds %d references to slot %d", owner, count,
                      slot);
      }
      owned[slot] += count;
    }
  }
  for (const auto& [owner, slots] : resurrectors_) {
    for (uint32_t slot : slots) {
      if (slot >= records_.size() || records_[slot].block == nullptr ||
          records_[slot].finalized ||
          extras_[slot].finalizer.action !=
              Finalizer::Action::kResurrectToOwner ||
          extras_[slot].finalizer_owner != owner) {
        return Broken(
            "slot %d is listed as resurrecting into owner %d but "
            "is not a live, unfinalized object of that owner's",
            slot, owner);
      }
    }
  }
  // Every interned name is held by exactly as many fields of live objects
  // as it counts; names no field holds are free.
  std::vector<int64_t> name_uses(field_names_.id_limit(), 0);
  for (uint32_t slot = 0; slot < records_.size(); ++slot) {
    if (records_[slot].block == nullptr) continue;
    for (uint32_t name : extras_[slot].field_names) {
      if (name >= name_uses.size()) {
        return Broken("object %d holds field name id %d of %d", slot, name,
                      name_uses.size());
      }
      ++name_uses[name];
    }
  }
  if (absl::Status names = field_names_.Verify(name_uses); !names.ok()) {
    return Broken("%s", names.message());
  }
  std::vector<int64_t> in_generation(records_.size(), 0);
  for (int g = 0; g <= kPermanentGeneration; ++g) {
    const std::vector<uint32_t>& list = generations_[g];
    for (uint32_t i = 0; i < list.size(); ++i) {
      const uint32_t slot = list[i];
      if (slot >= records_.size() || records_[slot].block == nullptr) {
        return Broken("generation %d holds freed slot %d", g, slot);
      }
      if (records_[slot].generation != g || records_[slot].gen_position != i) {
        return Broken("slot %d is at %d of generation %d but says %d of %d",
                      slot, i, g, records_[slot].gen_position,
                      records_[slot].generation);
      }
      ++in_generation[slot];
    }
  }
  int64_t garbage_marked = 0;
  for (uint32_t slot = 0; slot < records_.size(); ++slot) {
    const ObjectRecord& record = records_[slot];
    const ObjectExtras& extras = extras_[slot];
    if (record.block == nullptr) continue;
    if (record.in_garbage_list) ++garbage_marked;
    if (owned[slot] != extras.external) {
      return Broken("object %d: owners hold %d references, record says %d",
                    slot, owned[slot], extras.external);
    }
    expected[slot] += extras.external;
    if (record.refcount != expected[slot]) {
      return Broken("object %d (%s): refcount %d, but %d references exist",
                    slot, std::string(ObjectTypeName(record.type)),
                    record.refcount, expected[slot]);
    }
    if (HasHeader(record)) {
      const char* p = static_cast<const char*>(record.block);
      if (IsContainer(record.type)) p += kGcHeaderSize;
      int64_t header_refcount;
      uint32_t header_slot;
      std::memcpy(&header_refcount, p, sizeof header_refcount);
      std::memcpy(&header_slot, p + 12, sizeof header_slot);
      if (header_refcount != record.refcount || header_slot != slot ||
          static_cast<uint8_t>(p[8]) != static_cast<uint8_t>(record.type)) {
        return Broken("object %d: its block's header disagrees with it", slot);
      }
    }
    const bool tracked = record.generation != kUntracked;
    if (tracked != IsContainer(record.type)) {
      return Broken("object %d (%s) is %s", slot,
                    std::string(ObjectTypeName(record.type)),
                    tracked ? "tracked" : "untracked");
    }
    if (in_generation[slot] != (tracked ? 1 : 0)) {
      return Broken("object %d is in %d generations", slot,
                    in_generation[slot]);
    }
    if (record.type == ObjectType::kTuple) {
      if (LinksOf(record).size() != static_cast<size_t>(extras.length) ||
          record.nfields != LinksOf(record).size()) {
        return Broken("tuple %d has %d slots, length %d", slot,
                      LinksOf(record).size(), extras.length);
      }
    } else if (extras.field_names.size() != record.nfields ||
               record.nfields > LinksOf(record).size()) {
      return Broken("object %d: %d field names for %d fields", slot,
                    extras.field_names.size(), record.nfields);
    }
    const bool has_items_block =
        ItemsAllocationSize(record.type, extras.capacity) > 0;
    if (has_items_block != (extras.items_block != nullptr)) {
      return Broken("object %d: capacity %d but items block %s", slot,
                    extras.capacity,
                    extras.items_block ? "present" : "missing");
    }
    if (record.has_links == LinksOf(record).empty() ||
        record.has_weakrefs == extras.weakrefs.empty() ||
        record.has_finalizer !=
            (extras.finalizer.action != Finalizer::Action::kNone)) {
      return Broken("object %d: its flags disagree with its extras", slot);
    }
    for (WeakRefId id : extras.weakrefs) {
      const WeakRefTable::Entry* weakref = weakrefs_.Find(id);
      if (weakref == nullptr || weakref->target != slot) {
        return Broken("object %d lists weak reference %d, which is not its",
                      slot, id);
      }
    }
  }
  if (garbage_marked != garbage_size()) {
    return Broken("%d objects marked as in gc.garbage, list holds %d",
                  garbage_marked, garbage_size());
  }
  for (const auto& [id, weakref] : weakrefs_.live()) {
    if (weakref.target >= records_.size() ||
        records_[weakref.target].block == nullptr ||
        HandleOf(weakref.target) != weakref.target_handle) {
      return Broken("weak reference %d points at a dead object", id);
    }
  }
  return allocator_.Verify();
}

}  // namespace heapd::objects
