"""heapd: a Python client for the heapd service that reads like Python.

    import heapd
    with heapd.connect("127.0.0.1:50051") as heap:
        a, b = heap.object(), heap.object()
        a.ref = b
        b.ref = a
        del a, b
        assert heap.gc.collect() == 2

See docs/python.md.
"""
from __future__ import annotations

import pkgutil
from typing import Optional

# A source checkout finds the generated heapd/_proto/ modules in Bazel's
# output tree when that is on sys.path too (heapd/_proto/__init__.py).
__path__ = pkgutil.extend_path(__path__, __name__)


from heapd import _channel  # noqa: E402
from heapd.errors import (DeadlineExceededError, FailedPreconditionError,
                          HeapdError, InvalidArgumentError, NotFoundError,
                          OutOfRangeError, PermissionDeniedError,
                          ResourceExhaustedError,
                          UnauthenticatedError, UnavailableError)
from heapd.heap import Heap
from heapd.proxy import (DictProxy, HeapObject, ListProxy, ObjectProxy,
                         SetProxy, TupleProxy)
from heapd.weak import WeakRef
from heapd._channel import default_server_address

__all__ = [
    "connect", "default_server_address", "Heap", "HeapObject", "ObjectProxy",
    "ListProxy", "TupleProxy", "SetProxy", "DictProxy", "WeakRef",
    "HeapdError",
    "NotFoundError", "FailedPreconditionError", "ResourceExhaustedError",
    "PermissionDeniedError", "UnauthenticatedError", "InvalidArgumentError",
    "OutOfRangeError", "UnavailableError", "DeadlineExceededError",
]


def connect(address: Optional[str] = None, *, ttl: float = 30.0,
            client_name: str = "heapd-python",
            timeout: Optional[float] = 10.0,
            tls_ca: Optional[str] = None, tls_cert: Optional[str] = None,
            tls_key: Optional[str] = None,
            tls_server_name: Optional[str] = None,
            token: Optional[str] = None,
            token_file: Optional[str] = None) -> Heap:
    """Opens a session on heapd at `address` (default $HEAPD_SERVER, else
    127.0.0.1:50051) with a lease of `ttl` seconds, renewed in the
    background until close(). `timeout` is every call's deadline in
    seconds (None: none). TLS and the bearer token take what heapctl's
    --tls_ca, --tls_cert, --tls_key, --tls_server_name and --token_file
    take (token: the token itself; neither: $HEAPD_TOKEN)."""
    channel = _channel.open_channel(
        address or default_server_address(), tls_ca=tls_ca,
        tls_cert=tls_cert, tls_key=tls_key, tls_server_name=tls_server_name)
    try:
        stub = _channel.Stub(channel, _channel.bearer_token(token, token_file),
                             timeout)
        return Heap(stub, channel, ttl, client_name)
    except BaseException:
        channel.close()
        raise
