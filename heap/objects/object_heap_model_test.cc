// Model-based test of ObjectHeap: random operation sequences
// (model_sequence.h) run on the heap and on HeapModel
// (heap/testing/heap_model.h), compared after every step (model_runner.h).
//
// On a mismatch the sequence is shrunk (steps dropped one at a time while it
// still fails) and the test prints its seed and the remaining steps.
//
// Seeds: sequence i of a run uses seed (base + i); base is 1 unless
// --seed=N (bazel test --test_arg=--seed=N) or HEAPD_MODEL_SEED=N says
// otherwise, and --sequences=N / HEAPD_MODEL_SEQUENCES=N sets the count
// (default 100,000), so a printed seed replays alone with
//   bazel test //heap/objects:object_heap_model_test
//     --test_arg=--seed=S --test_arg=--sequences=1
//
// That the comparison can fail is tested too: given the deliberate collector
// bug of ObjectHeapOptions, it must report a difference.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "gtest/gtest.h"
#include "heap/objects/model_runner.h"
#include "heap/objects/model_sequence.h"
#include "heap/objects/object_heap.h"

namespace heapd::objects::model_test {
namespace {

// --flag=N from the test's arguments, else the environment variable, else
// the default.
uint64_t Setting(const char* flag, const char* env, uint64_t fallback) {
  uint64_t value = fallback;
  if (const char* text = std::getenv(env)) {
    (void)absl::SimpleAtoi(text, &value);
  }
  const std::string prefix = absl::StrCat("--", flag, "=");
  for (const std::string& arg : ::testing::internal::GetArgvs()) {
    if (arg.rfind(prefix, 0) == 0) {
      (void)absl::SimpleAtoi(arg.substr(prefix.size()), &value);
    }
  }
  return value;
}

// The sequences are dealt to kSlices tests (slice k runs the sequences i
// with i % kSlices == k), which gtest spreads over Bazel's shards
// (shard_count in heap/objects/BUILD).
constexpr int kSlices = 8;

class ObjectHeapModelTest : public ::testing::TestWithParam<int> {};

TEST_P(ObjectHeapModelTest, RandomSequencesMatchTheModel) {
  const uint64_t base = Setting("seed", "HEAPD_MODEL_SEED", 1);
  const uint64_t sequences =
      Setting("sequences", "HEAPD_MODEL_SEQUENCES", 100000);
  int64_t steps = 0;
  // One heap for 32 sequences, emptied between them; a failing sequence
  // is then run again, and shrunk, on new heaps. (Not one heap for all: the
  // heap keeps a record of every weak reference ever made, dead ones too,
  // and Verify and Stats read them all.)
  const uint64_t shard = static_cast<uint64_t>(GetParam());
  const uint64_t shards = kSlices;
  std::unique_ptr<ObjectHeap> heap;
  WeakRefId next_weakref = 1;
  uint64_t ran = 0, block_first = shard;
  for (uint64_t i = shard; i < sequences; i += shards, ++ran) {
    if (ran % 32 == 0) {
      heap = std::make_unique<ObjectHeap>(ModelTestOptions());
      next_weakref = 1;
      block_first = i;
    }
    const uint64_t seed = base + i;
    const SequenceConfig config = Draw(seed);
    steps += static_cast<int64_t>(config.steps.size());
    // Verify after every step in one sequence of four (it is a third of
    // the time); after collections and at the end in all.
    const std::string shared_error =
        RunOnHeap(config, *heap, &next_weakref, i % 4 == 0, nullptr);
    if (shared_error.empty()) {
      ASSERT_TRUE(EmptyHeap(*heap))
          << "sequence seed " << seed << " left objects that cannot be freed";
      continue;
    }
    if (RunSequence(config).empty()) {
      // Replays the heap's sequences up to this one, tracing the last.
      ObjectHeap replay(ModelTestOptions());
      WeakRefId next = 1;
      std::vector<std::string> trace;
      std::string error;
      for (uint64_t j = block_first; j <= i; j += shards) {
        const SequenceConfig earlier = Draw(base + j);
        error = RunOnHeap(earlier, replay, &next, j % 4 == 0,
                          j == i ? &trace : nullptr);
        if (j < i && !EmptyHeap(replay)) break;
      }
      FAIL() << "sequence seed " << seed << " fails on the heap the earlier "
             << "sequences of seeds " << base + block_first << ", "
             << base + block_first + shards << ", ... used, not alone:\n"
             << shared_error << "\nreplayed: " << error
             << "\nsteps (#0 is the root dict):\n  "
             << absl::StrJoin(trace, "\n  ");
    }
    const SequenceConfig minimal = Shrink(config);
    std::vector<std::string> trace;
    const std::string error = RunSequence(minimal, ModelTestOptions(), &trace);
    FAIL() << "sequence seed " << seed << " (replay: --test_arg=--seed=" << seed
           << " --test_arg=--sequences=1), gc thresholds "
           << absl::StrJoin(config.gc.thresholds, "/")
           << (config.gc.enabled ? " enabled" : " disabled") << "\n"
           << error << "\nminimal steps (#0 is the root dict):\n  "
           << absl::StrJoin(trace, "\n  ");
  }
  std::printf("slice %llu: %llu sequences, %lld steps, from seed %llu\n",
              static_cast<unsigned long long>(shard),
              static_cast<unsigned long long>(ran),
              static_cast<long long>(steps),
              static_cast<unsigned long long>(base));
}

INSTANTIATE_TEST_SUITE_P(Slices, ObjectHeapModelTest,
                         ::testing::Range(0, kSlices));

// ---------------------------------------------------------------------------
// The comparison catches a collector bug

// The heap with ObjectHeapOptions' deliberate collector bug: links from
// older generations count as if from inside the collected set, so an
// object that only an older one holds is taken for garbage.
ObjectHeapOptions WithCollectorBug() {
  ObjectHeapOptions options = ModelTestOptions();
  options.testing_only_ignore_links_from_older_generations = true;
  return options;
}

TEST(CollectorBugTest, TheModelKeepsWhatOnlyAnOlderObjectHolds) {
  SequenceConfig config;
  config.gc.enabled = false;
  Step collect_young;
  collect_young.op = Step::kCollect;
  collect_young.generation = 0;
  Step allocate;  // #1, an object owner 1 holds
  allocate.op = Step::kAllocate;
  allocate.owner = 1;
  Step link;  // root."a" = #1, by owner 3, which may name every object
  link.op = Step::kSetField;
  link.owner = 3;
  link.a = 0;
  link.b = 1;
  link.field = 0;
  Step release;  // owner 1 lets go of #1
  release.op = Step::kDecRef;
  release.owner = 1;
  release.a = 1;
  // The first collection moves the root to generation 1; in the second,
  // #1 is held by nothing but the root's link.
  config.steps = {collect_young, allocate, link, release, collect_young};

  EXPECT_EQ(RunSequence(config), "");
  const std::string error = RunSequence(config, WithCollectorBug());
  EXPECT_NE(error.find("collected: heap 1, model 0"), std::string::npos)
      << "the comparison said: \"" << error << "\"";
}

TEST(CollectorBugTest, RandomSequencesShowIt) {
  constexpr uint64_t kSequences = 2000;
  uint64_t differ = 0;
  std::string first;
  for (uint64_t seed = 1; seed <= kSequences; ++seed) {
    const std::string error = RunSequence(Draw(seed), WithCollectorBug());
    if (error.empty()) continue;
    if (differ++ == 0) first = absl::StrCat("seed ", seed, ": ", error);
  }
  std::printf(
      "with the collector bug, %llu of %llu sequences differ from "
      "the model; the first, %s\n",
      static_cast<unsigned long long>(differ),
      static_cast<unsigned long long>(kSequences), first.c_str());
  EXPECT_GT(differ, 0u);
}

}  // namespace
}  // namespace heapd::objects::model_test
