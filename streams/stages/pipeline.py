"""The four stages as one registry, and their composition for offline processing.

The Faust agents and the ``process`` command both go through :func:`run_stage`, so a
record published by a worker equals what offline processing gives for the same input.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import lru_cache

from models import EnrichedArticle, EntitiesArticle, EventsArticle, NormalisedArticle, RawArticle
from models.base import Record
from streams import __version__
from streams.backends import Backends
from streams.knowledge import load_knowledge
from streams.stages.entities import extract_entities
from streams.stages.events import code_events
from streams.stages.normalise import DEFAULT_MAX_CHARS, normalise
from streams.stages.stance import score_stance


@dataclass(frozen=True, slots=True)
class StageContext:
    """What a stage may need beyond its input record."""

    pipeline_version: str
    max_chars: int = DEFAULT_MAX_CHARS
    clock: Callable[[], datetime] = lambda: datetime.now(timezone.utc)
    backends: Backends = field(default_factory=Backends)


@dataclass(frozen=True, slots=True)
class Stage:
    name: str
    input: type[Record]
    output: type[Record]
    run: Callable[[Record, StageContext], Record]


STAGES: dict[str, Stage] = {
    "normalise": Stage(
        "normalise", RawArticle, NormalisedArticle, lambda r, c: normalise(r, max_chars=c.max_chars)  # type: ignore[arg-type]
    ),
    "entities": Stage(
        "entities", NormalisedArticle, EntitiesArticle, lambda r, c: extract_entities(r, c.backends)  # type: ignore[arg-type]
    ),
    "events": Stage("events", EntitiesArticle, EventsArticle, lambda r, c: code_events(r)),  # type: ignore[arg-type]
    "stance": Stage(
        "stance",
        EventsArticle,
        EnrichedArticle,
        lambda r, c: score_stance(  # type: ignore[arg-type]
            r, pipeline_version=c.pipeline_version, processed_at=c.clock(), backends=c.backends
        ),
    ),
}


@lru_cache(maxsize=1)
def pipeline_version() -> str:
    """Code version plus the knowledge fingerprint: a lexicon change is a new version."""
    return f"{__version__}+kb.{load_knowledge().fingerprint}"


def default_context(max_chars: int = DEFAULT_MAX_CHARS, backends: Backends | None = None) -> StageContext:
    """The context workers and offline runs share; backends add to the version they publish."""
    backends = backends or Backends()
    version = pipeline_version() + "".join(f"+{name}" for name in backends.names)
    return StageContext(pipeline_version=version, max_chars=max_chars, backends=backends)


def run_stage(name: str, record: Record, context: StageContext) -> Record:
    return STAGES[name].run(record, context)


def process_article(raw: RawArticle, context: StageContext | None = None) -> EnrichedArticle:
    """All four stages in one call: the offline path."""
    context = context or default_context()
    record: Record = raw
    for name in STAGES:
        record = run_stage(name, record, context)
    return record  # type: ignore[return-value]
