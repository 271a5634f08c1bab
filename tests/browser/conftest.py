"""A real headless Chromium (Debian's ``chromium``) driven by playwright, and a running dashboard.

No browser, no playwright, or a browser that will not start: the tests are skipped with
the reason (``make test`` installs Debian's chromium first when it may). Screenshots go
to ``$MARSAD_ARTIFACTS`` (default ``tests/browser/artifacts/``).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
SAMPLES = REPO / "streams" / "samples"
MARSAD = Path(sys.executable).with_name("marsad")
#: Flags that let Chromium run headless in a container without reaching the network.
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


def chromium_path() -> str | None:
    """``$MARSAD_CHROMIUM``, else Debian's chromium on the PATH."""
    configured = os.environ.get("MARSAD_CHROMIUM")
    if configured:
        return configured if Path(configured).is_file() else None
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    return None


@pytest.fixture(scope="session")
def artifacts() -> Path:
    directory = Path(os.environ.get("MARSAD_ARTIFACTS") or REPO / "tests" / "browser" / "artifacts")
    directory.mkdir(parents=True, exist_ok=True)
    return directory


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    try:
        from playwright.sync_api import Error, sync_playwright
    except ImportError:
        pytest.skip("playwright is not installed (pip install '.[test]')")
    executable = chromium_path()
    if executable is None:
        pytest.skip("no Chromium: install Debian's chromium (apt-get install chromium) or set MARSAD_CHROMIUM")
    with sync_playwright() as playwright:
        try:
            instance = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        except Error as error:
            pytest.skip(f"Chromium at {executable} does not start: {str(error).splitlines()[0]}")
        yield instance
        instance.close()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def marsad(*args: str) -> subprocess.CompletedProcess[str]:
    """Run the ``marsad`` command; fail the test with its output when it fails."""
    result = subprocess.run([str(MARSAD), *args], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, f"marsad {' '.join(args)}: {result.stdout}\n{result.stderr}"
    return result


@dataclass
class Running:
    url: str
    store: Path
    records: list[dict[str, Any]]
    workdir: Path


@pytest.fixture(scope="module")
def dashboard(tmp_path_factory: pytest.TempPathFactory, browser: Any) -> Iterator[Running]:
    """The bundled samples processed into a store, and ``marsad dashboard`` serving it."""
    import orjson

    workdir = tmp_path_factory.mktemp("dashboard")
    enriched = workdir / "samples.jsonl"
    store = workdir / "store.duckdb"
    marsad("process", str(SAMPLES), "--out", str(enriched))
    marsad("store", "load", str(enriched), "--store", str(store))
    records = [orjson.loads(line) for line in enriched.read_bytes().splitlines() if line.strip()]
    port = _free_port()
    server = subprocess.Popen(
        [str(MARSAD), "dashboard", "--store", str(store), "--port", str(port)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(url + "api/version", timeout=2).read()
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    output = server.stdout.read() if server.stdout else ""
                    pytest.fail(f"marsad dashboard did not come up: {output}")
                time.sleep(0.2)
        yield Running(url, store, records, workdir)
    finally:
        server.terminate()
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            server.kill()
