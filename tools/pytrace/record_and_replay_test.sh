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

# replay TRACE: heapreplay's output; fails unless every checkpoint is equal
# and there are at least 10.
replay() {
  local output equal
  output=$("$heapreplay" "$1")
  echo "$output"
  equal=$(sed -n 's/^all \([0-9]*\) checkpoints equal$/\1/p' <<<"$output")
  if [ -z "$equal" ]; then
    echo "FAIL: not every checkpoint of $1 equal" >&2
    exit 1
  fi
  # A checkpoint per 1000 calls and one at exit: a short program still has
  # tens of them.
  if [ "$equal" -lt 10 ]; then
    echo "FAIL: only $equal checkpoints recorded in $1" >&2
    exit 1
  fi
  echo "PASS: all $equal checkpoints of $1 equal"
}

"$pytrace" -o "$trace" --checkpoint_every=1000 -I -S -c "$program" >/dev/null
replay "$trace"

# A forked child allocates and returns from the program (so pytrace's main
# returns in it too); only the parent's calls are in the trace, which stays
# whole and replays equal.
forking='
import os, sys
data = [str(i) * 3 for i in range(2000)]
pid = os.fork()
if pid == 0:
    junk = [list(range(50)) for _ in range(2000)]
    sys.exit(0)
os.waitpid(pid, 0)
more = {i: str(i) for i in range(2000)}
print(len(data), len(more))
'
fork_trace="${trace%.trace}-fork.trace"
"$pytrace" -o "$fork_trace" --checkpoint_every=1000 -I -S -c "$forking" \
  >/dev/null
replay "$fork_trace"
