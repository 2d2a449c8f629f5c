"""Weak references to heapd objects: heap.weakref(obj, callback=None)."""
from __future__ import annotations

from typing import TYPE_CHECKING, Callable, Optional

from heapd._proto import heap_pb2 as pb
from heapd.proxy import HeapObject, proxy_class

if TYPE_CHECKING:
    from heapd.heap import Heap


class WeakRef:
    """weakref.ref(obj) on heapd: a weak reference the server holds (it
    never keeps the object alive). Calling it gives a new proxy for the
    referent (one ReadWeakRef, which takes the proxy's reference in the
    same call), or None once the referent died.

    The callback, if any, is called with the WeakRef once, when the client
    learns that the referent died: when the WeakRef is called, and after
    every heap.gc.collect() (one ReadWeakRef per pending callback). CPython
    calls it the moment the object dies; heapd records that moment as an
    event on the server and tells the client on its next look."""

    __slots__ = ("_heap", "_id", "_callback", "__weakref__")

    def __init__(self, heap: "Heap",
                 callback: Optional[Callable[["WeakRef"], None]]) -> None:
        self._heap = heap
        self._id = 0
        self._callback = callback

    @property
    def id(self) -> int:
        """The server's weak reference id (0 while its heap.batch() is
        unsent)."""
        return self._id

    @property
    def __callback__(self) -> Optional[Callable[["WeakRef"], None]]:
        return self._callback

    def __call__(self) -> Optional[HeapObject]:
        if not self._id:
            raise RuntimeError("the weak reference's heap.batch() is unsent")
        got = self._heap._call("ReadWeakRef", pb.ReadWeakRefRequest(
            session_id=self._heap.session_id, weakref_id=self._id))
        if got.handle == 0:
            self._died()
            return None
        proxy = proxy_class(got.type)(self._heap, got.type)
        object.__setattr__(proxy, "_size", got.size)
        object.__setattr__(proxy, "_handle", got.handle)
        return proxy

    def _died(self) -> None:
        callback, self._callback = self._callback, None
        self._heap._weak_callbacks.discard(self)
        if callback is not None:
            callback(self)

    def __repr__(self) -> str:
        return f"<heapd weakref {self._id}>"
