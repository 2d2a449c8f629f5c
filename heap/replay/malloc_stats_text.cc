#include "heap/replay/malloc_stats_text.h"

#include <cstdio>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace heapd::replay {
namespace {

// "   2,097,152" -> 2097152.
bool ParseCount(absl::string_view text, uint64_t& value) {
  const std::string digits =
      absl::StrReplaceAll(absl::StripAsciiWhitespace(text), {{",", ""}});
  return absl::SimpleAtoi(digits, &value);
}

absl::Status BadLine(absl::string_view line, absl::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat(
      "_PyObject_DebugMallocStats text: ", why, ": \"", line, "\""));
}

}  // namespace

absl::StatusOr<MallocStatsFigures> ParseDebugMallocStats(
    absl::string_view text) {
  MallocStatsFigures f;
  // Which labelled figures were seen: the summary must have all of them.
  int labelled = 0;
  bool in_table = false;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    const absl::string_view stripped = absl::StripAsciiWhitespace(line);
    if (absl::StartsWith(stripped, "arena map counts")) break;
    if (absl::StartsWith(stripped, "-----")) {
      in_table = true;
      continue;
    }
    if (stripped.empty()) {
      in_table = false;
      continue;
    }
    if (in_table) {
      std::vector<absl::string_view> cells =
          absl::StrSplit(stripped, ' ', absl::SkipEmpty());
      uint64_t v[5];
      if (cells.size() != 5) return BadLine(line, "a table row of 5 numbers");
      for (int i = 0; i < 5; ++i) {
        if (!ParseCount(cells[i], v[i])) return BadLine(line, "not a number");
      }
      if (v[0] >= obmalloc::kNumSizeClasses ||
          v[1] != obmalloc::BlockSizeOf(static_cast<int>(v[0]))) {
        return BadLine(line, "not a size class of 64-bit pymalloc");
      }
      f.classes[v[0]] = {v[2], v[3], v[4]};
      continue;
    }
    const size_t equals = stripped.find('=');
    if (equals == absl::string_view::npos) continue;
    const absl::string_view label =
        absl::StripAsciiWhitespace(stripped.substr(0, equals));
    uint64_t* target = nullptr;
    if (label == "# arenas allocated total") {
      target = &f.arenas_allocated_total;
    } else if (label == "# arenas reclaimed") {
      target = &f.arenas_reclaimed;
    } else if (label == "# arenas highwater mark") {
      target = &f.arenas_highwater;
    } else if (label == "# arenas allocated current") {
      target = &f.arenas_current;
    } else if (absl::StrContains(label, "bytes/arena")) {
      target = &f.arena_bytes;
    } else if (label == "# bytes in allocated blocks") {
      target = &f.bytes_in_allocated_blocks;
    } else if (label == "# bytes in available blocks") {
      target = &f.bytes_in_available_blocks;
    } else if (absl::StrContains(label, "unused pools *")) {
      // "24 unused pools * 16384 bytes": the count leads the label.
      const absl::string_view count = label.substr(0, label.find(' '));
      if (!ParseCount(count, f.unused_pools)) {
        return BadLine(line, "no pool count");
      }
      target = &f.bytes_in_unused_pools;
    } else if (label == "# bytes lost to pool headers") {
      target = &f.bytes_lost_to_pool_headers;
    } else if (label == "# bytes lost to quantization") {
      target = &f.bytes_lost_to_quantization;
    } else if (label == "# bytes lost to arena alignment") {
      target = &f.bytes_lost_to_arena_alignment;
    } else if (label == "Total") {
      target = &f.total;
    }
    if (target == nullptr) continue;  // e.g. "Small block threshold = 512"
    if (!ParseCount(stripped.substr(equals + 1), *target)) {
      return BadLine(line, "no count after '='");
    }
    ++labelled;
  }
  if (labelled != 12) {
    return absl::InvalidArgumentError(
        absl::StrCat("_PyObject_DebugMallocStats text: ", labelled,
                     " of the 12 arena and byte figures found"));
  }
  return f;
}

MallocStatsFigures FiguresOf(const obmalloc::SmallObjectStats& stats,
                             const obmalloc::AllocatorLayout& layout) {
  MallocStatsFigures f;
  for (int c = 0; c < obmalloc::kNumSizeClasses; ++c) {
    const obmalloc::SizeClassStats& row = stats.size_classes[c];
    f.classes[c] = {row.pools, row.blocks_in_use, row.available_blocks};
  }
  f.arenas_allocated_total = stats.arenas_allocated_total;
  f.arenas_reclaimed = stats.arenas_reclaimed;
  f.arenas_highwater = stats.arenas_highwater;
  f.arenas_current = stats.arenas_current;
  f.arena_bytes = stats.arenas_current * layout.arena_size();
  f.bytes_in_allocated_blocks = stats.bytes_in_allocated_blocks;
  f.bytes_in_available_blocks = stats.bytes_in_available_blocks;
  f.unused_pools = stats.unused_pools;
  f.bytes_in_unused_pools = stats.bytes_in_unused_pools;
  f.bytes_lost_to_pool_headers = stats.bytes_lost_to_pool_headers;
  f.bytes_lost_to_quantization = stats.bytes_lost_to_quantization;
  f.bytes_lost_to_arena_alignment = stats.bytes_lost_to_arena_alignment;
  f.total = stats.bytes_total;
  return f;
}

std::vector<Figure> Flatten(const MallocStatsFigures& f) {
  std::vector<Figure> out;
  for (int c = 0; c < obmalloc::kNumSizeClasses; ++c) {
    const std::string prefix = absl::StrCat("class ", c, " ");
    out.push_back({prefix + "pools", f.classes[c].pools});
    out.push_back({prefix + "blocks in use", f.classes[c].blocks_in_use});
    out.push_back({prefix + "avail blocks", f.classes[c].available_blocks});
  }
  out.push_back({"arenas allocated total", f.arenas_allocated_total});
  out.push_back({"arenas reclaimed", f.arenas_reclaimed});
  out.push_back({"arenas highwater mark", f.arenas_highwater});
  out.push_back({"arenas allocated current", f.arenas_current});
  out.push_back({"bytes in arenas", f.arena_bytes});
  out.push_back({"bytes in allocated blocks", f.bytes_in_allocated_blocks});
  out.push_back({"bytes in available blocks", f.bytes_in_available_blocks});
  out.push_back({"unused pools", f.unused_pools});
  out.push_back({"bytes in unused pools", f.bytes_in_unused_pools});
  out.push_back({"bytes lost to pool headers", f.bytes_lost_to_pool_headers});
  out.push_back({"bytes lost to quantization", f.bytes_lost_to_quantization});
  out.push_back(
      {"bytes lost to arena alignment", f.bytes_lost_to_arena_alignment});
  out.push_back({"total", f.total});
  return out;
}

std::optional<std::string> FirstDifference(const MallocStatsFigures& cpython,
                                           const MallocStatsFigures& heapd) {
  const std::vector<Figure> a = Flatten(cpython);
  const std::vector<Figure> b = Flatten(heapd);
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i].value != b[i].value) {
      return absl::StrCat(a[i].name, ": CPython ", a[i].value, ", heapd ",
                          b[i].value);
    }
  }
  return std::nullopt;
}

}  // namespace heapd::replay
