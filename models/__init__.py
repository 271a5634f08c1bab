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
from models.article import Chrome, NormalisedArticle, RawArticle, Sentence, Source
from models.base import SCHEMA_VERSION, Record
from models.enriched import DeadLetter, EnrichedArticle, EntitiesArticle, EventsArticle

__all__ = [
    "SCHEMA_VERSION",
    "Chrome",
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
    "Sentence",
    "Source",
    "Stance",
    "StanceCue",
    "StanceLabel",
]
