"""Records that carry analysis downstream, the published enriched record, and dead letters."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import Field

from models.annotations import Entity, Event, EventFound, Stance
from models.article import NormalisedArticle
from models.base import SCHEMA_VERSION, Record


class EntitiesArticle(NormalisedArticle):
    """``marsad.articles.entities``: the normalised article and its entities."""

    record_name = "entities"

    entities: list[Entity] = Field(description="The article's entities, linked to the knowledge base where possible")


class EventsArticle(EntitiesArticle):
    """``marsad.articles.events``: adds the article's events (their evidence by offsets)."""

    record_name = "events"

    events: list[EventFound] = Field(description="The article's events, one per happening (repeats merged)")


class EnrichedArticle(EventsArticle):
    """``marsad.articles.enriched``: the published record other services subscribe to."""

    record_name = "enriched"

    # published events carry their evidence sentence's text, the internal ones its offsets only
    events: list[Event] = Field(  # type: ignore[assignment]
        description="The article's events, one per happening (repeats merged)"
    )
    clean_text: str = Field(description="The text without page chrome")
    stance: Stance = Field(description="The article's own stance toward the Haftar camp")
    pipeline_version: str = Field(description="Version of the pipeline and its knowledge files")
    processed_at: datetime = Field(description="When the stance stage finished the record (ISO 8601)")


class DeadLetter(Record):
    """What could not be processed, with enough context to inspect and replay it.

    ``payload`` is the original message value: decoded text when it was UTF-8, else
    base64 (``payload_encoding`` says which), so binary garbage survives the trip.
    """

    record_name = "dlq"

    schema_version: str = Field(SCHEMA_VERSION, description="Version of the record schema (major.minor)")
    stage: str = Field(description="The stage (or source) that could not process the message")
    error: str = Field(description="The error class")
    message: str = Field(description="The error message")
    key: str | None = Field(None, description="Key of the original message, decoded")
    payload: str = Field(description="The original message value: UTF-8 text, or base64 (see payload_encoding)")
    payload_encoding: Literal["utf-8", "base64", "none"] = Field(
        "utf-8", description="How payload is encoded: utf-8 text, base64 bytes, or none (the message had no value)"
    )
    topic: str | None = Field(None, description="Topic the original message was read from")
    partition: int | None = Field(None, description="Partition of the original message")
    offset: int | None = Field(None, description="Offset of the original message")
    time: datetime = Field(description="When the message was dead-lettered (ISO 8601)")
    pipeline_version: str = Field(description="Version of the pipeline that dead-lettered it")
    details: dict[str, Any] = Field(default_factory=dict, description="Further context (e.g. the output topic refused)")
