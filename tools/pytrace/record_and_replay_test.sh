#!/usr/bin/env bash
# Records a short Python program with pytrace and replays the trace with
# heapreplay: every checkpoint of CPython's _PyObject_DebugMallocStats must
# equal heapd's figures.
#
#   record_and_replay_test.sh PYTRACE HEAPREPLAY
set -euo pipefail
pytrace=$1
heapreplay=$2
trace="${TEST_TMPDIR:-$(mktemp -d)}/short.trace"

# Dicts, lists, strings and their frees: every pymalloc path (fresh pools,
# used pools, empty pools reused, reallocs of growing lists).
program='
d = {str(i): [i] * (i % 7) for i in range(3000)}
for k in list(d)[::2]:
    del d[k]
s = "".join(k for k in d)
print(len(d), len(s))
'
"$pytrace" -o "$trace" --checkpoint_every=1000 -I -S -c "$program" >/dev/null

output=$("$heapreplay" "$trace")
echo "$output"
equal=$(sed -n 's/^all \([0-9]*\) checkpoints equal$/\1/p' <<<"$output")
if [ -z "$equal" ]; then
  echo "FAIL: not every checkpoint equal" >&2
  exit 1
fi
# A checkpoint per 1000 calls and one at exit: a short program still has
# tens of them.
if [ "$equal" -lt 10 ]; then
  echo "FAIL: only $equal checkpoints recorded" >&2
  exit 1
fi
echo "PASS: all $equal checkpoints equal"
