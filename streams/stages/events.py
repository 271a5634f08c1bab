"""Stage 3: code the events each sentence reports, with their participants.

A trigger lexicon (``knowledge/triggers.yaml``; verbs written once, their forms generated)
finds candidate events per sentence; the entities of that sentence are the participants (a
mention inside another mention is not a participant of its own; equipment stands for its
country; named events and accords are not agents; a place, a dateline or a nisba adjective
such as "التركي" never acts, outlets only speak):

* "بين X و Y" makes X the actor and Y the target (a statement keeps its speaker);
* a finite verb's subject stands right before it ("أنقرة تتهم …") or follows it (VSO:
  "التقى حفتر … غولر", "قال الرئيس …") unless a preposition introduces what follows
  ("اجتمع مع …") or إن/أن starts what was said; a country is a subject only right next to
  the verb; a visit verb's object is its destination ("زار أنقرة");
* for other triggers (nouns) the actor is the noun's genitive ("زيارة صدام حفتر", or its
  ل-marked agent a few words on), else the person or body nearest before the trigger,
  else the first participant after it that no preposition introduces, else a person or
  body further back in the sentence, with a nisba inside the trigger as its actor
  ("الدعم التركي"); the others after the trigger are targets; for a visit, a country or
  place after "إلى" is its destination (a target); for host triggers (استقبل) the guest
  is the actor and the host the target;
* the speaker of a statement is its actor: a statement (and an agreement) needs one; a
  speech verb inside quoted words or after another's إن/أن is part of what someone said;
  a statement gives way to the event its sentence reports; attacking a person
  ("هاجم أردوغان حفتر") is done with words;
* a trigger's participants after it end where the next verb trigger's clause starts
  ("التقى X Y، كما اجتمع Z بـW"); a body right before a person in a host's title is not
  the host ("استقبل قائد القوات البرية، الفريق X، Y");
* a dual subject ("ناقش الطرفان", "وأكد الوزيران") with no parties named before it in the
  sentence stands for the two parties of the last event of an earlier sentence (at most
  ``carry_over`` back); a verb right after its deal's noun, no name between, replaces it
  as the mention ("باتفاقية أبرمها X مع Y");
* an anaphoric trigger ("صادق على المذكرة") codes its type only once another trigger has
  named it in the article; ``unless`` words rule a trigger out (another deal ratified);
* a noun and its verb naming one event in a row are one mention; a noun after "هامش" is
  the setting; a sentence with a trigger but no participants continues the previous
  event's participants when that event is at most ``carry_over`` sentences back;
* the location is the place after a locative (في، إلى، ب…) nearest the trigger; the time
  the time expression nearest the trigger; the modality a cue right after the trigger
  ("زيارة مرتقبة"), else the future prefix ("سيزور"), else the nearest cue before it,
  else ``historical`` when the sentence dates it to a year before the article's (its
  publication year, else the latest year it mentions) or to a past month, else
  ``asserted``.

Repeats of an event merge into the first: same type, a shared participant that is an
actor of one of them, both real (asserted, reported, historical) or both not (planned,
hypothetical). For a visit any shared participant will do, unless it goes to another
country; a meeting with other named counterparts is another meeting; statements by the
same speaker are one; the acts of opposing sides are two clashes; the maritime accord,
migration and reconstruction are one affair per article each, except that a verb whose
actor the maritime affair does not yet have is another party's step in it (ratification).

Every look-up is a bisection over the sentence's sorted participants and cues, bounded
by the windows in the lexicon, so the stage stays near-linear in the article's length
and in the number of triggers and mentions.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING

from models import EntitiesArticle, Event, EventsArticle, Mention, Modality, Plover, Sentence
from models.annotations import EventType
from streams.knowledge import ActorIndex, Knowledge, load_knowledge
from streams.knowledge.lexicons import RoleWords, Trigger, TriggerLexicon, TypePolicy
from streams.stages.mentions import PlacedMention, placed_mentions
from streams.text.matcher import CLITICS
from streams.text.matchform import fold_phrase, span_to_original
from streams.text.tokens import char_positions, word_before
from streams.text.wordpattern import WordPattern

_YEAR_RE = re.compile(r"(?<!\d)(19[5-9]\d|20[0-4]\d)(?!\d)")
_QUOTE = '"'  # the matching form has one kind of quote
_DATELINE_RE = re.compile(r"\s*(?:\([^)]{0,40}\)\s*)?[-–—]")


@dataclass(slots=True)
class _Participant:
    canonical: str
    start: int  # folded offsets in the sentence
    end: int
    place: bool  # a city, base or region: a location rather than an agent
    country: bool
    agent: bool  # a person or body (preferred as a subject)
    nisba: bool = False  # "التركي": describes something, never acts
    media: bool = False  # an outlet: reports events rather than taking part
    prepositional: bool = False  # right after a preposition ("مع تركيا"، "بأنقرة")
    destination: bool = False  # right after إلى/نحو
    person: bool = False


@dataclass(frozen=True, slots=True)
class _Roles:
    """What the knowledge base says about participants, derived once per process."""

    countries: frozenset[str]
    country_by_code: dict[str, str]
    equipment_country: dict[str, str]
    place_country: dict[str, str]
    not_agents: frozenset[str]
    demonyms: frozenset[str]
    media: frozenset[str]


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
    demonyms = {fold_phrase(d) for a in index.actors if a.canonical in countries for d in a.demonyms}
    media = {a.canonical for a in index.actors if (a.code or "").endswith("MED")}
    return _Roles(
        frozenset(countries), by_code, equipment, places, frozenset(not_agents), frozenset(demonyms), frozenset(media)
    )


@dataclass(slots=True)
class _View:
    """One sentence's participants and cues, sorted once for windowed look-ups."""

    sentence: Sentence
    participants: list[_Participant]
    starts: list[int] = field(default_factory=list)
    name_starts: list[int] = field(default_factory=list)
    name_max_end: list[int] = field(default_factory=list)  # running max of the names' ends
    last_agent: list[int] = field(default_factory=list)  # index of the last PER/ORG at or before i
    between: list[int] = field(default_factory=list)
    complementizers: list[int] = field(default_factory=list)
    quotes: list[tuple[int, int]] = field(default_factory=list)
    places: list[_Participant] = field(default_factory=list)  # after a locative
    countries: list[_Participant] = field(default_factory=list)
    times: list[tuple[int, int]] = field(default_factory=list)
    cues: list[tuple[int, int, Modality]] = field(default_factory=list)
    years: list[int] = field(default_factory=list)
    verb_starts: list[int] = field(default_factory=list)  # every verb trigger, suppressed ones too
    evidence: Mention | None = None
    _required: dict[str, bool] = field(default_factory=dict)

    def has(self, word: str) -> bool:
        """Is ``word`` in the sentence? Answered once per word and sentence."""
        found = self._required.get(word)
        if found is None:
            found = self._required[word] = word in self.sentence.norm
        return found

    def quoted(self, position: int) -> bool:
        index = bisect_right(self.quotes, (position, 1 << 60)) - 1
        return index >= 0 and self.quotes[index][0] <= position < self.quotes[index][1]

    def before(self, position: int, limit: int) -> list[_Participant]:
        """Up to ``limit`` participants ending at or before ``position``, nearest first."""
        found: list[_Participant] = []
        index = bisect_right(self.starts, position) - 1
        scanned = 0
        while index >= 0 and len(found) < limit and scanned < limit + 4:
            p = self.participants[index]
            if p.end <= position:
                found.append(p)
            index -= 1
            scanned += 1
        return found

    def after(self, position: int, limit: int) -> list[_Participant]:
        """Up to ``limit`` participants starting at or after ``position``, in order."""
        index = bisect_left(self.starts, position)
        return self.participants[index : index + limit]

    def agent_before(self, position: int) -> _Participant | None:
        """The last person or body ending before ``position``, however far back."""
        index = bisect_right(self.starts, position) - 1
        while index >= 0:
            candidate = self.last_agent[index]
            if candidate < 0:
                return None
            p = self.participants[candidate]
            if p.end <= position:
                return p
            index = candidate - 1
        return None

    def overlaps_name(self, start: int, end: int) -> bool:
        index = bisect_left(self.name_starts, end) - 1
        return index >= 0 and self.name_max_end[index] > start


def _view(sentence: Sentence, participants: list[_Participant], lexicon: TriggerLexicon) -> _View:
    """What finding the sentence's triggers needs: names' spans, quotes, complementizers.

    The participants' roles and the sentence's time and modality cues are added by
    :func:`_complete` only for a sentence with triggers (about a quarter has none).
    """
    norm = sentence.norm
    roles = lexicon.roles
    assert roles is not None
    view = _View(sentence, participants)
    view.starts = [p.start for p in participants]
    running = -1
    for p in participants:
        if not p.country:
            running = max(running, p.end)
            view.name_starts.append(p.start)
            view.name_max_end.append(running)
    view.complementizers = [m.start() for m in _whole_words_re(roles.complementizers).finditer(norm)]
    marks = char_positions(norm, _QUOTE)
    view.quotes = [(marks[i], marks[i + 1]) for i in range(0, len(marks) - 1, 2)]
    return view


def _complete(view: _View, lexicon: TriggerLexicon) -> None:
    """The rest of the view, for assigning roles: datelines, agents, destinations, outlets,
    prepositions, places, "بين", times, modality cues and years."""
    norm = view.sentence.norm
    roles = lexicon.roles
    assert roles is not None
    words_dateline = roles.dateline
    last = -1
    for i, p in enumerate(view.participants):
        if p.start <= words_dateline and _DATELINE_RE.match(norm, p.end):
            # "ليبيا – أعلنت …", "طرابلس - وقع …": a dateline says where it was reported from
            p.place, p.agent = True, False
        if p.agent:
            last = i
        view.last_agent.append(last)
        before = word_before(norm, p.start)
        attached = _attached_clitic(norm, p.start)
        p.destination = before in roles.destination
        if before in roles.outlets or norm[p.start : p.end].split(" ", 1)[0] in roles.outlets:
            p.media = True  # "قالت صحيفة …", "وكالة …": an outlet the report cites
        p.prepositional = before in roles.prepositions or attached in roles.attached_prepositions
        if p.place or p.country:
            if attached.endswith("ب") or before in lexicon.locatives:
                (view.countries if p.country else view.places).append(p)
    for word in roles.between:
        if word in norm:  # perf: no regex over sentences without the word
            view.between += [m.start() for m in re.finditer(rf"(?<!\w){re.escape(word)} ", norm)]
    view.between.sort()
    view.times = list(_time_spans(norm, lexicon))
    view.cues = list(_modality_cues(norm, lexicon))
    view.years = _years(norm)


@lru_cache(maxsize=16)
def _whole_words_re(words: frozenset[str]) -> WordPattern:
    """perf: one regex finding the words of a set where they stand as whole words
    (the same starts as testing every word of the sentence against the set), tried only
    next to the words themselves."""
    whole = sorted((word for word in words if re.fullmatch(r"\w+", word)), key=len, reverse=True)
    if not whole:
        return WordPattern(frozenset(), re.compile(r"(?!)"))
    return WordPattern(frozenset(whole), re.compile(r"(?<!\w)(?:" + "|".join(map(re.escape, whole)) + r")(?!\w)"))


def _years(norm: str) -> list[int]:
    """The years a sentence names (perf: the regex runs only where "19" or "20" occurs)."""
    if "19" not in norm and "20" not in norm:
        return []
    return [int(y) for y in _YEAR_RE.findall(norm)]


def _attached_clitic(norm: str, start: int) -> str:
    """Letters glued in front of a mention ("بأنقرة" → "ب"), if they are proclitics."""
    begin = start
    while begin > 0 and norm[begin - 1].isalnum() and start - begin < 3:
        begin -= 1
    clitic = norm[begin:start]
    return clitic if clitic in CLITICS or clitic in ("لل", "ولل", "فلل") else ""


def code_events(article: EntitiesArticle, knowledge: Knowledge | None = None) -> EventsArticle:
    """Attach the article's events to it."""
    return EventsArticle.built_from(article, events=find_events(article, knowledge))


def _reference_year(article: EntitiesArticle) -> int | None:
    """The year the article speaks from: its publication year, else the latest it mentions."""
    if article.published_at:
        return article.published_at.year
    years = [y for sentence in article.sentences for y in _years(sentence.norm)]
    return max(years) if years else None


def find_events(article: EntitiesArticle, knowledge: Knowledge | None = None) -> list[Event]:
    knowledge = knowledge or load_knowledge()
    lexicon = knowledge.triggers
    words = lexicon.roles
    assert words is not None
    roles = _roles_of(knowledge.actors)
    year = _reference_year(article)
    kinds = {entity.canonical: entity.type for entity in article.entities}
    by_sentence = _participants_by_sentence(article, roles)
    events: list[tuple[int, Event]] = []
    introduced: set[EventType] = set()  # types a (not anaphoric) trigger has named so far
    acts: set[int] = set()  # ids of events a verb names
    for number, sentence in enumerate(article.sentences):
        participants = by_sentence.get(number, [])
        view = _view(sentence, participants, lexicon)
        hits = _triggers(view, lexicon, introduced)
        if not hits:
            continue
        _complete(view, lexicon)
        introduced |= {trigger.type for _, _, trigger in hits if not trigger.anaphoric}
        for start, end, trigger in hits:
            previous = events[-1][1] if events and number - events[-1][0] <= words.carry_over else None
            bound = _clause_end(view, end)
            pair = _pair_before(events, number, words.carry_over) if _dual_subject(view, start, end, words) else None
            if pair is not None:  # "ناقش الطرفان …": the two parties of the event just told
                event = _event(article, number, start, end, trigger, view, lexicon, year, roles, carried=pair)
            else:
                event = _event(article, number, start, end, trigger, view, lexicon, year, roles, bound=bound)
            speech = lexicon.policy(trigger.type).merge == "speaker"
            if event is None and previous is not None and not participants and not speech:
                event = _event(article, number, start, end, trigger, view, lexicon, year, roles, carried=previous)
            if event is None:
                continue
            named = [t for t in event.targets if t not in roles.countries]
            if trigger.person_object and named and kinds.get(named[0]) == "PER":
                # "هاجم أردوغان حفتر": attacking a person is done with words
                codes = lexicon.codes[trigger.person_object]
                event.type, event.cameo = trigger.person_object, codes.cameo
                event.plover = Plover(event=codes.plover_event, mode=codes.plover_mode, context=list(codes.context))
            if lexicon.policy(event.type).two_party and not event.targets and previous is not None:
                # "التقى خلالها وزير الدفاع التركي": the other party is the previous event's actor
                event.targets = [a for a in previous.actors if a not in event.actors]
            events.append((number, event))
            if trigger.verb:
                acts.add(id(event))
            also = lexicon.host_also.get(event.type)
            if trigger.host and also and any(kinds.get(name) == "PER" for name in event.targets):
                # "استقبل المشير حفتر الوزير": a reception by a person is also a meeting
                codes = lexicon.codes[also]
                events.append((number, event.model_copy(update={"type": also, "cameo": codes.cameo,
                    "plover": Plover(event=codes.plover_event, mode=codes.plover_mode, context=list(codes.context))})))
    parties = frozenset(name for name, kind in kinds.items() if kind in ("PER", "ORG"))
    return _merge([event for _, event in events], lexicon, parties, roles.countries, frozenset(acts))




def _dual_subject(view: _View, start: int, end: int, words: RoleWords) -> bool:
    """Is the trigger's subject a dual word ("الطرفان", "الوزيران") with no name right after it,
    and no two parties named before it ("بين القاهرة وأنقرة، ناقش الطرفان": those are the two)?"""
    norm = view.sentence.norm
    if len([p for p in view.before(start, 2) if _can_act(p, None)]) >= 2:
        return False
    before = norm[max(0, start - 30) : start].split()[-3:]  # "أن الجانبان تناولا في اتصال": a few words back
    if any(word.strip(".,،:;") in words.dual for word in before):
        dual = max(norm.rfind(word, 0, start) for word in before if word.strip(".,،:;") in words.dual)
        if not view.after(dual, 1) or view.after(dual, 1)[0].start >= start:
            return True
    following = norm[end : end + 30].split()
    if not following or following[0].strip(".,،:;") not in words.dual:
        return False
    after = norm.find(following[0], end) + len(following[0])
    return not any(p.start - after <= words.adjacent + 12 for p in view.after(after, 1))


def _pair_before(events: list[tuple[int, Event]], number: int, back: int) -> Event | None:
    """The last event of an earlier sentence, at most ``back`` sentences back, with two parties."""
    for told, event in reversed(events):
        if number - told > back:
            return None
        if told < number and len(set(event.actors + event.targets)) >= 2:
            return event
    return None


def _clause_end(view: _View, end: int) -> int:
    """Where the clause of a trigger ending at ``end`` ends: at the next verb trigger, kept
    or suppressed ("التقى X Y، كما اجتمع Z بـW": the participants after the second verb are
    its own; "صادق البرلمان على المذكرة التي وقعتها X": X signed, it did not ratify)."""
    index = bisect_left(view.verb_starts, end)
    return view.verb_starts[index] if index < len(view.verb_starts) else 1 << 60


def _triggers(
    view: _View, lexicon: TriggerLexicon, named: set[EventType] | None = None
) -> list[tuple[int, int, Trigger]]:
    """Trigger hits of a sentence: not inside a name, ``requires`` met and ``unless`` not,
    an anaphoric one only once its type is ``named``, weaker types suppressed."""
    words = lexicon.roles
    assert words is not None
    found: list[tuple[int, int, Trigger]] = []
    last_end: dict[EventType, tuple[int, bool, int]] = {}  # end, a verb, index in found
    last_speech: int | None = None
    pending: list[tuple[int, int, Trigger]] = []
    for match in lexicon.matcher.find(view.sentence.norm):
        if view.overlaps_name(match.start, match.end):
            continue
        for trigger in match.values:
            if trigger.requires and not any(view.has(word) for word in trigger.requires):
                continue
            if trigger.unless and any(view.has(word) for word in trigger.unless):
                continue
            if trigger.verb and lexicon.policy(trigger.type).merge == "speaker":
                if view.quoted(match.start):
                    continue  # a speech verb inside quoted words: what someone said, not a statement
                said = last_speech
                comps = view.complementizers
                if said is not None and bisect_left(comps, said) < bisect_left(comps, match.start):
                    continue  # "قال X إن Y أكد …": Y's words are part of X's statement
                last_speech = match.end
            start = match.start - len(match.clitic)
            if trigger.anaphoric and trigger.type not in (named or ()):
                pending.append((start, match.end, trigger))  # counts once another trigger names its type
                continue
            if not trigger.verb and word_before(view.sentence.norm, start) in words.setting:
                continue  # "على هامش المؤتمر": the setting of what the sentence tells
            previous = last_end.get(trigger.type)
            if previous is not None and start - previous[0] < words.repeat and not (previous[1] and trigger.verb):
                # the same event named twice in a row ("زيارة … زار"); two verbs are two clauses
                between = view.after(previous[0], 1)
                if trigger.verb and not found[previous[2]][2].verb and not (between and between[0].start < start):
                    # "باتفاقية أبرمها X مع Y": the verb right after its noun tells who did it
                    # ("لقاء X و Y يناقش": with names between, the noun phrase is the subject)
                    found[previous[2]] = (start, match.end, trigger)
                    last_end[trigger.type] = (match.end, True, previous[2])
                continue
            found.append((start, match.end, trigger))
            last_end[trigger.type] = (match.end, trigger.verb, len(found) - 1)
    here = {trigger.type for _, _, trigger in found}
    found = sorted(found + [item for item in pending if item[2].type in here])
    view.verb_starts = sorted(start for start, _, trigger in found if trigger.verb)
    types = {trigger.type for _, _, trigger in found}
    suppressed = {weaker for kind in types for weaker in lexicon.suppresses.get(kind, ())}
    # "رفض عقد أي اتفاقية": a deal named only in what someone says is the statement's topic
    speech = any(lexicon.policy(t.type).merge == "speaker" and t.verb for _, _, t in found)
    verbs = {t.type for _, _, t in found if t.verb}
    return [
        item
        for item in found
        if item[2].type not in suppressed
        and not (speech and item[2].type in lexicon.yields_to_speech and item[2].type not in verbs)
    ]


def _participants_by_sentence(article: EntitiesArticle, roles: _Roles) -> dict[int, list[_Participant]]:
    """Entity mentions per sentence in folded offsets, outermost mentions only."""
    placed: dict[int, list[tuple[PlacedMention, str, str]]] = {}
    for item in placed_mentions(article):
        entity = item.entity
        if entity.canonical in roles.not_agents:
            continue
        canonical = roles.equipment_country.get(entity.canonical, entity.canonical)
        kind: str = "ORG" if canonical != entity.canonical else entity.type  # equipment acts for its owner
        placed.setdefault(item.sentence, []).append((item, canonical, kind))
    result: dict[int, list[_Participant]] = {}
    for number, items in placed.items():
        # outermost mentions: sorted by start then longest first, a span is nested when an
        # earlier, different span reaches at least as far
        items.sort(key=lambda i: (i[0].mention.start, -i[0].mention.end))
        participants = []
        reach, group, group_reach = -1, None, -1
        for item, canonical, kind in items:
            span = (item.mention.start, item.mention.end)
            if span != group:
                reach, group = max(reach, group_reach), span
                group_reach = span[1]
            if reach >= span[1]:
                continue  # inside a longer mention
            country = canonical in roles.countries
            nisba = False
            if country:
                folded = fold_phrase(item.mention.text)
                nisba = folded in roles.demonyms or (folded[:1] in "وفبلك" and folded[1:] in roles.demonyms)
            participants.append(
                _Participant(
                    canonical, item.start, item.end, kind == "LOC" and not country, country, kind in ("PER", "ORG"),
                    nisba=nisba, media=canonical in roles.media, person=kind == "PER",
                )
            )
        participants.sort(key=lambda p: p.start)
        # "الرئيس التركي رجب طيب أردوغان": a demonym right before a name describes the person
        result[number] = [
            p
            for i, p in enumerate(participants)
            if not (
                p.nisba
                and i + 1 < len(participants)
                and participants[i + 1].agent
                and 0 <= participants[i + 1].start - p.end <= 2
            )
        ]
    return result


def _event(
    article: EntitiesArticle,
    number: int,
    start: int,
    end: int,
    trigger: Trigger,
    view: _View,
    lexicon: TriggerLexicon,
    year: int | None,
    roles: _Roles,
    carried: Event | None = None,
    bound: int = 1 << 60,
) -> Event | None:
    sentence = article.sentences[number]
    if carried is not None:
        actors, targets = list(carried.actors), list(carried.targets)
    else:
        actors, targets = _assign(view, start, end, trigger, lexicon, roles, bound)
    if not actors and not targets:
        return None
    if lexicon.policy(trigger.type).needs_actor and not actors:
        return None  # a statement without a speaker, an agreement without anyone agreeing
    time = _time(article, number, start, view)
    original_start, original_end = span_to_original(sentence.shifts, start, end)
    if view.evidence is None:  # one copy of the sentence, shared by its events
        text = article.text[sentence.start : sentence.end]
        view.evidence = Mention(text=text, start=sentence.start, end=sentence.end)
    return Event(
        type=trigger.type,
        cameo=trigger.cameo,
        plover=Plover(event=trigger.plover_event, mode=trigger.plover_mode, context=list(trigger.context)),
        actors=actors,
        targets=targets,
        location=_location(view, start),
        time=time,
        modality=_modality(view, start, end, lexicon, time, year, trigger),
        trigger=article.text[sentence.start + original_start : sentence.start + original_end],
        evidence=view.evidence,
    )


def _unique(names: list[str]) -> list[str]:
    return list(dict.fromkeys(names))


def _can_act(p: _Participant, trigger: Trigger | None) -> bool:
    """Places, nisba adjectives and the outlets a report cites ("قالت صحيفة …") never act."""
    return not (p.place or p.nisba or p.media)


#: The subject of a verb is an outlet the report cites: no actor, and no one else stands in.
_CITED = _Participant("", -1, -1, place=False, country=False, agent=False, media=True)


def _verb_subject(
    view: _View, start: int, end: int, trigger: Trigger, words: RoleWords, skip: list[_Participant] | None = None,
    bound: int = 1 << 60,
) -> _Participant | None:
    """SVO when a participant stands right before the verb ("أنقرة تتهم"); else VSO: the
    first participant after the verb that no preposition introduces; else a person or
    body shortly before it."""
    for p in view.before(start, 2)[:1]:
        gap = view.sentence.norm[p.end : start]
        close = start - p.end <= words.adjacent or (len(gap) <= 12 and set(gap.split()) <= words.particles)
        if close and p.nisba:
            # "حكومة الوفاق الليبية وقعت": the nisba describes the name right before it, the subject
            named = view.before(p.start, 1)
            if named and p.start - named[0].end <= 2 and named[0].agent and not named[0].prepositional:
                return named[0]
        if close and not p.prepositional and _can_act(p, trigger):
            return p  # "أنقرة تتهم", "كان البرلمان قد صادق": a particle between keeps it the subject
    for p in view.after(end, 3):
        if p.start - end > words.subject_after or p.start >= bound:
            break
        if any(word in words.complementizers for word in view.sentence.norm[end : p.start].split()):
            break  # "قالت الصحيفة إن موسكو …": past إن/أن is what was said
        if p.prepositional or p.destination or (skip and p in skip):
            continue  # "اجتمع مع …", "زار أنقرة": an object, the subject may follow
        if p.country and p.start - end > words.adjacent:
            continue  # a country further on is an object or part of a title, not the subject
        if _can_act(p, trigger):
            return p
        if p.media:
            return _CITED  # "قالت صحيفة …": the outlet is the subject, and it reports
    for p in view.before(start, 3):
        if start - p.end > words.subject_before:
            break
        if not _can_act(p, trigger) or p.prepositional:
            continue
        if p.agent or (p.country and start - p.end <= words.adjacent):
            return p
    return None


def _assign(
    view: _View, start: int, end: int, trigger: Trigger, lexicon: TriggerLexicon, roles: _Roles,
    bound: int = 1 << 60,
) -> tuple[list[str], list[str]]:
    """Actors and targets of one trigger among the sentence's participants, those after it
    before ``bound`` (where the next clause starts)."""
    words = lexicon.roles
    assert words is not None
    if not any(not p.place for p in view.participants):
        return [], []
    index = bisect_right(view.between, start + words.between_window - len("بين")) - 1
    if index >= 0 and abs(start - view.between[index]) < words.between_window:
        between = view.between[index]
        after = [p for p in view.after(between + 1, 6) if not p.place][:4]
        if len(after) >= 2:
            first_name = after[0].canonical
            parties = _unique([p.canonical for p in after[:4]])
            speaker = None
            if lexicon.policy(trigger.type).merge == "speaker" and trigger.verb:
                speaker = _verb_subject(view, start, end, trigger, words)
                speaker = None if speaker is _CITED else speaker
            if speaker is not None and speaker.end <= between:
                # "قالت الوكالة إن اللقاء بين X و Y …": the speaker speaks about both parties
                return [speaker.canonical], [name for name in parties if name != speaker.canonical]
            return [first_name], [name for name in parties[1:] if name != first_name]
    destinations: list[_Participant] = []
    if lexicon.policy(trigger.type).distinct == "destinations":  # a visit goes somewhere
        destinations = [
            p
            for p in view.after(end, 6)
            if p.start < bound
            and (p.country or p.place)
            and p.start - end <= words.destination_window
            and (p.destination or (trigger.verb and not trigger.host and not p.prepositional and not p.nisba))
        ]  # "زار أنقرة", "سيزور تركيا": a visit verb's object is where it goes
    if trigger.host:
        return _host_roles(view, start, end, destinations, words, bound)
    after = [p for p in view.after(end, 8) if not p.place and p not in destinations and p.start < bound][:5]
    subject: _Participant | None = None
    rest: list[_Participant] = after  # without an actor, what follows are the targets
    if trigger.verb:
        subject = _verb_subject(view, start, end, trigger, words, destinations, bound)
        rest = [p for p in after if p is not subject]
        if subject is _CITED:
            speaking = lexicon.policy(trigger.type).merge == "speaker"
            return [], [] if speaking else _unique([p.canonical for p in rest[:4]])
    inside = [p for p in view.after(start, 3) if p.start < end and p.country]
    genitive = next(iter(view.after(end, 1)), None) if not trigger.verb else None
    if genitive is not None:
        # right after the noun, or after a few words with ل ("زيارات متتالية لصدام حفتر")
        marked = _attached_clitic(view.sentence.norm, genitive.start) in ("ل", "لل")
        gap = genitive.start - end
        if not (
            genitive.agent
            and _can_act(genitive, trigger)
            and ((gap <= words.adjacent + 2 and not genitive.prepositional) or (marked and gap <= words.genitive))
        ):
            genitive = None
    if inside and not trigger.verb:
        subject, rest = inside[0], after  # "الدعم التركي": the nisba in the trigger names whose support
    elif genitive is not None:
        # "زيارة صدام حفتر إلى أنقرة", "زيارات لصدام حفتر": the noun's genitive is its actor
        subject, rest = genitive, [p for p in after if p is not genitive]
    elif subject is None and not trigger.verb:
        before = [p for p in view.before(start, 6) if not p.place and start - p.end <= words.subject_before]
        before = [p for p in before if _can_act(p, trigger)]
        before_agent = next((p for p in before if p.agent), None)
        earlier_agent = view.agent_before(start)
        if earlier_agent is not None and not _can_act(earlier_agent, trigger):
            earlier_agent = None
        # "مذكرة … مع ليبيا": what a preposition introduces is the counterpart, not the actor
        actors_after = [p for p in after if _can_act(p, trigger) and not p.prepositional]
        if before_agent is not None:
            subject, rest = before_agent, after
            first = _conjoined_before(view, before_agent, before, words)
            if first is not None:  # "عقد X ونظيره Y اجتماعا": X acts, Y is the counterpart
                subject, rest = first, [before_agent, *after]
            elif words.undergo & set(view.sentence.norm[max(0, start - words.subject_before) : start].split()):
                # "تعرضت مواقع X لغارات … من قبل Y": X undergoes the strikes, Y (if named) strikes
                by_agent = [p for p in after if _after_word(view, p, words.by_agent, words.subject_after)]
                agent = next((p for p in by_agent if _can_act(p, trigger)), None)
                subject, rest = agent, [before_agent, *[p for p in after if p is not agent]]
        elif earlier_agent is not None and not after:
            subject, rest = earlier_agent, []  # "… كما ناقشا قضية الهجرة": the subject stands far back
        elif actors_after:
            subject = actors_after[0]
            rest = [p for p in after if p is not subject]
        elif before:
            subject, rest = before[0], []
    elif subject is None:
        earlier_agent = view.agent_before(start)
        if earlier_agent is not None and _can_act(earlier_agent, trigger):
            subject = earlier_agent  # "… ثم أكد": the subject of an earlier clause
        rest = after
    # a visit's destination is a country: a city or place stands for the country it is in
    visited = _unique([d.canonical if d.country else roles.place_country.get(d.canonical, "") for d in destinations])
    visited = [name for name in visited if name]
    if subject is None:
        if lexicon.policy(trigger.type).merge == "speaker":
            return [], []
        return [], _unique(visited + [p.canonical for p in rest[:4]])
    others = [p.canonical for p in rest[:4] if p.canonical != subject.canonical]
    targets = _unique(visited + others)
    return [subject.canonical], [t for t in targets if t != subject.canonical]


_CONJUNCTION_RE = re.compile(r"(?<!\w)و")


def _after_word(view: _View, p: _Participant, phrases: frozenset[str], reach: int = 30) -> bool:
    """Does one of ``phrases`` stand at most ``reach`` characters before ``p`` ("من قبل X",
    "من قبل سلاح الجو التابع لـX")?"""
    before = view.sentence.norm[max(0, p.start - reach) : p.start]
    return any(phrase in before for phrase in phrases)


def _conjoined_before(
    view: _View, nearest: _Participant, before: list[_Participant], words: RoleWords
) -> _Participant | None:
    """The person or body joined to ``nearest`` by و just before it ("X ونظيره Y"), if any."""
    index = next((i for i, p in enumerate(before) if p is nearest), -1)
    earlier = before[index + 1] if 0 <= index < len(before) - 1 else None
    if earlier is None or not earlier.agent or earlier.canonical == nearest.canonical:
        return None
    gap = view.sentence.norm[earlier.end : nearest.start]
    if len(gap) > words.title + 10 or not _CONJUNCTION_RE.search(gap):
        return None
    return earlier


def _host_roles(
    view: _View, start: int, end: int, destinations: list[_Participant], words: RoleWords, bound: int = 1 << 60
) -> tuple[list[str], list[str]]:
    """Receptions: the guest is the actor, the host the target.

    Arabic news puts the host right after the verb ("استقبل الرئيس X الوزير Y",
    "استقبله المشير حفتر"): the guest is the next participant, or, with an object pronoun,
    the person or body named before the verb. Without anyone after the verb, the host
    is named before it.
    """
    after = [
        p
        for p in view.after(end, 8)
        if not p.place and p not in destinations and p.start - end <= words.subject_before and p.start < bound
    ]
    before_agent = view.agent_before(start)
    after_agents = [p for p in after if p.agent]
    first = after[0] if after else None
    if first is not None and first.country and not first.nisba and first.start - end <= words.adjacent:
        after_agents = [first]  # "استقبال تركيا نجل حفتر": a country right after the verb is the host
    if after_agents:
        host = after_agents[0]
        titled = next((p for p in after_agents[1:2] if p.person and not host.person), None)
        if titled is not None and 0 <= titled.start - host.end <= words.title:
            host = titled  # "استقبل قائد القوات البرية، الفريق X، …": the body is in the host's title
        guests = [p for p in after if p.start > host.start and p.canonical != host.canonical]
        guest = guests[0] if guests else before_agent
    elif before_agent is not None:
        host, guest = before_agent, (after[0] if after else None)
    else:
        return [], []
    if guest is None or guest.canonical == host.canonical:
        return [host.canonical], []
    return [guest.canonical], [host.canonical]


def _nearest(items: list[_Participant], position: int) -> tuple[int, _Participant] | None:
    index = bisect_left(items, position, key=lambda p: p.start)
    best: tuple[int, _Participant] | None = None
    for candidate in items[max(0, index - 1) : index + 1]:
        distance = abs(candidate.start - position)
        if best is None or distance < best[0]:
            best = (distance, candidate)
    return best


def _location(view: _View, trigger: int) -> str | None:
    """The place after a locative nearest the trigger; a country only when clearly nearer."""
    best: tuple[int, str] | None = None
    for items, penalty in ((view.places, 0), (view.countries, 40)):
        found = _nearest(items, trigger)
        if found is not None and (best is None or found[0] + penalty < best[0]):
            best = (found[0] + penalty, found[1].canonical)
    return best[1] if best else None


@lru_cache(maxsize=256)
def _time_spans(norm: str, lexicon: TriggerLexicon) -> tuple[tuple[int, int], ...]:
    return tuple(match.span() for match in lexicon.time_re.finditer(norm))


@lru_cache(maxsize=256)
def _modality_cues(norm: str, lexicon: TriggerLexicon) -> tuple[tuple[int, int, Modality], ...]:
    return tuple((cue.start, cue.end, cue.values[0]) for cue in lexicon.modality.find(norm))


def _time(article: EntitiesArticle, number: int, trigger: int, view: _View) -> str | None:
    spans = view.times
    index = bisect_left(spans, (trigger, -1))
    best: tuple[int, tuple[int, int]] | None = None
    for span in spans[max(0, index - 1) : index + 1]:
        distance = abs(span[0] - trigger)
        if best is None or distance < best[0]:
            best = (distance, span)
    if best is None:
        return None
    sentence = article.sentences[number]
    start, end = span_to_original(sentence.shifts, *best[1])
    return article.text[sentence.start + start : sentence.start + end].strip()


def _modality(
    view: _View, start: int, end: int, lexicon: TriggerLexicon, time: str | None, year: int | None, trigger: Trigger
) -> Modality:
    words = lexicon.roles
    assert words is not None
    cues = view.cues
    index = bisect_left(cues, end, key=lambda cue: cue[0])
    if index < len(cues) and cues[index][0] - end <= words.after_cue:
        return cues[index][2]
    clitic = view.sentence.norm[start : end - len(trigger.phrase)]
    if trigger.verb and trigger.phrase[:1] in words.imperfect and words.future & set(clitic):
        return Modality.PLANNED  # "سيزور", "وستعقد": the future prefix
    # cues do not overlap, so their ends grow with their starts
    index = bisect_right(cues, start, key=lambda cue: cue[1]) - 1
    if index >= 0:
        return cues[index][2]
    if year is not None and any(y < year for y in view.years):
        return Modality.HISTORICAL
    if time:
        folded = fold_phrase(time)
        if any(word in folded for word in words.past) and not any(day in folded for day in words.recent):
            return Modality.HISTORICAL
    return Modality.ASSERTED


#: A plan or a possibility is not the same affair as what happened (or is said to have).
_IRREALIS = frozenset({Modality.PLANNED, Modality.HYPOTHETICAL})


def _same_affair(
    kept: Event, event: Event, policy: TypePolicy, parties: frozenset[str], countries: frozenset[str]
) -> bool:
    """Is ``event`` a repeat of ``kept`` (same type), by the type's policy in triggers.yaml?"""
    if policy.merge == "speaker":
        return bool(set(kept.actors) & set(event.actors))
    if policy.distinct == "destinations":
        # a visit to another country is another visit
        ours, theirs = set(event.targets) & countries, set(kept.targets) & countries
        if ours and theirs and not ours & theirs:
            return False
    if policy.distinct == "counterparts":
        # "التقى X Y … والتقى X Z": a meeting with someone else is another meeting
        ours = (set(event.actors) | set(event.targets)) & parties
        theirs = (set(kept.actors) | set(kept.targets)) & parties
        if ours - theirs and theirs - ours:
            return False
    if policy.distinct == "sides" and kept.actors and event.actors and not set(kept.actors) & set(event.actors):
        return False  # "شنت X هجوما … وصد Y الهجوم": the other side's action is another event
    if (kept.modality in _IRREALIS) != (event.modality in _IRREALIS):
        return False
    shared = (set(event.actors) | set(event.targets)) & (set(kept.actors) | set(kept.targets))
    if policy.merge == "any_shared":
        return bool(shared)
    # two mentions that share only a target ("… بشأن ليبيا") are not the same affair
    return bool(shared & (set(event.actors) | set(kept.actors)))


def _merge(
    events: list[Event],
    lexicon: TriggerLexicon,
    parties: frozenset[str] = frozenset(),
    countries: frozenset[str] = frozenset(),
    acts: frozenset[int] = frozenset(),
) -> list[Event]:
    """Fold repeats of an event into the first (see the module docstring).

    Types with ``needs_target`` (a meeting needs two parties) drop a mention left without
    one. Kept events are indexed by (type, participant); a repeat is compared with the last
    ``merge_lookback`` of each of its participants' lists, which bounds the work per event.
    """
    assert lexicon.roles is not None
    lookback = lexicon.roles.merge_lookback
    merged: list[Event] = []
    by_key: dict[tuple[EventType, str], list[int]] = {}
    affair: dict[EventType, Event] = {}
    for event in events:
        policy = lexicon.policy(event.type)
        if policy.needs_target and not event.targets:
            continue
        if policy.merge == "affair":  # one affair per article: mentions pool their participants
            kept = affair.get(event.type)
            if policy.distinct == "acts" and kept is not None and id(event) in acts and event.actors:
                steps = [e for e in merged if e.type == event.type]
                if not any(set(event.actors) & set(e.actors + e.targets) for e in steps):
                    merged.append(event)  # "صادق البرلمان على المذكرة": another party's step in the affair
                    continue
            if kept is None:
                affair[event.type] = event
                merged.append(event)
            else:
                present = set(kept.targets) | set(kept.actors)
                kept.targets += [p for p in _unique(event.actors + event.targets) if p not in present]
            continue
        people = _unique(event.actors + event.targets)
        candidates = sorted({i for name in people for i in by_key.get((event.type, name), [])[-lookback:]})
        for i in candidates:
            kept = merged[i]
            if _same_affair(kept, event, policy, parties, countries):
                kept.location = kept.location or event.location
                kept.time = kept.time or event.time
                break
        else:
            merged.append(event)
            for name in people:
                by_key.setdefault((event.type, name), []).append(len(merged) - 1)
    return merged


if TYPE_CHECKING:
    from streams.stages.spec import StageContext


def run(article: EntitiesArticle, context: StageContext) -> EventsArticle:
    """The stage as its spec runs it: knowledge from the context."""
    return code_events(article, context.knowledge)
