// heapreplay: replays a trace recorded by tools/pytrace through heapd's
// small-object allocator, compares heapd's figures with CPython's at every
// checkpoint, and reports both allocators' replay rates.
//
//   heapreplay TRACE                       the recorded layout; compares
//   heapreplay --layout=classic TRACE      another layout: footprint only
//   heapreplay --arena_release=eager TRACE
//   heapreplay --noplace_arenas TRACE      arenas wherever mmap puts them
//
// Prints "all N checkpoints equal" or the first difference, then the rates
// and the footprint. Exits 0 when every checkpoint is equal (or none was
// compared), 1 on a difference, 2 when the trace cannot be replayed.
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_format.h"
#include "heap/obmalloc/layout.h"
#include "heap/replay/replay_run.h"

ABSL_FLAG(std::string, layout, "recorded",
          "recorded (the trace's arena and pool sizes), classic or "
          "cpython312");
ABSL_FLAG(std::string, arena_release, "keep_one",
          "keep_one (CPython 3.9+) or eager (CPython 3.8)");
ABSL_FLAG(bool, glibc, true, "also replay through glibc, for its rate");
ABSL_FLAG(bool, place_arenas, true,
          "give each arena the recorded arena's offset from a pool boundary "
          "(--noplace_arenas: wherever mmap puts it)");

namespace {

int Fail(const std::string& message) {
  std::fprintf(stderr, "heapreplay: %s\n", message.c_str());
  return 2;
}

std::string Rate(uint64_t calls, double seconds) {
  if (seconds <= 0) return "-";
  return absl::StrFormat("%.1f M calls/s", calls / seconds / 1e6);
}

void PrintFootprint(const std::string& when,
                    const heapd::obmalloc::SmallObjectStats& s) {
  std::printf(
      "%s: %zu arenas: %zu bytes in allocated blocks, %zu in available "
      "blocks, %zu in unused pools, %zu lost to pool headers, %zu to "
      "quantization, %zu to arena alignment\n",
      when.c_str(), s.arenas_current, s.bytes_in_allocated_blocks,
      s.bytes_in_available_blocks, s.bytes_in_unused_pools,
      s.bytes_lost_to_pool_headers, s.bytes_lost_to_quantization,
      s.bytes_lost_to_arena_alignment);
}

}  // namespace

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "heapreplay [--layout=recorded|classic|cpython312] "
      "[--arena_release=keep_one|eager] [--noglibc] TRACE");
  std::vector<char*> args = absl::ParseCommandLine(argc, argv);
  if (args.size() != 2) return Fail("one trace file expected (--help)");

  absl::StatusOr<heapd::obmalloc::ArenaRelease> release =
      heapd::obmalloc::ParseArenaRelease(absl::GetFlag(FLAGS_arena_release));
  if (!release.ok()) return Fail(std::string(release.status().message()));
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(
      std::fopen(args[1], "rb"), &std::fclose);
  if (file == nullptr) return Fail(std::string("cannot open ") + args[1]);

  heapd::replay::ReplayOptions options;
  const std::string layout = absl::GetFlag(FLAGS_layout);
  if (layout != "recorded") options.preset = layout;
  options.release = *release;
  options.glibc = absl::GetFlag(FLAGS_glibc);
  options.place_arenas = absl::GetFlag(FLAGS_place_arenas);

  absl::StatusOr<heapd::replay::ReplayReport> report =
      heapd::replay::ReplayTrace(file.get(), options);
  if (!report.ok()) {
    return Fail(absl::StrFormat("%s: %s", args[1], report.status().ToString()));
  }
  const heapd::replay::ReplayReport& r = *report;
  std::printf("trace: %s (recorded with %llu KiB arenas, %llu KiB pools)\n",
              args[1],
              static_cast<unsigned long long>(r.header.arena_size >> 10),
              static_cast<unsigned long long>(r.header.pool_size >> 10));
  std::printf("layout: %s\n", r.layout.c_str());
  std::printf("calls: %llu, checkpoints: %llu\n",
              static_cast<unsigned long long>(r.calls),
              static_cast<unsigned long long>(r.checkpoints));
  int exit_code = 0;
  if (!r.compared) {
    std::printf("not compared: CPython's figures are for its own layout\n");
  } else if (r.first_difference.empty()) {
    std::printf("all %llu checkpoints equal\n",
                static_cast<unsigned long long>(r.checkpoints));
  } else {
    std::printf("%llu of %llu checkpoints equal; first difference: %s\n",
                static_cast<unsigned long long>(r.checkpoints_equal),
                static_cast<unsigned long long>(r.checkpoints),
                r.first_difference.c_str());
    exit_code = 1;
  }
  std::printf("replay rate: heapd %s, glibc %s\n",
              Rate(r.calls, r.heapd_seconds).c_str(),
              Rate(r.calls, r.glibc_seconds).c_str());
  // Under another layout the arenas differ from the recording's by design.
  if (r.compared && (r.arenas_unmatched != 0 || r.arenas_unused != 0)) {
    std::printf(
        "arenas: heapd mapped %llu the recording did not, and left "
        "%llu recorded ones unmapped\n",
        static_cast<unsigned long long>(r.arenas_unmatched),
        static_cast<unsigned long long>(r.arenas_unused));
  }
  std::printf(
      "arenas: high water %zu (%zu bytes), mapped %zu times, "
      "released %zu times\n",
      r.final_stats.arenas_highwater,
      r.final_stats.arenas_highwater * r.arena_size,
      r.final_stats.arenas_allocated_total, r.final_stats.arenas_reclaimed);
  if (r.fullest_checkpoint != 0) {
    PrintFootprint(
        absl::StrFormat("at checkpoint %llu (the most arenas)",
                        static_cast<unsigned long long>(r.fullest_checkpoint)),
        r.fullest_stats);
  }
  PrintFootprint("at the end", r.final_stats);
  return exit_code;
}
