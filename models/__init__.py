"""Marsad records: one pydantic model per topic, versioned, (de)serialised with orjson."""

from models.annotations import (
    Entity,
    Event,
    EventType,
    Mention,
    Modality,
    Plover,
    PloverEvent,
    Stance,
    StanceCue,
    StanceLabel,
)
from models.article import NormalisedArticle, RawArticle, Removed, Sentence, Source
from models.base import SCHEMA_VERSION, Record
from models.enriched import DeadLetter, EnrichedArticle, EntitiesArticle, EventsArticle

__all__ = [
    "SCHEMA_VERSION",
    "DeadLetter",
    "EnrichedArticle",
    "EntitiesArticle",
    "Entity",
    "Event",
    "EventType",
    "EventsArticle",
    "Mention",
    "Modality",
    "NormalisedArticle",
    "Plover",
    "PloverEvent",
    "RawArticle",
    "Record",
    "Removed",
    "Sentence",
    "Source",
    "Stance",
    "StanceCue",
    "StanceLabel",
]
