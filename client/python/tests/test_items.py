"""Items by index and reads of fields and items, each one heapd call."""
import pytest

import heapd
from conftest import live_objects
from heapd_server import HeapdServer


def calls(heap: heapd.Heap, method: str) -> int:
    methods = heap.stats(heapd.heap.pb.SERVER).server.methods
    return sum(m.calls for m in methods if m.method == method)


def test_setitem_and_delitem(heap: heapd.Heap) -> None:
    a, b, c = heap.object(), heap.object(), heap.object()
    xs = heap.list([a, b])
    xs[0] = c
    assert list(xs) == [c, b]
    xs[-1] = a
    assert list(xs) == [c, a]
    assert heap.getrefcount(b) == 1  # the list let go of it
    del xs[0]
    assert list(xs) == [a]
    assert heap.getrefcount(c) == 1


def test_setitem_frees_what_only_the_list_kept(heap: heapd.Heap) -> None:
    xs = heap.list([heap.object()])
    before = live_objects(heap)
    xs[0] = xs  # a self-reference replacing the only reference
    assert live_objects(heap) == before - 1
    assert xs[0] == xs


def test_out_of_range_is_index_error(heap: heapd.Heap) -> None:
    a = heap.object()
    xs = heap.list([a])
    for index in (1, -2):
        with pytest.raises(IndexError) as raised:
            xs[index] = a
        assert raised.value.code.name == "OUT_OF_RANGE"
        assert "list assignment index" in str(raised.value)
        with pytest.raises(IndexError):
            del xs[index]
        with pytest.raises(IndexError):
            xs[index]
    assert list(xs) == [a]
    assert heap.getrefcount(a) == 2
    with pytest.raises(IndexError):
        heap.tuple([a])[1]


def test_reading_is_one_call_that_takes_a_reference(heap: heapd.Heap) -> None:
    a, b = heap.object(), heap.object()
    a.ref = b
    xs = heap.list([b])
    inspects, gets = calls(heap, "Inspect"), calls(heap, "GetReferent")
    x, y, t0 = a.ref, xs[0], heap.tuple([b])[0]
    assert calls(heap, "GetReferent") == gets + 3
    assert calls(heap, "Inspect") == inspects
    assert x == b and y == b and t0 == b
    assert isinstance(x, heapd.ObjectProxy)
    assert heapd.heap.pb.OBJECT == x._type and x._size == heap.getsizeof(b)
    # b: its proxy, a.ref, xs[0], the tuple's slot went with the tuple,
    # and x, y, t0.
    assert heap.getrefcount(b) == 6
    del x, y, t0
    assert heap.getrefcount(b) == 3


def test_missing_fields_and_keys(heap: heapd.Heap) -> None:
    a = heap.object()
    with pytest.raises(AttributeError):
        a.missing
    d = heap.dict(k=a)
    assert d["k"] == a and d.get("j") is None
    with pytest.raises(KeyError):
        d["j"]


def test_items_by_index_in_a_batch(heap: heapd.Heap) -> None:
    a, b = heap.object(), heap.object()
    xs = heap.list([a, a])
    with heap.batch() as batch:
        xs[0] = b
        del xs[-1]
    assert batch.response.failed == 0
    assert list(xs) == [b]


def test_slices_read_several_items(heap: heapd.Heap) -> None:
    a, b, c = heap.object(), heap.object(), heap.object()
    xs = heap.list([a, b, c])
    assert xs[1:] == [b, c]
    assert heap.tuple([a, b])[::-1] == (b, a)


def test_a_list_longer_than_a_batch() -> None:
    """More items than heapd's --max_batch: heap.list sends several Batches,
    later ones naming the list by the handle the first one made."""
    small = HeapdServer("--max_batch=1000")
    try:
        with heapd.connect(small.address) as heap:
            items = [heap.int(i) for i in range(2500)]
            before = calls(heap, "Batch")
            xs = heap.list(items)
            assert calls(heap, "Batch") - before == 3
            assert len(xs) == 2500 and xs[-1] == items[-1]
            assert heap.getrefcount(items[0]) == 2
            with heap.batch():
                for item in items[:1500]:
                    xs.remove(item)
            assert len(xs) == 1000
    finally:
        small.stop()
