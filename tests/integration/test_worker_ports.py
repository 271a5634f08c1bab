"""Workers on one host do not collide on their web port (issue #10, item 7).

The README's example session starts a worker per stage on one host without any port
setting: each must come up and answer ``/healthz``, on the port its first log line names.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from streams.io.broker import EmbeddedBroker
from streams.tools.runner import TANSU_TIMINGS

from .support import cli

pytestmark = pytest.mark.integration

ANNOUNCED = re.compile(r"health and metrics on http://127\.0\.0\.1:(\d+)/healthz")


def worker_env(broker: EmbeddedBroker, workdir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MARSAD_")}  # no MARSAD_WEB_PORT
    env.update(TANSU_TIMINGS, MARSAD_BROKER=broker.url, MARSAD_PARTITIONS="2", MARSAD_DATA_DIR=str(workdir / "data"))
    env["PYTHONUNBUFFERED"] = "1"
    return env


def healthz(port: int) -> int:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code
    except OSError:
        return 0


def announced_port(log: Path, process: subprocess.Popen[bytes], timeout: float = 60.0) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        text = log.read_text("utf-8", "replace") if log.exists() else ""
        if match := ANNOUNCED.search(text):
            first_lines = text.splitlines()[:3]
            assert any(ANNOUNCED.search(line) for line in first_lines), first_lines
            return int(match.group(1))
        if process.poll() is not None:
            raise AssertionError(f"worker exited {process.returncode}:\n{text[-2000:]}")
        time.sleep(0.2)
    raise AssertionError(f"no port announced in {log}")


@pytest.fixture
def broker(broker_check: None, tmp_path: Path) -> Iterator[EmbeddedBroker]:
    with EmbeddedBroker(log_file=tmp_path / "broker.log") as running:
        yield running


def test_a_worker_per_stage_on_one_host_all_answer_healthz(broker: EmbeddedBroker, tmp_path: Path) -> None:
    env = worker_env(broker, tmp_path)
    # the four article stages, and a second normalise worker: its stage's port is taken by then
    stages = ["normalise", "entities", "events", "stance", "normalise"]
    workers: list[tuple[str, subprocess.Popen[bytes], Path]] = []
    try:
        ports: list[int] = []
        for number, stage in enumerate(stages):
            log = tmp_path / f"worker-{number}-{stage}.log"
            with open(log, "wb") as out:
                process = subprocess.Popen(
                    [sys.executable, "-m", "streams.cli", "worker", "--stage", stage],
                    env=env, cwd=tmp_path, stdout=out, stderr=subprocess.STDOUT,
                )
            workers.append((stage, process, log))
            ports.append(announced_port(log, process))
        assert len(set(ports)) == len(stages), ports  # each its own: a stage's port, or a free one when taken
        deadline = time.monotonic() + 120
        pending = dict(zip(range(len(stages)), ports))
        while pending and time.monotonic() < deadline:
            for number, port in list(pending.items()):
                if healthz(port) == 200:
                    del pending[number]
            for stage, process, log in workers:
                assert process.poll() is None, f"{stage} died:\n{log.read_text('utf-8', 'replace')[-2000:]}"
            time.sleep(0.5)
        assert not pending, {stages[n]: p for n, p in pending.items()}

        # a port given explicitly that is taken: one line naming it, before the worker starts
        taken = ports[1]
        started = time.monotonic()
        result = cli("worker", "--stage", "events", "--web-port", str(taken), env={"MARSAD_BROKER": broker.url})
        assert result.returncode == 2
        (line,) = [text for text in result.stderr.splitlines() if text.strip()]
        assert f"web port 127.0.0.1:{taken} is in use" in line and "--web-port" in line
        assert time.monotonic() - started < 20
    finally:
        for _, process, _ in workers:
            if process.poll() is None:
                process.terminate()
        for _, process, _ in workers:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
