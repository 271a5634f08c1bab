"""Re-reading input records the consumer fetched but Faust never handed to the agent."""

from __future__ import annotations

import logging
import time
from typing import Any

import faust

from streams.runtime.metrics import GAPS
from streams.runtime.patches import committed_offsets

log = logging.getLogger(__name__)


class DeliveryGuard:
    """Finds records the consumer fetched but Faust never handed to the agent, and re-reads them.

    Faust 0.15 can drop fetched records around an assignment (see
    :func:`streams.runtime.patches.seek_before_resume` for the two cases found and fixed);
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
        committed = committed_offsets(consumer)  # Faust keeps 0 (and none) as None
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
