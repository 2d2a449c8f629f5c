// ObjectHeap: objects, reference counting and the generational cyclic
// garbage collector, on top of the allocator. CPython 3.12's semantics.
//
// Objects. Every object is a block from the Allocator: its own block (the
// size sys.getsizeof reports, less any items allocation) holds the object
// header and, for containers, CPython's 16-byte GC header in front of it.
// Lists, dicts and sets also hold an items allocation that grows as
// CPython's does (object_type.h). The block's header carries the refcount,
// the type and the object's slot; the rest of the bookkeeping (links, owner
// references, weak references) lives in an ObjectRecord beside it.
//
//   container block:  [ GC header 16 ][ refcount 8 | type, flags, slot 8 ][
//   payload ] atomic block:                     [ refcount 8 | type, flags,
//   slot 8 ][ payload ]
//
// Handles. Inside the heap an object is its slot in the record table and
// the slot's reuse count; a freed slot's count moves on, so a stale handle
// is NOT_FOUND and never reaches freed memory. Clients see the pair
// enciphered under the heap's key (handle_codec.h): stable for the
// object's life, never reused, and unguessable from other handles.
//
// Tenants. Every object belongs to the tenant (the service's identity) of
// the request that allocated it. A request runs with an Access (set by the
// caller for the duration of the request, ScopedAccess): one tenant, or all
// of them. A handle of another tenant is NOT_FOUND with the same message as
// a handle that never existed, so the answer does not reveal that it
// exists; Inspect leaves other tenants' objects out of what it lists.
// Cascading frees and the collector act on the whole heap, whoever's
// request started them.
//
// References. An object's refcount is the number of links to it plus the
// references owners hold (plus one while the collector's `garbage` list
// keeps it, under SAVEALL). Owners are the service's sessions: IncRef and
// DecRef act on one owner's references only, and ReleaseOwner drops all of
// an owner's references at once. Links come from containers: named fields
// (object, dict; tuple slots by index "0".."n-1") replace and release their
// previous referent; items (list, set; append fills a tuple's next free
// slot) are appended and removed. A refcount reaching zero frees the object
// at once and releases its referents, iteratively (a worklist, never
// recursion), so a chain of millions of objects frees on any stack.
//
// The collector is CPython's (Modules/gcmodule.c, 3.12), over the tracked
// containers of the generations being collected:
//   1. gc_refs := refcount for each object;
//   2. for each link between two of them, the target's gc_refs -= 1;
//      what is left is the references from outside the set;
//   3. objects with gc_refs > 0 are reachable, and so is everything they
//      reach; the rest is unreachable;
//   4. survivors move one generation older;
//   5. weak references to unreachable objects are cleared (callbacks run);
//      finalizers (PEP 442) run once per object; objects a finalizer
//      resurrected, and all they reach, survive;
//   6. the rest is garbage: each object's links are cleared, and reference
//      counting frees it all (or, under SAVEALL, it goes to `garbage`).
// Generations 0, 1, 2 with thresholds (700, 10, 10); generation 0 counts
// container allocations minus deallocations; a full collection also waits
// until long-lived pending objects exceed 25% of the long-lived total.
// Automatic collections are scheduled by the allocation that passes the
// threshold and run at the caller's next safe point, CollectIfScheduled()
// (CPython 3.12 runs them at the next eval-breaker check, not inside the
// allocation).
//
// Thread safety: none. Every call runs under the interpreter lock.
#ifndef HEAPD_HEAP_OBJECTS_OBJECT_HEAP_H_
#define HEAPD_HEAP_OBJECTS_OBJECT_HEAP_H_

#include <array>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/container/inlined_vector.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "heap/objects/event_ring.h"
#include "heap/objects/field_name_interner.h"
#include "heap/objects/handle_codec.h"
#include "heap/objects/heap_event.h"
#include "heap/objects/object_type.h"
#include "heap/objects/weak_ref_table.h"
#include "heap/obmalloc/allocator.h"

namespace heapd::objects {

using OwnerId = uint64_t;

// The identity objects belong to (see "Tenants" above).
using TenantId = uint32_t;

// Which objects a request may name and see.
struct Access {
  TenantId tenant = 0;
  bool all_tenants = true;

  // Every object, as an admin or a single-user heap sees them; objects it
  // allocates belong to `tenant`.
  static Access Everything(TenantId tenant = 0) { return {tenant, true}; }
  // Only `tenant`'s objects.
  static Access Only(TenantId tenant) { return {tenant, false}; }
};

// Owners are nonzero; kNoOwner marks a finalizer whose owner is gone.
inline constexpr OwnerId kNoOwner = 0;

// Reported as the generation of frozen objects (gc.freeze()).
inline constexpr int kPermanentGeneration = 3;

// Python's gc debug flags, same bits.
inline constexpr uint32_t kDebugStats = 1;
inline constexpr uint32_t kDebugCollectable = 2;
inline constexpr uint32_t kDebugUncollectable = 4;
inline constexpr uint32_t kDebugSaveAll = 32;
inline constexpr uint32_t kKnownDebugFlags =
    kDebugStats | kDebugCollectable | kDebugUncollectable | kDebugSaveAll;

// What an object's finalizer (__del__) does. It runs at most once per object
// (PEP 442): when the collector finds the object in cyclic garbage, or when
// its refcount reaches zero, whichever comes first.
struct Finalizer {
  enum class Action {
    kNone,              // no finalizer
    kRecord,            // runs, is recorded as an event; the object dies
    kResurrectToOwner,  // gives the allocating owner a new reference; if
                        // that owner was released meanwhile there is no one
                        // to give it to, and the object dies
    kResurrectInto,     // sets field `field` of object `into` to the object
  };
  Action action = Action::kNone;
  Handle into = 0;
  std::string field;
};

struct AllocateSpec {
  ObjectType type = ObjectType::kObject;
  int64_t length = 0;
  Finalizer finalizer;
  // Also create a weak reference to the new object, with or without a
  // callback event.
  bool weakref = false;
  bool weakref_callback = false;
};

struct Allocated {
  Handle handle = 0;
  size_t size = 0;        // sys.getsizeof
  size_t block_size = 0;  // the object's own block
  int size_class = -1;    // -1: raw domain
  WeakRefId weakref = 0;  // 0 unless asked for
};

struct RefCountResult {
  int64_t refcount = 0;          // after the call; 0: freed
  int64_t owner_references = 0;  // the owner's references after the call
  int64_t objects_freed = 0;     // by this call, cascade included
};

struct LinkResult {
  int64_t target_refcount = 0;
  Handle replaced = 0;  // a field's previous referent, or 0
  int64_t objects_freed = 0;
};

struct UnlinkResult {
  Handle released = 0;
  int64_t released_refcount = 0;  // 0: freed
  int64_t objects_freed = 0;
};

// An object a field, an item or a weak reference refers to.
struct Referent {
  Handle handle = 0;
  ObjectType type = ObjectType::kObject;
  size_t size = 0;  // sys.getsizeof
};

struct ReleaseResult {
  int64_t references_released = 0;
  int64_t objects_freed = 0;
};

// One object an owner holds references to.
struct OwnedObject {
  Handle handle = 0;
  int64_t references = 0;  // held by the owner
  bool has_links = false;  // refers to other objects
};

struct FieldLink {
  std::string name;
  Handle target = 0;
};

struct ObjectInfo {
  Handle handle = 0;
  ObjectType type = ObjectType::kObject;
  int64_t length = 0;
  size_t size = 0;
  size_t block_size = 0;
  int size_class = -1;
  int64_t refcount = 0;
  bool tracked = false;
  int generation = -1;  // 0..2, kPermanentGeneration, -1 untracked
  std::vector<FieldLink> fields;
  std::vector<Handle> items;
  std::vector<Handle> referents;
  std::vector<Handle> referrers;
  int64_t owner_references = 0;  // of the asking owner
  bool has_finalizer = false;
  bool finalized = false;
  int64_t weakref_count = 0;
};

struct GcConfig {
  std::array<int64_t, kNumGenerations> thresholds = {700, 10, 10};
  bool enabled = true;
  uint32_t debug_flags = 0;
};

struct GenerationStats {
  int64_t count = 0;    // CPython's counter (gc.get_count())
  int64_t objects = 0;  // tracked objects in it
  int64_t threshold = 0;
  int64_t collections = 0;
  int64_t collected = 0;
  int64_t uncollectable = 0;
};

struct TypeCount {
  int64_t objects = 0;
  int64_t bytes = 0;  // sys.getsizeof summed
};

struct ObjectHeapStats {
  int64_t objects = 0;
  int64_t bytes = 0;
  std::array<TypeCount, kNumObjectTypes> by_type{};
  int64_t weakrefs = 0;
  std::array<GenerationStats, kNumGenerations> generations{};
  int64_t permanent = 0;
  int64_t long_lived_total = 0;
  int64_t long_lived_pending = 0;
  int64_t garbage = 0;
  bool enabled = true;
  uint32_t debug_flags = 0;
  // Full collections run because an Allocate reached a limit.
  int64_t limit_collections = 0;
};

struct ObjectHeapOptions {
  obmalloc::AllocatorLayout layout = obmalloc::AllocatorLayout::Classic();
  GcConfig gc;
  // Collection and other events kept for the service to stream.
  size_t event_capacity = 1024;
  // Limits (0: none). max_bytes caps the memory arenas and raw blocks take
  // from the OS (allocator.h); max_objects the live objects. An Allocate
  // that would pass either runs a full collection and tries once more, then
  // fails with RESOURCE_EXHAUSTED, where CPython raises MemoryError.
  size_t max_bytes = 0;
  int64_t max_objects = 0;
  // The key handles are enciphered under. The service draws a random one
  // (RandomHandleKey); a fixed key makes handles reproducible, for tests.
  HandleKey handle_key;
  // A deliberate collector bug, for the model-based test to show that it
  // catches one (object_heap_model_test.cc): a collection counts the links
  // from older generations and frozen objects as if they came from inside
  // the collected set, so they keep nothing in it alive. Never set it
  // anywhere else.
  bool testing_only_ignore_links_from_older_generations = false;
};

class ObjectHeap;

// Sets a heap's Access for one scope (a request), and restores the previous
// one when it ends.
class ScopedAccess {
 public:
  ScopedAccess(ObjectHeap& heap, const Access& access);
  ~ScopedAccess();
  ScopedAccess(const ScopedAccess&) = delete;
  ScopedAccess& operator=(const ScopedAccess&) = delete;

 private:
  ObjectHeap& heap_;
  const Access previous_;
};

class ObjectHeap {
 public:
  explicit ObjectHeap(const ObjectHeapOptions& options);
  ~ObjectHeap();
  ObjectHeap(const ObjectHeap&) = delete;
  ObjectHeap& operator=(const ObjectHeap&) = delete;

  // --- Access ------------------------------------------------------------

  // What the following calls may name and see; Access::Everything() until
  // set. Callers scope it to one request with ScopedAccess.
  void set_access(const Access& access) { access_ = access; }
  const Access& access() const { return access_; }
  // Whether the object behind `handle` is live and its tenant's (or any
  // tenant's, under Access::Everything()).
  bool Visible(Handle handle) const { return SlotOf(handle) != kNoSlot; }

  // --- Objects and references --------------------------------------------

  // A new object; `owner` holds the one reference to it. INVALID_ARGUMENT
  // for a length the type does not take or out of range, or a finalizer
  // that names a bad target; RESOURCE_EXHAUSTED when memory runs out or a
  // limit (ObjectHeapOptions) would be passed even after the full
  // collection a limit triggers. Growing a container's items (Append,
  // SetField) never collects: it fails at the limit at once.
  absl::StatusOr<Allocated> Allocate(OwnerId owner, const AllocateSpec& spec);

  // Full collections run because an Allocate reached a limit.
  int64_t limit_collections() const { return limit_collections_; }

  // `owner` takes one more reference. NOT_FOUND for an unknown handle.
  absl::StatusOr<RefCountResult> IncRef(OwnerId owner, Handle handle);
  // `owner` drops one of its references; FAILED_PRECONDITION if it holds
  // none (one owner can never release another's references).
  absl::StatusOr<RefCountResult> DecRef(OwnerId owner, Handle handle);
  // Takes back an object Allocate just gave `owner`, as if it had never
  // been made: frees it without running its finalizer or weak-reference
  // callbacks. For a request that fails part-way and must not hand out what
  // it made. FAILED_PRECONDITION unless `owner`'s reference is the only one.
  absl::Status Unallocate(OwnerId owner, Handle handle);
  // Drops every reference `owner` holds. Finalizers that would resurrect
  // into `owner` (kResurrectToOwner) lose their target: the owner has
  // closed, so when they run they resurrect nothing. (Were it otherwise,
  // a resurrected object would be held for ever by an owner that can never
  // drop it.) `owner` may be used again afterwards, as a new owner.
  ReleaseResult ReleaseOwner(OwnerId owner);

  // `source.field = target` (object, dict; tuple slot "0".."n-1").
  absl::StatusOr<LinkResult> SetField(Handle source, absl::string_view field,
                                      Handle target);
  // `source.append(target)` (list; set add; tuple: next empty slot).
  absl::StatusOr<LinkResult> Append(Handle source, Handle target);
  // `del source.field`. FAILED_PRECONDITION when the field is not set.
  absl::StatusOr<UnlinkResult> ClearField(Handle source,
                                          absl::string_view field);
  // `source.remove(item)`: the first item referring to it.
  absl::StatusOr<UnlinkResult> RemoveItem(Handle source, Handle item);
  // `source[index] = target` (list), releasing the previous item; a
  // negative index counts from the end, as in Python. OUT_OF_RANGE unless
  // -len <= index < len (IndexError); FAILED_PRECONDITION for any other
  // type (a tuple's slots are its fields "0".."n-1").
  absl::StatusOr<LinkResult> SetItem(Handle source, int64_t index,
                                     Handle target);
  // `del source[index]` (list), indexed as SetItem.
  absl::StatusOr<UnlinkResult> DeleteItem(Handle source, int64_t index);
  // What `source.field` refers to (object, dict key, tuple slot "i");
  // FAILED_PRECONDITION when the field is not set. Changes nothing: the
  // caller takes its reference (IncRef) under the same lock hold.
  absl::StatusOr<Referent> FieldReferent(Handle source,
                                         absl::string_view field) const;
  // What `source[index]` refers to (list, tuple), indexed as SetItem;
  // FAILED_PRECONDITION for an empty tuple slot or another type.
  absl::StatusOr<Referent> ItemReferent(Handle source, int64_t index) const;
  // The object's type and size, without Inspect's scan for referrers.
  // NOT_FOUND for an unknown handle.
  absl::StatusOr<Referent> TypeAndSize(Handle handle) const;

  // Everything about one object. Its referrers (gc.get_referrers) cost a
  // scan of every object: `with_referrers` false leaves them out and makes
  // the call O(the object's links).
  absl::StatusOr<ObjectInfo> Inspect(Handle handle, OwnerId owner,
                                     bool with_referrers = true) const;
  bool IsAlive(Handle handle) const;
  absl::StatusOr<int64_t> RefCount(Handle handle) const;
  // References `owner` holds to `handle` (0 if none or unknown).
  int64_t OwnerReferences(OwnerId owner, Handle handle) const;
  // The objects `owner` holds references to that the request's Access may
  // see: at most `limit`, those that refer to other objects first, then
  // the rest, each part in no particular order. Looks at no more than
  // `scan_limit` of the owner's references (each a record read: about
  // 0.1 us, more when the heap is far larger than the caches), so that the
  // call is bounded however many the owner holds; handles are made for the
  // ones returned only.
  std::vector<OwnedObject> OwnerHandles(OwnerId owner, size_t limit = SIZE_MAX,
                                        size_t scan_limit = SIZE_MAX) const;
  // The objects of gc.garbage the request's Access may see, in list order.
  std::vector<Handle> GarbageHandles() const;

  // --- Weak references -----------------------------------------------------

  absl::StatusOr<WeakRefId> CreateWeakRef(Handle target, bool callback);
  // The referent, or 0 once it died. NOT_FOUND for an unknown id.
  absl::StatusOr<Handle> WeakRefTarget(WeakRefId id) const;

  // --- The collector -------------------------------------------------------

  // gc.collect(generation). INVALID_ARGUMENT unless 0 <= generation <= 2.
  absl::StatusOr<CollectResult> Collect(int generation);
  // Runs the automatic collection a threshold asked for, if any. Allocate
  // only schedules it, as CPython 3.12 does; callers run it at their safe
  // points (the service: when an operation ends, and between the operations
  // of a batch). Returns whether one ran.
  bool CollectIfScheduled();
  bool collection_scheduled() const { return collection_scheduled_; }

  GcConfig gc_config() const { return gc_; }
  // INVALID_ARGUMENT for negative thresholds or unknown debug flags.
  absl::Status SetGcConfig(const GcConfig& config);
  // gc.freeze(): every tracked object to the permanent generation; returns
  // the permanent generation's size.
  int64_t Freeze();
  // gc.unfreeze(): the permanent generation back into generation 2; returns
  // how many moved.
  int64_t Unfreeze();
  // gc.garbage's length (SAVEALL), and emptying it (`del gc.garbage[:]`).
  int64_t garbage_size() const { return static_cast<int64_t>(garbage_.size()); }
  int64_t ClearGarbage();

  // Events (collections, finalizers, callbacks) since `after_sequence`, at
  // most the ring's capacity, oldest first.
  std::vector<HeapEvent> EventsSince(uint64_t after_sequence) const {
    return events_.Since(after_sequence);
  }
  // The sequence number of the latest event (0 before the first).
  uint64_t last_event_sequence() const { return events_.last_sequence(); }
  // Distinct field names some live object's field holds.
  int64_t interned_names() const {
    return static_cast<int64_t>(field_names_.size());
  }

  ObjectHeapStats Stats() const;
  obmalloc::AllocatorStats AllocatorStatistics() const {
    return allocator_.Stats();
  }
  std::vector<obmalloc::ArenaOccupancy> AllocatorOccupancy() const {
    return allocator_.Occupancy();
  }

  // Checks every invariant: each refcount equals links plus owner
  // references (plus the garbage list), each tracked object is in exactly
  // one generation and each untracked one in none, the generation lists and
  // counters agree, weak references point at live objects or nothing, and
  // the allocator's own invariants. O(objects + links).
  absl::Status Verify() const;

  const obmalloc::Allocator& allocator() const { return allocator_; }

 private:
  friend class ObjectHeapTestPeer;

  static constexpr uint32_t kNoSlot = UINT32_MAX;
  static constexpr int kUntracked = -1;
  // The generation of an object while a collection holds it in its
  // unreachable set: still tracked, in no generation.
  static constexpr int kCollecting = 4;

  // What the collector reads for every object, 40 bytes: the count, the
  // scratch gc_refs and the generation. The links are in links_ (read by
  // the passes that follow references), everything else about an object in
  // its ObjectExtras, read by the operations that need it. Small records
  // matter: a full collection of a million objects is bound by the bytes
  // its passes touch.
  struct ObjectRecord {
    int64_t refcount = 0;
    // Scratch for the collector: gc_refs, or -1 once found reachable.
    int64_t gc_refs = 0;
    void* block = nullptr;      // null: the slot is free
    uint32_t reuse = 1;         // the handle's high half
    uint32_t gen_position = 0;  // index in its generation's vector
    // Fields come first in the links, then items.
    uint32_t nfields = 0;
    int8_t generation = kUntracked;  // 0..2, 3 permanent, -1 untracked
    ObjectType type = ObjectType::kObject;
    // Flags the collector tests for every object live here so that it
    // need not read the object's extras.
    bool finalized : 1 = false;
    bool in_garbage_list : 1 = false;
    bool has_finalizer : 1 = false;
    bool has_weakrefs : 1 = false;
    // !LinksOf(record).empty(): lets the collector skip leaves without
    // reading their links.
    bool has_links : 1 = false;
  };
  static_assert(sizeof(ObjectRecord) == 40);

  // Outgoing links: fields first (names in ObjectExtras::field_names), then
  // items. A tuple's slots are all fields; kNoSlot marks an empty one.
  using Links = absl::InlinedVector<uint32_t, 2>;

  struct ObjectExtras {
    void* items_block = nullptr;  // list/dict/set items allocation
    int64_t length = 0;
    int64_t capacity = 0;  // list/dict/set items capacity
    int64_t external = 0;  // references held by owners
    // The names of the fields, as ids of field_names_.
    absl::InlinedVector<uint32_t, 2> field_names;
    // Who a kResurrectToOwner finalizer resurrects into: the allocating
    // owner until it is released, then kNoOwner.
    OwnerId finalizer_owner = kNoOwner;
    TenantId tenant = 0;
    Finalizer finalizer;
    std::vector<WeakRefId> weakrefs;
  };

  // Call after changing an object's links.
  void LinksChanged(ObjectRecord& record) {
    record.has_links = !LinksOf(record).empty();
  }
  Links& LinksOf(const ObjectRecord& record) {
    return links_[&record - records_.data()];
  }
  const Links& LinksOf(const ObjectRecord& record) const {
    return links_[&record - records_.data()];
  }
  ObjectExtras& ExtrasOf(const ObjectRecord& record) {
    return extras_[&record - records_.data()];
  }
  const ObjectExtras& ExtrasOf(const ObjectRecord& record) const {
    return extras_[&record - records_.data()];
  }

  Handle HandleOf(uint32_t slot) const {
    return codec_.Encode((static_cast<uint64_t>(records_[slot].reuse) << 32) |
                         slot);
  }
  // The slot of a live object, or kNoSlot, whatever its tenant.
  uint32_t LiveSlotOf(Handle handle) const;
  // The slot of a live object the current access may see, or kNoSlot.
  uint32_t SlotOf(Handle handle) const;
  bool VisibleSlot(uint32_t slot) const {
    return access_.all_tenants || extras_[slot].tenant == access_.tenant;
  }
  // A handle, or 0 for an object the current access may not see.
  Handle VisibleHandleOf(uint32_t slot) const {
    return VisibleSlot(slot) ? HandleOf(slot) : 0;
  }
  // The slot of a live object, or NOT_FOUND naming the handle.
  absl::StatusOr<uint32_t> Resolve(Handle handle) const;
  absl::StatusOr<uint32_t> ResolveContainer(Handle handle,
                                            absl::string_view operation) const;

  // Longest field name accepted.
  static constexpr size_t kMaxFieldName = 256;
  // Writes the object header into a new object's block.
  void WriteHeader(uint32_t slot);
  // Raw objects under 16 bytes are too small for a header.
  bool HasHeader(const ObjectRecord& record) const;
  absl::Status ResizeItems(uint32_t slot, int64_t entries);
  size_t ObjectSize(const ObjectRecord& record) const;

  // Reference counting: Decref queues the object for deallocation when its
  // count reaches zero; FreePending frees the queue and whatever that
  // releases, iteratively. Returns the number of objects freed.
  void Incref(uint32_t slot);
  void Decref(uint32_t slot);
  // Mirrors the record's refcount into the block's object header.
  void SyncHeader(uint32_t slot);
  int64_t FreePending();
  // A link to `target` is gone (cleared field, removed item): drops the
  // reference it held, frees what refcounting then frees, and says so.
  UnlinkResult DropLink(uint32_t target);
  // The refcount of `handle`'s object once a call's frees are done; 0 if
  // they freed it.
  int64_t TargetRefcountAfter(Handle handle) const;
  // Frees the object; false if its finalizer resurrected it instead.
  bool Deallocate(uint32_t slot);
  // Runs the object's finalizer once (PEP 442) and records the event.
  void RunFinalizer(uint32_t slot);
  // Settles the object's finalizer (it is running, or never will): the
  // object leaves resurrectors_. Returns the owner it would resurrect into
  // (kNoOwner if none, or released).
  OwnerId SettleResurrector(uint32_t slot);
  // The object loses all its named fields' names (it is being freed or
  // cleared): releases each and leaves it with no fields.
  void ReleaseFieldNames(uint32_t slot);
  // The index in LinksOf of `slot`'s field `field`, or LinksOf's size when
  // it is not set.
  size_t FindField(uint32_t slot, absl::string_view field) const;
  // The index in LinksOf of item `index` (Python's, negative from the end)
  // of list `slot`, or OUT_OF_RANGE naming `source` and `operation`.
  absl::StatusOr<size_t> ListPosition(uint32_t slot, Handle source,
                                      int64_t index,
                                      absl::string_view operation) const;
  // The referent in `slot`, or NOT_FOUND when the caller may not see it.
  absl::StatusOr<Referent> ReferentAt(uint32_t slot, Handle source) const;
  // SetField on slots, without freeing what it releases (it is queued).
  absl::StatusOr<LinkResult> LinkField(uint32_t from, absl::string_view field,
                                       uint32_t to);
  void ClearWeakRefs(uint32_t slot, bool record_callbacks);

  // Generations.
  void Track(uint32_t slot, int generation);
  void Untrack(uint32_t slot);
  void MoveAll(int from, int to);

  // Why an allocation failed when a memory limit is set ("" otherwise).
  std::string MemoryLimitNote() const;
  // One attempt at Allocate, without the collection a limit triggers: the
  // three steps below.
  absl::StatusOr<Allocated> AllocateOnce(OwnerId owner,
                                         const AllocateSpec& spec);
  // INVALID_ARGUMENT for a request no state of the heap could satisfy.
  absl::Status ValidateSpec(const AllocateSpec& spec) const;
  // A free slot holding the new object's block (and a list's items block),
  // or RESOURCE_EXHAUSTED, leaving the heap as it was.
  absl::StatusOr<uint32_t> TakeSlot(const AllocateSpec& spec);
  // Makes the object in `slot` what `spec` asks for, `owner` holding its
  // one reference, and accounts for it.
  Allocated InitializeObject(uint32_t slot, OwnerId owner,
                             const AllocateSpec& spec);

  // The collection itself (collector.cc).
  CollectResult CollectGeneration(int generation, bool automatic);
  void ScheduleIfThresholdPassed();

  obmalloc::Allocator allocator_;
  GcConfig gc_;
  const HandleCodec codec_;
  Access access_;

  std::vector<ObjectRecord> records_;
  std::vector<Links> links_;          // parallel to records_
  std::vector<ObjectExtras> extras_;  // parallel to records_
  std::vector<uint32_t> free_slots_;
  int64_t live_objects_ = 0;
  // What Stats reports, kept up to date by InitializeObject, ResizeItems
  // and Deallocate.
  int64_t live_bytes_ = 0;
  std::array<TypeCount, kNumObjectTypes> type_counts_{};
  const int64_t max_objects_;
  const bool ignore_links_from_older_generations_;
  int64_t limit_collections_ = 0;

  // owner -> slot -> references held.
  absl::flat_hash_map<OwnerId, absl::flat_hash_map<uint32_t, int64_t>> owners_;
  // owner -> the live objects whose kResurrectToOwner finalizer has not run
  // and would resurrect into it: what ReleaseOwner must orphan.
  absl::flat_hash_map<OwnerId, absl::flat_hash_set<uint32_t>> resurrectors_;

  FieldNameInterner field_names_;
  WeakRefTable weakrefs_;

  // Tracked objects of each generation, and the permanent generation.
  std::array<std::vector<uint32_t>, kNumGenerations + 1> generations_;
  std::array<int64_t, kNumGenerations> counts_{};
  std::array<GenerationStats, kNumGenerations> generation_stats_{};
  int64_t long_lived_total_ = 0;
  int64_t long_lived_pending_ = 0;
  bool collection_scheduled_ = false;
  bool collecting_ = false;

  // gc.garbage under SAVEALL: slots the list holds a reference to.
  std::vector<uint32_t> garbage_;

  // Objects whose count reached zero, not yet freed.
  std::vector<uint32_t> pending_free_;

  EventRing events_;
};

}  // namespace heapd::objects

#endif  // HEAPD_HEAP_OBJECTS_OBJECT_HEAP_H_
