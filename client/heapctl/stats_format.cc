#include "client/heapctl/stats_format.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "client/units.h"

namespace heapd::heapctl {

using client::Bytes;
using client::Nanos;
using client::TypeName;
using client::Uptime;
using client::WithCommas;
namespace {

constexpr char kRedacted[] = "*";

std::string Duration(int64_t ns, const StatsFormatOptions& options) {
  return options.redact ? kRedacted : Nanos(ns);
}

std::string Count(int64_t value, bool unstable,
                  const StatsFormatOptions& options) {
  return unstable && options.redact ? kRedacted : WithCommas(value);
}

std::string DebugFlagNames(uint32_t flags) {
  if (flags == 0) return "none";
  std::string names;
  auto add = [&](uint32_t bit, const char* name) {
    if ((flags & bit) == 0) return;
    if (!names.empty()) names += "|";
    names += name;
    flags &= ~bit;
  };
  add(v1::GC_DEBUG_STATS, "stats");
  add(v1::GC_DEBUG_COLLECTABLE, "collectable");
  add(v1::GC_DEBUG_UNCOLLECTABLE, "uncollectable");
  add(v1::GC_DEBUG_SAVEALL, "saveall");
  if (flags != 0) absl::StrAppend(&names, names.empty() ? "" : "|", flags);
  return names;
}

std::string Percentiles(const v1::Histogram& histogram,
                        const StatsFormatOptions& options) {
  return absl::StrCat("p50 ", Duration(histogram.p50_ns(), options), ", p99 ",
                      Duration(histogram.p99_ns(), options), ", max ",
                      Duration(histogram.max_ns(), options));
}

}  // namespace

std::string MallocStatsLine(const std::string& label, int64_t value) {
  return absl::StrFormat("%-35s=%21s\n", label, WithCommas(value));
}

std::string FormatAllocator(const v1::AllocatorStats& a,
                            const StatsFormatOptions& options) {
  const v1::AllocatorLayout& layout = a.layout();
  std::string out = absl::StrFormat(
      "Allocator: layout %s (%s arenas, %s pools), arena release %s\n",
      layout.preset(), Bytes(layout.arena_size()), Bytes(layout.pool_size()),
      layout.arena_release());
  absl::StrAppendFormat(
      &out, "Small block threshold = %d, in %d size classes.\n\n",
      layout.small_request_threshold(), layout.size_classes());
  out +=
      "class   size   num pools   blocks in use  avail blocks\n"
      "-----   ----   ---------   -------------  ------------\n";
  for (const v1::SizeClassStats& row : a.size_classes()) {
    // As CPython: classes without a pool are left out.
    if (row.pools() == 0) continue;
    absl::StrAppendFormat(&out, "%5d %6d %11d %15d %13d\n", row.size_class(),
                          row.block_size(), row.pools(), row.blocks_in_use(),
                          row.available_blocks());
  }
  out += "\n";
  out +=
      MallocStatsLine("# arenas allocated total", a.arenas_allocated_total());
  out += MallocStatsLine("# arenas reclaimed", a.arenas_reclaimed());
  out += MallocStatsLine("# arenas highwater mark", a.arenas_highwater());
  out += MallocStatsLine("# arenas allocated current", a.arenas_current());
  out += MallocStatsLine(absl::StrCat(a.arenas_current(), " arenas * ",
                                      layout.arena_size(), " bytes/arena"),
                         a.arena_bytes());
  out += "\n";
  out += MallocStatsLine("# bytes in allocated blocks",
                         a.bytes_in_allocated_blocks());
  out += MallocStatsLine("# bytes in available blocks",
                         a.bytes_in_available_blocks());
  out += MallocStatsLine(absl::StrCat(a.unused_pools(), " unused pools * ",
                                      layout.pool_size(), " bytes"),
                         a.bytes_in_unused_pools());
  out += MallocStatsLine("# bytes lost to pool headers",
                         a.bytes_lost_to_pool_headers());
  out += MallocStatsLine("# bytes lost to quantization",
                         a.bytes_lost_to_quantization());
  out += MallocStatsLine("# bytes lost to arena alignment",
                         a.bytes_lost_to_arena_alignment());
  out += MallocStatsLine("Total", a.bytes_total());
  out += "\n";
  out += MallocStatsLine("# arena map nodes", a.arena_map_nodes());
  out += MallocStatsLine("# bytes in arena map", a.arena_map_bytes());
  out +=
      MallocStatsLine("# small allocations total", a.small_allocations_total());
  out += MallocStatsLine("# small frees total", a.small_frees_total());
  out += "\n";
  absl::StrAppendFormat(&out, "Raw domain (requests over %d bytes or of 0)\n",
                        layout.small_request_threshold());
  const v1::RawDomainStats& raw = a.raw();
  out += MallocStatsLine("# raw blocks in use", raw.blocks_in_use());
  out += MallocStatsLine("# raw bytes in use", raw.bytes_in_use());
  out += MallocStatsLine("# raw bytes highwater mark", raw.bytes_highwater());
  out += MallocStatsLine("# raw allocations total", raw.allocations_total());
  out += MallocStatsLine("# raw frees total", raw.frees_total());
  out += "\n";
  out += MallocStatsLine("# heap bytes (arenas + raw)", a.heap_bytes());
  if (a.max_heap_bytes() > 0) {
    out += MallocStatsLine("# heap bytes limit", a.max_heap_bytes());
    out += MallocStatsLine("# requests the limit refused",
                           a.heap_limit_refusals());
  } else {
    out += "# heap bytes limit                 =                 none\n";
  }
  return out;
}

std::string FormatObjects(const v1::ObjectStats& objects) {
  std::string out = absl::StrFormat(
      "Objects: %s (%s bytes), weak references %s\n",
      WithCommas(objects.objects()), WithCommas(objects.bytes()),
      WithCommas(objects.weakrefs()));
  if (objects.max_objects() > 0) {
    absl::StrAppendFormat(&out, "object limit %s\n",
                          WithCommas(objects.max_objects()));
  }
  if (objects.by_type_size() == 0) return out;
  out += "type          count           bytes\n";
  for (const v1::TypeStats& type : objects.by_type()) {
    absl::StrAppendFormat(&out, "%-8s %10s %15s\n", TypeName(type.type()),
                          WithCommas(type.count()), WithCommas(type.bytes()));
  }
  return out;
}

std::string FormatCollector(const v1::CollectorStats& c,
                            const StatsFormatOptions& options) {
  std::string out = absl::StrFormat(
      "Collector: %s, debug flags %s, permanent generation %s, garbage %s, "
      "long-lived %s (+%s pending)\n",
      c.enabled() ? "enabled" : "disabled", DebugFlagNames(c.debug_flags()),
      WithCommas(c.permanent()), WithCommas(c.garbage()),
      WithCommas(c.long_lived_total()), WithCommas(c.long_lived_pending()));
  out += "gen      count  threshold  collections   collected  uncollectable\n";
  for (const v1::GenerationStats& g : c.generations()) {
    absl::StrAppendFormat(
        &out, "%3d %10s %10s %12s %11s %14s\n", g.generation(),
        WithCommas(g.count()), WithCommas(g.threshold()),
        WithCommas(g.collections()), WithCommas(g.collected()),
        WithCommas(g.uncollectable()));
  }
  absl::StrAppendFormat(&out, "Pauses: %s collections, %s\n",
                        WithCommas(c.pause().count()),
                        Percentiles(c.pause(), options));
  if (c.limit_collections() > 0) {
    absl::StrAppendFormat(&out, "Full collections forced by a limit: %s\n",
                          WithCommas(c.limit_collections()));
  }
  if (c.recent_size() > 0) {
    out += "Recent collections, oldest first:\n";
    out += "   seq gen   examined  collected  uncollectable   duration  why\n";
    for (const v1::CollectionEvent& e : c.recent()) {
      absl::StrAppendFormat(
          &out, "%6d %3d %10s %10s %14s %10s  %s\n", e.sequence(),
          e.generation(), WithCommas(e.examined()), WithCommas(e.collected()),
          WithCommas(e.uncollectable()), Duration(e.duration_ns(), options),
          e.automatic() ? "threshold" : "requested");
    }
  }
  return out;
}

std::string FormatLock(const v1::LockStats& lock,
                       const StatsFormatOptions& options) {
  std::string out =
      absl::StrFormat("Lock: policy %s, switch interval %s\n", lock.policy(),
                      Nanos(lock.switch_interval_ns()));
  absl::StrAppendFormat(
      &out,
      "acquisitions %s, contended %s, hand-offs %s, drop requests %s, "
      "forced switches %s\n",
      Count(lock.acquisitions(), false, options),
      Count(lock.contended(), true, options),
      Count(lock.handoffs(), true, options),
      Count(lock.drop_requests(), true, options),
      Count(lock.forced_switches(), true, options));
  absl::StrAppendFormat(&out, "waiters now %s, peak %s; held in total %s\n",
                        Count(lock.waiters_current(), true, options),
                        Count(lock.waiters_peak(), true, options),
                        Duration(lock.held_ns_total(), options));
  absl::StrAppendFormat(&out, "wait: %s\n", Percentiles(lock.wait(), options));
  absl::StrAppendFormat(&out, "hold: %s\n", Percentiles(lock.hold(), options));
  if (lock.by_kind_size() > 0) {
    out += "kind             acquisitions   contended   wait p99   hold p99\n";
    for (const v1::LockKindStats& kind : lock.by_kind()) {
      absl::StrAppendFormat(&out, "%-15s %13s %11s %10s %10s\n", kind.kind(),
                            Count(kind.acquisitions(), false, options),
                            Count(kind.contended(), true, options),
                            Duration(kind.wait().p99_ns(), options),
                            Duration(kind.hold().p99_ns(), options));
    }
  }
  return out;
}

std::string FormatServer(const v1::ServerStats& server,
                         const StatsFormatOptions& options) {
  std::string out =
      absl::StrFormat("Server: heapd %s, up %s\n",
                      options.redact ? kRedacted : server.version(),
                      options.redact ? kRedacted : Uptime(server.uptime_ns()));
  absl::StrAppendFormat(&out,
                        "sessions open %s, opened %s, closed %s, expired %s\n",
                        WithCommas(server.sessions_open()),
                        WithCommas(server.sessions_opened_total()),
                        WithCommas(server.sessions_closed_total()),
                        WithCommas(server.sessions_expired_total()));
  absl::StrAppendFormat(&out, "rpcs %s, errors %s\n",
                        WithCommas(server.rpcs_total()),
                        WithCommas(server.errors_total()));
  absl::StrAppendFormat(
      &out,
      "connections open %s, watch streams %s, lock waiters refused %s "
      "(cap %s)\n",
      options.redact ? kRedacted : WithCommas(server.connections_open()),
      WithCommas(server.watch_streams_open()),
      WithCommas(server.lock_waiters_rejected()),
      server.max_lock_waiters() > 0 ? WithCommas(server.max_lock_waiters())
                                    : std::string("none"));
  if (server.methods_size() > 0) {
    out += "method                 calls  errors\n";
    for (const v1::MethodStats& method : server.methods()) {
      std::string errors;
      for (const v1::StatusCount& error : method.errors()) {
        absl::StrAppend(&errors, errors.empty() ? "" : ", ", error.code_name(),
                        " ", WithCommas(error.count()));
      }
      absl::StrAppendFormat(&out, "%-15s %12s  %s\n", method.method(),
                            WithCommas(method.calls()),
                            errors.empty() ? "-" : errors);
    }
  }
  return out;
}

std::string FormatSlowlog(
    const google::protobuf::RepeatedPtrField<v1::SlowLogEntry>& slowlog,
    const StatsFormatOptions& options) {
  if (options.redact) {
    // Which requests cross the threshold depends on timing alone.
    return "Slow log: * (redacted)\n";
  }
  if (slowlog.empty()) return "Slow log: empty\n";
  std::string out = absl::StrFormat(
      "Slow log: %d requests, most recent first\n", slowlog.size());
  out += "    id  method           wait       hold   ops  session\n";
  for (const v1::SlowLogEntry& entry : slowlog) {
    absl::StrAppendFormat(&out, "%6d  %-12s %10s %10s %5d  %s\n", entry.id(),
                          entry.method(), Nanos(entry.wait_ns()),
                          Nanos(entry.hold_ns()), entry.operations(),
                          entry.session_id());
  }
  return out;
}

std::string FormatStats(const v1::StatsResponse& stats,
                        const StatsFormatOptions& options) {
  std::vector<std::string> parts;
  if (stats.has_allocator()) {
    parts.push_back(FormatAllocator(stats.allocator(), options));
  }
  if (stats.has_objects()) parts.push_back(FormatObjects(stats.objects()));
  if (stats.has_collector()) {
    parts.push_back(FormatCollector(stats.collector(), options));
  }
  if (stats.has_lock()) parts.push_back(FormatLock(stats.lock(), options));
  if (stats.has_server()) {
    parts.push_back(FormatServer(stats.server(), options));
  }
  if (stats.slowlog_size() > 0 || options.slowlog) {
    parts.push_back(FormatSlowlog(stats.slowlog(), options));
  }
  std::string out;
  for (size_t i = 0; i < parts.size(); ++i) {
    if (i > 0) out += "\n";
    out += parts[i];
  }
  return out;
}

}  // namespace heapd::heapctl
