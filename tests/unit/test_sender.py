"""Sending a batch's outputs: every record awaited, failures retried together, refusals kept per record.

The producer is a stand-in with the one method the sender calls (the Faust driver's
``send``, returning a future the test settles); the agents on a real broker are in
tests/integration.
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


class Producer:
    """Answers each send with a future: failed with ``fail(value, attempt)`` if it says so, else done."""

    def __init__(self, fail: Any = None):
        self.fail = fail or (lambda value, attempt: None)
        self.sends: list[bytes] = []

    async def send(
        self, topic: str, key: Any, value: bytes, partition: Any, timestamp: Any, headers: Any
    ) -> asyncio.Future[Any]:
        assert topic == TOPIC and timestamp is None
        attempt = self.sends.count(value)
        self.sends.append(value)
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        error = self.fail(value, attempt)
        if error is None:
            future.set_result(SimpleNamespace(offset=len(self.sends)))
        else:
            future.set_exception(error)
        return future


TOPIC = "marsad.articles.events"


def outgoing(value: bytes) -> Outgoing:
    return Outgoing(TOPIC, value, value)


@pytest.fixture(autouse=True)
def quick(monkeypatch: Any) -> None:
    monkeypatch.setattr(asyncio, "sleep", _no_sleep)


_real_sleep = asyncio.sleep


async def _no_sleep(delay: float, *args: Any) -> None:
    await _real_sleep(0)


def sender_for(producer: Producer) -> Sender:
    app = SimpleNamespace(should_stop=False, producer=producer)
    return Sender(app, {TOPIC: SimpleNamespace(get_topic_name=lambda: TOPIC)})  # type: ignore[arg-type]


async def test_failed_records_of_several_inputs_are_sent_again_together_until_they_pass() -> None:
    producer = Producer(lambda value, attempt: UnknownError() if value != b"ok" and attempt < 3 else None)
    sender = sender_for(producer)
    flights = [await sender.start([outgoing(b"a"), outgoing(b"ok")]), await sender.start([outgoing(b"b")])]
    await sender.settle(flights)
    assert [len(f.acknowledged()) for f in flights] == [2, 1]
    # three rounds of retries, each sending both failed records
    assert producer.sends == [b"a", b"ok", b"b"] + [b"a", b"b"] * 3


async def test_a_refused_record_is_kept_for_its_input_and_the_others_still_pass() -> None:
    producer = Producer(lambda value, attempt: MessageSizeTooLargeError() if value == b"big" else None)
    sender = sender_for(producer)
    refused, fine = await sender.start([outgoing(b"big")]), await sender.start([outgoing(b"small")])
    await sender.settle([refused, fine])
    with pytest.raises(OutputRejected) as caught:
        refused.acknowledged()
    assert caught.value.message.value == b"big"
    assert len(fine.acknowledged()) == 1
    assert producer.sends == [b"big", b"small"]  # a refusal is not retried


async def test_an_error_retried_a_few_times_is_raised_after_its_rounds(monkeypatch: Any) -> None:
    monkeypatch.setattr(sender_module, "FEW", 3)
    producer = Producer(lambda value, attempt: UnknownError())
    sender = sender_for(producer)
    flight = await sender.start([outgoing(b"a")])
    with pytest.raises(UnknownError):
        await sender.settle([flight])
    assert producer.sends == [b"a"] * 4
