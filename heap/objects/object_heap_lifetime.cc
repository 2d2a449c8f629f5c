// ObjectHeap's object lifetimes: reference counting and the iterative
// freeing it triggers, owners' references, finalizers (PEP 442) and weak
// references.
#include <algorithm>

#include "absl/strings/str_cat.h"
#include "heap/objects/object_heap.h"

namespace heapd::objects {

// ---------------------------------------------------------------------------
// Reference counting

void ObjectHeap::Incref(uint32_t slot) {
  ++records_[slot].refcount;
  SyncHeader(slot);
}

void ObjectHeap::Decref(uint32_t slot) {
  ObjectRecord& record = records_[slot];
  if (--record.refcount == 0) {
    pending_free_.push_back(slot);
  } else {
    SyncHeader(slot);
  }
}

// Frees every object whose count reached zero, and what that releases in
// turn. The worklist is explicit, so the depth of the structure never
// reaches the C stack.
int64_t ObjectHeap::FreePending() {
  int64_t freed = 0;
  while (!pending_free_.empty()) {
    const uint32_t slot = pending_free_.back();
    pending_free_.pop_back();
    // A finalizer may have resurrected an object after it was queued, and
    // an object resurrected then dropped again is queued twice.
    const ObjectRecord& record = records_[slot];
    if (record.block == nullptr || record.refcount != 0) continue;
    if (Deallocate(slot)) ++freed;
  }
  return freed;
}

bool ObjectHeap::Deallocate(uint32_t slot) {
  ObjectRecord& record = records_[slot];
  ObjectExtras& extras = extras_[slot];
  // PEP 442 on the reference-counting path, as CPython's subtype_dealloc
  // (PyObject_CallFinalizerFromDealloc): a finalizer that has not run runs
  // now, before weak references are cleared, and may resurrect the object.
  if (record.has_finalizer && !record.finalized) {
    RunFinalizer(slot);
    if (record.refcount > 0) return false;
  }
  if (record.has_weakrefs) ClearWeakRefs(slot, /*record_callbacks=*/true);
  if (record.generation != kUntracked) {
    Untrack(slot);
    // CPython's PyObject_GC_Del: deallocations pay back generation 0.
    if (counts_[0] > 0) --counts_[0];
  }
  for (uint32_t target : LinksOf(record)) {
    if (target != kNoSlot) Decref(target);
  }
  LinksOf(record).clear();
  LinksChanged(record);
  LinksOf(record).shrink_to_fit();
  ReleaseFieldNames(slot);
  extras.weakrefs.clear();
  extras.finalizer = Finalizer();
  {
    const int64_t size = static_cast<int64_t>(ObjectSize(record));
    TypeCount& count = type_counts_[static_cast<int>(record.type)];
    --count.objects;
    count.bytes -= size;
    live_bytes_ -= size;
  }
  allocator_.Free(record.block);
  if (extras.items_block != nullptr) allocator_.Free(extras.items_block);
  record.block = nullptr;
  extras.items_block = nullptr;
  extras.capacity = 0;
  // A handle's reuse count moves on, so old handles go stale. A slot whose
  // count would wrap is retired rather than reused.
  if (++record.reuse != 0) free_slots_.push_back(slot);
  --live_objects_;
  return true;
}

void ObjectHeap::RunFinalizer(uint32_t slot) {
  ObjectRecord& record = records_[slot];
  ObjectExtras& extras = extras_[slot];
  record.finalized = true;
  HeapEvent event;
  event.kind = HeapEvent::Kind::kFinalizer;
  event.object = HandleOf(slot);
  switch (extras.finalizer.action) {
    case Finalizer::Action::kResurrectToOwner: {
      const OwnerId owner = SettleResurrector(slot);
      // Its owner is gone: there is nothing to resurrect into.
      if (owner == kNoOwner) break;
      Incref(slot);
      ++extras.external;
      ++owners_[owner][slot];
      event.resurrected = true;
      break;
    }
    case Finalizer::Action::kResurrectInto: {
      const Finalizer& finalizer = extras.finalizer;
      // Whoever's request runs the finalizer: the target was checked when
      // the finalizer was given.
      const uint32_t into = LiveSlotOf(finalizer.into);
      event.resurrected =
          into != kNoSlot && LinkField(into, finalizer.field, slot).ok();
      break;
    }
    default:
      break;
  }
  events_.Record(event);
}

OwnerId ObjectHeap::SettleResurrector(uint32_t slot) {
  ObjectExtras& extras = extras_[slot];
  const OwnerId owner = extras.finalizer_owner;
  extras.finalizer_owner = kNoOwner;
  if (owner == kNoOwner ||
      extras.finalizer.action != Finalizer::Action::kResurrectToOwner) {
    return kNoOwner;
  }
  auto it = resurrectors_.find(owner);
  if (it != resurrectors_.end()) {
    it->second.erase(slot);
    if (it->second.empty()) resurrectors_.erase(it);
  }
  return owner;
}

// ---------------------------------------------------------------------------
// Owners

absl::StatusOr<RefCountResult> ObjectHeap::IncRef(OwnerId owner,
                                                  Handle handle) {
  absl::StatusOr<uint32_t> slot = Resolve(handle);
  if (!slot.ok()) return slot.status();
  ObjectRecord& record = records_[*slot];
  ObjectExtras& extras = extras_[*slot];
  Incref(*slot);
  ++extras.external;
  const int64_t held = ++owners_[owner][*slot];
  return RefCountResult{record.refcount, held, 0};
}

absl::StatusOr<RefCountResult> ObjectHeap::DecRef(OwnerId owner,
                                                  Handle handle) {
  absl::StatusOr<uint32_t> slot = Resolve(handle);
  if (!slot.ok()) return slot.status();
  auto owner_it = owners_.find(owner);
  auto held_it = owner_it == owners_.end() ? decltype(owner_it->second.end()){}
                                           : owner_it->second.find(*slot);
  if (owner_it == owners_.end() || held_it == owner_it->second.end()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "this session holds no reference to object ", handle, " (refcount ",
        records_[*slot].refcount,
        "): only references it took with Allocate or IncRef can be dropped"));
  }
  const int64_t held = --held_it->second;
  if (held == 0) owner_it->second.erase(held_it);
  if (owner_it->second.empty()) owners_.erase(owner_it);
  --extras_[*slot].external;
  Decref(*slot);
  const int64_t freed = FreePending();
  return RefCountResult{TargetRefcountAfter(handle), held, freed};
}

absl::Status ObjectHeap::Unallocate(OwnerId owner, Handle handle) {
  absl::StatusOr<uint32_t> slot = Resolve(handle);
  if (!slot.ok()) return slot.status();
  ObjectRecord& record = records_[*slot];
  if (record.refcount != 1 || OwnerReferences(owner, handle) != 1) {
    return absl::FailedPreconditionError(
        absl::StrCat("object ", handle,
                     " cannot be taken back: the session's reference "
                     "is not its only one (refcount ",
                     record.refcount, ")"));
  }
  // The client never saw the object: its finalizer counts as run, and its
  // weak references die without callbacks.
  record.finalized = true;
  SettleResurrector(*slot);
  if (record.has_weakrefs) ClearWeakRefs(*slot, /*record_callbacks=*/false);
  return DecRef(owner, handle).status();
}

ReleaseResult ObjectHeap::ReleaseOwner(OwnerId owner) {
  ReleaseResult result;
  // First, so that finalizers run by the releases below already find
  // their owner gone.
  if (auto r = resurrectors_.find(owner); r != resurrectors_.end()) {
    for (uint32_t slot : r->second) extras_[slot].finalizer_owner = kNoOwner;
    resurrectors_.erase(r);
  }
  auto it = owners_.find(owner);
  if (it == owners_.end()) return result;
  absl::flat_hash_map<uint32_t, int64_t> held = std::move(it->second);
  owners_.erase(it);
  for (const auto& [slot, count] : held) {
    result.references_released += count;
    extras_[slot].external -= count;
    for (int64_t i = 0; i < count; ++i) Decref(slot);
  }
  result.objects_freed = FreePending();
  return result;
}

int64_t ObjectHeap::OwnerReferences(OwnerId owner, Handle handle) const {
  absl::StatusOr<uint32_t> slot = Resolve(handle);
  if (!slot.ok()) return 0;
  auto it = owners_.find(owner);
  if (it == owners_.end()) return 0;
  auto held = it->second.find(*slot);
  return held == it->second.end() ? 0 : held->second;
}

std::vector<OwnedObject> ObjectHeap::OwnerHandles(OwnerId owner, size_t limit,
                                                  size_t scan_limit) const {
  std::vector<OwnedObject> held;
  auto it = owners_.find(owner);
  if (it == owners_.end()) return held;
  // Slots first: a handle costs an encipherment, made for the chosen only.
  std::vector<std::pair<uint32_t, int64_t>> linked, leaves;
  size_t scanned = 0;
  for (const auto& [slot, count] : it->second) {
    if (scanned++ >= scan_limit || linked.size() >= limit) break;
    if (!VisibleSlot(slot)) continue;
    auto& part = records_[slot].has_links ? linked : leaves;
    if (part.size() < limit) part.emplace_back(slot, count);
  }
  held.reserve(std::min(limit, linked.size() + leaves.size()));
  for (const auto* part : {&linked, &leaves}) {
    for (const auto& [slot, count] : *part) {
      if (held.size() >= limit) return held;
      held.push_back({HandleOf(slot), count, records_[slot].has_links});
    }
  }
  return held;
}

std::vector<Handle> ObjectHeap::GarbageHandles() const {
  std::vector<Handle> garbage;
  for (uint32_t slot : garbage_) {
    if (VisibleSlot(slot)) garbage.push_back(HandleOf(slot));
  }
  return garbage;
}

// ---------------------------------------------------------------------------
// Weak references

absl::StatusOr<WeakRefId> ObjectHeap::CreateWeakRef(Handle target,
                                                    bool callback) {
  absl::StatusOr<uint32_t> slot = Resolve(target);
  if (!slot.ok()) return slot.status();
  const WeakRefId id = weakrefs_.Add(*slot, target, callback);
  extras_[*slot].weakrefs.push_back(id);
  records_[*slot].has_weakrefs = true;
  return id;
}

absl::StatusOr<Handle> ObjectHeap::WeakRefTarget(WeakRefId id) const {
  absl::StatusOr<Handle> target = weakrefs_.Target(id);
  // A referent of another tenant reads as dead: that a weak reference to it
  // exists says nothing about it.
  if (target.ok() && *target != 0 && SlotOf(*target) == kNoSlot)
    return Handle{0};
  return target;
}

void ObjectHeap::ClearWeakRefs(uint32_t slot, bool record_callbacks) {
  ObjectRecord& record = records_[slot];
  ObjectExtras& extras = extras_[slot];
  for (WeakRefId id : extras.weakrefs) {
    const std::optional<WeakRefTable::Entry> cleared =
        weakrefs_.Clear(id, slot);
    if (cleared.has_value() && record_callbacks && cleared->callback) {
      HeapEvent event;
      event.kind = HeapEvent::Kind::kWeakRefCallback;
      event.object = cleared->target_handle;
      event.weakref = id;
      events_.Record(event);
    }
  }
  extras.weakrefs.clear();
  record.has_weakrefs = false;
}

}  // namespace heapd::objects
