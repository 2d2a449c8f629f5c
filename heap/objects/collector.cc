// The generational cyclic garbage collector: CPython 3.12's gc_collect_main
// (Modules/gcmodule.c) over ObjectHeap's records.
//
// Why gc_refs works: an object's refcount counts every reference to it. The
// collector cannot see owners (the stack, in CPython), only links between
// containers. Subtracting, for each object in the collected set, the links
// that come from inside the set leaves exactly the references from outside:
// owners, and objects in older generations. Anything with such a reference
// is alive, and so is everything it reaches; what is left can only be
// reached from itself: cycles, garbage.
#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "heap/objects/object_heap.h"

namespace heapd::objects {

// ---------------------------------------------------------------------------
// Generation lists

void ObjectHeap::Track(uint32_t slot, int generation) {
  ObjectRecord& record = records_[slot];
  std::vector<uint32_t>& list = generations_[generation];
  record.generation = static_cast<int8_t>(generation);
  record.gen_position = static_cast<uint32_t>(list.size());
  list.push_back(slot);
}

void ObjectHeap::Untrack(uint32_t slot) {
  ObjectRecord& record = records_[slot];
  if (record.generation >= 0 && record.generation <= kPermanentGeneration) {
    std::vector<uint32_t>& list = generations_[record.generation];
    const uint32_t last = list.back();
    list[record.gen_position] = last;
    records_[last].gen_position = record.gen_position;
    list.pop_back();
  }
  record.generation = kUntracked;
}

void ObjectHeap::MoveAll(int from, int to) {
  if (from == to) return;
  for (uint32_t slot : generations_[from]) {
    ObjectRecord& record = records_[slot];
    record.generation = static_cast<int8_t>(to);
    record.gen_position = static_cast<uint32_t>(generations_[to].size());
    generations_[to].push_back(slot);
  }
  generations_[from].clear();
}

// ---------------------------------------------------------------------------
// Configuration

absl::Status ObjectHeap::SetGcConfig(const GcConfig& config) {
  for (int g = 0; g < kNumGenerations; ++g) {
    if (config.thresholds[g] < 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          "threshold ", g, " is ", config.thresholds[g],
          ": thresholds must be >= 0 (0 for generation 0 turns automatic "
          "collection off)"));
    }
  }
  if (config.debug_flags & ~kKnownDebugFlags) {
    return absl::InvalidArgumentError(absl::StrCat(
        "unknown gc debug flags ", config.debug_flags & ~kKnownDebugFlags,
        ": known are STATS=1, COLLECTABLE=2, UNCOLLECTABLE=4, SAVEALL=32"));
  }
  gc_ = config;
  return absl::OkStatus();
}

int64_t ObjectHeap::Freeze() {
  for (int g = 0; g < kNumGenerations; ++g) {
    MoveAll(g, kPermanentGeneration);
  }
  counts_[0] = 0;  // as gc.freeze() does
  return static_cast<int64_t>(generations_[kPermanentGeneration].size());
}

int64_t ObjectHeap::Unfreeze() {
  const int64_t moved =
      static_cast<int64_t>(generations_[kPermanentGeneration].size());
  MoveAll(kPermanentGeneration, kNumGenerations - 1);
  return moved;
}

int64_t ObjectHeap::ClearGarbage() {
  const int64_t cleared = garbage_size();
  std::vector<uint32_t> garbage = std::move(garbage_);
  garbage_.clear();
  for (uint32_t slot : garbage) {
    records_[slot].in_garbage_list = false;
    Decref(slot);
  }
  FreePending();
  return cleared;
}

// ---------------------------------------------------------------------------
// Automatic collection

void ObjectHeap::ScheduleIfThresholdPassed() {
  if (gc_.enabled && gc_.thresholds[0] != 0 && !collecting_ &&
      counts_[0] > gc_.thresholds[0]) {
    collection_scheduled_ = true;
  }
}

// CPython's gc_collect_generations: the oldest generation whose count
// passed its threshold, except that a full collection also waits for the
// long-lived pending objects to exceed 25% of the long-lived total.
bool ObjectHeap::CollectIfScheduled() {
  if (!collection_scheduled_) return false;
  collection_scheduled_ = false;
  if (!gc_.enabled || gc_.thresholds[0] == 0 || collecting_) return false;
  for (int g = kNumGenerations - 1; g >= 0; --g) {
    if (counts_[g] > gc_.thresholds[g]) {
      if (g == kNumGenerations - 1 &&
          long_lived_pending_ < long_lived_total_ / 4) {
        continue;
      }
      CollectGeneration(g, /*automatic=*/true);
      return true;
    }
  }
  return false;
}

absl::StatusOr<CollectResult> ObjectHeap::Collect(int generation) {
  if (generation < 0 || generation >= kNumGenerations) {
    return absl::InvalidArgumentError(absl::StrCat(
        "generation ", generation, " does not exist: collect 0, 1 or 2"));
  }
  if (collecting_) {
    return absl::FailedPreconditionError("a collection is already running");
  }
  return CollectGeneration(generation, /*automatic=*/false);
}

// ---------------------------------------------------------------------------
// The collection

CollectResult ObjectHeap::CollectGeneration(int generation, bool automatic) {
  const absl::Time start = absl::Now();
  collecting_ = true;
  CollectResult result;
  result.generation = generation;
  result.automatic = automatic;

  // Counters: collecting generation g counts once against g + 1, and
  // resets g and everything younger.
  if (generation + 1 < kNumGenerations) ++counts_[generation + 1];
  for (int g = 0; g <= generation; ++g) counts_[g] = 0;

  // The younger generations are collected with this one.
  for (int g = 0; g < generation; ++g) MoveAll(g, generation);
  std::vector<uint32_t> young = std::move(generations_[generation]);
  generations_[generation].clear();
  const int old =
      generation + 1 < kNumGenerations ? generation + 1 : generation;
  result.examined = static_cast<int64_t>(young.size());
  // The collected set is exactly the objects whose generation is
  // `generation` now (the younger ones were just moved into it), so links
  // into it are told from links to older generations without marking it.
  const auto in_set = [this, generation](uint32_t slot) {
    return records_[slot].generation == generation;
  };
  for (uint32_t slot : young) {
    ObjectRecord& record = records_[slot];
    record.gc_refs = record.refcount;  // update_refs
  }
  // subtract_refs: remove the references that come from inside the set.
  for (uint32_t slot : young) {
    for (uint32_t target : links_[slot]) {
      if (target != kNoSlot && in_set(target)) --records_[target].gc_refs;
    }
  }
  if (ignore_links_from_older_generations_) {
    // The deliberate bug of ObjectHeapOptions: links from the older and the
    // permanent generations are subtracted too, as if from inside the set.
    for (int g = generation + 1; g <= kPermanentGeneration; ++g) {
      for (uint32_t slot : generations_[g]) {
        for (uint32_t target : links_[slot]) {
          if (target != kNoSlot && in_set(target)) --records_[target].gc_refs;
        }
      }
    }
  }
  // move_unreachable: objects referenced from outside are reachable, and
  // so is everything they reach. gc_refs = -1 marks "known reachable".
  std::vector<uint32_t> work;
  for (uint32_t slot : young) {
    ObjectRecord& record = records_[slot];
    if (record.gc_refs > 0) {
      record.gc_refs = -1;
      // Objects without links have nothing to propagate: not queued, which
      // spares a second visit to every leaf of a large structure.
      if (record.has_links) work.push_back(slot);
    }
  }
  while (!work.empty()) {
    const uint32_t slot = work.back();
    work.pop_back();
    for (uint32_t target : links_[slot]) {
      if (target == kNoSlot || !in_set(target)) continue;
      ObjectRecord& referent = records_[target];
      if (referent.gc_refs >= 0) {
        referent.gc_refs = -1;
        if (referent.has_links) work.push_back(target);
      }
    }
  }
  // Survivors move one generation older. In a full collection they stay in
  // generation 2, where a survivor keeps its record untouched unless its
  // position in the list moved. The unreachable are marked kCollecting:
  // tracked, in no generation, for the steps below.
  std::vector<uint32_t> unreachable;
  int64_t survivors = 0;
  std::vector<uint32_t>& destination = generations_[old];
  destination.reserve(destination.size() + young.size());
  for (uint32_t slot : young) {
    ObjectRecord& record = records_[slot];
    if (record.gc_refs != -1) {
      record.generation = static_cast<int8_t>(kCollecting);
      unreachable.push_back(slot);
      continue;
    }
    ++survivors;
    const uint32_t position = static_cast<uint32_t>(destination.size());
    if (record.generation != old) {
      record.generation = static_cast<int8_t>(old);
    }
    if (record.gen_position != position) record.gen_position = position;
    destination.push_back(slot);
  }
  if (old != generation) {
    if (generation == kNumGenerations - 2) long_lived_pending_ += survivors;
  } else {
    long_lived_pending_ = 0;
    long_lived_total_ = static_cast<int64_t>(generations_[old].size());
  }

  // handle_weakrefs: weak references to garbage are cleared before any
  // finalizer can see them; their callbacks run.
  for (uint32_t slot : unreachable) {
    if (records_[slot].has_weakrefs) ClearWeakRefs(slot, true);
  }

  // No object is allocated while a collection runs, so a slot of the
  // collected set that was freed stays free: block == nullptr tells which
  // objects the steps below freed along the way.
  auto alive = [this](uint32_t slot) {
    return records_[slot].block != nullptr;
  };

  // finalize_garbage: PEP 442 finalizers, once per object.
  bool any_finalizer = false;
  for (const uint32_t slot : unreachable) {
    if (!alive(slot)) continue;
    const ObjectRecord& record = records_[slot];
    if (!record.has_finalizer || record.finalized) continue;
    any_finalizer = true;
    RunFinalizer(slot);
  }
  // What a finalizer released (a field it replaced) goes now; the
  // collector's own sets are checked for liveness below.
  FreePending();

  // handle_resurrected_objects: what a finalizer made reachable again, and
  // all it reaches, survives into the older generation.
  std::vector<uint32_t> garbage;
  if (any_finalizer) {
    std::vector<uint32_t> remaining;
    for (uint32_t slot : unreachable) {
      if (alive(slot)) remaining.push_back(slot);
    }
    for (uint32_t slot : remaining) {
      records_[slot].gc_refs = records_[slot].refcount;
    }
    for (uint32_t slot : remaining) {
      for (uint32_t target : links_[slot]) {
        if (target != kNoSlot && records_[target].generation == kCollecting) {
          --records_[target].gc_refs;
        }
      }
    }
    for (uint32_t slot : remaining) {
      if (records_[slot].gc_refs > 0) {
        records_[slot].gc_refs = -1;
        work.push_back(slot);
      }
    }
    while (!work.empty()) {
      const uint32_t slot = work.back();
      work.pop_back();
      for (uint32_t target : links_[slot]) {
        if (target == kNoSlot) continue;
        ObjectRecord& referent = records_[target];
        if (referent.generation == kCollecting && referent.gc_refs >= 0) {
          referent.gc_refs = -1;
          work.push_back(target);
        }
      }
    }
    for (uint32_t slot : remaining) {
      if (records_[slot].gc_refs == -1) {
        Track(slot, old);
      } else {
        garbage.push_back(slot);
      }
    }
  } else {
    garbage = std::move(unreachable);
  }
  result.collected = static_cast<int64_t>(garbage.size());

  // delete_garbage: break the cycles; reference counting frees the rest.
  // Each object is held while its links are cleared, as CPython's
  // Py_INCREF/tp_clear/Py_DECREF, so it is freed by its own decref.
  for (const uint32_t slot : garbage) {
    if (!alive(slot)) continue;
    ObjectRecord& record = records_[slot];
    if (gc_.debug_flags & kDebugSaveAll) {
      Incref(slot);
      record.in_garbage_list = true;
      garbage_.push_back(slot);
      Track(slot, old);
      continue;
    }
    Incref(slot);
    absl::InlinedVector<uint32_t, 2> links;
    links.swap(LinksOf(record));
    ReleaseFieldNames(slot);
    if (record.type == ObjectType::kTuple) {
      LinksOf(record).assign(links.size(), kNoSlot);
      record.nfields = static_cast<uint32_t>(links.size());
    }
    LinksChanged(record);
    for (uint32_t target : links) {
      if (target != kNoSlot) Decref(target);
    }
    Decref(slot);
    FreePending();
    if (alive(slot) && records_[slot].generation == kCollecting) {
      Track(slot, old);  // still referenced: it may die later
    }
  }

  GenerationStats& stats = generation_stats_[generation];
  ++stats.collections;
  stats.collected += result.collected;
  stats.uncollectable += result.uncollectable;
  for (int g = 0; g < kNumGenerations; ++g) result.counts_after[g] = counts_[g];
  result.duration = absl::Now() - start;
  collecting_ = false;

  HeapEvent event;
  event.kind = HeapEvent::Kind::kCollection;
  event.collection = result;
  events_.Record(event);
  return result;
}

}  // namespace heapd::objects
