#include "client/heapctl/diff.h"

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "client/heapctl/json.h"
#include "client/units.h"

namespace heapd::heapctl {

using client::TypeName;
using client::WithCommas;
namespace {

std::string Figure(const std::string& name, int64_t value, int64_t diff) {
  return absl::StrCat(name, "=", WithCommas(value), " (", Signed(diff), ")");
}

}  // namespace

std::string Signed(int64_t value) {
  return value < 0 ? WithCommas(value) : "+" + WithCommas(value);
}

StatsDiff DiffStats(const v1::StatsResponse& before,
                    const v1::StatsResponse& after, bool include_unchanged) {
  StatsDiff diff;

  // Size classes, matched by class index.
  std::map<int, v1::SizeClassStats> old_classes;
  for (const v1::SizeClassStats& row : before.allocator().size_classes()) {
    old_classes[row.size_class()] = row;
  }
  for (const v1::SizeClassStats& row : after.allocator().size_classes()) {
    const v1::SizeClassStats& old = old_classes[row.size_class()];
    DiffRow out;
    out.group = "size class";
    out.name = absl::StrCat(row.size_class(), " (", row.block_size(), " B)");
    out.count = row.blocks_in_use();
    out.count_diff = row.blocks_in_use() - old.blocks_in_use();
    out.size = row.blocks_in_use() * row.block_size();
    out.size_diff = out.count_diff * row.block_size();
    out.extra = Figure("pools", row.pools(), row.pools() - old.pools());
    diff.blocks += out.count;
    diff.blocks_diff += out.count_diff;
    diff.block_bytes += out.size;
    diff.block_bytes_diff += out.size_diff;
    if (include_unchanged || out.count_diff != 0 ||
        row.pools() != old.pools()) {
      diff.rows.push_back(std::move(out));
    }
  }

  // Object types, matched by type; a type present in only one snapshot
  // counts as zero in the other.
  std::map<int, std::pair<v1::TypeStats, v1::TypeStats>> types;
  for (const v1::TypeStats& t : before.objects().by_type()) {
    types[t.type()].first = t;
  }
  for (const v1::TypeStats& t : after.objects().by_type()) {
    types[t.type()].second = t;
  }
  for (const auto& [type, pair] : types) {
    DiffRow out;
    out.group = "type";
    out.name = TypeName(type);
    out.count = pair.second.count();
    out.count_diff = pair.second.count() - pair.first.count();
    out.size = pair.second.bytes();
    out.size_diff = pair.second.bytes() - pair.first.bytes();
    if (include_unchanged || out.count_diff != 0 || out.size_diff != 0) {
      diff.rows.push_back(std::move(out));
    }
  }
  diff.objects = after.objects().objects();
  diff.objects_diff = after.objects().objects() - before.objects().objects();
  diff.object_bytes = after.objects().bytes();
  diff.object_bytes_diff = after.objects().bytes() - before.objects().bytes();

  // Generations, matched by number.
  std::map<int, v1::GenerationStats> old_generations;
  for (const v1::GenerationStats& g : before.collector().generations()) {
    old_generations[g.generation()] = g;
  }
  for (const v1::GenerationStats& g : after.collector().generations()) {
    const v1::GenerationStats& old = old_generations[g.generation()];
    DiffRow out;
    out.group = "generation";
    out.name = absl::StrCat(g.generation());
    out.count = g.count();
    out.count_diff = g.count() - old.count();
    out.size = out.count;
    out.size_diff = out.count_diff;
    const int64_t collections = g.collections() - old.collections();
    const int64_t collected = g.collected() - old.collected();
    out.extra =
        absl::StrCat(Figure("collections", g.collections(), collections), ", ",
                     Figure("collected", g.collected(), collected));
    diff.collections_diff += collections;
    diff.collected_diff += collected;
    if (include_unchanged || out.count_diff != 0 || collections != 0 ||
        collected != 0) {
      diff.rows.push_back(std::move(out));
    }
  }

  diff.arenas = after.allocator().arenas_current();
  diff.arenas_diff =
      after.allocator().arenas_current() - before.allocator().arenas_current();
  if (before.timestamp_unix_ns() > 0 && after.timestamp_unix_ns() > 0) {
    diff.seconds =
        (after.timestamp_unix_ns() - before.timestamp_unix_ns()) / 1e9;
  }

  std::stable_sort(diff.rows.begin(), diff.rows.end(),
                   [](const DiffRow& a, const DiffRow& b) {
                     if (std::llabs(a.size_diff) != std::llabs(b.size_diff)) {
                       return std::llabs(a.size_diff) > std::llabs(b.size_diff);
                     }
                     if (std::llabs(a.count_diff) != std::llabs(b.count_diff)) {
                       return std::llabs(a.count_diff) >
                              std::llabs(b.count_diff);
                     }
                     return false;
                   });
  return diff;
}

std::string FormatDiff(const StatsDiff& diff, size_t limit) {
  std::string out;
  if (diff.seconds != 0) {
    absl::StrAppendFormat(&out, "Changes over %.1f s, largest first:\n",
                          diff.seconds);
  } else {
    out += "Changes, largest first:\n";
  }
  if (diff.rows.empty()) out += "no changes\n";
  size_t shown = 0;
  for (const DiffRow& row : diff.rows) {
    if (limit != 0 && shown == limit) {
      absl::StrAppend(&out, "... ", diff.rows.size() - limit, " more\n");
      break;
    }
    ++shown;
    if (row.group == "size class") {
      absl::StrAppend(&out, row.group, " ", row.name, ": ",
                      Figure("blocks", row.count, row.count_diff), ", ",
                      Figure("bytes", row.size, row.size_diff), ", ", row.extra,
                      "\n");
    } else if (row.group == "type") {
      absl::StrAppend(&out, row.group, " ", row.name, ": ",
                      Figure("count", row.count, row.count_diff), ", ",
                      Figure("bytes", row.size, row.size_diff), "\n");
    } else {
      absl::StrAppend(&out, row.group, " ", row.name, ": ",
                      Figure("count", row.count, row.count_diff), ", ",
                      row.extra, "\n");
    }
  }
  absl::StrAppend(
      &out, "Total: ", Figure("blocks", diff.blocks, diff.blocks_diff), ", ",
      Figure("block bytes", diff.block_bytes, diff.block_bytes_diff), ", ",
      Figure("objects", diff.objects, diff.objects_diff), ", ",
      Figure("object bytes", diff.object_bytes, diff.object_bytes_diff), ", ",
      Figure("arenas", diff.arenas, diff.arenas_diff), ", collections ",
      Signed(diff.collections_diff), ", collected ",
      Signed(diff.collected_diff), "\n");
  return out;
}

namespace {

absl::StatusOr<v1::StatsResponse> ReadStatsFile(const std::string& path) {
  std::ifstream file(path);
  if (!file) {
    return absl::NotFoundError(absl::StrCat("cannot read ", path));
  }
  std::stringstream text;
  text << file.rdbuf();
  absl::StatusOr<v1::StatsResponse> stats = StatsFromJson(text.str());
  if (!stats.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": ", stats.status().message()));
  }
  return stats;
}

int RunDiff(Context& context, const Command& self) {
  const Args& args = context.args;
  absl::StatusOr<bool> all = args.Switch("all");
  absl::StatusOr<int64_t> top = args.Int("top", 0);
  if (!all.ok() || !top.ok() || *top < 0) {
    return UsageError(context, self, "--all is a switch, --top a count");
  }
  v1::StatsResponse before, after;
  absl::Duration elapsed;
  if (args.Has("interval")) {
    absl::StatusOr<absl::Duration> interval =
        args.Duration("interval", absl::Seconds(10), absl::Seconds(1));
    if (!interval.ok() || *interval <= absl::ZeroDuration() ||
        !args.words.empty()) {
      return UsageError(context, self,
                        "--interval takes a positive duration and no files");
    }
    const absl::Time start = absl::Now();
    absl::StatusOr<v1::StatsResponse> first = context.client.Stats();
    if (!first.ok()) return RpcError(context, first.status());
    absl::SleepFor(*interval);
    absl::StatusOr<v1::StatsResponse> second = context.client.Stats();
    if (!second.ok()) return RpcError(context, second.status());
    elapsed = absl::Now() - start;
    before = *first;
    after = *second;
  } else {
    if (args.words.size() != 2) {
      return UsageError(context, self,
                        "give two files from `heapctl stats --json`, or "
                        "--interval");
    }
    absl::StatusOr<v1::StatsResponse> first = ReadStatsFile(args.words[0]);
    absl::StatusOr<v1::StatsResponse> second = ReadStatsFile(args.words[1]);
    for (const absl::Status& status : {first.status(), second.status()}) {
      if (status.ok()) continue;
      context.err << "heapctl: " << status.message() << "\n";
      return kExitUsage;
    }
    before = *first;
    after = *second;
  }
  StatsDiff diff = DiffStats(before, after, *all);
  // Live, the time between the calls is known; the snapshots' own stamps
  // can be equal when no request came between them.
  if (args.Has("interval")) diff.seconds = absl::ToDoubleSeconds(elapsed);
  if (context.json) {
    std::string out = "{\n  \"rows\": [";
    for (size_t i = 0; i < diff.rows.size(); ++i) {
      const DiffRow& row = diff.rows[i];
      absl::StrAppendFormat(
          &out,
          "%s\n    {\"group\": \"%s\", \"name\": \"%s\", \"count\": %d, "
          "\"count_diff\": %d, \"size\": %d, \"size_diff\": %d}",
          i == 0 ? "" : ",", row.group, row.name, row.count, row.count_diff,
          row.size, row.size_diff);
    }
    absl::StrAppendFormat(&out, "%s],\n  \"seconds\": %.3f\n}\n",
                          diff.rows.empty() ? "" : "\n  ", diff.seconds);
    context.out << out;
    return kExitOk;
  }
  context.out << FormatDiff(diff, static_cast<size_t>(*top));
  return kExitOk;
}

}  // namespace

Command DiffCommand() {
  Command command{
      "diff",
      "diff BEFORE.json AFTER.json | diff --interval=10s [--top=N] [--all]",
      "what changed between two stats snapshots (tracemalloc compare_to style)",
      "Changes by size class (blocks, bytes, pools), object type (count,\n"
      "bytes) and generation (count, collections, collected), the largest\n"
      "absolute change first, then totals. The files are `heapctl stats\n"
      "--json` output; --interval takes two live snapshots that far apart.\n"
      "--top limits the lines, --all shows unchanged rows too.\n",
      {"interval", "top", "all"},
      nullptr};
  command.run = [self = command](Context& c) { return RunDiff(c, self); };
  return command;
}

}  // namespace heapd::heapctl
