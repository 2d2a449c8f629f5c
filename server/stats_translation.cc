#include "server/stats_translation.h"

#include <cstdint>
#include <string>

#include "heap/size_class.h"

namespace heapd {
namespace {

// The heap counts in size_t; the wire uses int64 because proto3 has no
// unsigned 64-bit type that every client language reads comfortably. No
// counter of a heap that fits in memory comes near 2^63.
int64_t Wire(size_t value) { return static_cast<int64_t>(value); }

}  // namespace

void ToProto(const AllocatorLayout& layout, v1::AllocatorLayout* out) {
  out->set_preset(std::string(layout.preset()));
  out->set_arena_size(Wire(layout.arena_size()));
  out->set_pool_size(Wire(layout.pool_size()));
  // The constants below are properties of the model, not of a layout: they
  // are reported so a client never has to hard-code them.
  out->set_alignment(Wire(kAlignment));
  out->set_small_request_threshold(Wire(kSmallRequestThreshold));
  out->set_size_classes(kNumSizeClasses);
  out->set_pool_header_size(Wire(kPoolHeaderSize));
  out->set_arena_release(std::string(ArenaReleaseName(layout.release())));
}

void ToProto(const SizeClassStats& row, v1::SizeClassStats* out) {
  out->set_size_class(row.size_class);
  out->set_block_size(Wire(row.block_size));
  out->set_blocks_per_pool(Wire(row.blocks_per_pool));
  out->set_pools(Wire(row.pools));
  out->set_blocks_in_use(Wire(row.blocks_in_use));
  out->set_available_blocks(Wire(row.available_blocks));
}

void ToProto(const RawDomainStats& raw, v1::RawDomainStats* out) {
  out->set_blocks_in_use(Wire(raw.blocks_in_use));
  out->set_bytes_in_use(Wire(raw.bytes_in_use));
  out->set_bytes_highwater(Wire(raw.bytes_highwater));
  out->set_allocations_total(Wire(raw.allocations_total));
  out->set_frees_total(Wire(raw.frees_total));
}

void ToProto(const AllocatorLayout& layout, const AllocatorStats& stats,
             v1::AllocatorStats* out) {
  ToProto(layout, out->mutable_layout());

  const SmallObjectStats& small = stats.small;
  out->clear_size_classes();
  out->mutable_size_classes()->Reserve(kNumSizeClasses);
  for (const SizeClassStats& row : small.size_classes) {
    ToProto(row, out->add_size_classes());
  }

  out->set_arenas_allocated_total(Wire(small.arenas_allocated_total));
  out->set_arenas_reclaimed(Wire(small.arenas_reclaimed));
  out->set_arenas_highwater(Wire(small.arenas_highwater));
  out->set_arenas_current(Wire(small.arenas_current));
  out->set_arena_bytes(Wire(small.arena_bytes));

  out->set_bytes_in_allocated_blocks(Wire(small.bytes_in_allocated_blocks));
  out->set_bytes_in_available_blocks(Wire(small.bytes_in_available_blocks));
  out->set_unused_pools(Wire(small.unused_pools));
  out->set_bytes_in_unused_pools(Wire(small.bytes_in_unused_pools));
  out->set_bytes_lost_to_pool_headers(Wire(small.bytes_lost_to_pool_headers));
  out->set_bytes_lost_to_quantization(Wire(small.bytes_lost_to_quantization));
  out->set_bytes_lost_to_arena_alignment(
      Wire(small.bytes_lost_to_arena_alignment));
  out->set_bytes_total(Wire(small.bytes_total));

  // The API's "nodes" are the heap's leaves: the nodes the map allocates on
  // demand. Its one root node is allocated at start-up and counted only in
  // the bytes.
  out->set_arena_map_nodes(Wire(small.arena_map_leaves));
  out->set_arena_map_bytes(Wire(small.arena_map_bytes));

  out->set_small_allocations_total(Wire(small.allocations_total));
  out->set_small_frees_total(Wire(small.frees_total));

  ToProto(stats.raw, out->mutable_raw());
}

}  // namespace heapd
