#!/bin/bash
# tools/plot_heapload on a small heapload JSON report (a run, then a --runs
# report): it writes a PNG and says where; a report without a time series is
# refused with a message.
set -euo pipefail

plot="$1"
dir="${TEST_TMPDIR:-$(mktemp -d)}"

sample() {  # t_s stage label target_concurrency warmup lock
  printf '{"t_s": %s, "warmup": %s, "stage": %s, "stage_label": "%s",
    "target_concurrency": %s, "target_rate": 0, "completed": 1000,
    "failed": 1, "requests_per_s": 1000, "p50_ns": 200000,
    "p99_ns": 900000, "lock_held_share": %s, "client_cpu_cores": 0.4}' \
    "$1" "$5" "$2" "$3" "$4" "$6"
}
series="[$(sample 1 0 'step 1/2' 8 1 0.1), $(sample 2 0 'step 1/2' 8 0 null),
  $(sample 3 1 'step 2/2' 16 0 0.3), $(sample 4 1 'step 2/2' 16 0 0.35)]"
run="{\"label\": \"\", \"timestamp\": \"2026-01-01T00:00:00+00:00\",
  \"options\": {\"workload\": \"ping\", \"connections\": 2},
  \"server_config\": {\"version\": \"0.1.0\", \"lock_policy\": \"cpython\"},
  \"time_series\": $series}"
echo "$run" > "$dir/run.json"
echo "{\"runs_count\": 2, \"runs\": [$run, $run], \"median\": {}}" \
  > "$dir/runs.json"
echo '{"label": "", "time_series": []}' > "$dir/empty.json"

is_png() {
  [ "$(head -c 8 "$1" | od -An -tx1 | tr -d ' \n')" = "89504e470d0a1a0a" ]
}

out=$("$plot" "$dir/run.json")
[ "$out" = "$dir/run.png" ] || { echo "said '$out'"; exit 1; }
is_png "$dir/run.png" || { echo "run.png is no PNG"; exit 1; }

"$plot" "$dir/runs.json" -o "$dir/both.png" --title "two runs" >/dev/null
is_png "$dir/both.png" || { echo "both.png is no PNG"; exit 1; }

if "$plot" "$dir/empty.json" 2>"$dir/err"; then
  echo "a report without samples was plotted"; exit 1
fi
grep -q "no time_series" "$dir/err" || { cat "$dir/err"; exit 1; }
echo "plot_heapload: 3 passed, 0 failed"
