"""The contract a model backend fulfils, and how backends are named and loaded.

A backend is any object with the methods below; it is named by an import path
``package.module:factory`` (the factory is called with no arguments). Backends augment
the knowledge-base analysis, they never replace its offsets or its evidence:

* an :class:`EntityBackend` returns entities found in a normalised article; those whose
  mentions overlap no existing mention are added (unlinked ones keep their surface form);
* a :class:`StanceBackend` returns a score in [-1, 1] (or ``None`` to abstain), blended
  with the cue-based score at ``stance_weight``.

Nothing here imports a model library: ``streams.backends.camel_ner`` does, lazily, for
camel-tools' NER (``pip install 'marsad[models]'`` and its data, see the README).
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from models import Entity, EventsArticle, NormalisedArticle


class BackendError(RuntimeError):
    """A backend could not be loaded or set up (missing package, model data or factory)."""


@runtime_checkable
class EntityBackend(Protocol):
    name: str

    def entities(self, article: NormalisedArticle) -> list[Entity]: ...


@runtime_checkable
class StanceBackend(Protocol):
    name: str

    def score(self, article: EventsArticle) -> float | None: ...


@dataclass(frozen=True)
class Backends:
    """The backends a pipeline runs with; empty by default."""

    entities: tuple[EntityBackend, ...] = ()
    stance: StanceBackend | None = None
    stance_weight: float = 0.5

    @property
    def names(self) -> list[str]:
        return [b.name for b in self.entities] + ([self.stance.name] if self.stance else [])


def _load(path: str, protocol: type) -> object:
    module_name, _, attribute = path.partition(":")
    if not module_name or not attribute:
        raise BackendError(f"backend {path!r} must be written 'package.module:factory'")
    try:
        factory = getattr(importlib.import_module(module_name), attribute)
    except (ImportError, AttributeError) as error:
        raise BackendError(f"cannot import backend {path!r}: {error}") from error
    backend = factory()
    if not isinstance(backend, protocol):
        raise BackendError(f"backend {path!r} does not implement {protocol.__name__}")
    return backend


def load_backends(entity_paths: list[str] | None = None, stance_path: str | None = None, stance_weight: float = 0.5) -> Backends:
    """Build backends from import paths (as given in MARSAD_ENTITY_BACKENDS / MARSAD_STANCE_BACKEND)."""
    entities = tuple(_load(path, EntityBackend) for path in entity_paths or [] if path)  # type: ignore[misc]
    stance = _load(stance_path, StanceBackend) if stance_path else None
    if not 0.0 <= stance_weight <= 1.0:
        raise BackendError("stance_weight must lie in [0, 1]")
    return Backends(entities=entities, stance=stance, stance_weight=stance_weight)  # type: ignore[arg-type]
