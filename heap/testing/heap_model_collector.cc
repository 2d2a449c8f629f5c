// HeapModel's collector: gc.collect() and the automatic collections, stated
// from the specification (see heap_model.h), and the gc module's other
// calls.
#include <set>
#include <vector>

#include "heap/testing/heap_model.h"

namespace heapd::testing {
namespace {

// While a collection holds it in its unreachable set (as the heap's
// kCollecting).
constexpr int kCollecting = 4;

}  // namespace

absl::Status HeapModel::SetGcConfig(const objects::GcConfig& config) {
  for (int64_t threshold : config.thresholds) {
    if (threshold < 0) return absl::InvalidArgumentError("threshold < 0");
  }
  if (config.debug_flags & ~objects::kKnownDebugFlags) {
    return absl::InvalidArgumentError("unknown debug flags");
  }
  gc_ = config;
  return absl::OkStatus();
}

int64_t HeapModel::Freeze() {
  int64_t frozen = 0;
  for (auto& [handle, object] : objects_) {
    if (object.generation >= 0 &&
        object.generation < objects::kNumGenerations) {
      object.generation = objects::kPermanentGeneration;
    }
    if (object.generation == objects::kPermanentGeneration) ++frozen;
  }
  counts_[0] = 0;
  return frozen;
}

int64_t HeapModel::Unfreeze() {
  int64_t moved = 0;
  for (auto& [handle, object] : objects_) {
    if (object.generation == objects::kPermanentGeneration) {
      object.generation = objects::kNumGenerations - 1;
      ++moved;
    }
  }
  return moved;
}

int64_t HeapModel::ClearGarbage() {
  const std::vector<objects::Handle> garbage = std::move(garbage_);
  garbage_.clear();
  for (objects::Handle handle : garbage) {
    objects_.at(handle).in_garbage_list = false;
    Decref(handle);
  }
  FreePending();
  return static_cast<int64_t>(garbage.size());
}

bool HeapModel::CollectIfScheduled() {
  if (!scheduled_) return false;
  scheduled_ = false;
  if (!gc_.enabled || gc_.thresholds[0] == 0) return false;
  for (int g = objects::kNumGenerations - 1; g >= 0; --g) {
    if (counts_[g] > gc_.thresholds[g]) {
      if (g == objects::kNumGenerations - 1 &&
          long_lived_pending_ < long_lived_total_ / 4) {
        continue;
      }
      CollectGeneration(g, /*automatic=*/true);
      return true;
    }
  }
  return false;
}

absl::StatusOr<objects::CollectResult> HeapModel::Collect(int generation) {
  if (generation < 0 || generation >= objects::kNumGenerations) {
    return absl::InvalidArgumentError("no such generation");
  }
  return CollectGeneration(generation, /*automatic=*/false);
}

// The rule the collector's gc_refs arithmetic (update_refs, subtract_refs,
// move_unreachable in CPython's gcmodule.c) implements, stated as a search:
// an object of `set` stays alive iff a path of links leads to it from a
// reference from outside `set` (an owner's, gc.garbage's, or a link from an
// object not in `set`: an older generation, the permanent one, anything).
std::set<objects::Handle> HeapModel::ReachableFromOutside(
    const std::set<objects::Handle>& set) const {
  std::vector<objects::Handle> work;
  for (const auto& [owner, held] : owners_) {
    for (const auto& [handle, count] : held) {
      if (count > 0) work.push_back(handle);
    }
  }
  work.insert(work.end(), garbage_.begin(), garbage_.end());
  for (const auto& [handle, object] : objects_) {
    if (set.count(handle)) continue;
    for (objects::Handle target : object.Links()) work.push_back(target);
  }
  std::set<objects::Handle> reached;
  while (!work.empty()) {
    const objects::Handle handle = work.back();
    work.pop_back();
    if (!set.count(handle) || !reached.insert(handle).second) continue;
    for (objects::Handle target : objects_.at(handle).Links()) {
      work.push_back(target);
    }
  }
  return reached;
}

objects::CollectResult HeapModel::CollectGeneration(int generation,
                                                    bool automatic) {
  objects::CollectResult result;
  result.generation = generation;
  result.automatic = automatic;
  if (generation + 1 < objects::kNumGenerations) ++counts_[generation + 1];
  for (int g = 0; g <= generation; ++g) counts_[g] = 0;
  const int old =
      generation + 1 < objects::kNumGenerations ? generation + 1 : generation;

  // The collected set: the tracked objects of generations 0..generation.
  // What nothing outside it keeps alive is unreachable; the rest survives
  // into the next generation.
  std::set<objects::Handle> collected_set;
  for (const auto& [handle, object] : objects_) {
    if (object.generation >= 0 && object.generation <= generation) {
      collected_set.insert(handle);
    }
  }
  result.examined = static_cast<int64_t>(collected_set.size());
  const std::set<objects::Handle> reachable =
      ReachableFromOutside(collected_set);
  std::vector<objects::Handle> unreachable;
  for (objects::Handle handle : collected_set) {
    if (reachable.count(handle)) {
      objects_.at(handle).generation = old;
    } else {
      objects_.at(handle).generation = kCollecting;
      unreachable.push_back(handle);
    }
  }
  if (old != generation) {
    if (generation == objects::kNumGenerations - 2) {
      long_lived_pending_ += static_cast<int64_t>(reachable.size());
    }
  } else {
    long_lived_pending_ = 0;
    long_lived_total_ = static_cast<int64_t>(reachable.size());
  }

  // Weak references to the unreachable are cleared (callbacks run) before
  // any finalizer can see them; then each finalizer runs once (PEP 442).
  for (objects::Handle handle : unreachable) {
    if (!objects_.at(handle).weakrefs.empty()) ClearWeakRefs(handle);
  }
  bool any_finalizer = false;
  for (objects::Handle handle : unreachable) {
    const Object* object = Find(handle);
    if (object == nullptr ||
        object->finalizer.action == objects::Finalizer::Action::kNone ||
        object->finalized) {
      continue;
    }
    any_finalizer = true;
    RunFinalizer(handle);
  }
  FreePending();

  // What a finalizer made reachable again from outside the unreachable
  // objects that are still alive survives, with all it reaches; the rest is
  // garbage.
  std::vector<objects::Handle> garbage;
  if (any_finalizer) {
    std::set<objects::Handle> remaining;
    for (objects::Handle handle : unreachable) {
      if (Find(handle) != nullptr) remaining.insert(handle);
    }
    const std::set<objects::Handle> resurrected =
        ReachableFromOutside(remaining);
    for (objects::Handle handle : remaining) {
      if (resurrected.count(handle)) {
        objects_.at(handle).generation = old;
      } else {
        garbage.push_back(handle);
      }
    }
  } else {
    garbage = unreachable;
  }
  result.collected = static_cast<int64_t>(garbage.size());

  // The garbage goes to gc.garbage under SAVEALL; otherwise its links are
  // cleared, and reference counting frees what that releases.
  for (objects::Handle handle : garbage) {
    Object* object = Live(handle);
    if (object == nullptr) continue;
    if (gc_.debug_flags & objects::kDebugSaveAll) {
      Incref(handle);
      object->in_garbage_list = true;
      garbage_.push_back(handle);
      object->generation = old;
      continue;
    }
    Incref(handle);
    const std::vector<objects::Handle> links = object->Links();
    if (object->type == objects::ObjectType::kTuple) {
      for (Field& field : object->fields) field.target = 0;
    } else {
      object->fields.clear();
    }
    object->items.clear();
    for (objects::Handle target : links) Decref(target);
    Decref(handle);
    FreePending();
    Object* still = Live(handle);
    if (still != nullptr && still->generation == kCollecting) {
      still->generation = old;
    }
  }

  ModelEvent event;
  event.kind = objects::HeapEvent::Kind::kCollection;
  event.generation = generation;
  event.examined = result.examined;
  event.collected = result.collected;
  event.automatic = automatic;
  events_.push_back(event);
  return result;
}

}  // namespace heapd::testing
