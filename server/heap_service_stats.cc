// HeapService's Stats sections: assembled without the interpreter lock from
// the latest published snapshot (stats_publisher.h) and the figures that are
// read live, and translated by stats_translation.h. Stats and every
// WatchStats message are filled here.
#include <algorithm>
#include <chrono>
#include <memory>
#include <vector>

#include "server/heap_service.h"
#include "server/stats_translation.h"
#include "server/version.h"

namespace heapd::server {
namespace {

// Whether `sections` asks for `section`: an empty list means all.
bool Wants(const google::protobuf::RepeatedField<int>& sections,
           v1::StatsSection section) {
  if (sections.empty()) return true;
  for (int wanted : sections) {
    if (wanted == section) return true;
  }
  return false;
}

// Collections the collector section lists in `recent`.
constexpr size_t kRecentCollections = 16;

}  // namespace

void HeapService::FillStats(
    const google::protobuf::RepeatedField<int>& sections,
    v1::StatsResponse* response) {
  const std::shared_ptr<const StatsSnapshot> snapshot = publisher_.Latest();
  response->set_timestamp_unix_ns(snapshot->timestamp_unix_ns);
  response->set_sequence(snapshot->sequence);
  if (Wants(sections, v1::ALLOCATOR)) {
    ToProto(layout_, snapshot->allocator, response->mutable_allocator());
  }
  if (Wants(sections, v1::OBJECTS)) {
    ToProto(snapshot->heap, max_objects_, response->mutable_objects());
  }
  if (Wants(sections, v1::COLLECTOR)) {
    v1::CollectorStats* collector = response->mutable_collector();
    // The publisher keeps more history than `recent` shows (WatchStats'
    // events need it): the newest kRecentCollections.
    const std::vector<objects::HeapEvent>& all = snapshot->recent_collections;
    const std::vector<objects::HeapEvent> recent(
        all.end() - std::min(all.size(), kRecentCollections), all.end());
    ToProto(snapshot->heap, recent, collector);
    // Live rather than from the snapshot: the histogram is readable without
    // the lock, and may count a collection the snapshot predates.
    ToProto(publisher_.pause().Summarize(), collector->mutable_pause());
    for (v1::GenerationStats& generation : *collector->mutable_generations()) {
      ToProto(publisher_.pause(generation.generation()).Summarize(),
              generation.mutable_pause());
    }
  }
  if (Wants(sections, v1::LOCK)) {
    ToProto(interp_.lock().Stats(), response->mutable_lock());
  }
  if (Wants(sections, v1::SERVER)) {
    ToProto(ServerStatsNow(), response->mutable_server());
  }
  if (Wants(sections, v1::SLOWLOG)) {
    for (const SlowLogRecord& record : slowlog_.Entries()) {
      ToProto(record, response->add_slowlog());
    }
  }
}

ServerFigures HeapService::ServerStatsNow() {
  ServerFigures figures;
  figures.version = kHeapdVersion;
  figures.started_unix_ns = absl::ToUnixNanos(started_);
  figures.uptime_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                          std::chrono::steady_clock::now() - started_steady_)
                          .count();
  figures.sessions = sessions_.Counters();
  figures.methods = rpc_counters_.Read();
  figures.connections_open = connections_.Count();
  figures.watch_streams_open = watchers_.open();
  figures.lock_waiters_rejected = dispatcher_.lock_waiters_rejected();
  figures.max_lock_waiters = dispatcher_.max_lock_waiters();
  return figures;
}

}  // namespace heapd::server
