"""One thin Faust agent per stage: hand each message to :mod:`streams.handling`, send the result.

Delivery guarantee
==================

**Intermediate topics** (``normalised``, ``entities``, ``events``) and the dead-letter
topic are *at least once*. An input message is acknowledged only after the broker has
acknowledged every output of it (``acks=all``), and Faust commits an offset only when it
and every offset before it are acknowledged, after flushing the producer. The stream is
iterated with ``noack()``: Faust otherwise acknowledges an event in a ``finally`` block
even when its processing was cancelled (shutdown) or crashed, which committed messages
that never produced an output. So a crash or a kill re-delivers, never loses, and may
repeat an intermediate record. On SIGTERM Faust stops fetching, waits for the event in
flight (``stream_wait_empty``), and commits before the worker leaves its group, so a
restarted worker neither repeats nor skips anything.

At least once also needs every assigned message to be *delivered* to the agent: after
an assignment Faust 0.15 with aiokafka could drop the first fetched records of a
partition for the life of the worker (offsets committed at 0, or a race between its
resume and its seek). :func:`streams.faust_fixes.seek_before_resume` fixes both; the
:class:`DeliveryGuard` of each agent re-reads what still slips through (records fetched
but never delivered), and ``marsad_offset_gaps_total`` counts every such hole.

**Consumer-facing topics** (``enriched`` and ``events.plover``) are *effectively once*:
each enriched record's article id, and each PLOVER record's event id, appears **once per
pipeline version**, also across retries, crashes (``kill -9``), restarts, rebalances and
replays of the same articles. They pass the *publish-once gate* of their stage (stance,
events):

- a Faust table ``published-<stage>`` (memory store, changelogged to Kafka, so it is
  rebuilt on restart and follows its partition to another worker) maps keys to the
  pipeline versions already published: the *group* key of an input article once all its
  gated outputs are acknowledged (one write per article, however many PLOVER events it
  has), and the gate key of single outputs found by reconciliation; plus a per-partition
  *watermark*: the offset, on the output topic, of the last gated record this partition
  published;
- gated outputs of source partition *p* go to partition *p* of the output topic (the
  same partition the article-id key hashes to, so one article stays in one partition);
- an output is sent only when the table does not hold its version, and the table is
  updated only after the broker acknowledged the output;
- the gap between that acknowledgement and the changelog write is closed by
  *reconciliation*: before the first message of a partition after each (re)assignment
  the gate reads the output partition from its watermark to the end and records what is
  there (key and ``marsad-pipeline-version`` header). An output acknowledged just before
  a crash is therefore found in the output topic itself, even when the table update
  never reached the changelog.

What this does not cover, stated plainly: a *zombie* — a worker that lost its
partitions (evicted after ``MARSAD_SESSION_TIMEOUT`` without heartbeats, e.g. a frozen
VM) but is still sending — can race the new owner; without Kafka transactions nothing
fences it, so a duplicate is possible in that case. Ordinary rebalances and shutdowns
are safe: Faust waits for in-flight events (``stream_wait_empty``) and flushes before
it gives partitions up. The gate also assumes every Marsad topic has the same partition
count (``marsad topics create`` makes them so).

Reprocessing under the *same* pipeline version therefore republishes nothing to the
consumer-facing topics (intermediate topics are re-run); to republish history, run the
reprocessed stage with a new version, e.g. ``MARSAD_PIPELINE_TAG=lexicon-2`` (see
``marsad reprocess``). A changed lexicon changes the version by itself (knowledge
fingerprint).

Failures of the broker to take an output: a record too large for the producer or broker
(``MARSAD_MAX_RECORD_BYTES``, ``message.max.bytes``) is dead-lettered with the input;
retriable errors (broker unavailable, timeouts) are retried with back-off, holding the
partition, until they succeed or the worker stops (then the message is re-delivered).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence
from typing import Any

import faust
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.errors import KafkaError, KafkaTimeoutError, MessageSizeTooLargeError, RecordListTooLargeError
from faust.exceptions import ProducerSendError

from streams.handling import Outgoing, gate_key_of, handle_message, output_failed
from streams.kafka import client_options
from streams.observability import DEAD_LETTERED, DUPLICATES, FAILED, GAPS, LATENCY, PROCESSED, RECONCILED
from streams.settings import Settings
from streams.context import stage_context
from streams.stages.pipeline import StageContext
from streams.topics import DLQ, ENRICHED, HEADER_PIPELINE, PLOVER, STAGE_TOPICS

log = logging.getLogger(__name__)

#: Stages whose outputs are consumer-facing, and the topics their gate guards.
GATED_TOPICS: dict[str, tuple[str, ...]] = {"events": (PLOVER,), "stance": (ENRICHED,)}
GATED_STAGES = frozenset(GATED_TOPICS)

#: Table keys of the per-partition watermarks (article ids never start with NUL).
WATERMARK_PREFIX = b"\x00watermark\x00"
#: Table keys marking all the gated outputs of one input article as published.
GROUP_PREFIX = b"\x00article\x00"

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


def _topic(app: faust.App, name: str, settings: Settings) -> faust.TopicT:
    return app.topic(
        name,
        key_type=bytes,
        value_type=bytes,
        key_serializer="raw",
        value_serializer="raw",
        partitions=settings.partitions,
        replicas=settings.replication_factor,
    )


def _root(error: BaseException) -> BaseException:
    """The Kafka client's error behind Faust's ``ProducerSendError`` wrapper."""
    if isinstance(error, ProducerSendError) and error.__cause__ is not None:
        return error.__cause__
    return error


def _retriable(error: BaseException) -> bool:
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
        while True:
            try:
                if isinstance(future, _Failed):
                    raise future.error
                return await future
            except SEND_ERRORS as error:
                cause = _root(error)
                if isinstance(cause, REJECTED):
                    raise OutputRejected(message, cause) from error
                if not _retriable(cause) or self.app.should_stop:
                    raise
                log.warning("sending to %s failed (%r); retrying in %.1f s", message.topic, error, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)
                future = await self._start(message, partition)


class _Failed:
    def __init__(self, error: BaseException):
        self.error = error


class PublishGate:
    """Publish-once bookkeeping of one stage (see the module docstring)."""

    def __init__(self, app: faust.App, settings: Settings, stage: str, version: str):
        self.app = app
        self.settings = settings
        self.stage = stage
        self.topics = GATED_TOPICS[stage]
        self.version = version.encode()
        self.table = app.Table(
            f"published-{stage}",
            default=None,
            partitions=settings.partitions,
            key_type=bytes,
            value_type=bytes,
        )
        self._generation: int | None = None
        self._reconciled: set[int] = set()

    # -- the table; every write happens while processing a message of ``partition`` ----

    def published(self, key: bytes) -> bool:
        value = self.table.get(key)
        return value is not None and self.version in value.split(b"\n")

    def mark(self, key: bytes, version: bytes | None = None) -> None:
        version = version or self.version
        value = self.table.get(key)
        versions = set(value.split(b"\n")) if value else set()
        if version not in versions:
            versions.add(version)
            self.table[key] = b"\n".join(sorted(versions))

    def watermark(self, topic: str, partition: int) -> int | None:
        value = self.table.get(self._watermark_key(topic, partition))
        return int(value) if value is not None else None

    def advance(self, topic: str, partition: int, offset: int) -> None:
        current = self.watermark(topic, partition)
        if current is None or offset > current:
            self.table[self._watermark_key(topic, partition)] = str(offset).encode()

    @staticmethod
    def group_key(article_id: str) -> bytes:
        return GROUP_PREFIX + article_id.encode()

    def unpublished(self, article_id: str, outputs: Sequence[Outgoing]) -> list[Outgoing]:
        """The gated outputs of an article still to send under this version.

        None once its group is marked; otherwise those reconciliation did not find.
        """
        if self.published(self.group_key(article_id)):
            return []
        return [m for m in outputs if m.gate_key is None or not self.published(m.gate_key)]

    def record(self, article_id: str, partition: int, sent: Sequence[tuple[Outgoing, Any]]) -> None:
        """After the broker acknowledged them: mark the group, advance the watermarks."""
        self.mark(self.group_key(article_id))
        highest: dict[str, int] = {}
        for message, metadata in sent:
            highest[message.topic] = max(highest.get(message.topic, -1), metadata.offset)
        for topic, offset in highest.items():
            self.advance(topic, partition, offset)

    @staticmethod
    def _watermark_key(topic: str, partition: int) -> bytes:
        return WATERMARK_PREFIX + f"{topic}\x00{partition}".encode()

    # -- reconciliation --------------------------------------------------------------

    async def ensure_reconciled(self, partition: int) -> None:
        """Once per partition and assignment generation, before the first gated send."""
        generation = self.app.consumer_generation_id
        if generation != self._generation:
            self._generation = generation
            self._reconciled.clear()
        if partition in self._reconciled:
            return
        for topic in self.topics:
            await self._reconcile(topic, partition)
        self._reconciled.add(partition)

    async def _reconcile(self, topic: str, partition: int) -> None:
        started = time.perf_counter()
        tp = TopicPartition(topic, partition)
        consumer = AIOKafkaConsumer(
            **client_options(self.settings),
            enable_auto_commit=False,
            max_partition_fetch_bytes=self.settings.max_record_bytes,
            fetch_max_wait_ms=100,
        )
        await consumer.start()
        try:
            # offsets first: once the partition is assigned, a fetch long-poll is in flight
            # and Tansu answers the next request on the connection only after it
            begin = (await consumer.beginning_offsets([tp]))[tp]
            end = (await consumer.end_offsets([tp]))[tp]
            mark = self.watermark(topic, partition)
            start = max(begin, mark + 1 if mark is not None else begin)
            found = 0
            if start < end:
                consumer.assign([tp])
                consumer.seek(tp, start)
                while await consumer.position(tp) < end:
                    batch = await consumer.getmany(tp, timeout_ms=1000, max_records=500)
                    for record in batch.get(tp, []):
                        if record.offset >= end:
                            break
                        version = dict(record.headers or ()).get(HEADER_PIPELINE)
                        key = gate_key_of(topic, record.key, record.value)
                        if key is not None and version:
                            self.mark(key, bytes(version))
                            found += 1
                self.advance(topic, partition, end - 1)
            if found:
                RECONCILED.labels(self.stage).inc(found)
            log.info(
                "gate %s: %s[%d] reconciled offsets %d..%d in %.3f s (%d record(s) found past the watermark)",
                self.stage, topic, partition, start, end, time.perf_counter() - started, found,
            )
        finally:
            await consumer.stop()


class DeliveryGuard:
    """Finds records the consumer fetched but Faust never handed to the agent, and re-reads them.

    Faust 0.15 can drop fetched records around an assignment (see
    :func:`streams.faust_fixes.seek_before_resume` for the two cases found and fixed);
    a dropped record is neither processed nor committed until the worker restarts. When
    the dropped records are the last of a partition nothing reveals the hole, and the
    agent idles with input left unprocessed (seen after ``marsad reprocess
    --from-timestamp``, about one restart in five). The guard tracks, per partition and
    assignment generation, the next offset the agent must see; when the agent has idled
    for ``CHECK_INTERVAL`` while the consumer's fetch position is past that offset, it
    seeks the partition back to it. Holes inside a partition (a record after a gap) are
    logged. Both count in ``marsad_offset_gaps_total``. Source topics are neither
    compacted nor transactional, so their offsets are consecutive.
    """

    CHECK_INTERVAL = 2.0

    def __init__(self, app: faust.App, stage: str, topic: str):
        self.app = app
        self.stage = stage
        self.topic = topic
        self.busy = False
        self.last_event_at = time.monotonic()
        self._generation: int | None = None
        self._next: dict[int, int] = {}

    def _same_generation(self) -> None:
        if self.app.consumer_generation_id != self._generation:
            self._generation = self.app.consumer_generation_id
            self._next.clear()

    def delivered(self, message: Any) -> None:
        """The agent got ``message``: count a hole before it, expect the next offset."""
        self.busy = True
        self.last_event_at = time.monotonic()
        self._same_generation()
        expected = self._next.get(message.partition)
        if expected is not None and message.offset > expected:
            GAPS.labels(self.stage).inc(message.offset - expected)
            log.error(
                "stage %s: offsets %d..%d of partition %d were never delivered to this worker",
                self.stage, expected, message.offset - 1, message.partition,
            )
        if expected is None or message.offset >= expected:
            self._next[message.partition] = message.offset + 1

    def done(self) -> None:
        self.busy = False
        self.last_event_at = time.monotonic()

    def _idle(self) -> bool:
        return (
            not self.busy
            and not self.app.rebalancing
            and time.monotonic() - self.last_event_at >= self.CHECK_INTERVAL
        )

    async def check_idle_partitions(self) -> None:
        """Seek back every partition whose fetched records never reached the idle agent."""
        if not self._idle():
            return
        self._same_generation()
        consumer = self.app.consumer
        try:
            assigned = [tp for tp in consumer.assignment() if tp.topic == self.topic]
        except Exception:  # noqa: BLE001 - consumer not started or rebalancing
            return
        committed = getattr(consumer, "_committed_offset", {})  # Faust keeps 0 (and none) as None
        for tp in assigned:
            try:
                expected = self._next.get(tp.partition, committed.get(tp))
                if expected is None:
                    expected = (await consumer.earliest_offsets(tp)).get(tp)
                position = await consumer.position(tp)
            except Exception:  # noqa: BLE001 - partition moving: next round
                continue
            if expected is None or position is None or position <= expected or not self._idle():
                continue
            GAPS.labels(self.stage).inc(position - expected)
            log.error(
                "stage %s: offsets %d..%d of partition %d were fetched but never delivered; seeking back to %d",
                self.stage, expected, position - 1, tp.partition, expected,
            )
            await consumer.seek(tp, expected)


def register_agents(app: faust.App, settings: Settings, stages: Sequence[str]) -> None:
    context = stage_context(settings)
    for stage in stages:
        _register_stage(app, settings, stage, context)


def _register_stage(app: faust.App, settings: Settings, stage: str, context: StageContext) -> None:
    topics = STAGE_TOPICS[stage]
    source = _topic(app, topics.source, settings)
    sender = Sender(app, {name: _topic(app, name, settings) for name in {topics.sink, DLQ, PLOVER}})
    gate = PublishGate(app, settings, stage, context.pipeline_version) if stage in GATED_STAGES else None
    # every per-stage series exists from the start (0, not absent) for dashboards and alerts
    for series in (PROCESSED, DEAD_LETTERED, LATENCY, DUPLICATES, RECONCILED, GAPS):
        series.labels(stage)

    async def dead_letter_output(message: Any, rejected: OutputRejected) -> None:
        letter = output_failed(
            stage,
            message.key,
            message.value,
            rejected.error,
            context,
            output_topic=rejected.message.topic,
            output_bytes=len(rejected.message.value),
            partition=message.partition,
            offset=message.offset,
            max_payload_bytes=settings.max_message_bytes,
        )
        await sender.send([letter])
        FAILED.labels(stage, type(rejected.error).__name__).inc()
        DEAD_LETTERED.labels(stage).inc()

    # what enters the pipeline is bounded by MARSAD_MAX_MESSAGE_BYTES; records between
    # stages are the stages' own output (larger: offsets, matching forms, annotations),
    # bounded by MARSAD_MAX_RECORD_BYTES when they were produced
    max_input = settings.max_message_bytes if stage == "normalise" else settings.max_record_bytes

    async def handle(message: Any) -> None:
        started = time.perf_counter()
        outcome = handle_message(
            stage,
            message.key,
            message.value,
            context,
            max_bytes=max_input,
            partition=message.partition,
            offset=message.offset,
            max_payload_bytes=settings.max_message_bytes,
        )
        always = [m for m in outcome.messages if not m.once]
        once = [m for m in outcome.messages if m.once]
        try:
            await sender.send(always)
            if once and gate is not None:
                article_id = outcome.article_id
                assert article_id is not None  # every processed message names its article
                await gate.ensure_reconciled(message.partition)
                fresh = gate.unpublished(article_id, once)
                if len(fresh) < len(once):
                    DUPLICATES.labels(stage).inc(len(once) - len(fresh))
                sent = await sender.send(fresh, partition=message.partition)
                gate.record(article_id, message.partition, list(zip(fresh, sent)))
            elif once:
                await sender.send(once)
        except OutputRejected as rejected:
            await dead_letter_output(message, rejected)
        else:
            if outcome.failed:
                FAILED.labels(stage, outcome.failed).inc()
                DEAD_LETTERED.labels(stage).inc()
            else:
                PROCESSED.labels(stage).inc()
        LATENCY.labels(stage).observe(time.perf_counter() - started)

    guard = DeliveryGuard(app, stage, topics.source)

    async def process(stream: faust.StreamT) -> None:
        # noack: acknowledge only after the outputs are acknowledged (see the docstring)
        async for event in stream.noack().events():
            guard.delivered(event.message)
            try:
                await handle(event.message)
            except asyncio.CancelledError:
                raise  # not acknowledged: re-delivered after the restart
            except Exception as error:
                log.exception("stage %s cannot publish; stopping the worker (the message will be re-delivered)", stage)
                await app.crash(error)
                raise
            finally:
                guard.done()
            await stream.ack(event)

    @app.timer(interval=DeliveryGuard.CHECK_INTERVAL, name=f"marsad.{stage}.delivery-guard")
    async def check_delivery() -> None:
        await guard.check_idle_partitions()

    process.__name__ = f"{stage}_agent"
    app.agent(source, name=f"marsad.{stage}")(process)
