#!/bin/sh
echo "coverage is not available in heapd's offline Bazel build" >&2
exit 1
