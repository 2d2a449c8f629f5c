"""CPython's gc.collect() on the shapes of //bench:gc_bench.

Prints objects examined per second for each case, so the two can be compared
in one sitting on one machine:

    PYENV_VERSION=3.12.1 python3.12 bench/cpython_gc.py

Automatic collection is disabled (as gc.disable()): only the timed
gc.collect() calls run. Each case reports the best of five runs.
"""
import gc
import sys
import time


class C:
    pass


def collect_cycles(n):
    """n objects as n/2 two-object cycles, every name dropped, one collect."""
    for _ in range(n // 2):
        a = C()
        b = C()
        a.ref = b
        b.ref = a
    del a, b
    start = time.perf_counter()
    found = gc.collect()
    elapsed = time.perf_counter() - start
    assert found >= n, (found, n)
    return elapsed


def collect_live(n):
    """n live empty lists held by one list: a collection that frees nothing."""
    keep = [[] for _ in range(n)]
    gc.collect()  # the first collection after building is slower; skip it
    start = time.perf_counter()
    gc.collect()
    elapsed = time.perf_counter() - start
    del keep
    return elapsed


def gen0_collection():
    """700 fresh lists, then gc.collect(0)."""
    fresh = [[] for _ in range(700)]
    start = time.perf_counter()
    gc.collect(0)
    elapsed = time.perf_counter() - start
    del fresh
    return elapsed


def best(run, *args):
    return min(run(*args) for _ in range(5))


def main():
    gc.disable()
    gc.collect()
    baseline = len(gc.get_objects())
    print(f"CPython {sys.version.split()[0]}, {baseline} tracked objects "
          "before the runs")
    for n in (10_000, 100_000, 1_000_000):
        t = best(collect_cycles, n)
        print(f"BM_CollectCycles/{n}: {t * 1e3:.2f} ms, "
              f"{n / t / 1e6:.1f} M objects/s")
    for n in (10_000, 100_000, 1_000_000):
        t = best(collect_live, n)
        # gc.collect() examines the interpreter's own objects too.
        examined = n + 1 + baseline
        print(f"BM_CollectLive/{n}: {t * 1e3:.2f} ms, "
              f"{examined / t / 1e6:.1f} M objects/s")
    t = best(gen0_collection)
    print(f"BM_Gen0Collection: {t * 1e6:.1f} us, {700 / t / 1e6:.1f} M objects/s")


if __name__ == "__main__":
    main()
