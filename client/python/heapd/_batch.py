"""Operations on objects, gathered into one Batch RPC.

Every change the client makes (allocate, incref, decref, link, unlink,
collect) travels as a Batch: on its own, inside `with heap.batch():`, and
always behind the DecRefs that collected proxies queued, so those reach the
server with the next call and before it.
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
