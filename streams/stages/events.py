"""Stage 3: code the events each sentence reports, with their participants.

A trigger lexicon (``knowledge/triggers.yaml``) finds candidate events per sentence; the
entities of that sentence are the participants (a mention inside another mention is not
a participant of its own; equipment stands for its country; named events and accords are
not agents):

* "بين X و Y" makes X the actor and Y the target;
* otherwise the actor is the person or body nearest before the trigger (SVO), else the
  first participant after it, else a person or body further back in the sentence (VSO: "التقى حفتر … غولر"); the others after the trigger
  are targets; for a visit, a country or place after "إلى" is its destination (a
  target); for host triggers (استقبل) the guest is the actor and the host the target;
* a sentence with a trigger but no participants continues the previous event's
  participants when that event is at most two sentences back;
* the location is the place after a locative (في، إلى، ب…) nearest the trigger; the time
  the time expression nearest the trigger; the modality a cue right after the trigger
  ("زيارة مرتقبة"), else the nearest cue before it, else ``historical`` when the sentence
  dates it to an earlier year or a past month, else ``asserted``.

Repeats of an event (same type, a shared participant, the same modality or one of them
asserted) merge into the first; a maritime accord is one affair per article.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

from models import EntitiesArticle, Event, EventsArticle, Mention, Modality, Plover, Sentence
from models.annotations import EventType
from streams.knowledge import ActorIndex, Knowledge, load_knowledge
from streams.knowledge.lexicons import Trigger, TriggerLexicon
from streams.stages.mentions import PlacedMention, placed_mentions
from streams.text.matchform import fold_phrase, span_to_original
from streams.text.tokens import word_before

_BETWEEN = fold_phrase("بين")
_TO = frozenset(fold_phrase(w) for w in ("إلى", "الى", "نحو"))
_YEAR_RE = re.compile(r"(?<!\d)(19[5-9]\d|20[0-4]\d)(?!\d)")
_WEEKDAYS = tuple(
    fold_phrase(d) for d in ("الأحد", "الاثنين", "الإثنين", "الثلاثاء", "الأربعاء", "الخميس", "الجمعة", "السبت", "الأسبوع")
)
_PAST = fold_phrase("الماضي")
#: How far before a trigger (folded characters) its subject may stand.
_SUBJECT_WINDOW = 100
#: How far after a trigger a modality cue still qualifies it ("زيارة مرتقبة").
_AFTER_CUE_WINDOW = 20
#: How many sentences back an event's participants carry over to a sentence without any.
_CARRY_OVER = 2


@dataclass(slots=True)
class _Participant:
    canonical: str
    start: int  # folded offsets in the sentence
    end: int
    place: bool  # a city, base or region: a location rather than an agent
    country: bool
    agent: bool  # a person or body (preferred as a subject)


@dataclass(frozen=True, slots=True)
class _Roles:
    """What the knowledge base says about participants, derived once per process."""

    countries: frozenset[str]
    country_by_code: dict[str, str]
    equipment_country: dict[str, str]
    place_country: dict[str, str]
    not_agents: frozenset[str]


@lru_cache(maxsize=4)
def _roles_of(index: ActorIndex) -> _Roles:
    countries = {a.canonical for a in index.actors if a.type == "LOC" and (a.demonyms or a.metonyms)}
    by_code = {a.country: a.canonical for a in index.actors if a.canonical in countries and a.country}
    equipment: dict[str, str] = {}
    not_agents: set[str] = set()
    for actor in index.actors:
        if actor.type != "MISC":
            continue
        owner = by_code.get(actor.country or "")
        if owner:
            equipment[actor.canonical] = owner
        else:
            not_agents.add(actor.canonical)
    places = {
        a.canonical: by_code[a.country]
        for a in index.actors
        if a.type == "LOC" and a.canonical not in countries and a.country in by_code
    }
    return _Roles(frozenset(countries), by_code, equipment, places, frozenset(not_agents))


def code_events(article: EntitiesArticle, knowledge: Knowledge | None = None) -> EventsArticle:
    """Attach the article's events to it."""
    return EventsArticle.model_construct(**dict(article), events=find_events(article, knowledge))


def find_events(article: EntitiesArticle, knowledge: Knowledge | None = None) -> list[Event]:
    knowledge = knowledge or load_knowledge()
    lexicon = knowledge.triggers
    roles = _roles_of(knowledge.actors)
    year = article.published_at.year if article.published_at else None
    by_sentence = _participants_by_sentence(article, roles)
    events: list[tuple[int, Event]] = []
    for number, sentence in enumerate(article.sentences):
        participants = by_sentence.get(number, [])
        for start, end, trigger in _triggers(sentence, participants, lexicon):
            previous = events[-1][1] if events and number - events[-1][0] <= _CARRY_OVER else None
            event = _event(article, number, start, end, trigger, participants, lexicon, year, roles)
            if event is None and previous is not None and not participants:
                event = _event(article, number, start, end, trigger, [], lexicon, year, roles, carried=previous)
            if event is None:
                continue
            if event.type in _TWO_PARTY and not event.targets and previous is not None:
                # "التقى خلالها وزير الدفاع التركي": the other party is the previous event's actor
                event.targets = [a for a in previous.actors if a not in event.actors]
            events.append((number, event))
            if trigger.host and event.type == EventType.VISIT and _is_person(article, event.targets):
                # "استقبل المشير حفتر الوزير": a reception by a person is also a meeting
                events.append((number, event.model_copy(update={"type": EventType.MEETING, "cameo": "040",
                    "plover": Plover(event="CONSULT", mode="meet", context=["diplomatic"])})))
    return _merge([event for _, event in events])


_TWO_PARTY = frozenset({EventType.MEETING, EventType.AGREEMENT, EventType.VISIT})


def _is_person(article: EntitiesArticle, names: list[str]) -> bool:
    kinds = {entity.canonical: entity.type for entity in article.entities}
    return any(kinds.get(name) == "PER" for name in names)


def _triggers(
    sentence: Sentence, participants: list[_Participant], lexicon: TriggerLexicon
) -> list[tuple[int, int, Trigger]]:
    """Trigger hits of a sentence: not inside a name, ``requires`` met, weaker types suppressed."""
    norm = sentence.norm
    names = [(p.start, p.end) for p in participants if not p.country]
    found: list[tuple[int, int, Trigger]] = []
    for match in lexicon.matcher.find(norm):
        if any(match.start < end and match.end > start for start, end in names):
            continue
        for trigger in match.values:
            if trigger.requires and not any(word in norm for word in trigger.requires):
                continue
            start = match.start - len(match.clitic)
            same = [f for f in found if f[2].type == trigger.type]
            if same and start - same[-1][1] < 25:
                continue  # the same event named twice in a row ("زيارة … زار")
            found.append((start, match.end, trigger))
    types = {trigger.type for _, _, trigger in found}
    suppressed = {weaker for kind in types for weaker in lexicon.suppresses.get(kind, ())}
    return [item for item in found if item[2].type not in suppressed]


def _participants_by_sentence(article: EntitiesArticle, roles: _Roles) -> dict[int, list[_Participant]]:
    """Entity mentions per sentence in folded offsets, outermost mentions only."""
    placed: dict[int, list[tuple[PlacedMention, str, str]]] = {}
    for item in placed_mentions(article):
        entity = item.entity
        if entity.canonical in roles.not_agents:
            continue
        canonical = roles.equipment_country.get(entity.canonical, entity.canonical)
        kind = "ORG" if canonical != entity.canonical else entity.type  # equipment acts for its owner
        placed.setdefault(item.sentence, []).append((item, canonical, kind))
    result: dict[int, list[_Participant]] = {}
    for number, items in placed.items():
        spans = [(i.mention.start, i.mention.end) for i, _, _ in items]
        participants = []
        for (item, canonical, kind), (start, end) in zip(items, spans):
            if any(s <= start and end <= e and (s, e) != (start, end) for s, e in spans):
                continue  # inside a longer mention
            country = canonical in roles.countries
            participants.append(
                _Participant(canonical, item.start, item.end, kind == "LOC" and not country, country, kind in ("PER", "ORG"))
            )
        participants.sort(key=lambda p: p.start)
        # "الرئيس التركي رجب طيب أردوغان": a demonym right before a name describes the person
        result[number] = [
            p
            for i, p in enumerate(participants)
            if not (p.country and i + 1 < len(participants) and participants[i + 1].agent and 0 <= participants[i + 1].start - p.end <= 2)
        ]
    return result


def _event(
    article: EntitiesArticle,
    number: int,
    start: int,
    end: int,
    trigger: Trigger,
    participants: list[_Participant],
    lexicon: TriggerLexicon,
    year: int | None,
    roles: _Roles,
    carried: Event | None = None,
) -> Event | None:
    sentence = article.sentences[number]
    norm = sentence.norm
    if carried is not None:
        actors, targets = list(carried.actors), list(carried.targets)
    else:
        actors, targets = _assign(norm, start, end, trigger, participants, roles)
    if not actors and not targets:
        return None
    time = _time(article, number, start, lexicon)
    original_start, original_end = span_to_original(sentence.shifts, start, end)
    return Event(
        type=trigger.type,
        cameo=trigger.cameo,
        plover=Plover(event=trigger.plover_event, mode=trigger.plover_mode, context=list(trigger.context)),
        actors=actors,
        targets=targets,
        location=_location(norm, start, participants, lexicon),
        time=time,
        modality=_modality(norm, start, end, lexicon, time, year),
        trigger=article.text[sentence.start + original_start : sentence.start + original_end],
        evidence=Mention(text=article.text[sentence.start : sentence.end], start=sentence.start, end=sentence.end),
    )


def _unique(names: list[str]) -> list[str]:
    return list(dict.fromkeys(names))


def _assign(
    norm: str, start: int, end: int, trigger: Trigger, participants: list[_Participant], roles: _Roles
) -> tuple[list[str], list[str]]:
    """Actors and targets of one trigger among the sentence's participants."""
    agents = [p for p in participants if not p.place]
    if not agents:
        return [], []
    between = norm.rfind(_BETWEEN + " ", 0, start + 60)
    if between >= 0 and abs(start - between) < 60:
        after = [p for p in agents if p.start > between]
        if len(after) >= 2:
            first = after[0].canonical
            return [first], _unique([p.canonical for p in after[1:4] if p.canonical != first])
    destinations: list[_Participant] = []
    if trigger.type == EventType.VISIT:
        destinations = [
            p for p in participants if p.start >= end and (p.country or p.place) and word_before(norm, p.start) in _TO
        ]
    if trigger.host:
        return _host_roles(start, end, agents, destinations)
    before = [p for p in agents if p.end <= start and start - p.end <= _SUBJECT_WINDOW and p not in destinations]
    after = [p for p in agents if p.start >= end and p not in destinations]
    before_agents = [p for p in before if p.agent]
    earlier_agents = [p for p in agents if p.agent and p.end <= start and p not in destinations]
    if before_agents:
        subject, rest = before_agents[-1], after
    elif earlier_agents and not after:
        subject, rest = earlier_agents[-1], []  # "… كما ناقشا قضية الهجرة": the subject stands far back
    elif after:
        subject, rest = after[0], after[1:]
    elif before:
        subject, rest = before[-1], []
    else:
        subject, rest = None, []
    # a visit's destination is a country: a city or place stands for the country it is in
    visited = _unique([d.canonical if d.country else roles.place_country.get(d.canonical, "") for d in destinations])
    visited = [name for name in visited if name]
    if subject is None:
        return [], visited
    others = [p.canonical for p in rest[:4] if p.canonical != subject.canonical]
    targets = _unique(visited + others)
    return [subject.canonical], [t for t in targets if t != subject.canonical]


def _host_roles(
    start: int, end: int, agents: list[_Participant], destinations: list[_Participant]
) -> tuple[list[str], list[str]]:
    """Receptions: the guest is the actor, the host the target.

    Arabic news puts the host right after the verb ("استقبل الرئيس X الوزير Y",
    "استقبله المشير حفتر"): the guest is the next participant, or, with an object pronoun,
    the person or body named before the verb. Without anyone after the verb, the host
    is named before it.
    """
    after = [p for p in agents if p.start >= end and p not in destinations and p.start - end <= _SUBJECT_WINDOW]
    before = [p for p in agents if p.end <= start and p.agent]
    after_agents = [p for p in after if p.agent]
    if after_agents:
        host = after_agents[0]
        guests = [p for p in after if p.start > host.start and p.canonical != host.canonical]
        guest = guests[0] if guests else (before[-1] if before else None)
    elif before:
        host, guest = before[-1], (after[0] if after else None)
    else:
        return [], []
    if guest is None or guest.canonical == host.canonical:
        return [host.canonical], []
    return [guest.canonical], [host.canonical]


def _location(norm: str, trigger: int, participants: list[_Participant], lexicon: TriggerLexicon) -> str | None:
    best: tuple[int, str] | None = None
    for p in participants:
        if not (p.place or p.country):
            continue
        if not (norm[max(0, p.start - 1) : p.start] == "ب" or word_before(norm, p.start) in lexicon.locatives):
            continue
        distance = abs(p.start - trigger) + (40 if p.country else 0)
        if best is None or distance < best[0]:
            best = (distance, p.canonical)
    return best[1] if best else None


@lru_cache(maxsize=256)
def _time_spans(norm: str, lexicon: TriggerLexicon) -> tuple[tuple[int, int], ...]:
    return tuple(match.span() for match in lexicon.time_re.finditer(norm))


@lru_cache(maxsize=256)
def _modality_cues(norm: str, lexicon: TriggerLexicon) -> tuple[tuple[int, int, Modality], ...]:
    return tuple((cue.start, cue.end, cue.values[0]) for cue in lexicon.modality.find(norm))


def _time(article: EntitiesArticle, number: int, trigger: int, lexicon: TriggerLexicon) -> str | None:
    sentence = article.sentences[number]
    best: tuple[int, tuple[int, int]] | None = None
    for span in _time_spans(sentence.norm, lexicon):
        distance = abs(span[0] - trigger)
        if best is None or distance < best[0]:
            best = (distance, span)
    if best is None:
        return None
    start, end = span_to_original(sentence.shifts, *best[1])
    return article.text[sentence.start + start : sentence.start + end].strip()


def _modality(norm: str, start: int, end: int, lexicon: TriggerLexicon, time: str | None, year: int | None) -> Modality:
    cues = _modality_cues(norm, lexicon)
    for cue_start, _, modality in cues:
        if cue_start >= end and cue_start - end <= _AFTER_CUE_WINDOW:
            return modality
    before = [modality for _, cue_end, modality in cues if cue_end <= start]
    if before:
        return before[-1]
    reference = year or 2025
    if any(int(y) < reference for y in _YEAR_RE.findall(norm)):
        return Modality.HISTORICAL
    if time:
        folded = fold_phrase(time)
        if _PAST in folded and not any(day in folded for day in _WEEKDAYS):
            return Modality.HISTORICAL
    return Modality.ASSERTED


#: Types an article almost always discusses as one affair (the maritime accord): their
#: mentions merge whatever their participants and modality.
_ONE_AFFAIR = frozenset({EventType.MARITIME_BOUNDARY})


def _merge(events: list[Event]) -> list[Event]:
    """Fold repeats of an event into the first (see the module docstring).

    A meeting needs two parties: one left without a target is dropped.
    """
    merged: list[Event] = []
    for event in events:
        if event.type == EventType.MEETING and not event.targets:
            continue
        people = set(event.actors) | set(event.targets)
        for kept in merged:
            if kept.type != event.type:
                continue
            if kept.type in _ONE_AFFAIR:
                kept.targets = _unique(kept.targets + [p for p in event.actors + event.targets if p not in kept.actors])
                break
            compatible = kept.modality == event.modality or Modality.ASSERTED in (kept.modality, event.modality)
            if compatible and people & (set(kept.actors) | set(kept.targets)):
                kept.location = kept.location or event.location
                kept.time = kept.time or event.time
                break
        else:
            merged.append(event)
    return merged


if TYPE_CHECKING:
    from streams.stages.spec import StageContext


def run(article: EntitiesArticle, context: StageContext) -> EventsArticle:
    """The stage as its spec runs it: knowledge from the context."""
    return code_events(article, context.knowledge)
