"""The pipeline version follows every knowledge file: an edit anywhere under streams/knowledge is a new version.

Otherwise a lexicon change reprocessed under the old version would be suppressed by the
publish-once gate. Each file is edited in a temporary copy of the directory, never in place.
"""

from __future__ import annotations

import shutil
from importlib.resources import as_file
from pathlib import Path

import pytest

from streams.knowledge import load_knowledge
from streams.knowledge.files import fingerprint, knowledge_files, knowledge_root
from streams.stages.pipeline import pipeline_version


@pytest.fixture()
def copy(tmp_path: Path) -> Path:
    with as_file(knowledge_root()) as source:
        target = tmp_path / "knowledge"
        shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    return target


def _names() -> list[str]:
    return [name for name, _ in knowledge_files()]


def test_every_kind_of_knowledge_file_is_covered() -> None:
    names = _names()
    for expected in ("chrome.yaml", "stance.yaml", "triggers.yaml", "lexicons.py"):
        assert expected in names
    assert any(name.startswith("actors/") for name in names)
    assert not any("__pycache__" in name or name.endswith(".pyc") for name in names)


def test_a_copy_has_the_packaged_fingerprint(copy: Path) -> None:
    assert fingerprint(copy) == fingerprint() == load_knowledge().fingerprint


@pytest.mark.parametrize("name", _names())
def test_editing_any_knowledge_file_changes_the_version(copy: Path, name: str) -> None:
    before = fingerprint(copy)
    path = copy / name
    path.write_bytes(path.read_bytes() + b"\n# an edit\n")
    assert fingerprint(copy) != before


def test_a_new_data_file_changes_the_version(copy: Path) -> None:
    before = fingerprint(copy)
    (copy / "gazetteer.yaml").write_text("- a new entry\n", "utf-8")
    assert fingerprint(copy) != before


def test_a_chrome_pattern_edit_reaches_the_pipeline_version(copy: Path) -> None:
    chrome = copy / "chrome.yaml"
    chrome.write_text(
        chrome.read_text("utf-8") + '\n- name: test_only\n  scope: line\n  pattern: "zzz تجربة zzz"\n', "utf-8"
    )
    edited = load_knowledge(copy)
    assert "test_only" in edited.chrome.names.values()
    assert pipeline_version(edited) != pipeline_version(load_knowledge())
