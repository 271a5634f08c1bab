"""The compiled analysis modules: which run compiled, and edited sources win over stale builds.

Real files in a temporary source tree: a module's source beside a "compiled" file of the
name Python's import system looks for first. The stand-in compiled file is not loadable,
so importing it at all would fail the test.
"""

from __future__ import annotations

import importlib
import importlib.machinery
import os
import sys
from pathlib import Path

import pytest

import streams.stages.pipeline  # noqa: F401 - imports every compiled module
from streams.compiled import MODULES, SourcesFirst, built_file, running_compiled, stale, use_fresh_sources, why_not_compiled

SUFFIX = importlib.machinery.EXTENSION_SUFFIXES[0]


def _tree(root: Path, *, source_newer: bool) -> None:
    """A package ``mtree`` with a module ``fast`` and a broken stand-in compiled file for it."""
    package = root / "mtree"
    package.mkdir()
    (package / "__init__.py").write_text("")
    built, source = package / f"fast{SUFFIX}", package / "fast.py"
    built.write_bytes(b"not an extension module")
    source.write_text("WHERE = 'source'\n")
    earlier, later = 1_700_000_000, 1_700_000_100
    os.utime(built, (earlier, later if not source_newer else earlier))
    os.utime(source, (earlier, later if source_newer else earlier))


def test_a_source_changed_after_compiling_is_found_stale(tmp_path: Path) -> None:
    _tree(tmp_path, source_newer=True)
    assert built_file("mtree.fast", tmp_path) == tmp_path / "mtree" / f"fast{SUFFIX}"
    assert stale(["mtree.fast", "mtree.absent"], tmp_path) == ["mtree.fast"]
    assert built_file("mtree.absent", tmp_path) is None


def test_a_build_newer_than_its_source_is_not_stale(tmp_path: Path) -> None:
    _tree(tmp_path, source_newer=False)
    assert stale(["mtree.fast"], tmp_path) == []
    assert use_fresh_sources(["mtree.fast"], tmp_path) == []


def test_stale_modules_are_loaded_from_their_sources(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _tree(tmp_path, source_newer=True)
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(sys, "meta_path", list(sys.meta_path))
    for name in ("mtree", "mtree.fast"):
        monkeypatch.delitem(sys.modules, name, raising=False)
    with pytest.warns(RuntimeWarning, match="mtree.fast changed after compiling"):
        assert use_fresh_sources(["mtree.fast"], tmp_path) == ["mtree.fast"]
    assert isinstance(sys.meta_path[0], SourcesFirst)
    module = importlib.import_module("mtree.fast")
    assert module.WHERE == "source" and module.__file__ == str(tmp_path / "mtree" / "fast.py")
    # a second call adds no second finder
    use_fresh_sources(["mtree.fast"], tmp_path)
    assert sum(isinstance(finder, SourcesFirst) for finder in sys.meta_path) == 1


def test_without_the_finder_the_stand_in_compiled_file_is_what_python_picks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The premise of the finder: an extension module shadows a source of the same name."""
    _tree(tmp_path, source_newer=True)
    monkeypatch.syspath_prepend(str(tmp_path))
    for name in ("mtree", "mtree.fast"):
        monkeypatch.delitem(sys.modules, name, raising=False)
    with pytest.raises(ImportError):
        importlib.import_module("mtree.fast")


def test_this_install_runs_the_analysis_compiled_where_it_can_be_built() -> None:
    """``make install``/``make test`` compile the analysis (setup.py) wherever there is a C compiler."""
    reason = why_not_compiled()
    if reason is not None:
        pytest.skip(f"this machine builds pure Python: {reason}")
    if stale(MODULES):
        pytest.skip(f"sources changed since the install compiled them: {', '.join(stale(MODULES))}")
    assert running_compiled() == list(MODULES)
