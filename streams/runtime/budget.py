"""A per-article processing budget: a stage that runs too long on one article is interrupted.

One pathological article must not hold a partition: past the budget the stage function is
interrupted with :class:`streams.errors.OverBudget`, and the article is dead-lettered while
the stream goes on. The budget is CPU time of the worker process (``ITIMER_PROF``), so a
busy machine does not cut a normal article short; it must stay well under
``MARSAD_MAX_POLL_INTERVAL``, past which the consumer would leave its group.

The timer interrupts only the main thread, where the worker's event loop (and so every
stage call) runs; elsewhere (a stage called from another thread) there is no budget.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

from streams.errors import OverBudget


@contextmanager
def processing_budget(seconds: float | None) -> Iterator[None]:
    """Raise :class:`OverBudget` inside the block once it has used ``seconds`` of CPU."""
    if not seconds or threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum: int, frame: FrameType | None) -> None:
        raise OverBudget(f"processing took more than the budget of {seconds:g} s of CPU (MARSAD_PROCESSING_BUDGET)")

    previous = signal.signal(signal.SIGPROF, interrupt)
    signal.setitimer(signal.ITIMER_PROF, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0)
        signal.signal(signal.SIGPROF, previous)
