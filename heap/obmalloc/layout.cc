#include "heap/obmalloc/layout.h"

#include <bit>
#include <limits>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "heap/obmalloc/size_class.h"

namespace heapd::obmalloc {
namespace {

constexpr size_t kKiB = 1024;
constexpr size_t kClassicArena = 256 * kKiB;
constexpr size_t kClassicPool = 4 * kKiB;
constexpr size_t kCpython312Arena = 1024 * kKiB;
constexpr size_t kCpython312Pool = 16 * kKiB;

std::string HumanSize(size_t bytes) {
  if (bytes >= kKiB * kKiB && bytes % (kKiB * kKiB) == 0) {
    return absl::StrCat(bytes / (kKiB * kKiB), " MiB");
  }
  if (bytes >= kKiB && bytes % kKiB == 0) {
    return absl::StrCat(bytes / kKiB, " KiB");
  }
  return absl::StrCat(bytes, " bytes");
}

}  // namespace

absl::string_view ArenaReleaseName(ArenaRelease release) {
  switch (release) {
    case ArenaRelease::kKeepOne:
      return "keep_one";
    case ArenaRelease::kEager:
      return "eager";
  }
  return "unknown";
}

absl::StatusOr<ArenaRelease> ParseArenaRelease(absl::string_view name) {
  if (name == "keep_one") return ArenaRelease::kKeepOne;
  if (name == "eager") return ArenaRelease::kEager;
  return absl::InvalidArgumentError(
      absl::StrCat("unknown arena release policy '", name,
                   "': use keep_one (CPython 3.9+) or eager (CPython 3.8)"));
}

AllocatorLayout::AllocatorLayout(size_t arena_size, size_t pool_size,
                                 ArenaRelease release)
    : arena_size_(arena_size),
      pool_size_(pool_size),
      release_(release),
      arena_shift_(std::countr_zero(arena_size)),
      pool_shift_(std::countr_zero(pool_size)),
      preset_("custom") {
  if (arena_size == kClassicArena && pool_size == kClassicPool) {
    preset_ = "classic";
  } else if (arena_size == kCpython312Arena && pool_size == kCpython312Pool) {
    preset_ = "cpython312";
  }
}

AllocatorLayout AllocatorLayout::Classic() {
  return AllocatorLayout(kClassicArena, kClassicPool, ArenaRelease::kKeepOne);
}

AllocatorLayout AllocatorLayout::Cpython312() {
  return AllocatorLayout(kCpython312Arena, kCpython312Pool,
                         ArenaRelease::kKeepOne);
}

absl::StatusOr<AllocatorLayout> AllocatorLayout::FromPreset(
    absl::string_view preset) {
  if (preset == "classic") return Classic();
  if (preset == "cpython312") return Cpython312();
  return absl::InvalidArgumentError(absl::StrCat(
      "unknown layout preset '", preset,
      "': use classic (256 KiB arenas, 4 KiB pools) or cpython312 (1 MiB "
      "arenas, 16 KiB pools)"));
}

namespace {

// " (try N)", the next power of two, when there is one below 2^64.
std::string NextPowerOfTwo(size_t n) {
  if (n > (std::numeric_limits<size_t>::max() >> 1) + 1) return "";
  return absl::StrCat(" (try ", std::bit_ceil(n), ")");
}

}  // namespace

absl::StatusOr<AllocatorLayout> AllocatorLayout::Create(size_t arena_size,
                                                        size_t pool_size,
                                                        ArenaRelease release) {
  if (!std::has_single_bit(pool_size)) {
    return absl::InvalidArgumentError(absl::StrCat("pool size ", pool_size,
                                                   " is not a power of two",
                                                   NextPowerOfTwo(pool_size)));
  }
  if (!std::has_single_bit(arena_size)) {
    return absl::InvalidArgumentError(absl::StrCat("arena size ", arena_size,
                                                   " is not a power of two",
                                                   NextPowerOfTwo(arena_size)));
  }
  if (pool_size < kMinPoolSize || pool_size > kMaxPoolSize) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "pool size %d is out of range: a pool must be %d..%d bytes (it holds "
        "a %d-byte header and at least two 512-byte blocks)",
        pool_size, kMinPoolSize, kMaxPoolSize, kPoolHeaderSize));
  }
  if (arena_size > kMaxArenaSize) {
    return absl::InvalidArgumentError(
        absl::StrFormat("arena size %d is too large: at most %d bytes",
                        arena_size, kMaxArenaSize));
  }
  // Both are powers of two, so "divides" reduces to "not larger".
  if (arena_size < kMinPoolsPerArena * pool_size) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "arena size %d must hold at least %d pools of %d bytes (the pool "
        "size must divide the arena size, and mmap may cost one pool to "
        "alignment)",
        arena_size, kMinPoolsPerArena, pool_size));
  }
  return AllocatorLayout(arena_size, pool_size, release);
}

std::string AllocatorLayout::ToString() const {
  return absl::StrCat(preset_, " (", HumanSize(arena_size_), " arenas, ",
                      HumanSize(pool_size_), " pools, ",
                      ArenaReleaseName(release_), ")");
}

}  // namespace heapd::obmalloc
