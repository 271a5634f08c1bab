"""Build step: the stages' analysis modules compiled to C with mypyc.

The analysis is plain Python over small models and strings; compiled, the same code takes
about a quarter less CPU per article, with the same output (BENCHMARKS.md, "Compiled
analysis"). Everything else in ``pyproject.toml``; this file only adds the extensions.

Pure Python is the fallback, built when ``MARSAD_COMPILE=0`` or when this machine has no C
compiler or Python headers; ``marsad bench`` says which one it measured. In an editable
install a compiled module whose source changed afterwards is not used
(``streams.compiled``): the next ``pip install -e`` compiles it again.
"""

from __future__ import annotations

import runpy
import sys
from pathlib import Path

from setuptools import setup

#: streams.compiled says what is compiled and when it can be (it needs only the standard library)
_COMPILED = runpy.run_path(str(Path(__file__).parent / "streams" / "compiled.py"))


def _extensions() -> list:
    reason = _COMPILED["why_not_compiled"]()
    if reason is not None:
        print(f"marsad: building pure Python, {reason}", file=sys.stderr)
        return []
    from mypyc.build import mypycify

    paths = [name.replace(".", "/") + ".py" for name in _COMPILED["MODULES"]]
    return mypycify(paths, opt_level="3", group_name="marsad")


setup(ext_modules=_extensions())
