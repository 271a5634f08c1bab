"""Sending a batch's outputs: every record awaited, failures retried together, refusals kept per record.

The topics are stand-ins with the one method the sender calls (``send``, returning a
future the test settles); the agents on a real broker are in tests/integration.
"""

from __future__ import annotations

import asyncio
from types import SimpleNamespace
from typing import Any

import pytest
from aiokafka.errors import MessageSizeTooLargeError, UnknownError

from streams.runtime import sender as sender_module
from streams.runtime.handling import Outgoing
from streams.runtime.sender import OutputRejected, Sender


class Topic:
    """Answers each send with a future: failed with ``fail(value, attempt)`` if it says so, else done."""

    def __init__(self, fail: Any = None):
        self.fail = fail or (lambda value, attempt: None)
        self.sends: list[bytes] = []

    async def send(self, *, key: Any, value: bytes, headers: Any, partition: Any) -> asyncio.Future[Any]:
        attempt = self.sends.count(value)
        self.sends.append(value)
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        error = self.fail(value, attempt)
        if error is None:
            future.set_result(SimpleNamespace(offset=len(self.sends)))
        else:
            future.set_exception(error)
        return future


def outgoing(value: bytes) -> Outgoing:
    return Outgoing("marsad.articles.events", value, value)


@pytest.fixture(autouse=True)
def quick(monkeypatch: Any) -> None:
    monkeypatch.setattr(asyncio, "sleep", _no_sleep)


_real_sleep = asyncio.sleep


async def _no_sleep(delay: float, *args: Any) -> None:
    await _real_sleep(0)


def app() -> Any:
    return SimpleNamespace(should_stop=False)


async def test_failed_records_of_several_inputs_are_sent_again_together_until_they_pass() -> None:
    topic = Topic(lambda value, attempt: UnknownError() if value != b"ok" and attempt < 3 else None)
    sender = Sender(app(), {"marsad.articles.events": topic})
    flights = [await sender.start([outgoing(b"a"), outgoing(b"ok")]), await sender.start([outgoing(b"b")])]
    await sender.settle(flights)
    assert [len(f.acknowledged()) for f in flights] == [2, 1]
    # three rounds of retries, each sending both failed records
    assert topic.sends == [b"a", b"ok", b"b"] + [b"a", b"b"] * 3


async def test_a_refused_record_is_kept_for_its_input_and_the_others_still_pass() -> None:
    topic = Topic(lambda value, attempt: MessageSizeTooLargeError() if value == b"big" else None)
    sender = Sender(app(), {"marsad.articles.events": topic})
    refused, fine = await sender.start([outgoing(b"big")]), await sender.start([outgoing(b"small")])
    await sender.settle([refused, fine])
    with pytest.raises(OutputRejected) as caught:
        refused.acknowledged()
    assert caught.value.message.value == b"big"
    assert len(fine.acknowledged()) == 1
    assert topic.sends == [b"big", b"small"]  # a refusal is not retried


async def test_an_error_retried_a_few_times_is_raised_after_its_rounds(monkeypatch: Any) -> None:
    monkeypatch.setattr(sender_module, "FEW", 3)
    topic = Topic(lambda value, attempt: UnknownError())
    sender = Sender(app(), {"marsad.articles.events": topic})
    flight = await sender.start([outgoing(b"a")])
    with pytest.raises(UnknownError):
        await sender.settle([flight])
    assert topic.sends == [b"a"] * 4
