"""heapd_integration_test: a GoogleTest cc_test against a real heapd.

Every such test starts //server:heapd from its runfiles, links GoogleTest's
main and the ThreadSanitizer suppressions (inert unless built with
--config=tsan: see tools/tsan.supp), and polls its idle gRPC channels often
(below). A target states only its sources, its own dependencies, any further
runtime data, and anything else cc_test takes (shard_count, ...).
"""

# An idle gRPC client reads its connections only when its backup poller
# runs, every 5 s by default; a heapd shutting down waits that long for the
# client to acknowledge its GOAWAY. Polling often keeps the shutdown tests
# measuring the server rather than the client's idle loop.
_GRPC_ENV = {"GRPC_CLIENT_CHANNEL_BACKUP_POLL_INTERVAL_MS": "100"}

def heapd_integration_test(name, srcs, deps = [], data = [], size = "medium", **kwargs):
    native.cc_test(
        name = name,
        size = size,
        srcs = srcs,
        data = data + ["//server:heapd"],
        env = _GRPC_ENV,
        deps = deps + [
            "//tools:tsan_suppressions",
            "@system//:gtest",
            "@system//:gtest_main",
        ],
        **kwargs
    )
