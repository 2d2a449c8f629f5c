#!/usr/bin/env bash
# check_cpython.sh - re-run the CPython GC scenario programs and compare their
# output with the recorded NN_*.expected files (recorded with CPython 3.12.1).
#
# Runs as the Bazel sh_test //tests/cpython_gc:cpython_gc_recorded_numbers_test
# (files found through $TEST_SRCDIR/$TEST_WORKSPACE) or directly from a source
# checkout (files found next to this script):
#
#     tests/cpython_gc/check_cpython.sh            # every NN_*.py
#     tests/cpython_gc/check_cpython.sh 17 22      # only programs starting 17_, 22_
#
# Interpreter: $CPYTHON_GC_PYTHON if set, else `PYENV_VERSION=3.12.1 python3.12`,
# else pyenv's 3.12.1 binary, else any python3.12 on PATH. It must report
# version 3.12.x. When none is found the script prints that it is skipping and
# exits 0. Each program is limited to 60 s (CPYTHON_GC_TIMEOUT overrides).
# Exit status: 0 all match (or skipped), 1 any mismatch / failure / timeout.

set -u

TIMEOUT_SECS="${CPYTHON_GC_TIMEOUT:-60}"

# ---------------------------------------------------------------- locate files
has_programs() {
  compgen -G "$1/[0-9][0-9]_*.py" >/dev/null 2>&1
}

script_path="${BASH_SOURCE[0]}"
candidates=()
if [[ -n "${TEST_SRCDIR:-}" ]]; then
  candidates+=("${TEST_SRCDIR}/${TEST_WORKSPACE:-heapd}/tests/cpython_gc")
  candidates+=("${TEST_SRCDIR}/heapd/tests/cpython_gc")
  candidates+=("${TEST_SRCDIR}/_main/tests/cpython_gc")
fi
candidates+=("$(cd "$(dirname "$script_path")" && pwd)")
if resolved="$(readlink -f "$script_path" 2>/dev/null)"; then
  candidates+=("$(dirname "$resolved")")
fi

DIR=""
for c in "${candidates[@]}"; do
  if [[ -d "$c" ]] && has_programs "$c"; then
    DIR="$c"
    break
  fi
done
if [[ -z "$DIR" ]]; then
  echo "check_cpython: cannot find the NN_*.py programs; looked in:" >&2
  printf '  %s\n' "${candidates[@]}" >&2
  exit 1
fi

# ----------------------------------------------------------- find CPython 3.12
PY=()
PYVER=""
try_python() {
  local v
  v="$("$@" -I -c 'import sys; print("%d.%d.%d" % sys.version_info[:3])' 2>/dev/null)" || return 1
  [[ "$v" == 3.12.* ]] || return 1
  PY=("$@")
  PYVER="$v"
  return 0
}

found=0
if [[ -n "${CPYTHON_GC_PYTHON:-}" ]]; then
  try_python "$CPYTHON_GC_PYTHON" && found=1
fi
if [[ $found -eq 0 ]] && command -v python3.12 >/dev/null 2>&1; then
  try_python env PYENV_VERSION=3.12.1 python3.12 && found=1
fi
if [[ $found -eq 0 ]]; then
  # Bazel sets HOME to the test's temp dir and may trim PATH: try pyenv's
  # install directories directly.
  for root in "${PYENV_ROOT:-}" "${HOME:-}/.pyenv" /root/.pyenv; do
    [[ -n "$root" ]] || continue
    for p in "$root/versions/3.12.1/bin/python3.12" "$root"/versions/3.12.*/bin/python3.12; do
      if [[ -x "$p" ]] && try_python "$p"; then
        found=1
        break 2
      fi
    done
  done
fi
if [[ $found -eq 0 ]]; then
  for p in "$(command -v python3.12 2>/dev/null)" /usr/local/bin/python3.12 /usr/bin/python3.12; do
    if [[ -n "$p" && -x "$p" ]] && try_python "$p"; then
      found=1
      break
    fi
  done
fi
if [[ $found -eq 0 ]]; then
  echo "check_cpython: SKIPPING: no CPython 3.12 interpreter found" \
       "(tried \$CPYTHON_GC_PYTHON, PYENV_VERSION=3.12.1 python3.12, pyenv versions, python3.12 on PATH)"
  exit 0
fi

TIMEOUT_CMD=()
if command -v timeout >/dev/null 2>&1; then
  TIMEOUT_CMD=(timeout "$TIMEOUT_SECS")
else
  echo "check_cpython: warning: 'timeout' not found; programs run unbounded" >&2
fi

echo "check_cpython: CPython $PYVER (${PY[*]}), programs in $DIR"
if [[ "$PYVER" != "3.12.1" ]]; then
  echo "check_cpython: note: expected files were recorded with 3.12.1"
fi

# ------------------------------------------------------------------ run them
WORK="$(mktemp -d "${TEST_TMPDIR:-${TMPDIR:-/tmp}}/cpython_gc.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT

programs=()
for f in "$DIR"/[0-9][0-9]_*.py; do
  name="$(basename "$f" .py)"
  if [[ $# -gt 0 ]]; then
    keep=0
    for want in "$@"; do
      [[ "$name" == "$want"* ]] && keep=1
    done
    [[ $keep -eq 1 ]] || continue
  fi
  programs+=("$name")
done

# every .expected must have its program
for e in "$DIR"/[0-9][0-9]_*.expected; do
  [[ -e "$e" ]] || continue
  name="$(basename "$e" .expected)"
  if [[ ! -e "$DIR/$name.py" ]]; then
    echo "MISSING PROGRAM $name.py (have $name.expected)"
    programs+=("__missing__$name")
  fi
done

pass=0
fail=0
start_all=$SECONDS
for name in "${programs[@]}"; do
  if [[ "$name" == __missing__* ]]; then
    fail=$((fail + 1))
    continue
  fi
  py="$DIR/$name.py"
  expected="$DIR/$name.expected"
  if [[ ! -f "$expected" ]]; then
    echo "FAIL $name: no $name.expected"
    fail=$((fail + 1))
    continue
  fi
  out="$WORK/$name.out"
  err="$WORK/$name.err"
  t0=$SECONDS
  (cd "$WORK" && "${TIMEOUT_CMD[@]}" "${PY[@]}" -I "$py" >"$out" 2>"$err")
  rc=$?
  dt=$((SECONDS - t0))
  if [[ $rc -eq 124 && ${#TIMEOUT_CMD[@]} -gt 0 ]]; then
    echo "FAIL $name: timed out after ${TIMEOUT_SECS}s"
    fail=$((fail + 1))
    continue
  fi
  if [[ $rc -ne 0 ]]; then
    echo "FAIL $name: exit status $rc"
    sed 's/^/    stderr: /' "$err"
    fail=$((fail + 1))
    continue
  fi
  if cmp -s "$expected" "$out"; then
    echo "ok   $name (${dt}s)"
    pass=$((pass + 1))
  else
    echo "FAIL $name: output differs from $name.expected (--- expected, +++ actual)"
    if command -v diff >/dev/null 2>&1; then
      diff -u "$expected" "$out" | sed 's/^/    /'
    else
      echo "    expected:"; sed 's/^/      /' "$expected"
      echo "    actual:";   sed 's/^/      /' "$out"
    fi
    fail=$((fail + 1))
  fi
  if [[ -s "$err" ]]; then
    echo "    note: $name wrote to stderr:"
    sed 's/^/    stderr: /' "$err"
  fi
done

total=$((pass + fail))
echo "check_cpython: $pass/$total passed, $fail failed ($((SECONDS - start_all))s)"
if [[ $total -eq 0 ]]; then
  echo "check_cpython: no program matched" >&2
  exit 1
fi
[[ $fail -eq 0 ]]
