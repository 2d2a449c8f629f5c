// Fuzzes heapd::objects::ObjectHeap directly: the input decodes into a program
// of at most kMaxOps heap operations (every allocation type and length range,
// links and unlinks, owner references, collections of every generation,
// freeze/unfreeze, collector configuration including SAVEALL, weak
// references, finalizers of every action), run on a fresh heap.
//
// After every operation (and the safe point that follows it, where an
// automatic collection may run) ObjectHeap::Verify() must pass; a failed
// Verify aborts, as does any crash, ASan or UBSan report. Statuses the heap
// returns for bad arguments (stale or made-up handles, wrong types, bad
// lengths, bad fields) are expected: the program carries on.
//
// Input format: byte 0 picks the allocator layout; then each operation is
// one opcode byte followed by its arguments (fuzz_input.h reads 0 past the
// end). Handles are picked among those the program allocated so far (freed
// ones included, so stale handles are tried), or made up.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "fuzz/fuzz_input.h"
#include "heap/objects/object_heap.h"
#include "heap/objects/object_type.h"
#include "heap/obmalloc/layout.h"

namespace heapd {
namespace {

// Keeps one input well under a millisecond or so: Verify is O(heap).
constexpr int kMaxOps = 256;

obmalloc::AllocatorLayout LayoutFor(uint8_t choice) {
  switch (choice % 4) {
    case 1:
      return obmalloc::AllocatorLayout::Cpython312();
    case 2: {
      // The smallest arenas, released eagerly: arenas come and go all the
      // time.
      absl::StatusOr<obmalloc::AllocatorLayout> small =
          obmalloc::AllocatorLayout::Create(
              obmalloc::AllocatorLayout::kMinPoolSize *
                  obmalloc::AllocatorLayout::kMinPoolsPerArena,
              obmalloc::AllocatorLayout::kMinPoolSize,
              obmalloc::ArenaRelease::kEager);
      if (small.ok()) return *small;
      return obmalloc::AllocatorLayout::Classic();
    }
    default:
      return obmalloc::AllocatorLayout::Classic();
  }
}

class Program {
 public:
  Program(const uint8_t* data, size_t size) : in_(data, size) {
    objects::ObjectHeapOptions options;
    options.layout = LayoutFor(in_.Byte());
    // Small thresholds: automatic collections of every generation happen
    // within one input. A small event ring is trimmed often.
    options.gc.thresholds = {8, 3, 3};
    options.event_capacity = 16;
    heap_ = std::make_unique<objects::ObjectHeap>(options);
  }

  void Run() {
    Check("start");
    for (int op = 0; op < kMaxOps && !in_.done(); ++op) {
      const char* name = Step();
      // The safe point at the end of every request.
      heap_->CollectIfScheduled();
      Check(name);
    }
    heap_->ReleaseOwner(1);
    heap_->ReleaseOwner(2);
    heap_->ReleaseOwner(3);
    heap_->ClearGarbage();
    Check("release all");
    (void)heap_->Collect(2);
    Check("final collection");
  }

 private:
  void Check(const char* after) {
    const absl::Status status = heap_->Verify();
    if (!status.ok()) {
      std::fprintf(stderr, "heap_ops_fuzzer: Verify failed after %s: %s\n",
                   after, status.ToString().c_str());
      std::abort();
    }
  }

  objects::OwnerId Owner() { return 1 + in_.Pick(3); }

  objects::Handle PickHandle() {
    const uint8_t how = in_.Byte();
    if (how < 240 && !handles_.empty()) {
      return handles_[how % handles_.size()];
    }
    switch (how % 4) {
      case 0:
        return 0;
      case 1:
        return in_.U64();
      case 2:
        // A live slot's index with a wrong reuse count.
        return handles_.empty() ? 1 : handles_[0] + (uint64_t{1} << 32);
      default:
        return in_.U16();
    }
  }

  std::string Field() {
    static const char* const kFields[] = {"a", "b", "c", "0", "1", "2", "7"};
    const uint8_t how = in_.Byte();
    if (how < 224) return kFields[how % 7];
    switch (how % 4) {
      case 0:
        return "";
      case 1:
        return std::string(257, 'x');  // one over the longest name
      case 2:
        return "-1";
      default:
        return in_.String(12);
    }
  }

  int64_t Length(objects::ObjectType type) {
    const uint8_t how = in_.Byte();
    if (how >= 250) {
      // Out of range or not taken: the heap must say INVALID_ARGUMENT.
      return how % 2 ? -1 - in_.Byte() : objects::MaxLength(type) + 1;
    }
    if (!objects::HasLength(type)) return 0;
    switch (type) {
      case objects::ObjectType::kTuple:
        return how % 9;
      case objects::ObjectType::kList:
        return how % 20;
      case objects::ObjectType::kInt:
        return in_.U16();  // bits
      default:
        // str, bytes, raw: small, around the 512-byte small/raw boundary,
        // or a raw-domain block now and then.
        if (how < 150) return how % 64;
        if (how < 240) return 440 + in_.Byte() % 140;
        return 1 << (12 + in_.Byte() % 7);
    }
  }

  const char* Allocate() {
    objects::AllocateSpec spec;
    spec.type =
        static_cast<objects::ObjectType>(in_.Pick(objects::kNumObjectTypes));
    spec.length = Length(spec.type);
    const uint8_t finalizer = in_.Byte();
    switch (finalizer % 8) {
      case 1:
        spec.finalizer.action = objects::Finalizer::Action::kRecord;
        break;
      case 2:
        spec.finalizer.action = objects::Finalizer::Action::kResurrectToOwner;
        break;
      case 3:
        spec.finalizer.action = objects::Finalizer::Action::kResurrectInto;
        spec.finalizer.into = PickHandle();
        spec.finalizer.field = Field();
        break;
      default:
        break;
    }
    const uint8_t weak = in_.Byte();
    spec.weakref = weak & 1;
    spec.weakref_callback = weak & 2;
    absl::StatusOr<objects::Allocated> allocated =
        heap_->Allocate(Owner(), spec);
    if (allocated.ok()) {
      handles_.push_back(allocated->handle);
      if (allocated->weakref != 0) weakrefs_.push_back(allocated->weakref);
    }
    return "Allocate";
  }

  const char* Step() {
    switch (in_.Byte() % 18) {
      case 0:
      case 1:
        return Allocate();
      case 2: {
        const objects::Handle source = PickHandle();
        const std::string field = Field();
        (void)heap_->SetField(source, field, PickHandle());
        return "SetField";
      }
      case 3: {
        const objects::Handle source = PickHandle();
        (void)heap_->Append(source, PickHandle());
        return "Append";
      }
      case 4: {
        const objects::Handle source = PickHandle();
        (void)heap_->ClearField(source, Field());
        return "ClearField";
      }
      case 5: {
        const objects::Handle source = PickHandle();
        (void)heap_->RemoveItem(source, PickHandle());
        return "RemoveItem";
      }
      case 6: {
        const objects::OwnerId owner = Owner();
        (void)heap_->IncRef(owner, PickHandle());
        return "IncRef";
      }
      case 7: {
        const objects::OwnerId owner = Owner();
        (void)heap_->DecRef(owner, PickHandle());
        return "DecRef";
      }
      case 8:
        // Owner 0 and unknown owners too.
        heap_->ReleaseOwner(in_.Pick(5));
        return "ReleaseOwner";
      case 9:
        // -1 and 3 are INVALID_ARGUMENT.
        (void)heap_->Collect(static_cast<int>(in_.Pick(5)) - 1);
        return "Collect";
      case 10:
        heap_->Freeze();
        return "Freeze";
      case 11:
        heap_->Unfreeze();
        return "Unfreeze";
      case 12: {
        objects::GcConfig config = heap_->gc_config();
        const uint8_t what = in_.Byte();
        const int g = what % objects::kNumGenerations;
        config.thresholds[g] = (what & 0x80) ? -1 : in_.Byte() % 12;
        config.enabled = !(what & 0x40);
        if (what & 0x20) {
          static const uint32_t kFlags[] = {
              0, objects::kDebugSaveAll,
              objects::kDebugStats | objects::kDebugCollectable,
              objects::kDebugSaveAll | objects::kDebugUncollectable,
              8 /* unknown */};
          config.debug_flags = kFlags[in_.Pick(5)];
        }
        (void)heap_->SetGcConfig(config);
        return "SetGcConfig";
      }
      case 13: {
        const objects::Handle target = PickHandle();
        absl::StatusOr<objects::WeakRefId> id =
            heap_->CreateWeakRef(target, in_.Bool());
        if (id.ok()) weakrefs_.push_back(*id);
        return "CreateWeakRef";
      }
      case 14: {
        const objects::WeakRefId id =
            weakrefs_.empty() || in_.Byte() > 240
                ? in_.U16()
                : weakrefs_[in_.Pick(weakrefs_.size())];
        (void)heap_->WeakRefTarget(id);
        return "WeakRefTarget";
      }
      case 15:
        heap_->ClearGarbage();
        return "ClearGarbage";
      case 16: {
        // The read-only calls: nothing may change, nothing may crash.
        const objects::Handle handle = PickHandle();
        const objects::OwnerId owner = Owner();
        (void)heap_->Inspect(handle, owner);
        (void)heap_->RefCount(handle);
        (void)heap_->OwnerReferences(owner, handle);
        (void)heap_->IsAlive(handle);
        (void)heap_->Stats();
        (void)heap_->AllocatorStatistics();
        (void)heap_->EventsSince(in_.Byte());
        return "Inspect";
      }
      default: {
        // A burst of allocations that passes the threshold.
        const int n = 1 + in_.Pick(16);
        for (int i = 0; i < n; ++i) {
          objects::AllocateSpec spec;
          spec.type =
              i % 2 ? objects::ObjectType::kList : objects::ObjectType::kObject;
          absl::StatusOr<objects::Allocated> allocated =
              heap_->Allocate(Owner(), spec);
          if (allocated.ok()) handles_.push_back(allocated->handle);
        }
        return "Allocate burst";
      }
    }
  }

  FuzzInput in_;
  std::unique_ptr<objects::ObjectHeap> heap_;
  std::vector<objects::Handle> handles_;
  std::vector<objects::WeakRefId> weakrefs_;
};

}  // namespace
}  // namespace heapd

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  heapd::Program program(data, size);
  program.Run();
  return 0;
}
