"""Reading the knowledge files: YAML through libyaml's safe loader when it is available."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from importlib.resources import files
from importlib.resources.abc import Traversable
from typing import Any

import yaml

_SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml: ~20x faster than pure Python


def load_yaml(data: bytes | str) -> Any:
    """Parse YAML data with a safe loader (plain data only, no object construction)."""
    return yaml.load(data, Loader=_SafeLoader)  # noqa: S506 - the loader is a safe one


#: Not knowledge: bytecode caches Python writes beside the modules.
_IGNORED_DIRS = frozenset({"__pycache__"})
_IGNORED_SUFFIXES = (".pyc", ".pyo")


def knowledge_root() -> Traversable:
    """The ``streams/knowledge`` directory of the installed package."""
    return files("streams.knowledge")


def knowledge_bytes(name: str, root: Traversable | None = None) -> bytes:
    """The bytes of a file in ``streams/knowledge`` (or in ``root``, a copy of it)."""
    return (root or knowledge_root()).joinpath(name).read_bytes()


def knowledge_files(root: Traversable | None = None) -> Iterator[tuple[str, Traversable]]:
    """Every file under the knowledge directory, as (relative path, file), in path order."""

    def walk(directory: Traversable, prefix: str) -> Iterator[tuple[str, Traversable]]:
        for entry in sorted(directory.iterdir(), key=lambda e: e.name):
            if entry.is_dir():
                if entry.name not in _IGNORED_DIRS:
                    yield from walk(entry, f"{prefix}{entry.name}/")
            elif not entry.name.endswith(_IGNORED_SUFFIXES):
                yield f"{prefix}{entry.name}", entry

    yield from walk(root or knowledge_root(), "")


def fingerprint(root: Traversable | None = None) -> str:
    """A hash of every file under the knowledge directory, its path and its bytes.

    Generic on purpose: a data file added later (a gazetteer, a calibration table) and the
    code that reads the data are covered without editing the loader, so any knowledge
    change is a new ``pipeline_version`` and the publish-once gate publishes its results.
    """
    digest = hashlib.sha256()
    for name, entry in knowledge_files(root):
        data = entry.read_bytes()
        digest.update(f"{name}\0{len(data)}\0".encode())
        digest.update(data)
    return digest.hexdigest()[:8]
