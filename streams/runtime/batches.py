"""A Faust stream's events in batches, never acknowledged here.

Faust's own ``Stream.take_events`` acknowledges a batch in a ``finally`` clause, so a batch
whose processing failed (the worker crashing because it cannot publish) is acknowledged
all the same when the generator is closed, and may be committed on the way down. Here a
feeder task moves events from the stream (``noack``) into a bounded inbox and the
generator yields what the inbox holds; the caller acknowledges each event once what it
produced is acknowledged, and an event not acknowledged is read again after a restart.

A rebalance waits until every event taken from the stream is acknowledged
(``stream_wait_empty``), so the generator never waits for more input while it holds
events beyond ``fill_within`` (default: not at all), and the feeder holds at most one
event while the inbox is full, which the caller is draining.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Any

import faust


async def batches(stream: faust.StreamT, max_size: int, *, fill_within: float = 0.0) -> AsyncIterator[list[Any]]:
    """Lists of 1 to ``max_size`` events in stream order; ``fill_within`` seconds to fill one."""
    inbox: asyncio.Queue[Any] = asyncio.Queue(maxsize=max_size)
    feeder = asyncio.ensure_future(_feed(stream, inbox))
    try:
        while True:
            first = await _next(inbox, feeder, None)
            if first is None:
                return  # the stream ended
            batch = [first]
            deadline = time.monotonic() + fill_within
            while len(batch) < max_size:
                if not inbox.empty():
                    batch.append(inbox.get_nowait())
                    continue
                left = deadline - time.monotonic()
                event = await _next(inbox, feeder, left) if left > 0 else None
                if event is None:
                    break
                batch.append(event)
            yield batch
    finally:
        feeder.cancel()


async def _feed(stream: faust.StreamT, inbox: asyncio.Queue[Any]) -> None:
    async for event in stream.noack().events():
        await inbox.put(event)


async def _next(inbox: asyncio.Queue[Any], feeder: asyncio.Future[None], timeout: float | None) -> Any | None:
    """The next event, or None after ``timeout`` or when the stream ended (raising what it raised)."""
    if not inbox.empty():
        return inbox.get_nowait()
    taking = asyncio.ensure_future(inbox.get())
    try:
        await asyncio.wait((taking, feeder), timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
    finally:
        if not taking.done():
            taking.cancel()  # an item not yet taken stays in the inbox
    if taking.done() and not taking.cancelled():
        return taking.result()
    if feeder.done():
        feeder.result()
    return None
