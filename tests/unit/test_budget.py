"""The per-article processing budget: a stage that runs too long is cut off, the article dead-lettered."""

from __future__ import annotations

import dataclasses
import signal
import subprocess
import sys
import time
from datetime import datetime, timezone

import orjson
import pytest
from pydantic import ValidationError

from streams.io.topics import DLQ, NORMALISED
from streams.runtime.budget import stop_watchdog
from streams.runtime.handling import handle_message
from streams.settings import Settings
from streams.stages.spec import STAGES, StageContext

CONTEXT = StageContext(pipeline_version="9.9.9+kb.test", clock=lambda: datetime(2025, 6, 1, tzinfo=timezone.utc))
ARTICLE = orjson.dumps({"text": "زار وزير الخارجية التركي العاصمة الليبية طرابلس يوم الاثنين والتقى رئيس الحكومة هناك."})


def _spin(record, context):  # a stage that never finishes on its own (a quadratic loop, say)
    while True:
        sum(range(1000))


def test_a_stage_over_budget_is_dead_lettered_and_the_next_article_runs() -> None:
    spec = dataclasses.replace(STAGES["normalise"], run=_spin)
    started = time.process_time()
    outcome = handle_message(spec, b"slow-1", ARTICLE, CONTEXT, budget=0.3)
    assert time.process_time() - started < 5
    assert outcome.failed == "OverBudget" and [m.topic for m in outcome.messages] == [DLQ]
    letter = orjson.loads(outcome.messages[0].value)
    assert letter["error"] == "OverBudget:over_budget" and "MARSAD_PROCESSING_BUDGET" in letter["message"]

    # an ordinary article under the same budget is processed, and the watchdog, still
    # ticking, interrupts nothing outside an article
    outcome = handle_message("normalise", b"ok-1", ARTICLE, CONTEXT, budget=0.3)
    assert outcome.failed is None and outcome.messages[0].topic == NORMALISED
    interval, _ = signal.getitimer(signal.ITIMER_PROF)
    assert interval > 0
    deadline = time.process_time() + 0.6
    while time.process_time() < deadline:
        sum(range(1000))
    stop_watchdog()
    assert signal.getitimer(signal.ITIMER_PROF) == (0.0, 0.0)


def test_a_stage_failing_on_its_own_leaves_no_deadline_behind() -> None:
    def broken(record, context):
        raise ValueError("no such article")

    spec = dataclasses.replace(STAGES["normalise"], run=broken)
    outcome = handle_message(spec, b"bad-1", ARTICLE, CONTEXT, budget=0.3)
    assert outcome.failed == "ValueError"
    deadline = time.process_time() + 0.6  # two budgets' CPU outside any article
    while time.process_time() < deadline:
        sum(range(1000))
    stop_watchdog()


def test_no_budget_means_no_timer() -> None:
    stop_watchdog()
    outcome = handle_message("normalise", b"ok-2", ARTICLE, CONTEXT, budget=None)
    assert outcome.failed is None and signal.getitimer(signal.ITIMER_PROF) == (0.0, 0.0)


def test_the_budget_must_stay_under_the_poll_interval() -> None:
    assert Settings().processing_budget == 10.0
    with pytest.raises(ValidationError, match="MARSAD_PROCESSING_BUDGET"):
        Settings(processing_budget=30, max_poll_interval=30)


def test_a_process_with_the_watchdog_armed_exits_cleanly() -> None:
    """The shutdown puts SIGPROF back to its default (which ends the process): the ticks
    stop at exit first, so a worker stopping cleanly is not killed by one."""
    script = (
        "from streams.runtime.budget import processing_budget\n"
        "with processing_budget(0.008):\n"  # a tick every millisecond of CPU
        "    pass\n"
        "garbage = [{str(i): [i] * 4} for i in range(300_000)]\n"  # a shutdown that takes CPU
    )
    for _ in range(3):
        finished = subprocess.run([sys.executable, "-c", script], capture_output=True, timeout=120)
        assert finished.returncode == 0, finished.stderr.decode()[-500:]
