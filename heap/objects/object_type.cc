#include "heap/objects/object_type.h"

#include "absl/strings/str_cat.h"

namespace heapd::objects {
namespace {

constexpr absl::string_view kNames[kNumObjectTypes] = {
    "int",  "float", "str", "bytes",  "tuple",
    "list", "dict",  "set", "object", "raw"};

// CPython: PyDict_MINSIZE and PySet_MINSIZE.
constexpr int64_t kDictMinSize = 8;
constexpr int64_t kSetMinSize = 8;

int64_t PowerOfTwoAtLeast(int64_t n, int64_t minimum) {
  int64_t size = minimum;
  while (size < n) size <<= 1;
  return size;
}

// A dict keys table of `slots` slots holds (2 * slots) / 3 entries
// (USABLE_FRACTION).
int64_t DictUsable(int64_t slots) { return (slots << 1) / 3; }

}  // namespace

absl::string_view ObjectTypeName(ObjectType type) {
  return kNames[static_cast<int>(type)];
}

absl::StatusOr<ObjectType> ParseObjectType(absl::string_view name) {
  for (int i = 0; i < kNumObjectTypes; ++i) {
    if (kNames[i] == name) return static_cast<ObjectType>(i);
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "unknown object type '", name,
      "': use int, float, str, bytes, tuple, list, dict, set, object or raw"));
}

bool HasLength(ObjectType type) {
  switch (type) {
    case ObjectType::kInt:
    case ObjectType::kStr:
    case ObjectType::kBytes:
    case ObjectType::kRaw:
    case ObjectType::kTuple:
    case ObjectType::kList:
      return true;
    default:
      return false;
  }
}

int64_t MaxLength(ObjectType type) {
  switch (type) {
    case ObjectType::kInt:
      return int64_t{1} << 24;  // bits: a 16-Mbit integer
    case ObjectType::kStr:
    case ObjectType::kBytes:
    case ObjectType::kRaw:
      return int64_t{64} << 20;  // 64 MiB
    case ObjectType::kTuple:
    case ObjectType::kList:
      return int64_t{1} << 24;  // slots
    default:
      return 0;
  }
}

size_t BasicSize(ObjectType type, int64_t length) {
  switch (type) {
    case ObjectType::kInt: {
      // 30-bit digits; CPython 3.12 keeps one digit even for zero.
      const int64_t digits = length <= 30 ? 1 : (length + 29) / 30;
      return 24 + 4 * static_cast<size_t>(digits);
    }
    case ObjectType::kFloat:
      return 24;
    case ObjectType::kStr:
      return 41 + static_cast<size_t>(length);
    case ObjectType::kBytes:
      return 33 + static_cast<size_t>(length);
    case ObjectType::kRaw:
      return static_cast<size_t>(length);
    case ObjectType::kTuple:
      return 40 + 8 * static_cast<size_t>(length);
    case ObjectType::kList:
      return 56;
    case ObjectType::kDict:
      return 64;
    case ObjectType::kSet:
      return 216;  // includes the 8-entry small table
    case ObjectType::kObject:
      return 48;  // 16 header + 16 GC header + 16 pre-header (managed dict)
  }
  return 0;
}

size_t ItemsAllocationSize(ObjectType type, int64_t capacity) {
  if (capacity <= 0) return 0;
  switch (type) {
    case ObjectType::kList:
      return 8 * static_cast<size_t>(capacity);
    case ObjectType::kDict: {
      // A keys object with str keys: 32-byte header, an index of 1/2/4/8
      // bytes per slot, and 16-byte entries for the usable fraction.
      const size_t index_bytes = capacity <= 128           ? 1
                                 : capacity <= (1 << 16)   ? 2
                                 : capacity <= (1LL << 32) ? 4
                                                           : 8;
      return 32 + index_bytes * static_cast<size_t>(capacity) +
             16 * static_cast<size_t>(DictUsable(capacity));
    }
    case ObjectType::kSet:
      // The small table lives inside the set object.
      return capacity <= kSetMinSize ? 0 : 16 * static_cast<size_t>(capacity);
    default:
      return 0;
  }
}

int64_t ListCapacityFor(int64_t entries, int64_t capacity) {
  // list_resize: keep the allocation while it is at most twice too big.
  if (capacity >= entries && entries >= (capacity >> 1)) return capacity;
  if (entries == 0) return 0;
  return (entries + (entries >> 3) + 6) & ~int64_t{3};
}

int64_t DictCapacityFor(int64_t entries, int64_t capacity) {
  if (entries == 0 && capacity == 0) return 0;  // the shared empty keys
  if (capacity == 0) capacity = kDictMinSize;
  // insertion_resize when the usable entries run out: GROWTH_RATE is
  // used * 3. Deleting never shrinks a dict.
  while (entries > DictUsable(capacity)) {
    capacity = PowerOfTwoAtLeast((entries - 1) * 3, kDictMinSize);
    if (entries <= DictUsable(capacity)) break;
    capacity <<= 1;
  }
  return capacity;
}

int64_t SetCapacityFor(int64_t entries, int64_t capacity) {
  if (capacity == 0) capacity = kSetMinSize;
  // set_add_entry resizes once fill * 5 >= mask * 3, to the smallest power
  // of two above used * 4 (used * 2 past 50,000). Removing never shrinks.
  while (entries * 5 >= (capacity - 1) * 3) {
    const int64_t minused = entries > 50000 ? entries * 2 : entries * 4;
    int64_t size = kSetMinSize;
    while (size <= minused) size <<= 1;
    capacity = size;
  }
  return capacity;
}

}  // namespace heapd::objects
