"""The analysis modules compiled with mypyc, and what runs when a source is newer.

``setup.py`` compiles :data:`MODULES` (when it can). In an editable install the compiled
files sit beside their sources, and Python imports an extension module before a source of
the same name, so an edited source would go unused until the next ``pip install -e``. The
compiled modules call one another directly, so one stale module makes the whole group
stale: then every one of them is loaded from its source, with a warning.

Only the standard library here: ``setup.py`` reads this file before the package is built.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import importlib.util
import os
import shutil
import sys
import sysconfig
import warnings
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType

#: What setup.py compiles: the text utilities and the per-article stages, whose functions
#: call one another. Modules that define pydantic models stay Python (mypyc does not build them).
MODULES: tuple[str, ...] = (
    "streams.text.chrome",
    "streams.text.matcher",
    "streams.text.matchform",
    "streams.text.scan",
    "streams.text.script",
    "streams.text.sentences",
    "streams.text.spans",
    "streams.text.tokens",
    "streams.text.wordpattern",
    "streams.stages.normalise",
    "streams.stages.entities",
    "streams.stages.persons",
    "streams.stages.outlets",
    "streams.stages.mentions",
    "streams.stages.events",
    "streams.stages.stance",
)

_ROOT = Path(__file__).resolve().parent.parent  # the directory holding the streams package


def why_not_compiled() -> str | None:
    """Why a build here would be pure Python (None: it compiles :data:`MODULES`)."""
    if os.environ.get("MARSAD_COMPILE", "1").strip().lower() in {"0", "no", "false"}:
        return "MARSAD_COMPILE=0"
    compiler = (sysconfig.get_config_var("CC") or "cc").split()[0]
    if shutil.which(compiler) is None:
        return f"no C compiler ({compiler})"
    if not (Path(sysconfig.get_paths()["include"]) / "Python.h").exists():
        return "no Python headers (Python.h)"
    return None


def built_file(name: str, root: Path = _ROOT) -> Path | None:
    """The compiled file of module ``name`` under ``root``, if there is one for this Python."""
    stem = root.joinpath(*name.split("."))
    for suffix in importlib.machinery.EXTENSION_SUFFIXES:
        path = stem.with_name(stem.name + suffix)
        if path.exists():
            return path
    return None


def stale(names: Sequence[str], root: Path = _ROOT) -> list[str]:
    """The modules among ``names`` whose source was changed after they were compiled."""
    found = []
    for name in names:
        built = built_file(name, root)
        source = root.joinpath(*name.split(".")).with_suffix(".py")
        if built is not None and source.exists() and source.stat().st_mtime > built.stat().st_mtime:
            found.append(name)
    return found


def running_compiled(modules: dict[str, ModuleType] | None = None) -> list[str]:
    """The modules of :data:`MODULES` imported so far that run from their compiled file."""
    modules = sys.modules if modules is None else modules
    return [
        name
        for name in MODULES
        if name in modules and str(getattr(modules[name], "__file__", "")).endswith(tuple(importlib.machinery.EXTENSION_SUFFIXES))
    ]


class SourcesFirst(importlib.abc.MetaPathFinder):
    """Loads the named modules from their ``.py`` sources, ahead of any compiled file."""

    def __init__(self, names: Sequence[str], root: Path) -> None:
        self.names, self.root = frozenset(names), root

    def find_spec(self, fullname: str, path: object = None, target: object = None) -> importlib.machinery.ModuleSpec | None:
        if fullname not in self.names:
            return None
        return importlib.util.spec_from_file_location(fullname, self.root.joinpath(*fullname.split(".")).with_suffix(".py"))


def _in_source_tree(root: Path) -> bool:
    """An editable install or a checkout on ``sys.path``, not an installed wheel (whose file
    times say when pip unpacked it, not when it was built)."""
    installed = {Path(sysconfig.get_paths()[key]).resolve() for key in ("purelib", "platlib")}
    return root not in installed


def use_fresh_sources(names: Sequence[str] = MODULES, root: Path = _ROOT) -> list[str]:
    """If a source in a source tree is newer than its compiled module, load them all from source.

    Returns the stale modules (empty: nothing changed). Runs when ``streams`` is imported,
    before any of them.
    """
    if not _in_source_tree(root):
        return []
    changed = stale(names, root)
    if changed and not any(isinstance(finder, SourcesFirst) for finder in sys.meta_path):
        sys.meta_path.insert(0, SourcesFirst(names, root))
        warnings.warn(
            f"{', '.join(changed)} changed after compiling: the analysis runs from its Python sources "
            "(slower); `pip install -e .` (make install) compiles it again",
            RuntimeWarning,
            stacklevel=2,
        )
    return changed
