"""The publish-once gate of a stage whose outputs are consumer-facing (see ``docs/delivery.md``).

A changelogged Faust table records, per article and pipeline version, what was published;
after every assignment a reconciliation read of the output partition finds what was
acknowledged but never recorded (a crash between the two).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence
from typing import Any

import faust
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.errors import KafkaError

from streams.io.connection import client_options
from streams.io.topics import HEADER_PIPELINE
from streams.runtime.handling import Outgoing, gate_key_of, versioned
from streams.io.logend import first_readable, log_ends
from streams.runtime.metrics import RECONCILED, SKIPPED_OFFSETS
from streams.settings import Settings
from streams.stages.spec import StageSpec

log = logging.getLogger(__name__)

#: Every table key starts with one of these tags, so no input can write another kind's key:
#: an article id or record id only ever lands after ``RECORD`` or ``GROUP`` (with its topic
#: or alone), never as a watermark, and never as another article's group.
RECORD = b"r\x00"  # + topic + NUL + gate key (id NUL revision): one published record, with its versions
GROUP = b"g\x00"  # + article id + NUL + revision: all the gated outputs of one article version
WATERMARK = b"w\x00"  # + topic + NUL + partition: the output offset reconciled up to


class PublishGate:
    """Publish-once bookkeeping of one stage (see the module docstring)."""

    def __init__(self, app: faust.App, settings: Settings, spec: StageSpec, version: str):
        self.app = app
        self.settings = settings
        self.spec = spec
        self.stage = stage = spec.name
        self.topics = spec.gated_topics
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
        if value is None:
            return None
        try:
            return int(value)
        except ValueError:  # not written by this gate: reconcile the whole partition again
            log.error("gate %s: unreadable watermark %r for %s[%d]; ignoring it", self.stage, value, topic, partition)
            return None

    def advance(self, topic: str, partition: int, offset: int) -> None:
        current = self.watermark(topic, partition)
        if current is None or offset > current:
            self.table[self._watermark_key(topic, partition)] = str(offset).encode()

    @staticmethod
    def group_key(article_id: str, revision: bytes | None = None) -> bytes:
        """The key of one article version's outputs (see :class:`streams.runtime.handling.Outgoing`)."""
        return GROUP + versioned(article_id.encode(), revision)

    @staticmethod
    def record_key(topic: str, gate_key: bytes) -> bytes:
        return RECORD + topic.encode() + b"\x00" + gate_key

    def unpublished(self, article_id: str, outputs: Sequence[Outgoing]) -> list[Outgoing]:
        """The gated outputs of an article still to send under this version.

        None once the group of this article version is marked; otherwise those
        reconciliation did not find. A new revision (a corrected text) is a new group.
        """
        revision = outputs[0].revision if outputs else None
        if self.published(self.group_key(article_id, revision)):
            return []
        return [m for m in outputs if m.gate_key is None or not self.published(self.record_key(m.topic, m.gate_key))]

    def record(self, article_id: str, partition: int, sent: Sequence[tuple[Outgoing, Any]]) -> None:
        """After the broker acknowledged them: mark the group, advance the watermarks.

        Nothing sent (all found by reconciliation): each record's key is marked already."""
        if sent:
            self.mark(self.group_key(article_id, sent[0][0].revision))
        highest: dict[str, int] = {}
        for message, metadata in sent:
            highest[message.topic] = max(highest.get(message.topic, -1), metadata.offset)
        for topic, offset in highest.items():
            self.advance(topic, partition, offset)

    @staticmethod
    def _watermark_key(topic: str, partition: int) -> bytes:
        return WATERMARK + f"{topic}\x00{partition}".encode()

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
            delay = 0.2
            while True:
                try:
                    await self._reconcile(topic, partition)
                    break
                except (KafkaError, TimeoutError) as error:  # the broker is away (restarting): hold the partition, retry
                    if self.app.should_stop:
                        raise
                    log.warning("gate %s: cannot read %s[%d] (%r); retrying in %.1f s", self.stage, topic, partition, error, delay)
                    await asyncio.sleep(delay)
                    delay = min(delay * 2, 5.0)
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
        try:
            await consumer.start()
            # offsets first: once the partition is assigned, a fetch long-poll is in flight
            # and Tansu answers the next request on the connection only after it
            begin = (await consumer.beginning_offsets([tp]))[tp]
            end = (await log_ends(self.settings, [tp]))[tp]  # ListOffsets can fall short of it
            mark = self.watermark(topic, partition)
            start = max(begin, mark + 1 if mark is not None else begin)
            found = 0
            if start < end:
                consumer.assign([tp])
                consumer.seek(tp, start)
                empty = 0
                while (position := await consumer.position(tp)) < end:
                    batch = await consumer.getmany(tp, timeout_ms=1000, max_records=500)
                    empty = 0 if batch.get(tp) else empty + 1
                    if empty >= 3:  # nothing fetched at ``position``, though the log goes on
                        readable = await first_readable(self.settings, tp, position, end)
                        log.warning(
                            "gate %s: %s[%d] offsets from %d cannot be fetched (a hole in the broker's log); %s",
                            self.stage, topic, partition, position,
                            f"reading on from {readable}" if readable is not None else "nothing after it is readable",
                        )
                        if readable is None:
                            break
                        SKIPPED_OFFSETS.labels(topic).inc(readable - position)
                        consumer.seek(tp, readable)
                        empty = 0
                    for record in batch.get(tp, []):
                        if record.offset >= end:
                            break
                        version = dict(record.headers or ()).get(HEADER_PIPELINE)
                        key = gate_key_of(self.spec, topic, record.key, record.value, record.headers or ())
                        if key is not None and version:
                            self.mark(self.record_key(topic, key), bytes(version))
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
