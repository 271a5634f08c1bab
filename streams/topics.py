"""Topic names, the stage each feeds, and the message headers: declared once."""

from __future__ import annotations

from dataclasses import dataclass

RAW = "marsad.articles.raw"
NORMALISED = "marsad.articles.normalised"
ENTITIES = "marsad.articles.entities"
EVENTS = "marsad.articles.events"
ENRICHED = "marsad.articles.enriched"
DLQ = "marsad.articles.dlq"
PLOVER = "marsad.events.plover"

ALL_TOPICS: tuple[str, ...] = (RAW, NORMALISED, ENTITIES, EVENTS, ENRICHED, DLQ, PLOVER)


@dataclass(frozen=True, slots=True)
class StageTopics:
    source: str
    sink: str


#: Stage name → the topic it consumes and the topic it produces.
STAGE_TOPICS: dict[str, StageTopics] = {
    "normalise": StageTopics(RAW, NORMALISED),
    "entities": StageTopics(NORMALISED, ENTITIES),
    "events": StageTopics(ENTITIES, EVENTS),
    "stance": StageTopics(EVENTS, ENRICHED),
}
STAGE_NAMES: tuple[str, ...] = tuple(STAGE_TOPICS)

HEADER_SCHEMA = "marsad-schema-version"
HEADER_PIPELINE = "marsad-pipeline-version"
HEADER_STAGE = "marsad-stage"
HEADER_RECORD = "marsad-record"


def consumer_group(stage: str) -> str:
    """The consumer group (Faust app id) of a stage's workers."""
    return f"marsad-{stage}"
