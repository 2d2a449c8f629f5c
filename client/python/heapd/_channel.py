"""How the Python client reaches heapd: the address rules, TLS and bearer
tokens of the C++ client library (client/server_address.h,
client/client_security.h), and a stub whose failures are HeapdErrors."""
from __future__ import annotations

import os
import re
from typing import Any, Callable, Optional, Sequence

import grpc

from heapd import errors
from heapd._proto import heap_pb2_grpc

BUILT_IN_SERVER_ADDRESS = "127.0.0.1:50051"
SERVER_ADDRESS_VARIABLE = "HEAPD_SERVER"
TOKEN_VARIABLE = "HEAPD_TOKEN"

_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*:(?!\d+$)")
_HOST_PORT = re.compile(r"^(\[[0-9A-Fa-f:.]+\]|[^:\[\]]+):(\d+)$")


def default_server_address() -> str:
    """$HEAPD_SERVER when set and not empty, else 127.0.0.1:50051."""
    return os.environ.get(SERVER_ADDRESS_VARIABLE) or BUILT_IN_SERVER_ADDRESS


def check_server_address(address: str) -> None:
    """Accepts HOST:PORT (PORT 1..65535, an IPv6 host in brackets) and gRPC
    target URIs naming their scheme (ipv4:, unix:, dns:, ...); raises
    ValueError saying what was expected otherwise."""
    match = _HOST_PORT.match(address)
    if match and 1 <= int(match.group(2)) <= 65535:
        return
    if not match and _SCHEME.match(address):
        return
    raise ValueError(
        f"'{address}': HOST:PORT expected, e.g. 127.0.0.1:41861")


def _read(path: Optional[str], flag: str) -> Optional[bytes]:
    if not path:
        return None
    try:
        with open(path, "rb") as f:
            return f.read()
    except OSError as e:
        raise ValueError(f"--{flag}: cannot read {path}: {e.strerror}") from e


def bearer_token(token: Optional[str], token_file: Optional[str]) -> str:
    """The token given, else token_file's (trailing whitespace dropped),
    else $HEAPD_TOKEN, else ""."""
    if token:
        return token
    data = _read(token_file, "token_file")
    if data is not None:
        return data.decode().rstrip()
    return os.environ.get(TOKEN_VARIABLE, "")


def channel_settings(
        address: str, *, tls_ca: Optional[str] = None,
        tls_cert: Optional[str] = None, tls_key: Optional[str] = None,
        tls_server_name: Optional[str] = None
) -> tuple[Optional[grpc.ChannelCredentials], list[tuple[str, Any]]]:
    """The credentials (None: plaintext) and options of a channel to heapd
    at a checked `address`: plaintext unless a TLS option is given (tls_ca
    None with another TLS option: the system's roots). Never through an
    HTTP proxy from the environment, as the C++ library."""
    check_server_address(address)
    options: list[tuple[str, Any]] = [("grpc.enable_http_proxy", 0)]
    if not (tls_ca or tls_cert or tls_key or tls_server_name):
        return None, options
    if bool(tls_cert) != bool(tls_key):
        raise ValueError("--tls_cert and --tls_key go together")
    credentials = grpc.ssl_channel_credentials(
        root_certificates=_read(tls_ca, "tls_ca"),
        private_key=_read(tls_key, "tls_key"),
        certificate_chain=_read(tls_cert, "tls_cert"))
    if tls_server_name:
        options.append(("grpc.ssl_target_name_override", tls_server_name))
    return credentials, options


def open_channel(address: str, **tls: Optional[str]) -> grpc.Channel:
    """A channel to heapd with channel_settings' TLS options."""
    credentials, options = channel_settings(address, **tls)
    if credentials is None:
        return grpc.insecure_channel(address, options=options)
    return grpc.secure_channel(address, credentials, options=options)


class Stub:
    """heapd.v1.Heap's methods as attributes (stub.Ping(request)); each call
    carries the bearer token and the deadline, and raises HeapdError."""

    def __init__(self, channel: grpc.Channel, token: str,
                 timeout: Optional[float]) -> None:
        self._stub = heap_pb2_grpc.HeapStub(channel)
        self._metadata: Sequence[tuple[str, str]] = (
            (("authorization", f"Bearer {token}"),) if token else ())
        self._timeout = timeout

    def __getattr__(self, method: str) -> Callable[[Any], Any]:
        call = getattr(self._stub, method)

        def invoke(request: Any) -> Any:
            try:
                return call(request, timeout=self._timeout,
                            metadata=self._metadata)
            except grpc.RpcError as e:
                raise errors.from_rpc_error(e) from None

        return invoke

    def stream(self, method: str, request: Any) -> Any:
        """A server stream (WatchStats), without a deadline."""
        return getattr(self._stub, method)(request, metadata=self._metadata)
