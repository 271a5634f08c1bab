"""What the analytic stages attach to an article: entities, events, stance."""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from models.base import SCHEMA_VERSION, Record

EntityType = Literal["PER", "ORG", "LOC", "MISC"]
Camp = Literal["haftar", "gnu", "turkey", "russia"]


class _Part(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Mention(_Part):
    """One surface form of an entity; ``start``/``end`` index the article text."""

    text: str
    start: int
    end: int


class Entity(_Part):
    """An actor, linked to the knowledge base (``linked``) or emitted from its surface form."""

    canonical: str
    type: EntityType
    camp: Camp | None = None
    country: str | None = None
    code: str | None = None
    linked: bool = True
    mentions: list[Mention]


class EventType(StrEnum):
    VISIT = "VISIT"
    MEETING = "MEETING"
    AGREEMENT = "AGREEMENT"
    MILITARY_COOPERATION = "MILITARY_COOPERATION"
    TRAINING_EXERCISE = "TRAINING_EXERCISE"
    ARMS_DEAL = "ARMS_DEAL"
    MARITIME_BOUNDARY = "MARITIME_BOUNDARY"
    ECONOMIC_RECONSTRUCTION = "ECONOMIC_RECONSTRUCTION"
    MIGRATION = "MIGRATION"
    ARMED_CLASH = "ARMED_CLASH"
    STATEMENT = "STATEMENT"
    DIPLOMATIC_RELATIONS = "DIPLOMATIC_RELATIONS"
    OTHER = "OTHER"


class Modality(StrEnum):
    ASSERTED = "asserted"
    REPORTED = "reported"
    PLANNED = "planned"
    HYPOTHETICAL = "hypothetical"
    HISTORICAL = "historical"


class Plover(_Part):
    """The PLOVER coding of an event: type, mode and contexts."""

    event: str
    mode: str | None = None
    context: list[str] = Field(default_factory=list)


class Event(_Part):
    """An event found in one sentence (merged with its repeats in the article)."""

    type: EventType
    cameo: str
    plover: Plover
    actors: list[str]
    targets: list[str]
    location: str | None = None
    time: str | None = None
    modality: Modality
    trigger: str
    evidence: Mention


class StanceCue(_Part):
    """One cue the stance scorer counted: the phrase, its offsets, the cue kind, its weight."""

    text: str
    start: int
    end: int
    cue: str
    weight: float


StanceLabel = Literal["supportive", "neutral", "critical"]


class Stance(_Part):
    """The article's own stance toward its target, with the cues that carry it."""

    target: Literal["haftar_camp"] = "haftar_camp"
    label: StanceLabel
    score: float = Field(ge=-1.0, le=1.0)
    evidence: list[StanceCue]


class PloverEvent(Record):
    """One event as a PLOVER-style record on ``marsad.events.plover``."""

    record_name = "plover"

    schema_version: str = SCHEMA_VERSION
    id: str
    article_id: str
    date: str | None
    actor: str | None
    actor_code: str | None
    recipient: str | None
    recipient_code: str | None
    event: str
    mode: str | None
    context: list[str]
    event_loc: str | None
    event_text: str
    cite_info: dict[str, str | None]
    marsad_type: EventType
    cameo: str
    pipeline_version: str
