"""Pluggable statistical models that augment the lexicon-based stages (off by default)."""

from streams.backends.base import Backends, BackendError, EntityBackend, StanceBackend, load_backends

__all__ = ["BackendError", "Backends", "EntityBackend", "StanceBackend", "load_backends"]
