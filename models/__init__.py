"""Marsad records: one pydantic model per topic, versioned, (de)serialised with orjson."""

from models.annotations import (
    Entity,
    Event,
    EventFound,
    EventType,
    Mention,
    Modality,
    Plover,
    Stance,
    StanceCue,
    StanceLabel,
    Span,
    published_event,
)
from models.article import Chrome, NormalisedArticle, RawArticle, Sentence, Source
from models.base import SCHEMA_VERSION, Record
from models.enriched import DeadLetter, EnrichedArticle, EntitiesArticle, EventsArticle
from models.plover import CiteInfo, PloverCategory, PloverEntity, PloverEvent, PloverLocation, QuadCode
from models.story import Story, StoryParticipant

__all__ = [
    "SCHEMA_VERSION",
    "Chrome",
    "CiteInfo",
    "DeadLetter",
    "EnrichedArticle",
    "EntitiesArticle",
    "Entity",
    "Event",
    "EventFound",
    "EventType",
    "EventsArticle",
    "Mention",
    "Modality",
    "NormalisedArticle",
    "Plover",
    "PloverCategory",
    "PloverEntity",
    "PloverEvent",
    "PloverLocation",
    "QuadCode",
    "RawArticle",
    "Record",
    "Sentence",
    "Source",
    "Span",
    "Stance",
    "StanceCue",
    "StanceLabel",
    "published_event",
    "Story",
    "StoryParticipant",
]
