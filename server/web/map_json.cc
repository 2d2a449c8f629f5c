#include "server/web/map_json.h"

#include <vector>

#include "heap/obmalloc/size_class.h"
#include "heap/obmalloc/small_object_allocator.h"
#include "server/web/json_writer.h"

namespace heapd::server::web {
namespace {

void WriteLayout(const obmalloc::AllocatorLayout& layout, JsonWriter& w) {
  w.Key("layout");
  w.BeginObject();
  w.Key("preset");
  w.String(layout.preset());
  w.Key("arena_size");
  w.Int(static_cast<int64_t>(layout.arena_size()));
  w.Key("pool_size");
  w.Int(static_cast<int64_t>(layout.pool_size()));
  w.Key("pools_per_arena");
  w.Int(static_cast<int64_t>(layout.pools_per_arena()));
  w.EndObject();
  // Per size class: the block size and how many blocks a pool holds, so
  // the page can shade a pool by how full it is.
  w.Key("block_size");
  w.BeginArray();
  for (int c = 0; c < obmalloc::kNumSizeClasses; ++c) {
    w.Int(static_cast<int64_t>(obmalloc::BlockSizeOf(c)));
  }
  w.EndArray();
  w.Key("blocks_per_pool");
  w.BeginArray();
  for (int c = 0; c < obmalloc::kNumSizeClasses; ++c) {
    w.Int(static_cast<int64_t>(obmalloc::BlocksPerPool(c, layout.pool_size())));
  }
  w.EndArray();
}

}  // namespace

std::string PendingMapJson(const obmalloc::AllocatorLayout& layout) {
  JsonWriter w;
  w.BeginObject();
  w.Key("pending");
  w.Bool(true);
  WriteLayout(layout, w);
  w.EndObject();
  return w.Take();
}

std::string MapJson(const StatsSnapshot& snapshot,
                    const obmalloc::AllocatorLayout& layout, size_t max_pools) {
  const std::vector<obmalloc::ArenaOccupancy>& arenas = snapshot.map->arenas;
  size_t total_pools = 0;
  for (const obmalloc::ArenaOccupancy& arena : arenas) {
    total_pools += arena.pools.size();
  }
  const bool aggregated = total_pools > max_pools;
  JsonWriter w;
  w.BeginObject();
  w.Key("pending");
  w.Bool(false);
  w.Key("sequence");
  w.Int(static_cast<int64_t>(snapshot.sequence));
  w.Key("timestamp_unix_ns");
  w.Int(snapshot.timestamp_unix_ns);
  w.Key("capture_ns");
  w.Int(snapshot.map->capture_ns);
  WriteLayout(layout, w);
  w.Key("aggregated");
  w.Bool(aggregated);
  w.Key("arena_count");
  w.Int(static_cast<int64_t>(arenas.size()));
  w.Key("pool_count");
  w.Int(static_cast<int64_t>(total_pools));
  int64_t used_pools_total = 0;
  w.Key("arenas");
  w.BeginArray();
  for (const obmalloc::ArenaOccupancy& arena : arenas) {
    int64_t used_pools = 0, blocks = 0, capacity = 0;
    for (const obmalloc::PoolOccupancy& pool : arena.pools) {
      if (pool.size_class == obmalloc::kEmptyPoolClass) continue;
      ++used_pools;
      blocks += pool.blocks_in_use;
      capacity += static_cast<int64_t>(
          obmalloc::BlocksPerPool(pool.size_class, layout.pool_size()));
    }
    used_pools_total += used_pools;
    w.BeginObject();
    w.Key("index");
    w.Int(arena.index);
    w.Key("pools");
    w.Int(static_cast<int64_t>(arena.pools.size()));
    w.Key("used_pools");
    w.Int(used_pools);
    w.Key("blocks_in_use");
    w.Int(blocks);
    w.Key("block_capacity");
    w.Int(capacity);
    if (!aggregated) {
      // Two arrays, pool by pool in address order: the size class (-1 for
      // an empty pool) and the blocks in use.
      w.Key("class");
      w.BeginArray();
      for (const obmalloc::PoolOccupancy& pool : arena.pools) {
        w.Int(pool.size_class == obmalloc::kEmptyPoolClass ? -1
                                                           : pool.size_class);
      }
      w.EndArray();
      w.Key("used");
      w.BeginArray();
      for (const obmalloc::PoolOccupancy& pool : arena.pools) {
        w.Int(pool.blocks_in_use);
      }
      w.EndArray();
    }
    w.EndObject();
  }
  w.EndArray();
  w.Key("used_pool_count");
  w.Int(used_pools_total);
  w.EndObject();
  return w.Take();
}

}  // namespace heapd::server::web
