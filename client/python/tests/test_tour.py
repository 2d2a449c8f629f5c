"""The tour of docs/python.md, as written."""
import heapd


def test_a_cycle_is_collected(heap: heapd.Heap) -> None:
    a = heap.object()
    b = heap.object()
    a.ref = b
    b.ref = a
    del a, b
    assert heap.gc.collect() == 2


def test_refcounts_and_sizes(heap: heapd.Heap) -> None:
    a = heap.object()
    assert heap.getrefcount(a) == 1
    xs = heap.list([a, a])
    assert heap.getrefcount(a) == 3
    assert heap.getsizeof(xs) == 56 + 8 * 2
    assert heap.getsizeof(a) == 48
