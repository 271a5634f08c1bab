"""A revocation waits for the messages the agents still hold, and for nothing else.

Faust's consumer bookkeeping (built without ``__init__``) and mode's flow control with the
fix of :func:`streams.runtime.patches.wait_only_for_messages_held` applied. The hang it
closes: a PLOVER event read by two agents of one worker had one copy acknowledged and the
other dropped from a queue the revocation cleared, and ``wait_empty`` waited for it for
ever (a second ``--stage all`` worker joining under load hung the first one).
"""

from __future__ import annotations

import asyncio
import weakref
from typing import Any

import pytest
from faust.events import Event
from faust.transport.drivers.aiokafka import Consumer
from faust.types import Message
from mode.utils.queues import FlowControlEvent, ThrowableQueue

from streams.runtime import patches

TOPIC = "marsad.events.plover"


@pytest.fixture(autouse=True)
def applied() -> None:
    patches.apply()


def message(offset: int, readers: int) -> Message:
    found = Message(TOPIC, 0, offset, 0.0, 0, None, b"k", b"v", None)
    found.incref(readers)  # the conductor counts one copy per agent reading the topic
    return found


def event(of: Message) -> Event:
    return Event(None, of.key, of.value, None, of)  # type: ignore[arg-type]


class Bookkeeping:
    """The consumer's unacknowledged set, and what the wait did."""

    def __init__(self, *messages: Message):
        self.consumer: Any = Consumer.__new__(Consumer)
        self.consumer._unacked_messages = weakref.WeakSet(messages)
        self.consumer._stopped = asyncio.Event()
        self.consumer._crashed = asyncio.Event()
        self.commits = 0

        async def commit(*_: Any, **__: Any) -> bool:
            self.commits += 1
            return True

        async def wait_for_ack(timeout: float) -> None:
            await asyncio.sleep(min(timeout, 0.05))

        self.consumer.commit = commit
        self.consumer.commit_and_end_transactions = commit
        self.consumer._wait_for_ack = wait_for_ack

    @property
    def waiting_for(self) -> set[int]:
        self.consumer._clean_unacked_messages()
        return {m.offset for m in self.consumer._unacked_messages}


async def test_a_copy_dropped_from_a_cleared_queue_is_not_waited_for_nor_acknowledged() -> None:
    flow = FlowControlEvent()
    store_queue: ThrowableQueue[Any] = ThrowableQueue(maxsize=10, flow_control=flow, clear_on_resume=True)
    dropped, held = message(40, readers=2), message(41, readers=2)
    books = Bookkeeping(dropped, held)
    dropped.decref()  # the stories agent acknowledged its copy; the store's copy waits in its queue
    store_queue.put_nowait(event(dropped))
    # ``held``: both agents took their copies and are still working on one of them
    held.decref()
    flow.clear()  # the revocation
    assert books.waiting_for == {41}
    assert not dropped.acked  # so not committed: read again after the assignment
    held.decref()  # the last agent holding it is done
    assert books.waiting_for == set()


async def test_a_delivery_waiting_on_a_full_queue_that_is_cleared_counts_as_dropped() -> None:
    flow = FlowControlEvent()
    flow.resume()  # deliveries flow (flow control starts suspended)
    full: ThrowableQueue[Any] = ThrowableQueue(maxsize=1, flow_control=flow, clear_on_resume=True)
    first, second = message(7, readers=1), message(8, readers=2)
    full.put_nowait(event(first))
    books = Bookkeeping(second)
    second.decref()  # the other agent's copy is done
    putting = asyncio.ensure_future(full.put(event(second)))
    await asyncio.sleep(0)
    flow.clear()
    with pytest.raises(asyncio.CancelledError):
        await putting
    assert books.waiting_for == set()
    assert not second.acked


async def test_the_wait_returns_when_the_held_messages_are_acknowledged_and_is_bounded(monkeypatch: Any) -> None:
    held = message(3, readers=1)
    books = Bookkeeping(held)

    async def agent_finishes() -> None:
        await asyncio.sleep(0.1)
        held.decref()
        held.acked = True

    finishing = asyncio.ensure_future(agent_finishes())
    await asyncio.wait_for(books.consumer.wait_empty(), timeout=5)
    await finishing
    assert books.waiting_for == set() and books.commits >= 1

    stuck = message(4, readers=1)
    books = Bookkeeping(stuck)
    monkeypatch.setattr(patches, "WAIT_EMPTY_LIMIT", 0.2)
    await asyncio.wait_for(books.consumer.wait_empty(), timeout=5)  # gives up instead of hanging
    assert books.waiting_for == {4} and not stuck.acked
