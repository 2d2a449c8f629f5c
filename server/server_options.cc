#include "server/server_options.h"

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace heapd::server {

absl::StatusOr<std::string> ListenHost(absl::string_view listen) {
  // The last colon splits: an IPv6 host has colons of its own, inside
  // brackets.
  const size_t colon = listen.rfind(':');
  if (colon == absl::string_view::npos || colon == 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("--listen=", listen,
                     ": expected HOST:PORT, e.g. 127.0.0.1:50051 (port 0 "
                     "picks a free port)"));
  }
  const absl::string_view port = listen.substr(colon + 1);
  uint32_t number = 0;
  if (!absl::SimpleAtoi(port, &number) || number > 65535) {
    return absl::InvalidArgumentError(
        absl::StrCat("--listen=", listen, ": port '", port,
                     "' is not a number from 0 to 65535"));
  }
  return std::string(listen.substr(0, colon));
}

bool IsLoopbackHost(absl::string_view host) {
  return absl::StartsWith(host, "127.") || host == "[::1]" ||
         host == "localhost";
}

absl::StatusOr<obmalloc::AllocatorLayout> LayoutFromFlags(
    absl::string_view preset, uint64_t arena_size, uint64_t pool_size,
    absl::string_view arena_release) {
  absl::StatusOr<obmalloc::AllocatorLayout> base =
      obmalloc::AllocatorLayout::FromPreset(preset);
  if (!base.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("--layout: ", base.status().message()));
  }
  absl::StatusOr<obmalloc::ArenaRelease> release =
      obmalloc::ParseArenaRelease(arena_release);
  if (!release.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("--arena_release: ", release.status().message()));
  }
  if (arena_size == 0 && pool_size == 0 && *release == base->release()) {
    return *base;
  }
  // Create is also the only way to give a preset's sizes another release
  // policy; with unchanged sizes it keeps the preset's name and cannot fail.
  const uint64_t arena = arena_size != 0 ? arena_size : base->arena_size();
  const uint64_t pool = pool_size != 0 ? pool_size : base->pool_size();
  absl::StatusOr<obmalloc::AllocatorLayout> layout =
      obmalloc::AllocatorLayout::Create(arena, pool, *release);
  if (!layout.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("--arena_size=", arena,
                                                   " --pool_size=", pool, ": ",
                                                   layout.status().message()));
  }
  return layout;
}

}  // namespace heapd::server

namespace heapd::server {

absl::StatusOr<gil::InterpreterLockOptions> LockOptionsFromFlags(
    absl::string_view policy, int64_t switch_interval_ms) {
  gil::InterpreterLockOptions options;
  absl::StatusOr<gil::LockPolicy> parsed = gil::ParseLockPolicy(policy);
  if (!parsed.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--lock_policy=", policy, ": expected cpython, fifo or barging"));
  }
  options.policy = *parsed;
  if (switch_interval_ms <= 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("--switch_interval_ms=", switch_interval_ms,
                     ": must be a positive number of milliseconds (CPython's "
                     "default is 5)"));
  }
  options.switch_interval = absl::Milliseconds(switch_interval_ms);
  return options;
}

absl::StatusOr<objects::GcConfig> GcConfigFromFlags(int64_t threshold0,
                                                    int64_t threshold1,
                                                    int64_t threshold2) {
  objects::GcConfig config;
  const int64_t thresholds[] = {threshold0, threshold1, threshold2};
  for (int g = 0; g < objects::kNumGenerations; ++g) {
    if (thresholds[g] < 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("--gc_threshold", g, "=", thresholds[g],
                       ": must be >= 0 (0 for generation 0 turns automatic "
                       "collection off)"));
    }
    config.thresholds[g] = thresholds[g];
  }
  return config;
}

absl::Status ValidateServiceLimits(int64_t max_session_ttl_ms,
                                   int64_t max_allocate_count,
                                   int64_t max_batch) {
  if (max_session_ttl_ms <= 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("--max_session_ttl_ms=", max_session_ttl_ms,
                     ": must be a positive number of milliseconds"));
  }
  if (max_allocate_count < 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--max_allocate_count=", max_allocate_count, ": must be at least 1"));
  }
  if (max_batch < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("--max_batch=", max_batch, ": must be at least 1"));
  }
  return absl::OkStatus();
}

absl::Status ValidateResourceLimits(const obmalloc::AllocatorLayout& layout,
                                    int64_t max_heap_bytes, int64_t max_objects,
                                    int64_t max_lock_waiters,
                                    int64_t max_message_bytes) {
  const int64_t arena = static_cast<int64_t>(layout.arena_size());
  if (max_heap_bytes < 0 || (max_heap_bytes > 0 && max_heap_bytes < arena)) {
    return absl::InvalidArgumentError(
        absl::StrCat("--max_heap_bytes=", max_heap_bytes,
                     ": must be 0 (no cap) or at "
                     "least one arena (",
                     arena, " bytes with this layout)"));
  }
  if (max_objects < 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--max_objects=", max_objects, ": must be >= 0 (0: no cap)"));
  }
  if (max_lock_waiters < 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--max_lock_waiters=", max_lock_waiters, ": must be >= 0 (0: no cap)"));
  }
  constexpr int64_t kMinMessage = 1024;
  constexpr int64_t kMaxMessage = 2147483647;
  if (max_message_bytes < kMinMessage || max_message_bytes > kMaxMessage) {
    return absl::InvalidArgumentError(
        absl::StrCat("--max_message_bytes=", max_message_bytes,
                     ": must be between ", kMinMessage, " and ", kMaxMessage));
  }
  return absl::OkStatus();
}

absl::StatusOr<absl::Duration> SlowlogThresholdFromFlag(int64_t threshold_us) {
  if (threshold_us < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("--slowlog_threshold_us=", threshold_us,
                     ": must be >= 0 microseconds (0 logs every locked "
                     "request)"));
  }
  return absl::Microseconds(threshold_us);
}

absl::StatusOr<absl::Duration> StatsPublishIntervalFromFlag(
    int64_t interval_ms) {
  if (interval_ms < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("--stats_publish_interval_ms=", interval_ms,
                     ": must be >= 0 milliseconds (0 refreshes after every "
                     "request)"));
  }
  return absl::Milliseconds(interval_ms);
}

}  // namespace heapd::server
