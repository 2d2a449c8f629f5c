#include "heap/obmalloc/small_object_allocator.h"

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <random>
#include <set>
#include <vector>

#include "gtest/gtest.h"

namespace heapd::obmalloc {
namespace {

constexpr int kLargestClass = kNumSizeClasses - 1;  // 512-byte blocks

uint32_t ArenaOf(const SmallObjectAllocator& a, void* p) {
  BlockLocation location;
  EXPECT_TRUE(a.Locate(p, &location));
  return location.arena_index;
}

uintptr_t PoolOf(const SmallObjectAllocator& a, void* p) {
  BlockLocation location;
  EXPECT_TRUE(a.Locate(p, &location));
  return location.pool;
}

void ExpectValid(const SmallObjectAllocator& a) {
  absl::Status status = a.Verify();
  ASSERT_TRUE(status.ok()) << status;
}

// The six parts sys._debugmallocstats() lists always add up to the memory
// mapped for arenas.
void ExpectBytesAddUp(const SmallObjectStats& s, const AllocatorLayout& l) {
  EXPECT_EQ(s.bytes_total, s.arenas_current * l.arena_size());
  EXPECT_EQ(s.arena_bytes, s.bytes_total);
  size_t pools = s.unused_pools;
  for (const SizeClassStats& row : s.size_classes) pools += row.pools;
  // Every pool of every arena is either used/full or unused, except those
  // lost to alignment.
  EXPECT_EQ(pools * l.pool_size() + s.bytes_lost_to_arena_alignment,
            s.arenas_current * l.arena_size());
}

class PoolStateTest : public testing::TestWithParam<const char*> {
 protected:
  PoolStateTest() : layout_(*AllocatorLayout::FromPreset(GetParam())) {}
  AllocatorLayout layout_;
};

TEST_P(PoolStateTest, FreshPoolThenFullThenUsedThenEmpty) {
  SmallObjectAllocator a(layout_);
  const int c = 2;  // 48-byte blocks
  const size_t n = BlocksPerPool(c, layout_.pool_size());

  // First block: one used pool with n - 1 available.
  std::vector<void*> blocks{a.Allocate(40)};
  SmallObjectStats s = a.Stats();
  EXPECT_EQ(s.size_classes[c].pools, 1u);
  EXPECT_EQ(s.size_classes[c].blocks_in_use, 1u);
  EXPECT_EQ(s.size_classes[c].available_blocks, n - 1);
  ExpectValid(a);

  // Fill the pool: it is full, blocks are consecutive, none is reused.
  while (blocks.size() < n) blocks.push_back(a.Allocate(48));
  for (size_t i = 1; i < n; ++i) {
    EXPECT_EQ(static_cast<char*>(blocks[i]) - static_cast<char*>(blocks[i - 1]),
              48)
        << "blocks are carved in address order";
  }
  s = a.Stats();
  EXPECT_EQ(s.size_classes[c].pools, 1u);
  EXPECT_EQ(s.size_classes[c].available_blocks, 0u);
  ExpectValid(a);

  // One more request of the class needs a second pool.
  void* extra = a.Allocate(33);
  EXPECT_NE(PoolOf(a, extra), PoolOf(a, blocks[0]));
  EXPECT_EQ(a.Stats().size_classes[c].pools, 2u);

  // Freeing a block of the full pool makes it used again, at the front of
  // the list: the next request reuses exactly that block.
  void* freed = blocks[n / 2];
  ASSERT_TRUE(a.Free(freed));
  ExpectValid(a);
  void* again = a.Allocate(48);
  EXPECT_EQ(again, freed);
  ExpectValid(a);

  // Emptying the second pool returns it to the arena as an unused pool.
  const size_t unused_before = a.Stats().unused_pools;
  ASSERT_TRUE(a.Free(extra));
  s = a.Stats();
  EXPECT_EQ(s.size_classes[c].pools, 1u);
  EXPECT_EQ(s.unused_pools, unused_before + 1);
  ExpectValid(a);

  for (void* b : blocks) ASSERT_TRUE(a.Free(b));
  s = a.Stats();
  EXPECT_EQ(s.size_classes[c].pools, 0u);
  EXPECT_EQ(s.size_classes[c].blocks_in_use, 0u);
  EXPECT_EQ(s.allocations_total, n + 2);
  EXPECT_EQ(s.frees_total, n + 2);
  ExpectValid(a);
}

TEST_P(PoolStateTest, EmptyPoolIsReusedByItsOwnClassWithItsFreeList) {
  SmallObjectAllocator a(layout_);
  void* first = a.Allocate(16);
  void* second = a.Allocate(16);
  const uintptr_t pool = PoolOf(a, first);
  ASSERT_TRUE(a.Free(second));
  ASSERT_TRUE(a.Free(first));  // the pool is empty, cached by its arena
  ExpectValid(a);
  // The same class takes the cached pool back, last freed block first.
  void* again = a.Allocate(10);
  EXPECT_EQ(PoolOf(a, again), pool);
  EXPECT_EQ(again, first);
  ASSERT_TRUE(a.Free(again));

  // Another class takes the same pool and re-initializes it.
  void* other = a.Allocate(100);
  EXPECT_EQ(PoolOf(a, other), pool);
  BlockLocation location;
  ASSERT_TRUE(a.Locate(other, &location));
  EXPECT_EQ(location.size_class, 6);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(other), pool + kPoolHeaderSize);
  ExpectValid(a);
  ASSERT_TRUE(a.Free(other));
}

TEST_P(PoolStateTest, StatsMatchCpythonsArithmetic) {
  // 1,000 24-byte requests: class 1 (32-byte blocks).
  SmallObjectAllocator a(layout_);
  std::vector<void*> blocks;
  for (int i = 0; i < 1000; ++i) blocks.push_back(a.Allocate(24));
  const size_t per_pool = BlocksPerPool(1, layout_.pool_size());
  const size_t pools = (1000 + per_pool - 1) / per_pool;
  const SmallObjectStats s = a.Stats();
  EXPECT_EQ(s.size_classes[1].pools, pools);
  EXPECT_EQ(s.size_classes[1].blocks_in_use, 1000u);
  EXPECT_EQ(s.size_classes[1].available_blocks, pools * per_pool - 1000);
  EXPECT_EQ(s.bytes_in_allocated_blocks, 32u * 1000);
  EXPECT_EQ(s.bytes_lost_to_pool_headers, pools * 48);
  EXPECT_EQ(s.bytes_lost_to_quantization,
            pools * QuantizationLossPerPool(1, layout_.pool_size()));
  EXPECT_EQ(s.arenas_current, 1u);
  EXPECT_EQ(s.arenas_allocated_total, 1u);
  ExpectBytesAddUp(s, layout_);
  for (void* b : blocks) a.Free(b);
  ExpectValid(a);
}

TEST_P(PoolStateTest, OccupancyAgreesWithStats) {
  SmallObjectAllocator a(layout_);
  std::vector<void*> blocks;
  for (int i = 0; i < 1000; ++i) blocks.push_back(a.Allocate(24));
  for (int i = 0; i < 10; ++i) blocks.push_back(a.Allocate(500));
  const SmallObjectStats s = a.Stats();
  const std::vector<ArenaOccupancy> arenas = a.Occupancy();
  ASSERT_EQ(arenas.size(), s.arenas_current);
  size_t pools = 0, empty = 0, used_blocks = 0;
  for (const ArenaOccupancy& arena : arenas) {
    for (const PoolOccupancy& pool : arena.pools) {
      ++pools;
      if (pool.size_class == kEmptyPoolClass) {
        ++empty;
        EXPECT_EQ(pool.blocks_in_use, 0u);
        continue;
      }
      used_blocks += pool.blocks_in_use;
    }
  }
  size_t used_pools = 0;
  for (const SizeClassStats& row : s.size_classes) used_pools += row.pools;
  EXPECT_EQ(pools - empty, used_pools);
  EXPECT_EQ(empty, s.unused_pools);
  EXPECT_EQ(used_blocks, 1010u);
  EXPECT_EQ(arenas[0].pools[0].size_class, 1);
  for (void* b : blocks) a.Free(b);
}

INSTANTIATE_TEST_SUITE_P(Layouts, PoolStateTest,
                         testing::Values("classic", "cpython312"));

// Fills `count` whole arenas with 512-byte blocks (plus the blocks of a
// partly filled last arena if `extra` > 0).
std::vector<void*> FillArenas(SmallObjectAllocator& a, size_t count,
                              size_t extra = 0) {
  const size_t per_arena = a.layout().pools_per_arena() *
                           BlocksPerPool(kLargestClass, a.layout().pool_size());
  std::vector<void*> blocks;
  for (size_t i = 0; i < count * per_arena + extra; ++i) {
    blocks.push_back(a.Allocate(512));
  }
  return blocks;
}

TEST(ArenaTest, WhollyFreeArenaIsReleasedKeepingOneUnderCpython39Policy) {
  SmallObjectAllocator a(AllocatorLayout::Classic());
  std::vector<void*> blocks = FillArenas(a, 3);
  EXPECT_EQ(a.Stats().arenas_current, 3u);
  ExpectValid(a);
  for (void* b : blocks) ASSERT_TRUE(a.Free(b));
  const SmallObjectStats s = a.Stats();
  // CPython 3.9+: one wholly free arena is kept to avoid thrashing.
  EXPECT_EQ(s.arenas_current, 1u);
  EXPECT_EQ(s.arenas_allocated_total, 3u);
  EXPECT_EQ(s.arenas_reclaimed, 2u);
  EXPECT_EQ(s.arenas_highwater, 3u);
  EXPECT_EQ(s.unused_pools, 64u);
  ExpectBytesAddUp(s, a.layout());
  ExpectValid(a);

  // The kept arena serves the next request without a new mmap.
  void* p = a.Allocate(1);
  EXPECT_EQ(a.Stats().arenas_allocated_total, 3u);
  a.Free(p);
}

TEST(ArenaTest, EagerPolicyReleasesEveryWhollyFreeArena) {
  SmallObjectAllocator a(
      *AllocatorLayout::Create(256 << 10, 4 << 10, ArenaRelease::kEager));
  std::vector<void*> blocks = FillArenas(a, 2, 5);
  EXPECT_EQ(a.Stats().arenas_current, 3u);
  for (void* b : blocks) {
    ASSERT_TRUE(a.Free(b));
    ASSERT_TRUE(a.Verify().ok()) << a.Verify();
  }
  const SmallObjectStats s = a.Stats();
  EXPECT_EQ(s.arenas_current, 0u);
  EXPECT_EQ(s.arenas_reclaimed, 3u);
  EXPECT_EQ(s.bytes_total, 0u);
}

TEST(ArenaTest, ArenaIsReleasedWhenItsLastPoolEmpties) {
  SmallObjectAllocator a(AllocatorLayout::Classic());
  std::vector<void*> blocks = FillArenas(a, 2, 1);  // arenas 0, 1 full; 2 used
  ASSERT_EQ(a.Stats().arenas_current, 3u);
  // Free arena 0's blocks: with arena 2 wholly usable later, arena 0 is not
  // the emptiest... until it is wholly free and the last. Free arena 2's
  // single block first so that arena 2 is the kept one.
  const uint32_t third = ArenaOf(a, blocks.back());
  ASSERT_TRUE(a.Free(blocks.back()));
  blocks.pop_back();
  EXPECT_EQ(a.Stats().arenas_current, 3u) << "the last arena is kept";
  const uint32_t first = ArenaOf(a, blocks.front());
  ASSERT_NE(first, third);
  size_t freed = 0;
  for (void* b : blocks) {
    if (ArenaOf(a, b) != first) continue;
    ASSERT_TRUE(a.Free(b));
    ++freed;
  }
  EXPECT_EQ(freed, 64u * 7);
  EXPECT_EQ(a.Stats().arenas_current, 2u);
  EXPECT_EQ(a.Stats().arenas_reclaimed, 1u);
  ExpectValid(a);
  for (void* b : blocks) {
    BlockLocation location;
    if (a.Locate(b, &location)) a.Free(b);
  }
  ExpectValid(a);
}

TEST(ArenaTest, NewPoolsComeFromTheFullestArena) {
  SmallObjectAllocator a(AllocatorLayout::Classic());
  const size_t per_pool = BlocksPerPool(kLargestClass, 4096);
  // Two full arenas of 512-byte blocks.
  std::vector<void*> blocks = FillArenas(a, 2);
  const uint32_t arena_a = ArenaOf(a, blocks.front());
  const uint32_t arena_b = ArenaOf(a, blocks.back());
  ASSERT_NE(arena_a, arena_b);

  // Empty 3 pools of A and 10 pools of B: A is the fuller.
  auto empty_pools = [&](uint32_t arena, size_t pools) {
    std::set<uintptr_t> emptied;
    for (void*& b : blocks) {
      if (b == nullptr || ArenaOf(a, b) != arena) continue;
      const uintptr_t pool = PoolOf(a, b);
      if (emptied.size() == pools && !emptied.count(pool)) continue;
      emptied.insert(pool);
      a.Free(b);
      b = nullptr;
    }
    return emptied;
  };
  empty_pools(arena_a, 3);
  empty_pools(arena_b, 10);
  ExpectValid(a);
  (void)per_pool;

  // Pools for other classes come from A until A has no free pool left.
  for (int i = 0; i < 3; ++i) {
    void* p = a.Allocate(16 * (i + 1));
    EXPECT_EQ(ArenaOf(a, p), arena_a) << "request " << i;
    blocks.push_back(p);
  }
  ExpectValid(a);
  // A is full now; B serves.
  void* p = a.Allocate(200);
  EXPECT_EQ(ArenaOf(a, p), arena_b);
  blocks.push_back(p);
  ExpectValid(a);
  for (void* b : blocks) {
    if (b != nullptr) a.Free(b);
  }
  ExpectValid(a);
}

TEST(ArenaTest, UnalignedArenasLoseOnePool) {
  // 16 KiB pools on 4 KiB-aligned mmap: most arenas lose a pool, as CPython
  // 3.10+ reports under "bytes lost to arena alignment".
  SmallObjectAllocator a(AllocatorLayout::Cpython312());
  void* p = a.Allocate(64);
  const SmallObjectStats s = a.Stats();
  BlockLocation location;
  ASSERT_TRUE(a.Locate(p, &location));
  const bool aligned = location.arena_base % 16384 == 0;
  EXPECT_EQ(s.bytes_lost_to_arena_alignment, aligned ? 0u : 16384u);
  EXPECT_EQ(s.unused_pools, aligned ? 63u : 62u);
  ExpectBytesAddUp(s, a.layout());
  a.Free(p);
}

TEST(ArenaTest, OffsetSourcePlacesEachArena) {
  // Offsets 0, 4, 8 and 12 KiB from a 16 KiB boundary, as a replay gives
  // them: only the aligned arena keeps all 64 pools.
  SmallObjectAllocator a(AllocatorLayout::Cpython312());
  // Offsets are taken modulo the pool and rounded down to a page: these
  // give 4, 0, 8 and 12 KiB.
  const std::vector<size_t> offsets = {4096 + 100, 16384, 8192, 12288 + 4095};
  size_t next = 0;
  a.set_arena_offset_source([&] { return offsets[next++]; });
  std::vector<void*> blocks;
  // A 512-byte request per pool (31 blocks fill one): 64 pools of 31 blocks
  // fill every arena, so each of the four needs a new one.
  std::vector<uintptr_t> bases;
  while (bases.size() < offsets.size()) {
    void* p = a.Allocate(512);
    ASSERT_NE(p, nullptr);
    blocks.push_back(p);
    BlockLocation location;
    ASSERT_TRUE(a.Locate(p, &location));
    if (std::find(bases.begin(), bases.end(), location.arena_base) ==
        bases.end()) {
      bases.push_back(location.arena_base);
    }
  }
  ASSERT_EQ(bases.size(), 4u);
  for (size_t i = 0; i < bases.size(); ++i) {
    EXPECT_EQ(bases[i] % 16384, offsets[i] % 16384 / 4096 * 4096)
        << "arena " << i;
  }
  const SmallObjectStats s = a.Stats();
  EXPECT_EQ(s.bytes_lost_to_arena_alignment, 3u * 16384);
  ExpectBytesAddUp(s, a.layout());
  ExpectValid(a);
  for (void* p : blocks) a.Free(p);
  ExpectValid(a);
}

TEST(OwnershipTest, LocateAndOwnAnswerForAnyAddress) {
  SmallObjectAllocator a(AllocatorLayout::Classic());
  void* p = a.Allocate(100);
  BlockLocation location;
  ASSERT_TRUE(a.Locate(p, &location));
  EXPECT_EQ(location.size_class, 6);
  EXPECT_EQ(location.pool % 4096, 0u);
  EXPECT_GE(reinterpret_cast<uintptr_t>(p), location.arena_base);
  EXPECT_TRUE(a.Owns(p));

  int on_stack = 0;
  void* from_malloc = std::malloc(64);
  EXPECT_FALSE(a.Owns(&on_stack));
  EXPECT_FALSE(a.Owns(from_malloc));
  EXPECT_FALSE(a.Locate(from_malloc, &location));
  EXPECT_FALSE(a.Free(from_malloc)) << "not ours: untouched";
  std::free(from_malloc);
  // Inside the arena but not a block: the pool header, an uncarved pool.
  EXPECT_FALSE(a.Locate(reinterpret_cast<void*>(location.pool), &location));
  ASSERT_TRUE(a.Locate(p, &location));
  EXPECT_FALSE(
      a.Locate(reinterpret_cast<void*>(location.arena_base + 10 * 4096 + 64),
               &location));
  a.Free(p);
}

TEST(VerifyTest, DetectsADoubleFree) {
  SmallObjectAllocator a(AllocatorLayout::Classic());
  void* p = a.Allocate(32);
  void* q = a.Allocate(32);
  void* r = a.Allocate(32);
  ExpectValid(a);
  a.Free(q);
  a.Free(q);  // breaks the contract on purpose
  absl::Status status = a.Verify();
  EXPECT_EQ(status.code(), absl::StatusCode::kInternal);
  EXPECT_NE(status.message().find("twice"), std::string::npos) << status;
  (void)p;
  (void)r;
}

// Long random sequences of allocations and frees, the invariants checked
// after every step, for both layouts and both release policies.
struct RandomCase {
  size_t arena_size;
  size_t pool_size;
  ArenaRelease release;
};

class RandomSequenceTest : public testing::TestWithParam<RandomCase> {};

TEST_P(RandomSequenceTest, VerifyHoldsAfterEveryStep) {
  const RandomCase& c = GetParam();
  const AllocatorLayout layout =
      *AllocatorLayout::Create(c.arena_size, c.pool_size, c.release);
  SmallObjectAllocator a(layout);
  std::mt19937_64 rng(20261125 + c.pool_size);
  std::vector<std::pair<void*, size_t>> live;
  size_t peak_arenas = 0;
  // Grow to about one and a half arenas of live blocks (the average block
  // is 264 bytes), shrink to nothing, twice: arenas fill, drain and go back.
  const size_t target = layout.arena_size() * 3 / 2 / 264;
  bool growing = true;
  int cycles = 0;
  for (int step = 0; cycles < 2; ++step) {
    if (growing && live.size() >= target) growing = false;
    if (!growing && live.empty()) {
      growing = true;
      ++cycles;
    }
    const bool allocate = live.empty() || (rng() % 100) < (growing ? 80u : 20u);
    if (allocate) {
      const size_t n = 1 + rng() % 512;
      void* p = a.Allocate(n);
      ASSERT_NE(p, nullptr);
      ASSERT_EQ(reinterpret_cast<uintptr_t>(p) % 16, 0u);
      BlockLocation location;
      ASSERT_TRUE(a.Locate(p, &location));
      ASSERT_EQ(location.size_class, SizeClassOf(n));
      // Scribble over the whole request: it must not corrupt anything.
      std::fill_n(static_cast<unsigned char*>(p), n, 0xAB);
      live.emplace_back(p, n);
    } else {
      const size_t i = rng() % live.size();
      ASSERT_TRUE(a.Free(live[i].first));
      live[i] = live.back();
      live.pop_back();
    }
    absl::Status status = a.Verify();
    ASSERT_TRUE(status.ok()) << "step " << step << ": " << status;
    if (step % 512 == 0) {
      const SmallObjectStats s = a.Stats();
      ExpectBytesAddUp(s, layout);
      ASSERT_EQ(s.frees_total + live.size(), s.allocations_total);
    }
    peak_arenas = std::max(peak_arenas, a.arenas_current());
  }
  for (auto& [p, n] : live) ASSERT_TRUE(a.Free(p));
  ExpectValid(a);
  const SmallObjectStats s = a.Stats();
  EXPECT_GT(peak_arenas, 1u) << "the sequence should need several arenas";
  EXPECT_GT(s.arenas_reclaimed, 0u) << "and give some back";
  EXPECT_LE(s.arenas_current, c.release == ArenaRelease::kEager ? 0u : 1u);
  ExpectBytesAddUp(s, layout);
}

INSTANTIATE_TEST_SUITE_P(
    Layouts, RandomSequenceTest,
    testing::Values(RandomCase{256 << 10, 4 << 10, ArenaRelease::kKeepOne},
                    RandomCase{256 << 10, 4 << 10, ArenaRelease::kEager},
                    RandomCase{1 << 20, 16 << 10, ArenaRelease::kKeepOne},
                    RandomCase{1 << 20, 16 << 10, ArenaRelease::kEager},
                    // Small arenas: many of them, more list movement.
                    RandomCase{16 << 10, 2 << 10, ArenaRelease::kKeepOne}));

}  // namespace
}  // namespace heapd::obmalloc
