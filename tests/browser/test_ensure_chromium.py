"""``ensure_chromium.sh`` (run by ``make test``) never fails the run and says why it did nothing."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

SCRIPT = Path(__file__).with_name("ensure_chromium.sh")
SH = shutil.which("sh") or "/bin/sh"


def _run(path: Path) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if key != "MARSAD_CHROMIUM"}
    env["PATH"] = str(path)
    return subprocess.run([SH, str(SCRIPT)], capture_output=True, text=True, env=env, timeout=60)


def test_without_apt_it_explains_and_succeeds(tmp_path: Path) -> None:
    result = _run(tmp_path)  # an empty PATH: no chromium, no apt-get
    assert result.returncode == 0
    assert "no apt-get" in result.stderr and "skipped" in result.stderr


def test_with_a_chromium_on_the_path_it_does_nothing(tmp_path: Path) -> None:
    fake = tmp_path / "chromium"
    fake.write_text("#!/bin/sh\nexit 0\n")
    fake.chmod(0o755)
    result = _run(tmp_path)
    assert result.returncode == 0 and result.stderr == ""
