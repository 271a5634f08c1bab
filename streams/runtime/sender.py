"""Sending a stage's outputs and waiting for the broker's acknowledgements.

Retriable errors (broker unavailable, timeouts) are retried with back-off, holding the
partition, until they succeed or the worker stops; an output the broker refuses for good
(too large) raises :class:`OutputRejected`, which the agent dead-letters with its input.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
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
#: embedded broker answers "unknown server error" while a lost topic is being recreated.
RETRIED_A_FEW_TIMES = (UnknownError,)
#: How many times such an error is retried (with the back-off, about half a minute).
FEW = 10


def _retriable(error: BaseException, attempt: int = 0) -> bool:
    if isinstance(error, RETRIED_A_FEW_TIMES):
        return attempt < FEW
    return isinstance(error, (KafkaTimeoutError, asyncio.TimeoutError)) or bool(getattr(error, "retriable", False))


class Sender:
    """Sends outputs and waits for the broker's acknowledgements, retrying what may pass later."""

    def __init__(self, app: faust.App, topics: dict[str, faust.TopicT]):
        self.app = app
        self.topics = topics

    async def send(self, messages: Sequence[Outgoing], partition: int | None = None) -> list[Any]:
        """Send all, then wait for all; returns their record metadata in order."""
        futures = [await self._start(m, partition) for m in messages]
        return [await self._finish(m, partition, future) for m, future in zip(messages, futures)]

    async def _start(self, message: Outgoing, partition: int | None) -> Any:
        try:
            return await self.topics[message.topic].send(
                key=message.key, value=message.value, headers=message.headers, partition=partition
            )
        except SEND_ERRORS as error:
            return _Failed(error)  # raised (or retried) in _finish

    async def _finish(self, message: Outgoing, partition: int | None, future: Any) -> Any:
        delay = 0.2
        attempt = 0
        while True:
            try:
                if isinstance(future, _Failed):
                    raise future.error
                return await future
            except SEND_ERRORS as error:
                cause = _root(error)
                if isinstance(cause, REJECTED):
                    raise OutputRejected(message, cause) from error
                if not _retriable(cause, attempt) or self.app.should_stop:
                    raise
                attempt += 1
                log.warning("sending to %s failed (%r); retrying in %.1f s", message.topic, error, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)
                future = await self._start(message, partition)


class _Failed:
    def __init__(self, error: BaseException):
        self.error = error
