#include "heap/objects/model_runner.h"

#include <algorithm>
#include <cstdint>
#include <set>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "heap/testing/heap_model.h"

namespace heapd::objects::model_test {
namespace {

template <typename T>
std::string StatusText(const absl::StatusOr<T>& s) {
  return s.ok() ? "OK" : absl::StatusCodeToString(s.status().code());
}

// Runs a sequence on a heap and on the model side by side. Returns "" or
// what differed first; `trace` receives each executed step, resolved.
class Runner {
 public:
  // `heap` is empty, its counters at zero (a new heap, or one that
  // EmptyHeap() emptied); its next weak reference id is `next_weakref`.
  // `verify_every_step`: ObjectHeap::Verify() after every step, not only
  // after collections and at the end.
  Runner(const SequenceConfig& config, ObjectHeap& heap, WeakRefId next_weakref,
         bool verify_every_step, std::vector<std::string>* trace)
      : config_(config),
        trace_(trace),
        heap_(heap),
        verify_every_step_(verify_every_step),
        model_(config.gc, next_weakref) {
    for (const HeapEvent& event : heap_.EventsSince(0)) {
      last_event_ = event.sequence;
    }
  }

  WeakRefId next_weakref() const { return model_.next_weakref(); }

  std::string Run() {
    if (absl::Status s = heap_.SetGcConfig(config_.gc); !s.ok()) {
      return s.ToString();
    }
    // The root: a dict that lives as long as the sequence (owner 9 never
    // lets go), into which finalizers resurrect, each under its own field.
    AllocateSpec root;
    root.type = ObjectType::kDict;
    absl::StatusOr<Allocated> allocated = heap_.Allocate(kRootOwner, root);
    if (!allocated.ok()) return "the root could not be allocated";
    model_.Allocated(kRootOwner, root, allocated->handle);
    handles_.push_back(allocated->handle);
    if (std::string e = AfterStep(false); !e.empty()) return e;
    for (size_t i = 0; i < config_.steps.size(); ++i) {
      const Step& step = config_.steps[i];
      std::string e = ExecuteAs(step);
      if (e.empty())
        e = AfterStep(step.op == Step::kCollect ||
                      i + 1 == config_.steps.size());
      if (!e.empty()) return absl::StrCat("after step ", i, ": ", e);
    }
    if (absl::Status s = model_.SelfCheck(); !s.ok()) return s.ToString();
    return "";
  }

 private:
  // Tenants: owners 1 and 2 each see only their own objects; owner 3 is an
  // admin (its own tenant, every object in reach); the root's owner
  // allocates as tenant 0 and sees everything.
  static Access AccessOf(OwnerId owner) {
    if (owner == 1 || owner == 2)
      return Access::Only(static_cast<TenantId>(owner));
    return Access::Everything(
        owner == kRootOwner ? 0 : static_cast<TenantId>(owner));
  }

  // The handles a step names as its arguments.
  std::vector<Handle> Named(const Step& s) const {
    switch (s.op) {
      case Step::kIncRef:
      case Step::kDecRef:
      case Step::kClearField:
      case Step::kCreateWeakRef:
        return {Pick(s.a)};
      case Step::kSetField:
      case Step::kAppend:
      case Step::kRemoveItem:
        return {Pick(s.a), Pick(s.b)};
      case Step::kAllocate:
        if (s.finalizer == 3 || s.finalizer == 5) return {handles_[0]};
        return {};
      default:
        return {};
    }
  }

  // What Inspect says of an object, whoever asks.
  std::string Describe(Handle handle) {
    ScopedAccess everything(heap_, Access::Everything());
    absl::StatusOr<ObjectInfo> info = heap_.Inspect(handle, 1);
    if (!info.ok()) return info.status().ToString();
    return absl::StrCat(
        "refcount ", info->refcount, " generation ", info->generation,
        " referents ", absl::StrJoin(info->referents, ","), " referrers ",
        absl::StrJoin(info->referrers, ","), " weakrefs ", info->weakref_count);
  }

  // Runs the step with its owner's access, and checks that a step of a
  // limited tenant naming another tenant's object changed nothing of it
  // (the model predicts the NOT_FOUND; this states the isolation itself).
  std::string ExecuteAs(const Step& s) {
    const Access access = AccessOf(s.owner);
    std::vector<std::pair<Handle, std::string>> foreign;
    if (!access.all_tenants) {
      for (Handle h : Named(s)) {
        const testing::HeapModel::Object* o = model_.Find(h);
        if (o != nullptr && o->tenant != access.tenant) {
          foreign.emplace_back(h, Describe(h));
        }
      }
    }
    std::string e;
    {
      ScopedAccess scoped(heap_, access);
      model_.set_access(access);
      e = Execute(s);
      model_.set_access(Access::Everything());
    }
    for (const auto& [h, before] : foreign) {
      if (!e.empty()) break;
      if (const std::string after = Describe(h); after != before) {
        e = absl::StrCat("tenant ", access.tenant, " changed ", Name(h),
                         " of another tenant: ", before, " -> ", after);
      }
    }
    return e;
  }

  Handle Pick(uint32_t pick) const {
    // Made up: a value the heap's key deciphers to a slot and reuse count
    // no live object has (odds of a hit: live objects in 2^64).
    if (pick % 16 == 15) return (uint64_t{7} << 32) | 0x80000000u | (pick >> 8);
    return handles_[pick % handles_.size()];
  }

  std::string Name(Handle handle) const {
    auto it = std::find(handles_.begin(), handles_.end(), handle);
    if (it == handles_.end()) return absl::StrCat("made-up ", handle);
    std::string name = absl::StrCat("#", it - handles_.begin());
    if (const testing::HeapModel::Object* o = model_.Find(handle)) {
      absl::StrAppend(&name, "(", ObjectTypeName(o->type), ")");
    } else {
      absl::StrAppend(&name, "(dead)");
    }
    return name;
  }

  void Trace(std::string line) {
    if (trace_ != nullptr) trace_->push_back(std::move(line));
  }

  template <typename T>
  static std::string CompareStatus(const char* what,
                                   const absl::StatusOr<T>& heap,
                                   const absl::StatusOr<T>& model) {
    if (heap.ok() == model.ok() &&
        (heap.ok() || heap.status().code() == model.status().code())) {
      return "";
    }
    return absl::StrCat(what, ": heap says ",
                        heap.ok() ? "OK" : heap.status().ToString(),
                        ", model says ", StatusText(model));
  }

  static std::string Differ(const char* what, int64_t heap, int64_t model) {
    if (heap == model) return "";
    return absl::StrCat(what, ": heap ", heap, ", model ", model);
  }

  std::string Execute(const Step& s) {
    switch (s.op) {
      case Step::kBurst:
        for (int64_t i = 0; i < s.length; ++i) {
          Step one;
          one.op = Step::kAllocate;
          one.owner = s.owner;
          one.type = i % 2 ? ObjectType::kList : ObjectType::kObject;
          std::string e = Execute(one);
          // The last one's safe point is the step's.
          if (e.empty() && i + 1 < s.length) e = AfterStep(false);
          if (!e.empty()) return e;
        }
        return "";
      case Step::kAllocate: {
        AllocateSpec spec;
        spec.type = s.type;
        spec.length = s.length;
        spec.weakref = s.weakref;
        spec.weakref_callback = s.callback;
        const Handle root = handles_[0];
        switch (s.finalizer) {
          case 1:
            spec.finalizer.action = Finalizer::Action::kRecord;
            break;
          case 2:
            spec.finalizer.action = Finalizer::Action::kResurrectToOwner;
            break;
          case 3:
          case 4:
          case 5:
            spec.finalizer.action = Finalizer::Action::kResurrectInto;
            spec.finalizer.into =
                s.finalizer == 4 ? (uint64_t{7} << 32) | 0x80000003u : root;
            if (s.finalizer != 5) {
              spec.finalizer.field = absl::StrCat("r", handles_.size());
            }
            break;
          default:
            break;
        }
        Trace(absl::StrCat(
            "allocate #", handles_.size(), ": owner ", s.owner, " ",
            ObjectTypeName(s.type), " length ", s.length, " finalizer ",
            s.finalizer,
            s.weakref ? (s.callback ? " weakref+callback" : " weakref") : ""));
        const absl::Status expected = model_.CheckAllocate(spec);
        absl::StatusOr<Allocated> got = heap_.Allocate(s.owner, spec);
        if (got.ok() != expected.ok() ||
            (!got.ok() && got.status().code() != expected.code())) {
          return absl::StrCat("Allocate: heap says ",
                              got.ok() ? "OK" : got.status().ToString(),
                              ", model says ", expected.ToString());
        }
        if (!got.ok()) return "";
        handles_.push_back(got->handle);
        const WeakRefId weakref = model_.Allocated(s.owner, spec, got->handle);
        if (weakref != 0) weakrefs_.push_back(weakref);
        return Differ("Allocate's weak reference id", got->weakref, weakref);
      }
      case Step::kIncRef:
      case Step::kDecRef: {
        const Handle h = Pick(s.a);
        const bool inc = s.op == Step::kIncRef;
        Trace(absl::StrCat(inc ? "incref " : "decref ", Name(h), " by owner ",
                           s.owner));
        absl::StatusOr<RefCountResult> heap =
            inc ? heap_.IncRef(s.owner, h) : heap_.DecRef(s.owner, h);
        absl::StatusOr<RefCountResult> model =
            inc ? model_.IncRef(s.owner, h) : model_.DecRef(s.owner, h);
        if (std::string e =
                CompareStatus(inc ? "IncRef" : "DecRef", heap, model);
            !e.empty() || !heap.ok()) {
          return e;
        }
        return Differ("refcount", heap->refcount, model->refcount) +
               Differ("owner references", heap->owner_references,
                      model->owner_references) +
               Differ("objects freed", heap->objects_freed,
                      model->objects_freed);
      }
      case Step::kReleaseOwner: {
        Trace(absl::StrCat("release owner ", s.owner));
        const ReleaseResult heap = heap_.ReleaseOwner(s.owner);
        const ReleaseResult model = model_.ReleaseOwner(s.owner);
        return Differ("references released", heap.references_released,
                      model.references_released) +
               Differ("objects freed", heap.objects_freed, model.objects_freed);
      }
      case Step::kSetField:
      case Step::kAppend: {
        const Handle from = Pick(s.a), to = Pick(s.b);
        const bool append = s.op == Step::kAppend;
        Trace(append ? absl::StrCat("append ", Name(to), " to ", Name(from))
                     : absl::StrCat("set ", Name(from), ".\"", kFields[s.field],
                                    "\" = ", Name(to)));
        absl::StatusOr<LinkResult> heap =
            append ? heap_.Append(from, to)
                   : heap_.SetField(from, kFields[s.field], to);
        absl::StatusOr<LinkResult> model =
            append ? model_.Append(from, to)
                   : model_.SetField(from, kFields[s.field], to);
        if (std::string e =
                CompareStatus(append ? "Append" : "SetField", heap, model);
            !e.empty() || !heap.ok()) {
          return e;
        }
        return Differ("target refcount", heap->target_refcount,
                      model->target_refcount) +
               Differ("replaced", heap->replaced, model->replaced) +
               Differ("objects freed", heap->objects_freed,
                      model->objects_freed);
      }
      case Step::kClearField:
      case Step::kRemoveItem: {
        const Handle from = Pick(s.a), item = Pick(s.b);
        const bool clear = s.op == Step::kClearField;
        Trace(clear
                  ? absl::StrCat("del ", Name(from), ".\"", kFields[s.field],
                                 "\"")
                  : absl::StrCat("remove ", Name(item), " from ", Name(from)));
        absl::StatusOr<UnlinkResult> heap =
            clear ? heap_.ClearField(from, kFields[s.field])
                  : heap_.RemoveItem(from, item);
        absl::StatusOr<UnlinkResult> model =
            clear ? model_.ClearField(from, kFields[s.field])
                  : model_.RemoveItem(from, item);
        if (std::string e =
                CompareStatus(clear ? "ClearField" : "RemoveItem", heap, model);
            !e.empty() || !heap.ok()) {
          return e;
        }
        return Differ("released", heap->released, model->released) +
               Differ("released refcount", heap->released_refcount,
                      model->released_refcount) +
               Differ("objects freed", heap->objects_freed,
                      model->objects_freed);
      }
      case Step::kCollect: {
        Trace(absl::StrCat("collect ", s.generation));
        absl::StatusOr<CollectResult> heap = heap_.Collect(s.generation);
        absl::StatusOr<CollectResult> model = model_.Collect(s.generation);
        if (std::string e = CompareStatus("Collect", heap, model);
            !e.empty() || !heap.ok()) {
          return e;
        }
        std::string e = Differ("examined", heap->examined, model->examined) +
                        Differ("collected", heap->collected, model->collected);
        if (e.empty() && s.generation == 2) e = CheckReachability();
        return e;
      }
      case Step::kFreeze:
        Trace("freeze");
        return Differ("frozen", heap_.Freeze(), model_.Freeze());
      case Step::kUnfreeze:
        Trace("unfreeze");
        return Differ("unfrozen", heap_.Unfreeze(), model_.Unfreeze());
      case Step::kSetGcConfig: {
        Trace(absl::StrCat("gc config thresholds ",
                           absl::StrJoin(s.gc.thresholds, "/"),
                           s.gc.enabled ? " enabled" : " disabled", " flags ",
                           s.gc.debug_flags));
        const absl::Status heap = heap_.SetGcConfig(s.gc);
        const absl::Status model = model_.SetGcConfig(s.gc);
        return Differ("SetGcConfig code", static_cast<int>(heap.code()),
                      static_cast<int>(model.code()));
      }
      case Step::kCreateWeakRef: {
        const Handle h = Pick(s.a);
        Trace(absl::StrCat("weakref to ", Name(h),
                           s.callback ? " with callback" : ""));
        absl::StatusOr<WeakRefId> heap = heap_.CreateWeakRef(h, s.callback);
        absl::StatusOr<WeakRefId> model = model_.CreateWeakRef(h, s.callback);
        if (std::string e = CompareStatus("CreateWeakRef", heap, model);
            !e.empty() || !heap.ok()) {
          return e;
        }
        weakrefs_.push_back(*model);
        return Differ("weak reference id", *heap, *model);
      }
      case Step::kClearGarbage:
        Trace("clear gc.garbage");
        return Differ("garbage cleared", heap_.ClearGarbage(),
                      model_.ClearGarbage());
    }
    return "unknown step";
  }

  std::string AfterStep(bool deep) {
    // The checks read the whole heap, whoever's step ran (a burst's safe
    // points run inside its step).
    ScopedAccess everything(heap_, Access::Everything());
    // The request's safe point.
    const bool heap_collected = heap_.CollectIfScheduled();
    const bool model_collected = model_.CollectIfScheduled();
    if (heap_collected != model_collected) {
      return absl::StrCat("automatic collection: heap ",
                          heap_collected ? "ran one" : "did not", ", model ",
                          model_collected ? "did" : "did not");
    }
    if (verify_every_step_ || deep) {
      if (absl::Status s = heap_.Verify(); !s.ok()) return s.ToString();
    }
    // Events, as multisets.
    std::vector<testing::ModelEvent> heap_events;
    for (const HeapEvent& event : heap_.EventsSince(last_event_)) {
      heap_events.push_back(testing::ModelEvent::From(event));
      last_event_ = event.sequence;
    }
    std::vector<testing::ModelEvent>& model_events = model_.events();
    std::sort(heap_events.begin(), heap_events.end());
    std::sort(model_events.begin(), model_events.end());
    if (heap_events != model_events) {
      auto text = [](const std::vector<testing::ModelEvent>& events) {
        std::vector<std::string> lines;
        for (const testing::ModelEvent& e : events)
          lines.push_back(e.ToString());
        return absl::StrCat("[", absl::StrJoin(lines, "; "), "]");
      };
      return absl::StrCat("events differ: heap ", text(heap_events), ", model ",
                          text(model_events));
    }
    model_events.clear();
    // Every object the model holds, alive with its refcount; nothing else.
    for (const auto& [handle, object] : model_.objects()) {
      absl::StatusOr<int64_t> refcount = heap_.RefCount(handle);
      if (!refcount.ok()) {
        return absl::StrCat(Name(handle),
                            " is dead in the heap, alive in "
                            "the model");
      }
      if (*refcount != object.refcount) {
        return absl::StrCat(Name(handle), ": refcount ", *refcount,
                            " in the heap, ", object.refcount, " in the model");
      }
    }
    for (Handle handle : handles_) {
      if (heap_.IsAlive(handle) && model_.Find(handle) == nullptr) {
        return absl::StrCat(Name(handle),
                            " is alive in the heap, dead in "
                            "the model");
      }
    }
    if (std::string e =
            Differ("gc.garbage", heap_.garbage_size(), model_.garbage_size());
        !e.empty()) {
      return e;
    }
    return deep ? CompareInFull() : "";
  }

  std::string CompareInFull() {
    ScopedAccess everything(heap_, Access::Everything());
    // Objects the sequence did not allocate would be missed above.
    if (std::string e = Differ("objects", heap_.Stats().objects,
                               static_cast<int64_t>(model_.objects().size()));
        !e.empty()) {
      return e;
    }
    for (const auto& [handle, object] : model_.objects()) {
      absl::StatusOr<ObjectInfo> info = heap_.Inspect(handle, 1);
      if (!info.ok()) return info.status().ToString();
      const std::string name = Name(handle);
      std::vector<FieldLink> fields;
      std::vector<Handle> referents;
      for (const testing::HeapModel::Field& f : object.fields) {
        if (f.target != 0) fields.push_back(FieldLink{f.name, f.target});
      }
      std::vector<Handle> links = object.Links();
      if (handle == handles_[0]) {
        // The root's fields are set by finalizers, whose order within one
        // cascade or collection the model does not predict.
        auto by_name = [](const FieldLink& x, const FieldLink& y) {
          return x.name < y.name;
        };
        std::sort(fields.begin(), fields.end(), by_name);
        std::sort(info->fields.begin(), info->fields.end(), by_name);
        std::sort(links.begin(), links.end());
        std::sort(info->referents.begin(), info->referents.end());
      }
      bool fields_equal = fields.size() == info->fields.size();
      for (size_t i = 0; fields_equal && i < fields.size(); ++i) {
        fields_equal = fields[i].name == info->fields[i].name &&
                       fields[i].target == info->fields[i].target;
      }
      if (!fields_equal) return absl::StrCat(name, ": fields differ");
      if (info->items != object.items) {
        return absl::StrCat(name, ": items differ");
      }
      if (info->referents != links) {
        return absl::StrCat(name, ": referents differ");
      }
      std::string e =
          Differ("generation", info->generation, object.generation) +
          Differ("finalized", info->finalized, object.finalized) +
          Differ("has finalizer", info->has_finalizer,
                 object.finalizer.action != Finalizer::Action::kNone) +
          Differ("weak references", info->weakref_count,
                 static_cast<int64_t>(object.weakrefs.size())) +
          Differ("length", info->length, object.length);
      for (OwnerId owner : kOwners) {
        e += Differ("owner references", heap_.OwnerReferences(owner, handle),
                    model_.OwnerReferences(owner, handle));
      }
      if (!e.empty()) return absl::StrCat(name, ": ", e);
    }
    for (WeakRefId id : weakrefs_) {
      absl::StatusOr<Handle> heap = heap_.WeakRefTarget(id);
      absl::StatusOr<Handle> model = model_.WeakRefTarget(id);
      if (std::string e = CompareStatus("WeakRefTarget", heap, model);
          !e.empty()) {
        return e;
      }
      if (heap.ok() && *heap != *model) {
        return absl::StrCat("weak reference ", id, " points at ", *heap,
                            " in the heap, ", *model, " in the model");
      }
    }
    return "";
  }

  // After a full collection, checked on the heap's own data: alive is
  // exactly what owners, the frozen generation and gc.garbage reach.
  std::string CheckReachability() {
    // The heap's own data, whoever's step asked for the collection.
    ScopedAccess everything(heap_, Access::Everything());
    std::vector<Handle> work;
    for (const auto& [handle, object] : model_.objects()) {
      bool root = object.in_garbage_list;
      for (OwnerId owner : kOwners) {
        root = root || heap_.OwnerReferences(owner, handle) > 0;
      }
      absl::StatusOr<ObjectInfo> info = heap_.Inspect(handle, 1);
      if (info.ok() && info->generation == kPermanentGeneration) root = true;
      if (root) work.push_back(handle);
    }
    std::set<Handle> reached;
    while (!work.empty()) {
      const Handle handle = work.back();
      work.pop_back();
      if (!reached.insert(handle).second) continue;
      absl::StatusOr<ObjectInfo> info = heap_.Inspect(handle, 1);
      if (!info.ok()) {
        return absl::StrCat("reachable ", Name(handle), " is dead");
      }
      for (Handle target : info->referents) work.push_back(target);
    }
    const int64_t alive = heap_.Stats().objects;
    if (alive != static_cast<int64_t>(reached.size())) {
      return absl::StrCat("after a full collection ", alive,
                          " objects are alive but ", reached.size(),
                          " are reachable");
    }
    return "";
  }

  const SequenceConfig& config_;
  std::vector<std::string>* trace_;
  ObjectHeap& heap_;
  const bool verify_every_step_;
  testing::HeapModel model_;
  std::vector<Handle> handles_;
  std::vector<WeakRefId> weakrefs_;
  uint64_t last_event_ = 0;
};

}  // namespace

ObjectHeapOptions ModelTestOptions() {
  ObjectHeapOptions options;
  options.gc.enabled = false;
  // Far more than one step records, so none is dropped between two looks;
  // small, because EventsSince reads the whole ring.
  options.event_capacity = 256;
  return options;
}

std::string RunOnHeap(const SequenceConfig& config, ObjectHeap& heap,
                      WeakRefId* next_weakref, bool verify_every_step,
                      std::vector<std::string>* trace) {
  Runner runner(config, heap, *next_weakref, verify_every_step, trace);
  std::string error = runner.Run();
  *next_weakref = runner.next_weakref();
  return error;
}

std::string RunSequence(const SequenceConfig& config,
                        const ObjectHeapOptions& options,
                        std::vector<std::string>* trace) {
  ObjectHeap heap(options);
  WeakRefId next_weakref = 1;
  return RunOnHeap(config, heap, &next_weakref, /*verify_every_step=*/true,
                   trace);
}

SequenceConfig Shrink(SequenceConfig config, const ObjectHeapOptions& options) {
  bool progress = true;
  while (progress) {
    progress = false;
    for (size_t i = config.steps.size(); i-- > 0;) {
      SequenceConfig smaller = config;
      smaller.steps.erase(smaller.steps.begin() + i);
      if (!RunSequence(smaller, options).empty()) {
        config = std::move(smaller);
        progress = true;
      }
    }
  }
  return config;
}

bool EmptyHeap(ObjectHeap& heap) {
  GcConfig off;
  off.enabled = false;
  if (!heap.SetGcConfig(off).ok()) return false;
  // Finalizers that resurrect run once: a second round frees what they
  // kept.
  for (int round = 0; round < 4 && heap.Stats().objects > 0; ++round) {
    for (OwnerId owner : kOwners) heap.ReleaseOwner(owner);
    heap.Unfreeze();
    heap.ClearGarbage();
    if (!heap.Collect(2).ok()) return false;
  }
  heap.ClearGarbage();
  if (!heap.Collect(2).ok()) return false;
  heap.CollectIfScheduled();  // forgets a scheduled collection
  const ObjectHeapStats stats = heap.Stats();
  return stats.objects == 0 && stats.garbage == 0 &&
         stats.long_lived_total == 0 && stats.long_lived_pending == 0 &&
         stats.generations[0].count == 0 && stats.generations[1].count == 0 &&
         stats.generations[2].count == 0 && !heap.collection_scheduled();
}

}  // namespace heapd::objects::model_test
