"""gRPC statuses as Python exceptions, each with the server's message."""
import pathlib

import grpc
import pytest

import heapd
from heapd_server import HeapdServer


def test_not_found_is_a_key_error(heap: heapd.Heap) -> None:
    with pytest.raises(heapd.NotFoundError) as raised:
        heap.inspect_handle(12345)
    assert isinstance(raised.value, KeyError)
    assert raised.value.code == grpc.StatusCode.NOT_FOUND
    assert raised.value.message and "NOT_FOUND" in str(raised.value)


def test_failed_precondition(heap: heapd.Heap) -> None:
    a = heap.object()
    with pytest.raises(heapd.FailedPreconditionError) as raised:
        del a.unset
    assert raised.value.code == grpc.StatusCode.FAILED_PRECONDITION
    with pytest.raises(heapd.FailedPreconditionError):
        heap.list().remove(a)  # not an item


def test_invalid_argument_is_a_value_error(heap: heapd.Heap) -> None:
    with pytest.raises(ValueError) as raised:
        heap.raw(-1)
    assert isinstance(raised.value, heapd.InvalidArgumentError)
    with pytest.raises(heapd.InvalidArgumentError):
        heap.gc.collect(7)


def test_resource_exhausted_is_a_memory_error() -> None:
    server = HeapdServer("--max_objects=3")
    try:
        with heapd.connect(server.address) as heap:
            keep = [heap.object() for _ in range(3)]
            with pytest.raises(MemoryError) as raised:
                heap.object()
            assert raised.value.code == grpc.StatusCode.RESOURCE_EXHAUSTED
            assert isinstance(raised.value, heapd.ResourceExhaustedError)
            del keep
    finally:
        server.stop()


def test_permission_errors(tmp_path: pathlib.Path) -> None:
    tokens = tmp_path / "tokens"
    tokens.write_text("client-token-0123456789 client alice\n")
    server = HeapdServer(f"--auth_tokens={tokens}")
    try:
        with pytest.raises(PermissionError) as raised:
            heapd.connect(server.address, token="wrong-token-0123456789")
        assert isinstance(raised.value, heapd.UnauthenticatedError)
        token_file = tmp_path / "token"
        token_file.write_text("client-token-0123456789\n")
        with heapd.connect(server.address, token_file=str(token_file)) as heap:
            with pytest.raises(PermissionError) as denied:
                heap.gc.freeze()  # an admin's method
            assert isinstance(denied.value, heapd.PermissionDeniedError)
            assert denied.value.code == grpc.StatusCode.PERMISSION_DENIED
    finally:
        server.stop()


def test_unavailable_is_a_connection_error() -> None:
    with pytest.raises(ConnectionError) as raised:
        heapd.connect("127.0.0.1:1", timeout=5)
    assert isinstance(raised.value, heapd.HeapdError)


def test_addresses(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HEAPD_SERVER", raising=False)
    assert heapd.default_server_address() == "127.0.0.1:50051"
    monkeypatch.setenv("HEAPD_SERVER", "127.0.0.1:7000")
    assert heapd.default_server_address() == "127.0.0.1:7000"
    for bad in ("41861", "localhost", "127.0.0.1:0"):
        with pytest.raises(ValueError, match="HOST:PORT expected"):
            heapd.connect(bad)
