"""Flat exports of PLOVER events and stories: one row per record, for spreadsheets and R.

Input records are PLOVER events, stories, or articles of the events / enriched topics
(their events are turned into PLOVER records). Repeats keep the last version (a compacted
or replayed topic may hold several per id). TSV has a header row, ``;`` between list items,
no tabs or newlines inside cells, empty cells for nulls: ``read.delim(file, quote="")`` or
``readr::read_tsv(file, quote = "")`` load it as is. JSONL has the same flat rows.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import IO, Any, Literal

import orjson

from models import EventsArticle, PloverEvent, Story

Kind = Literal["plover", "story"]

PLOVER_COLUMNS: tuple[str, ...] = (
    "id", "date", "date_source", "date_precision", "date_text", "event", "mode", "context", "quad_code", "event_scale", "cameo",
    "marsad_type", "modality", "actor", "actor_code", "actor_country", "actor_camp", "recipient", "recipient_code",
    "recipient_country", "recipient_camp", "location", "lat", "lon", "location_country", "article_id", "publication",
    "url", "title", "published_at", "event_text", "coder", "coded_date",
)
STORY_COLUMNS: tuple[str, ...] = (
    "id", "type", "event_date_start", "event_date_end", "first_seen", "last_seen", "num_events", "num_articles",
    "num_sources", "participants", "participant_camps", "participant_codes", "location", "lat", "lon", "sources",
    "marsad_types", "evidence", "evidence_article_id", "evidence_url", "articles", "events",
)


def kind_of(data: dict[str, Any]) -> str:
    """What a decoded record is: ``plover``, ``story``, ``article`` (events/enriched), or ``unknown``."""
    if "num_sources" in data and "participants" in data:
        return "story"
    if "quad_code" in data and "event" in data:
        return "plover"
    if "events" in data and "entities" in data:
        return "article"
    return "unknown"


def records(lines: Iterable[bytes], *, now: datetime | None = None) -> Iterator[PloverEvent | Story]:
    """Decode JSON lines into PLOVER events and stories (articles give their PLOVER events)."""
    from streams.stages.plover import plover_events
    from streams.stages.pipeline import pipeline_version

    for line in lines:
        if not line.strip():
            continue
        data = orjson.loads(line)
        kind = kind_of(data)
        if kind == "story":
            yield Story.from_dict(data)
        elif kind == "plover":
            yield PloverEvent.from_dict(data)
        elif kind == "article":
            article = EventsArticle.from_dict(data)
            yield from plover_events(article, data.get("pipeline_version") or pipeline_version(), now=now)
        else:
            raise ValueError(f"not a PLOVER event, story or events article: {line[:80]!r}")


def stories_of(items: Iterable[PloverEvent | Story]) -> Iterator[Story]:
    """Stories as given, or built from PLOVER events with the stories rule (offline export)."""
    from streams.stages.stories import StoryState, apply

    state = StoryState()
    for item in items:
        if isinstance(item, Story):
            yield item
        else:
            state, story = apply(state, item)
            if story is not None:
                yield story


def _join(values: Iterable[object]) -> str:
    return ";".join("" if value is None else str(value) for value in values)


def plover_row(event: PloverEvent) -> dict[str, Any]:
    """One PLOVER record as a flat row (lists joined with ``;``)."""
    place = event.event_loc
    return {
        "id": event.id,
        "date": event.date,
        "date_source": event.date_source,
        "date_precision": event.date_precision,
        "date_text": event.date_text,
        "event": _join(event.event),
        "mode": _join(event.mode),
        "context": _join(event.context),
        "quad_code": int(event.quad_code),
        "event_scale": event.event_scale,
        "cameo": event.cameo,
        "marsad_type": event.marsad_type.value,
        "modality": event.modality.value,
        "actor": _join(e.name for e in event.actor),
        "actor_code": _join(e.actor_code for e in event.actor),
        "actor_country": _join(e.country for e in event.actor),
        "actor_camp": _join(e.camp for e in event.actor),
        "recipient": _join(e.name for e in event.recipient),
        "recipient_code": _join(e.actor_code for e in event.recipient),
        "recipient_country": _join(e.country for e in event.recipient),
        "recipient_camp": _join(e.camp for e in event.recipient),
        "location": place.resolved_place if place else None,
        "lat": place.lat if place else None,
        "lon": place.lon if place else None,
        "location_country": place.country_code if place else None,
        "article_id": event.article_id,
        "publication": event.cite_info.publication,
        "url": event.cite_info.url,
        "title": event.cite_info.title,
        "published_at": event.cite_info.published_at,
        "event_text": " ".join(event.event_text),
        "coder": event.coder,
        "coded_date": event.coded_date,
    }


def story_row(story: Story) -> dict[str, Any]:
    """One story as a flat row (lists joined with ``;``)."""
    place = story.location
    return {
        "id": story.id,
        "type": story.type.value,
        "event_date_start": story.event_date.start,
        "event_date_end": story.event_date.end,
        "first_seen": story.first_seen.isoformat(),
        "last_seen": story.last_seen.isoformat(),
        "num_events": story.num_events,
        "num_articles": story.num_articles,
        "num_sources": story.num_sources,
        "participants": _join(p.name for p in story.participants),
        "participant_camps": _join(p.camp for p in story.participants),
        "participant_codes": _join(p.actor_code for p in story.participants),
        "location": place.resolved_place if place else None,
        "lat": place.lat if place else None,
        "lon": place.lon if place else None,
        "sources": _join(story.sources),
        "marsad_types": _join(t.value for t in story.marsad_types),
        "evidence": story.evidence.text,
        "evidence_article_id": story.evidence.article_id,
        "evidence_url": story.evidence.url,
        "articles": _join(story.articles),
        "events": _join(story.events),
    }


def _cell(value: Any) -> str:
    if value is None:
        return ""
    text = str(value)
    return " ".join(text.split()) if any(ch in text for ch in "\t\r\n") else text


def write(items: Iterable[PloverEvent | Story], sink: IO[bytes], fmt: Literal["jsonl", "tsv"]) -> dict[str, int]:
    """Write the latest version of each record as flat rows; return the row count per kind.

    A file holds one kind: PLOVER events, or stories when the input has only stories.
    """
    latest: dict[tuple[str, str], PloverEvent | Story] = {}
    for item in items:
        kind = "story" if isinstance(item, Story) else "plover"
        latest.pop((kind, item.id), None)  # the newest version goes last
        latest[(kind, item.id)] = item
    kinds = {kind for kind, _ in latest}
    if len(kinds) > 1:
        raise ValueError("the input mixes PLOVER events and stories: export one topic at a time")
    kind = next(iter(kinds), "plover")
    columns = STORY_COLUMNS if kind == "story" else PLOVER_COLUMNS
    rows = [story_row(i) if isinstance(i, Story) else plover_row(i) for i in latest.values()]  # type: ignore[arg-type]
    if fmt == "tsv":
        sink.write(("\t".join(columns) + "\n").encode())
        for row in rows:
            sink.write(("\t".join(_cell(row[column]) for column in columns) + "\n").encode())
    else:
        for row in rows:
            sink.write(orjson.dumps(row) + b"\n")
    return {kind: len(rows)}
