"""The end of a partition's log (the next offset to be written), as the broker's fetches see it.

``ListOffsets`` (what aiokafka's ``end_offsets`` and Faust's ``highwaters`` ask) is not
always the log's end: the embedded broker answers with the base offset of the partition's
last record *batch* plus one, so after a batch of 500 records it reports 499 fewer than
there are (seen: three records at offsets 0-2 in one batch, end reported 1). A fetch
response's high watermark is right on it and on Kafka, and it is what a reader can reach:
the embedded broker, back after losing its data, also listed records (end 2) of a table
changelog that every fetch answered as empty (high watermark 0). :func:`log_ends` asks
``ListOffsets`` first and, where that is not empty, fetches at its last listed offset and
takes the response's high watermark.

Everything that compares an offset with a partition's end uses it: resetting committed
offsets past the end (a broker that lost its log), the publish-once gate's
reconciliation read, and table recovery (how far a changelog must be read).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition

from streams.io.connection import client_options
from streams.settings import Settings

log = logging.getLogger(__name__)


async def log_ends(settings: Settings, partitions: Iterable[Any], timeout: float = 10.0) -> dict[Any, int]:
    """Per partition (any object with ``topic`` and ``partition``): the next offset of its log."""
    wanted = list(partitions)
    if not wanted:
        return {}
    consumer = AIOKafkaConsumer(
        **client_options(settings),
        enable_auto_commit=False,
        auto_offset_reset="latest",
        fetch_max_wait_ms=50,
        max_partition_fetch_bytes=settings.max_record_bytes,
    )
    try:
        await consumer.start()
        return await asyncio.wait_for(_ends(consumer, wanted), timeout)
    finally:
        await consumer.stop()


async def _ends(consumer: AIOKafkaConsumer, wanted: list[Any]) -> dict[Any, int]:
    tps = {tp: TopicPartition(tp.topic, tp.partition) for tp in wanted}
    listed = await consumer.end_offsets(list(tps.values()))
    ends = {tp: listed[tps[tp]] for tp in wanted}
    nonempty = [tps[tp] for tp in wanted if ends[tp] > 0]
    if nonempty:
        consumer.assign(nonempty)
        for tp in nonempty:
            consumer.seek(tp, listed[tp] - 1)  # inside the last batch: the fetch returns it
        pending = set(nonempty)
        while pending:
            await consumer.getmany(*pending, timeout_ms=200, max_records=1)
            pending = {tp for tp in pending if consumer.highwater(tp) is None}
    for tp in wanted:
        watermark = consumer.highwater(tps[tp]) if ends[tp] > 0 else None
        if watermark is not None:
            ends[tp] = watermark
    return ends


def past_the_end(offset: int | None, end: int | None) -> bool:
    """True when a committed offset (the next one to read) lies beyond the log's end."""
    return offset is not None and end is not None and offset > end


async def first_readable(settings: Settings, partition: Any, start: int, end: int, probes: int = 2000) -> int | None:
    """The first offset in ``[start, end)`` at which a fetch returns a record; None if none does.

    The embedded broker can hold a partition whose first offsets no fetch returns (seen on a
    table's changelog after the broker came back empty: a fetch at 0 answers with nothing and
    a high watermark of 0, the record at 1 is there); a reader at such an offset waits for
    good. Offsets are probed one by one, ``probes`` at most, then the last batch's base.
    """
    tp = TopicPartition(partition.topic, partition.partition)
    consumer = AIOKafkaConsumer(
        **client_options(settings),
        enable_auto_commit=False,
        fetch_max_wait_ms=50,
        max_partition_fetch_bytes=settings.max_record_bytes,
    )
    try:
        await consumer.start()
        consumer.assign([tp])
        candidates = list(range(start, min(end, start + probes)))
        if end > start + probes:
            listed = (await consumer.end_offsets([tp]))[tp]
            candidates.append(max(start + probes, listed - 1))
        for offset in candidates:
            consumer.seek(tp, offset)
            batch = await consumer.getmany(tp, timeout_ms=200, max_records=1)
            records = batch.get(tp)
            if records:
                return records[0].offset
        return None
    finally:
        await consumer.stop()
