"""Proxies: every kind of object, links, references and batches."""
import io

import pytest

import heapd
from conftest import live_objects


def test_containers_hold_their_items(heap: heapd.Heap) -> None:
    a, b, c = heap.object(), heap.object(), heap.object()
    xs = heap.list([a, b])
    xs.append(c)
    assert len(xs) == 3 and c in xs and list(xs) == [a, b, c]
    assert xs[1] == b
    xs.remove(b)
    assert list(xs) == [a, c]
    t = heap.tuple([a, b])
    assert len(t) == 2 and t[0] == a
    s = heap.set([a, a, b])
    assert len(s) == 2
    s.add(c)
    s.discard(a)
    assert set(s) == {b, c}
    d = heap.dict(k=a)
    d["j"] = b
    assert d["k"] == a and d.keys() == ["k", "j"] and "j" in d
    del d["k"]
    assert len(d) == 1 and d.get("k") is None
    with pytest.raises(KeyError):
        d["k"]


def test_fields_link_and_unlink(heap: heapd.Heap) -> None:
    a, b = heap.object(), heap.object()
    a.ref = b
    assert heap.getrefcount(b) == 2
    assert a.ref == b  # a new proxy: one more reference while it lives
    del a.ref
    assert heap.getrefcount(b) == 1
    with pytest.raises(AttributeError):
        a.missing


def test_atomic_objects_have_cpython_sizes(heap: heapd.Heap) -> None:
    assert heap.getsizeof(heap.int(1)) == 28
    assert heap.getsizeof(heap.float(1.5)) == 24
    assert heap.getsizeof(heap.str("hello")) == 46
    assert heap.getsizeof(heap.bytes(b"abc")) == 36
    assert heap.getsizeof(heap.raw(1000)) == 1000
    assert not heap.gc.is_tracked(heap.int(5))
    assert heap.gc.is_tracked(heap.list())


def test_ref_takes_another_reference(heap: heapd.Heap) -> None:
    a = heap.object()
    b = heap.ref(a)
    assert b == a and b is not a and isinstance(b, heapd.ObjectProxy)
    assert heap.getrefcount(a) == 2
    del b
    assert heap.getrefcount(a) == 1


def test_del_drops_the_reference(heap: heapd.Heap) -> None:
    before = live_objects(heap)
    a = heap.object()
    a.child = heap.list([heap.object()])
    assert live_objects(heap) == before + 3
    del a
    assert live_objects(heap) == before


def test_referents_and_referrers(heap: heapd.Heap) -> None:
    a, b = heap.object(), heap.object()
    xs = heap.list([a])
    a.ref = b
    assert heap.gc.get_referents(a) == [b]
    assert heap.gc.get_referrers(a) == [xs]
    assert heap.inspect(xs).items == [a.handle]


def test_batch_is_one_rpc(heap: heapd.Heap) -> None:
    def batches() -> int:
        methods = heap.stats(heapd.heap.pb.SERVER).server.methods
        return sum(m.calls for m in methods if m.method == "Batch")

    before = batches()
    with heap.batch() as batch:
        a, b = heap.object(), heap.object()
        a.ref = b
        b.ref = a
        xs = heap.list([a, b])
        assert a.handle == 0
        with pytest.raises(RuntimeError):
            heap.getrefcount(a)
        assert heap.gc.collect(0) is None
    assert batches() == before + 1
    assert len(batch.operations) == 8 and batch.response.failed == 0
    assert len(xs) == 2
    del a, b, xs
    assert heap.gc.collect() == 2  # xs went by reference counting


def test_weakref_option(heap: heapd.Heap) -> None:
    a = heap.object(weakref=True, callback=True)
    assert a.weakref_id != 0
    assert heap.inspect(a).weakref_count == 1


def test_debugmallocstats_prints_the_table(heap: heapd.Heap) -> None:
    keep = heap.list()
    out = io.StringIO()
    heap.debugmallocstats(file=out)
    text = out.getvalue()
    assert "class   size   num pools   blocks in use  avail blocks" in text
    assert "# bytes in allocated blocks" in text and "Total" in text
    del keep


def test_ping_and_verify(heap: heapd.Heap) -> None:
    assert heap.ping().version
    heap.object()
    assert heap.verify().objects >= 0
