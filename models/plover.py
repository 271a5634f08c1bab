"""The PLOVER record on ``marsad.events.plover``: field names and vocabulary of the PLOVER manual.

The field names follow the manual's "Data Fields" chapter (``id``, ``date``, ``actor``,
``recipient``, ``event``, ``mode``, ``context``, ``event_loc``, ``event_text``, ``quad_code``,
``cite_info``, ``coder``, ``coded_date``); entity, location and citation objects use the
manual's object field names. Fields the manual does not name (``date_source``, ``modality``,
``marsad_type``, ``cameo``, …) are Marsad extensions, which the manual allows.
"""

from __future__ import annotations

from enum import IntEnum, StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from models.annotations import Camp, EntityType, EventType, Modality
from models.base import SCHEMA_VERSION, Record


class PloverCategory(StrEnum):
    """The sixteen PLOVER event categories."""

    AGREE = "AGREE"
    CONSULT = "CONSULT"
    SUPPORT = "SUPPORT"
    CONCEDE = "CONCEDE"
    COOPERATE = "COOPERATE"
    AID = "AID"
    RETREAT = "RETREAT"
    REQUEST = "REQUEST"
    ACCUSE = "ACCUSE"
    REJECT = "REJECT"
    THREATEN = "THREATEN"
    PROTEST = "PROTEST"
    SANCTION = "SANCTION"
    MOBILIZE = "MOBILIZE"
    COERCE = "COERCE"
    ASSAULT = "ASSAULT"


class QuadCode(IntEnum):
    """The quad class of a PLOVER category."""

    VERBAL_COOPERATION = 1
    MATERIAL_COOPERATION = 2
    VERBAL_CONFLICT = 3
    MATERIAL_CONFLICT = 4


#: Every mode the PLOVER manual lists (the valid ones per category are in
#: ``streams/knowledge/plover.yaml``).
PloverMode = Literal[
    "visit", "third-party", "multilateral", "phone",
    "withdraw", "release", "disarm", "ceasefire", "access", "resign",
    "assist", "change", "yield", "meet",
    "disapprove", "investigate", "allege",
    "restrict", "arrest", "relations", "expel", "territory", "violence",
    "demo", "riot", "strike", "hunger", "boycott", "obstruct", "vandalize",
    "convict", "discontinue",
    "troops", "weapons", "police", "militia",
    "seize", "censor", "curfew", "martial-law", "deport", "withhold", "misinformation", "cyber",
    "abduct", "beat", "torture", "sexual", "targeted", "destroy", "primitive", "firearms", "explosives",
    "suicide-attack", "aerial", "drone", "heavy-weapons", "crowd-control", "unconventional",
]

#: The general contexts of the PLOVER manual.
PloverContext = Literal[
    "military", "intelligence", "executive", "legislative", "election", "political_institutions",
    "pro_democracy", "pro_autocracy", "economic", "legal", "reparations", "human_rights", "rights_freedoms",
    "repression", "human_security", "gender", "lgbt", "religion_ethnicity", "inequality", "diplomatic",
    "territory", "peacekeeping", "health", "asylum", "migration", "disasters", "natural_resource",
    "environment", "technology", "terrorism", "cbrn", "cyber", "misinformation", "crime", "corruption",
    "illegal_drugs", "trafficking",
]

DateSource = Literal["event_time", "published", "processed"]
DatePrecision = Literal["day", "week", "month", "year"]


class _Object(BaseModel):
    """A nested PLOVER object: unknown fields of a newer minor version are ignored."""

    model_config = ConfigDict(extra="ignore")


class PloverEntity(_Object):
    """One participant (PLOVER entity object), resolved to the knowledge base when ``linked``."""

    name: str = Field(description="Canonical name: the English Wikipedia title, accents folded to ASCII")
    entity_text: str | None = Field(None, description="The surface form of the first mention in the article")
    identifier_text: str | None = Field(
        None, description="Unique identifier name (PLOVER: the Wikipedia/Wikidata name); the canonical name when linked"
    )
    code: str | None = Field(None, description="3-character top-level entity code (ISO 3166 alpha-3 country, IGO, NGO, …)")
    sector: str | None = Field(None, description="3-character sector code (GOV, MIL, LEG, REB, BUS, …), if any")
    actor_code: str | None = Field(
        None,
        description="The full CAMEO-style actor code: country + sector + group (e.g. LBYMILHFT for the Haftar camp's "
        "forces, LBYGOVGNU for the Tripoli government)",
    )
    country: str | None = Field(None, description="ISO 3166 alpha-3 code of the entity's country")
    camp: Camp | None = Field(None, description="The side of the Libyan conflict the entity belongs to, if any")
    type: EntityType = Field(description="Entity type: PER person, ORG organisation, LOC place, MISC other")
    linked: bool = Field(True, description="True when the entity was resolved to the knowledge base")


class PloverLocation(_Object):
    """Where the event happened (PLOVER location object, GeoNames field names)."""

    extracted_place: str | None = Field(None, description="The place as the event coder extracted it")
    resolved_place: str = Field(description="Canonical name of the place the event was resolved to")
    lat: float | None = Field(None, ge=-90, le=90, description="Latitude, WGS84 decimal degrees (GeoNames), when known")
    lon: float | None = Field(None, ge=-180, le=180, description="Longitude, WGS84 decimal degrees (GeoNames), when known")
    country_code: str | None = Field(None, description="ISO 3166 alpha-3 code of the place's country")


class CiteInfo(_Object):
    """Where the event was reported (PLOVER citeInfo object, plus the article's Marsad id)."""

    article_id: str = Field(description="Id of the article on marsad.articles.* the event was coded from")
    title: str | None = Field(None, description="Headline of the article")
    url: str | None = Field(None, description="URL of the article")
    publication: str | None = Field(None, description="Name of the outlet that published the article")
    language: str | None = Field(None, description="Language of the article (ISO 639-1)")
    published_at: str | None = Field(None, description="Publication time of the article (ISO 8601), if known")
    file: str | None = Field(None, description="Name of the file the article was read from, if any")
    codebook: str = Field("plover-2.0", description="The codebook used to code the event (PLOVER manual, draft version 2.0)")


class PloverEvent(Record):
    """One event as a PLOVER record on ``marsad.events.plover`` (JSONL-friendly, one per coded event)."""

    record_name = "plover"

    schema_version: str = Field(SCHEMA_VERSION, description="Version of the record schema (major.minor)")
    id: str = Field(description="Unique event id: the article id and the event's number in the article")
    article_id: str = Field(description="Id of the article the event was coded from (the message key)")
    date: str = Field(
        pattern=r"^\d{4}-\d{2}-\d{2}$",
        description="Date of the event, YYYY-MM-DD; see date_source for how it was obtained (never null)",
    )
    date_source: DateSource = Field(
        description="event_time: resolved from the sentence's time expression relative to the publication date; "
        "published: the article's publication date; processed: the processing date (no publication date)"
    )
    date_precision: DatePrecision = Field(
        description="How precise the date is: a week, month or year expression resolves to one day inside it"
    )
    date_text: str | None = Field(None, description="The time expression the date was resolved from, as written")
    actor: list[PloverEntity] = Field(
        description="The entities that initiated the event (all participants of a meeting without a host)"
    )
    recipient: list[PloverEntity] = Field(description="The entities the event is directed at (the host of a visit)")
    event: list[PloverCategory] = Field(min_length=1, description="PLOVER event category (one per record)")
    mode: list[PloverMode] = Field(description="PLOVER modes of the event, from the manual's list for its category")
    context: list[PloverContext] = Field(description="PLOVER general contexts of the event")
    quad_code: QuadCode = Field(
        description="1 verbal cooperation, 2 material cooperation, 3 verbal conflict, 4 material conflict"
    )
    event_scale: float = Field(
        ge=-10, le=10, description="PLOVER conflict-cooperation score of the category and mode (manual's table, -10 to +10)"
    )
    event_loc: PloverLocation | None = Field(description="Where the event happened, when the sentence says it")
    event_text: list[str] = Field(min_length=1, description="The sentence the event was coded from (PLOVER: list of texts)")
    event_start: int = Field(ge=0, description="Start offset of the sentence in the article text")
    event_end: int = Field(ge=0, description="End offset (exclusive) of the sentence in the article text")
    modality: Modality = Field(
        description="Whether the article asserts, reports, plans, supposes or recalls the event (PLOVER auxiliary modes)"
    )
    cite_info: CiteInfo = Field(description="The article the event was coded from")
    marsad_type: EventType = Field(description="The Marsad event type the PLOVER coding was derived from")
    cameo: str = Field(pattern=r"^\d{3,4}$", description="CAMEO code of the event (never empty)")
    coder: str = Field(description="The system that coded the event: marsad and its pipeline version")
    coded_date: str = Field(description="Date the event was coded, YYYY-MM-DD")
    pipeline_version: str = Field(description="Version of the pipeline and its knowledge files that coded the event")
