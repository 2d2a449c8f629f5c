"""heapd.aio: the same session on asyncio (grpc.aio)."""
import asyncio

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
