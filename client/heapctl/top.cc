#include "client/heapctl/top.h"

#include <algorithm>
#include <map>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "client/units.h"

namespace heapd::heapctl {

using client::Bytes;
using client::Nanos;
using client::Percent;
using client::Uptime;
using client::WithCommas;

std::string Bar(double fraction, int width) {
  const int inside = std::max(width - 2, 0);
  fraction = std::clamp(fraction, 0.0, 1.0);
  const int filled = static_cast<int>(fraction * inside + 0.5);
  return absl::StrCat("[", std::string(filled, '#'),
                      std::string(inside - filled, '.'), "]");
}

namespace {

// Seconds between two snapshots: the server's live uptime is the most
// precise clock both carry.
double SecondsBetween(const v1::StatsResponse& current,
                      const v1::StatsResponse& previous) {
  const int64_t ns =
      current.server().uptime_ns() - previous.server().uptime_ns();
  return ns > 0 ? ns / 1e9 : 0.0;
}

std::string Rate(int64_t now, int64_t before, double seconds) {
  if (seconds <= 0) return "-";
  return absl::StrFormat("%.0f", (now - before) / seconds);
}

}  // namespace

std::vector<std::string> RenderTop(const v1::StatsResponse& current,
                                   const v1::StatsResponse* previous,
                                   const std::string& address, int width,
                                   int height) {
  const double seconds =
      previous != nullptr ? SecondsBetween(current, *previous) : 0.0;
  std::vector<std::string> head, classes, tail;

  const v1::ServerStats& server = current.server();
  head.push_back(absl::StrFormat(
      "heapd %s at %s  up %s  sessions %d  rpcs/s %s  q quits",
      server.version(), address, Uptime(server.uptime_ns()),
      server.sessions_open(),
      previous
          ? Rate(server.rpcs_total(), previous->server().rpcs_total(), seconds)
          : "-"));

  const v1::AllocatorStats& a = current.allocator();
  head.push_back(absl::StrFormat(
      "Arenas: %d in use (%s), %d allocated, %d released, highwater %d",
      a.arenas_current(), Bytes(a.arena_bytes()), a.arenas_allocated_total(),
      a.arenas_reclaimed(), a.arenas_highwater()));
  head.push_back(absl::StrFormat(
      "Objects: %s (%s)  raw: %s blocks (%s)",
      WithCommas(current.objects().objects()), Bytes(current.objects().bytes()),
      WithCommas(a.raw().blocks_in_use()), Bytes(a.raw().bytes_in_use())));
  head.push_back("Size classes: blocks in use / blocks in their pools");

  // Generations, pauses, the lock and RPC rates go at the bottom.
  const v1::CollectorStats& c = current.collector();
  for (const v1::GenerationStats& g : c.generations()) {
    const double fraction =
        g.threshold() > 0 ? static_cast<double>(g.count()) / g.threshold() : 0;
    std::string collections = WithCommas(g.collections());
    if (previous != nullptr &&
        previous->collector().generations_size() > g.generation()) {
      absl::StrAppend(
          &collections, " (",
          Rate(g.collections(),
               previous->collector().generations(g.generation()).collections(),
               seconds),
          "/s)");
    }
    tail.push_back(absl::StrFormat(
        "Gen %d %7s/%-6s %s collections %s collected %s", g.generation(),
        WithCommas(g.count()), WithCommas(g.threshold()), Bar(fraction, 18),
        collections, WithCommas(g.collected())));
  }
  tail.push_back(
      absl::StrFormat("Pauses: %s collections  p50 %s  p99 %s  max %s  %s",
                      WithCommas(c.pause().count()), Nanos(c.pause().p50_ns()),
                      Nanos(c.pause().p99_ns()), Nanos(c.pause().max_ns()),
                      c.enabled() ? "" : "(gc off)"));
  const v1::LockStats& lock = current.lock();
  tail.push_back(absl::StrFormat(
      "Lock %s: wait p50 %s p99 %s  hold p99 %s  hand-offs/s %s  waiters %d",
      lock.policy(), Nanos(lock.wait().p50_ns()), Nanos(lock.wait().p99_ns()),
      Nanos(lock.hold().p99_ns()),
      previous ? Rate(lock.handoffs(), previous->lock().handoffs(), seconds)
               : "-",
      lock.waiters_current()));
  // RPCs per second by method, busiest first.
  std::string rpcs = "RPCs/s:";
  if (previous == nullptr) {
    rpcs += " (next frame)";
  } else {
    std::map<std::string, int64_t> before;
    for (const v1::MethodStats& m : previous->server().methods()) {
      before[m.method()] = m.calls();
    }
    std::vector<std::pair<int64_t, std::string>> busiest;
    for (const v1::MethodStats& m : server.methods()) {
      const int64_t delta = m.calls() - before[m.method()];
      if (delta > 0) busiest.push_back({delta, m.method()});
    }
    std::sort(busiest.rbegin(), busiest.rend());
    if (busiest.empty()) rpcs += " idle";
    for (const auto& [delta, method] : busiest) {
      absl::StrAppendFormat(&rpcs, " %s %.0f", method,
                            seconds > 0 ? delta / seconds : 0.0);
    }
  }
  tail.push_back(rpcs);

  // Size-class bars in the rows that remain; the fullest classes first if
  // not all fit.
  std::vector<const v1::SizeClassStats*> used;
  for (const v1::SizeClassStats& row : a.size_classes()) {
    if (row.pools() > 0) used.push_back(&row);
  }
  const int room =
      std::max<int>(height - static_cast<int>(head.size() + tail.size()), 1);
  size_t shown = used.size();
  if (static_cast<int>(used.size()) > room) {
    shown = room - 1;
    std::stable_sort(
        used.begin(), used.end(),
        [](const v1::SizeClassStats* x, const v1::SizeClassStats* y) {
          return x->blocks_in_use() > y->blocks_in_use();
        });
    std::sort(used.begin(), used.begin() + shown,
              [](const v1::SizeClassStats* x, const v1::SizeClassStats* y) {
                return x->size_class() < y->size_class();
              });
  }
  for (size_t i = 0; i < shown; ++i) {
    const v1::SizeClassStats& row = *used[i];
    const int64_t capacity = row.pools() * row.blocks_per_pool();
    const double fraction =
        capacity > 0 ? static_cast<double>(row.blocks_in_use()) / capacity : 0;
    classes.push_back(absl::StrFormat(
        "%4d B %s %5s%% %9s blocks %5d pools", row.block_size(),
        Bar(fraction, 32), Percent(row.blocks_in_use(), capacity),
        WithCommas(row.blocks_in_use()), row.pools()));
  }
  if (shown < used.size()) {
    classes.push_back(
        absl::StrCat("  ... ", used.size() - shown, " more classes in use"));
  }
  if (used.empty()) classes.push_back("  (no pools in use)");

  std::vector<std::string> lines;
  for (auto* part : {&head, &classes, &tail}) {
    for (std::string& line : *part) {
      if (static_cast<int>(lines.size()) >= height) break;
      if (static_cast<int>(line.size()) > width) line.resize(width);
      lines.push_back(std::move(line));
    }
  }
  return lines;
}

}  // namespace heapd::heapctl
