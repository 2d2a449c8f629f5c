"""heapd.aio: the same session on asyncio (grpc.aio)."""
import asyncio
import pathlib
import shutil
import subprocess

import pytest

import heapd
import heapd.aio
from heapd._proto import heap_pb2 as pb
from heapd_server import HeapdServer


def test_allocate_link_collect_and_stats(server: HeapdServer) -> None:
    async def main() -> None:
        async with await heapd.aio.connect(server.address) as heap:
            await heap.collect()
            a, b = await heap.object(), await heap.object()
            await heap.link(a, b, "ref")
            await heap.link(b, a, "ref")
            assert await heap.getrefcount(b) == 2
            xs = await heap.list([a, a])
            assert xs.size == 72
            assert await heap.getrefcount(a) == 4
            await heap.release(xs)
            await heap.unlink(a, "ref")
            assert await heap.getrefcount(b) == 1
            await heap.link(a, b, "ref")
            count = (await heap.get_count())[0]
            assert count >= 2
            await heap.release(a, b)
            assert await heap.collect() == 2
            assert (await heap.stats(pb.OBJECTS)).objects.objects == 0
            assert "AsyncHeap" in repr(heap)
        assert heap.closed

    asyncio.run(main())


def test_sessions_run_concurrently(server: HeapdServer) -> None:
    async def one() -> int:
        async with await heapd.aio.connect(server.address) as heap:
            made = [await heap.object() for _ in range(20)]
            for x, y in zip(made, made[1:] + made[:1]):
                await heap.link(x, y, "next")
            await heap.release(*made)
            return len(made)

    async def main() -> tuple[list[int], int]:
        made = await asyncio.gather(*(one() for _ in range(4)))
        async with await heapd.aio.connect(server.address) as heap:
            return made, await heap.collect()

    made, collected = asyncio.run(main())
    assert made == [20] * 4 and collected == 80


def test_close_releases_and_errors_are_heapd_errors(
        server: HeapdServer) -> None:
    async def main() -> None:
        heap = await heapd.aio.connect(server.address)
        kept = [await heap.object() for _ in range(3)]
        assert (await heap.close()).references_released == 3
        reopened = await heapd.aio.connect(server.address)
        with pytest.raises(heapd.NotFoundError):
            await reopened.inspect(kept[0])
        with pytest.raises(heapd.InvalidArgumentError):
            await reopened.collect(7)
        await reopened.close()

    asyncio.run(main())
    with pytest.raises(ValueError, match="HOST:PORT expected"):
        asyncio.run(heapd.aio.connect("localhost"))


def test_items_by_index_and_get(server: HeapdServer) -> None:
    async def main() -> None:
        async with await heapd.aio.connect(server.address) as heap:
            a, b = await heap.object(), await heap.object()
            xs = await heap.list([a, a])
            await heap.link(a, xs, "items")
            await heap.link(xs, b, index=-1)
            got = await heap.get(a, "items")
            assert got == xs and got.type == pb.LIST and got.size == xs.size
            assert await heap.getrefcount(xs) == 3
            assert (await heap.get(xs, index=1)) == b
            await heap.unlink(xs, index=0)
            assert list((await heap.inspect(xs)).items) == [b.handle]
            with pytest.raises(IndexError):
                await heap.get(xs, index=1)
            with pytest.raises(IndexError):
                await heap.link(xs, a, index=5)

    asyncio.run(main())


def _certificates(directory: pathlib.Path) -> None:
    """A CA, a server certificate for localhost and a client certificate,
    made with openssl as tests/security_integration_test.cc makes them."""
    key = "-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes"
    script = f"""set -e
openssl req -x509 {key} -keyout ca.key -out ca.pem -days 2 \
  -subj '/CN=heapd test CA'
openssl req {key} -keyout server.key -out server.csr -subj '/CN=localhost'
echo 'subjectAltName=DNS:localhost,IP:127.0.0.1' > server.ext
openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial \
  -out server.pem -days 2 -extfile server.ext
openssl req {key} -keyout client.key -out client.csr \
  -subj '/CN=heapd test client'
echo 'extendedKeyUsage=clientAuth' > client.ext
openssl x509 -req -in client.csr -CA ca.pem -CAkey ca.key -CAcreateserial \
  -out client.pem -days 2 -extfile client.ext
"""
    subprocess.run(["sh", "-c", script], cwd=directory, check=True,
                   capture_output=True)


@pytest.mark.skipif(shutil.which("openssl") is None, reason="no openssl")
def test_weak_references(server: HeapdServer) -> None:
    async def main() -> None:
        async with await heapd.aio.connect(server.address) as heap:
            await heap.collect()
            a, b = await heap.object(), await heap.object()
            await heap.link(a, b, "ref")
            await heap.link(b, a, "ref")
            r = await heap.weakref(a)
            got = await heap.read_weakref(r)
            assert got is not None and got.handle == a.handle
            assert await heap.getrefcount(a) == 3  # a, got, b.ref
            await heap.release(a, b, got)
            again = await heap.read_weakref(r)  # the cycle keeps a alive
            assert again is not None
            await heap.release(again)
            assert await heap.collect() == 2
            assert await heap.read_weakref(r) is None
            with pytest.raises(heapd.NotFoundError):
                await heap.read_weakref(r + 1000)

    asyncio.run(main())


def test_tls_token_and_lease_renewal(tmp_path: pathlib.Path) -> None:
    _certificates(tmp_path)
    tokens = tmp_path / "tokens"
    tokens.write_text("client-token-0123456789 client alice\n")
    token_file = tmp_path / "token"
    token_file.write_text("client-token-0123456789\n")
    server = HeapdServer(f"--tls_cert={tmp_path}/server.pem",
                         f"--tls_key={tmp_path}/server.key",
                         f"--tls_client_ca={tmp_path}/ca.pem",
                         f"--auth_tokens={tokens}")
    tls = {"tls_ca": str(tmp_path / "ca.pem"),
           "tls_cert": str(tmp_path / "client.pem"),
           "tls_key": str(tmp_path / "client.key"),
           "tls_server_name": "localhost"}

    async def main() -> None:
        async with await heapd.aio.connect(
                server.address, ttl=1.5, token_file=str(token_file),
                **tls) as heap:
            assert heap.ttl == 1.5
            a = await heap.object()
            # Three leases long without a call of ours: only the renewal
            # task (a Ping every half second) keeps the session.
            await asyncio.sleep(4.5)
            assert await heap.getrefcount(a) == 1
        # The same connection without the token, or without TLS, fails.
        with pytest.raises(PermissionError):
            await heapd.aio.connect(server.address, **tls)
        with pytest.raises(heapd.UnavailableError):
            await heapd.aio.connect(server.address,
                                    token="client-token-0123456789",
                                    timeout=5)
        with pytest.raises(ValueError, match="go together"):
            await heapd.aio.connect(server.address, tls_cert=tls["tls_cert"])

    try:
        asyncio.run(main())
    finally:
        server.stop()
