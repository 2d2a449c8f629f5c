#include "client/heapctl/top.h"

#include <algorithm>
#include <map>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/string_view.h"
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

bool ServerGone(const absl::Status& status) {
  return absl::IsUnavailable(status) || absl::IsCancelled(status) ||
         absl::IsDeadlineExceeded(status);
}

namespace {

// One piece of a line, shown whole or not at all.
struct Field {
  std::string text;
  // 0 is kept longest; the highest rank is dropped first.
  int rank = 0;
  // fill >= 0 makes this a bar (no text): it takes the room the other
  // fields leave, from bar_min to bar_max characters.
  double fill = -1;
  int bar_min = 0;
  int bar_max = 0;
};

using Line = std::vector<Field>;

Field Text(std::string text, int rank) { return Field{std::move(text), rank}; }

Field BarField(double fill, int rank, int min, int max) {
  return Field{"", rank, fill, min, max};
}

// Drops whole words from the end of `text` until it fits `width`.
std::string FitWords(std::string text, int width) {
  if (static_cast<int>(text.size()) <= width) return text;
  const size_t space = width > 0 ? text.rfind(' ', width) : std::string::npos;
  text.resize(space == std::string::npos ? 0 : space);
  while (!text.empty() && text.back() == ' ') text.pop_back();
  return text;
}

std::vector<std::string> Join(const std::vector<Line>& lines, int level,
                              int bar, absl::string_view separator) {
  std::vector<std::string> out;
  for (const Line& line : lines) {
    std::string text;
    bool first = true;
    for (const Field& field : line) {
      if (field.rank > level || (field.fill >= 0 && bar <= 0)) continue;
      if (!first) absl::StrAppend(&text, separator);
      first = false;
      absl::StrAppend(&text,
                      field.fill >= 0 ? Bar(field.fill, bar) : field.text);
    }
    // A padded last field leaves no trailing blanks.
    while (!text.empty() && text.back() == ' ') text.pop_back();
    out.push_back(std::move(text));
  }
  return out;
}

// Lays out lines that share columns (a table's rows, or one line alone):
// the same fields are dropped from every line, highest rank first, until
// all fit `width`; bars get one width, the room the widest line leaves.
// When not even the rank-0 fields fit, the last of them go, then whole
// words from the end of the first.
std::vector<std::string> FitGroup(const std::vector<Line>& lines, int width,
                                  absl::string_view separator) {
  int max_rank = 0;
  for (const Line& line : lines) {
    for (const Field& field : line) max_rank = std::max(max_rank, field.rank);
  }
  for (int level = max_rank; level >= 0; --level) {
    int fixed = 0;
    bool has_bar = false;
    int bar_min = 0, bar_max = 0;
    for (const Line& line : lines) {
      int used = 0, count = 0;
      for (const Field& field : line) {
        if (field.rank > level) continue;
        if (count++ > 0) used += static_cast<int>(separator.size());
        if (field.fill >= 0) {
          has_bar = true;
          bar_min = std::max(bar_min, field.bar_min);
          bar_max = std::max(bar_max, field.bar_max);
        } else {
          used += static_cast<int>(field.text.size());
        }
      }
      fixed = std::max(fixed, used);
    }
    const int bar = has_bar ? std::min(bar_max, width - fixed) : 0;
    if (fixed > width || (has_bar && bar < bar_min)) continue;
    return Join(lines, level, bar, separator);
  }
  // Each line alone: its last fields go, then words of the first.
  std::vector<std::string> out;
  for (Line line : lines) {
    std::erase_if(line, [](const Field& f) { return f.rank > 0; });
    std::string text = Join({line}, 0, 0, separator)[0];
    while (line.size() > 1 && static_cast<int>(text.size()) > width) {
      line.pop_back();
      text = Join({line}, 0, 0, separator)[0];
    }
    out.push_back(FitWords(std::move(text), width));
  }
  return out;
}

std::string FitLine(const Line& line, int width, absl::string_view separator) {
  return FitGroup({line}, width, separator)[0];
}

// Whether both snapshots come from one run of one server, so that their
// counters can be subtracted: a restarted heapd is a new heap.
bool SameRun(const v1::StatsResponse& current,
             const v1::StatsResponse& previous) {
  const v1::ServerStats& now = current.server();
  const v1::ServerStats& before = previous.server();
  return now.started_unix_ns() == before.started_unix_ns() &&
         now.uptime_ns() > before.uptime_ns() &&
         now.rpcs_total() >= before.rpcs_total();
}

// Seconds between two snapshots: the server's live uptime is the most
// precise clock both carry.
double SecondsBetween(const v1::StatsResponse& current,
                      const v1::StatsResponse& previous) {
  const int64_t ns =
      current.server().uptime_ns() - previous.server().uptime_ns();
  return ns > 0 ? ns / 1e9 : 0.0;
}

// "-" when there is no rate to tell (no interval, or a counter that went
// backwards).
std::string Rate(int64_t now, int64_t before, double seconds) {
  if (seconds <= 0 || now < before) return "-";
  return absl::StrFormat("%.0f", (now - before) / seconds);
}

// The size-class table: every row's cells padded to their column's width
// (at least the classic one), so rows stay aligned whatever is dropped.
std::vector<Line> ClassRows(
    const std::vector<const v1::SizeClassStats*>& shown) {
  std::vector<std::vector<std::string>> cells;
  std::vector<double> fills;
  for (const v1::SizeClassStats* row : shown) {
    const int64_t capacity = row->pools() * row->blocks_per_pool();
    fills.push_back(capacity > 0
                        ? static_cast<double>(row->blocks_in_use()) / capacity
                        : 0);
    cells.push_back(
        {absl::StrFormat("%4d B", row->block_size()),
         absl::StrFormat("%5s%%", Percent(row->blocks_in_use(), capacity)),
         absl::StrFormat("%9s blocks", WithCommas(row->blocks_in_use())),
         absl::StrFormat("%5d pools", row->pools())});
  }
  size_t widths[4] = {0, 0, 0, 0};
  for (const auto& row : cells) {
    for (int i = 0; i < 4; ++i) widths[i] = std::max(widths[i], row[i].size());
  }
  auto pad = [&](const std::string& cell, int i) {
    return std::string(widths[i] - cell.size(), ' ') + cell;
  };
  // Least important last: pools, blocks, the bar, the percentage.
  std::vector<Line> lines;
  for (size_t r = 0; r < cells.size(); ++r) {
    lines.push_back({Text(pad(cells[r][0], 0), 0),
                     BarField(fills[r], 2, 10, 60),
                     Text(pad(cells[r][1], 1), 1), Text(pad(cells[r][2], 2), 3),
                     Text(pad(cells[r][3], 3), 4)});
  }
  return lines;
}

void Append(std::vector<std::string> lines, std::vector<std::string>* to) {
  for (std::string& line : lines) to->push_back(std::move(line));
}

}  // namespace

std::vector<std::string> RenderTop(const v1::StatsResponse& current,
                                   const v1::StatsResponse* previous,
                                   const std::string& address, int width,
                                   int height, const absl::Status& gone) {
  if (height <= 0) return {};
  if (previous != nullptr && !SameRun(current, *previous)) previous = nullptr;
  const double seconds =
      previous != nullptr ? SecondsBetween(current, *previous) : 0.0;
  std::vector<std::string> head, classes, tail;

  const v1::ServerStats& server = current.server();
  head.push_back(FitLine(
      {Text(absl::StrFormat("heapd %s at %s", server.version(), address), 0),
       Text(absl::StrCat("up ", Uptime(server.uptime_ns())), 2),
       Text(absl::StrCat("sessions ", server.sessions_open()), 3),
       Text(absl::StrCat("rpcs/s ",
                         previous
                             ? Rate(server.rpcs_total(),
                                    previous->server().rpcs_total(), seconds)
                             : "-"),
            1),
       Text("q quits", 4)},
      width, "  "));

  const v1::AllocatorStats& a = current.allocator();
  head.push_back(
      FitLine({Text(absl::StrFormat("Arenas: %d in use (%s)",
                                    a.arenas_current(), Bytes(a.arena_bytes())),
                    0),
               Text(absl::StrCat(a.arenas_allocated_total(), " allocated"), 2),
               Text(absl::StrCat(a.arenas_reclaimed(), " released"), 1),
               Text(absl::StrCat("highwater ", a.arenas_highwater()), 3)},
              width, ", "));
  head.push_back(
      FitLine({Text(absl::StrFormat("Objects: %s (%s)",
                                    WithCommas(current.objects().objects()),
                                    Bytes(current.objects().bytes())),
                    0),
               Text(absl::StrFormat("raw: %s blocks (%s)",
                                    WithCommas(a.raw().blocks_in_use()),
                                    Bytes(a.raw().bytes_in_use())),
                    1)},
              width, "  "));
  head.push_back(FitLine({Text("Size classes:", 0),
                          Text("blocks in use / blocks in their pools", 1)},
                         width, " "));

  // Generations, pauses, the lock and RPC rates go at the bottom.
  const v1::CollectorStats& c = current.collector();
  std::vector<Line> generations;
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
    generations.push_back(
        {Text(absl::StrFormat("Gen %d %7s/%-6s", g.generation(),
                              WithCommas(g.count()), WithCommas(g.threshold())),
              0),
         BarField(fraction, 3, 10, 18),
         Text(absl::StrCat("collections ", collections), 1),
         Text(absl::StrCat("collected ", WithCommas(g.collected())), 2)});
  }
  Append(FitGroup(generations, width, " "), &tail);
  Line pauses = {Text(absl::StrFormat("Pauses: %s collections",
                                      WithCommas(c.pause().count())),
                      0),
                 Text(absl::StrCat("p50 ", Nanos(c.pause().p50_ns())), 1),
                 Text(absl::StrCat("p99 ", Nanos(c.pause().p99_ns())), 1),
                 Text(absl::StrCat("max ", Nanos(c.pause().max_ns())), 2)};
  if (!c.enabled()) pauses.push_back(Text("(gc off)", 0));
  tail.push_back(FitLine(pauses, width, "  "));
  const v1::LockStats& lock = current.lock();
  tail.push_back(FitLine(
      {Text(absl::StrFormat("Lock %s: wait p50 %s p99 %s", lock.policy(),
                            Nanos(lock.wait().p50_ns()),
                            Nanos(lock.wait().p99_ns())),
            0),
       Text(absl::StrCat("hold p99 ", Nanos(lock.hold().p99_ns())), 2),
       Text(absl::StrCat("hand-offs/s ",
                         previous ? Rate(lock.handoffs(),
                                         previous->lock().handoffs(), seconds)
                                  : "-"),
            1),
       Text(absl::StrCat("waiters ", lock.waiters_current()), 3)},
      width, "  "));
  // RPCs per second by method, busiest first (and kept longest).
  Line rpcs = {Text("RPCs/s:", 0)};
  if (previous == nullptr) {
    rpcs.push_back(Text("(next frame)", 0));
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
    if (busiest.empty()) rpcs.push_back(Text("idle", 0));
    for (size_t i = 0; i < busiest.size(); ++i) {
      rpcs.push_back(Text(absl::StrFormat("%s %.0f", busiest[i].second,
                                          busiest[i].first / seconds),
                          static_cast<int>(i) + 1));
    }
  }
  tail.push_back(FitLine(rpcs, width, " "));

  std::string status;
  if (!gone.ok()) {
    status =
        FitLine({Text(absl::StrFormat("heapd at %s %s (%s)", address,
                                      absl::IsDeadlineExceeded(gone)
                                          ? "is not answering"
                                          : "is gone",
                                      absl::StatusCodeToString(gone.code())),
                      0),
                 Text(absl::StrCat("reconnecting every ",
                                   absl::ToInt64Seconds(kReconnectEvery), " s"),
                      1),
                 Text("q quits", 2)},
                width, "; ");
  }
  const int status_rows = gone.ok() ? 0 : 1;

  // Size-class bars in the rows that remain: every class in use if they
  // fit, else the fullest and a line counting the rest.
  std::vector<const v1::SizeClassStats*> used;
  for (const v1::SizeClassStats& row : a.size_classes()) {
    if (row.pools() > 0) used.push_back(&row);
  }
  const int room = std::max<int>(
      height - static_cast<int>(head.size() + tail.size()) - status_rows, 1);
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
  Append(FitGroup(ClassRows({used.begin(), used.begin() + shown}), width, " "),
         &classes);
  if (shown < used.size()) {
    classes.push_back(FitWords(
        absl::StrCat("  ... ", used.size() - shown, " more classes in use"),
        width));
  }
  if (used.empty()) classes.push_back(FitWords("  (no pools in use)", width));

  // On a screen too short even for that, the bottom lines go first; the
  // status line stays.
  std::vector<std::string> lines;
  for (auto* part : {&head, &classes, &tail}) {
    for (std::string& line : *part) lines.push_back(std::move(line));
  }
  lines.resize(std::min<size_t>(lines.size(), height - status_rows));
  if (status_rows > 0) lines.push_back(std::move(status));
  return lines;
}

}  // namespace heapd::heapctl
