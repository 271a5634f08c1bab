"""Fixtures of the integration suite.

One four-stage pipeline (broker + ``marsad worker --stage X`` processes) is shared by
every module that only publishes and reads; modules that stop, kill or re-point workers
start their own (module-scoped). Each test publishes articles with ids of its own and
waits for those, so tests sharing a pipeline do not see each other's records.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from streams.tools.runner import LocalPipeline
from streams.stages.spec import STAGE_NAMES

from .support import TopicWatcher, start_pipeline

_PIPELINES: list[LocalPipeline] = []


def _broker_available() -> str | None:
    try:
        from streams.io.broker import broker_binary

        broker_binary()
    except Exception as error:  # noqa: BLE001 - any failure means: no embedded broker here
        return f"embedded broker unavailable: {error}"
    return None


@pytest.fixture(scope="session")
def broker_check() -> None:
    reason = _broker_available()
    if reason:
        pytest.skip(reason)


def managed_pipeline(workdir: Path, stages: list[str], extra_env: dict[str, str] | None = None) -> Iterator[LocalPipeline]:
    """A started pipeline; ``MARSAD_TEST_LOG_LEVEL=info`` makes its workers log more."""
    env = {"MARSAD_LOG_LEVEL": os.environ.get("MARSAD_TEST_LOG_LEVEL", "warn"), **(extra_env or {})}
    pipeline = start_pipeline(workdir, stages, env)
    _PIPELINES.append(pipeline)
    try:
        yield pipeline
    finally:
        _PIPELINES.remove(pipeline)
        pipeline.stop()


@pytest.fixture(scope="session")
def pipeline(broker_check: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalPipeline]:
    """The shared pipeline: broker, topics (4 partitions), one worker per stage."""
    yield from managed_pipeline(tmp_path_factory.mktemp("main-pipeline"), list(STAGE_NAMES))


@pytest.fixture(scope="session")
def watcher(pipeline: LocalPipeline) -> Iterator[TopicWatcher]:
    watching = TopicWatcher(pipeline.settings)
    yield watching
    watching.close()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Iterator[None]:
    """On a failure, attach the end of every running worker's log to the report."""
    outcome = yield
    report = outcome.get_result()
    if report.failed and _PIPELINES:
        for pipeline in _PIPELINES:
            for worker in pipeline.workers:
                state = "running" if worker.running else f"exited {worker.process.returncode if worker.process else None}"
                report.sections.append((f"worker {worker.stage} pid {worker.pid} ({state})", worker.log_tail(15)))
