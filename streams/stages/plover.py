"""Events as PLOVER records, one per PLOVER-codable event, for event-data consumers.

The record is derived from the events topic's ``Event`` (which stays as the events stage
writes it): the CAMEO code is refined and crosswalked to PLOVER with
``streams/knowledge/plover.yaml``, participants become PLOVER entity objects from the
article's entities, the date is resolved from the sentence's time expression relative to
the publication date (``dateparser``), and the place gets its coordinates from the
knowledge base when it has them.
"""

from __future__ import annotations

import logging
import re
import warnings
from dataclasses import dataclass
from datetime import date, datetime, timezone
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from models import Entity, Event, EventsArticle, EventType, Modality, Mention, published_event
from models.plover import CiteInfo, PloverEntity, PloverEvent, PloverLocation, QuadCode
from streams.knowledge.files import knowledge_bytes, load_yaml
from streams.text.matcher import PhraseMatcher
from streams.text.matchform import fold, fold_phrase

log = logging.getLogger(__name__)
warnings.filterwarnings("ignore", message="The localize method is no longer necessary")  # dateparser on 3.12+


@dataclass(frozen=True, slots=True)
class Coding:
    """The PLOVER coding of one event."""

    cameo: str
    event: str
    mode: tuple[str, ...]
    context: tuple[str, ...]
    quad: QuadCode
    scale: float


@dataclass(frozen=True, eq=False)
class Crosswalk:
    """``plover.yaml``, validated: the CAMEO → PLOVER table and the refinements before it."""

    quads: dict[str, QuadCode]
    scores: dict[str, dict[str, float]]
    modes: dict[str, frozenset[str]]
    contexts: frozenset[str]
    cameo: dict[str, tuple[str, tuple[str, ...], tuple[str, ...]]]
    types: dict[EventType, dict[str, Any]]
    trigger_modes: dict[str, str]
    planned: dict[str, str]
    statement_cues: PhraseMatcher[str]
    time_aliases: tuple[tuple[re.Pattern[str], str], ...]
    time_drop: frozenset[str]
    time_future: frozenset[str]
    time_proclitics: tuple[str, ...]

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> Crosswalk:
        quads = {name: QuadCode(value) for name, value in data["categories"].items()}
        scores = {
            name: {"": float(value)} if isinstance(value, (int, float)) else {k: float(v) for k, v in value.items()}
            for name, value in data["scores"].items()
        }
        if set(scores) != set(quads) or any("" not in table for table in scores.values()):
            raise ValueError("plover.yaml: every category needs a score")
        modes = {name: frozenset(values) for name, values in data["modes"].items()}
        contexts = frozenset(data["contexts"])
        cameo: dict[str, tuple[str, tuple[str, ...], tuple[str, ...]]] = {}
        for code, spec in data["cameo"].items():
            event, mode, context = spec["event"], spec.get("mode"), tuple(spec.get("context", ()))
            if event not in quads:
                raise ValueError(f"plover.yaml: CAMEO {code} maps to {event!r}, not a PLOVER category")
            if mode is not None and mode not in modes.get(event, ()):
                raise ValueError(f"plover.yaml: CAMEO {code}: {mode!r} is not a mode of {event}")
            if not set(context) <= contexts:
                raise ValueError(f"plover.yaml: CAMEO {code}: unknown context in {context}")
            cameo[code] = (event, (mode,) if mode else (), context)
        types = {EventType(name): dict(spec or {}) for name, spec in data["types"].items()}
        referenced = [spec[key] for spec in types.values() for key in ("cameo", "rejected") if key in spec]
        referenced += list(data["trigger_modes"].values()) + list(data["planned"].values())
        referenced += list(data["statement_cues"])
        missing = sorted(set(referenced) - set(cameo))
        if missing:
            raise ValueError(f"plover.yaml: CAMEO codes without a crosswalk entry: {missing}")
        for spec in types.values():
            if not set(spec.get("contexts", ())) <= contexts:
                raise ValueError(f"plover.yaml: unknown context in {spec}")
        cues = PhraseMatcher(
            (fold_phrase(word), code) for code, words in data["statement_cues"].items() for word in words
        )
        time = data["time"]
        return cls(
            quads=quads,
            scores=scores,
            modes=modes,
            contexts=contexts,
            cameo=cameo,
            types=types,
            trigger_modes=dict(data["trigger_modes"]),
            planned=dict(data["planned"]),
            statement_cues=cues,
            time_aliases=tuple(
                (re.compile(rf"(?<!\w){re.escape(old)}(?!\w)"), new)
                for old, new in sorted(time["aliases"].items(), key=lambda pair: -len(pair[0]))
            ),
            time_drop=frozenset(time["drop"]),
            time_future=frozenset(time["future"]),
            time_proclitics=tuple(time["proclitics"]),
        )

    def code(self, event: Event) -> Coding | None:
        """The PLOVER coding of ``event``, or None when PLOVER has no category for it."""
        cameo = self._cameo(event)
        if cameo is None:
            return None
        category, mode, context = self.cameo[cameo]
        if event.modality == Modality.PLANNED and category in self.planned:
            cameo = self.planned[category]
            category, mode, context = self.cameo[cameo]
        extra = self.types.get(event.type, {}).get("contexts", ())
        stage = tuple(name for name in event.plover.context if name in self.contexts)  # e.g. not "political"
        contexts = tuple(dict.fromkeys((*context, *extra, *stage)))
        table = self.scores[category]
        scale = table.get(mode[0], table[""]) if mode else table[""]
        return Coding(cameo, category, mode, contexts, self.quads[category], scale)

    def _cameo(self, event: Event) -> str | None:
        spec = self.types.get(event.type)
        if spec is None:  # a type plover.yaml does not list: nothing PLOVER codes
            return None
        if event.type == EventType.STATEMENT:
            matches = self.statement_cues.find(fold(event.evidence.text).text)
            return matches[0].values[0] if matches else None
        if event.plover.event == "REJECT" and "rejected" in spec:
            return spec["rejected"]
        by_mode = self.trigger_modes.get(event.plover.mode or "")
        if by_mode is not None:
            return by_mode
        code = event.cameo or spec.get("cameo")
        if code not in self.cameo:
            log.warning("CAMEO %r of a %s event has no PLOVER crosswalk entry", code, event.type)
            return None
        return code


@lru_cache(maxsize=1)
def crosswalk() -> Crosswalk:
    """The crosswalk from ``streams/knowledge/plover.yaml`` (read once per process)."""
    return Crosswalk.from_data(load_yaml(knowledge_bytes("plover.yaml")))


# --------------------------------------------------------------------------- dates


@dataclass(frozen=True, slots=True)
class ResolvedDate:
    date: date
    source: str
    precision: str


def resolve_date(
    time_text: str | None,
    published: datetime | None,
    processed: datetime,
    *,
    future: bool = False,
    table: Crosswalk | None = None,
) -> ResolvedDate:
    """The event date: the time expression relative to the publication date, else that date, else ``processed``.

    Without a publication date, only an expression that names its year is resolved (a
    weekday means nothing without the day it was written). ``future`` prefers the next
    matching date (a planned event), as does a future qualifier in the expression.
    """
    table = table or crosswalk()
    if time_text:
        base = published.replace(tzinfo=None) if published else None
        parsed = _parse_time(time_text, base, future, table)
        if parsed is not None:
            return ResolvedDate(parsed[0], "event_time", parsed[1])
    if published is not None:
        return ResolvedDate(published.date(), "published", "day")
    return ResolvedDate(processed.date(), "processed", "day")


def _parse_time(text: str, base: datetime | None, future: bool, table: Crosswalk) -> tuple[date, str] | None:
    day = base.date().isoformat() if base else None
    return _parse_time_cached(text, day, future, table)


@lru_cache(maxsize=8192)
def _parse_time_cached(text: str, base_day: str | None, future: bool, table: Crosswalk) -> tuple[date, str] | None:
    """dateparser is slow (~10 ms a call): articles of one day share their expressions."""
    from dateparser.date import DateDataParser

    base = datetime.fromisoformat(base_day) if base_day else None
    text = _RANGE.sub(r"\1 ", text)  # "29 و30 مايو": the first day
    for pattern, new in table.time_aliases:
        text = pattern.sub(new, text)
    words = text.split()
    if words and len(words[0]) > 3 and words[0][0] in table.time_proclitics:
        words[0] = words[0][1:]
    prefer_future = future or any(word in table.time_future for word in words)
    has_year = any(word.isdigit() and len(word) == 4 for word in words)
    if base is None and not has_year:
        return None
    settings: dict[str, Any] = {"PREFER_DATES_FROM": "future" if prefer_future else "past", "PREFER_DAY_OF_MONTH": "first"}
    if base is not None:
        settings["RELATIVE_BASE"] = base
    parser = DateDataParser(languages=["ar"], settings=settings)
    candidates = [" ".join(words)]
    kept = [word for word in words if word not in table.time_drop and word not in table.time_future]
    if kept and kept != words:
        candidates.append(" ".join(kept))
    for candidate in candidates:
        try:
            data = parser.get_date_data(candidate)
        except (ValueError, OverflowError):  # dateparser on odd input
            continue
        if data.date_obj is not None:
            day, period = data.date_obj.date(), data.period or "day"
            if period == "month":
                day = day.replace(day=1)
            elif period == "year":
                day = day.replace(month=1, day=1)
            return day, period
    return None


_RANGE = re.compile(r"(?<!\d)(\d{1,2}) ?(?:و|-|–) ?\d{1,2}(?!\d) ")


# --------------------------------------------------------------------------- records


def _entity(name: str, entities: dict[str, Entity]) -> PloverEntity:
    entity = entities.get(name)
    if entity is None:
        return PloverEntity(name=name, type="MISC", linked=False)
    code = entity.code
    return PloverEntity(
        name=entity.canonical,
        entity_text=entity.mentions[0].text if entity.mentions else None,
        identifier_text=entity.canonical if entity.linked else None,
        code=(code[:3] if code else entity.country),
        sector=code[3:6] if code and len(code) >= 6 else None,
        actor_code=code,
        country=entity.country,
        camp=entity.camp,
        type=entity.type,
        linked=entity.linked,
    )


def knowledge_place(name: str) -> Any | None:
    """The knowledge-base entry of a place (its ``lat``/``lon`` when the gazetteer has them)."""
    from streams.knowledge.loader import load_knowledge

    index = load_knowledge().actors
    position = index.by_canonical.get(name)
    return index.actors[position] if position is not None else None


def _location(name: str | None, entities: dict[str, Entity]) -> PloverLocation | None:
    if not name:
        return None
    actor = knowledge_place(name)
    entity = entities.get(name)
    mention = entity.mentions[0].text if entity and entity.mentions else None
    lat, lon = getattr(actor, "lat", None), getattr(actor, "lon", None)
    country = (entity.country if entity else None) or (actor.country if actor else None)
    return PloverLocation(
        extracted_place=mention,
        resolved_place=name,
        lat=lat,
        lon=lon,
        country_code=country,
    )


def plover_events(
    article: EventsArticle, pipeline_version: str, *, now: datetime | None = None
) -> list[PloverEvent]:
    """The PLOVER records of an article's events, ids ``{article}-{n}`` by the event's position.

    Events PLOVER has no category for (a bare statement, an OTHER event without a CAMEO code)
    get no record, so ids can skip.
    """
    table = crosswalk()
    now = now or datetime.now(timezone.utc)
    entities = {entity.canonical: entity for entity in article.entities}
    published = article.published_at.isoformat() if article.published_at else None
    records = []
    sentences: dict[tuple[int, int], Mention] = {}
    for number, found in enumerate(article.events):
        event = published_event(found, article.text, sentences)
        coding = table.code(event)
        if coding is None:
            continue
        resolved = resolve_date(event.time, article.published_at, now, future=event.modality == Modality.PLANNED, table=table)
        actors, recipients = list(event.actors), list(event.targets)
        if coding.event == "CONSULT" and "visit" not in coding.mode:
            # A meeting without host and guest: every participant is an actor (manual, CONSULT).
            actors, recipients = list(dict.fromkeys(actors + recipients)), []
        records.append(
            PloverEvent(
                id=f"{article.id}-{number}",
                article_id=article.id,
                date=resolved.date.isoformat(),
                date_source=resolved.source,
                date_precision=resolved.precision,
                date_text=event.time,
                actor=[_entity(name, entities) for name in actors],
                recipient=[_entity(name, entities) for name in recipients],
                event=[coding.event],
                mode=list(coding.mode),
                context=list(coding.context),
                quad_code=coding.quad,
                event_scale=coding.scale,
                event_loc=_location(event.location, entities),
                event_text=[event.evidence.text],
                event_start=event.evidence.start,
                event_end=event.evidence.end,
                modality=event.modality,
                cite_info=CiteInfo(
                    article_id=article.id,
                    title=article.title,
                    url=article.source.url,
                    publication=article.source.name,
                    language=article.language,
                    published_at=published,
                    file=article.source.file,
                ),
                marsad_type=event.type,
                cameo=coding.cameo,
                coder=f"marsad {pipeline_version}",
                coded_date=now.date().isoformat(),
                pipeline_version=pipeline_version,
            )
        )
    return records


if TYPE_CHECKING:
    from streams.stages.spec import StageContext


def run(article: EventsArticle, context: StageContext) -> list[PloverEvent]:
    """The side output as the events stage's spec runs it."""
    return plover_events(article, context.pipeline_version, now=context.clock())
