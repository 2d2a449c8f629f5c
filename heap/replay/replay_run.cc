#include "heap/replay/replay_run.h"

#include <chrono>
#include <optional>
#include <vector>

#include "absl/strings/str_cat.h"
#include "heap/replay/glibc_replayer.h"
#include "heap/replay/malloc_stats_text.h"
#include "heap/replay/pymalloc_replayer.h"

namespace heapd::replay {
namespace {

// Calls decoded before a batch is replayed.
constexpr size_t kBatch = size_t{1} << 16;

struct Call {
  TraceOp op;
  bool moved;
  bool from_null;
  uint64_t id;
  uint64_t size;
  uint64_t elsize;
};

using Clock = std::chrono::steady_clock;

double Seconds(Clock::duration d) {
  return std::chrono::duration<double>(d).count();
}

}  // namespace

absl::StatusOr<ReplayReport> ReplayTrace(std::FILE* file,
                                         const ReplayOptions& options) {
  absl::StatusOr<TraceReader> reader = TraceReader::Open(file);
  if (!reader.ok()) return reader.status();
  ReplayReport report;
  report.header = reader->header();
  absl::StatusOr<obmalloc::AllocatorLayout> recorded =
      obmalloc::AllocatorLayout::Create(report.header.arena_size,
                                        report.header.pool_size,
                                        obmalloc::ArenaRelease::kKeepOne);
  if (!recorded.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("the trace's layout: ", recorded.status().message()));
  }
  size_t arena_size = recorded->arena_size();
  size_t pool_size = recorded->pool_size();
  if (!options.preset.empty()) {
    absl::StatusOr<obmalloc::AllocatorLayout> preset =
        obmalloc::AllocatorLayout::FromPreset(options.preset);
    if (!preset.ok()) return preset.status();
    arena_size = preset->arena_size();
    pool_size = preset->pool_size();
  }
  absl::StatusOr<obmalloc::AllocatorLayout> chosen =
      obmalloc::AllocatorLayout::Create(arena_size, pool_size, options.release);
  if (!chosen.ok()) return chosen.status();
  const obmalloc::AllocatorLayout layout = *chosen;
  report.layout = layout.ToString();
  report.arena_size = layout.arena_size();
  report.compared = layout.arena_size() == recorded->arena_size() &&
                    layout.pool_size() == recorded->pool_size() &&
                    layout.release() == obmalloc::ArenaRelease::kKeepOne;

  PymallocReplayer heapd(layout, options.place_arenas);
  std::optional<GlibcReplayer> glibc;
  if (options.glibc) glibc.emplace();

  std::vector<Call> batch;
  batch.reserve(kBatch);
  uint64_t batch_first_call = 0;  // the number of the batch's first call

  // Replays the batch through each allocator, timing each alone.
  auto flush = [&]() -> absl::Status {
    const Clock::time_point start = Clock::now();
    for (size_t i = 0; i < batch.size(); ++i) {
      const Call& c = batch[i];
      absl::Status s;
      switch (c.op) {
        case TraceOp::kMalloc:
          s = heapd.Malloc(c.id, c.size);
          break;
        case TraceOp::kCalloc:
          s = heapd.Calloc(c.id, c.size, c.elsize);
          break;
        case TraceOp::kRealloc: {
          if (c.from_null) {  // realloc(NULL, n) is malloc(n)
            s = heapd.Malloc(c.id, c.size);
            break;
          }
          bool was_small = false;
          bool moved = false;
          s = heapd.Realloc(c.id, c.size, was_small, moved);
          if (s.ok() && was_small && moved != c.moved &&
              report.first_difference.empty()) {
            report.first_difference = absl::StrCat(
                "call ", batch_first_call + i + 1, ": realloc of block ", c.id,
                " to ", c.size, " bytes: CPython ",
                c.moved ? "moved it" : "kept it in place", ", heapd ",
                moved ? "moved it" : "kept it in place");
          }
          break;
        }
        case TraceOp::kFree:
          s = heapd.Free(c.id);
          break;
        default:
          break;
      }
      if (!s.ok()) {
        return absl::FailedPreconditionError(
            absl::StrCat("call ", batch_first_call + i + 1, ": ", s.message()));
      }
    }
    report.heapd_seconds += Seconds(Clock::now() - start);
    if (glibc.has_value()) {
      const Clock::time_point glibc_start = Clock::now();
      for (const Call& c : batch) {
        switch (c.op) {
          case TraceOp::kMalloc:
            glibc->Malloc(c.id, c.size);
            break;
          case TraceOp::kCalloc:
            glibc->Calloc(c.id, c.size, c.elsize);
            break;
          case TraceOp::kRealloc:
            glibc->Realloc(c.id, c.size);
            break;
          case TraceOp::kFree:
            glibc->Free(c.id);
            break;
          default:
            break;
        }
      }
      report.glibc_seconds += Seconds(Clock::now() - glibc_start);
    }
    batch_first_call += batch.size();
    batch.clear();
    return absl::OkStatus();
  };

  TraceRecord record;
  while (true) {
    absl::StatusOr<bool> more = reader->Next(record);
    if (!more.ok()) return more.status();
    if (!*more) break;
    switch (record.op) {
      case TraceOp::kMalloc:
      case TraceOp::kCalloc:
      case TraceOp::kRealloc:
      case TraceOp::kFree:
        batch.push_back({record.op, record.moved, record.from_null, record.id,
                         record.size, record.elsize});
        ++report.calls;
        if (batch.size() == kBatch) {
          if (absl::Status s = flush(); !s.ok()) return s;
        }
        break;
      case TraceOp::kArenaAlloc:
        // pymalloc's arenas only; the frames' data-stack chunks that 3.11
        // also takes from the arena allocator are of other sizes.
        if (record.arena_bytes == report.header.arena_size) {
          heapd.QueueArena(record.address);
        }
        break;
      case TraceOp::kCheckpoint: {
        if (absl::Status s = flush(); !s.ok()) return s;
        ++report.checkpoints;
        const obmalloc::SmallObjectStats stats = heapd.Stats();
        if (report.fullest_checkpoint == 0 ||
            stats.arenas_current > report.fullest_stats.arenas_current) {
          report.fullest_checkpoint = report.checkpoints;
          report.fullest_stats = stats;
        }
        if (!report.compared) break;
        absl::StatusOr<MallocStatsFigures> cpython =
            ParseDebugMallocStats(record.text);
        if (!cpython.ok()) {
          return absl::DataLossError(absl::StrCat("checkpoint ",
                                                  report.checkpoints, ": ",
                                                  cpython.status().message()));
        }
        const std::optional<std::string> difference =
            FirstDifference(*cpython, FiguresOf(stats, layout));
        if (!difference.has_value()) {
          ++report.checkpoints_equal;
        } else if (report.first_difference.empty()) {
          report.first_difference =
              absl::StrCat("checkpoint ", report.checkpoints, " (after call ",
                           record.calls, "): ", *difference);
        }
        break;
      }
      default:
        break;
    }
  }
  if (absl::Status s = flush(); !s.ok()) return s;
  report.final_stats = heapd.Stats();
  report.arenas_unmatched = heapd.arenas_unmatched();
  report.arenas_unused = heapd.arenas_queued();
  return report;
}

}  // namespace heapd::replay
