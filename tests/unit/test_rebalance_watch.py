"""The rebalance watch: a rebalance without progress for the stall limit stops the worker."""

from __future__ import annotations

from types import SimpleNamespace

from streams.runtime.rebalance_watch import RebalanceWatch, recovery_progress


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_a_rebalance_without_progress_is_stuck_after_the_limit() -> None:
    clock = Clock()
    watch = RebalanceWatch(120.0, clock)
    assert watch.stuck_for(True, None) is None  # starts counting
    clock.now = 119.0
    assert watch.stuck_for(True, None) is None
    clock.now = 125.0
    assert watch.stuck_for(True, None) == 125.0


def test_progress_or_an_end_of_the_rebalance_starts_the_count_again() -> None:
    clock = Clock()
    watch = RebalanceWatch(120.0, clock)
    watch.stuck_for(True, None)
    clock.now = 100.0
    assert watch.stuck_for(True, (("changelog-0", 10),)) is None  # the recovery moved on
    clock.now = 200.0
    assert watch.stuck_for(True, (("changelog-0", 10),)) is None  # 100 s since that progress
    clock.now = 221.0
    assert watch.stuck_for(True, (("changelog-0", 10),)) == 121.0
    assert watch.stuck_for(False, None) is None  # the rebalance ended
    clock.now = 300.0
    assert watch.stuck_for(True, None) is None  # a new one: counted from now
    clock.now = 419.0
    assert watch.stuck_for(True, None) is None


def test_recovery_progress_is_the_offsets_read_while_a_recovery_runs() -> None:
    idle = SimpleNamespace(tables=SimpleNamespace(_recovery=None))
    assert recovery_progress(idle) is None  # type: ignore[arg-type]
    recovery = SimpleNamespace(in_recovery=True, active_offsets={"t-0": 4}, standby_offsets={"t-1": 2})
    running = SimpleNamespace(tables=SimpleNamespace(_recovery=recovery))
    first = recovery_progress(running)  # type: ignore[arg-type]
    recovery.active_offsets = {"t-0": 5}
    assert first is not None and recovery_progress(running) != first  # type: ignore[arg-type]
    recovery.in_recovery = False
    assert recovery_progress(running) is None  # type: ignore[arg-type]
