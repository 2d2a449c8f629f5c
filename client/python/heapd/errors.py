"""heapd's gRPC statuses as Python exceptions.

Every error carries the server's message and its gRPC code (`.code`, a
grpc.StatusCode), and also derives from the builtin exception a Python
programmer would expect: NOT_FOUND is a KeyError (an unknown handle or
session), RESOURCE_EXHAUSTED a MemoryError, PERMISSION_DENIED and
UNAUTHENTICATED PermissionErrors, INVALID_ARGUMENT a ValueError,
OUT_OF_RANGE an IndexError (a list index past the end), UNAVAILABLE a
ConnectionError, DEADLINE_EXCEEDED a TimeoutError.
"""
from __future__ import annotations

from typing import Optional

import grpc


class HeapdError(Exception):
    """A heapd call failed with a gRPC status other than OK."""

    code: grpc.StatusCode = grpc.StatusCode.UNKNOWN

    def __init__(self, message: str,
                 code: Optional[grpc.StatusCode] = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code

    def __str__(self) -> str:
        # KeyError would quote the message; every heapd error reads alike.
        return f"{self.code.name}: {self.message}"


class NotFoundError(HeapdError, KeyError):
    code = grpc.StatusCode.NOT_FOUND


class FailedPreconditionError(HeapdError):
    code = grpc.StatusCode.FAILED_PRECONDITION


class ResourceExhaustedError(HeapdError, MemoryError):
    code = grpc.StatusCode.RESOURCE_EXHAUSTED


class PermissionDeniedError(HeapdError, PermissionError):
    code = grpc.StatusCode.PERMISSION_DENIED


class UnauthenticatedError(HeapdError, PermissionError):
    code = grpc.StatusCode.UNAUTHENTICATED


class InvalidArgumentError(HeapdError, ValueError):
    code = grpc.StatusCode.INVALID_ARGUMENT


class OutOfRangeError(HeapdError, IndexError):
    code = grpc.StatusCode.OUT_OF_RANGE


class UnavailableError(HeapdError, ConnectionError):
    code = grpc.StatusCode.UNAVAILABLE


class DeadlineExceededError(HeapdError, TimeoutError):
    code = grpc.StatusCode.DEADLINE_EXCEEDED


_BY_CODE: dict[grpc.StatusCode, type[HeapdError]] = {
    cls.code: cls
    for cls in (NotFoundError, FailedPreconditionError,
                ResourceExhaustedError, PermissionDeniedError,
                UnauthenticatedError, InvalidArgumentError, OutOfRangeError,
                UnavailableError, DeadlineExceededError)
}
_BY_VALUE: dict[int, grpc.StatusCode] = {
    code.value[0]: code for code in grpc.StatusCode
}


def error_for(code: grpc.StatusCode, message: str) -> HeapdError:
    """The exception for a status: its class by code, HeapdError else."""
    return _BY_CODE.get(code, HeapdError)(message, code)


def error_for_value(value: int, message: str) -> HeapdError:
    """As error_for, from a google.rpc.Code number (a Batch result's code)."""
    return error_for(_BY_VALUE.get(value, grpc.StatusCode.UNKNOWN), message)


def from_rpc_error(error: grpc.RpcError) -> HeapdError:
    """The exception for a failed call (a grpc.Call's code and details)."""
    code = error.code() if hasattr(error, "code") else grpc.StatusCode.UNKNOWN
    details = error.details() if hasattr(error, "details") else str(error)
    return error_for(code, details or "")
