"""Reading the knowledge files: YAML through libyaml's safe loader when it is available."""

from __future__ import annotations

from importlib.resources import files
from typing import Any

import yaml

_SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml: ~20x faster than pure Python


def load_yaml(data: bytes | str) -> Any:
    """Parse YAML data with a safe loader (plain data only, no object construction)."""
    return yaml.load(data, Loader=_SafeLoader)  # noqa: S506 - the loader is a safe one


def knowledge_bytes(name: str) -> bytes:
    """The bytes of a file in ``streams/knowledge``."""
    return files("streams.knowledge").joinpath(name).read_bytes()
