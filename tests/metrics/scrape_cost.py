"""What a /metrics scrape costs heapd in CPU time (a measurement, not a test;
docs/performance.md has the figures).

Starts heapd, optionally fills it with OBJECTS live ints, then: heapd's CPU
time (utime + stime from /proc) over 1,000 scrapes, minus its CPU time idle
for as long, per scrape; and its CPU time for 10,000 Pings (heapload, one
connection), per 10 Pings.

Usage: scrape_cost.py HEAPD HEAPLOAD HEAPCTL [OBJECTS]
"""
import os
import subprocess
import sys
import time
import urllib.request

SCRAPES = 1000


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

    ctl = [heapctl, '--server=' + address]
    if objects:
        session = subprocess.run(ctl + ['session', 'open', '--ttl=10m'],
                                 capture_output=True, text=True).stdout.strip()
        for _ in range(objects // 100000):
            subprocess.run(ctl + ['alloc', 'int', '--count=100000',
                                  '--session=' + session],
                           stdout=subprocess.DEVNULL, check=True)
    time.sleep(2)
    start_cpu, start = cpu(), time.time()
    for _ in range(SCRAPES):
        size = len(urllib.request.urlopen(metrics).read())
    scrape_cpu, wall = cpu() - start_cpu, time.time() - start
    start_cpu = cpu()
    time.sleep(wall)
    idle_cpu = cpu() - start_cpu
    start_cpu = cpu()
    subprocess.run([heapload, '--server=' + address, '--workload=ping',
                    '--requests=10000', '--connections=1'],
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    ping_cpu = cpu() - start_cpu
    print('objects %d, body %d bytes: a scrape %.0f us of CPU (%.2f s for '
          '%d, %.2f s idle over %.1f s); 10 Pings %.0f us' % (
              objects, size, (scrape_cpu - idle_cpu) / SCRAPES * 1e6,
              scrape_cpu, SCRAPES, idle_cpu, wall, ping_cpu / 1000 * 1e6))
    p.terminate()
    p.wait()


if __name__ == '__main__':
    main()
