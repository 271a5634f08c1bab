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
which ``apply`` tolerates. Both agents take their input in batches, as the stage agents
do: a batch's outputs go to the producer together, its offsets are acknowledged after
every output of the batch is, and Faust flushes the changelog before it commits them
(``docs/delivery.md``).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Iterator, MutableMapping
from typing import Any, NamedTuple

import faust
import orjson

from streams.io.topics import DLQ
from streams.runtime.agent import Agent, as_current, raw_topic
from streams.runtime.batches import batches
from streams.runtime.guard import DeliveryGuard
from streams.runtime.handling import Outgoing, dead_letter, headers_for
from streams.runtime.metrics import DEAD_LETTERED, FAILED, LATENCY, PROCESSED
from streams.runtime.sender import OutputRejected
from streams.settings import Settings
from streams.stages.spec import Aggregation, StageContext, StageSpec

log = logging.getLogger(__name__)


class _Outcome(NamedTuple):
    """What one input of a batch gives: an output to publish, an error to dead-letter, or neither."""

    message: Any
    output: Outgoing | None = None
    error: BaseException | None = None


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
        self.table[self._key(key)] = exact_json(value)

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


def exact_json(value: Any) -> bytes:
    """``orjson.dumps(value)`` in a bytes object of its own size, for values the state keeps.

    orjson's result keeps the buffer it was written into: about 4 KB resident for a story id,
    8 KB for a 1 KB story. The state holds one value per story and per event for as long as
    the worker runs, so each is copied into an exact-size object (1 µs for a story).
    """
    return bytes(memoryview(orjson.dumps(value)))


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

    async def _batched(self, stream: faust.StreamT, guard: DeliveryGuard, handle: Any) -> None:
        """Inputs in batches (:func:`~streams.runtime.batches.batches`): ``handle`` hands a
        batch's outputs to the producer together, and each input is acknowledged only after
        every output of its batch was (``docs/delivery.md``)."""
        async for batch in batches(stream, self.settings.batch_max):
            for event in batch:
                await guard.delivered(event.message)
            started = time.perf_counter()
            try:
                await handle(batch)
            except asyncio.CancelledError:
                raise  # not acknowledged: re-delivered after the restart
            except Exception as error:
                log.exception("stage %s cannot publish; stopping the worker (the messages will be re-delivered)", self.spec.name)
                await self.app.crash(error)
                raise
            finally:
                guard.done()
            elapsed = time.perf_counter() - started
            for event in batch:
                LATENCY.labels(self.spec.name).observe(elapsed)
                await stream.ack(event)

    async def regroup(self, stream: faust.StreamT) -> None:
        await self._batched(stream, self.guards[0], self.forward)

    async def aggregate(self, stream: faust.StreamT) -> None:
        await self._batched(stream, self.guards[1], self.fold)

    def _decode(self, message: Any) -> Any:
        value = message.value
        if value is None:
            raise ValueError("message has no value")
        if len(value) > self.settings.max_record_bytes:
            raise ValueError(f"message of {len(value)} bytes exceeds the limit of {self.settings.max_record_bytes}")
        return self.spec.input.from_json(value)

    def _letter(self, message: Any, error: BaseException) -> Outgoing:
        letter = dead_letter(
            self.spec.name, message.key, message.value, error, self.context,
            topic=message.topic, partition=message.partition, offset=message.offset,
            max_payload_bytes=self.settings.max_message_bytes,
        )
        return Outgoing(DLQ, message.key, letter.to_json(), headers_for(self.spec.name, letter, self.context))

    async def forward(self, events: list[Any]) -> None:
        """Source records re-keyed onto the repartition topic (or dead-lettered)."""
        outcomes: list[_Outcome] = []
        for event in events:
            message = event.message
            try:
                record = self._decode(message)
                key = self.aggregation.regroup(record).encode()
            except Exception as error:  # noqa: BLE001 - every unreadable input becomes a dead letter
                outcomes.append(_Outcome(message, error=error))
                continue
            headers = list(message.headers.items()) if isinstance(message.headers, dict) else list(message.headers or ())
            outcomes.append(_Outcome(message, Outgoing(self.aggregation.repartition, key, message.value, headers)))
        await self._publish(outcomes, count=False)

    async def fold(self, events: list[Any]) -> None:
        """Re-keyed records into the state in order; each one's changed output (or current
        one, on a repeat) published. The state's table writes go to the partition of the
        input that made them, so each record is folded as Faust's current event."""
        outcomes: list[_Outcome] = []
        for event in events:
            message = event.message
            as_current(event)
            try:
                record = self._decode(message)
                _, changed = self.aggregation.apply(self.state, record)
                output = changed if changed is not None else self.aggregation.replay(self.state, record)
            except Exception as error:  # noqa: BLE001 - a record the stage cannot fold is dead-lettered
                log.warning("stage %s: cannot fold a record (%s: %s); dead-lettered", self.spec.name, type(error).__name__, error)
                outcomes.append(_Outcome(message, error=error))
                continue
            if output is None:
                outcomes.append(_Outcome(message))
                continue
            outgoing = Outgoing(
                self.spec.sink, self.aggregation.key(output).encode(), output.to_json(),  # type: ignore[arg-type]
                headers_for(self.spec.name, output, self.context),
            )
            outcomes.append(_Outcome(message, outgoing))
        await self._publish(outcomes, count=True)

    async def _publish(self, outcomes: list[_Outcome], *, count: bool) -> None:
        """Every output and dead letter of a batch handed to the producer in input order,
        then awaited together; an input whose output the broker refused for good is
        dead-lettered. ``count``: successes count as processed (the folding agent's)."""
        flights = []
        for outcome in outcomes:
            sent = [outcome.output] if outcome.output is not None else []
            if outcome.error is not None:
                sent = [self._letter(outcome.message, outcome.error)]
            flights.append(await self.sender.start(sent))
        await self.sender.settle(flights)
        for outcome, flight in zip(outcomes, flights):
            try:
                flight.acknowledged()
            except OutputRejected as rejected:
                if outcome.error is not None:
                    raise  # the dead letter itself was refused: nowhere left to put the input
                await self.sender.send([self._letter(outcome.message, rejected.error)])
                outcome = _Outcome(outcome.message, error=rejected.error)
            if outcome.error is not None:
                FAILED.labels(self.spec.name, type(outcome.error).__name__).inc()
                DEAD_LETTERED.labels(self.spec.name).inc()
            elif count:
                PROCESSED.labels(self.spec.name).inc()

    async def check_delivery(self) -> None:
        for guard in self.guards:
            await guard.check_idle_partitions()
