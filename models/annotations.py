"""What the analytic stages attach to an article: entities, events, stance."""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


EntityType = Literal["PER", "ORG", "LOC", "MISC"]
Camp = Literal["haftar", "gnu", "turkey", "russia"]


class _Part(BaseModel):
    """A nested record part: like top-level records, it ignores unknown fields of a newer minor version."""

    model_config = ConfigDict(extra="ignore")


class Span(_Part):
    """A stretch of the article text by its offsets alone: what an internal record needs
    when the text itself travels in the same record."""

    start: int = Field(description="Start offset in the article text")
    end: int = Field(description="End offset (exclusive) in the article text")


class Mention(Span):
    """One surface form of an entity; ``start``/``end`` index the article text."""

    text: str = Field(description="The mention as written in the article text")
    start: int = Field(description="Start offset of the mention in the article text")
    end: int = Field(description="End offset (exclusive) of the mention in the article text")


class Entity(_Part):
    """An actor, linked to the knowledge base (``linked``) or emitted from its surface form."""

    canonical: str = Field(description="Canonical name: the English Wikipedia title, accents folded to ASCII")
    type: EntityType = Field(description="PER person, ORG organisation / armed group / government body, LOC place, MISC other")
    camp: Camp | None = Field(None, description="Side in the Libyan conflict: haftar, gnu (Tripoli), turkey, russia, or none")
    country: str | None = Field(None, description="ISO 3166 alpha-3 code of the entity's country")
    code: str | None = Field(
        None, description="CAMEO-style actor code: country + sector (+ camp group HFT / GNU for Libyan camp actors)"
    )
    linked: bool = Field(True, description="True when linked to the knowledge base, false when emitted from its surface form")
    mentions: list[Mention] = Field(description="Every mention of the entity in the article")


class EventType(StrEnum):
    """The Marsad event taxonomy (see the gold annotation format)."""

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
    """Whether the article asserts, reports, plans, supposes or recalls the event."""

    ASSERTED = "asserted"
    REPORTED = "reported"
    PLANNED = "planned"
    HYPOTHETICAL = "hypothetical"
    HISTORICAL = "historical"


class Plover(_Part):
    """The PLOVER coding of an event: type, mode and contexts."""

    event: str = Field(description="PLOVER-style event category as the events stage codes it (see marsad.events.plover)")
    mode: str | None = Field(None, description="Mode as the events stage codes it")
    context: list[str] = Field(default_factory=list, description="Contexts as the events stage codes them")


class EventFound(_Part):
    """An event as the internal events record carries it: its sentence by offsets only.

    The events stage builds :class:`Event` objects (a subclass); serialised as this
    model, their evidence loses its text, which the same record holds in ``text``.
    :func:`published_event` gives it back for the published record.
    """

    type: EventType = Field(description="Marsad event type")
    cameo: str = Field(description="CAMEO code from the trigger (may be empty; the PLOVER record always has one)")
    plover: Plover = Field(description="The events stage's PLOVER-style coding")
    actors: list[str] = Field(description="Canonical names of the entities that act")
    targets: list[str] = Field(description="Canonical names of the entities acted upon or hosting")
    location: str | None = Field(None, description="Canonical name of the place of the event, if the sentence names one")
    time: str | None = Field(None, description="The sentence's time expression, as written")
    modality: Modality = Field(description="asserted, reported, planned, hypothetical or historical")
    trigger: str = Field(description="The trigger phrase (matching form) that found the event")
    evidence: Span = Field(description="The sentence the event was found in (its offsets in the article text)")


class Event(EventFound):
    """An event found in one sentence (merged with its repeats in the article)."""

    evidence: Mention = Field(description="The sentence the event was found in")


def published_event(event: EventFound, text: str, evidence: dict[tuple[int, int], Mention] | None = None) -> Event:
    """``event`` with its evidence sentence written out from the article ``text``.

    ``evidence`` shares one :class:`Mention` between the events of a sentence, as the
    events stage does.
    """
    if isinstance(event, Event):
        return event
    span = (event.evidence.start, event.evidence.end)
    shared = evidence if evidence is not None else {}
    mention = shared.get(span)
    if mention is None:
        mention = shared[span] = Mention(text=text[span[0] : span[1]], start=span[0], end=span[1])
    return Event.model_construct(**{**dict(event), "evidence": mention})


class StanceCue(_Part):
    """One cue the stance scorer counted: the phrase, its offsets, the cue kind, its weight."""

    text: str = Field(description="The cue phrase as written")
    start: int = Field(description="Start offset of the cue in the article text")
    end: int = Field(description="End offset (exclusive) of the cue in the article text")
    cue: str = Field(description="The kind of cue (naming, distancing, praise, blame, framing, …)")
    weight: float = Field(description="The cue's signed contribution to the score")


StanceLabel = Literal["supportive", "neutral", "critical"]


class Stance(_Part):
    """The article's own stance toward its target, with the cues that carry it."""

    target: Literal["haftar_camp"] = Field("haftar_camp", description="What the stance is toward: the Haftar camp")
    label: StanceLabel = Field(description="supportive, neutral or critical")
    score: float = Field(ge=-1.0, le=1.0, description="-1 hostile, 0 neutral reporting, +1 advocacy")
    evidence: list[StanceCue] = Field(description="The cues that carry the judgement")
