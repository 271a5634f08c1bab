"""The agent of a sink stage (``Kind.SINK``): the store worker.

It reads every topic of its spec (enriched articles, PLOVER events, stories) in batches
and hands each batch of values to the spec's writer (the dashboard's ``StoreSink``); the
offsets are acknowledged after the writer returned, so a crash before that re-delivers
the batch, and the writer's upsert by id and pipeline version rewrites the same rows.
Records the writer cannot read are dead-lettered with the stage's name. While another
process holds the store's lock past the writer's timeout the batch is retried, holding
its partitions, until the worker stops.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

import faust

from streams.io.topics import DLQ
from streams.runtime.agent import Agent, raw_topic
from streams.runtime.batches import batches
from streams.runtime.guard import DeliveryGuard
from streams.runtime.handling import Outgoing, dead_letter, headers_for
from streams.runtime.metrics import DEAD_LETTERED, FAILED, LATENCY, PROCESSED
from streams.settings import Settings
from streams.stages.spec import StageContext, StageSpec

log = logging.getLogger(__name__)

#: Most records one write takes, and how long a batch waits to fill (seconds).
BATCH = 500
WITHIN = 0.5


class RecordUnreadable(ValueError):
    """The sink's writer could not read a record (its reason is the message)."""


class SinkAgent(Agent):
    """Batches of the input topics written outside Kafka, then acknowledged."""

    def __init__(self, app: faust.App, spec: StageSpec, settings: Settings, context: StageContext):
        super().__init__(app, spec, settings, context)
        assert spec.writer is not None
        self.writer = spec.writer(settings)
        first, *others = spec.input_topics
        self.inputs = raw_topic(app, first, settings, *others)
        self.guards = {topic: DeliveryGuard(app, spec.name, topic) for topic in spec.input_topics}

    @property
    def last_event_at(self) -> float:
        if any(guard.busy for guard in self.guards.values()):
            return time.monotonic()
        return max(guard.last_event_at for guard in self.guards.values())

    def register(self) -> None:
        self.app.timer(interval=DeliveryGuard.CHECK_INTERVAL, name=f"marsad.{self.spec.name}.delivery-guard")(
            self.check_delivery
        )
        self.app.agent(self.inputs, name=f"marsad.{self.spec.name}")(self.process)

    async def process(self, stream: faust.StreamT) -> None:
        async for events in batches(stream, BATCH, fill_within=WITHIN):
            for event in events:
                await self.guards[event.message.topic].delivered(event.message)
            started = time.perf_counter()
            try:
                await self.write([event.message for event in events])
            except asyncio.CancelledError:
                raise
            except Exception as error:
                log.exception("stage %s cannot write; stopping the worker (the batch will be re-delivered)", self.spec.name)
                await self.app.crash(error)
                raise
            finally:
                for event in events:
                    self.guards[event.message.topic].done()
            LATENCY.labels(self.spec.name).observe(time.perf_counter() - started)
            for event in events:
                await stream.ack(event)

    async def write(self, messages: list[Any]) -> None:
        """One batch through the writer (retried while the store is busy); unreadable records dead-lettered."""
        values = [message.value for message in messages]
        delay = 0.5
        while True:
            try:
                counts = await self.writer.handle(values)
                break
            except Exception as error:  # noqa: BLE001 - StoreBusy and I/O errors: hold the partitions and retry
                if self.app.should_stop or not _retriable(error):
                    raise
                log.warning("stage %s: the store is unavailable (%s); retrying in %.1f s", self.spec.name, error, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)
        letters = []
        for position, reason in zip(counts.rejected, counts.skipped):
            message = messages[position]
            letter = dead_letter(
                self.spec.name, message.key, message.value, RecordUnreadable(reason), self.context,
                topic=message.topic, partition=message.partition, offset=message.offset,
                max_payload_bytes=self.settings.max_message_bytes,
            )
            letters.append(Outgoing(DLQ, message.key, letter.to_json(), headers_for(self.spec.name, letter, self.context)))
        if letters:
            await self.sender.send(letters)
            FAILED.labels(self.spec.name, RecordUnreadable.__name__).inc(len(letters))
            DEAD_LETTERED.labels(self.spec.name).inc(len(letters))
        PROCESSED.labels(self.spec.name).inc(len(messages) - len(letters))

    async def check_delivery(self) -> None:
        for guard in self.guards.values():
            await guard.check_idle_partitions()


def _retriable(error: BaseException) -> bool:
    """A busy store (another process holds its lock) or an I/O error may pass later."""
    return type(error).__name__ == "StoreBusy" or isinstance(error, OSError)
