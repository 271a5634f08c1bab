"""No offset is committed past a record the agent never got; such a record is read again.

Faust's own offset bookkeeping (its aiokafka consumer, built without ``__init__``) with
the fixes of :mod:`streams.runtime.patches` applied, and the delivery guard. The loss
they close: under load, a fetch handed over records of partitions not yet active, Faust
dropped them, and committed across the jump (a ``kill -9`` test lost 66 articles).
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from types import SimpleNamespace
from typing import Any

import pytest
from faust.transport.drivers.aiokafka import AIOKafkaConsumerThread, Consumer
from faust.types import TP
from intervaltree import IntervalTree

from streams.runtime import patches
from streams.runtime.guard import DeliveryGuard

STAGE_TOPIC = "marsad.articles.events"
COMPACTED = "marsad.events.stories"


@pytest.fixture(autouse=True)
def applied() -> None:
    patches.apply()


def bookkeeping(starts: dict[TP, int] | None = None, committed: dict[TP, int] | None = None) -> Any:
    consumer = Consumer.__new__(Consumer)  # only the offset bookkeeping is used
    consumer._acked = defaultdict(list)
    consumer._acked_index = defaultdict(set)
    consumer._gap = defaultdict(IntervalTree)
    consumer._committed_offset = defaultdict(lambda: None, committed or {})
    consumer._marsad_starts = dict(starts or {})
    consumer.app = SimpleNamespace(marsad_gap_topics=frozenset({COMPACTED}))
    return consumer


def ack(consumer: Any, tp: TP, *offsets: int) -> None:
    for offset in offsets:
        consumer._acked[tp].append(offset)
        consumer._acked_index[tp].add(offset)


def test_nothing_is_committed_while_the_records_from_the_start_are_missing() -> None:
    tp = TP(STAGE_TOPIC, 2)
    consumer = bookkeeping(committed={tp: 39})
    asyncio.run(consumer._add_gap(tp, 40, 89))  # the jump Faust saw: not a gap on a stage topic
    ack(consumer, tp, 90, 91)
    assert consumer._new_offset(tp) is None
    ack(consumer, tp, *range(39, 90))  # read again
    assert consumer._new_offset(tp) == 92


def test_the_record_at_the_committed_offset_is_waited_for_too() -> None:
    tp = TP(STAGE_TOPIC, 0)
    consumer = bookkeeping(committed={tp: 39})
    ack(consumer, tp, 40)
    assert consumer._new_offset(tp) is None  # Faust alone commits 41 here


def test_a_partition_never_committed_waits_for_its_first_offset() -> None:
    tp = TP(STAGE_TOPIC, 1)
    consumer = bookkeeping(starts={tp: 0})
    ack(consumer, tp, 5, 6)
    assert consumer._new_offset(tp) is None  # Faust alone commits 7 here
    ack(consumer, tp, 0, 1, 2, 3, 4)
    assert consumer._new_offset(tp) == 7


def test_a_compacted_topic_commits_across_its_gaps() -> None:
    tp = TP(COMPACTED, 0)
    consumer = bookkeeping(committed={tp: 10})
    ack(consumer, tp, 10)
    asyncio.run(consumer._add_gap(tp, 11, 19))  # compacted away
    ack(consumer, tp, 20)
    assert consumer._new_offset(tp) == 21


class FakeFetcher:
    def __init__(self, live: set[TP]):
        self.live = live
        self.asked: list[frozenset[TP] | None] = []

    async def fetched_records(self, partitions: Any, timeout: float | None = None, max_records: int | None = None) -> dict:
        self.live.clear()  # the main thread pauses everything while the fetch waits
        self.asked.append(frozenset(partitions))
        return {tp: ["record"] for tp in partitions}


class FakeSubscriptions:
    def fetch_context(self) -> Any:
        from contextlib import nullcontext

        return nullcontext()


def test_a_fetch_returns_only_partitions_active_when_it_started() -> None:
    changelog = TP("marsad-stance-published-stance-changelog", 0)
    live = {changelog}
    fetcher = FakeFetcher(live)
    fetcher._subscriptions = FakeSubscriptions()
    fetcher._closed = False
    thread = AIOKafkaConsumerThread.__new__(AIOKafkaConsumerThread)
    thread.consumer = SimpleNamespace(flow_active=True)
    client = SimpleNamespace(_fetcher=fetcher, _closed=False)
    records = asyncio.run(thread._fetch_records(client, live, timeout=0.1, max_records=10))
    assert fetcher.asked == [frozenset({changelog})]
    assert set(records) == {changelog}
    assert asyncio.run(thread._fetch_records(client, set(), timeout=0.1)) == {}  # empty is no partition, not all
    assert len(fetcher.asked) == 1


class GuardedConsumer:
    def __init__(self, starts: dict[TP, int], log_start: int = 0):
        self._marsad_starts = starts
        self.log_start = log_start
        self.seeks: list[tuple[TP, int]] = []

    async def seek(self, tp: TP, offset: int) -> None:
        self.seeks.append((tp, offset))

    async def earliest_offsets(self, *tps: TP) -> dict[TP, int]:
        return {tp: self.log_start for tp in tps}


def guard_for(topic: str, starts: dict[TP, int], log_start: int = 0) -> tuple[DeliveryGuard, GuardedConsumer]:
    consumer = GuardedConsumer(starts, log_start)
    app = SimpleNamespace(consumer=consumer, consumer_generation_id=1, marsad_gap_topics=frozenset({COMPACTED}))
    return DeliveryGuard(app, "stance", topic), consumer  # type: ignore[arg-type]


def deliver(guard: DeliveryGuard, tp: TP, *offsets: int) -> None:
    for offset in offsets:
        asyncio.run(guard.delivered(SimpleNamespace(tp=tp, partition=tp.partition, offset=offset)))


def test_the_guard_reads_a_hole_at_the_start_again_once() -> None:
    tp = TP(STAGE_TOPIC, 2)
    guard, consumer = guard_for(STAGE_TOPIC, {tp: 39})
    deliver(guard, tp, 90, 91, 92)  # 39..89 dropped; 91, 92 were fetched before the seek
    assert consumer.seeks == [(tp, 39)]
    deliver(guard, tp, *range(39, 93))  # read again, then the rest
    deliver(guard, tp, 93, 95)  # a later hole: read again too
    assert consumer.seeks == [(tp, 39), (tp, 94)]


def test_the_guard_lets_a_compacted_topic_jump() -> None:
    tp = TP(COMPACTED, 0)
    guard, consumer = guard_for(COMPACTED, {tp: 0})
    deliver(guard, tp, 0, 5, 9)
    assert consumer.seeks == []


def test_records_the_broker_deleted_before_they_were_read_do_not_hold_the_commit() -> None:
    tp = TP(STAGE_TOPIC, 3)
    guard, consumer = guard_for(STAGE_TOPIC, {tp: 100}, log_start=5000)  # retention went past the commit
    deliver(guard, tp, 5000, 5001)
    assert consumer.seeks == []
    assert consumer._marsad_starts[tp] == 5000
    offsets = bookkeeping(starts=consumer._marsad_starts, committed={tp: 100})
    ack(offsets, tp, 5000, 5001)
    assert offsets._new_offset(tp) == 5002
