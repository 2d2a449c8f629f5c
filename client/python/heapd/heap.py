"""Heap: one session on heapd, and the objects, gc and sys it offers."""
from __future__ import annotations

import atexit
import builtins
import contextlib
import sys
import threading
import time
import weakref
from typing import IO, Any, Iterable, Iterator, Mapping, Optional, TypeVar

from heapd import _batch, _channel, _graph, _mallocstats, errors
from heapd._lease import LeaseKeeper
from heapd._proto import heap_pb2 as pb
from heapd._releaser import Releaser
from heapd.gc import GcModule
from heapd.weak import WeakRef
from heapd.proxy import (DictProxy, HeapObject, ListProxy, ObjectProxy,
                         SetProxy, TupleProxy, proxy_class)

P = TypeVar("P", bound=HeapObject)

# Above this many queued DecRefs, they go ahead in batches of their own.
_DECREF_CHUNK = 1000
# The most operations one Batch RPC carries (heapd's --max_batch is 10000
# by default): more, as a heap.list() of many items or a large
# heap.batch(), go as several Batches, in order.
_MAX_BATCH = 1000
# The background flush looks this often (seconds) at most.
_FLUSH_INTERVAL = 0.5

_open_heaps: "weakref.WeakSet[Heap]" = weakref.WeakSet()


@atexit.register
def _close_open_heaps() -> None:
    """Closes every session still open when the interpreter exits, which
    drops every reference its proxies held, whether or not Python collects
    them before it stops."""
    for heap in list(_open_heaps):
        heap.close()


class Heap:
    """A session: its references live as long as the proxies holding them,
    or until close() (the end of a `with` block, or interpreter exit)."""

    def __init__(self, stub: _channel.Stub, channel: Any, ttl: float,
                 client_name: str) -> None:
        self._stub = stub
        self._channel = channel
        self._releaser = Releaser()
        self._local = threading.local()
        opened = stub.OpenSession(pb.OpenSessionRequest(
            client_name=client_name, ttl_ms=int(ttl * 1000)))
        self.session_id: str = opened.session_id
        self.ttl: float = opened.ttl_ms / 1000
        self._renewed = time.monotonic()
        self.gc = GcModule(self)
        # WeakRefs whose callback has not run yet.
        self._weak_callbacks: set[WeakRef] = set()
        # This client's live proxies, for the session's picture.
        self._proxies: "weakref.WeakSet[HeapObject]" = weakref.WeakSet()
        self._keeper = LeaseKeeper(self._keep,
                                   min(self.ttl / 3, _FLUSH_INTERVAL))
        self._keeper.start()
        _open_heaps.add(self)

    # -- the session ------------------------------------------------------

    def __enter__(self) -> "Heap":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    @property
    def closed(self) -> bool:
        return self._releaser.closed

    @property
    def lease_error(self) -> Optional[errors.HeapdError]:
        """The background renewal's last error, None while it succeeds."""
        return self._keeper.error

    def close(self) -> Optional[pb.CloseSessionResponse]:
        """Closes the session (releasing every reference it holds) and the
        channel. Proxies left over drop nothing more."""
        if self._releaser.closed:
            return None
        self._releaser.closed = True
        _open_heaps.discard(self)
        self._keeper.stop()
        self.gc._stop_watching()
        self._releaser.drain()
        try:
            return self._stub.CloseSession(
                pb.CloseSessionRequest(session_id=self.session_id))
        except errors.HeapdError:
            return None
        finally:
            self._channel.close()

    def _keep(self) -> None:
        if len(self._releaser):
            self.flush()
        elif time.monotonic() - self._renewed >= self.ttl / 3:
            self.ping()

    def ping(self) -> pb.PingResponse:
        """Ping naming the session: renews its lease."""
        response = self._stub.Ping(pb.PingRequest(session_id=self.session_id))
        self._renewed = time.monotonic()
        return response

    def flush(self) -> None:
        """Sends the DecRefs of the proxies collected so far."""
        while len(self._releaser):
            handles = self._releaser.drain()
            for i in range(0, len(handles), _DECREF_CHUNK):
                chunk = handles[i:i + _DECREF_CHUNK]
                try:
                    self._send_batch([_batch.decref(h) for h in chunk])
                except errors.HeapdError:
                    self._releaser.restore(handles[i:])
                    raise

    # -- sending ------------------------------------------------------------

    def _send_batch(self, operations: list[pb.Operation]) -> pb.BatchResponse:
        response = self._stub.Batch(pb.BatchRequest(
            session_id=self.session_id, operations=operations,
            continue_on_error=True))
        self._renewed = time.monotonic()
        return response

    def _group(self) -> Optional[_batch.Group]:
        return getattr(self._local, "group", None)

    def _run(self, build: Any) -> Any:
        """Adds build(group)'s operations to the open heap.batch(), or sends
        them now with the queued DecRefs in front; returns build's value (a
        Cell's value once sent, None inside a batch)."""
        group = self._group()
        if group is not None:
            value = build(group)
            return None if isinstance(value, _batch.Cell) else value
        group = _batch.Group()
        value = build(group)
        self._send(group)
        return value.value if isinstance(value, _batch.Cell) else value

    def _send(self, group: _batch.Group) -> None:
        if self._releaser.closed:
            raise errors.FailedPreconditionError("the session is closed")
        if len(self._releaser) > _DECREF_CHUNK:
            self.flush()
        handles = self._releaser.drain()
        operations = [_batch.decref(h) for h in handles]
        operations += [_batch.shifted(op, len(handles))
                       for op in group.operations]
        try:
            response = _batch.send_in_chunks(operations, _MAX_BATCH,
                                             self._send_batch)
        except errors.HeapdError as e:
            ran: pb.BatchResponse = getattr(e, "response")
            if not ran.results:
                self._releaser.restore(handles)
                raise
            # Later chunks failed as a whole: proxies for what the earlier
            # ones made (so that their references are dropped), then the
            # error.
            with contextlib.suppress(errors.HeapdError):
                _batch.apply_results(group, ran, len(handles))
            raise
        _batch.apply_results(group, response, len(handles))

    def _call(self, method: str, request: Any) -> Any:
        """A call that answers at once (Inspect, Stats, ...), after the
        queued DecRefs."""
        if self._group() is not None:
            raise RuntimeError(
                f"{method} answers at once: not inside heap.batch()")
        self.flush()
        response = getattr(self._stub, method)(request)
        self._renewed = time.monotonic()
        return response

    @contextlib.contextmanager
    def batch(self) -> Iterator[_batch.Group]:
        """Sends what the block does as one Batch RPC when it ends (nothing
        if it raises). Objects made inside have handles only then; calls
        that answer at once (getrefcount, Inspect, gc.get_count, ...) are
        refused inside. The Group's `.response` is the BatchResponse."""
        if self._group() is not None:
            raise RuntimeError("heap.batch() does not nest")
        group = _batch.Group()
        self._local.group = group
        try:
            yield group
        finally:
            self._local.group = None
        self._send(group)

    # -- object references ----------------------------------------------------

    def _ref(self, obj: HeapObject, group: _batch.Group) -> pb.ObjectRef:
        if not isinstance(obj, HeapObject) or obj._heap is not self:
            raise TypeError(f"not an object of this heap: {obj!r}")
        if obj._handle:
            return pb.ObjectRef(handle=obj._handle)
        if obj._pending is not None and obj._pending[0] is group:
            return pb.ObjectRef(
                result=pb.ResultRef(op=obj._pending[1], object=0))
        raise RuntimeError(f"{obj!r} belongs to a batch not sent")

    def _allocate(self, group: _batch.Group, cls: type[P], object_type: "pb.ObjectType",
                  length: int = 0, weak: bool = False,
                  callback: bool = False) -> P:
        proxy = cls(self, object_type)

        def fill(result: pb.OperationResult) -> None:
            made = result.allocate.objects[0]
            object.__setattr__(proxy, "_size", made.size)
            object.__setattr__(proxy, "_weakref_id", made.weakref_id)
            object.__setattr__(proxy, "_handle", made.handle)
            object.__setattr__(proxy, "_pending", None)

        index = group.add(pb.Operation(allocate=pb.BatchAllocate(
            type=object_type, length=length, count=1,
            weakref=pb.WeakRefOptions(create=weak or callback,
                                      callback=callback))), fill)
        object.__setattr__(proxy, "_pending", (group, index))
        return proxy

    def _new(self, cls: type[P], object_type: "pb.ObjectType", length: int = 0,
             items: Iterable[HeapObject] = (),
             fields: Mapping[str, HeapObject] = {}, weakref: bool = False,
             callback: bool = False) -> P:
        def build(group: _batch.Group) -> P:
            proxy = self._allocate(group, cls, object_type, length, weakref,
                                   callback)
            source = self._ref(proxy, group)
            for item in items:
                group.add(pb.Operation(link=pb.BatchLink(
                    source=source, target=self._ref(item, group),
                    append=True)))
            for name, target in fields.items():
                group.add(pb.Operation(link=pb.BatchLink(
                    source=source, target=self._ref(target, group),
                    field=name)))
            return proxy

        return self._run(build)

    def _link(self, source: HeapObject, target: HeapObject,
              field: Optional[str] = None, append: bool = False,
              index: Optional[int] = None) -> None:
        def build(group: _batch.Group) -> None:
            link = pb.BatchLink(source=self._ref(source, group),
                                target=self._ref(target, group))
            if append:
                link.append = True
            elif index is not None:
                link.index = index
            else:
                link.field = field or ""
            group.add(pb.Operation(link=link))

        self._run(build)

    def _unlink(self, source: HeapObject, field: Optional[str] = None,
                item: Optional[HeapObject] = None,
                index: Optional[int] = None) -> None:
        def build(group: _batch.Group) -> None:
            unlink = pb.BatchUnlink(source=self._ref(source, group))
            if item is not None:
                unlink.item.CopyFrom(self._ref(item, group))
            elif index is not None:
                unlink.index = index
            else:
                unlink.field = field or ""
            group.add(pb.Operation(unlink=unlink))

        self._run(build)

    def _adopt(self, handles: list[int]) -> list[HeapObject]:
        """New proxies, each with a new reference, for these handles."""
        infos = [self.inspect_handle(h) for h in handles]

        def build(group: _batch.Group) -> list[HeapObject]:
            proxies = []
            for info in infos:
                proxy = proxy_class(info.type)(self, info.type)
                object.__setattr__(proxy, "_size", info.size)

                def fill(result: pb.OperationResult,
                         proxy: HeapObject = proxy,
                         handle: int = info.handle) -> None:
                    object.__setattr__(proxy, "_handle", handle)

                group.add(pb.Operation(incref=pb.BatchIncRef(
                    object=pb.ObjectRef(handle=info.handle))), fill)
                proxies.append(proxy)
            return proxies

        return self._run(build)

    def _referent(self, obj: HeapObject, field: Optional[str] = None,
                  index: Optional[int] = None) -> HeapObject:
        """A new proxy for what obj.field or obj[index] refers to: one
        GetReferent, which reads the slot and takes the proxy's reference
        in one hold of the server's interpreter lock."""
        request = pb.GetReferentRequest(session_id=self.session_id,
                                        source=self._inspectable(obj))
        if index is not None:
            request.index = index
        else:
            request.field = field or ""
        got = self._call("GetReferent", request)
        proxy = proxy_class(got.type)(self, got.type)
        object.__setattr__(proxy, "_size", got.size)
        object.__setattr__(proxy, "_handle", got.handle)
        return proxy

    def _field(self, obj: HeapObject, name: str) -> Optional[HeapObject]:
        """obj.name as a new proxy, None when the field is not set."""
        try:
            return self._referent(obj, field=name)
        except errors.FailedPreconditionError:
            return None

    def _inspectable(self, obj: HeapObject) -> int:
        """The handle of an object of this heap that has one."""
        if not isinstance(obj, HeapObject) or obj._heap is not self:
            raise TypeError(f"not an object of this heap: {obj!r}")
        if not obj._handle:
            raise RuntimeError(f"{obj!r} is in a heap.batch() not sent yet")
        return obj._handle

    def _inspect(self, obj: HeapObject) -> pb.ObjectInfo:
        return self.inspect_handle(self._inspectable(obj))

    # -- making objects -------------------------------------------------------

    def object(self, *, weakref: bool = False,
               callback: bool = False, **fields: HeapObject) -> ObjectProxy:
        """An instance of a user class, with these attributes. weakref=True
        also makes a weak reference to it (callback=True: one with a
        callback, recorded as an event when it is cleared)."""
        return self._new(ObjectProxy, pb.OBJECT, fields=fields,
                         weakref=weakref, callback=callback)

    def list(self, items: Iterable[HeapObject] = (),
             capacity: Optional[int] = None) -> ListProxy:
        """A list of these items, allocated with room for them (as
        list(iterable) of a known length) unless `capacity` says more."""
        items = list(items)
        return self._new(ListProxy, pb.LIST,
                         max(capacity or 0, len(items)), items=items)

    def tuple(self, items: Iterable[HeapObject] = ()) -> TupleProxy:
        items = list(items)
        return self._new(TupleProxy, pb.TUPLE, len(items), items=items)

    def set(self, items: Iterable[HeapObject] = ()) -> SetProxy:
        unique = list(dict.fromkeys(items))
        return self._new(SetProxy, pb.SET, items=unique)

    def dict(self, mapping: Mapping[str, HeapObject] = {},
             **fields: HeapObject) -> DictProxy:
        return self._new(DictProxy, pb.DICT, fields={**mapping, **fields})

    # heapd keeps sizes, not values: the value only gives the length.
    def int(self, value: int = 1) -> HeapObject:
        return self._new(HeapObject, pb.INT, abs(value).bit_length())

    def float(self, value: float = 0.0) -> HeapObject:
        return self._new(HeapObject, pb.FLOAT)

    def str(self, value: str = "") -> HeapObject:
        return self._new(HeapObject, pb.STR, len(value))

    def bytes(self, value: bytes = b"") -> HeapObject:
        return self._new(HeapObject, pb.BYTES, len(value))

    def raw(self, size: builtins.int) -> HeapObject:
        return self._new(HeapObject, pb.RAW, size)

    def ref(self, obj: P) -> P:
        """Another proxy for the object, with a reference of its own."""
        def build(group: _batch.Group) -> P:
            proxy = type(obj)(self, obj._type)
            object.__setattr__(proxy, "_size", obj._size)
            object.__setattr__(proxy, "_weakref_id", obj._weakref_id)
            ref = self._ref(obj, group)

            def fill(result: pb.OperationResult) -> None:
                object.__setattr__(proxy, "_handle", obj._handle)

            group.add(pb.Operation(incref=pb.BatchIncRef(object=ref)), fill)
            return proxy

        return self._run(build)

    def weakref(self, obj: HeapObject,
                callback: Optional[Any] = None) -> WeakRef:
        """weakref.ref(obj, callback): a weak reference to an existing
        object (CreateWeakRef, in heap.batch() too). See heapd.weak."""
        weak = WeakRef(self, callback)

        def build(group: _batch.Group) -> WeakRef:
            def fill(result: pb.OperationResult) -> None:
                weak._id = result.create_weakref.weakref_id
                if callback is not None:
                    self._weak_callbacks.add(weak)

            group.add(pb.Operation(create_weakref=pb.BatchCreateWeakRef(
                object=self._ref(obj, group),
                callback=callback is not None)), fill)
            return weak

        self._run(build)
        return weak

    def _run_weak_callbacks(self) -> None:
        """Calls the callbacks of the weak references whose referent died
        (after a collection)."""
        for weak in list(self._weak_callbacks):
            weak()

    # -- looking ----------------------------------------------------------------

    def inspect_handle(self, handle: builtins.int) -> pb.ObjectInfo:
        return self._call("Inspect", pb.InspectRequest(
            session_id=self.session_id, handle=handle)).object

    def inspect(self, obj: HeapObject) -> pb.ObjectInfo:
        """Everything heapd knows of the object (Inspect)."""
        return self._inspect(obj)

    def getrefcount(self, obj: HeapObject) -> builtins.int:
        """The object's reference count: the session's references (one per
        proxy) plus links to it. Unlike sys.getrefcount, passing the proxy
        adds nothing, so this is CPython's answer minus one."""
        return self._inspect(obj).refcount

    def getsizeof(self, obj: HeapObject) -> builtins.int:
        """sys.getsizeof(obj): header, payload and, for containers, the
        16-byte GC header, as 64-bit CPython 3.12 reports."""
        return self._inspect(obj).size

    def stats(self, *sections: "pb.StatsSection", fresh: bool = True) -> pb.StatsResponse:
        """Stats of these sections (pb.ALLOCATOR, ...; none: all), fresh by
        default, so that they include this session's last call."""
        return self._call("Stats", pb.StatsRequest(sections=sections,
                                                   fresh=fresh))

    def debugmallocstats(self, file: Optional[IO[builtins.str]] = None) -> None:
        """Prints what sys._debugmallocstats() prints about pymalloc (to
        stderr, as it does, unless `file`)."""
        allocator = self.stats(pb.ALLOCATOR).allocator
        print(_mallocstats.format_allocator(allocator), end="",
              file=file or sys.stderr)

    def verify(self) -> pb.VerifyResponse:
        return self._call("Verify", pb.VerifyRequest())

    def _held_handles(self) -> builtins.set[builtins.int]:
        """The handles this client's live proxies hold (sent ones)."""
        return {proxy.handle for proxy in list(self._proxies) if proxy.handle}

    def dot(self) -> builtins.str:
        """Graphviz DOT of the session: what its live proxies hold and what
        that reaches (50 objects at most), with the heap summed up."""
        return _graph.session_dot(self)

    def _repr_svg_(self) -> Optional[builtins.str]:
        """Jupyter's picture: dot() drawn by Graphviz, None without it or
        once closed (Jupyter then shows the text repr)."""
        return None if self.closed else _graph.svg(self.dot())

    def __repr__(self) -> builtins.str:
        state = "closed" if self.closed else "open"
        return f"<heapd.Heap session {self.session_id} {state}>"
