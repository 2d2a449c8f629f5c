"""Proxies: Python objects standing for heapd objects.

Each proxy holds one of its session's references to the object. When the
client's Python collects the proxy, the reference is queued to be dropped
(see _releaser.py); heap.ref(x) gives another proxy with a reference of its
own. Fields and items are links between heapd objects, not references the
session holds: `a.ref = b` links, and reading `a.ref` (or `xs[i]`) takes a
new reference to the target (GetReferent: the read and the reference in one
call, atomic on the server).
"""
from __future__ import annotations

import operator
from typing import TYPE_CHECKING, Any, Iterator, Optional

from heapd._proto import heap_pb2 as pb

if TYPE_CHECKING:
    from heapd.heap import Heap


class HeapObject:
    """A heapd object of any type; the atomic ones (int, float, str, bytes,
    raw) have nothing but this."""

    __slots__ = ("_heap", "_handle", "_pending", "_type", "_size",
                 "_weakref_id", "__weakref__")
    _heap: "Heap"
    _handle: int
    _pending: Any
    _type: "pb.ObjectType"
    _size: int
    _weakref_id: int

    def __init__(self, heap: "Heap", object_type: "pb.ObjectType",
                 handle: int = 0) -> None:
        object.__setattr__(self, "_heap", heap)
        object.__setattr__(self, "_handle", handle)
        object.__setattr__(self, "_pending", None)
        object.__setattr__(self, "_type", object_type)
        object.__setattr__(self, "_size", 0)
        object.__setattr__(self, "_weakref_id", 0)
        heap._proxies.add(self)

    def __del__(self) -> None:
        handle = getattr(self, "_handle", 0)
        heap = getattr(self, "_heap", None)
        if handle and heap is not None:
            heap._releaser.release(handle)

    @property
    def handle(self) -> int:
        """The object's handle (0 while its heap.batch() is unsent)."""
        return self._handle

    @property
    def type_name(self) -> str:
        return pb.ObjectType.Name(self._type).lower()

    @property
    def weakref_id(self) -> int:
        """The weak reference made with it (weakref=True), else 0."""
        return self._weakref_id

    def __eq__(self, other: object) -> bool:
        if isinstance(other, HeapObject) and self._handle and other._handle:
            return self._handle == other._handle
        return self is other

    def __hash__(self) -> int:
        return hash(self._handle) if self._handle else id(self)

    def dot(self) -> str:
        """Graphviz DOT of what the object reaches (50 objects at most)."""
        from heapd import _graph
        return _graph.reachable_dot(self._heap, self._heap._inspect(self).handle)

    def _repr_svg_(self) -> Optional[str]:
        """Jupyter's picture: dot() drawn by Graphviz, None without it."""
        from heapd import _graph
        return _graph.svg(self.dot())

    def __repr__(self) -> str:
        handle = f"{self._handle:#x}" if self._handle else "pending"
        return f"<heapd {self.type_name} {handle}>"


class ObjectProxy(HeapObject):
    """An instance of a user class: attributes are named fields."""

    __slots__ = ()

    def __setattr__(self, name: str, value: Any) -> None:
        if name.startswith("_"):
            object.__setattr__(self, name, value)
        else:
            self._heap._link(self, value, field=name)

    def __delattr__(self, name: str) -> None:
        if name.startswith("_"):
            object.__delattr__(self, name)
        else:
            self._heap._unlink(self, field=name)

    def __getattr__(self, name: str) -> HeapObject:
        # Only names the class does not define get here.
        if name.startswith("_"):
            raise AttributeError(name)
        target = self._heap._field(self, name)
        if target is None:
            raise AttributeError(f"heapd object has no field '{name}'")
        return target


class _Items(HeapObject):
    """A container whose items are an ordered sequence of links."""

    __slots__ = ()

    def _handles(self) -> list[int]:
        return list(self._heap._inspect(self).items)

    def __len__(self) -> int:
        return len(self._handles())

    def __contains__(self, value: object) -> bool:
        return (isinstance(value, HeapObject) and
                value._handle in self._handles())

    def __iter__(self) -> Iterator[HeapObject]:
        return iter(self._heap._adopt(self._handles()))


class ListProxy(_Items):
    __slots__ = ()

    def append(self, value: HeapObject) -> None:
        self._heap._link(self, value, append=True)

    def remove(self, value: HeapObject) -> None:
        self._heap._unlink(self, item=value)

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, slice):
            return self._heap._adopt(self._handles()[index])
        return self._heap._referent(self, index=operator.index(index))

    def __setitem__(self, index: int, value: HeapObject) -> None:
        """xs[i] = value: replaces item i (negative counts from the end),
        releasing what it held; IndexError past the end."""
        self._heap._link(self, value, index=operator.index(index))

    def __delitem__(self, index: int) -> None:
        self._heap._unlink(self, index=operator.index(index))


class TupleProxy(_Items):
    """Its slots are the fields "0", "1", ... (heapd fills them in order)."""

    __slots__ = ()

    def _handles(self) -> list[int]:
        slots = {int(f.name): f.target
                 for f in self._heap._inspect(self).fields}
        return [slots[i] for i in sorted(slots)]

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, slice):
            return tuple(self._heap._adopt(self._handles()[index]))
        return self._heap._referent(self, index=operator.index(index))


class SetProxy(_Items):
    __slots__ = ()

    def add(self, value: HeapObject) -> None:
        if value not in self:
            self._heap._link(self, value, append=True)

    def remove(self, value: HeapObject) -> None:
        self._heap._unlink(self, item=value)

    def discard(self, value: HeapObject) -> None:
        if value in self:
            self.remove(value)


class DictProxy(HeapObject):
    """A dict with str keys: each key is a named field."""

    __slots__ = ()

    def _fields(self) -> dict[str, int]:
        return {f.name: f.target for f in self._heap._inspect(self).fields}

    def __setitem__(self, key: str, value: HeapObject) -> None:
        self._heap._link(self, value, field=key)

    def __delitem__(self, key: str) -> None:
        self._heap._unlink(self, field=key)

    def __getitem__(self, key: str) -> HeapObject:
        target = self._heap._field(self, key)
        if target is None:
            raise KeyError(key)
        return target

    def get(self, key: str,
            default: Optional[HeapObject] = None) -> Optional[HeapObject]:
        target = self._heap._field(self, key)
        return default if target is None else target

    def keys(self) -> list[str]:
        return list(self._fields())

    def __len__(self) -> int:
        return len(self._fields())

    def __contains__(self, key: object) -> bool:
        return key in self._fields()

    def __iter__(self) -> Iterator[str]:
        return iter(self.keys())


PROXY_CLASSES: dict[int, type[HeapObject]] = {
    pb.OBJECT: ObjectProxy,
    pb.LIST: ListProxy,
    pb.TUPLE: TupleProxy,
    pb.SET: SetProxy,
    pb.DICT: DictProxy,
}


def proxy_class(object_type: "pb.ObjectType") -> type[HeapObject]:
    return PROXY_CLASSES.get(object_type, HeapObject)
