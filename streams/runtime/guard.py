"""Re-reading input records the consumer fetched but Faust never handed to the agent."""

from __future__ import annotations

import logging
import time
from typing import Any

import faust

from streams.runtime.metrics import GAPS, SKIPPED_OFFSETS
from streams.runtime.patches import start_later, stream_starts

log = logging.getLogger(__name__)


class DeliveryGuard:
    """Finds records the consumer fetched but Faust never handed to the agent, and re-reads them.

    Faust 0.15 can drop fetched records around an assignment (see
    :func:`streams.runtime.patches.seek_before_resume` and
    :func:`~streams.runtime.patches.fetch_only_active_partitions` for the cases found and
    fixed); a dropped record is neither processed nor, since
    :func:`~streams.runtime.patches.commit_only_what_was_processed`, committed past. The
    guard tracks, per partition and assignment generation, the next offset the agent
    must see, starting from the offset the assignment's reading started at. A record
    after a hole (the first one of an assignment included) makes it seek the partition
    back to the hole, once per hole: what was already fetched after it is processed as
    well and comes again (at least once). When the dropped records are the last of a
    partition nothing reveals the hole, and the agent idles with input left unprocessed
    (seen after ``marsad reprocess --from-timestamp``): when the agent has idled for
    ``CHECK_INTERVAL`` while the consumer's fetch position is past the offset expected,
    it seeks back too. Both count in ``marsad_offset_gaps_total``. Stage topics are
    neither compacted nor transactional, so their offsets are consecutive; a compacted
    topic a stage reads (``app.marsad_gap_topics``) is not guarded against holes.
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
        self._sought: dict[int, int] = {}  # partition -> the hole's first offset, sought back to once

    @property
    def _holes_expected(self) -> bool:
        return self.topic in getattr(self.app, "marsad_gap_topics", ())

    def _same_generation(self) -> None:
        if self.app.consumer_generation_id != self._generation:
            self._generation = self.app.consumer_generation_id
            self._next.clear()
            self._sought.clear()

    async def delivered(self, message: Any) -> None:
        """The agent got ``message``: expect the next offset; seek back over a hole before it."""
        self.busy = True
        self.last_event_at = time.monotonic()
        self._same_generation()
        partition = message.partition
        expected = self._next.get(partition)
        if expected is None:
            expected = stream_starts(self.app.consumer).get(message.tp)
        if expected is None or message.offset == expected or self._holes_expected:
            if expected is None or message.offset >= expected:
                self._next[partition] = message.offset + 1
            return
        if message.offset < expected:  # read again after a seek back: already expected
            return
        if self._sought.get(partition) == expected:  # fetched before the seek back: comes again
            return
        earliest = await self._log_start(message.tp)
        if earliest is not None and earliest > expected:  # deleted (retention) before they were read
            SKIPPED_OFFSETS.labels(self.topic).inc(earliest - expected)
            log.warning(
                "stage %s: offsets %d..%d of partition %d were deleted by the broker before this worker read them",
                self.stage, expected, earliest - 1, partition,
            )
            start_later(self.app.consumer, message.tp, earliest)
            expected = self._next[partition] = earliest
            if message.offset == expected:
                self._next[partition] = message.offset + 1
                return
        self._sought[partition] = expected
        GAPS.labels(self.stage).inc(message.offset - expected)
        log.error(
            "stage %s: offsets %d..%d of partition %d were never delivered to this worker; reading them again",
            self.stage, expected, message.offset - 1, partition,
        )
        await self.app.consumer.seek(message.tp, expected)

    async def _log_start(self, tp: Any) -> int | None:
        try:
            return (await self.app.consumer.earliest_offsets(tp)).get(tp)
        except Exception:  # noqa: BLE001 - unknown: read the hole again
            return None

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
        starts = stream_starts(consumer)
        for tp in assigned:
            try:
                expected = self._next.get(tp.partition, starts.get(tp))
                if expected is None:
                    expected = await self._log_start(tp)
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
