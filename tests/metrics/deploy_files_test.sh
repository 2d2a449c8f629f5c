#!/usr/bin/env bash
# deploy/'s Prometheus configuration and alert rules pass promtool's checks,
# and the Grafana dashboard is JSON whose every panel queries Prometheus.
set -euo pipefail
config="$1"
alerts="$2"
dashboard="$3"
promtool check rules "$alerts"
# heapd.yml names its rules file relative to itself.
promtool check config "$config"
/usr/bin/python3 - "$dashboard" <<'PY'
import json, sys
dashboard = json.load(open(sys.argv[1]))
panels = [p for p in dashboard['panels'] if p['type'] != 'row']
rows = [p['title'] for p in dashboard['panels'] if p['type'] == 'row']
assert rows == ['Requests', 'Interpreter lock', 'Collector', 'Allocator',
                'Objects'], rows
for p in panels:
    assert p['targets'], p['title']
    assert all(t['expr'] for t in p['targets']), p['title']
    assert p['datasource']['type'] == 'prometheus', p['title']
kinds = {p['type'] for p in panels}
assert 'heatmap' in kinds, kinds
print('%d panels in %d rows' % (len(panels), len(rows)))
PY
