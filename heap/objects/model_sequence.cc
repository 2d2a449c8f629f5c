#include "heap/objects/model_sequence.h"

#include <random>

namespace heapd::objects::model_test {
namespace {

int64_t DrawLength(std::mt19937_64& rng, ObjectType type) {
  if (rng() % 16 == 0)
    return rng() % 2 ? -1 : (HasLength(type) ? MaxLength(type) + 1 : 1);
  if (!HasLength(type)) return 0;
  switch (type) {
    case ObjectType::kTuple:
      return rng() % 4;
    case ObjectType::kList:
      return rng() % 6;
    default:
      return rng() % 600;
  }
}

}  // namespace

SequenceConfig Draw(uint64_t seed) {
  std::mt19937_64 rng(seed);
  SequenceConfig config;
  if (rng() % 3 != 0) {
    config.gc.thresholds = {static_cast<int64_t>(1 + rng() % 8),
                            static_cast<int64_t>(1 + rng() % 3),
                            static_cast<int64_t>(1 + rng() % 3)};
  } else {
    config.gc.enabled = false;
  }
  const int n = 20 + static_cast<int>(rng() % 21);
  for (int i = 0; i < n; ++i) {
    Step step;
    step.owner = 1 + rng() % 3;
    step.a = static_cast<uint32_t>(rng());
    step.b = static_cast<uint32_t>(rng());
    step.field = static_cast<int>(rng() % kNumFields);
    const int r = static_cast<int>(rng() % 100);
    if (r < 22) {
      step.op = Step::kAllocate;
      // Containers twice as often: they make the graph.
      static const ObjectType kTypes[] = {
          ObjectType::kObject, ObjectType::kList,  ObjectType::kDict,
          ObjectType::kTuple,  ObjectType::kSet,   ObjectType::kObject,
          ObjectType::kList,   ObjectType::kDict,  ObjectType::kTuple,
          ObjectType::kSet,    ObjectType::kInt,   ObjectType::kFloat,
          ObjectType::kStr,    ObjectType::kBytes, ObjectType::kRaw};
      step.type = kTypes[rng() % 15];
      step.length = DrawLength(rng, step.type);
      static const int kFinalizers[] = {0, 0, 0, 0, 0, 0, 1, 2, 3, 3, 4, 5};
      step.finalizer = kFinalizers[rng() % 12];
      step.weakref = rng() % 4 == 0;
      step.callback = rng() % 2;
    } else if (r < 24) {
      // Enough allocations at once to pass thresholds: automatic
      // collections of the older generations (and the long-lived rule of
      // full ones) need many.
      step.op = Step::kBurst;
      step.length = 2 + rng() % 10;
    } else if (r < 32) {
      step.op = Step::kIncRef;
    } else if (r < 42) {
      step.op = Step::kDecRef;
    } else if (r < 45) {
      step.op = Step::kReleaseOwner;
    } else if (r < 60) {
      step.op = Step::kSetField;
    } else if (r < 70) {
      step.op = Step::kAppend;
    } else if (r < 75) {
      step.op = Step::kClearField;
    } else if (r < 80) {
      step.op = Step::kRemoveItem;
    } else if (r < 89) {
      step.op = Step::kCollect;
      step.generation = static_cast<int>(rng() % 7) - 1;  // -1..5
      if (step.generation > 2) step.generation = 2;
      if (rng() % 20 == 0) step.generation = 3;
    } else if (r < 91) {
      step.op = Step::kFreeze;
    } else if (r < 93) {
      step.op = Step::kUnfreeze;
    } else if (r < 96) {
      step.op = Step::kSetGcConfig;
      step.gc.thresholds = {static_cast<int64_t>(rng() % 8),
                            static_cast<int64_t>(rng() % 4),
                            static_cast<int64_t>(rng() % 4)};
      if (rng() % 10 == 0) step.gc.thresholds[rng() % 3] = -1;
      step.gc.enabled = rng() % 4 != 0;
      step.gc.debug_flags = rng() % 2 ? kDebugSaveAll : 0;
      if (rng() % 10 == 0) step.gc.debug_flags = 64;
    } else if (r < 98) {
      step.op = Step::kCreateWeakRef;
      step.callback = rng() % 2;
    } else {
      step.op = Step::kClearGarbage;
    }
    config.steps.push_back(step);
  }
  return config;
}

}  // namespace heapd::objects::model_test
