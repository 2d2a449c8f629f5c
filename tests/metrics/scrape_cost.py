"""What a /metrics scrape costs heapd in CPU time (a measurement, not a test;
docs/performance.md has the figures).

Starts heapd, optionally fills it with OBJECTS live objects that put every
size class in use (a few of each object type, the rest raw blocks spread
evenly over the 32 size classes), then measures heapd's CPU time (utime +
stime from /proc) over 1,000 scrapes in the text format and 1,000 in
OpenMetrics (what Prometheus asks for), each minus heapd's CPU time idle for
as long, per scrape; and its CPU time for 10,000 Pings (heapload, one
connection), per 10 Pings.

Usage: scrape_cost.py HEAPD HEAPLOAD HEAPCTL [OBJECTS]
"""
import os
import re
import subprocess
import sys
import time
import urllib.request

SCRAPES = 1000
SIZE_CLASSES = 32
OPENMETRICS = 'application/openmetrics-text;version=1.0.0'
TYPES = ['int', 'float', 'str', 'bytes', 'tuple', 'list', 'dict', 'set',
         'object']


def fill(ctl, objects):
    """OBJECTS live objects: 1,000 of each type, the rest raw blocks of
    16 * (c + 1) bytes, as many in each size class c."""
    session = subprocess.run(ctl + ['session', 'open', '--ttl=10m'],
                             capture_output=True, text=True,
                             check=True).stdout.split()[0]

    def alloc(kind, count, length=None):
        while count > 0:
            n = min(count, 100000)
            args = ctl + ['alloc', kind, '--count=%d' % n,
                          '--session=' + session]
            if length is not None:
                args.append('--length=%d' % length)
            subprocess.run(args, stdout=subprocess.DEVNULL, check=True)
            count -= n

    typed = min(objects, 1000 * len(TYPES))
    for i, kind in enumerate(TYPES):
        alloc(kind, typed // len(TYPES) + (i < typed % len(TYPES)))
    raw = objects - typed
    for c in range(SIZE_CLASSES):
        alloc('raw', raw // SIZE_CLASSES + (c < raw % SIZE_CLASSES),
              16 * (c + 1))


def check_filled(body, objects):
    """Fails unless the exposition shows OBJECTS objects and, with any, every
    size class in use."""
    live = sum(float(v) for v in re.findall(
        r'^heapd_objects\{type="[a-z_]+"\} (\S+)$', body, re.M))
    in_use = dict(re.findall(
        r'^heapd_pymalloc_blocks\{size_class="(\d+)",state="in_use"\} (\S+)$',
        body, re.M))
    if live != objects:
        sys.exit('heapd holds %d objects, not %d' % (live, objects))
    empty = [c for c in range(SIZE_CLASSES) if float(in_use.get(str(c), 0)) == 0]
    if objects and empty:
        sys.exit('size classes without blocks in use: %s' % empty)
    return SIZE_CLASSES - len(empty)


def main():
    heapd, heapload, heapctl = sys.argv[1:4]
    objects = int(sys.argv[4]) if len(sys.argv) > 4 else 0
    p = subprocess.Popen(
        [heapd, '--listen=127.0.0.1:0', '--http_listen=127.0.0.1:0'],
        stdout=subprocess.PIPE, text=True)
    metrics = address = None
    while address is None:
        line = p.stdout.readline()
        if not line:
            sys.exit('heapd did not start')
        if line.startswith('heapd metrics on '):
            metrics = line.split()[-1]
        if line.startswith('heapd listening on '):
            address = line.split()[-1]
    tick = os.sysconf('SC_CLK_TCK')

    def cpu():
        fields = open('/proc/%d/stat' % p.pid).read().rsplit(')', 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / tick

    def scrape(accept=None):
        request = urllib.request.Request(
            metrics, headers={'Accept': accept} if accept else {})
        return urllib.request.urlopen(request).read().decode()

    if objects:
        fill([heapctl, '--server=' + address], objects)
    time.sleep(2)  # a published snapshot with them all
    classes = check_filled(scrape(), objects)

    def per_scrape(accept):
        """CPU per scrape, in s, minus idle; and the body's size."""
        start_cpu, start = cpu(), time.time()
        for _ in range(SCRAPES):
            size = len(scrape(accept))
        busy, wall = cpu() - start_cpu, time.time() - start
        start_cpu = cpu()
        time.sleep(wall)
        idle = cpu() - start_cpu
        return (busy - idle) / SCRAPES, size

    text_cpu, text_size = per_scrape(None)
    om_cpu, om_size = per_scrape(OPENMETRICS)
    start_cpu = cpu()
    subprocess.run([heapload, '--server=' + address, '--workload=ping',
                    '--requests=10000', '--connections=1'],
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   check=True)
    ping_cpu = cpu() - start_cpu
    print('objects %d, size classes in use %d: a scrape %.0f us of CPU '
          '(text, %d bytes), %.0f us (OpenMetrics, %d bytes); 10 Pings %.0f us'
          % (objects, classes, text_cpu * 1e6, text_size, om_cpu * 1e6,
             om_size, ping_cpu / 1000 * 1e6))
    p.terminate()
    p.wait()


if __name__ == '__main__':
    main()
