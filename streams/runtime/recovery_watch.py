"""A table recovery waiting for changelog offsets the broker no longer has is started again.

Faust's recovery reads each changelog partition up to the end it found when it began and
waits until it gets there. When the broker loses the changelog meanwhile (the embedded
broker keeps its data in memory: a restart empties it), that end is never reached and
the worker would wait for good, its partitions unserved; seen too: a recovery begun just
before the broker went away, whose consumer then fetched nothing of a changelog the new
broker had. Every ``CHECK_INTERVAL`` this watch compares the ends the recovery waits for
with the logs' ends (:func:`streams.runtime.logend.log_ends`) and what it has read; when
some stay out of reach for two looks in a row, or nothing at all was read for
``STILL_CHECKS`` looks while offsets remain, it logs which, counts
``marsad_recovery_restarts_total`` and starts the recovery again (Faust's own path for a
new rebalance), which seeks again and rebuilds the tables from what the broker has
(:func:`streams.runtime.patches.rebuild_tables_from_their_changelog`). When nothing was
read, it first looks for offsets no fetch returns (seen on the embedded broker after it came
back empty: a changelog whose first record no fetch at offset 0 returns, though the next
one is there; :func:`streams.runtime.logend.first_readable`) and seeks the recovery past
them, logged and counted in ``marsad_offsets_skipped_total``; otherwise it reconnects the
consumer and starts the recovery again. When that recovery reads nothing either, the worker
stops with an error (``RecoveryStuck``) so that its supervisor (compose ``restart:``,
Kubernetes) starts it afresh. A recovery that is
merely slow (reading, however slowly) is left alone; one that lasts
``MARSAD_STALL_SECONDS`` anyway makes ``/healthz`` answer 503.
"""

from __future__ import annotations

import logging
from typing import Any

import faust
from aiokafka.errors import KafkaError

from streams.runtime.logend import first_readable, log_ends
from streams.runtime.metrics import RECOVERY_RESTARTS, SKIPPED_OFFSETS
from streams.settings import Settings

log = logging.getLogger(__name__)

#: Seconds between two looks at a running recovery.
CHECK_INTERVAL = 5.0
#: Looks in a row with nothing read while offsets remain: the recovery is started again.
STILL_CHECKS = 4


def unreachable(highwaters: dict[Any, int], offsets: dict[Any, int], ends: dict[Any, int]) -> dict[Any, tuple[int, int]]:
    """Partitions still to read whose awaited last offset is past the log's last offset: (awaited, last)."""
    out = {}
    for tp, awaited in highwaters.items():
        end = ends.get(tp)
        if end is None or awaited is None or offsets.get(tp, -1) >= awaited:
            continue
        if awaited > end - 1:
            out[tp] = (awaited, end - 1)
    return out


class RecoveryStuck(RuntimeError):
    """A table recovery that reads nothing of changelogs the broker has, even after a restart of it."""


class RecoveryWatch:
    """Restarts a recovery stuck on changelog ends that no longer exist (see the module docstring)."""

    def __init__(self, app: faust.App, settings: Settings, still_checks: int = STILL_CHECKS):
        self.app = app
        self.settings = settings
        self.still_checks = still_checks
        self._suspect: set[Any] = set()
        self._last: dict[Any, int] = {}
        self._still = 0
        self._attempts = 0  # restarts after which the recovery still read nothing

    def _recovery(self) -> Any:
        return getattr(self.app.tables, "_recovery", None)  # noqa: SLF001 - not created until a table needs it

    def _forget(self, attempts: bool = True) -> None:
        self._suspect.clear()
        self._last.clear()
        self._still = 0
        if attempts:
            self._attempts = 0

    async def _skip_holes(self, partitions: list[Any], offsets: dict[Any, int], ends: dict[Any, int]) -> bool:
        """Seek the worker's consumer past offsets no fetch returns; True when it moved any."""
        moved = False
        for tp in partitions:
            position = offsets.get(tp, -1) + 1
            end = ends.get(tp)
            if end is None or position >= end:
                continue
            try:
                readable = await first_readable(self.settings, tp, position, end)
            except (KafkaError, TimeoutError) as error:
                log.warning("recovery watch: cannot probe %s (%r)", tp, error)
                continue
            if readable is None or readable <= position:
                continue
            log.warning(
                "offsets %d..%d of %s cannot be fetched from the broker (a hole in its log): "
                "the table recovery reads on from %d", position, readable - 1, tp, readable,
            )
            SKIPPED_OFFSETS.labels(tp.topic).inc(readable - position)
            await self.app.consumer.seek(tp, readable)
            moved = True
        return moved

    async def check(self) -> list[Any]:
        """One look; returns the partitions it restarted the recovery for."""
        recovery = self._recovery()
        if recovery is None or not recovery.in_recovery:
            self._forget()
            return []
        highwaters = dict(recovery.active_highwaters)
        offsets = dict(recovery.active_offsets)
        pending = {tp: awaited for tp, awaited in highwaters.items() if offsets.get(tp, -1) < awaited}
        if not pending:
            self._forget()
            return []
        read = {tp: offsets.get(tp, -1) for tp in pending}
        if self._last and read != self._last:
            self._attempts = 0  # it reads again
        self._still = self._still + 1 if read == self._last else 0
        self._last = read
        try:
            ends = await log_ends(self.settings, list(pending))
        except (KafkaError, TimeoutError) as error:
            log.warning("recovery watch: cannot read the changelogs' ends (%r); next look in %.0f s", error, CHECK_INTERVAL)
            return []
        stuck = unreachable(highwaters, offsets, ends)
        again = [tp for tp in stuck if tp in self._suspect]
        self._suspect = set(stuck)
        if not recovery.in_recovery:
            return []
        if again:
            for tp in again:
                awaited, last = stuck[tp]
                log.warning(
                    "table recovery waits for offset %d of %s, whose log now ends at %d (the broker lost it): "
                    "starting the recovery again from what the broker has", awaited, tp, last,
                )
        elif self._still >= self.still_checks:
            again = sorted(pending, key=lambda tp: (tp.topic, tp.partition))
            if self._attempts >= 1:
                message = (
                    f"table recovery still reads nothing of {', '.join(f'{tp.topic}[{tp.partition}]' for tp in again)} "
                    f"after a reconnect and a new recovery, while the broker has the records: stopping the worker, "
                    f"so that its supervisor starts it afresh"
                )
                log.error(message)
                RECOVERY_RESTARTS.labels(again[0].topic).inc()
                await self.app.crash(RecoveryStuck(message))
                return again
            self._attempts += 1
            log.warning(
                "table recovery read nothing of %s for %.0f s (awaiting offsets %s, logs ending at %s): "
                "looking for offsets no fetch returns",
                ", ".join(f"{tp.topic}[{tp.partition}]" for tp in again),
                self._still * CHECK_INTERVAL, [pending[tp] for tp in again], [ends.get(tp) for tp in again],
            )
            if await self._skip_holes(again, offsets, ends):
                self._forget(attempts=False)
                return again  # read on from past the holes, in this recovery
            reconnect(self.app)
        else:
            return []
        for tp in again:
            RECOVERY_RESTARTS.labels(tp.topic).inc()
        self._forget(attempts=False)
        recovery.signal_recovery_start.set()
        return again


def reconnect(app: faust.App) -> None:
    """Close the worker consumer's data connections (not its group coordinator's): what a network
    blip does. Its fetcher sends the next fetch on a new connection (a fetch left waiting on the
    old one, which the embedded broker never answered after it came back, held every other)."""
    from aiokafka.client import ConnectionGroup
    from aiokafka.conn import CloseReason

    client = getattr(getattr(getattr(app.consumer, "_thread", None), "_consumer", None), "_client", None)
    conns = getattr(client, "_conns", None)  # noqa: SLF001 - aiokafka has no public reconnect
    if not conns:
        return
    for (node, group), conn in list(conns.items()):
        if group == ConnectionGroup.DEFAULT:
            conn.close(reason=CloseReason.CONNECTION_BROKEN)
            log.info("recovery watch: closed the consumer's connection to node %s", node)


def watch_recovery(app: faust.App, settings: Settings) -> RecoveryWatch:
    """Register the watch as an app timer (a worker with tables only needs it, any worker may have it)."""
    watch = RecoveryWatch(app, settings)
    app.timer(interval=CHECK_INTERVAL, name="marsad.recovery-watch")(watch.check)
    return watch
