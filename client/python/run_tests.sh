#!/bin/bash
# The pytest suite with Debian's /usr/bin/python3: the package's sources,
# its generated modules and heapd from bazel-bin (`bazel build --config=opt
# //server:heapd //client/python:heap_py_proto` first; $HEAPD_BINARY
# overrides the binary). Extra arguments go to pytest (--junitxml=...).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
export HEAPD_BINARY="${HEAPD_BINARY:-$root/bazel-bin/server/heapd}"
export PYTHONPATH="$root/client/python:$root/bazel-bin/client/python"
export PYTHONDONTWRITEBYTECODE=1
exec /usr/bin/python3 -m pytest -q -p no:cacheprovider \
  "$root/client/python/tests" "$@"
