#include "server/stats_translation.h"

#include <cstdint>
#include <string>

#include "heap/obmalloc/size_class.h"

namespace heapd::server {
namespace {

// The heap counts in size_t; the wire uses int64 because proto3 has no
// unsigned 64-bit type that every client language reads comfortably. No
// counter of a heap that fits in memory comes near 2^63.
int64_t Wire(size_t value) { return static_cast<int64_t>(value); }

}  // namespace

void ToProto(const obmalloc::AllocatorLayout& layout,
             v1::AllocatorLayout* out) {
  out->set_preset(std::string(layout.preset()));
  out->set_arena_size(Wire(layout.arena_size()));
  out->set_pool_size(Wire(layout.pool_size()));
  // The constants below are properties of the model, not of a layout: they
  // are reported so a client never has to hard-code them.
  out->set_alignment(Wire(obmalloc::kAlignment));
  out->set_small_request_threshold(Wire(obmalloc::kSmallRequestThreshold));
  out->set_size_classes(obmalloc::kNumSizeClasses);
  out->set_pool_header_size(Wire(obmalloc::kPoolHeaderSize));
  out->set_arena_release(
      std::string(obmalloc::ArenaReleaseName(layout.release())));
}

void ToProto(const obmalloc::SizeClassStats& row, v1::SizeClassStats* out) {
  out->set_size_class(row.size_class);
  out->set_block_size(Wire(row.block_size));
  out->set_blocks_per_pool(Wire(row.blocks_per_pool));
  out->set_pools(Wire(row.pools));
  out->set_blocks_in_use(Wire(row.blocks_in_use));
  out->set_available_blocks(Wire(row.available_blocks));
}

void ToProto(const obmalloc::RawDomainStats& raw, v1::RawDomainStats* out) {
  out->set_blocks_in_use(Wire(raw.blocks_in_use));
  out->set_bytes_in_use(Wire(raw.bytes_in_use));
  out->set_bytes_highwater(Wire(raw.bytes_highwater));
  out->set_allocations_total(Wire(raw.allocations_total));
  out->set_frees_total(Wire(raw.frees_total));
}

void ToProto(const obmalloc::AllocatorLayout& layout,
             const obmalloc::AllocatorStats& stats, v1::AllocatorStats* out) {
  ToProto(layout, out->mutable_layout());

  const obmalloc::SmallObjectStats& small = stats.small;
  out->clear_size_classes();
  out->mutable_size_classes()->Reserve(obmalloc::kNumSizeClasses);
  for (const obmalloc::SizeClassStats& row : small.size_classes) {
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
  out->set_heap_bytes(static_cast<int64_t>(stats.memory_bytes));
  out->set_max_heap_bytes(static_cast<int64_t>(stats.memory_limit));
  out->set_heap_limit_refusals(static_cast<int64_t>(stats.memory_refused));
}

void ToProto(const gil::LatencySummary& summary, v1::Histogram* out) {
  out->set_count(static_cast<int64_t>(summary.count));
  out->set_sum_ns(static_cast<int64_t>(summary.sum));
  out->set_p50_ns(static_cast<int64_t>(summary.p50));
  out->set_p90_ns(static_cast<int64_t>(summary.p90));
  out->set_p99_ns(static_cast<int64_t>(summary.p99));
  out->set_p999_ns(static_cast<int64_t>(summary.p999));
  out->set_max_ns(static_cast<int64_t>(summary.max));
}

void ToProto(const objects::ObjectHeapStats& stats, int64_t max_objects,
             v1::ObjectStats* out) {
  out->set_objects(stats.objects);
  out->set_bytes(stats.bytes);
  out->clear_by_type();
  for (int t = 0; t < objects::kNumObjectTypes; ++t) {
    const objects::TypeCount& count = stats.by_type[t];
    if (count.objects == 0) continue;
    v1::TypeStats* row = out->add_by_type();
    // heap's ObjectType order is proto's minus one (proto 0 is UNSPECIFIED).
    row->set_type(static_cast<v1::ObjectType>(t + 1));
    row->set_count(count.objects);
    row->set_bytes(count.bytes);
  }
  out->set_weakrefs(stats.weakrefs);
  out->set_max_objects(max_objects);
}

void ToProto(const objects::ObjectHeapStats& stats,
             const std::vector<objects::HeapEvent>& events,
             v1::CollectorStats* out) {
  out->set_enabled(stats.enabled);
  out->set_debug_flags(stats.debug_flags);
  out->clear_generations();
  for (int g = 0; g < objects::kNumGenerations; ++g) {
    const objects::GenerationStats& gen = stats.generations[g];
    v1::GenerationStats* row = out->add_generations();
    row->set_generation(g);
    row->set_count(gen.count);
    row->set_threshold(gen.threshold);
    row->set_collections(gen.collections);
    row->set_collected(gen.collected);
    row->set_uncollectable(gen.uncollectable);
  }
  out->set_permanent(stats.permanent);
  out->set_long_lived_total(stats.long_lived_total);
  out->set_long_lived_pending(stats.long_lived_pending);
  out->set_garbage(stats.garbage);
  out->set_limit_collections(stats.limit_collections);
  out->clear_recent();
  for (const objects::HeapEvent& event : events) {
    if (event.kind != objects::HeapEvent::Kind::kCollection) continue;
    ToProto(event, out->add_recent());
  }
}

void ToProto(const objects::HeapEvent& event, v1::CollectionEvent* out) {
  out->set_sequence(event.sequence);
  out->set_timestamp_unix_ns(absl::ToUnixNanos(event.time));
  out->set_generation(event.collection.generation);
  out->set_examined(event.collection.examined);
  out->set_collected(event.collection.collected);
  out->set_uncollectable(event.collection.uncollectable);
  out->set_duration_ns(absl::ToInt64Nanoseconds(event.collection.duration));
  out->set_automatic(event.collection.automatic);
}

void ToProto(const gil::LockStatsSnapshot& stats, v1::LockStats* out) {
  out->set_policy(stats.policy);
  out->set_switch_interval_ns(absl::ToInt64Nanoseconds(stats.switch_interval));
  out->set_acquisitions(static_cast<int64_t>(stats.acquisitions));
  out->set_contended(static_cast<int64_t>(stats.contended));
  ToProto(stats.wait, out->mutable_wait());
  ToProto(stats.hold, out->mutable_hold());
  out->set_drop_requests(static_cast<int64_t>(stats.drop_requests));
  out->set_forced_switches(static_cast<int64_t>(stats.forced_switches));
  out->set_handoffs(static_cast<int64_t>(stats.handoffs));
  out->set_waiters_current(static_cast<int64_t>(stats.waiters_current));
  out->set_waiters_peak(static_cast<int64_t>(stats.waiters_peak));
  out->set_held_ns_total(static_cast<int64_t>(stats.held_ns_total));
  out->clear_by_kind();
  for (const gil::RequestKindStats& kind : stats.kinds) {
    if (kind.acquisitions == 0) continue;
    v1::LockKindStats* row = out->add_by_kind();
    row->set_kind(kind.name);
    row->set_acquisitions(static_cast<int64_t>(kind.acquisitions));
    row->set_contended(static_cast<int64_t>(kind.contended));
    ToProto(kind.wait, row->mutable_wait());
    ToProto(kind.hold, row->mutable_hold());
  }
}

void ToProto(const ServerFigures& figures, v1::ServerStats* out) {
  out->set_version(figures.version);
  out->set_started_unix_ns(figures.started_unix_ns);
  out->set_uptime_ns(figures.uptime_ns);
  out->set_sessions_open(figures.sessions.open);
  out->set_sessions_opened_total(figures.sessions.opened_total);
  out->set_sessions_closed_total(figures.sessions.closed_total);
  out->set_sessions_expired_total(figures.sessions.expired_total);
  int64_t rpcs = 0;
  int64_t errors = 0;
  out->clear_methods();
  for (const MethodCounts& counts : figures.methods) {
    v1::MethodStats* method = out->add_methods();
    method->set_method(counts.method);
    method->set_calls(counts.calls);
    rpcs += counts.calls;
    for (const CodeCount& code : counts.errors) {
      v1::StatusCount* error = method->add_errors();
      error->set_code(code.code);
      error->set_code_name(code.code_name);
      error->set_count(code.count);
      errors += code.count;
    }
  }
  out->set_rpcs_total(rpcs);
  out->set_errors_total(errors);
  out->set_connections_open(figures.connections_open);
  out->set_watch_streams_open(figures.watch_streams_open);
  out->set_lock_waiters_rejected(figures.lock_waiters_rejected);
  out->set_max_lock_waiters(figures.max_lock_waiters);
}

void ToProto(const SlowLogRecord& record, v1::SlowLogEntry* out) {
  out->set_id(record.id);
  out->set_timestamp_unix_ns(record.timestamp_unix_ns);
  out->set_method(record.method);
  out->set_session_id(record.session_id);
  out->set_wait_ns(record.wait_ns);
  out->set_hold_ns(record.hold_ns);
  out->set_operations(record.operations);
}

}  // namespace heapd::server
