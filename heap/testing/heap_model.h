// HeapModel: a reference model of ObjectHeap's observable behaviour, for
// model-based testing (object_heap_model_test.cc).
//
// It keeps the heap's state the plain way (maps keyed by handle, field names
// as strings, each object's generation as a number, no memory) and applies
// every operation as object_heap.h specifies it: refcount = owner references
// + incoming links + 1 while gc.garbage holds it; reference counting frees
// at zero through a LIFO worklist, running a not-yet-run finalizer first
// (PEP 442, which may resurrect); a collection of generations 0..g keeps
// exactly the objects of those generations that a path of links reaches
// from outside them (an owner's reference, gc.garbage's, a link from any
// object of another generation), found by a search of the object graph,
// not by the heap's gc_refs arithmetic, so that a mistake in that
// arithmetic shows as a difference; survivors one generation older, weak
// references to the unreachable cleared with callbacks, finalizers once,
// resurrection of what they made reachable again (by the same rule), then
// SAVEALL or clearing the garbage's links; CPython's counters and
// thresholds deciding when automatic collections run (including the 25%
// long-lived rule of full collections); freeze/unfreeze.
//
// What it leaves out, on purpose: memory (sizes, size classes, the
// allocator) and the order of the generation lists. The order in which the
// collector visits objects only shows in the order of events and in which
// finalizer wins when two resurrect into the same place; tests compare
// events as a multiset and give each resurrecting finalizer its own field of
// a long-lived object (see the test's generator), where order cannot matter.
//
// Handles are the heap's: the test passes the handle the heap returned to
// Allocated(). Weak reference ids are predicted (1, 2, ... as the heap
// numbers them).
//
// Every mutating call returns what the heap's call of the same name returns
// (status code and result), and appends the events it would record to
// events(). Not thread-safe; test code only.
#ifndef HEAPD_HEAP_TESTING_HEAP_MODEL_H_
#define HEAPD_HEAP_TESTING_HEAP_MODEL_H_

#include <array>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "heap/objects/object_heap.h"
#include "heap/objects/object_type.h"

namespace heapd::testing {

// An event, with what the model can predict of it (no time, no sequence).
struct ModelEvent {
  objects::HeapEvent::Kind kind = objects::HeapEvent::Kind::kCollection;
  objects::Handle object = 0;
  objects::WeakRefId weakref = 0;
  bool resurrected = false;
  int generation = 0;
  int64_t examined = 0;
  int64_t collected = 0;
  bool automatic = false;

  auto Key() const {
    return std::make_tuple(static_cast<int>(kind), object, weakref, resurrected,
                           generation, examined, collected, automatic);
  }
  bool operator<(const ModelEvent& other) const { return Key() < other.Key(); }
  bool operator==(const ModelEvent& other) const {
    return Key() == other.Key();
  }
  static ModelEvent From(const objects::HeapEvent& event);
  std::string ToString() const;
};

class HeapModel {
 public:
  // A field of an object or dict, or a tuple slot ("0", "1", ...; target 0
  // while empty).
  struct Field {
    std::string name;
    objects::Handle target = 0;
  };
  struct Object {
    objects::ObjectType type = objects::ObjectType::kObject;
    int64_t length = 0;
    int64_t refcount = 0;
    std::vector<Field> fields;           // object, dict: in the order first set
    std::vector<objects::Handle> items;  // list, set
    int generation = -1;                 // -1 untracked, 0..2, 3 permanent
    objects::Finalizer finalizer;
    objects::OwnerId finalizer_owner = 0;
    objects::TenantId tenant = 0;
    bool finalized = false;
    bool in_garbage_list = false;
    std::vector<objects::WeakRefId> weakrefs;

    // Referents in the heap's order: fields (set slots), then items.
    std::vector<objects::Handle> Links() const;
  };

  // A model of an empty heap with this configuration, its counters at
  // zero, whose next weak reference will be `next_weakref` (1 for a new
  // heap; more for one emptied and reused).
  explicit HeapModel(const objects::GcConfig& gc,
                     objects::WeakRefId next_weakref = 1)
      : gc_(gc), next_weakref_(next_weakref) {}

  // Allocate in two halves: the expected status, then (when OK) the object
  // the heap made, under the heap's handle. Returns the weak reference id
  // the heap should have made (0 unless asked).
  absl::Status CheckAllocate(const objects::AllocateSpec& spec) const;
  objects::WeakRefId Allocated(objects::OwnerId owner,
                               const objects::AllocateSpec& spec,
                               objects::Handle handle);

  absl::StatusOr<objects::RefCountResult> IncRef(objects::OwnerId owner,
                                                 objects::Handle handle);
  absl::StatusOr<objects::RefCountResult> DecRef(objects::OwnerId owner,
                                                 objects::Handle handle);
  objects::ReleaseResult ReleaseOwner(objects::OwnerId owner);
  absl::StatusOr<objects::LinkResult> SetField(objects::Handle source,
                                               const std::string& field,
                                               objects::Handle target);
  absl::StatusOr<objects::LinkResult> Append(objects::Handle source,
                                             objects::Handle target);
  absl::StatusOr<objects::UnlinkResult> ClearField(objects::Handle source,
                                                   const std::string& field);
  absl::StatusOr<objects::UnlinkResult> RemoveItem(objects::Handle source,
                                                   objects::Handle item);
  absl::StatusOr<objects::WeakRefId> CreateWeakRef(objects::Handle target,
                                                   bool callback);
  absl::StatusOr<objects::Handle> WeakRefTarget(objects::WeakRefId id) const;
  absl::StatusOr<objects::CollectResult> Collect(int generation);
  bool CollectIfScheduled();
  absl::Status SetGcConfig(const objects::GcConfig& config);
  int64_t Freeze();
  int64_t Unfreeze();
  int64_t ClearGarbage();

  const std::map<objects::Handle, Object>& objects() const { return objects_; }
  const Object* Find(objects::Handle handle) const;
  // What the following calls may name: one tenant's objects, or all.
  void set_access(const objects::Access& access) { access_ = access; }
  int64_t OwnerReferences(objects::OwnerId owner, objects::Handle handle) const;
  objects::WeakRefId next_weakref() const { return next_weakref_; }
  int64_t garbage_size() const { return static_cast<int64_t>(garbage_.size()); }
  std::vector<ModelEvent>& events() { return events_; }

  // The model's own consistency: every refcount equals the references that
  // exist. Not a check of the heap; a check that the model is right.
  absl::Status SelfCheck() const;

 private:
  Object* Live(objects::Handle handle);
  // Live(handle) if the current access may name it, else null.
  Object* Named(objects::Handle handle);
  bool Visible(const Object& object) const {
    return access_.all_tenants || object.tenant == access_.tenant;
  }
  // The handle's refcount, or 0 if it has been freed.
  int64_t RefcountAfter(objects::Handle handle) const;
  void Incref(objects::Handle handle);
  void Decref(objects::Handle handle);
  int64_t FreePending();
  // A link to `target` is gone: drops its reference and reports it.
  objects::UnlinkResult DropLink(objects::Handle target);
  bool Deallocate(objects::Handle handle);
  void RunFinalizer(objects::Handle handle);
  void ClearWeakRefs(objects::Handle handle);
  // SetField without freeing what it releases.
  absl::StatusOr<objects::LinkResult> LinkField(objects::Handle source,
                                                const std::string& field,
                                                objects::Handle target);
  objects::CollectResult CollectGeneration(int generation, bool automatic);
  // The objects of `set` that a path of links reaches from a reference
  // from outside `set`.
  std::set<objects::Handle> ReachableFromOutside(
      const std::set<objects::Handle>& set) const;

  objects::GcConfig gc_;
  std::map<objects::Handle, Object> objects_;
  objects::Access access_ = objects::Access::Everything();
  std::map<objects::OwnerId, std::map<objects::Handle, int64_t>> owners_;
  struct WeakRef {
    objects::Handle target = 0;  // 0 once cleared
    bool callback = false;
  };
  std::map<objects::WeakRefId, WeakRef> weakrefs_;
  objects::WeakRefId next_weakref_;
  std::vector<objects::Handle> garbage_;
  std::vector<objects::Handle> pending_;
  std::array<int64_t, objects::kNumGenerations> counts_{};
  int64_t long_lived_total_ = 0;
  int64_t long_lived_pending_ = 0;
  bool scheduled_ = false;
  std::vector<ModelEvent> events_;
};

}  // namespace heapd::testing

#endif  // HEAPD_HEAP_TESTING_HEAP_MODEL_H_
