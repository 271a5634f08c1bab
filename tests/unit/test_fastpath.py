"""The hot-path changes: same answers as the code they replace, applied once, budget intact."""

from __future__ import annotations

import collections.abc
import os
import signal
import typing

import pytest

from streams.errors import OverBudget
from streams.runtime import fastpath
from streams.runtime.budget import processing_budget


def test_the_producers_header_check_answers_as_before() -> None:
    from faust.transport.drivers import aiokafka as driver

    fastpath.apply()
    fastpath.apply()  # idempotent
    assert driver.Mapping is collections.abc.Mapping
    for headers in ([("a", b"1")], {"a": b"1"}, (("a", b"1"),), None):
        assert isinstance(headers, driver.Mapping) == isinstance(headers, typing.Mapping)


def test_idle_polling_is_opt_in(monkeypatch: pytest.MonkeyPatch) -> None:
    from aiokafka.consumer.fetcher import Fetcher

    monkeypatch.delenv(fastpath.IDLE_POLLING_ENV, raising=False)
    if not getattr(Fetcher, "_marsad_idle_polling", False):
        fastpath.apply()
        assert not getattr(Fetcher, "_marsad_idle_polling", False)
    assert os.environ.get(fastpath.IDLE_POLLING_ENV) is None


def test_a_signal_after_the_block_is_ignored_and_the_timer_is_off() -> None:
    with processing_budget(5.0):
        pass
    assert signal.getitimer(signal.ITIMER_PROF) == (0.0, 0.0)
    os.kill(os.getpid(), signal.SIGPROF)  # a late SIGPROF outside any block does nothing


def test_the_budget_still_interrupts_a_long_block() -> None:
    with pytest.raises(OverBudget):
        with processing_budget(0.2):
            while True:
                sum(range(1000))
    assert signal.getitimer(signal.ITIMER_PROF) == (0.0, 0.0)
