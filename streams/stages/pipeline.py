"""The stages composed: the pipeline version, the shared context, the offline path.

The Faust agents and the ``process`` command both run a stage through its spec's
``run(record, context)``, so a record published by a worker equals what offline
processing gives for the same input.
"""

from __future__ import annotations

from models import EnrichedArticle, RawArticle
from models.base import Record
from streams import __version__
from streams.backends import Backends
from streams.knowledge import Knowledge, load_knowledge
from streams.stages.normalise import DEFAULT_MAX_CHARS
from streams.stages.spec import STAGES, StageContext, main_line


def pipeline_version(knowledge: Knowledge | None = None) -> str:
    """Code version plus the knowledge fingerprint: a lexicon change is a new version."""
    return f"{__version__}+kb.{(knowledge or load_knowledge()).fingerprint}"


def default_context(
    max_chars: int = DEFAULT_MAX_CHARS, backends: Backends | None = None, knowledge: Knowledge | None = None
) -> StageContext:
    """The context workers and offline runs share; backends add to the version they publish."""
    backends = backends or Backends()
    knowledge = knowledge or load_knowledge()
    version = pipeline_version(knowledge) + "".join(f"+{name}" for name in backends.names)
    return StageContext(pipeline_version=version, max_chars=max_chars, backends=backends, knowledge=knowledge)


def run_stage(name: str, record: Record, context: StageContext) -> Record:
    run = STAGES[name].run
    if run is None:
        raise ValueError(f"stage {name} has no record function (its agent does the work)")
    return run(record, context)


def process_article(raw: RawArticle, context: StageContext | None = None) -> EnrichedArticle:
    """Every stage of the main line in one call: the offline path."""
    context = context or default_context()
    record: Record = raw
    for spec in main_line():
        record = spec.run(record, context)  # type: ignore[misc] # main_line() holds stages with a run
    return record  # type: ignore[return-value]
