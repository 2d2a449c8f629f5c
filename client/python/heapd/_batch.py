"""Operations on objects, gathered into one Batch RPC.

Every change the client makes (allocate, incref, decref, link, unlink,
collect) travels as a Batch: on its own, inside `with heap.batch():`, and
always behind the DecRefs that collected proxies queued, so those reach the
server with the next call and before it. More operations than one Batch
may carry go as several, in order (send_in_chunks).
"""
from __future__ import annotations

from typing import Any, Callable, Iterator, Optional

from heapd import errors
from heapd._proto import heap_pb2 as pb

Then = Optional[Callable[[pb.OperationResult], None]]


class Group:
    """Operations to send together, each with what to do with its result."""

    def __init__(self) -> None:
        self.operations: list[pb.Operation] = []
        self.thens: list[Then] = []
        self.response: Optional[pb.BatchResponse] = None

    def add(self, operation: pb.Operation, then: Then = None) -> int:
        self.operations.append(operation)
        self.thens.append(then)
        return len(self.operations) - 1


class Cell:
    """A result that exists once its group has been sent."""

    def __init__(self) -> None:
        self.value: Any = None


def _object_refs(operation: pb.Operation) -> Iterator[pb.ObjectRef]:
    body = getattr(operation, operation.WhichOneof("op"))
    for name in ("object", "source", "target", "item"):
        if name in body.DESCRIPTOR.fields_by_name and body.HasField(name):
            yield getattr(body, name)


def shifted(operation: pb.Operation, offset: int) -> pb.Operation:
    """The operation with its references to earlier results moved `offset`
    operations on (for operations placed behind others)."""
    if offset == 0:
        return operation
    moved = pb.Operation()
    moved.CopyFrom(operation)
    for ref in _object_refs(moved):
        if ref.HasField("result"):
            ref.result.op += offset
    return moved


def _produced(result: pb.OperationResult) -> list[int]:
    """The handles an operation's result names for later operations."""
    if result.code != 0:
        return []
    kind = result.WhichOneof("result")
    if kind == "allocate":
        return [o.handle for o in result.allocate.objects]
    if kind == "get_referent":
        return [result.get_referent.handle]
    return []


def send_in_chunks(operations: list[pb.Operation], size: int,
                   send: Callable[[list[pb.Operation]], pb.BatchResponse]
                   ) -> pb.BatchResponse:
    """Sends the operations as Batches of at most `size`, in order: a
    reference to an earlier chunk's result becomes the handle it produced
    (0, which no object has, if that operation failed). Returns one
    response, as if one Batch had run them all. If a send raises, the
    error carries `.response`, the results of the chunks that ran."""
    merged = pb.BatchResponse()
    produced: dict[int, list[int]] = {}
    for start in range(0, len(operations), size):
        chunk = []
        for operation in operations[start:start + size]:
            moved = pb.Operation()
            moved.CopyFrom(operation)
            for ref in _object_refs(moved):
                if not ref.HasField("result"):
                    continue
                if ref.result.op >= start:
                    ref.result.op -= start
                    continue
                made = produced.get(ref.result.op, [])
                obj = ref.result.object
                ref.handle = made[obj] if obj < len(made) else 0
            chunk.append(moved)
        try:
            response = send(chunk)
        except errors.HeapdError as e:
            setattr(e, "response", merged)
            raise
        for result in response.results:
            result.index += start
            produced[result.index] = _produced(result)
            merged.results.append(result)
        merged.succeeded += response.succeeded
        merged.failed += response.failed
        merged.skipped += response.skipped
        merged.lock_yields += response.lock_yields
    return merged


def decref(handle: int) -> pb.Operation:
    return pb.Operation(
        decref=pb.BatchDecRef(object=pb.ObjectRef(handle=handle)))


def apply_results(group: Group, response: pb.BatchResponse,
                  offset: int) -> None:
    """Runs each operation's `then` on its result; raises the first
    operation's error (after every `then` of those that succeeded, so that
    objects they made get proxies, and their references are dropped)."""
    group.response = response
    # The `then`s hold the proxies they fill: let them go with the caller's.
    thens, group.thens = group.thens, []
    by_index = {r.index: r for r in response.results}
    first: Optional[errors.HeapdError] = None
    for i, then in enumerate(thens):
        result = by_index.get(i + offset)
        if result is None:
            first = first or errors.HeapdError("operation not executed")
        elif result.code != 0:
            first = first or errors.error_for_value(result.code,
                                                    result.message)
        elif then is not None:
            then(result)
    if first is not None:
        raise first
