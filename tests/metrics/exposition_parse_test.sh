#!/usr/bin/env bash
# The known snapshot's exposition (write_known_exposition) read back by real
# parsers: promtool (Prometheus's own checks, naming conventions included)
# and python3-prometheus-client's text and OpenMetrics parsers.
set -euo pipefail
writer="$1"
checker="$2"
tmp="${TEST_TMPDIR:-$(mktemp -d)}"
"$writer" text >"$tmp/metrics.txt"
"$writer" openmetrics >"$tmp/metrics.om"
# promtool prints every problem it finds and exits non-zero on any.
problems=$(promtool check metrics <"$tmp/metrics.txt" 2>&1) || {
  echo "promtool check metrics failed:"; echo "$problems"; exit 1; }
if [ -n "$problems" ]; then
  echo "promtool check metrics: $problems"; exit 1
fi
/usr/bin/python3 "$checker" "$tmp/metrics.txt" "$tmp/metrics.om"
