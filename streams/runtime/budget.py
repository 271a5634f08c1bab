"""A per-article processing budget: a stage that runs too long on one article is interrupted.

One pathological article must not hold a partition: past the budget the stage function is
interrupted with :class:`streams.errors.OverBudget`, and the article is dead-lettered while
the stream goes on. The budget is CPU time of the worker process, so a busy machine does
not cut a normal article short; it must stay well under ``MARSAD_MAX_POLL_INTERVAL``, past
which the consumer would leave its group.

perf: the budget is a watchdog, armed once per process, not a timer per article. An
``ITIMER_PROF`` interval ticks every :data:`TICKS_PER_BUDGET`-th of the budget of CPU
(never while the process is idle), and its handler interrupts the article under way once
that article's deadline has passed; an article only writes its deadline. Installing a
handler and arming a timer for every article cost tens of microseconds per article in a
worker, whose consumer thread contends for the interpreter. An article is cut off between
its budget and a tick later.

The handler runs in the main thread, where the worker's event loop (and so every stage
call) runs; elsewhere (a stage called from another thread) there is no budget.
"""

from __future__ import annotations

import atexit
import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

from streams.errors import OverBudget

#: The watchdog checks the article under way this many times per budget of CPU.
TICKS_PER_BUDGET = 8


class _Watchdog:
    """The process's one ``SIGPROF`` handler and the deadline of the article under way."""

    def __init__(self) -> None:
        self.interval: float | None = None  # the ticking interval armed, if any
        self.budget = 0.0
        self.deadline: float | None = None  # CPU seconds of the process

    def arm(self, seconds: float) -> None:
        interval = seconds / TICKS_PER_BUDGET
        if self.interval != interval:
            if self.interval is None:
                # the interpreter's shutdown puts SIGPROF back to its default, which ends
                # the process: a tick during the shutdown would kill a worker exiting cleanly
                atexit.register(self.disarm)
            signal.signal(signal.SIGPROF, self._tick)
            signal.setitimer(signal.ITIMER_PROF, interval, interval)
            self.interval, self.budget = interval, seconds

    def disarm(self) -> None:
        """Stop the ticks and restore the default handler (at exit, in tests)."""
        if self.interval is not None:
            signal.setitimer(signal.ITIMER_PROF, 0)
            signal.signal(signal.SIGPROF, signal.SIG_DFL)
            atexit.unregister(self.disarm)
            self.interval, self.deadline = None, None

    def _tick(self, signum: int, frame: FrameType | None) -> None:
        deadline = self.deadline
        if deadline is not None and time.process_time() >= deadline:
            self.deadline = None  # one interruption per article
            raise OverBudget(
                f"processing took more than the budget of {self.budget:g} s of CPU (MARSAD_PROCESSING_BUDGET)"
            )


_WATCHDOG = _Watchdog()


@contextmanager
def processing_budget(seconds: float | None) -> Iterator[None]:
    """Raise :class:`OverBudget` inside the block once it has used ``seconds`` of CPU."""
    if not seconds or threading.current_thread() is not threading.main_thread():
        yield
        return
    watchdog = _WATCHDOG
    watchdog.arm(seconds)
    watchdog.deadline = time.process_time() + seconds
    try:
        yield
    finally:
        watchdog.deadline = None


def stop_watchdog() -> None:
    """Disarm the budget's timer; the next budgeted block arms it again."""
    _WATCHDOG.disarm()
