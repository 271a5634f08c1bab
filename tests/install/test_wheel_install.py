"""A plain install works: the wheel, installed into a fresh virtual environment, runs ``marsad process``,
compiled where it can be, and a pure-Python build (``MARSAD_COMPILE=0``) gives the same analysis.

Nothing else is installed around it (no ``--no-deps`` extras, no editable checkout on the
path), so a dependency the code imports but the package does not declare fails here.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from streams.compiled import why_not_compiled

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "streams" / "samples" / "01_kalin_benghazi.txt"

pytestmark = pytest.mark.packaging


def _run(
    *args: str | Path, cwd: Path, timeout: float = 600, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MARSAD_", "PYTHON", "VIRTUAL_ENV"))} | (env or {})
    result = subprocess.run(
        [str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )
    assert result.returncode == 0, f"{' '.join(map(str, args))} exited {result.returncode}:\n{result.stdout}\n{result.stderr}"
    return result


def test_the_wheel_installs_alone_and_processes_an_article(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    _run(sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", dist, REPO, cwd=tmp_path)
    (wheel,) = dist.glob("marsad-*.whl")
    venv = tmp_path / "venv"
    _run(sys.executable, "-m", "venv", venv, cwd=tmp_path)
    python = venv / "bin" / "python"
    _run(python, "-m", "pip", "install", "--quiet", wheel, cwd=tmp_path)

    out = tmp_path / "enriched.jsonl"
    # run from an empty directory, so the checkout cannot stand in for the installed package
    _run(venv / "bin" / "marsad", "process", SAMPLE, "--out", out, cwd=tmp_path)
    (line,) = out.read_text("utf-8").splitlines()
    record = json.loads(line)
    assert record["entities"] and record["stance"]["label"] in {"supportive", "neutral", "critical"}

    # the analysis runs compiled where the build can compile it, and the pure build agrees
    check = "import streams.stages.pipeline, streams.compiled as c; print(len(c.running_compiled()), len(c.MODULES))"
    running, modules = _run(python, "-c", check, cwd=tmp_path).stdout.split()
    assert running == (modules if why_not_compiled() is None else "0")
    _run(sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", tmp_path / "pure", REPO, cwd=tmp_path, env={"MARSAD_COMPILE": "0"})
    (pure,) = (tmp_path / "pure").glob("marsad-*.whl")
    assert "none-any" in pure.name  # no compiled file in it
    _run(python, "-m", "pip", "install", "--quiet", "--no-deps", "--force-reinstall", pure, cwd=tmp_path)
    assert _run(python, "-c", check, cwd=tmp_path).stdout.split() == ["0", modules]
    out_pure = tmp_path / "enriched-pure.jsonl"
    _run(venv / "bin" / "marsad", "process", SAMPLE, "--out", out_pure, cwd=tmp_path)
    (line_pure,) = out_pure.read_text("utf-8").splitlines()
    analysis = ("entities", "events", "stance")
    assert {k: json.loads(line_pure)[k] for k in analysis} == {k: record[k] for k in analysis}

    # the default install stays light: no camel-tools, no model stack
    listed = _run(python, "-m", "pip", "list", "--format=json", cwd=tmp_path).stdout
    installed = {package["name"].lower() for package in json.loads(listed)}
    assert "marsad" in installed
    assert not installed & {"camel-tools", "torch", "transformers"}
