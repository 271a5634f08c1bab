"""A table recovery waiting for changelog offsets the broker no longer has is started again.

Faust's recovery reads each changelog partition up to the end it found when it began and
waits until it gets there. When the broker loses the changelog meanwhile (the embedded
broker keeps its data in memory: a restart empties it), that end is never reached and
the worker would wait for good, its partitions unserved. Every ``CHECK_INTERVAL`` this
watch compares the ends the recovery waits for with the logs' ends
(:func:`streams.io.logend.log_ends`); when some stay out of reach for two checks in
a row it logs which, counts ``marsad_recovery_restarts_total`` and starts the recovery
again (Faust's own path for a new rebalance), which rebuilds the tables from what the
broker has (:func:`streams.runtime.patches.rebuild_tables_from_their_changelog`).
A recovery that is merely slow (reading towards ends that exist) is left alone; one that
lasts ``MARSAD_STALL_SECONDS`` anyway makes ``/healthz`` answer 503.
"""

from __future__ import annotations

import logging
from typing import Any

import faust
from aiokafka.errors import KafkaError

from streams.io.logend import log_ends
from streams.runtime.metrics import RECOVERY_RESTARTS
from streams.runtime.patches import table_recovery
from streams.settings import Settings

log = logging.getLogger(__name__)

#: Seconds between two looks at a running recovery.
CHECK_INTERVAL = 5.0


def read_so_far(offsets: dict[Any, int | None], tp: Any) -> int:
    """The last changelog offset the recovery has read of ``tp``; -1 for none (Faust keeps
    ``None`` for a partition it has not read yet)."""
    offset = offsets.get(tp)
    return -1 if offset is None else offset


def pending(highwaters: dict[Any, int | None], offsets: dict[Any, int | None]) -> list[Any]:
    """Partitions the recovery has not read up to the offset it awaits (None: none awaited yet)."""
    return [tp for tp, awaited in highwaters.items() if awaited is not None and read_so_far(offsets, tp) < awaited]


def unreachable(
    highwaters: dict[Any, int | None], offsets: dict[Any, int | None], ends: dict[Any, int]
) -> dict[Any, tuple[int, int]]:
    """Partitions still to read whose awaited last offset is past the log's last offset: (awaited, last)."""
    out = {}
    for tp in pending(highwaters, offsets):
        awaited, end = int(highwaters[tp]), ends.get(tp)  # type: ignore[arg-type] # pending: not None
        if end is not None and awaited > end - 1:
            out[tp] = (awaited, end - 1)
    return out


class RecoveryWatch:
    """Restarts a recovery stuck on changelog ends that no longer exist (see the module docstring)."""

    def __init__(self, app: faust.App, settings: Settings):
        self.app = app
        self.settings = settings
        self._suspect: set[Any] = set()

    async def check(self) -> list[Any]:
        """One look; returns the partitions it restarted the recovery for."""
        recovery = table_recovery(self.app)
        if recovery is None or not recovery.in_recovery:
            self._suspect.clear()
            return []
        highwaters = dict(recovery.active_highwaters)
        offsets = dict(recovery.active_offsets)
        to_read = pending(highwaters, offsets)
        if not to_read:
            self._suspect.clear()
            return []
        try:
            ends = await log_ends(self.settings, to_read)
        except (KafkaError, TimeoutError) as error:
            log.warning("recovery watch: cannot read the changelogs' ends (%r); next look in %.0f s", error, CHECK_INTERVAL)
            return []
        stuck = unreachable(highwaters, offsets, ends)
        again = [tp for tp in stuck if tp in self._suspect]
        self._suspect = set(stuck)
        if not again or not recovery.in_recovery:
            return []
        for tp in again:
            awaited, last = stuck[tp]
            log.warning(
                "table recovery waits for offset %d of %s, whose log now ends at %d (the broker lost it): "
                "starting the recovery again from what the broker has", awaited, tp, last,
            )
            RECOVERY_RESTARTS.labels(tp.topic).inc()
        self._suspect.clear()
        recovery.signal_recovery_start.set()
        return again


def watch_recovery(app: faust.App, settings: Settings) -> RecoveryWatch:
    """Register the watch as an app timer (a worker with tables only needs it, any worker may have it)."""
    watch = RecoveryWatch(app, settings)
    app.timer(interval=CHECK_INTERVAL, name="marsad.recovery-watch")(watch.check)
    return watch
