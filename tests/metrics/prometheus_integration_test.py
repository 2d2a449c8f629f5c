"""heapd scraped by a real Prometheus (Debian's /usr/bin/prometheus).

Starts heapd and Prometheus on free loopback ports (Prometheus scraping
every second), runs a short workload with heapctl, and checks that what
Prometheus stored agrees with Stats (objects, collections and collection
pauses by generation, RPCs by method and code); then runs every PromQL
expression of the Grafana dashboard and of the alert rules against it: each
must parse and return a series. An alert's expression is run with `bool`
on its last comparison, so that it returns a series whether or not it would
fire. Last, the metrics Prometheus stored are the ones docs/metrics.md
lists, each with the labels it lists.

Usage: prometheus_integration_test.py HEAPD HEAPCTL DASHBOARD ALERTS DOCS
"""
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request

import yaml  # python3-yaml

DEADLINE_S = 120  # generous: the machine is shared and sanitizer builds are slow

# Stats' code names (google.rpc.Code) in go-grpc-prometheus's spelling.
GO_CODE = {
    'CANCELLED': 'Canceled', 'UNKNOWN': 'Unknown',
    'INVALID_ARGUMENT': 'InvalidArgument',
    'DEADLINE_EXCEEDED': 'DeadlineExceeded', 'NOT_FOUND': 'NotFound',
    'ALREADY_EXISTS': 'AlreadyExists', 'PERMISSION_DENIED': 'PermissionDenied',
    'RESOURCE_EXHAUSTED': 'ResourceExhausted',
    'FAILED_PRECONDITION': 'FailedPrecondition', 'ABORTED': 'Aborted',
    'OUT_OF_RANGE': 'OutOfRange', 'UNIMPLEMENTED': 'Unimplemented',
    'INTERNAL': 'Internal', 'UNAVAILABLE': 'Unavailable',
    'DATA_LOSS': 'DataLoss', 'UNAUTHENTICATED': 'Unauthenticated',
}


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def read_line(process, prefix, deadline):
    """The rest of heapd's first stdout line that starts with `prefix`."""
    while time.time() < deadline:
        line = process.stdout.readline()
        if not line:
            raise AssertionError('heapd exited before printing ' + prefix)
        if line.startswith(prefix):
            return line[len(prefix):].strip()
    raise AssertionError('no line ' + prefix)


class Prometheus:
    def __init__(self, port):
        self.base = 'http://127.0.0.1:%d' % port

    def get(self, path, **params):
        url = self.base + path
        if params:
            url += '?' + urllib.parse.urlencode(params)
        with urllib.request.urlopen(url, timeout=30) as r:
            return json.load(r)

    def query(self, expr):
        """The result vector of `expr` (raises on a parse error)."""
        try:
            answer = self.get('/api/v1/query', query=expr)
        except urllib.error.HTTPError as e:
            raise AssertionError('query failed: %s: %s' % (expr, e.read()))
        assert answer['status'] == 'success', (expr, answer)
        return answer['data']['result']

    def value(self, expr):
        result = self.query(expr)
        return None if not result else float(result[0]['value'][1])


def heapctl(heapctl_path, address, *args):
    return subprocess.run([heapctl_path, '--server=' + address] + list(args),
                          capture_output=True, text=True, timeout=60)


def workload(heapctl_path, address):
    run = lambda *a: heapctl(heapctl_path, address, *a)
    session = run('session', 'open', '--ttl=10m').stdout.strip()
    assert session, 'no session'
    assert run('alloc', 'int', '--count=40', '--session=' + session).returncode == 0
    assert run('alloc', 'list', '--count=5', '--session=' + session).returncode == 0
    assert run('alloc', 'dict', '--count=3', '--session=' + session).returncode == 0
    # A NotFound and a ResourceExhausted (over --max_allocate_count).
    assert run('incref', '99999', '--session=' + session).returncode != 0
    assert run('alloc', 'int', '--count=1000', '--session=' + session).returncode != 0
    for generation in ('0', '0', '1', '2'):
        assert run('collect', '--generation=' + generation,
                   '--session=' + session).returncode == 0
    stats = run('--json', 'stats')
    assert stats.returncode == 0, stats.stderr
    return json.loads(stats.stdout)


def expected_figures(stats):
    """PromQL expression -> the value Stats gives for it."""
    want = {'sum(heapd_objects)': int(stats['objects']['objects'])}
    for t in stats['objects'].get('by_type', []):
        want['heapd_objects{type="%s"}' % t['type'].lower()] = int(t['count'])
    for g in stats['collector']['generations']:
        generation = g.get('generation', 0)
        want['heapd_gc_collections_total{generation="%d"}' % generation] = (
            int(g.get('collections', 0)))
        want['heapd_gc_pause_seconds_count{generation="%d"}' % generation] = (
            int(g.get('pause', {}).get('count', 0)))
    for m in stats['server']['methods']:
        # The Stats call that read these counts itself, and heapctl's own
        # pings, are left out: they race the snapshot.
        if m['method'] in ('Stats', 'Ping', 'WatchStats'):
            continue
        errors = 0
        for e in m.get('errors', []):
            errors += int(e['count'])
            want['sum(grpc_server_handled_total{grpc_service="heapd.v1.Heap",'
                 'grpc_method="%s",grpc_code="%s"})' % (
                     m['method'], GO_CODE[e['code_name']])] = int(e['count'])
        want['sum(grpc_server_handled_total{grpc_service="heapd.v1.Heap",'
             'grpc_method="%s",grpc_code="OK"})' % m['method']] = (
                 int(m['calls']) - errors)
    return want


def dashboard_exprs(path):
    exprs = []

    def walk(panels):
        for p in panels:
            for t in p.get('targets', []):
                exprs.append((p['title'], t['expr']))
            walk(p.get('panels', []))
    walk(json.load(open(path))['panels'])
    return exprs


def alert_exprs(path):
    out = subprocess.run(['promtool', 'check', 'rules', path],
                         capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr
    rules = yaml.safe_load(open(path))
    return [(r['alert'], r['expr']) for g in rules['groups'] for r in g['rules']]


COMPARISON = re.compile(r'\s(==|!=|>=|<=|>|<)\s')


def with_bool(expr):
    """`expr` with `bool` after its last comparison operator."""
    matches = list(COMPARISON.finditer(expr))
    assert matches, 'an alert without a comparison: ' + expr
    m = matches[-1]
    return expr[:m.end(1)] + ' bool' + expr[m.end(1):]


def documented_metrics(path):
    """docs/metrics.md's metric tables: name -> (type, label names)."""
    text = open(path).read()
    text = text[text.index('\n## The metrics'):]
    text = text[:text.index('\n## ', 1)]
    out = {}
    for line in text.splitlines():
        cells = [c.strip() for c in line.strip().strip('|').split('|')]
        if len(cells) < 4 or not cells[0].startswith('`'):
            continue
        # "size_class, state (`in_use`, `free`)": the names, not the values.
        labels = re.sub(r'\([^)]*\)', '', cells[2])
        labels = {l.strip() for l in labels.split(',') if l.strip()}
        for name in re.findall(r'`([a-z_]+)`', cells[0]):
            out[name] = (cells[1], labels)
    return out


def check_documented(prom, docs):
    """Every heapd and gRPC series Prometheus stored is a documented metric
    with exactly its documented labels, and every documented metric is
    there."""
    documented = documented_metrics(docs)
    assert len(documented) > 50, documented
    series = prom.get('/api/v1/series', **{
        'match[]': '{job="heapd",__name__=~"heapd_.*|grpc_server_.*"}'})
    stored = {}
    for labels in series['data']:
        name = labels['__name__']
        names = set(labels) - {'__name__', 'job', 'instance'}
        for suffix in ('_bucket', '_count', '_sum'):
            base = name[:-len(suffix)]
            if name.endswith(suffix) and documented.get(base, ('',))[0] == (
                    'histogram'):
                name = base
                names.discard('le')
        stored.setdefault(name, set()).update(names)
    problems = []
    for name in sorted(set(stored) - set(documented)):
        problems.append('%s is exported but not in docs/metrics.md' % name)
    for name in sorted(set(documented) - set(stored)):
        problems.append('%s is in docs/metrics.md but not exported' % name)
    for name in sorted(set(stored) & set(documented)):
        if stored[name] != documented[name][1]:
            problems.append('%s has labels %s; docs/metrics.md says %s' % (
                name, sorted(stored[name]), sorted(documented[name][1])))
    assert not problems, '\n'.join(problems)
    return len(documented)


def substitute(expr):
    return (expr.replace('$__rate_interval', '1m')
            .replace('$__interval', '1m').replace('$instance', '.*'))


def main():
    heapd_path, heapctl_path, dashboard, alerts, docs = sys.argv[1:6]
    tmp = tempfile.mkdtemp(dir=os.environ.get('TEST_TMPDIR'))
    deadline = time.time() + DEADLINE_S
    heapd = subprocess.Popen(
        [heapd_path, '--listen=127.0.0.1:0', '--http_listen=127.0.0.1:0',
         '--stats_publish_interval_ms=0', '--max_allocate_count=100',
         '--max_heap_bytes=67108864'],
        stdout=subprocess.PIPE, stderr=open(os.path.join(tmp, 'heapd.err'), 'w'),
        text=True)
    prometheus = None
    try:
        metrics = read_line(heapd, 'heapd metrics on http://', deadline)
        target = metrics.split('/')[0]
        address = read_line(heapd, 'heapd listening on ', deadline)
        stats = workload(heapctl_path, address)

        port = free_port()
        shutil.copy(alerts, os.path.join(tmp, 'alerts.yml'))
        with open(os.path.join(tmp, 'prometheus.yml'), 'w') as f:
            f.write('global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n'
                    'rule_files: [alerts.yml]\n'
                    'scrape_configs:\n  - job_name: heapd\n'
                    '    static_configs:\n      - targets: ["%s"]\n' % target)
        prometheus = subprocess.Popen(
            ['/usr/bin/prometheus',
             '--config.file=' + os.path.join(tmp, 'prometheus.yml'),
             '--storage.tsdb.path=' + os.path.join(tmp, 'data'),
             '--web.listen-address=127.0.0.1:%d' % port, '--log.level=warn'],
            stdout=subprocess.DEVNULL,
            stderr=open(os.path.join(tmp, 'prometheus.err'), 'w'))
        prom = Prometheus(port)

        # Enough scrapes for rate() over a minute: five samples.
        while True:
            try:
                samples = prom.value('count_over_time(up{job="heapd"}[1m])')
                if samples is not None and samples >= 5:
                    break
            except (OSError, AssertionError):
                pass
            assert prometheus.poll() is None, open(
                os.path.join(tmp, 'prometheus.err')).read()
            assert time.time() < deadline, 'Prometheus never scraped heapd'
            time.sleep(0.5)
        assert prom.value('up{job="heapd"}') == 1

        want = expected_figures(stats)
        assert len(want) > 10, want
        while True:
            got = {expr: prom.value(expr) for expr in want}
            wrong = {e: (got[e], v) for e, v in want.items() if got[e] != v}
            if not wrong:
                break
            assert time.time() < deadline, 'Prometheus disagrees with Stats ' \
                '(query: (prometheus, stats)): %s' % wrong
            time.sleep(0.5)
        print('%d figures agree with Stats' % len(want))

        failures = []
        exprs = [('dashboard: ' + t, substitute(e)) for t, e in dashboard_exprs(dashboard)]
        exprs += [('alert: ' + a, with_bool(e)) for a, e in alert_exprs(alerts)]
        for name, expr in exprs:
            try:
                if not prom.query(expr):
                    failures.append('%s returned no series: %s' % (name, expr))
            except AssertionError as e:
                failures.append('%s: %s' % (name, e))
        assert not failures, '\n'.join(failures)
        print('%d dashboard and alert expressions return series' % len(exprs))

        print('%d metrics exported as docs/metrics.md lists them' %
              check_documented(prom, docs))

        rules = prom.get('/api/v1/rules')['data']['groups']
        loaded = sum(len(g['rules']) for g in rules)
        assert loaded == len(alert_exprs(alerts)), rules
        for g in rules:
            for r in g['rules']:
                assert r.get('health') in ('ok', 'unknown'), r
    finally:
        if prometheus is not None:
            prometheus.terminate()
            prometheus.wait(timeout=60)
        heapd.send_signal(signal.SIGTERM)
        code = heapd.wait(timeout=60)
        sys.stderr.write(open(os.path.join(tmp, 'heapd.err')).read())
    assert code == 0, 'heapd exited with %d' % code


if __name__ == '__main__':
    main()
