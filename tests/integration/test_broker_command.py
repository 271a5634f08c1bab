"""``marsad broker`` stops its broker with it (issue #10, item 9).

SIGTERM (or SIGINT) to the command must reach the Tansu child, which is reaped, so no
orphan keeps holding the port.
"""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from streams.io.broker import free_port

from .support import REPO

pytestmark = pytest.mark.integration


def _wait_listening(port: int, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"nothing listens on {port}")


def _gone(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT, signal.SIGKILL])
def test_a_signal_stops_the_broker_child_and_frees_the_port(
    broker_check: None, signum: signal.Signals, tmp_path: Path
) -> None:
    port = free_port()
    log = tmp_path / "broker.log"
    with open(log, "wb") as out:  # a file, not a pipe: an orphaned child would hold a pipe open
        command = subprocess.Popen(
            [sys.executable, "-m", "streams.cli", "broker", "--port", str(port)],
            cwd=REPO, stdout=out, stderr=subprocess.STDOUT,
        )
    children: list[psutil.Process] = []
    try:
        _wait_listening(port)
        children = psutil.Process(command.pid).children(recursive=True)
        assert children, "the broker runs as a child of marsad broker"
        command.send_signal(signum)
        code = command.wait(timeout=20)
        deadline = time.monotonic() + 10
        while not all(_gone(child.pid) for child in children) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert all(_gone(child.pid) for child in children), [child.pid for child in children]
        # a forwarded stop is a clean exit; SIGKILL cannot be caught (the kernel stops the child)
        assert code == (-signal.SIGKILL if signum == signal.SIGKILL else 0), log.read_text("utf-8", "replace")
        with socket.socket() as sock:  # the port is free again
            sock.bind(("127.0.0.1", port))
    finally:
        for child in children:
            if not _gone(child.pid):
                child.kill()
        if command.poll() is None:
            command.kill()
            command.wait()


def test_a_port_in_use_is_one_line(broker_check: None) -> None:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        result = subprocess.run(
            [sys.executable, "-m", "streams.cli", "broker", "--port", str(port)],
            cwd=REPO, capture_output=True, text=True, timeout=30,
        )
    assert result.returncode != 0
    assert [line for line in result.stderr.splitlines() if line.strip()] == [
        f"Error: port {port} is in use (another broker?): stop it or give --port N"
    ]
