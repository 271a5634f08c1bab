"""The stage context a worker or an offline command runs with, built from the settings.

Workers and ``marsad process`` build it the same way, so with the same settings (limits,
``MARSAD_PIPELINE_TAG``, model backends) they publish the same records.
"""

from __future__ import annotations

from dataclasses import replace

from streams.backends import BackendError, Backends, load_backends
from streams.settings import Settings
from streams.stages.pipeline import default_context
from streams.stages.spec import StageContext


def stage_context(settings: Settings) -> StageContext:
    """Limits, model backends and the pipeline version (with its tag) from the settings.

    Raises :class:`streams.backends.BackendError` when a configured backend cannot load.
    """
    try:
        entities = load_backends(settings.entity_backend_paths()).entities
    except BackendError as error:
        raise BackendError(f"MARSAD_ENTITY_BACKENDS: {error}") from error
    try:
        stance = load_backends(stance_path=settings.stance_backend).stance
    except BackendError as error:
        raise BackendError(f"MARSAD_STANCE_BACKEND: {error}") from error
    backends = Backends(entities=entities, stance=stance, stance_weight=settings.stance_weight)
    base = default_context(settings.max_article_chars, backends)
    return replace(base, pipeline_version=settings.pipeline_version(base.pipeline_version))
