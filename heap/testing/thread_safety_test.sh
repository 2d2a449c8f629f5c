#!/usr/bin/env bash
# The thread safety annotations are checked by clang only (g++ ignores
# them), so this test runs clang's analysis on two probes against
# heap/interpreter.h: one that holds the interpreter lock wherever it must
# (it has to compile) and one that breaks every rule (each break has to be
# reported). The whole tree is checked with
#   bazel build --config=thread_safety //heap/...
set -euo pipefail

CLANG=$(command -v clang++ || command -v clang++-14 || true)
if [ -z "$CLANG" ]; then
  echo "clang++ not found (tools/setup installs clang-14)" >&2
  exit 1
fi
flags=(-std=c++20 -fsyntax-only -Wthread-safety -Werror=thread-safety -I.)

"$CLANG" "${flags[@]}" heap/testing/thread_safety_ok.cc

errors=$(mktemp)
trap 'rm -f "$errors"' EXIT
if "$CLANG" "${flags[@]}" heap/testing/thread_safety_violation.cc 2>"$errors"; then
  echo "thread_safety_violation.cc compiled: the annotations check nothing" >&2
  exit 1
fi
for expected in \
    "calling function 'heap' requires holding mutex" \
    "mutex 'interp.lock_' is still held at the end of function" \
    "calling function 'SafePoint' requires holding mutex"; do
  if ! grep -q "$expected" "$errors"; then
    echo "missing diagnostic: $expected" >&2
    cat "$errors" >&2
    exit 1
  fi
done
# Both safe points, the lock's and the interpreter's, require the lock.
safe_points=$(grep -c "calling function 'SafePoint' requires holding mutex" \
    "$errors" || true)
if [ "$safe_points" -ne 2 ]; then
  echo "expected 2 SafePoint diagnostics, got $safe_points" >&2
  cat "$errors" >&2
  exit 1
fi
echo "thread safety analysis: probes OK"
