// ObjectHeap's objects: handles, blocks and their headers, allocation,
// inspection and statistics. Reference counting, owners, finalizers and weak
// references are in object_heap_lifetime.cc, fields and items in
// object_heap_links.cc, the collector in collector.cc, the invariant checks
// in object_heap_verify.cc.
#include "heap/objects/object_heap.h"

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace heapd::objects {
namespace {

// The object header at the start of the block (after the GC header for
// containers): CPython's ob_refcnt, then what stands for ob_type.
struct BlockHeader {
  int64_t refcount;
  uint8_t type;
  uint8_t flags;
  uint16_t unused;
  uint32_t slot;
};
static_assert(sizeof(BlockHeader) == kObjectHeaderSize);

BlockHeader* HeaderOf(void* block, ObjectType type) {
  char* p = static_cast<char*>(block);
  if (IsContainer(type)) p += kGcHeaderSize;
  return reinterpret_cast<BlockHeader*>(p);
}

}  // namespace

ObjectHeap::ObjectHeap(const ObjectHeapOptions& options)
    : allocator_(options.layout, options.max_bytes),
      gc_(options.gc),
      codec_(options.handle_key),
      max_objects_(options.max_objects),
      ignore_links_from_older_generations_(
          options.testing_only_ignore_links_from_older_generations),
      events_(options.event_capacity) {}

ObjectHeap::~ObjectHeap() {
  for (ObjectRecord& record : records_) {
    if (record.block != nullptr) allocator_.Free(record.block);
    if (ExtrasOf(record).items_block != nullptr)
      allocator_.Free(ExtrasOf(record).items_block);
  }
}

ScopedAccess::ScopedAccess(ObjectHeap& heap, const Access& access)
    : heap_(heap), previous_(heap.access()) {
  heap_.set_access(access);
}

ScopedAccess::~ScopedAccess() { heap_.set_access(previous_); }

uint32_t ObjectHeap::LiveSlotOf(Handle handle) const {
  if (handle == 0) return kNoSlot;
  const uint64_t plain = codec_.Decode(handle);
  const uint64_t slot = plain & 0xffffffffu;
  const uint32_t reuse = static_cast<uint32_t>(plain >> 32);
  if (slot < records_.size() && records_[slot].block != nullptr &&
      records_[slot].reuse == reuse) {
    return static_cast<uint32_t>(slot);
  }
  return kNoSlot;
}

uint32_t ObjectHeap::SlotOf(Handle handle) const {
  const uint32_t slot = LiveSlotOf(handle);
  return slot != kNoSlot && VisibleSlot(slot) ? slot : kNoSlot;
}

absl::StatusOr<uint32_t> ObjectHeap::Resolve(Handle handle) const {
  const uint32_t slot = SlotOf(handle);
  if (slot != kNoSlot) return slot;
  return absl::NotFoundError(
      absl::StrCat("no object with handle ", handle,
                   ": it was never allocated or has been freed"));
}

absl::StatusOr<uint32_t> ObjectHeap::ResolveContainer(
    Handle handle, absl::string_view operation) const {
  absl::StatusOr<uint32_t> slot = Resolve(handle);
  if (!slot.ok()) return slot;
  const ObjectType type = records_[*slot].type;
  if (!IsContainer(type)) {
    return absl::FailedPreconditionError(absl::StrCat(
        "cannot ", operation, " object ", handle, ": a ", ObjectTypeName(type),
        " holds no references (only tuple, list, dict, "
        "set and object do)"));
  }
  return slot;
}

void ObjectHeap::WriteHeader(uint32_t slot) {
  const ObjectRecord& record = records_[slot];
  if (!HasHeader(record)) return;  // a raw object smaller than a header
  BlockHeader* header = HeaderOf(record.block, record.type);
  header->refcount = record.refcount;
  header->type = static_cast<uint8_t>(record.type);
  header->flags = record.finalized ? 1 : 0;
  header->unused = 0;
  header->slot = slot;
}

bool ObjectHeap::HasHeader(const ObjectRecord& record) const {
  return !(record.type == ObjectType::kRaw &&
           BasicSize(record.type, ExtrasOf(record).length) < kObjectHeaderSize);
}

void ObjectHeap::SyncHeader(uint32_t slot) {
  const ObjectRecord& record = records_[slot];
  if (HasHeader(record)) {
    HeaderOf(record.block, record.type)->refcount = record.refcount;
  }
}

size_t ObjectHeap::ObjectSize(const ObjectRecord& record) const {
  return BasicSize(record.type, ExtrasOf(record).length) +
         ItemsAllocationSize(record.type, ExtrasOf(record).capacity);
}

std::string ObjectHeap::MemoryLimitNote() const {
  const obmalloc::MemoryLimit& limit = allocator_.memory_limit();
  if (limit.limit() == 0) return "";
  return absl::StrCat(": the heap's memory limit (max_bytes ", limit.limit(),
                      ") allows no more; ", limit.charged(),
                      " bytes of arenas and large blocks are in use");
}

// ---------------------------------------------------------------------------
// Allocation

absl::StatusOr<Allocated> ObjectHeap::Allocate(OwnerId owner,
                                               const AllocateSpec& spec) {
  absl::StatusOr<Allocated> result = AllocateOnce(owner, spec);
  const bool limited =
      allocator_.memory_limit().limit() != 0 || max_objects_ != 0;
  if (result.ok() || !absl::IsResourceExhausted(result.status()) || !limited ||
      collecting_) {
    return result;
  }
  // At a limit: a full collection may free enough (CPython raises
  // MemoryError at once; a service that caps memory should first reclaim
  // the cycles it holds). Recorded as an automatic collection.
  ++limit_collections_;
  const CollectResult collected =
      CollectGeneration(kNumGenerations - 1, /*automatic=*/true);
  result = AllocateOnce(owner, spec);
  if (result.ok() || !absl::IsResourceExhausted(result.status())) {
    return result;
  }
  return absl::ResourceExhaustedError(absl::StrCat(
      result.status().message(), " (a full collection first freed ",
      collected.collected, " objects; heap memory ",
      allocator_.memory_limit().charged(), " of ",
      allocator_.memory_limit().limit() == 0
          ? std::string("unlimited")
          : absl::StrCat(allocator_.memory_limit().limit()),
      " bytes, ", live_objects_, " of ",
      max_objects_ == 0 ? std::string("unlimited") : absl::StrCat(max_objects_),
      " objects)"));
}

absl::StatusOr<Allocated> ObjectHeap::AllocateOnce(OwnerId owner,
                                                   const AllocateSpec& spec) {
  if (absl::Status valid = ValidateSpec(spec); !valid.ok()) return valid;
  absl::StatusOr<uint32_t> slot = TakeSlot(spec);
  if (!slot.ok()) return slot.status();
  return InitializeObject(*slot, owner, spec);
}

absl::Status ObjectHeap::ValidateSpec(const AllocateSpec& spec) const {
  const ObjectType type = spec.type;
  if (!HasLength(type) && spec.length != 0) {
    return absl::InvalidArgumentError(absl::StrCat("a ", ObjectTypeName(type),
                                                   " takes no length (got ",
                                                   spec.length, ")"));
  }
  if (spec.length < 0 || spec.length > MaxLength(type)) {
    return absl::InvalidArgumentError(
        absl::StrCat("length ", spec.length, " is out of range for ",
                     ObjectTypeName(type), ": 0..", MaxLength(type)));
  }
  if (spec.finalizer.action != Finalizer::Action::kResurrectInto) {
    return absl::OkStatus();
  }
  const uint32_t into = SlotOf(spec.finalizer.into);
  if (into == kNoSlot) {
    // A handle the caller may not use, as everywhere: NOT_FOUND.
    return absl::NotFoundError(absl::StrCat("finalizer resurrects into ",
                                            spec.finalizer.into,
                                            ", which is not a live object"));
  }
  const ObjectType into_type = records_[into].type;
  if ((into_type != ObjectType::kObject && into_type != ObjectType::kDict) ||
      spec.finalizer.field.empty()) {
    return absl::InvalidArgumentError(
        "a finalizer resurrects into a field of an object or dict: give "
        "both the object and a non-empty field name");
  }
  // A name SetField would refuse could never be set; and every object
  // of the request keeps a copy of it.
  if (spec.finalizer.field.size() > kMaxFieldName) {
    return absl::InvalidArgumentError(
        absl::StrCat("a finalizer's field name is at most ", kMaxFieldName,
                     " bytes (got ", spec.finalizer.field.size(), ")"));
  }
  return absl::OkStatus();
}

absl::StatusOr<uint32_t> ObjectHeap::TakeSlot(const AllocateSpec& spec) {
  // After the checks of the request itself: a malformed request is
  // INVALID_ARGUMENT whatever the heap holds, and costs no collection.
  if (max_objects_ != 0 && live_objects_ >= max_objects_) {
    return absl::ResourceExhaustedError(absl::StrCat(
        "the heap's object limit (max_objects ", max_objects_, ") is reached"));
  }
  const ObjectType type = spec.type;
  const size_t basic = BasicSize(type, spec.length);
  void* block = allocator_.Allocate(basic);
  if (block == nullptr) {
    return absl::ResourceExhaustedError(
        absl::StrCat("out of memory allocating a ", basic, "-byte ",
                     ObjectTypeName(type), MemoryLimitNote()));
  }
  // A list made with a length has room for that many items from the start.
  void* items = nullptr;
  const int64_t capacity = type == ObjectType::kList ? spec.length : 0;
  if (capacity > 0) {
    items = allocator_.Allocate(ItemsAllocationSize(type, capacity));
    if (items == nullptr) {
      allocator_.Free(block);
      return absl::ResourceExhaustedError(
          absl::StrCat("out of memory allocating a list of capacity ", capacity,
                       MemoryLimitNote()));
    }
  }
  uint32_t slot;
  if (!free_slots_.empty()) {
    slot = free_slots_.back();
    free_slots_.pop_back();
  } else {
    if (records_.size() >= kNoSlot) {
      if (items != nullptr) allocator_.Free(items);
      allocator_.Free(block);
      return absl::ResourceExhaustedError("the object table is full");
    }
    slot = static_cast<uint32_t>(records_.size());
    records_.emplace_back();
    links_.emplace_back();
    extras_.emplace_back();
  }
  // 0 means "no object" in the API: a pair the key enciphers to 0 (one in
  // 2^64) is skipped.
  if (HandleOf(slot) == 0) ++records_[slot].reuse;
  records_[slot].block = block;
  extras_[slot].items_block = items;
  extras_[slot].capacity = capacity;
  return slot;
}

Allocated ObjectHeap::InitializeObject(uint32_t slot, OwnerId owner,
                                       const AllocateSpec& spec) {
  const ObjectType type = spec.type;
  ObjectRecord& record = records_[slot];
  ObjectExtras& extras = extras_[slot];
  record.type = type;
  extras.length = spec.length;
  record.refcount = 1;
  record.finalized = false;
  record.in_garbage_list = false;
  record.has_finalizer = spec.finalizer.action != Finalizer::Action::kNone;
  record.has_weakrefs = false;
  extras.external = 1;
  extras.tenant = access_.tenant;
  extras.field_names.clear();
  extras.finalizer = spec.finalizer;
  extras.finalizer_owner = owner;
  if (spec.finalizer.action == Finalizer::Action::kResurrectToOwner) {
    resurrectors_[owner].insert(slot);
  }
  // A tuple's slots exist from the start, empty.
  const size_t tuple_slots =
      type == ObjectType::kTuple ? static_cast<size_t>(spec.length) : 0;
  LinksOf(record).assign(tuple_slots, kNoSlot);
  LinksChanged(record);
  record.nfields = static_cast<uint32_t>(tuple_slots);
  WriteHeader(slot);
  ++live_objects_;
  const int64_t size = static_cast<int64_t>(ObjectSize(record));
  TypeCount& count = type_counts_[static_cast<int>(type)];
  ++count.objects;
  count.bytes += size;
  live_bytes_ += size;
  owners_[owner][slot] += 1;
  if (IsContainer(type)) Track(slot, 0);

  Allocated result;
  result.handle = HandleOf(slot);
  result.size = ObjectSize(record);
  result.block_size = allocator_.BlockSize(record.block);
  obmalloc::BlockLocation location;
  result.size_class =
      allocator_.Locate(record.block, &location) ? location.size_class : -1;
  if (spec.weakref) {
    // The object was just made: its handle resolves.
    result.weakref = *CreateWeakRef(result.handle, spec.weakref_callback);
  }
  if (IsContainer(type)) {
    ++counts_[0];
    // CPython 3.12 only schedules the collection here; it runs at the next
    // safe point (CollectIfScheduled), after the operation.
    ScheduleIfThresholdPassed();
  }
  return result;
}

// ---------------------------------------------------------------------------
// Inspection and statistics

bool ObjectHeap::IsAlive(Handle handle) const {
  return SlotOf(handle) != kNoSlot;
}

absl::StatusOr<int64_t> ObjectHeap::RefCount(Handle handle) const {
  absl::StatusOr<uint32_t> slot = Resolve(handle);
  if (!slot.ok()) return slot.status();
  return records_[*slot].refcount;
}

absl::StatusOr<ObjectInfo> ObjectHeap::Inspect(Handle handle, OwnerId owner,
                                               bool with_referrers) const {
  absl::StatusOr<uint32_t> slot = Resolve(handle);
  if (!slot.ok()) return slot.status();
  const ObjectRecord& record = records_[*slot];
  const ObjectExtras& extras = extras_[*slot];
  ObjectInfo info;
  info.handle = handle;
  info.type = record.type;
  info.length = extras.length;
  info.size = ObjectSize(record);
  info.block_size = allocator_.BlockSize(record.block);
  obmalloc::BlockLocation location;
  info.size_class =
      allocator_.Locate(record.block, &location) ? location.size_class : -1;
  info.refcount = record.refcount;
  info.tracked = record.generation != kUntracked;
  info.generation = record.generation;
  for (size_t i = 0; i < LinksOf(record).size(); ++i) {
    const uint32_t target = LinksOf(record)[i];
    if (i < record.nfields) {
      if (target == kNoSlot) continue;
      // Links to objects the asking tenant may not see are left out.
      if (!VisibleSlot(target)) continue;
      info.fields.push_back(
          FieldLink{record.type == ObjectType::kTuple
                        ? absl::StrCat(i)
                        : field_names_.Text(extras.field_names[i]),
                    HandleOf(target)});
    } else {
      if (!VisibleSlot(target)) continue;
      info.items.push_back(HandleOf(target));
    }
    if (target != kNoSlot) info.referents.push_back(HandleOf(target));
  }
  // gc.get_referrers: a scan of every container, as CPython's is.
  for (uint32_t s = 0; with_referrers && s < records_.size(); ++s) {
    const ObjectRecord& other = records_[s];
    if (other.block == nullptr || !VisibleSlot(s)) continue;
    if (std::find(LinksOf(other).begin(), LinksOf(other).end(), *slot) !=
        LinksOf(other).end()) {
      info.referrers.push_back(HandleOf(s));
    }
  }
  info.owner_references = OwnerReferences(owner, handle);
  info.has_finalizer = extras.finalizer.action != Finalizer::Action::kNone;
  info.finalized = record.finalized;
  info.weakref_count = static_cast<int64_t>(extras.weakrefs.size());
  return info;
}

ObjectHeapStats ObjectHeap::Stats() const {
  // Counters kept as objects come and go, so that this costs the same
  // whatever the heap holds (the service calls it under the interpreter
  // lock); Verify checks them against a walk.
  ObjectHeapStats stats;
  stats.objects = live_objects_;
  stats.bytes = live_bytes_;
  stats.by_type = type_counts_;
  stats.weakrefs = static_cast<int64_t>(weakrefs_.size());
  stats.limit_collections = limit_collections_;
  for (int g = 0; g < kNumGenerations; ++g) {
    stats.generations[g] = generation_stats_[g];
    stats.generations[g].count = counts_[g];
    stats.generations[g].objects = static_cast<int64_t>(generations_[g].size());
    stats.generations[g].threshold = gc_.thresholds[g];
  }
  stats.permanent =
      static_cast<int64_t>(generations_[kPermanentGeneration].size());
  stats.long_lived_total = long_lived_total_;
  stats.long_lived_pending = long_lived_pending_;
  stats.garbage = garbage_size();
  stats.enabled = gc_.enabled;
  stats.debug_flags = gc_.debug_flags;
  return stats;
}

}  // namespace heapd::objects
