"""heap.weakref(obj, callback=None) on objects that already exist."""
import heapd


def test_weakref_to_an_existing_object(heap: heapd.Heap) -> None:
    a = heap.object()
    r = heap.weakref(a)
    assert r.id != 0 and heap.inspect(a).weakref_count == 1
    got = r()
    assert got == a and isinstance(got, heapd.ObjectProxy)
    assert heap.getrefcount(a) == 2  # a and got
    del got, a
    assert r() is None


def test_callback_runs_once_when_the_referent_dies(heap: heapd.Heap) -> None:
    seen = []
    a, b = heap.object(), heap.object()
    a.ref, b.ref = b, a
    r = heap.weakref(a, callback=seen.append)
    heap.gc.collect()
    assert seen == [] and r() == a  # alive: no callback
    del a, b
    assert heap.gc.collect() == 2
    assert seen == [r]
    assert r() is None and seen == [r]  # once


def test_callback_on_a_dead_referent_read(heap: heapd.Heap) -> None:
    seen = []
    xs = heap.list()
    r = heap.weakref(xs, callback=seen.append)
    del xs  # freed by reference counting
    assert r() is None and seen == [r]


def test_weakref_in_a_batch(heap: heapd.Heap) -> None:
    with heap.batch():
        a = heap.object()
        r = heap.weakref(a)
        assert r.id == 0
    assert r.id != 0 and r() == a
