"""A worker whose rebalance makes no progress for good exits, for its supervisor to start it afresh.

After the broker lost its data (the embedded broker keeps it in memory, and a restart
empties it), a worker can be assigned its partitions and still never finish the
rebalance: Faust's handling of the assignment waits for an answer the new broker never
gives. ``/healthz`` says so after ``MARSAD_STALL_SECONDS`` (:class:`streams.runtime.web.StallWatch`),
and Kubernetes' liveness probe then restarts the container; but compose's ``restart:``
and a process supervisor only start again a process that ended. So once a rebalance has
lasted that long with no table recovery moving on meanwhile, the worker logs why and
stops with an error, its log naming what it waits for (:mod:`streams.runtime.diagnosis`).
Faust's own shutdown can wait on the same stuck call, so a crash that has not ended the
process within :data:`EXIT_GRACE` seconds ends it with status :data:`EXIT_STATUS`. A
recovery that reads towards its changelogs' ends is progress (it may take long on a large
table); one waiting for ends the broker lost is restarted by
:mod:`streams.runtime.recovery_watch`.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Hashable

import faust

from streams.runtime.diagnosis import producer_backlog, waiting_at, worker_tasks
from streams.runtime.patches import table_recovery
from streams.settings import Settings

log = logging.getLogger(__name__)

#: Seconds between two looks.
CHECK_INTERVAL = 5.0
#: Seconds Faust's shutdown gets after the crash before the process is ended regardless.
EXIT_GRACE = 15.0
#: The status a worker ended this way exits with (EX_SOFTWARE: an internal fault, start afresh).
EXIT_STATUS = 70


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
    recovery = table_recovery(app)
    if recovery is None or not recovery.in_recovery:
        return None
    return tuple(sorted((str(tp), offset) for tp, offset in {**recovery.active_offsets, **recovery.standby_offsets}.items()))


def exit_after(seconds: float, status: int = EXIT_STATUS, exit: Callable[[int], object] = os._exit) -> threading.Timer:
    """End the process with ``status`` in ``seconds`` unless it has ended by then.

    A thread, not the event loop: the loop may be the thing that is stuck. Logging is flushed
    first; ``os._exit`` skips the interpreter's shutdown, which would wait on the same threads.
    """

    def end() -> None:
        log.error("the worker did not stop within %.0f s of its crash; ending the process (status %d)", seconds, status)
        logging.shutdown()
        exit(status)

    timer = threading.Timer(seconds, end)
    timer.daemon = True
    timer.name = "marsad.exit-after-crash"
    timer.start()
    return timer


def watch_rebalances(
    app: faust.App, settings: Settings, end_process: Callable[[float], object] = exit_after
) -> RebalanceWatch:
    """Register the watch as an app timer; it crashes the app once a rebalance is stuck, and
    has ``end_process`` end the process if the crash has not within :data:`EXIT_GRACE` seconds."""
    watch = RebalanceWatch(settings.stall_seconds)

    async def check() -> None:
        idle = watch.stuck_for(bool(app.rebalancing), recovery_progress(app))
        if idle is not None:
            log.error(
                "rebalancing for %.0f s without progress (MARSAD_STALL_SECONDS=%g); stopping the worker "
                "for its supervisor to start it afresh; tasks waiting at:\n  %s\nproducer backlog:\n  %s",
                idle, settings.stall_seconds, "\n  ".join(waiting_at(worker_tasks(app))),
                "\n  ".join(producer_backlog(app)),
            )
            end_process(EXIT_GRACE)
            await app.crash(RebalanceStuck(f"rebalancing for {idle:.0f} s without progress"))

    app.timer(interval=CHECK_INTERVAL, name="marsad.rebalance-watch")(check)
    return watch
