"""Sessions and references: lease renewal, drops on del, at exit, from
many threads."""
import os
import subprocess
import sys
import threading
import time

import heapd
from conftest import live_objects
from heapd_server import HeapdServer


def test_lease_is_renewed_in_the_background() -> None:
    server = HeapdServer()
    try:
        with heapd.connect(server.address, ttl=0.3) as heap:
            a = heap.object()
            # Three leases long without a call of ours: only renewal keeps
            # the session.
            time.sleep(1.0)
            assert heap.lease_error is None
            assert heap.getrefcount(a) == 1
    finally:
        server.stop()


def test_close_releases_everything(server: HeapdServer) -> None:
    with heapd.connect(server.address) as watcher:
        before = live_objects(watcher)
        heap = heapd.connect(server.address)
        keep = [heap.object() for _ in range(4)]
        assert live_objects(watcher) == before + 4
        assert heap.close().references_released == 4
        assert live_objects(watcher) == before
        del keep  # nothing more to drop, and no error


def test_background_flush_sends_dropped_references(
        server: HeapdServer) -> None:
    with heapd.connect(server.address) as watcher, \
            heapd.connect(server.address) as heap:
        before = live_objects(watcher)
        a = heap.object()
        del a  # no further call from `heap`
        for _ in range(100):
            if live_objects(watcher) == before:
                break
            time.sleep(0.1)
        assert live_objects(watcher) == before


EXITING = """
import heapd, sys
heap = heapd.connect(sys.argv[1])
keep = [heap.object() for _ in range(10)]
keep[0].ring = keep[1]
keep[1].ring = keep[0]
leftover = heap.list(keep)
print("made", flush=True)
"""


def test_exit_with_live_proxies_leaves_nothing(server: HeapdServer) -> None:
    with heapd.connect(server.address) as watcher:
        before = live_objects(watcher)
        done = subprocess.run([sys.executable, "-c", EXITING, server.address],
                              env=os.environ, capture_output=True, text=True,
                              timeout=60)
        assert done.returncode == 0, done.stderr
        assert "made" in done.stdout
        watcher.gc.collect()  # the ring is a cycle: the collector's
        assert live_objects(watcher) == before


def test_finalizer_queue_is_thread_safe(heap: heapd.Heap) -> None:
    before = live_objects(heap)
    shared = heap.list()

    def work() -> None:
        for _ in range(50):
            a = heap.object()
            shared.append(a)
            shared.remove(a)
            heap.ref(a)  # made and dropped at once
            del a

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    del shared
    heap.flush()
    assert live_objects(heap) == before
    assert heap.verify().objects == before
