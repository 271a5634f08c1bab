"""Records that carry analysis downstream, the published enriched record, and dead letters."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import Field

from models.annotations import Entity, Event, Stance
from models.article import NormalisedArticle
from models.base import SCHEMA_VERSION, Record


class EntitiesArticle(NormalisedArticle):
    """``marsad.articles.entities``: the normalised article and its entities."""

    record_name = "entities"

    entities: list[Entity]


class EventsArticle(EntitiesArticle):
    """``marsad.articles.events``: adds the article's events."""

    record_name = "events"

    events: list[Event]


class EnrichedArticle(EventsArticle):
    """``marsad.articles.enriched``: the published record other services subscribe to."""

    record_name = "enriched"

    stance: Stance
    pipeline_version: str
    processed_at: datetime


class DeadLetter(Record):
    """What could not be processed, with enough context to inspect and replay it.

    ``payload`` is the original message value: decoded text when it was UTF-8, else
    base64 (``payload_encoding`` says which), so binary garbage survives the trip.
    """

    record_name = "dlq"

    schema_version: str = SCHEMA_VERSION
    stage: str
    error: str
    message: str
    key: str | None = None
    payload: str
    payload_encoding: str = "utf-8"
    topic: str | None = None
    partition: int | None = None
    offset: int | None = None
    time: datetime
    pipeline_version: str
    details: dict[str, Any] = Field(default_factory=dict)
