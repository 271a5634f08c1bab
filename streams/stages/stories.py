"""Stories: the PLOVER events that describe one happening, grouped across articles and outlets.

The matching rule (an event joins a story when all hold):

- the same PLOVER event category (``event[0]``; a visit and a meeting are both CONSULT);
- at least one shared participant, by canonical entity (actor or recipient);
- its date within ``window`` days of every member's date (the story's date span never
  exceeds the window, so stories cannot drift day by day);
- the same resolved place when both the story and the event have one.

An event dated only by its processing time (``date_source == "processed"``: no time
expression and no publication date) says nothing about when it happened: it gets a story
of its own and no later event joins it.

Among several matching stories the one with most shared participants wins, then the
nearest date, then the oldest id. An event that matches none starts a story; an event id
already counted (a replay, a redelivery) changes nothing.

This module is transport-free: an agent keeps :class:`StoryState` in tables and calls
:func:`apply` once per PLOVER event, publishing the returned story (keyed by its id).
``apply`` only ever assigns whole values (never mutates one in place), so a changelogged
table records every change.
"""

from __future__ import annotations

import hashlib
from collections.abc import MutableMapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from urllib.parse import urlsplit

from models.plover import PloverEntity, PloverEvent
from models.story import DateRange, Story, StoryEvidence, StoryParticipant
from streams.io.topics import STORIES  # noqa: F401 - the topic stories are published on (compacted)

#: Default matching window in days (an event date within this many days of every member's).
DEFAULT_WINDOW_DAYS = 3


@dataclass
class StoryState:
    """What the stage remembers; each mapping can be a changelogged table.

    ``stories``: story id → the story's record (as a dict, the table value).
    ``members``: event id → story id (the replay guard).
    ``by_type``: PLOVER category → ids of the stories an event of that category may join.
    """

    stories: MutableMapping[str, dict] = field(default_factory=dict)
    members: MutableMapping[str, str] = field(default_factory=dict)
    by_type: MutableMapping[str, list[str]] = field(default_factory=dict)

    def story(self, story_id: str) -> Story:
        return Story.model_validate(self.stories[story_id])


@dataclass(frozen=True, slots=True)
class StoryRules:
    """The matching parameters; ``horizon`` and ``open_stories`` bound the work per event."""

    window: timedelta = timedelta(days=DEFAULT_WINDOW_DAYS)
    #: Only stories whose dates lie within this of an event's date (before or after it) are
    #: read and tried for it: events arrive in any date order (partitions, replays of history).
    horizon: timedelta = timedelta(days=30)
    #: Stories of one category an event may join, the latest-dated kept; an older one
    #: leaves the candidates (it stays in ``stories``) when a new story would exceed this.
    open_stories: int = 5000


def outlet(event: PloverEvent) -> str | None:
    """The outlet an event was reported by: the source name, else the URL's host (no ``www.``)."""
    name = (event.cite_info.publication or "").strip()
    if name:
        return name.casefold()
    host = urlsplit(event.cite_info.url or "").hostname or ""
    host = host.removeprefix("www.")
    return host or None


def participants(event: PloverEvent) -> list[PloverEntity]:
    """Actors then recipients, one per canonical name."""
    seen: dict[str, PloverEntity] = {}
    for entity in event.actor + event.recipient:
        seen.setdefault(entity.name, entity)
    return list(seen.values())


def reported_at(event: PloverEvent) -> datetime:
    """When the event was reported: the article's publication time, else its coding date."""
    if event.cite_info.published_at:
        moment = datetime.fromisoformat(event.cite_info.published_at)
    else:
        moment = datetime.fromisoformat(event.coded_date)
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def story_id(first_event_id: str) -> str:
    """A story's id: stable for a given first event, so a rebuild from the same input agrees."""
    return "story-" + hashlib.sha1(first_event_id.encode()).hexdigest()[:16]


def matches(story: Story, event: PloverEvent, rules: StoryRules) -> bool:
    """The matching rule of the module docstring."""
    if event.event[0] != story.type:
        return False
    names = {entity.name for entity in participants(event)}
    if not names & {member.name for member in story.participants}:
        return False
    day = date.fromisoformat(event.date)
    start, end = date.fromisoformat(story.event_date.start), date.fromisoformat(story.event_date.end)
    if day - start > rules.window or end - day > rules.window:
        return False
    if story.location is not None and event.event_loc is not None:
        return story.location.resolved_place == event.event_loc.resolved_place
    return True


def apply(
    state: StoryState, event: PloverEvent, rules: StoryRules | None = None
) -> tuple[StoryState, Story | None]:
    """Add one PLOVER event; return the state and the story it changed (None for a repeat)."""
    rules = rules or StoryRules()
    category = event.event[0].value
    dated = event.date_source != "processed"
    known = state.members.get(event.id)
    if known is not None and known in state.stories:
        if dated and known == story_id(event.id) and known not in state.by_type.get(category, []):
            # the event started this story and a crash lost that write of the list alone
            state.by_type[category] = _bounded(state, [*state.by_type.get(category, []), known], rules)
        return state, None
    candidates = [state.story(sid) for sid in _near(state, category, date.fromisoformat(event.date), rules)] if dated else []
    chosen = _best([story for story in candidates if matches(story, event, rules)], event)
    if chosen is not None and event.id in chosen.events:
        story = chosen  # counted before a crash lost the member entry (the story is written first)
    else:
        story = _join(chosen, event) if chosen else _start(event)
    state.stories[story.id] = story.to_dict()
    state.members[event.id] = story.id
    if chosen is None and dated:
        state.by_type[category] = _bounded(state, [*state.by_type.get(category, []), story.id], rules)
    return state, story


def story_of(state: StoryState, event_id: str) -> Story | None:
    """The story an event was counted in: an agent republishes it on a redelivery, so a crash
    between the table write and the send cannot lose the story's latest state."""
    story_id_ = state.members.get(event_id)
    return state.story(story_id_) if story_id_ is not None else None


def _span(state: StoryState, story_id_: str) -> tuple[date, date]:
    dates = state.stories[story_id_]["event_date"]
    return date.fromisoformat(dates["start"]), date.fromisoformat(dates["end"])


def _near(state: StoryState, category: str, day: date, rules: StoryRules) -> list[str]:
    """The category's stories dated within the horizon of ``day``, on either side of it."""
    near = []
    for sid in state.by_type.get(category, []):
        start, end = _span(state, sid)
        if day - end <= rules.horizon and start - day <= rules.horizon:
            near.append(sid)
    return near


def _bounded(state: StoryState, ids: list[str], rules: StoryRules) -> list[str]:
    """``ids`` without the earliest-dated beyond ``rules.open_stories``."""
    if len(ids) <= rules.open_stories:
        return ids
    latest = set(sorted(ids, key=lambda sid: (_span(state, sid)[1], sid))[-rules.open_stories :])
    return [sid for sid in ids if sid in latest]


def _best(candidates: list[Story], event: PloverEvent) -> Story | None:
    if not candidates:
        return None
    names = {entity.name for entity in participants(event)}
    day = date.fromisoformat(event.date)

    def rank(story: Story) -> tuple[int, int, str]:
        shared = len(names & {member.name for member in story.participants})
        distance = min(abs((day - date.fromisoformat(bound)).days) for bound in (story.event_date.start, story.event_date.end))
        return (-shared, distance, story.id)

    return min(candidates, key=rank)


def _evidence(event: PloverEvent) -> StoryEvidence:
    return StoryEvidence(
        text=event.event_text[0],
        article_id=event.article_id,
        event_id=event.id,
        publication=event.cite_info.publication,
        url=event.cite_info.url,
    )


def _participant(entity: PloverEntity, events: int = 1) -> StoryParticipant:
    return StoryParticipant(
        name=entity.name, camp=entity.camp, actor_code=entity.actor_code, country=entity.country, events=events
    )


def _start(event: PloverEvent) -> Story:
    seen = reported_at(event)
    source = outlet(event)
    return Story(
        id=story_id(event.id),
        type=event.event[0],
        marsad_types=[event.marsad_type],
        participants=[_participant(entity) for entity in participants(event)],
        location=event.event_loc,
        first_seen=seen,
        last_seen=seen,
        event_date=DateRange(start=event.date, end=event.date),
        num_events=1,
        num_articles=1,
        num_sources=1 if source else 0,
        sources=[source] if source else [],
        articles=[event.article_id],
        events=[event.id],
        evidence=_evidence(event),
    )


def _join(story: Story, event: PloverEvent) -> Story:
    seen = reported_at(event)
    members = {member.name: member for member in story.participants}
    for entity in participants(event):
        known = members.get(entity.name)
        members[entity.name] = (
            known.model_copy(update={"events": known.events + 1}) if known else _participant(entity)
        )
    cited = outlet(event)
    sources = sorted({*story.sources, *([cited] if cited else [])})
    articles = sorted({*story.articles, event.article_id})
    events = sorted({*story.events, event.id})
    earlier = (seen, event.article_id) < (story.first_seen, story.evidence.article_id)
    return story.model_copy(
        update={
            "marsad_types": sorted({*story.marsad_types, event.marsad_type}),
            "participants": sorted(members.values(), key=lambda member: (-member.events, member.name)),
            "location": story.location or event.event_loc,
            "first_seen": min(story.first_seen, seen),
            "last_seen": max(story.last_seen, seen),
            "event_date": DateRange(start=min(story.event_date.start, event.date), end=max(story.event_date.end, event.date)),
            "num_events": len(events),
            "num_articles": len(articles),
            "num_sources": len(sources),
            "sources": sources,
            "articles": articles,
            "events": events,
            "evidence": _evidence(event) if earlier else story.evidence,
        }
    )
