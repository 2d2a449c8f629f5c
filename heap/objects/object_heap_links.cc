// ObjectHeap's links: named fields and items, and the items allocation
// that grows and shrinks with them.
#include <algorithm>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "heap/objects/object_heap.h"

namespace heapd::objects {
namespace {

// A client's string as a status message quotes it: whole up to 64 bytes,
// else its start and its length. gRPC carries the message in a header that
// clients cap (8 KiB by default): echoing a long name back would turn a
// clear refusal into "metadata size exceeds limit".
std::string Quote(absl::string_view text) {
  constexpr size_t kMaxQuoted = 64;
  if (text.size() <= kMaxQuoted) return absl::StrCat("\"", text, "\"");
  return absl::StrCat("\"", text.substr(0, kMaxQuoted), "\"... (", text.size(),
                      " bytes)");
}

// A tuple slot's name: "0", "1", ... in plain decimal, the form Inspect
// reports (absl::SimpleAtoi alone would also take " 1", "+1" and "01").
bool ParseSlotName(absl::string_view name, uint64_t* index) {
  if (name.empty() || (name.size() > 1 && name[0] == '0')) return false;
  for (char c : name) {
    if (c < '0' || c > '9') return false;
  }
  return absl::SimpleAtoi(name, index);
}

}  // namespace

// Grows (or, for lists, shrinks) the items allocation to CPython's capacity
// for `entries` entries.
absl::Status ObjectHeap::ResizeItems(uint32_t slot, int64_t entries) {
  ObjectRecord& record = records_[slot];
  ObjectExtras& extras = extras_[slot];
  int64_t capacity = extras.capacity;
  switch (record.type) {
    case ObjectType::kList:
      capacity = ListCapacityFor(entries, extras.capacity);
      break;
    case ObjectType::kDict:
      capacity = DictCapacityFor(entries, extras.capacity);
      break;
    case ObjectType::kSet:
      capacity = SetCapacityFor(entries, extras.capacity);
      break;
    default:
      return absl::OkStatus();
  }
  if (capacity == extras.capacity) return absl::OkStatus();
  const size_t bytes = ItemsAllocationSize(record.type, capacity);
  void* block = nullptr;
  if (bytes > 0) {
    block = allocator_.Allocate(bytes);
    if (block == nullptr) {
      return absl::ResourceExhaustedError(absl::StrCat(
          "out of memory growing the items of object ", HandleOf(slot), " to ",
          bytes, " bytes", MemoryLimitNote()));
    }
  }
  if (extras.items_block != nullptr) allocator_.Free(extras.items_block);
  const int64_t delta =
      static_cast<int64_t>(bytes) -
      static_cast<int64_t>(ItemsAllocationSize(record.type, extras.capacity));
  extras.items_block = block;
  extras.capacity = capacity;
  type_counts_[static_cast<int>(record.type)].bytes += delta;
  live_bytes_ += delta;
  return absl::OkStatus();
}

// ---------------------------------------------------------------------------
// Fields

absl::StatusOr<LinkResult> ObjectHeap::SetField(Handle source,
                                                absl::string_view field,
                                                Handle target) {
  absl::StatusOr<uint32_t> from = ResolveContainer(source, "set a field on");
  if (!from.ok()) return from.status();
  absl::StatusOr<uint32_t> to = Resolve(target);
  if (!to.ok()) return to.status();
  absl::StatusOr<LinkResult> result = LinkField(*from, field, *to);
  if (!result.ok()) return result;
  result->objects_freed = FreePending();
  // The replaced referent's cascade may have released references to the
  // target too: the reply states the count after the whole call.
  result->target_refcount = TargetRefcountAfter(target);
  return result;
}

absl::StatusOr<LinkResult> ObjectHeap::LinkField(uint32_t from,
                                                 absl::string_view field,
                                                 uint32_t to) {
  ObjectRecord& record = records_[from];
  ObjectExtras& extras = extras_[from];
  if (!IsFieldHolder(record.type)) {
    return absl::FailedPreconditionError(absl::StrCat(
        "a ", ObjectTypeName(record.type),
        " has items, not fields: use append (", HandleOf(from), ")"));
  }
  if (field.empty()) {
    return absl::InvalidArgumentError("a field name must not be empty");
  }
  size_t index;
  if (record.type == ObjectType::kTuple) {
    uint64_t i;
    if (!ParseSlotName(field, &i) || i >= LinksOf(record).size()) {
      if (extras.length == 0) {
        return absl::InvalidArgumentError(absl::StrCat(
            "a tuple of length 0 has no slots, not ", Quote(field)));
      }
      return absl::InvalidArgumentError(absl::StrCat(
          "a tuple of length ", extras.length, " has slots \"0\"..\"",
          extras.length - 1, "\", not ", Quote(field)));
    }
    index = static_cast<size_t>(i);
  } else {
    if (field.size() > kMaxFieldName) {
      return absl::InvalidArgumentError(
          absl::StrCat("a field name is at most ", kMaxFieldName,
                       " bytes (got ", field.size(), ")"));
    }
    const uint32_t known = field_names_.Find(field);
    auto it = known == FieldNameInterner::kNotInterned
                  ? extras.field_names.end()
                  : std::find(extras.field_names.begin(),
                              extras.field_names.end(), known);
    index = static_cast<size_t>(it - extras.field_names.begin());
    if (it == extras.field_names.end()) {
      if (record.type == ObjectType::kDict) {
        absl::Status grown = ResizeItems(from, record.nfields + 1);
        if (!grown.ok()) return grown;
      }
      // ResizeItems does not move records_, so `record` stays valid.
      extras.field_names.push_back(field_names_.Acquire(field, known));
      LinksOf(record).insert(LinksOf(record).begin() + record.nfields, kNoSlot);
      LinksChanged(record);
      index = record.nfields++;
    }
  }
  LinkResult result;
  Incref(to);  // first, so replacing a field by itself keeps it alive
  const uint32_t previous = LinksOf(record)[index];
  LinksOf(record)[index] = to;
  if (previous != kNoSlot) {
    result.replaced = VisibleHandleOf(previous);
    Decref(previous);
  }
  result.target_refcount = records_[to].refcount;
  return result;
}

absl::StatusOr<UnlinkResult> ObjectHeap::ClearField(Handle source,
                                                    absl::string_view field) {
  absl::StatusOr<uint32_t> from = ResolveContainer(source, "clear a field of");
  if (!from.ok()) return from.status();
  ObjectRecord& record = records_[*from];
  ObjectExtras& extras = extras_[*from];
  if (!IsFieldHolder(record.type)) {
    return absl::FailedPreconditionError(absl::StrCat(
        "a ", ObjectTypeName(record.type),
        " has items, not fields: remove an item instead (", source, ")"));
  }
  const size_t index = FindField(*from, field);
  if (index == LinksOf(record).size()) {
    // The object exists; the field does not: a state the request does not
    // fit (Python's AttributeError / KeyError), not an unknown name.
    return absl::FailedPreconditionError(
        absl::StrCat("object ", source, " has no field ", Quote(field)));
  }
  const uint32_t target = LinksOf(record)[index];
  if (record.type == ObjectType::kTuple) {
    LinksOf(record)[index] = kNoSlot;
  } else {
    LinksOf(record).erase(LinksOf(record).begin() + index);
    LinksChanged(record);
    field_names_.Release(extras.field_names[index]);
    extras.field_names.erase(extras.field_names.begin() + index);
    --record.nfields;
  }
  return DropLink(target);
}

size_t ObjectHeap::FindField(uint32_t slot, absl::string_view field) const {
  const ObjectRecord& record = records_[slot];
  const ObjectExtras& extras = extras_[slot];
  if (record.type == ObjectType::kTuple) {
    uint64_t i;
    if (ParseSlotName(field, &i) && i < LinksOf(record).size() &&
        LinksOf(record)[i] != kNoSlot) {
      return static_cast<size_t>(i);
    }
    return LinksOf(record).size();
  }
  const uint32_t name = field_names_.Find(field);
  auto it =
      std::find(extras.field_names.begin(), extras.field_names.end(), name);
  if (name == FieldNameInterner::kNotInterned ||
      it == extras.field_names.end()) {
    return LinksOf(record).size();
  }
  return static_cast<size_t>(it - extras.field_names.begin());
}

absl::StatusOr<Referent> ObjectHeap::FieldReferent(
    Handle source, absl::string_view field) const {
  absl::StatusOr<uint32_t> from = ResolveContainer(source, "read a field of");
  if (!from.ok()) return from.status();
  const ObjectRecord& record = records_[*from];
  if (!IsFieldHolder(record.type)) {
    return absl::FailedPreconditionError(
        absl::StrCat("a ", ObjectTypeName(record.type),
                     " has items, not fields: read an item by index instead (",
                     source, ")"));
  }
  const size_t index = FindField(*from, field);
  if (index == LinksOf(record).size()) {
    return absl::FailedPreconditionError(
        absl::StrCat("object ", source, " has no field ", Quote(field)));
  }
  return ReferentAt(LinksOf(record)[index], source);
}

absl::StatusOr<Referent> ObjectHeap::TypeAndSize(Handle handle) const {
  absl::StatusOr<uint32_t> slot = Resolve(handle);
  if (!slot.ok()) return slot.status();
  return ReferentAt(*slot, handle);
}

absl::StatusOr<Referent> ObjectHeap::ReferentAt(uint32_t slot,
                                                Handle source) const {
  // Only an admin's link can have put another tenant's object there; the
  // answer names neither its handle nor that it exists.
  if (!VisibleSlot(slot)) {
    return absl::NotFoundError(absl::StrCat(
        "object ", source, " refers there to no object this caller may use"));
  }
  Referent referent;
  referent.handle = HandleOf(slot);
  referent.type = records_[slot].type;
  referent.size = ObjectSize(records_[slot]);
  return referent;
}

void ObjectHeap::ReleaseFieldNames(uint32_t slot) {
  ObjectExtras& extras = extras_[slot];
  for (uint32_t name : extras.field_names) field_names_.Release(name);
  extras.field_names.clear();
  records_[slot].nfields = 0;
}

// ---------------------------------------------------------------------------
// Items

absl::StatusOr<LinkResult> ObjectHeap::Append(Handle source, Handle target) {
  absl::StatusOr<uint32_t> from = ResolveContainer(source, "append to");
  if (!from.ok()) return from.status();
  absl::StatusOr<uint32_t> to = Resolve(target);
  if (!to.ok()) return to.status();
  ObjectRecord& record = records_[*from];
  ObjectExtras& extras = extras_[*from];
  if (!IsItemHolder(record.type)) {
    return absl::FailedPreconditionError(absl::StrCat(
        "a ", ObjectTypeName(record.type),
        " has fields, not items: set a field instead (", source, ")"));
  }
  LinkResult result;
  if (record.type == ObjectType::kTuple) {
    auto empty =
        std::find(LinksOf(record).begin(), LinksOf(record).end(), kNoSlot);
    if (empty == LinksOf(record).end()) {
      return absl::FailedPreconditionError(
          absl::StrCat("tuple ", source, " has all its ", extras.length,
                       " slots filled: set a slot by index to replace one"));
    }
    *empty = *to;
  } else if (record.type == ObjectType::kSet &&
             std::find(LinksOf(record).begin(), LinksOf(record).end(), *to) !=
                 LinksOf(record).end()) {
    // Adding a member a set already has changes nothing.
    result.target_refcount = records_[*to].refcount;
    return result;
  } else {
    const int64_t entries =
        static_cast<int64_t>(LinksOf(record).size() - record.nfields) + 1;
    absl::Status grown = ResizeItems(*from, entries);
    if (!grown.ok()) return grown;
    LinksOf(record).push_back(*to);
    LinksChanged(record);
  }
  Incref(*to);
  result.target_refcount = records_[*to].refcount;
  return result;
}

absl::StatusOr<UnlinkResult> ObjectHeap::RemoveItem(Handle source,
                                                    Handle item) {
  absl::StatusOr<uint32_t> from = ResolveContainer(source, "remove from");
  if (!from.ok()) return from.status();
  absl::StatusOr<uint32_t> target = Resolve(item);
  if (!target.ok()) return target.status();
  ObjectRecord& record = records_[*from];
  if (record.type != ObjectType::kList && record.type != ObjectType::kSet) {
    return absl::FailedPreconditionError(
        absl::StrCat("only lists and sets remove items; object ", source,
                     " is a ", ObjectTypeName(record.type)));
  }
  auto it = std::find(LinksOf(record).begin() + record.nfields,
                      LinksOf(record).end(), *target);
  if (it == LinksOf(record).end()) {
    return absl::FailedPreconditionError(
        absl::StrCat("object ", item, " is not an item of ", source,
                     " (list.remove(x): x not in list)"));
  }
  LinksOf(record).erase(it);
  LinksChanged(record);
  const int64_t entries =
      static_cast<int64_t>(LinksOf(record).size() - record.nfields);
  // Shrinking wants a new, smaller block first; at the memory limit it may
  // not get one. Then the items stay in the larger block, as after a
  // shrinking realloc that failed: the removal has happened and stands, so
  // the call succeeds (ResizeItems changes nothing when it fails).
  (void)ResizeItems(*from, entries);
  return DropLink(*target);
}

absl::StatusOr<size_t> ObjectHeap::ListPosition(
    uint32_t slot, Handle source, int64_t index,
    absl::string_view operation) const {
  const ObjectRecord& record = records_[slot];
  const int64_t length =
      static_cast<int64_t>(LinksOf(record).size() - record.nfields);
  const int64_t position = index < 0 ? index + length : index;
  if (position < 0 || position >= length) {
    return absl::OutOfRangeError(
        absl::StrCat("list", operation.empty() ? "" : " ", operation, " index ",
                     index, " out of range: list ", source, " has ", length,
                     length == 1 ? " item" : " items"));
  }
  return record.nfields + static_cast<size_t>(position);
}

absl::StatusOr<LinkResult> ObjectHeap::SetItem(Handle source, int64_t index,
                                               Handle target) {
  absl::StatusOr<uint32_t> from = ResolveContainer(source, "set an item of");
  if (!from.ok()) return from.status();
  absl::StatusOr<uint32_t> to = Resolve(target);
  if (!to.ok()) return to.status();
  ObjectRecord& record = records_[*from];
  if (record.type != ObjectType::kList) {
    return absl::FailedPreconditionError(absl::StrCat(
        "only lists set items by index; object ", source, " is a ",
        ObjectTypeName(record.type),
        record.type == ObjectType::kTuple ? " (set its field \"i\" instead)"
                                          : ""));
  }
  absl::StatusOr<size_t> position =
      ListPosition(*from, source, index, "assignment");
  if (!position.ok()) return position.status();
  LinkResult result;
  Incref(*to);  // first, so replacing an item by itself keeps it alive
  const uint32_t previous = LinksOf(record)[*position];
  LinksOf(record)[*position] = *to;
  result.replaced = VisibleHandleOf(previous);
  Decref(previous);
  result.objects_freed = FreePending();
  result.target_refcount = TargetRefcountAfter(target);
  return result;
}

absl::StatusOr<UnlinkResult> ObjectHeap::DeleteItem(Handle source,
                                                    int64_t index) {
  absl::StatusOr<uint32_t> from = ResolveContainer(source, "delete an item of");
  if (!from.ok()) return from.status();
  ObjectRecord& record = records_[*from];
  if (record.type != ObjectType::kList) {
    return absl::FailedPreconditionError(
        absl::StrCat("only lists delete items by index; object ", source,
                     " is a ", ObjectTypeName(record.type)));
  }
  absl::StatusOr<size_t> position =
      ListPosition(*from, source, index, "assignment");
  if (!position.ok()) return position.status();
  const uint32_t target = LinksOf(record)[*position];
  LinksOf(record).erase(LinksOf(record).begin() + *position);
  LinksChanged(record);
  const int64_t entries =
      static_cast<int64_t>(LinksOf(record).size() - record.nfields);
  // As RemoveItem: a failed shrink leaves the items in the larger block.
  (void)ResizeItems(*from, entries);
  return DropLink(target);
}

absl::StatusOr<Referent> ObjectHeap::ItemReferent(Handle source,
                                                  int64_t index) const {
  absl::StatusOr<uint32_t> from = ResolveContainer(source, "read an item of");
  if (!from.ok()) return from.status();
  const ObjectRecord& record = records_[*from];
  if (record.type == ObjectType::kList) {
    absl::StatusOr<size_t> position = ListPosition(*from, source, index, "");
    if (!position.ok()) return position.status();
    return ReferentAt(LinksOf(record)[*position], source);
  }
  if (record.type != ObjectType::kTuple) {
    return absl::FailedPreconditionError(
        absl::StrCat("only lists and tuples read items by index; object ",
                     source, " is a ", ObjectTypeName(record.type)));
  }
  const int64_t length = static_cast<int64_t>(LinksOf(record).size());
  const int64_t position = index < 0 ? index + length : index;
  if (position < 0 || position >= length) {
    return absl::OutOfRangeError(
        absl::StrCat("tuple index ", index, " out of range: tuple ", source,
                     " has ", length, length == 1 ? " slot" : " slots"));
  }
  const uint32_t slot = LinksOf(record)[static_cast<size_t>(position)];
  if (slot == kNoSlot) {
    return absl::FailedPreconditionError(absl::StrCat(
        "slot ", position, " of tuple ", source, " is empty (not yet set)"));
  }
  return ReferentAt(slot, source);
}

UnlinkResult ObjectHeap::DropLink(uint32_t target) {
  UnlinkResult result;
  const Handle released = HandleOf(target);
  const bool visible = VisibleSlot(target);
  Decref(target);
  result.objects_freed = FreePending();
  // Of an object the asking tenant may not see, neither handle nor count.
  if (visible) {
    result.released = released;
    result.released_refcount = TargetRefcountAfter(released);
  }
  return result;
}

int64_t ObjectHeap::TargetRefcountAfter(Handle handle) const {
  const uint32_t slot = LiveSlotOf(handle);
  return slot == kNoSlot ? 0 : records_[slot].refcount;
}

}  // namespace heapd::objects
