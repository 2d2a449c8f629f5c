"""heapd on asyncio (grpc.aio): a session whose calls are coroutines.

    import heapd.aio
    async with await heapd.aio.connect("127.0.0.1:50051") as heap:
        a, b = await heap.object(), await heap.object()
        await heap.link(a, b, "ref")
        await heap.link(b, a, "ref")
        await heap.release(a, b)
        assert await heap.collect() == 2

Objects are AsyncObjects: a handle and the one session reference it
stands for, dropped by `await heap.release(obj)` or when the session
closes (no finalizer can await).
"""
from __future__ import annotations

import asyncio
from typing import Any, Optional, Sequence

import grpc
import grpc.aio

from heapd import _channel, errors
from heapd._proto import heap_pb2 as pb
from heapd._proto import heap_pb2_grpc


class AsyncObject:
    __slots__ = ("handle", "type", "size", "weakref_id")

    def __init__(self, made: pb.AllocatedObject, object_type: "pb.ObjectType") -> None:
        self.handle: int = made.handle
        self.type: int = object_type
        self.size: int = made.size
        self.weakref_id: int = made.weakref_id

    def __eq__(self, other: object) -> bool:
        return isinstance(other, AsyncObject) and other.handle == self.handle

    def __hash__(self) -> int:
        return hash(self.handle)

    def __repr__(self) -> str:
        name = pb.ObjectType.Name(self.type).lower()
        return f"<heapd.aio {name} {self.handle:#x}>"


class AsyncHeap:
    """One session; renews its lease from a task until close()."""

    def __init__(self, channel: grpc.aio.Channel, token: str,
                 timeout: Optional[float]) -> None:
        self._channel = channel
        self._stub = heap_pb2_grpc.HeapStub(channel)
        self._metadata: Sequence[tuple[str, str]] = (
            (("authorization", f"Bearer {token}"),) if token else ())
        self._timeout = timeout
        self._keeper: Optional[asyncio.Task[None]] = None
        self.session_id = ""
        self.ttl = 0.0
        self.closed = False

    async def _call(self, method: str, request: Any) -> Any:
        try:
            return await getattr(self._stub, method)(
                request, timeout=self._timeout, metadata=self._metadata)
        except grpc.RpcError as e:
            raise errors.from_rpc_error(e) from None

    async def _open(self, ttl: float, client_name: str) -> None:
        opened = await self._call("OpenSession", pb.OpenSessionRequest(
            client_name=client_name, ttl_ms=int(ttl * 1000)))
        self.session_id = opened.session_id
        self.ttl = opened.ttl_ms / 1000
        self._keeper = asyncio.get_running_loop().create_task(self._keep())

    async def _keep(self) -> None:
        while True:
            await asyncio.sleep(self.ttl / 3)
            try:
                await self.ping()
            except errors.NotFoundError:
                return
            except errors.HeapdError:
                pass

    async def __aenter__(self) -> "AsyncHeap":
        return self

    async def __aexit__(self, *exc: Any) -> None:
        await self.close()

    async def close(self) -> Optional[pb.CloseSessionResponse]:
        """Closes the session, releasing every reference it holds."""
        if self.closed:
            return None
        self.closed = True
        if self._keeper is not None:
            self._keeper.cancel()
        try:
            return await self._call("CloseSession", pb.CloseSessionRequest(
                session_id=self.session_id))
        except errors.HeapdError:
            return None
        finally:
            await self._channel.close()

    async def ping(self) -> pb.PingResponse:
        return await self._call("Ping", pb.PingRequest(
            session_id=self.session_id))

    async def batch(self, operations: list[pb.Operation]) -> pb.BatchResponse:
        """One Batch; raises the first failed operation's error."""
        response = await self._call("Batch", pb.BatchRequest(
            session_id=self.session_id, operations=operations))
        for result in response.results:
            if result.code != 0:
                raise errors.error_for_value(result.code, result.message)
        return response

    async def allocate(self, object_type: "pb.ObjectType", length: int = 0, *,
                       weakref: bool = False) -> AsyncObject:
        response = await self.batch([pb.Operation(allocate=pb.BatchAllocate(
            type=object_type, length=length, count=1,
            weakref=pb.WeakRefOptions(create=weakref)))])
        return AsyncObject(response.results[0].allocate.objects[0],
                           object_type)

    async def object(self, *, weakref: bool = False) -> AsyncObject:
        return await self.allocate(pb.OBJECT, weakref=weakref)

    async def list(self, items: Sequence[AsyncObject] = ()) -> AsyncObject:
        made = await self.allocate(pb.LIST, len(items))
        for item in items:
            await self.link(made, item, append=True)
        return made

    async def dict(self) -> AsyncObject:
        return await self.allocate(pb.DICT)

    async def link(self, source: AsyncObject, target: AsyncObject,
                   field: str = "", *, append: bool = False,
                   index: Optional[int] = None) -> None:
        """source.field = target; append=True: source.append(target);
        index=i: source[i] = target."""
        link = pb.BatchLink(source=pb.ObjectRef(handle=source.handle),
                            target=pb.ObjectRef(handle=target.handle))
        if append:
            link.append = True
        elif index is not None:
            link.index = index
        else:
            link.field = field
        await self.batch([pb.Operation(link=link)])

    async def unlink(self, source: AsyncObject, field: str = "", *,
                     index: Optional[int] = None) -> None:
        """del source.field; index=i: del source[i]."""
        unlink = pb.BatchUnlink(source=pb.ObjectRef(handle=source.handle))
        if index is not None:
            unlink.index = index
        else:
            unlink.field = field
        await self.batch([pb.Operation(unlink=unlink)])

    async def get(self, source: AsyncObject, field: str = "", *,
                  index: Optional[int] = None) -> AsyncObject:
        """x = source.field (index=i: x = source[i]): an AsyncObject with
        a reference of its own, taken in the same call as the read."""
        request = pb.GetReferentRequest(session_id=self.session_id,
                                        source=source.handle)
        if index is not None:
            request.index = index
        else:
            request.field = field
        got = await self._call("GetReferent", request)
        return AsyncObject(pb.AllocatedObject(handle=got.handle,
                                              size=got.size), got.type)

    async def weakref(self, obj: AsyncObject) -> int:
        """weakref.ref(obj) on an existing object (CreateWeakRef): the weak
        reference's id, for read_weakref."""
        made = await self._call("CreateWeakRef", pb.CreateWeakRefRequest(
            session_id=self.session_id, handle=obj.handle))
        return made.weakref_id

    async def read_weakref(self, weakref_id: int) -> Optional[AsyncObject]:
        """r(): the referent with a reference of its own, None once it died
        (ReadWeakRef)."""
        got = await self._call("ReadWeakRef", pb.ReadWeakRefRequest(
            session_id=self.session_id, weakref_id=weakref_id))
        if got.handle == 0:
            return None
        return AsyncObject(pb.AllocatedObject(handle=got.handle,
                                              size=got.size), got.type)

    async def release(self, *objs: AsyncObject) -> None:
        """Drops the session's reference to each object (`del` of a name)."""
        await self.batch([pb.Operation(decref=pb.BatchDecRef(
            object=pb.ObjectRef(handle=o.handle))) for o in objs])

    async def collect(self, generation: int = 2) -> int:
        """gc.collect(generation): the unreachable objects found."""
        response = await self.batch([pb.Operation(
            collect=pb.BatchCollect(generation=generation))])
        return response.results[0].collect.collected

    async def inspect(self, obj: AsyncObject) -> pb.ObjectInfo:
        return (await self._call("Inspect", pb.InspectRequest(
            session_id=self.session_id, handle=obj.handle))).object

    async def getrefcount(self, obj: AsyncObject) -> int:
        """As heapd.Heap.getrefcount: the session's reference and links."""
        return (await self.inspect(obj)).refcount

    async def stats(self, *sections: "pb.StatsSection",
                    fresh: bool = True) -> pb.StatsResponse:
        return await self._call("Stats", pb.StatsRequest(
            sections=sections, fresh=fresh))

    async def get_count(self) -> tuple[int, int, int]:
        gens = (await self.stats(pb.COLLECTOR)).collector.generations
        return (gens[0].count, gens[1].count, gens[2].count)

    def __repr__(self) -> str:
        state = "closed" if self.closed else "open"
        return f"<heapd.aio.AsyncHeap session {self.session_id} {state}>"


async def connect(address: Optional[str] = None, *, ttl: float = 30.0,
                  client_name: str = "heapd-python-aio",
                  timeout: Optional[float] = 10.0,
                  tls_ca: Optional[str] = None,
                  tls_cert: Optional[str] = None,
                  tls_key: Optional[str] = None,
                  tls_server_name: Optional[str] = None,
                  token: Optional[str] = None,
                  token_file: Optional[str] = None) -> AsyncHeap:
    """As heapd.connect, on grpc.aio: opens a session whose lease a task
    renews, with the same address, TLS and token options."""
    address = address or _channel.default_server_address()
    credentials, options = _channel.channel_settings(
        address, tls_ca=tls_ca, tls_cert=tls_cert, tls_key=tls_key,
        tls_server_name=tls_server_name)
    if credentials is None:
        channel = grpc.aio.insecure_channel(address, options=options)
    else:
        channel = grpc.aio.secure_channel(address, credentials,
                                          options=options)
    heap = AsyncHeap(channel, _channel.bearer_token(token, token_file),
                     timeout)
    try:
        await heap._open(ttl, client_name)
    except BaseException:
        await channel.close()
        raise
    return heap
