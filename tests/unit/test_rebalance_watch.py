"""The rebalance watch: a rebalance without progress for the stall limit stops the worker."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
from types import SimpleNamespace

from streams.runtime.diagnosis import waiting_at
from streams.runtime.rebalance_watch import (
    EXIT_GRACE,
    EXIT_STATUS,
    RebalanceStuck,
    RebalanceWatch,
    recovery_progress,
    watch_rebalances,
)


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


def test_a_stuck_rebalance_crashes_the_app_and_arms_the_hard_exit(caplog) -> None:
    """The timer's check, run by hand: once stuck, the worker logs where its tasks wait,
    arms the end of the process and crashes the app (Faust's way of stopping a worker)."""
    timers: list = []
    crashes: list[BaseException] = []
    armed: list[float] = []

    async def crash(exc: BaseException) -> None:
        crashes.append(exc)

    def timer(interval: float, name: str):
        return lambda fn: timers.append(fn) or fn

    app = SimpleNamespace(rebalancing=True, tables=SimpleNamespace(_recovery=None), consumer=None, producer=None, crash=crash, timer=timer)
    settings = SimpleNamespace(stall_seconds=0.05)
    watch_rebalances(app, settings, end_process=armed.append)  # type: ignore[arg-type]
    (check,) = timers

    async def run() -> None:
        await check()  # starts counting
        await asyncio.sleep(0.1)
        await check()

    with caplog.at_level("ERROR", logger="streams.runtime.rebalance_watch"):
        asyncio.run(run())
    assert armed == [EXIT_GRACE]
    assert len(crashes) == 1 and isinstance(crashes[0], RebalanceStuck)
    assert "tasks waiting at" in caplog.text and "test_rebalance_watch.run" in caplog.text


def test_the_tasks_a_stuck_worker_waits_in_are_named_inner_to_the_awaited_call() -> None:
    async def innermost(event: asyncio.Event) -> None:
        await event.wait()

    async def middle(event: asyncio.Event) -> None:
        await innermost(event)

    async def run() -> list[str]:
        event = asyncio.Event()
        task = asyncio.create_task(middle(event), name="stuck-one")
        await asyncio.sleep(0)
        found = waiting_at({task})
        event.set()
        await task
        return found

    (line,) = asyncio.run(run())
    assert line.startswith("stuck-one: ")
    assert "middle" in line and "innermost" in line and "asyncio.locks.wait" in line
    assert line.index("middle") < line.index("innermost")


def test_the_hard_exit_ends_a_process_whose_shutdown_hangs(tmp_path) -> None:
    """A process with a non-daemon thread that never ends cannot exit by returning from main;
    ``exit_after`` ends it anyway, with its status, after its log line is written."""
    script = tmp_path / "hung.py"
    script.write_text(
        "import logging, threading\n"
        "from streams.runtime.rebalance_watch import exit_after\n"
        "logging.basicConfig(level=logging.ERROR)\n"
        "threading.Thread(target=threading.Event().wait).start()  # joins forever at exit\n"
        "exit_after(0.3)\n"
    )
    started = time.monotonic()
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=60)
    assert done.returncode == EXIT_STATUS
    assert "ending the process (status 70)" in done.stderr
    print(f"[ended {time.monotonic() - started:.1f} s after start]")
