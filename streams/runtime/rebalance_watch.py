"""A worker whose rebalance makes no progress for good exits, for its supervisor to start it afresh.

After the broker lost its data (the embedded broker keeps it in memory, and a restart
empties it), a worker can be assigned its partitions and still never finish the
rebalance: Faust's handling of the assignment waits for an answer the new broker never
gives. ``/healthz`` says so after ``MARSAD_STALL_SECONDS`` (:class:`streams.runtime.web.StallWatch`),
and Kubernetes' liveness probe then restarts the container; but compose's ``restart:``
and a process supervisor only start again a process that ended. So once a rebalance has
lasted that long with no table recovery moving on meanwhile, the worker logs why and
stops with an error, which ends the process with a non-zero status. A recovery that reads
towards its changelogs' ends is progress (it may take long on a large table); one waiting
for ends the broker lost is restarted by :mod:`streams.runtime.recovery_watch`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Hashable
from typing import Any

import faust

from streams.settings import Settings

log = logging.getLogger(__name__)

#: Seconds between two looks.
CHECK_INTERVAL = 5.0


class RebalanceStuck(RuntimeError):
    """The worker has been rebalancing, with no recovery progress, for longer than the stall limit."""


class RebalanceWatch:
    """How long the current rebalance has gone without progress (see the module docstring)."""

    def __init__(self, seconds: float, clock: Callable[[], float] = time.monotonic):
        self.seconds = seconds
        self.clock = clock
        self._since: float | None = None
        self._progress: Hashable = None

    def stuck_for(self, rebalancing: bool, progress: Hashable) -> float | None:
        """Seconds without progress once they reach the limit, else None. ``progress``: anything
        that changes while the rebalance moves on (the recovery's offsets)."""
        now = self.clock()
        if not rebalancing:
            self._since = None
            return None
        if self._since is None or progress != self._progress:
            self._since, self._progress = now, progress
            return None
        idle = now - self._since
        return idle if idle >= self.seconds else None


def recovery_progress(app: faust.App) -> Hashable:
    """The table recovery's offsets read so far (None when no recovery runs)."""
    recovery: Any = getattr(app.tables, "_recovery", None)  # noqa: SLF001 - not created until a table needs it
    if recovery is None or not recovery.in_recovery:
        return None
    return tuple(sorted((str(tp), offset) for tp, offset in {**recovery.active_offsets, **recovery.standby_offsets}.items()))


def watch_rebalances(app: faust.App, settings: Settings) -> RebalanceWatch:
    """Register the watch as an app timer; it crashes the app once a rebalance is stuck."""
    watch = RebalanceWatch(settings.stall_seconds)

    async def check() -> None:
        idle = watch.stuck_for(bool(app.rebalancing), recovery_progress(app))
        if idle is not None:
            log.error(
                "rebalancing for %.0f s without progress (MARSAD_STALL_SECONDS=%g); stopping the worker "
                "for its supervisor to start it afresh", idle, settings.stall_seconds,
            )
            await app.crash(RebalanceStuck(f"rebalancing for {idle:.0f} s without progress"))

    app.timer(interval=CHECK_INTERVAL, name="marsad.rebalance-watch")(check)
    return watch
