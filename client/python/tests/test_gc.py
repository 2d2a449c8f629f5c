"""heap.gc as Python's gc."""
import heapd


def test_collect_by_generation(heap: heapd.Heap) -> None:
    a = heap.list()
    a.append(a)
    del a
    assert heap.gc.collect(0) == 1
    assert heap.gc.collect() == 0


def test_get_count_and_stats(heap: heapd.Heap) -> None:
    heap.gc.disable()
    base = heap.gc.get_count()[0]
    keep = [heap.object() for _ in range(5)]
    heap.int(7)  # atomic: never counted
    assert heap.gc.get_count()[0] == base + 5
    heap.gc.collect(0)
    assert heap.gc.get_count() == (0, 1, 0)
    stats = heap.gc.get_stats()
    assert len(stats) == 3 and stats[0]["collections"] >= 1
    del keep


def test_thresholds_and_enable(heap: heapd.Heap) -> None:
    heap.gc.set_threshold(100, 5)
    assert heap.gc.get_threshold() == (100, 5, 10)
    heap.gc.disable()
    assert not heap.gc.isenabled()
    heap.gc.enable()
    assert heap.gc.isenabled()


def test_freeze(heap: heapd.Heap) -> None:
    keep = heap.object()
    heap.gc.freeze()
    assert heap.gc.get_freeze_count() >= 1
    assert heap.inspect(keep).generation == 3
    heap.gc.unfreeze()
    assert heap.gc.get_freeze_count() == 0


def test_saveall_keeps_garbage(heap: heapd.Heap) -> None:
    heap.gc.set_debug(heap.gc.DEBUG_SAVEALL)
    assert heap.gc.get_debug() == heapd.gc.DEBUG_SAVEALL
    a = heap.object()
    a.me = a
    del a
    assert heap.gc.collect() == 1
    assert len(heap.gc.garbage) >= 1
