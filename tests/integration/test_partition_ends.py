"""Partition ends on the embedded broker: ``ListOffsets`` reports the base offset of a
partition's last record batch plus one, not its log end; a fetch's high watermark is right.

Issue #10 (3): a committed offset compared with the listed end looked "past the end" on a
caught-up partition whose last batch held several records, and the stage read its whole
input again after every rebalance (duplicates on the intermediate topics).
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from streams.io.broker import EmbeddedBroker
from streams.io.kafka import create_topics, move_group_offsets
from streams.io.topics import NORMALISED
from streams.io.logend import log_ends
from streams.settings import Settings

from .support import TopicWatcher, keyed, metric, metrics, publish, start_pipeline, variants, wait_caught_up

pytestmark = pytest.mark.integration


def test_log_ends_count_every_record_of_the_last_batch(broker_check, tmp_path: Path) -> None:
    async def run(settings: Settings) -> tuple[dict, dict]:
        await create_topics(settings, ["ends"], partitions=3)
        producer = AIOKafkaProducer(bootstrap_servers=settings.bootstrap_servers(), linger_ms=50)
        await producer.start()
        try:
            sends = [await producer.send("ends", b"x", partition=0) for _ in range(3)]
            sends += [await producer.send("ends", b"y", partition=1) for _ in range(7)]
            await asyncio.gather(*sends)
            single = await producer.send("ends", b"z", partition=1)  # a batch of its own, after the seven
            await single
        finally:
            await producer.stop()
        tps = [TopicPartition("ends", p) for p in range(3)]
        consumer = AIOKafkaConsumer(bootstrap_servers=settings.bootstrap_servers())
        await consumer.start()
        try:
            listed = await consumer.end_offsets(tps)
        finally:
            await consumer.stop()
        return listed, await log_ends(settings, tps)

    with EmbeddedBroker(log_file=tmp_path / "broker.log") as broker:
        listed, ends = asyncio.run(run(Settings(broker=broker.url)))
    assert [ends[TopicPartition("ends", p)] for p in range(3)] == [3, 8, 0]
    assert all(listed[tp] <= ends[tp] for tp in ends)
    print(f"[ListOffsets said {[listed[TopicPartition('ends', p)] for p in range(3)]}]")


def test_reprocess_from_a_time_after_every_record_moves_to_the_log_end(broker_check, tmp_path: Path) -> None:
    """``marsad reprocess --from-timestamp`` on a partition with nothing after the time moves
    its group to the end: the log's, not the listed one inside the last batch (which would
    re-run that batch's last records)."""

    async def run(settings: Settings) -> dict[int, int]:
        await create_topics(settings, ["moved"], partitions=2)
        producer = AIOKafkaProducer(bootstrap_servers=settings.bootstrap_servers(), linger_ms=50)
        await producer.start()
        try:
            sends = [await producer.send("moved", b"x", partition=0) for _ in range(4)]  # one batch
            await asyncio.gather(*sends)
        finally:
            await producer.stop()
        after_all = int(time.time() * 1000) + 1_000
        return await move_group_offsets(settings, "marsad-moved", "moved", timestamp_ms=after_all)

    with EmbeddedBroker(log_file=tmp_path / "broker.log") as broker:
        moved = asyncio.run(run(Settings(broker=broker.url)))
    assert moved == {0: 4, 1: 0}


def test_a_caught_up_stage_is_not_read_again_after_a_rebalance(broker_check, tmp_path: Path) -> None:
    pipeline = start_pipeline(tmp_path / "run", ["normalise"])
    watcher = TopicWatcher(pipeline.settings, [NORMALISED])
    try:
        articles = variants("batched", 60)
        publish(pipeline.settings, keyed(articles))  # one send: batches of several records per partition
        watcher.wait_keys(NORMALISED, [a.id for a in articles if a.id], timeout=120)
        wait_caught_up(pipeline)
        time.sleep(2)  # past the commit interval
        (first,) = pipeline.workers
        second = pipeline.add_worker("normalise")  # a rebalance: both workers recover and seek
        pipeline.wait_ready(timeout=120, workers=[first, second], settle=3)
        watcher.quiet(3.0)
        repeats = sum(count - 1 for count in watcher.keys(NORMALISED).values())
        resets = sum(metric(metrics(w), "marsad_offset_resets_total") for w in (first, second))
        assert (resets, repeats) == (0, 0)
    finally:
        watcher.close()
        pipeline.stop()
