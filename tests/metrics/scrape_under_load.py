"""Does scraping /metrics slow heapd down? (A study, not a test;
docs/performance.md has the figures.)

Runs heapload against a fresh heapd per run, with and without a scraper
fetching /metrics beside it, in rounds: each round runs every arm once (the
arms' order rotates from round to round, so that drift on a shared machine
falls on every arm alike). Per run it reports the workload's throughput and
the interpreter lock's hold-time p99 and p99.9 (from Stats at the end of the
run: heapd is fresh, so its since-start figures are the run's own), and per
round the ratios of each scraping arm to the arm without a scraper.

Arms: `none` (no scraper), a rate in scrapes per second (`10`), or `max`
(one scraper back to back, as fast as heapd answers).

Usage: scrape_under_load.py HEAPD HEAPLOAD HEAPCTL [--rounds=3]
    [--arms=none,10,max] [--duration=10s] [--warmup=2s] [--connections=8]
    [--workload=alloc-free]
"""
import argparse
import json
import statistics
import subprocess
import threading
import time
import urllib.request


def start_heapd(heapd):
    p = subprocess.Popen(
        [heapd, '--listen=127.0.0.1:0', '--http_listen=127.0.0.1:0'],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    metrics = address = None
    while address is None:
        line = p.stdout.readline()
        if not line:
            raise SystemExit('heapd did not start')
        if line.startswith('heapd metrics on '):
            metrics = line.split()[-1]
        if line.startswith('heapd listening on '):
            address = line.split()[-1]
    return p, metrics, address


class Scraper(threading.Thread):
    """Fetches `url` at `rate` per second (0: back to back) until stopped."""

    def __init__(self, url, rate):
        super().__init__(daemon=True)
        self.url, self.rate = url, rate
        self.stopping = threading.Event()
        self.scrapes = 0

    def run(self):
        start = time.monotonic()
        while not self.stopping.is_set():
            urllib.request.urlopen(self.url, timeout=10).read()
            self.scrapes += 1
            if self.rate:
                wait = start + self.scrapes / self.rate - time.monotonic()
                if wait > 0:
                    self.stopping.wait(wait)

    def stop(self):
        self.stopping.set()
        self.join()


def one_run(args, arm):
    heapd, metrics, address = start_heapd(args.heapd)
    try:
        scraper = None
        if arm != 'none':
            scraper = Scraper(metrics, 0 if arm == 'max' else float(arm))
            scraper.start()
        start = time.monotonic()
        load = subprocess.run(
            [args.heapload, '--server=' + address,
             '--workload=' + args.workload,
             '--connections=%d' % args.connections,
             '--warmup=' + args.warmup, '--duration=' + args.duration,
             '--format=json'],
            capture_output=True, text=True, check=True)
        wall = time.monotonic() - start
        scrapes = 0
        if scraper:
            scraper.stop()
            scrapes = scraper.scrapes
        stats = json.loads(subprocess.run(
            [args.heapctl, '--server=' + address, '--json', 'stats'],
            capture_output=True, text=True, check=True).stdout)
    finally:
        heapd.terminate()
        heapd.wait()
    report = json.loads(load.stdout)
    hold = stats['lock']['hold']
    return {
        'arm': arm,
        'rps': report['streams']['workload']['requests_per_s'],
        'hold_p99_us': int(hold['p99_ns']) / 1000,
        'hold_p999_us': int(hold['p999_ns']) / 1000,
        'scrapes_per_s': scrapes / wall,
    }


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('heapd')
    parser.add_argument('heapload')
    parser.add_argument('heapctl')
    parser.add_argument('--rounds', type=int, default=3)
    parser.add_argument('--arms', default='none,10,max')
    parser.add_argument('--duration', default='10s')
    parser.add_argument('--warmup', default='2s')
    parser.add_argument('--connections', type=int, default=8)
    parser.add_argument('--workload', default='alloc-free')
    args = parser.parse_args()
    arms = args.arms.split(',')
    if arms[0] != 'none':
        raise SystemExit('the first arm must be none: the others are '
                         'compared with it')

    print('%s, %d connections, %s warm-up + %s per run; %d rounds of %s'
          % (args.workload, args.connections, args.warmup, args.duration,
             args.rounds, ', '.join(arms)))
    print()
    print('| round | scraper | scrapes/s | req/s | lock hold p99 (us) '
          '| hold p99.9 (us) |')
    print('| ---: | --- | ---: | ---: | ---: | ---: |')
    rounds = []
    for r in range(args.rounds):
        order = arms[r % len(arms):] + arms[:r % len(arms)]
        results = {}
        for arm in order:
            run = one_run(args, arm)
            results[arm] = run
            print('| %d | %s | %.1f | %.0f | %.2f | %.2f |' % (
                r + 1, arm, run['scrapes_per_s'], run['rps'],
                run['hold_p99_us'], run['hold_p999_us']), flush=True)
        rounds.append(results)

    print()
    print('Ratios to the run without a scraper in the same round '
          '(throughput; lock hold p99):')
    print()
    for arm in arms[1:]:
        rps = [x[arm]['rps'] / x['none']['rps'] for x in rounds]
        p99 = [x[arm]['hold_p99_us'] / x['none']['hold_p99_us']
               for x in rounds]
        print('- scraper %s: throughput %s (median %.3f); hold p99 %s '
              '(median %.3f)' % (
                  arm, ', '.join('%.3f' % v for v in rps),
                  statistics.median(rps), ', '.join('%.3f' % v for v in p99),
                  statistics.median(p99)))


if __name__ == '__main__':
    main()
