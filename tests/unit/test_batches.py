"""The stage agents' batches: every event once, in order, and never held while waiting.

The stream here is a stand-in with the one method the batcher calls (``noack().events()``),
fed from a queue the test controls; the agents on a real broker are in tests/integration.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest

from streams.runtime.batches import batches

END = object()


class FedStream:
    """``noack().events()`` yields what the test puts, until ``END`` (or raises an exception put)."""

    def __init__(self) -> None:
        self.queue: asyncio.Queue[Any] = asyncio.Queue()
        self.acked: list[int] = []

    def noack(self) -> FedStream:
        return self

    async def events(self) -> AsyncIterator[Any]:
        while True:
            item = await self.queue.get()
            if item is END:
                return
            if isinstance(item, BaseException):
                raise item
            yield item

    def put(self, *items: Any) -> None:
        for item in items:
            self.queue.put_nowait(item)


async def test_every_event_comes_once_in_order_in_batches_of_at_most_max() -> None:
    stream = FedStream()
    stream.put(*range(250), END)
    sizes, seen = [], []
    async for batch in batches(stream, 100):  # type: ignore[arg-type]
        sizes.append(len(batch))
        seen.extend(batch)
    assert seen == list(range(250))
    assert max(sizes) == 100 and all(size >= 1 for size in sizes)


async def test_a_batch_is_yielded_at_once_when_no_more_input_is_waiting() -> None:
    """A rebalance waits for every event taken to be acknowledged: the batcher must not sit on them."""
    stream = FedStream()
    stream.put(1, 2, 3)  # then nothing more for now
    generator = batches(stream, 100)  # type: ignore[arg-type]
    first = await asyncio.wait_for(generator.__anext__(), timeout=2)
    assert first == [1, 2, 3]
    stream.put(4, END)
    assert await asyncio.wait_for(generator.__anext__(), timeout=2) == [4]
    with pytest.raises(StopAsyncIteration):
        await asyncio.wait_for(generator.__anext__(), timeout=2)


async def test_fill_within_waits_a_bounded_time_for_more() -> None:
    stream = FedStream()
    stream.put(1)
    generator = batches(stream, 10, fill_within=0.3)  # type: ignore[arg-type]
    pending = asyncio.ensure_future(generator.__anext__())
    await asyncio.sleep(0.05)
    stream.put(2, 3)
    assert await asyncio.wait_for(pending, timeout=2) == [1, 2, 3]
    # nothing more arrives: the batch of one comes after fill_within, not never
    stream.put(4)
    assert await asyncio.wait_for(generator.__anext__(), timeout=2) == [4]
    await generator.aclose()


async def test_a_failing_stream_raises_after_the_events_before_it() -> None:
    stream = FedStream()
    stream.put(1, 2)
    generator = batches(stream, 100)  # type: ignore[arg-type]
    assert await asyncio.wait_for(generator.__anext__(), timeout=2) == [1, 2]
    stream.put(RuntimeError("consumer failed"))
    with pytest.raises(RuntimeError, match="consumer failed"):
        await asyncio.wait_for(generator.__anext__(), timeout=2)


async def test_closing_the_batches_stops_the_feeder_and_leaves_the_rest_unread() -> None:
    """A caller that fails closes the generator: events after its batch stay unread (read again after a restart)."""
    stream = FedStream()
    stream.put(1, 2)
    generator = batches(stream, 2)  # type: ignore[arg-type]
    assert await asyncio.wait_for(generator.__anext__(), timeout=2) == [1, 2]
    await generator.aclose()
    stream.put(3)
    await asyncio.sleep(0.05)
    assert stream.queue.qsize() == 1  # nobody took it
