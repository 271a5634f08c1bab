"""The agents of a stateful aggregator (``Kind.AGGREGATE``): the stories stage.

Two Faust agents per spec. The first reads the source topic (PLOVER events, keyed by
article id), checks each record and re-sends it keyed by ``aggregation.regroup(record)``
(its PLOVER category) on the repartition topic, so every event that may join a story
reaches the partition holding that story; an unreadable record is dead-lettered with the
stage's name. The second reads the repartition topic, folds each record into the state
(``aggregation.apply``) and publishes the changed output (a story's full state) keyed by
``aggregation.key``; a record already counted republishes the current state
(``aggregation.replay``), so a crash between the table write and the send loses nothing.
There is no publish-once gate: the output topic is compacted and carries full states.

The state lives in ONE changelogged Faust table, its mappings told apart by a key prefix:
Faust writes a table's changes to its changelog partition in order, so after a crash the
changelog holds a prefix of one record's writes (the story before its member entry),
which ``apply`` tolerates. Offsets are acknowledged after the output is acknowledged, and
Faust flushes the changelog before it commits them (``docs/delivery.md``).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Iterator, MutableMapping
from typing import Any

import faust
import orjson

from streams.io.topics import DLQ
from streams.runtime.agent import Agent, raw_topic
from streams.runtime.guard import DeliveryGuard
from streams.runtime.handling import Outgoing, dead_letter, headers_for
from streams.runtime.metrics import DEAD_LETTERED, FAILED, LATENCY, PROCESSED
from streams.runtime.sender import OutputRejected
from streams.settings import Settings
from streams.stages.spec import Aggregation, StageContext, StageSpec

log = logging.getLogger(__name__)


class TableView(MutableMapping[str, Any]):
    """One of the state's mappings inside a Faust table: str keys under a prefix, JSON values.

    Every assignment writes the whole value (the changelog records it); reads decode it.
    """

    def __init__(self, table: Any, prefix: str):
        self.table = table
        self.prefix = prefix.encode() + b"\x00"

    def _key(self, key: str) -> bytes:
        return self.prefix + key.encode()

    def __getitem__(self, key: str) -> Any:
        value = self.table.get(self._key(key))
        if value is None:
            raise KeyError(key)
        return orjson.loads(value)

    def __setitem__(self, key: str, value: Any) -> None:
        self.table[self._key(key)] = orjson.dumps(value)

    def __delitem__(self, key: str) -> None:
        del self.table[self._key(key)]

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and self.table.get(self._key(key)) is not None

    def __iter__(self) -> Iterator[str]:
        for key in list(self.table.keys()):
            if key.startswith(self.prefix):
                yield key[len(self.prefix):].decode()

    def __len__(self) -> int:
        return sum(1 for _ in self)


class AggregateAgent(Agent):
    """Re-key the input, then fold it into changelogged state and publish what changed."""

    def __init__(self, app: faust.App, spec: StageSpec, settings: Settings, context: StageContext):
        super().__init__(app, spec, settings, context)
        assert spec.aggregation is not None and spec.sink is not None
        self.aggregation: Aggregation = spec.aggregation
        self.regrouped = raw_topic(app, self.aggregation.repartition, settings)
        self.table = app.Table(
            f"{spec.name}-state", default=None, partitions=settings.partitions, key_type=bytes, value_type=bytes
        )
        self.state = self.aggregation.state(**{name: TableView(self.table, name) for name in self.aggregation.tables})
        self.guards = [
            DeliveryGuard(app, spec.name, spec.source),
            DeliveryGuard(app, spec.name, self.aggregation.repartition),
        ]

    @property
    def last_event_at(self) -> float:
        if any(guard.busy for guard in self.guards):
            return time.monotonic()
        return max(guard.last_event_at for guard in self.guards)

    def register(self) -> None:
        self.app.timer(interval=DeliveryGuard.CHECK_INTERVAL, name=f"marsad.{self.spec.name}.delivery-guard")(
            self.check_delivery
        )
        self.app.agent(self.source, name=f"marsad.{self.spec.name}.regroup")(self.regroup)
        self.app.agent(self.regrouped, name=f"marsad.{self.spec.name}")(self.aggregate)

    async def _each(self, stream: faust.StreamT, guard: DeliveryGuard, handle: Any) -> None:
        """noack: a message is acknowledged only after what it produced was acknowledged."""
        async for event in stream.noack().events():
            await guard.delivered(event.message)
            started = time.perf_counter()
            try:
                await handle(event.message)
            except asyncio.CancelledError:
                raise
            except Exception as error:
                log.exception("stage %s cannot publish; stopping the worker (the message will be re-delivered)", self.spec.name)
                await self.app.crash(error)
                raise
            finally:
                guard.done()
            LATENCY.labels(self.spec.name).observe(time.perf_counter() - started)
            await stream.ack(event)

    async def regroup(self, stream: faust.StreamT) -> None:
        await self._each(stream, self.guards[0], self.forward)

    async def aggregate(self, stream: faust.StreamT) -> None:
        await self._each(stream, self.guards[1], self.fold)

    def _decode(self, message: Any) -> Any:
        value = message.value
        if value is None:
            raise ValueError("message has no value")
        if len(value) > self.settings.max_record_bytes:
            raise ValueError(f"message of {len(value)} bytes exceeds the limit of {self.settings.max_record_bytes}")
        return self.spec.input.from_json(value)

    async def _dead_letter(self, message: Any, error: BaseException) -> None:
        letter = dead_letter(
            self.spec.name, message.key, message.value, error, self.context,
            topic=message.topic, partition=message.partition, offset=message.offset,
            max_payload_bytes=self.settings.max_message_bytes,
        )
        await self.sender.send([Outgoing(DLQ, message.key, letter.to_json(), headers_for(self.spec.name, letter, self.context))])
        FAILED.labels(self.spec.name, type(error).__name__).inc()
        DEAD_LETTERED.labels(self.spec.name).inc()

    async def forward(self, message: Any) -> None:
        """A source record re-keyed onto the repartition topic (or dead-lettered)."""
        try:
            record = self._decode(message)
            key = self.aggregation.regroup(record).encode()
        except Exception as error:  # noqa: BLE001 - every unreadable input becomes a dead letter
            await self._dead_letter(message, error)
            return
        headers = list(message.headers.items()) if isinstance(message.headers, dict) else list(message.headers or ())
        await self.sender.send([Outgoing(self.aggregation.repartition, key, message.value, headers)])

    async def fold(self, message: Any) -> None:
        """One re-keyed record into the state; its changed output (or current one, on a repeat) published."""
        try:
            record = self._decode(message)
            _, changed = self.aggregation.apply(self.state, record)
            output = changed if changed is not None else self.aggregation.replay(self.state, record)
        except Exception as error:  # noqa: BLE001 - a record the stage cannot fold is dead-lettered
            log.warning("stage %s: cannot fold a record (%s: %s); dead-lettered", self.spec.name, type(error).__name__, error)
            await self._dead_letter(message, error)
            return
        if output is None:
            PROCESSED.labels(self.spec.name).inc()
            return
        outgoing = Outgoing(
            self.spec.sink, self.aggregation.key(output).encode(), output.to_json(),  # type: ignore[arg-type]
            headers_for(self.spec.name, output, self.context),
        )
        try:
            await self.sender.send([outgoing])
        except OutputRejected as rejected:
            await self._dead_letter(message, rejected.error)
            return
        PROCESSED.labels(self.spec.name).inc()

    async def check_delivery(self) -> None:
        for guard in self.guards:
            await guard.check_idle_partitions()
