"""Small Python programs about the collector, written once for two runtimes.

Each program takes a namespace `py` and returns the figures it read, a dict
of name -> int or bool. test_differential.py runs every program in real
CPython 3.12 (py from cpython_namespace.py: builtins, gc and sys) and on
heapd (py over a heapd.Heap), and compares the figures.

What `py` offers (the same in both):

    py.object(weakref=False)   an instance of `class C: pass`; attributes
                               are fields (weakref=True: a weak reference is
                               made with it, as heapd can only then)
    py.list(*items), py.tuple(*items), py.set(*items), py.dict()
    py.str(s), py.int(v)       atomic objects
    py.gc                      collect, get_count, get_stats, thresholds,
                               enable/disable, freeze, set_debug, garbage,
                               is_tracked, DEBUG_SAVEALL
    py.refs(x)                 owners of x: sys.getrefcount(x) minus the
                               call's own references; heap.getrefcount(x)
    py.getsizeof(x)            sys.getsizeof / heap.getsizeof
    py.alive()                 how many objects made with weakref=True live

Ground rules (those of tests/cpython_gc/README.md): the runner collects,
disables automatic collection and resets thresholds and debug flags before
each program; get_count() readings are deltas after a warm-up reading, and
only instances are allocated while one is measured (lists, dicts and tuples
come from CPython's free lists without moving generation 0's count,
docs/model.md "No free lists"); collections are read from get_stats() once
automatic collection is off again, since get_stats() allocates.
"""
from __future__ import annotations

from typing import Any, Callable

Figures = dict[str, Any]
PROGRAMS: dict[str, Callable[[Any], Figures]] = {}


def program(function: Callable[[Any], Figures]) -> Callable[[Any], Figures]:
    PROGRAMS[function.__name__] = function
    return function


def _collections(py: Any) -> list[int]:
    return [g["collections"] for g in py.gc.get_stats()]


def _read_counts(py: Any, out: Figures, name: str) -> None:
    """get_count() into out as ints: a tuple kept alive would take the
    free list's, and the next reading would allocate one (and count it)."""
    c0, c1, c2 = py.gc.get_count()
    out[f"count0_{name}"], out[f"count1_{name}"] = c0, c1
    out[f"count2_{name}"] = c2


def _start_counting(py: Any) -> list[int]:
    """Collections so far, then generation 0's count at 0 with nothing of
    the interpreter's own pending: get_stats() and get_count() allocate,
    and a full collection empties the free list get_count() takes its
    tuple from (counts (0, 0, 1) after)."""
    before = _collections(py)
    py.gc.collect()
    py.gc.get_count()
    py.gc.collect(1)
    return before


@program
def pair_cycle(py: Any) -> Figures:
    out: Figures = {}
    a, b = py.object(), py.object()
    a.ref = b
    b.ref = a
    out["refs_a"], out["refs_b"] = py.refs(a), py.refs(b)
    del a
    out["refs_b_after_del_a"] = py.refs(b)
    out["collected_while_named"] = py.gc.collect()
    del b
    out["collected"] = py.gc.collect()
    out["collected_again"] = py.gc.collect()
    return out


@program
def self_referencing_list(py: Any) -> Figures:
    out: Figures = {}
    xs = py.list()
    xs.append(xs)
    out["refs"] = py.refs(xs)
    out["tracked"] = py.gc.is_tracked(xs)
    del xs
    out["collected"] = py.gc.collect()
    out["collected_again"] = py.gc.collect()
    return out


@program
def self_referencing_object(py: Any) -> Figures:
    out: Figures = {}
    a = py.object()
    a.me = a
    out["refs"] = py.refs(a)
    del a.me
    out["refs_after_unlink"] = py.refs(a)
    a.me = a
    del a
    out["collected"] = py.gc.collect()
    return out


@program
def three_object_ring(py: Any) -> Figures:
    out: Figures = {}
    a, b, c = py.object(), py.object(), py.object()
    a.next = b
    b.next = c
    c.next = a
    del a, b
    out["collected_while_c_named"] = py.gc.collect()
    out["refs_c"] = py.refs(c)
    del c
    out["collected"] = py.gc.collect()
    return out


@program
def dict_and_instance_cycle(py: Any) -> Figures:
    out: Figures = {}
    d = py.dict()
    o = py.object()
    d["o"] = o
    o.d = d
    out["refs_d"], out["refs_o"] = py.refs(d), py.refs(o)
    del d, o
    out["collected"] = py.gc.collect()
    shared = py.dict()
    x, y = py.object(), py.object()
    x.d = shared
    y.d = shared
    shared["x"] = x
    shared["y"] = y
    out["refs_shared"] = py.refs(shared)
    del shared, x, y
    out["collected_shared"] = py.gc.collect()
    return out


@program
def tuple_list_cycle(py: Any) -> Figures:
    out: Figures = {}
    xs = py.list()
    t = py.tuple(xs)
    xs.append(t)
    out["refs_list"], out["refs_tuple"] = py.refs(xs), py.refs(t)
    del xs, t
    out["collected"] = py.gc.collect()
    return out


@program
def set_cycle(py: Any) -> Figures:
    out: Figures = {}
    x, y = py.object(), py.object()
    s = py.set(x, y)
    x.owner = s
    out["refs_x"], out["refs_s"] = py.refs(x), py.refs(s)
    del x, y, s
    out["collected"] = py.gc.collect()
    x, y = py.object(), py.object()
    s = py.set(x, y)
    x.owner = s
    s.discard(x)
    del x, y, s
    out["collected_after_discard"] = py.gc.collect()
    return out


@program
def containers_of_containers(py: Any) -> Figures:
    out: Figures = {}
    leaf = py.object()
    inner = [py.list(py.dict(), py.tuple(leaf)) for _ in range(3)]
    outer = py.list(*inner)
    out["refs_leaf"] = py.refs(leaf)
    out["refs_inner0"] = py.refs(inner[0])
    del inner
    out["refs_outer"] = py.refs(outer)
    del outer
    out["refs_leaf_after"] = py.refs(leaf)
    out["collected_acyclic"] = py.gc.collect()
    # The same with the innermost dicts pointing back at the outer list.
    dicts = [py.dict() for _ in range(3)]
    outer = py.list(*[py.list(d, py.tuple(leaf)) for d in dicts])
    for d in dicts:
        d["up"] = outer
    out["refs_outer_cyclic"] = py.refs(outer)
    del dicts, outer, d
    out["collected_cyclic"] = py.gc.collect()
    out["refs_leaf_end"] = py.refs(leaf)
    return out


@program
def cycle_rooted_by_live_list(py: Any) -> Figures:
    out: Figures = {}
    a, b = py.object(), py.object()
    a.ref = b
    b.ref = a
    root = py.list(a)
    del a, b
    out["collected0"] = py.gc.collect(0)
    out["collected1"] = py.gc.collect(1)
    out["collected2"] = py.gc.collect(2)
    a = root[0]
    out["refs_a"] = py.refs(a)
    root.remove(a)
    del a
    out["collected"] = py.gc.collect()
    return out


@program
def cycle_with_acyclic_tail(py: Any) -> Figures:
    out: Figures = {}
    live = py.object()
    a, b = py.object(), py.object()
    a.ref = b
    b.ref = a
    t1, t2, t3 = py.object(), py.object(), py.object()
    b.tail = t1
    t1.next = t2
    t2.next = t3
    t3.live = live
    a.items = py.list(py.str("leaf"))
    out["refs_live_before"] = py.refs(live)
    del a, b, t1, t2, t3
    out["collected"] = py.gc.collect()
    out["refs_live_after"] = py.refs(live)
    return out


@program
def unlink_breaks_cycles(py: Any) -> Figures:
    out: Figures = {}
    a, b = py.object(), py.object()
    a.ref = b
    b.ref = a
    del a.ref
    del a, b
    out["collected_fields"] = py.gc.collect()
    l1, l2 = py.list(), py.list()
    l1.append(l2)
    l2.append(l1)
    l1.remove(l2)
    del l1, l2
    out["collected_items"] = py.gc.collect()
    d, o = py.dict(), py.object()
    d["x"] = o
    o.d = d
    del d["x"]
    del d, o
    out["collected_keys"] = py.gc.collect()
    return out


@program
def garbage_in_gen1(py: Any) -> Figures:
    out: Figures = {}
    a, b = py.object(), py.object()
    a.ref = b
    b.ref = a
    out["survived0"] = py.gc.collect(0)
    del a, b
    out["collected0"] = py.gc.collect(0)
    out["collected1"] = py.gc.collect(1)
    return out


@program
def garbage_in_gen2(py: Any) -> Figures:
    out: Figures = {}
    a, b = py.object(), py.object()
    a.ref = b
    b.ref = a
    py.gc.collect(0)
    py.gc.collect(1)
    del a, b
    out["collected0"] = py.gc.collect(0)
    out["collected1"] = py.gc.collect(1)
    out["collected2"] = py.gc.collect(2)
    return out


@program
def old_object_roots_young_cycle(py: Any) -> Figures:
    out: Figures = {}
    old = py.object()
    py.gc.collect(0)
    child = py.list()
    child.append(child)
    old.child = child
    del child
    out["collected0_while_rooted"] = py.gc.collect(0)
    del old
    # `old` went by refcounting; the child cycle is now in generation 1.
    out["collected0"] = py.gc.collect(0)
    out["collected1"] = py.gc.collect(1)
    return out


@program
def get_count_readings(py: Any) -> Figures:
    out: Figures = {}
    holder = []
    py.gc.get_count()  # warm-up
    base = py.gc.get_count()[0]
    for _ in range(100):
        holder.append(py.object())
    out["delta_after_100"] = py.gc.get_count()[0] - base
    py.int(10 ** 30)
    py.str("not counted")
    out["delta_after_atoms"] = py.gc.get_count()[0] - base
    del holder[:40]
    out["delta_after_freeing_40"] = py.gc.get_count()[0] - base
    for generation in range(3):
        py.gc.collect(generation)
        counts = py.gc.get_count()
        for i in range(3):
            out[f"after_collect{generation}_count{i}"] = counts[i]
    return out


@program
def threshold_701(py: Any) -> Figures:
    out: Figures = {}
    py.gc.set_threshold(700, 10, 10)
    keep = []
    before = _start_counting(py)
    py.gc.enable()
    for _ in range(700):
        keep.append(py.object())
    _read_counts(py, out, "after_700")
    keep.append(py.object())
    _read_counts(py, out, "after_701")
    for _ in range(700):
        keep.append(py.object())
    keep.append(py.object())
    _read_counts(py, out, "after_1402")
    py.gc.disable()
    after = _collections(py)
    out["collections"] = [a - b for a, b in zip(after, before)]
    return out


@program
def threshold_reaches_gen1(py: Any) -> Figures:
    out: Figures = {}
    py.gc.set_threshold(100, 10, 10)
    keep = []
    before = _start_counting(py)
    py.gc.enable()
    for _ in range(12 * 101):
        keep.append(py.object())
    py.gc.disable()
    _read_counts(py, out, "end")
    after = _collections(py)
    out["collections"] = [a - b for a, b in zip(after, before)]
    return out


@program
def disable_prevents_automatic(py: Any) -> Figures:
    out: Figures = {}
    py.gc.set_threshold(700, 10, 10)
    keep = []
    before = _start_counting(py)
    for _ in range(1000):
        keep.append(py.object())
    out["count0"] = py.gc.get_count()[0]
    out["enabled"] = py.gc.isenabled()
    py.gc.enable()
    keep.append(py.object())
    py.gc.disable()
    after = _collections(py)
    out["collections"] = [a - b for a, b in zip(after, before)]
    return out


@program
def freeze_and_unfreeze(py: Any) -> Figures:
    out: Figures = {}
    py.gc.freeze()
    base = py.gc.get_freeze_count()
    a, b = py.object(), py.object()
    a.ref = b
    b.ref = a
    py.gc.freeze()
    out["freeze_count_delta"] = py.gc.get_freeze_count() - base
    out["count0_after_freeze"] = py.gc.get_count()[0]
    del a, b
    out["collected_while_frozen"] = py.gc.collect()
    py.gc.unfreeze()
    out["freeze_count_after_unfreeze"] = py.gc.get_freeze_count()
    out["collected_after_unfreeze"] = py.gc.collect()
    out["collected_again"] = py.gc.collect()
    return out


@program
def debug_saveall(py: Any) -> Figures:
    out: Figures = {}
    base = len(py.gc.garbage)
    py.gc.set_debug(py.gc.DEBUG_SAVEALL)
    a, b = py.object(), py.object()
    a.ref = b
    b.ref = a
    a.items = py.list()
    del a, b
    out["collected"] = py.gc.collect()
    out["garbage"] = len(py.gc.garbage) - base
    out["collected_again"] = py.gc.collect()
    py.gc.set_debug(0)
    return out


@program
def refcounts(py: Any) -> Figures:
    out: Figures = {}
    a = py.object()
    out["alone"] = py.refs(a)
    b = a
    out["two_names"] = py.refs(a)
    del b
    xs = py.list(a, a)
    out["in_list_twice"] = py.refs(a)
    t = py.tuple(a)
    out["and_tuple"] = py.refs(a)
    d = py.dict()
    d["k"] = a
    out["and_dict"] = py.refs(a)
    s = py.set(a)
    out["and_set"] = py.refs(a)
    holder = py.object()
    holder.a = a
    out["and_field"] = py.refs(a)
    xs.remove(a)
    out["after_remove"] = py.refs(a)
    del t, d, s
    out["after_del_containers"] = py.refs(a)
    out["refs_list"] = py.refs(xs)
    return out


@program
def sizes(py: Any) -> Figures:
    out: Figures = {}
    a = py.object()
    out["object"] = py.getsizeof(a)
    out["empty_list"] = py.getsizeof(py.list())
    out["list_of_2"] = py.getsizeof(py.list(a, a))
    xs = py.list()
    for i in range(9):
        xs.append(a)
        out[f"list_appended_{i + 1}"] = py.getsizeof(xs)
    out["tuple_of_3"] = py.getsizeof(py.tuple(a, a, a))
    d = py.dict()
    out["empty_dict"] = py.getsizeof(d)
    for i in range(7):
        d[f"k{i}"] = a
        out[f"dict_keys_{i + 1}"] = py.getsizeof(d)
    s = py.set()
    out["empty_set"] = py.getsizeof(s)
    members = [py.object() for _ in range(6)]
    for i, m in enumerate(members):
        s.add(m)
        out[f"set_members_{i + 1}"] = py.getsizeof(s)
    out["str_hello"] = py.getsizeof(py.str("hello"))
    out["int_1"] = py.getsizeof(py.int(1))
    out["int_2_40"] = py.getsizeof(py.int(2 ** 40))
    return out


@program
def tracking(py: Any) -> Figures:
    out: Figures = {}
    out["int"] = py.gc.is_tracked(py.int(5))
    out["str"] = py.gc.is_tracked(py.str("s"))
    out["object"] = py.gc.is_tracked(py.object())
    out["list"] = py.gc.is_tracked(py.list())
    out["set"] = py.gc.is_tracked(py.set())
    out["tuple_of_object"] = py.gc.is_tracked(py.tuple(py.object()))
    d = py.dict()
    d["o"] = py.object()
    out["dict_of_object"] = py.gc.is_tracked(d)
    return out


@program
def untracked_empty_dict(py: Any) -> Figures:
    return {"empty_dict_tracked": py.gc.is_tracked(py.dict())}


@program
def atomic_dict_in_garbage(py: Any) -> Figures:
    out: Figures = {}
    a, b = py.object(), py.object()
    a.ref = b
    b.ref = a
    meta = py.dict()
    meta["name"] = py.str("atomic")
    a.meta = meta
    del meta, a, b
    out["collected"] = py.gc.collect()
    return out


@program
def weakrefs_made_at_allocation(py: Any) -> Figures:
    out: Figures = {}
    a, b = py.object(weakref=True), py.object(weakref=True)
    a.ref = b
    b.ref = a
    loner = py.object(weakref=True)
    out["alive"] = py.alive()
    out["refs_a"] = py.refs(a)
    del loner
    out["alive_after_del_loner"] = py.alive()
    del a, b
    out["alive_before_collect"] = py.alive()
    out["collected"] = py.gc.collect()
    out["alive_after_collect"] = py.alive()
    return out


@program
def weakrefs_in_count0(py: Any) -> Figures:
    out: Figures = {}
    keep = []
    py.object(weakref=True)  # CPython's first weak reference to a class
    py.gc.get_count()  # warm-up
    base = py.gc.get_count()[0]
    keep.append(py.object(weakref=True))
    keep.append(py.object(weakref=True))
    out["count0_delta"] = py.gc.get_count()[0] - base
    return out


@program
def long_chain(py: Any) -> Figures:
    out: Figures = {}
    head = node = py.object(weakref=True)
    for _ in range(499):
        node.next = py.object()
        node = node.next
    del node
    out["alive_head"] = py.alive()
    del head
    out["alive_after_del"] = py.alive()
    out["collected"] = py.gc.collect()
    return out


@program
def long_cycle(py: Any) -> Figures:
    out: Figures = {}
    first = node = py.object()
    for _ in range(499):
        node.next = py.object()
        node = node.next
    node.next = first
    del first, node
    out["collected"] = py.gc.collect()
    return out
