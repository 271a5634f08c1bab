"""Sending a stage's outputs and waiting for the broker's acknowledgements.

Retriable errors (broker unavailable, timeouts) are retried with back-off, holding the
partition, until they succeed or the worker stops; an output the broker refuses for good
(too large) raises :class:`OutputRejected`, which the agent dead-letters with its input.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import faust
from aiokafka.errors import (
    KafkaError,
    KafkaTimeoutError,
    MessageSizeTooLargeError,
    RecordListTooLargeError,
    UnknownError,
)
from faust.exceptions import ProducerSendError

from streams.runtime.handling import Outgoing

log = logging.getLogger(__name__)

#: Errors after which re-sending the same record cannot succeed.
REJECTED = (MessageSizeTooLargeError, RecordListTooLargeError)
#: What sending a record may raise (Faust wraps the client's errors in ProducerSendError).
SEND_ERRORS = (KafkaError, ProducerSendError, asyncio.TimeoutError)


class OutputRejected(Exception):
    """The broker or producer refused an output for good (e.g. too large)."""

    def __init__(self, message: Outgoing, error: BaseException):
        super().__init__(f"{type(error).__name__}: {error}")
        self.message = message
        self.error = error


def _root(error: BaseException) -> BaseException:
    """The Kafka client's error behind Faust's ``ProducerSendError`` wrapper."""
    if isinstance(error, ProducerSendError) and error.__cause__ is not None:
        return error.__cause__
    return error


#: Errors worth a few more tries though the client does not call them retriable: the
#: embedded broker answers "unknown server error" while a lost topic is being recreated,
#: and, after it restarted under traffic, for a partition whose offsets it lost count of
#: (each refused produce moves its count on by the records refused, so the retries send
#: every failed record together, in many quick rounds).
RETRIED_A_FEW_TIMES = (UnknownError,)
#: How many rounds of retries such an error gets, and the longest pause between them
#: (about a minute in all).
FEW = 60
FEW_MAX_DELAY = 1.0


def _retriable(error: BaseException, attempt: int = 0) -> bool:
    if isinstance(error, RETRIED_A_FEW_TIMES):
        return attempt < FEW
    return isinstance(error, (KafkaTimeoutError, asyncio.TimeoutError)) or bool(getattr(error, "retriable", False))


class Sender:
    """Sends outputs and waits for the broker's acknowledgements, retrying what may pass later."""

    def __init__(self, app: faust.App, topics: dict[str, faust.TopicT]):
        self.app = app
        #: The name each output topic is produced to (the declared topic's own name).
        self.names = {name: topic.get_topic_name() for name, topic in topics.items()}

    async def send(self, messages: Sequence[Outgoing], partition: int | None = None) -> list[Any]:
        """Send all, then wait for all; returns their record metadata in order."""
        flight = await self.start(messages, partition)
        await self.settle([flight])
        return flight.acknowledged()

    async def start(self, messages: Sequence[Outgoing], partition: int | None = None) -> InFlight:
        """Hand all to the producer without waiting for the broker (see :meth:`settle`)."""
        futures = [await self._start(m, partition) for m in messages]
        return InFlight(messages, partition, futures, [None] * len(messages))

    async def settle(self, flights: Sequence[InFlight]) -> None:
        """Wait until the broker acknowledged or refused for good every message of ``flights``.

        What failed and may pass later is sent again, all of it together after one pause
        (a partition's retries go in one request, not one record per request), until it
        passes or the error is not worth retrying (raised) or the worker stops.
        """
        pending = [(flight, index) for flight in flights for index in range(len(flight.messages))]
        delay = 0.2
        attempt = 0
        while pending:
            failed: list[tuple[InFlight, int]] = []
            last: BaseException | None = None
            for flight, index in pending:
                future = flight.futures[index]
                try:
                    if isinstance(future, _Failed):
                        raise future.error
                    flight.results[index] = await future
                except SEND_ERRORS as error:
                    cause = _root(error)
                    if isinstance(cause, REJECTED):
                        flight.results[index] = OutputRejected(flight.messages[index], cause)
                        continue
                    if not _retriable(cause, attempt) or self.app.should_stop:
                        raise
                    failed.append((flight, index))
                    last = error
            if not failed:
                return
            attempt += 1
            topics = sorted({flight.messages[index].topic for flight, index in failed})
            log.warning("sending %d record(s) to %s failed (%r); retrying in %.1f s", len(failed), ", ".join(topics), last, delay)
            await asyncio.sleep(delay)
            delay = min(delay * 2, FEW_MAX_DELAY if isinstance(_root(last), RETRIED_A_FEW_TIMES) else 5.0)  # type: ignore[arg-type]
            for flight, index in failed:
                flight.futures[index] = await self._start(flight.messages[index], flight.partition)
            pending = failed

    async def _start(self, message: Outgoing, partition: int | None) -> Any:
        """perf: straight to the app's producer, past Faust's ``Topic.send`` (its pending
        message, serialiser lookups and send sensors cost more per record than the send):
        records are bytes already, and acknowledgements are awaited here, not attached to
        the event (``stream_publish_on_commit`` is off)."""
        try:
            return await self.app.producer.send(
                self.names[message.topic], message.key, message.value, partition, None, message.headers
            )
        except SEND_ERRORS as error:
            return _Failed(error)  # raised (or retried) in settle


@dataclass(frozen=True, slots=True)
class InFlight:
    """Messages handed to the producer, what the producer gave back for each, and (once
    :meth:`Sender.settle` returned) each one's record metadata or :class:`OutputRejected`."""

    messages: Sequence[Outgoing]
    partition: int | None
    futures: list[Any]
    results: list[Any]

    def acknowledged(self) -> list[Any]:
        """The record metadata of every message in order; raises the first refusal."""
        for result in self.results:
            if isinstance(result, OutputRejected):
                raise result
        return list(self.results)


class _Failed:
    def __init__(self, error: BaseException):
        self.error = error
