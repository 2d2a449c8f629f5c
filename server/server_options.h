// Validation of heapd's command-line values.
//
// main.cc defines the flags; the rules that turn their raw values into what
// the server is built from live here, where tests can reach them without
// starting a process. Each function returns INVALID_ARGUMENT with a message
// meant for the person who typed the flag.
//
// Example:
//   absl::StatusOr<heapd::obmalloc::AllocatorLayout> layout =
//       heapd::server::LayoutFromFlags("classic", 0, 3000, "keep_one");
//   // INVALID_ARGUMENT: "... pool size 3000 is not a power of two ..."
#ifndef HEAPD_SERVER_SERVER_OPTIONS_H_
#define HEAPD_SERVER_SERVER_OPTIONS_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "heap/gil/interpreter_lock.h"
#include "heap/objects/object_heap.h"
#include "heap/obmalloc/layout.h"

namespace heapd::server {

// The HOST part of a --listen value "HOST:PORT" (an IPv6 host keeps its
// brackets: "[::1]:0" gives "[::1]"). PORT must be 0..65535; 0 asks the OS
// for a free port.
absl::StatusOr<std::string> ListenHost(absl::string_view listen);

// Whether a --listen HOST (as ListenHost returns it) only reaches this
// machine: 127.0.0.0/8, [::1] or "localhost". 0.0.0.0, [::] and every other
// name or address count as reachable from elsewhere.
bool IsLoopbackHost(absl::string_view host);

// The allocator layout the flags describe: the `preset` ("classic" or
// "cpython312") with `arena_release` ("keep_one" or "eager"). A non-zero
// `arena_size` or `pool_size` replaces the preset's; the sizes are then
// validated by AllocatorLayout::Create, whose message says which rule broke.
absl::StatusOr<obmalloc::AllocatorLayout> LayoutFromFlags(
    absl::string_view preset, uint64_t arena_size, uint64_t pool_size,
    absl::string_view arena_release);

// The interpreter lock's options: --lock_policy (cpython, fifo or barging)
// and --switch_interval_ms (> 0).
absl::StatusOr<gil::InterpreterLockOptions> LockOptionsFromFlags(
    absl::string_view policy, int64_t switch_interval_ms);

// The collector's starting configuration from --gc_threshold0/1/2 (each
// >= 0; threshold0 = 0 turns automatic collection off, as in CPython).
absl::StatusOr<objects::GcConfig> GcConfigFromFlags(int64_t threshold0,
                                                    int64_t threshold1,
                                                    int64_t threshold2);

// The service's limits: --max_session_ttl_ms (> 0), --max_allocate_count
// (>= 1) and --max_batch (>= 1).
absl::Status ValidateServiceLimits(int64_t max_session_ttl_ms,
                                   int64_t max_allocate_count,
                                   int64_t max_batch);

// The resource limits: --max_heap_bytes (0, or at least one arena of
// `layout`: a smaller cap could not hold a single small object),
// --max_objects and --max_lock_waiters (>= 0; 0 means no cap), and
// --max_message_bytes (1 KiB .. 2 GiB - 1, gRPC's int).
absl::Status ValidateResourceLimits(const obmalloc::AllocatorLayout& layout,
                                    int64_t max_heap_bytes, int64_t max_objects,
                                    int64_t max_lock_waiters,
                                    int64_t max_message_bytes);

// The slow log's threshold from --slowlog_threshold_us (>= 0; 0 logs every
// locked request).
absl::StatusOr<absl::Duration> SlowlogThresholdFromFlag(int64_t threshold_us);

// How often Stats' heap figures are refreshed, from
// --stats_publish_interval_ms (>= 0; 0 after every request).
absl::StatusOr<absl::Duration> StatsPublishIntervalFromFlag(
    int64_t interval_ms);

}  // namespace heapd::server

#endif  // HEAPD_SERVER_SERVER_OPTIONS_H_
