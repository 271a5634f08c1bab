"""A local pipeline: the embedded broker, the topics and one worker process per stage.

Used by ``marsad demo``, the integration tests and the benchmark, so all three run the
same processes ops run: ``marsad worker --stage NAME`` against a broker.

The workers get group timings tuned for the embedded broker (:data:`TANSU_TIMINGS`):
Tansu completes a join only after ``session_timeout / 2``, so a 3 s session makes a
join take 1.5 s instead of 5 s, and a killed worker's partitions move after ~3 s.
Tansu also answers a waiting fetch only at its deadline, not when data arrives, so a
short fetch wait keeps every hop from adding up to ``fetch_max_wait_ms`` of latency.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType

from streams.io.broker import EmbeddedBroker, free_port
from streams.io.kafka import create_topics
from streams.settings import Settings
from streams.stages.spec import COMPACTED, INTERNAL_TOPICS, STAGE_NAMES, TOPICS

#: Worker settings for the embedded broker (real Kafka refuses sessions under 6 s).
TANSU_TIMINGS = {
    "MARSAD_SESSION_TIMEOUT": "3",
    "MARSAD_HEARTBEAT_INTERVAL": "0.5",
    "MARSAD_MAX_POLL_INTERVAL": "30",
    "MARSAD_COMMIT_INTERVAL": "0.5",
    "MARSAD_FETCH_MAX_WAIT_MS": "10",
}


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

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process is not None else None

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def terminate(self) -> None:
        """Send SIGTERM without waiting (see :meth:`wait`)."""
        if self.running:
            self.process.send_signal(signal.SIGTERM)  # type: ignore[union-attr]

    def wait(self, timeout: float = 30.0) -> int | None:
        if self.process is None:
            return None
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            return self.process.wait()

    def stop(self, timeout: float = 30.0) -> int | None:
        """SIGTERM, wait for a clean exit, kill if it hangs."""
        if not self.running:
            return None if self.process is None else self.process.returncode
        self.terminate()
        return self.wait(timeout)

    def kill(self) -> None:
        """SIGKILL: a crash, no clean-up."""
        if self.running:
            self.process.send_signal(signal.SIGKILL)  # type: ignore[union-attr]
            self.process.wait()  # type: ignore[union-attr]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.web_port}"

    def get(self, path: str, timeout: float = 2.0) -> tuple[int, bytes]:
        """``GET`` on the worker's web server: (status, body); status 0 when unreachable."""
        try:
            with urllib.request.urlopen(f"{self.url}{path}", timeout=timeout) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.read()
        except (urllib.error.URLError, OSError):
            return 0, b""

    def metrics(self) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
        """The worker's ``/metrics`` as {(sample name, sorted labels): value} (see :func:`metric`)."""
        from prometheus_client.parser import text_string_to_metric_families

        status, body = self.get("/metrics", timeout=5)
        if status != 200:
            raise RuntimeError(f"/metrics answered {status}")
        samples = {}
        for family in text_string_to_metric_families(body.decode()):
            for sample in family.samples:
                samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
        return samples

    def readiness(self) -> dict:
        status, body = self.get("/readyz")
        try:
            data = json.loads(body) if body else {}
        except ValueError:
            data = {}
        data["status"] = status
        return data

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log.read_text("utf-8", "replace").splitlines()[-lines:])
        except OSError:
            return ""


def metric(samples: dict[tuple[str, tuple[tuple[str, str], ...]], float], name: str, **labels: str) -> float:
    """Sum of the samples called ``name`` whose labels include ``labels`` (0 when none)."""
    total = 0.0
    for (sample, sample_labels), value in samples.items():
        if sample == name and set(labels.items()) <= set(sample_labels):
            total += value
    return total


class LocalPipeline:
    """Broker + topics + workers, as a context manager."""

    def __init__(
        self,
        stages: Sequence[str] = STAGE_NAMES,
        *,
        partitions: int = 4,
        workdir: Path | None = None,
        extra_env: dict[str, str] | None = None,
        create_topics: bool = True,
    ):
        """``create_topics=False``: leave the topics to the workers (a cold start)."""
        self._tmp = None if workdir else tempfile.TemporaryDirectory(prefix="marsad-")
        self.create_topics = create_topics
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
        env.update(TANSU_TIMINGS)
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
        if self.create_topics:
            asyncio.run(create_topics(self.settings, (*TOPICS, *INTERNAL_TOPICS), compacted=COMPACTED))
        for stage in self.stages:
            self.add_worker(stage)
        return self

    def add_worker(self, stage: str, **env: str) -> Worker:
        worker = Worker(stage, self.env(**env), self.workdir / f"worker-{stage}-{len(self.workers)}.log").start()
        self.workers.append(worker)
        return worker

    def restart(self, worker: Worker, **env: str) -> Worker:
        """A new process for ``worker``'s stage (after a stop or kill), same settings, new port."""
        if worker.running:
            raise RuntimeError(f"worker {worker.stage} (pid {worker.pid}) is still running")
        settings = {k: v for k, v in worker.env.items() if k.startswith("MARSAD_") and k != "MARSAD_WEB_PORT"}
        settings.update(env)
        return self.add_worker(worker.stage, **settings)

    def live_workers(self, stage: str | None = None) -> list[Worker]:
        return [w for w in self.workers if w.running and (stage is None or w.stage == stage)]

    def stop(self) -> None:
        """SIGTERM every worker at once, wait for them, then stop the broker."""
        for worker in self.workers:
            worker.terminate()
        for worker in self.workers:
            worker.wait(30)
        self.broker.stop()
        if self._tmp is not None:
            self._tmp.cleanup()

    def wait_ready(self, timeout: float = 90.0, workers: Sequence[Worker] | None = None, settle: float = 0.0) -> None:
        """Until every running worker (or those given) answers ``/readyz`` 200 in one round.

        Raises at once when a watched worker exits (with the end of its log), and on
        timeout names the workers still not ready with their last readiness answer.
        ``settle``: how long all must stay ready (a join can set off another rebalance).
        """
        watched = list(workers) if workers is not None else [w for w in self.workers if w.running]
        deadline = time.monotonic() + timeout
        ready_since: float | None = None
        last: dict[int, dict] = {}
        while True:
            for worker in watched:
                if not worker.running:
                    code = worker.process.returncode if worker.process else None
                    raise RuntimeError(
                        f"worker {worker.stage} (pid {worker.pid}) exited with {code}; end of {worker.log}:\n"
                        f"{worker.log_tail()}"
                    )
            answers = {id(w): w.readiness() for w in watched}
            last.update(answers)
            now = time.monotonic()
            if all(a.get("status") == 200 for a in answers.values()):
                ready_since = ready_since or now
                if now - ready_since >= settle:
                    return
            else:
                ready_since = None
            if now > deadline:
                pending = [
                    f"{w.stage} (pid {w.pid}): {last.get(id(w))}"
                    for w in watched
                    if last.get(id(w), {}).get("status") != 200
                ]
                raise TimeoutError(f"workers not ready after {timeout} s: {'; '.join(pending)}")
            time.sleep(0.2)

    def __enter__(self) -> LocalPipeline:
        try:
            return self.start()
        except BaseException:
            self.stop()
            raise

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None) -> None:
        self.stop()
