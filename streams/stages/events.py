"""Stage 3: code the events each sentence reports, with their participants.

A trigger lexicon (``knowledge/triggers.yaml``) finds candidate events per sentence; the
entities of that sentence become the participants:

* "بين X و Y" makes X the actor and Y the target;
* otherwise the actor is the participant nearest before the trigger (SVO) or, with none
  close, the first after it (VSO: "التقى حفتر … غولر"); the others after the trigger are
  targets, a destination after "إلى" among them; for host triggers (استقبل) the guest
  is the actor and the host the target;
* the location is the place after a locative (في، إلى، ب…) nearest the trigger; the time
  is the time expression nearest the trigger; the modality is the nearest cue before the
  trigger (reported / planned / hypothetical / historical), else ``asserted`` — or
  ``historical`` when the sentence dates it to an earlier year or a past month.

Repeats of an event (same type and modality, a shared participant) merge into the first.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from models import EntitiesArticle, Entity, Event, EventsArticle, Mention, Modality, Plover
from models.annotations import EventType
from streams.knowledge import load_knowledge
from streams.knowledge.lexicons import Trigger, TriggerLexicon
from streams.text.matchform import fold_phrase, span_to_original

_BETWEEN = fold_phrase("بين")
_WITH = frozenset(fold_phrase(w) for w in ("مع", "ومع", "لدى", "مع", "و"))
_TO = frozenset(fold_phrase(w) for w in ("إلى", "الى", "لـ"))
_WORD_RE = re.compile(r"\w+")
_YEAR_RE = re.compile(r"(?<!\d)(19[5-9]\d|20[0-4]\d)(?!\d)")
#: How far before a trigger (in characters) its subject may stand.
_SUBJECT_WINDOW = 70
_MONTH_PAST = fold_phrase("الماضي")


@dataclass(slots=True)
class _Participant:
    canonical: str
    start: int  # folded offset in the sentence
    end: int
    clitic_before: str
    place: bool  # a city, base or region: a location rather than a participant
    country: bool


def code_events(article: EntitiesArticle) -> EventsArticle:
    """Attach the article's events to it."""
    return EventsArticle.model_construct(**dict(article), events=find_events(article))


def find_events(article: EntitiesArticle) -> list[Event]:
    knowledge = load_knowledge()
    lexicon = knowledge.triggers
    actors = knowledge.actors
    year = article.published_at.year if article.published_at else None
    by_sentence = _participants_by_sentence(article, actors)
    events: list[Event] = []
    for number, sentence in enumerate(article.sentences):
        participants = by_sentence.get(number, [])
        if not participants:
            continue
        norm = sentence.norm
        blocked = [(p.start, p.end) for p in participants if not p.country and p.canonical not in _NAMED_ACCORDS(actors)]
        found: dict[EventType, tuple[int, int, Trigger]] = {}
        for match in lexicon.matcher.find(norm):
            if any(match.start < end and match.end > start for start, end in blocked):
                continue
            for trigger in match.values:
                if trigger.requires and not any(word in norm for word in trigger.requires):
                    continue
                if trigger.type not in found:
                    found[trigger.type] = (match.start - len(match.clitic), match.end, trigger)
        for event_type in list(found):
            for weaker in lexicon.suppresses.get(event_type, ()):
                found.pop(weaker, None)
        for start, end, trigger in sorted(found.values(), key=lambda item: item[0]):
            event = _event(article, number, start, end, trigger, participants, lexicon, year)
            if event is not None:
                events.append(event)
    return _merge(events)


_ACCORDS_CACHE: dict[int, frozenset[str]] = {}


def _NAMED_ACCORDS(actors) -> frozenset[str]:  # noqa: N802 - a cached constant
    """Named accords (MISC) may hold a trigger ("مذكرة التفاهم البحرية")."""
    key = id(actors)
    if key not in _ACCORDS_CACHE:
        _ACCORDS_CACHE[key] = frozenset(a.canonical for a in actors.actors if a.type == "MISC")
    return _ACCORDS_CACHE[key]


def _participants_by_sentence(article: EntitiesArticle, actors) -> dict[int, list[_Participant]]:
    """Entity mentions per sentence, in folded offsets of that sentence."""
    starts = [sentence.start for sentence in article.sentences]
    result: dict[int, list[_Participant]] = {}
    from bisect import bisect_right

    for entity in article.entities:
        actor = actors.actors[actors.by_canonical[entity.canonical]] if entity.linked else None
        country = actor is not None and bool(actor.demonyms or actor.metonyms)
        place = entity.type == "LOC" and not country
        for mention in entity.mentions:
            number = bisect_right(starts, mention.start) - 1
            if number < 0:
                continue
            sentence = article.sentences[number]
            if mention.end > sentence.end:
                continue
            start, end = _to_folded(sentence, mention.start - sentence.start, mention.end - sentence.start)
            before = sentence.norm[max(0, start - 3) : start]
            result.setdefault(number, []).append(
                _Participant(entity.canonical, start, end, before, place, country)
            )
    for participants in result.values():
        participants.sort(key=lambda p: p.start)
    return result


def _to_folded(sentence, start: int, end: int) -> tuple[int, int]:
    """Inverse of the shifts: original offsets within a sentence to folded offsets."""
    if not sentence.shifts:
        return start, end
    def inverse(offset: int) -> int:
        folded = offset
        for index, delta in sentence.shifts:
            if index + delta <= offset:
                folded = offset - delta
            else:
                break
        return max(0, folded)
    return inverse(start), max(inverse(start) + 1, inverse(end - 1) + 1)


def _event(
    article: EntitiesArticle,
    number: int,
    start: int,
    end: int,
    trigger: Trigger,
    participants: list[_Participant],
    lexicon: TriggerLexicon,
    year: int | None,
) -> Event | None:
    sentence = article.sentences[number]
    norm = sentence.norm
    words = {word for word in _WORD_RE.findall(norm)}
    location = _location(norm, start, participants, lexicon)
    agents = [p for p in participants if not p.place]
    actors_, targets = _roles(norm, start, end, trigger, agents)
    if not actors_ and not targets:
        return None
    time = _time(article, number, start, lexicon)
    modality = _modality(norm, start, end, lexicon, time, year)
    original_start, original_end = span_to_original(sentence.shifts, start, end)
    del words
    return Event(
        type=trigger.type,
        cameo=trigger.cameo,
        plover=Plover(event=trigger.plover_event, mode=trigger.plover_mode, context=list(trigger.context)),
        actors=actors_,
        targets=targets,
        location=location,
        time=time,
        modality=modality,
        trigger=article.text[sentence.start + original_start : sentence.start + original_end],
        evidence=Mention(text=article.text[sentence.start : sentence.end], start=sentence.start, end=sentence.end),
    )


def _unique(names: list[str]) -> list[str]:
    seen: dict[str, None] = {}
    for name in names:
        seen.setdefault(name, None)
    return list(seen)


def _preceding_word(norm: str, position: int) -> str:
    words = _WORD_RE.findall(norm[max(0, position - 25) : position])
    return words[-1] if words else ""


def _roles(
    norm: str, start: int, end: int, trigger: Trigger, agents: list[_Participant]
) -> tuple[list[str], list[str]]:
    if not agents:
        return [], []
    between = norm.rfind(_BETWEEN + " ", 0, start + 60)
    if between >= 0 and (between >= start or start - between < 60):
        after = [p for p in agents if p.start > between]
        if len(after) >= 2:
            return [after[0].canonical], _unique([p.canonical for p in after[1:4] if p.canonical != after[0].canonical])
    before = [p for p in agents if p.end <= start and start - p.end <= _SUBJECT_WINDOW]
    after = [p for p in agents if p.start >= end]
    if before:
        subject, rest = before[-1], after
    elif after:
        subject, rest = after[0], after[1:]
    else:
        subject, rest = agents[-1], []
    others = _unique([p.canonical for p in rest[:4] if p.canonical != subject.canonical])
    if trigger.host and others:
        return [others[0]], [subject.canonical]
    return [subject.canonical], others


def _location(norm: str, trigger: int, participants: list[_Participant], lexicon: TriggerLexicon) -> str | None:
    best: tuple[int, str] | None = None
    for p in participants:
        if not (p.place or p.country):
            continue
        locative = p.clitic_before.endswith("ب") or _preceding_word(norm, p.start) in lexicon.locatives
        if not locative:
            continue
        distance = abs(p.start - trigger) + (40 if p.country else 0)
        if best is None or distance < best[0]:
            best = (distance, p.canonical)
    return best[1] if best else None


def _time(article: EntitiesArticle, number: int, trigger: int, lexicon: TriggerLexicon) -> str | None:
    sentence = article.sentences[number]
    best: tuple[int, tuple[int, int]] | None = None
    for match in lexicon.time_re.finditer(sentence.norm):
        distance = abs(match.start() - trigger)
        if best is None or distance < best[0]:
            best = (distance, match.span())
    if best is None:
        return None
    start, end = span_to_original(sentence.shifts, *best[1])
    return article.text[sentence.start + start : sentence.start + end].strip()


def _modality(
    norm: str, start: int, end: int, lexicon: TriggerLexicon, time: str | None, year: int | None
) -> Modality:
    cues = lexicon.modality.find(norm)
    before = [cue for cue in cues if cue.end <= start]
    near_after = [cue for cue in cues if cue.start >= end and cue.start - end <= 25]
    for cue in near_after:
        if cue.values[0] in (Modality.PLANNED, Modality.HYPOTHETICAL):
            return cue.values[0]
    if before:
        return before[-1].values[0]
    years = [int(y) for y in _YEAR_RE.findall(norm)]
    reference = year or 2025
    if any(y < reference for y in years):
        return Modality.HISTORICAL
    if time and _MONTH_PAST in fold_phrase(time) and not any(day in fold_phrase(time) for day in _WEEKDAYS):
        return Modality.HISTORICAL
    return Modality.ASSERTED


_WEEKDAYS = tuple(fold_phrase(d) for d in ("الأحد", "الاثنين", "الإثنين", "الثلاثاء", "الأربعاء", "الخميس", "الجمعة", "السبت", "الأسبوع"))


def _merge(events: list[Event]) -> list[Event]:
    """Fold repeats of an event (same type and modality, a shared participant) into the first."""
    merged: list[Event] = []
    for event in events:
        people = set(event.actors) | set(event.targets)
        for kept in merged:
            if kept.type == event.type and kept.modality == event.modality and people & (set(kept.actors) | set(kept.targets)):
                kept.targets = _unique(kept.targets + [t for t in event.targets + event.actors if t not in kept.actors])
                kept.location = kept.location or event.location
                kept.time = kept.time or event.time
                break
        else:
            merged.append(event)
    return merged
