// Runs the model-based test's sequences (model_sequence.h) on an ObjectHeap
// and on HeapModel (heap/testing/heap_model.h) side by side.
//
// After every step (and its safe point, CollectIfScheduled, as the service
// runs it): the status and result of the call equal the model's; the events
// recorded (collections with their generation, examined and collected
// counts, finalizers, weak-reference callbacks) equal the model's as a
// multiset; Verify() passes (after every step, or only after collections
// and at the end); every object the model holds is alive in the heap with
// the model's refcount, and nothing else is (object count). After every
// collection and at the end, every object is compared in full (Inspect:
// fields, items, generation, finalized, weak references, each owner's
// references; every weak reference's target; gc.garbage's size), and after
// a full collection the heap's live set is exactly what is reachable from
// owners, the frozen generation and gc.garbage.
#ifndef HEAPD_HEAP_OBJECTS_MODEL_RUNNER_H_
#define HEAPD_HEAP_OBJECTS_MODEL_RUNNER_H_

#include <string>
#include <vector>

#include "heap/objects/model_sequence.h"
#include "heap/objects/object_heap.h"

namespace heapd::objects::model_test {

// The heap the sequences run on: automatic collections off until a
// sequence sets its configuration, a small event ring.
ObjectHeapOptions ModelTestOptions();

// Runs `config` on `heap`, which is empty with its counters at zero (a new
// heap, or one EmptyHeap emptied), and whose next weak reference id is
// `*next_weakref`; leaves there the id of the heap's next one. Returns ""
// or what differed first. `verify_every_step`: ObjectHeap::Verify() after
// every step, not only after collections and at the end. `trace` (if not
// null) receives each executed step, resolved.
std::string RunOnHeap(const SequenceConfig& config, ObjectHeap& heap,
                      WeakRefId* next_weakref, bool verify_every_step,
                      std::vector<std::string>* trace);

// Runs `config` alone, on a new heap made with `options`, verifying after
// every step.
std::string RunSequence(const SequenceConfig& config,
                        const ObjectHeapOptions& options = ModelTestOptions(),
                        std::vector<std::string>* trace = nullptr);

// Drops steps one at a time while RunSequence(config, options) still fails.
SequenceConfig Shrink(SequenceConfig config,
                      const ObjectHeapOptions& options = ModelTestOptions());

// Frees everything the last sequence left and zeroes the collector's
// counters (a full collection of an empty heap), so that the next sequence
// starts as on a new heap, less the cost of one (a new heap maps and fills
// its arena map's first leaf, which dominated the run time). Returns false
// if something stayed alive.
bool EmptyHeap(ObjectHeap& heap);

}  // namespace heapd::objects::model_test

#endif  // HEAPD_HEAP_OBJECTS_MODEL_RUNNER_H_
