// The heap's object types and their sizes: CPython 3.12's builtins as
// sys.getsizeof reports them on a 64-bit build.
//
//   type    container  size (bytes)                      grows with
//   ------  ---------  --------------------------------  ---------------------
//   int     no         24 + 4 * max(1, ceil(bits / 30))  length = bit length
//   float   no         24
//   str     no         41 + length (compact ASCII)       length = characters
//   bytes   no         33 + length                       length = bytes
//   raw     no         length (0 allowed)                length = bytes
//   tuple   yes        40 + 8 * length                   length = slots
//   list    yes        56, items array 8 * capacity      capacity (appends)
//   dict    yes        64, keys table when non-empty     entries (fields)
//   set     yes        216, table when over 5 entries    entries (items)
//   object  yes        48 (managed dict, weakref slot)   -
//
// Container sizes include CPython's 16-byte GC header. Lists, dicts and sets
// keep their items in a second allocation, as CPython does (ob_item, the
// dict keys object, the set table); sys.getsizeof counts it and so does
// ObjectSize here.
#ifndef HEAPD_HEAP_OBJECTS_OBJECT_TYPE_H_
#define HEAPD_HEAP_OBJECTS_OBJECT_TYPE_H_

#include <cstddef>
#include <cstdint>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace heapd::objects {

enum class ObjectType : uint8_t {
  kInt,
  kFloat,
  kStr,
  kBytes,
  kTuple,
  kList,
  kDict,
  kSet,
  kObject,
  kRaw,
};
inline constexpr int kNumObjectTypes = 10;

// "int", "float", ..., as Python names them ("raw" for raw).
absl::string_view ObjectTypeName(ObjectType type);
absl::StatusOr<ObjectType> ParseObjectType(absl::string_view name);

// Containers can hold links and are tracked by the collector.
constexpr bool IsContainer(ObjectType type) {
  return type == ObjectType::kTuple || type == ObjectType::kList ||
         type == ObjectType::kDict || type == ObjectType::kSet ||
         type == ObjectType::kObject;
}

// Containers with named fields: object, dict, and tuple, whose slots are
// fields named "0".."n-1".
constexpr bool IsFieldHolder(ObjectType type) {
  return type == ObjectType::kObject || type == ObjectType::kDict ||
         type == ObjectType::kTuple;
}

// Containers that take items: list, set, and tuple, whose next empty slot
// an item fills.
constexpr bool IsItemHolder(ObjectType type) {
  return type == ObjectType::kList || type == ObjectType::kSet ||
         type == ObjectType::kTuple;
}

// Whether the type takes a length, and its largest accepted value.
bool HasLength(ObjectType type);
int64_t MaxLength(ObjectType type);

// Bytes CPython's PyGC_Head adds in front of every container.
inline constexpr size_t kGcHeaderSize = 16;
// Bytes of the object header (refcount, type pointer).
inline constexpr size_t kObjectHeaderSize = 16;

// The size of the object's own block (its basic size, with the GC header
// for containers). REQUIRES: length valid for the type.
size_t BasicSize(ObjectType type, int64_t length);

// The size of the items allocation a list, dict or set holds for `entries`
// entries given its current `capacity` (list: allocated slots; dict: keys
// table slots; set: table slots). 0 when it holds none.
size_t ItemsAllocationSize(ObjectType type, int64_t capacity);

// CPython's growth rules, as functions of the entry count after the change:
// the capacity a list, dict or set has once it holds `entries`, given the
// capacity it had. The list also shrinks, as list_resize does.
int64_t ListCapacityFor(int64_t entries, int64_t capacity);
int64_t DictCapacityFor(int64_t entries, int64_t capacity);
int64_t SetCapacityFor(int64_t entries, int64_t capacity);

}  // namespace heapd::objects

#endif  // HEAPD_HEAP_OBJECTS_OBJECT_TYPE_H_
