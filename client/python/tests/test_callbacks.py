"""heap.gc.callbacks, fed by WatchStats' collection events."""
import threading
import time
from typing import Any

import heapd
from heapd import _collection_events
from heapd._proto import heap_pb2 as pb


class Recorder:
    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, int]]] = []
        self.threads: set[str] = set()
        self._changed = threading.Condition()

    def __call__(self, phase: str, info: dict[str, int]) -> None:
        with self._changed:
            self.calls.append((phase, info))
            self.threads.add(threading.current_thread().name)
            self._changed.notify_all()

    def wait_for(self, n: int) -> list[tuple[str, dict[str, int]]]:
        """The first n calls, waiting for them (a generous bound: the
        events come as the collections happen)."""
        with self._changed:
            self._changed.wait_for(lambda: len(self.calls) >= n, timeout=30)
            return self.calls[:n]


def test_callbacks_see_start_and_stop(heap: heapd.Heap) -> None:
    seen = Recorder()
    heap.gc.callbacks.append(seen)
    a = heap.object()
    a.me = a
    b = heap.list()
    b.append(b)
    del a, b
    assert heap.gc.collect(1) == 2
    assert seen.wait_for(2) == [
        ("start", {"generation": 1, "collected": 0, "uncollectable": 0}),
        ("stop", {"generation": 1, "collected": 2, "uncollectable": 0}),
    ]
    heap.gc.collect(0)
    assert seen.wait_for(4)[2:] == [
        ("start", {"generation": 0, "collected": 0, "uncollectable": 0}),
        ("stop", {"generation": 0, "collected": 0, "uncollectable": 0}),
    ]
    assert seen.threads == {"heapd-gc-callbacks"}


def test_automatic_collections_reach_callbacks(heap: heapd.Heap) -> None:
    seen = Recorder()
    heap.gc.callbacks.append(seen)
    heap.gc.set_threshold(10)
    heap.gc.collect()
    seen.wait_for(2)
    keep = [heap.object() for _ in range(11)]  # the 11th passes 10
    phase, info = seen.wait_for(4)[3]
    assert phase == "stop" and info["generation"] == 0
    del keep


def test_a_failing_callback_does_not_stop_the_others(
        heap: heapd.Heap, capsys: Any) -> None:
    def broken(phase: str, info: dict[str, int]) -> None:
        raise RuntimeError("broken callback")

    seen = Recorder()
    heap.gc.callbacks.extend([broken, seen])
    heap.gc.collect()
    assert [phase for phase, _ in seen.wait_for(2)] == ["start", "stop"]
    assert "broken callback" in capsys.readouterr().err


def test_removed_callbacks_are_not_called(heap: heapd.Heap) -> None:
    first, second = Recorder(), Recorder()
    heap.gc.callbacks.append(first)
    heap.gc.callbacks.append(second)
    heap.gc.callbacks.remove(first)
    heap.gc.collect()
    second.wait_for(2)
    assert first.calls == []


def test_no_stream_without_callbacks_and_none_after_close(
        server: Any) -> None:
    def streams(heap: heapd.Heap) -> int:
        return heap.stats(pb.SERVER).server.watch_streams_open

    with heapd.connect(server.address) as watcher:
        heap = heapd.connect(server.address)
        assert streams(watcher) == 0
        heap.gc.callbacks.append(Recorder())
        assert streams(watcher) == 1
        heap.close()
        for _ in range(300):
            if streams(watcher) == 0:
                break
            time.sleep(0.1)
        assert streams(watcher) == 0


def test_info_dicts_are_cpythons() -> None:
    event = pb.CollectionEvent(generation=2, collected=5, uncollectable=1,
                               examined=9)
    assert _collection_events.infos(event) == (
        {"generation": 2, "collected": 0, "uncollectable": 0},
        {"generation": 2, "collected": 5, "uncollectable": 1})
