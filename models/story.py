"""The story record on ``marsad.events.stories``: one happening, however many outlets report it."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from models.annotations import Camp, EventType
from models.base import SCHEMA_VERSION, Record
from models.plover import PloverCategory, PloverLocation


class _Part(BaseModel):
    model_config = ConfigDict(extra="ignore")  # like top-level records: newer minor versions may add fields


class StoryParticipant(_Part):
    """A participant of the story's events, by canonical entity."""

    name: str = Field(description="Canonical name of the entity (English Wikipedia title, ASCII-folded)")
    camp: Camp | None = Field(None, description="Side in the Libyan conflict, if any")
    actor_code: str | None = Field(None, description="CAMEO-style actor code (country + sector + camp group)")
    country: str | None = Field(None, description="ISO 3166 alpha-3 code of the entity's country")
    events: int = Field(ge=1, description="How many of the story's events the entity takes part in")


class DateRange(_Part):
    """The span of the member events' dates."""

    start: str = Field(pattern=r"^\d{4}-\d{2}-\d{2}$", description="Earliest event date, YYYY-MM-DD")
    end: str = Field(pattern=r"^\d{4}-\d{2}-\d{2}$", description="Latest event date, YYYY-MM-DD")


class StoryEvidence(_Part):
    """The earliest report of the story: its sentence and where it was published."""

    text: str = Field(description="The sentence the event was coded from")
    article_id: str = Field(description="Id of the article the sentence comes from")
    event_id: str = Field(description="Id of the PLOVER event the sentence carries")
    publication: str | None = Field(None, description="The outlet, when known")
    url: str | None = Field(None, description="URL of the article, when known")


class Story(Record):
    """The full current state of one story; every change republishes it (the topic is compacted)."""

    record_name = "story"

    schema_version: str = Field(SCHEMA_VERSION, description="Version of the record schema (major.minor)")
    id: str = Field(description="Story id (the message key): derived from the id of the story's first event")
    type: PloverCategory = Field(description="PLOVER event category shared by every member event")
    marsad_types: list[EventType] = Field(description="The Marsad event types of the member events")
    participants: list[StoryParticipant] = Field(description="Every participant of the member events, by canonical entity")
    location: PloverLocation | None = Field(None, description="Where it happened, from the first member event naming a place")
    first_seen: datetime = Field(description="Earliest time a member event was reported (publication, else coding time)")
    last_seen: datetime = Field(description="Latest time a member event was reported (publication, else coding time)")
    event_date: DateRange = Field(description="Range of the member events' dates")
    num_events: int = Field(ge=1, description="Number of member events (distinct event ids)")
    num_articles: int = Field(ge=1, description="Number of distinct articles reporting the story")
    num_sources: int = Field(
        ge=0, description="Number of distinct outlets reporting it (source name, else URL host; unknown outlets not counted)"
    )
    sources: list[str] = Field(description="The distinct outlets, as counted in num_sources")
    articles: list[str] = Field(description="Ids of the articles reporting the story")
    events: list[str] = Field(description="Ids of the member PLOVER events")
    evidence: StoryEvidence = Field(description="The earliest evidence sentence and its article")
