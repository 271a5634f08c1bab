"""A local pipeline: the embedded broker, the topics and one worker process per stage.

Used by ``marsad demo``, the integration tests and the benchmark, so all three run the
same processes ops run: ``marsad worker --stage NAME`` against a broker.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType

from streams.broker import EmbeddedBroker, free_port
from streams.kafka import create_topics
from streams.settings import Settings
from streams.topics import STAGE_NAMES


class Worker:
    """One ``marsad worker`` process."""

    def __init__(self, stage: str, env: dict[str, str], log: Path):
        self.stage = stage
        self.env = env
        self.log = log
        self.web_port = int(env["MARSAD_WEB_PORT"])
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> Worker:
        with open(self.log, "ab") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "streams.cli", "worker", "--stage", self.stage],
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        return self

    def stop(self, timeout: float = 30.0) -> int | None:
        """SIGTERM, wait for a clean exit, kill if it hangs."""
        if self.process is None or self.process.poll() is not None:
            return None if self.process is None else self.process.returncode
        self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            return self.process.wait()

    def kill(self) -> None:
        """SIGKILL: a crash, no clean-up."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.web_port}"


class LocalPipeline:
    """Broker + topics + workers, as a context manager."""

    def __init__(
        self,
        stages: Sequence[str] = STAGE_NAMES,
        *,
        partitions: int = 4,
        workdir: Path | None = None,
        extra_env: dict[str, str] | None = None,
    ):
        self._tmp = None if workdir else tempfile.TemporaryDirectory(prefix="marsad-")
        self.workdir = workdir or Path(self._tmp.name)  # type: ignore[union-attr]
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.stages = list(stages)
        self.partitions = partitions
        self.extra_env = extra_env or {}
        self.broker = EmbeddedBroker(log_file=self.workdir / "broker.log")
        self.workers: list[Worker] = []

    @property
    def settings(self) -> Settings:
        return Settings(broker=self.broker.url, partitions=self.partitions)

    def env(self, **overrides: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("MARSAD_")}
        env.update(
            MARSAD_BROKER=self.broker.url,
            MARSAD_PARTITIONS=str(self.partitions),
            MARSAD_DATA_DIR=str(self.workdir / "data"),
            MARSAD_WEB_PORT=str(free_port()),
            MARSAD_LOG_LEVEL="warn",
            PYTHONUNBUFFERED="1",
        )
        env.update(self.extra_env)
        env.update(overrides)
        return env

    def start(self) -> LocalPipeline:
        self.broker.start()
        asyncio.run(create_topics(self.settings))
        for stage in self.stages:
            self.add_worker(stage)
        return self

    def add_worker(self, stage: str, **env: str) -> Worker:
        worker = Worker(stage, self.env(**env), self.workdir / f"worker-{stage}-{len(self.workers)}.log").start()
        self.workers.append(worker)
        return worker

    def stop(self) -> None:
        for worker in self.workers:
            worker.stop()
        self.broker.stop()
        if self._tmp is not None:
            self._tmp.cleanup()

    def wait_ready(self, timeout: float = 60.0) -> None:
        """Until every worker's readiness endpoint answers 200."""
        import urllib.error
        import urllib.request

        deadline = time.monotonic() + timeout
        pending = list(self.workers)
        while pending and time.monotonic() < deadline:
            for worker in list(pending):
                if worker.process is not None and worker.process.poll() is not None:
                    raise RuntimeError(f"worker {worker.stage} exited with {worker.process.returncode}; see {worker.log}")
                try:
                    with urllib.request.urlopen(f"{worker.url}/readyz", timeout=1) as response:
                        if response.status == 200:
                            pending.remove(worker)
                except (urllib.error.URLError, OSError):
                    pass
            time.sleep(0.2)
        if pending:
            raise TimeoutError(f"workers not ready after {timeout} s: {[w.stage for w in pending]}")

    def __enter__(self) -> LocalPipeline:
        return self.start()

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None) -> None:
        self.stop()
