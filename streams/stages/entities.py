"""Stage 2: find the actors an article names, link them to the knowledge base.

Matching runs on each sentence's matching form with the knowledge base's phrase matcher
(curated actors plus the generated gazetteer); ambiguous forms are resolved against the
article as a whole:

* a role phrase followed by a name is part of that name's mention; alone, it is the
  role's current holder ("وزير الدفاع التركي" → Yasar Guler), unless a name the knowledge
  base lacks stands next to it ("وزير الخارجية الأميركي مايك بومبيو");
* a capital after a locative (في، إلى، ب…, also past a nisba) is the city, otherwise the
  country it stands for ("أنقرة تسعى" → Turkey); a place name that is also a common word
  ("البيضاء") is a place only there or in a list of places;
* a family name shared by several actors ("حفتر") is the one of them named in full
  nearest before it, else the first named after it, else the one marked ``prefer``; after
  a kinship word ("نجل حفتر") it is the family's ``prefer`` actor (the father);
* a given name ("صدام") links to an actor named in the article, or next to a kinship word
  of its family ("نجليه خالد وصدام"، "صدام نجل حفتر"); "والده" after a son is the father,
  "قواته" after a Haftar the LNA;
* names whose referent depends on the voice of the copy ("الجيش الليبي", "الميليشيات";
  ``voice.yaml``) or on its subject ("مذكرة التفاهم"; ``topics.yaml``) are read by the
  article's cues.

Names the knowledge base does not know are still emitted, unlinked: people's names
(:mod:`streams.stages.persons`) and names in Latin script. Every step is linear (or
log-linear) in the article's length and number of mentions.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

from models import EntitiesArticle, Entity, Mention, NormalisedArticle
from streams.backends import Backends
from streams.knowledge import Actor, ActorIndex, AliasKind, Knowledge, load_knowledge
from streams.knowledge.actors import Alias
from streams.knowledge.entity_words import EntityWords
from streams.knowledge.voice import Voice
from streams.stages.outlets import find_quoted_outlets, find_quoted_recipients
from streams.stages.persons import PersonName, find_person_names
from streams.text.matcher import PhraseMatch
from streams.text.spans import Spans
from streams.text.matchform import fold_phrase, span_to_original
from streams.text.tokens import word_before
from streams.text.wordpattern import WordPattern

_WORD_RE = re.compile(r"\w+")
_ANY_LATIN_CAPITAL = re.compile(r"[A-Z]")
_CAMEL_RE = re.compile(r"[a-z][A-Z]")  # a capital inside a word: a handle or hashtag
_DIGIT_THEN_LETTER_RE = re.compile(r"[0-9][A-Za-z]")  # a short-link code, not "EFES2024"
# (not the tail of a hyphenated code: "DFS" of "9H-DFS")
_LATIN_NAME_RE = re.compile(r"(?<![\w-])[A-Z][\w'’.-]*(?:[ -](?:[A-Z0-9][\w'’.-]*|of|de|al|el|and|&))*(?:[ -][A-Z0-9][\w'’.-]*)?")


@dataclass(slots=True)
class _Hit:
    """A matched alias occurrence before resolution."""

    start: int  # folded, within the sentence
    end: int
    sentence: int
    aliases: tuple[Alias, ...]
    clitic: str
    nested: bool = False
    actor: int | None = None


def extract_entities(
    article: NormalisedArticle, backends: Backends | None = None, knowledge: Knowledge | None = None
) -> EntitiesArticle:
    """Attach the article's entities with their mentions (offsets into ``article.text``)."""
    entities = find_entities(article, knowledge)
    for backend in backends.entities if backends else ():
        entities = augment(entities, backend.entities(article))
    return EntitiesArticle.built_from(article, entities=entities)


def augment(entities: list[Entity], extra: list[Entity]) -> list[Entity]:
    """Add a backend's entities: mentions overlapping an existing mention are dropped."""
    taken = Spans((m.start, m.end) for e in entities for m in e.mentions)
    by_name = {e.canonical: e for e in entities}
    for entity in extra:
        fresh = [m for m in entity.mentions if not taken.overlaps(m.start, m.end)]
        if not fresh:
            continue
        for m in fresh:
            taken.add(m.start, m.end)
        if entity.canonical in by_name:
            by_name[entity.canonical].mentions.extend(fresh)
            by_name[entity.canonical].mentions.sort(key=lambda m: m.start)
        else:
            added = entity.model_copy(update={"mentions": fresh})
            by_name[entity.canonical] = added
            entities.append(added)
    entities.sort(key=lambda e: e.mentions[0].start)
    return entities


def find_entities(article: NormalisedArticle, knowledge: Knowledge | None = None) -> list[Entity]:
    knowledge = knowledge or load_knowledge()
    index = knowledge.actors
    words = knowledge.entity_words
    hits: list[_Hit] = []
    for number, sentence in enumerate(article.sentences):
        for match in index.matcher.find(sentence.norm, nested=True):
            aliases = match.values
            if match.nested:
                # inside a longer name or role: only names that stand on their own
                aliases = tuple(a for a in aliases if a.kind not in _CONTEXT_BOUND)
                if not aliases:
                    # a role inside a longer role ("رئيس المجلس الرئاسي" in "رئيس المجلس الرئاسي
                    # لحكومة الوفاق") may still hold a name ("المجلس الرئاسي")
                    hits += _names_inside(index, sentence.norm, match.start, match.end, number)
                    continue
            hits.append(_Hit(match.start, match.end, number, aliases, match.clitic, match.nested))
            if match.nested:
                # one level deeper: a long name inside a longer one may hold a third
                # ("مجلس النواب" in "الحكومة المكلفة من مجلس النواب" in "… من مجلس النواب في طبرق")
                # (only organisations: a city or continent that deep is part of a name)
                hits += _names_inside(index, sentence.norm, match.start, match.end, number, only_type="ORG")
    voice = knowledge.voice.voice(sentence.norm for sentence in article.sentences)
    topic = knowledge.topics.topic(sentence.norm for sentence in article.sentences)
    people = _people(article, hits, words, knowledge.triggers.verb_forms)
    _Resolver(article, hits, index.actors, words, voice, people, topic).resolve()
    hits = _drop_redundant_nested(hits, index.actors)

    mentions: dict[int, list[Mention]] = {}
    covered: list[tuple[int, int]] = []
    for hit in hits:
        sentence = article.sentences[hit.sentence]
        start, end = span_to_original(sentence.shifts, hit.start, hit.end)
        start, end = sentence.start + start, sentence.start + end
        if hit.actor is not None or any(alias.kind != AliasKind.GIVEN for alias in hit.aliases):
            covered.append((start, end))  # an unresolved given name may begin someone else's name
        if hit.actor is not None:
            mentions.setdefault(hit.actor, []).append(Mention(text=article.text[start:end], start=start, end=end))
    for actor, mention in _relatives(article, hits, index, words):
        mentions.setdefault(actor, []).append(mention)
        mentions[actor].sort(key=lambda m: m.start)
    outlets = _quoted_outlets(article, index, words, Spans(covered))
    for cited, mention in outlets:
        covered.append((mention.start, mention.end))
        if cited is not None:
            mentions.setdefault(cited, []).append(mention)
            mentions[cited].sort(key=lambda m: m.start)
    entities = [_entity(index.actors[actor], found) for actor, found in mentions.items()]
    unknown_outlets = [mention for actor, mention in outlets if actor is None]
    entities += _unlinked(article, Spans(covered), people, words.latin_stop, unknown_outlets)
    entities = _without_label_lines(article.text, entities, words.label_line_words)
    entities.sort(key=lambda entity: entity.mentions[0].start)
    return entities


#: The most words a byline or dateline line has.
_LABEL_LINE_WORDS = 4
_LABEL_TYPES = frozenset({"ORG", "LOC"})
#: An organisation after a dash at the end of a line is a caption's credit ("… - الأناضول").
_CREDIT_BEFORE = re.compile(r"[-–—] ?$")
#: A short head line split by one of these is a dateline or byline ("أنقرة: …", "… | منذ يومين").
_SEPARATORS = re.compile(r"[:|–—]|\s-(?:\s|$)")


def _line_words(line: str) -> int:
    return len(_WORD_RE.findall(fold_phrase(line)))  # folded: a shadda does not split a word


def _first_prose_line(text: str) -> int:
    """Where the first line after the headline with more than a label's words starts."""
    position = text.find("\n") + 1
    while 0 < position < len(text):
        end = text.find("\n", position)
        end = len(text) if end == -1 else end
        if _line_words(text[position:end]) > _LABEL_LINE_WORDS:
            return position
        position = end + 1
    return len(text)


def _without_label_lines(text: str, entities: list[Entity], filler: frozenset[str]) -> list[Entity]:
    """Drop the mentions of the page's byline and dateline lines.

    A short line between the headline and the first line of prose is page chrome, not the
    article speaking (gold/FORMAT: names only in page chrome are not annotated): a person
    the knowledge base does not know there is the byline's author ("كتب: …"، "أنقرة: …");
    places and organisations there are a dateline or credit when the line holds nothing
    else ("ترك برس"، "ديلي صباح ووكالات"، "تونس") or is split by a colon, bar or dash
    ("عواصم – طرابلس : …"). A short line further down is a subheading, and stays. An
    organisation after a dash that ends a line anywhere is a caption's credit. An entity
    left without mentions goes.
    """
    body = _first_prose_line(text)

    def line_of(mention: Mention) -> int:
        return text.rfind("\n", 0, mention.start) + 1

    def line_end(start: int) -> int:
        end = text.find("\n", start)
        return len(text) if end == -1 else end

    def short(start: int) -> bool:
        return _line_words(text[start : line_end(start)]) <= _LABEL_LINE_WORDS

    authors = {
        id(mention)
        for entity in entities
        if entity.type == "PER" and not entity.linked
        for mention in entity.mentions
        if mention.start < body and short(line_of(mention))
    }
    by_line: dict[int, list[Mention]] = {}
    for entity in entities:
        if entity.type in _LABEL_TYPES or (entity.type == "PER" and not entity.linked):
            for mention in entity.mentions:
                if mention.start < body:
                    by_line.setdefault(line_of(mention), []).append(mention)
    labels: set[int] = set()
    for start, found in by_line.items():
        end = line_end(start)
        if not short(start):
            continue
        rest = list(text[start:end])
        for mention in found:
            if mention.end <= end:
                rest[mention.start - start : mention.end - start] = " " * (mention.end - mention.start)
        if _SEPARATORS.search(text[start:end]) or all(
            word in filler for word in _WORD_RE.findall(fold_phrase("".join(rest)))
        ):
            labels.add(start)  # "عواصم – طرابلس : …", "أنقرة: …": a dateline and source
    credits = {
        id(mention)
        for entity in entities
        if entity.type == "ORG"
        for mention in entity.mentions
        if _CREDIT_BEFORE.search(text, max(0, mention.start - 3), mention.start)
        and not text[mention.end : line_end(mention.end)].strip(" .،,")
    }
    if not labels and not authors and not credits:
        return entities
    kept: list[Entity] = []
    for entity in entities:
        if entity.type in _LABEL_TYPES or (entity.type == "PER" and not entity.linked):
            mentions = [
                m for m in entity.mentions if id(m) not in authors and id(m) not in credits and line_of(m) not in labels
            ]
            if not mentions:
                continue
            if len(mentions) != len(entity.mentions):
                entity = entity.model_copy(update={"mentions": mentions})
        kept.append(entity)
    return kept


def _relatives(
    article: NormalisedArticle, hits: list[_Hit], index: ActorIndex, words: EntityWords
) -> list[tuple[int, Mention]]:
    """Words about the person named just before: "his father" and "his forces".

    "عينه والده" after a son of a known family is the family's head; "قواته" after a
    member of a family commanding an armed group is that group.
    """
    actors = index.actors
    heads = _family_heads(index)
    groups = {family: index.by_canonical[canonical] for family, canonical in words.forces_of.items() if canonical in index.by_canonical}
    found = _after_person(article, hits, actors, words.father_re, heads, skip_self=True)
    found += _after_person(article, hits, actors, words.forces_re, groups, skip_self=False)
    return found


@lru_cache(maxsize=8)
def _family_heads(index: ActorIndex) -> dict[str, int]:
    """Folded short names of the preferred actors: once per loaded knowledge, not per article."""
    return {fold_phrase(short): i for i, actor in enumerate(index.actors) if actor.prefer for short in actor.short}


def _after_person(
    article: NormalisedArticle,
    hits: list[_Hit],
    actors: list[Actor],
    pattern: WordPattern,
    by_family: dict[str, int],
    *,
    skip_self: bool,
) -> list[tuple[int, Mention]]:
    """Each word of ``pattern`` after a person of a family in ``by_family`` (same or the
    previous sentence) is that family's actor. One walk over sentences and hits: linear."""
    found: list[tuple[int, Mention]] = []
    position = 0
    last_person: tuple[int, int] | None = None  # (sentence, actor)
    heads = by_family
    for number, sentence in enumerate(article.sentences):
        for match in pattern.finditer(sentence.norm):
            while position < len(hits) and (hits[position].sentence, hits[position].start) < (number, match.start()):
                hit = hits[position]
                if hit.actor is not None and actors[hit.actor].type == "PER":
                    last_person = (hit.sentence, hit.actor)
                position += 1
            if last_person is None or number - last_person[0] > 1:
                continue
            person = actors[last_person[1]]
            head = next((heads[fold_phrase(short)] for short in person.short if fold_phrase(short) in heads), None)
            if head is None or (skip_self and head == last_person[1]):
                continue
            start, end = span_to_original(sentence.shifts, match.start(1), match.end(1))
            start, end = sentence.start + start, sentence.start + end
            found.append((head, Mention(text=article.text[start:end], start=start, end=end)))
    return found


def _quoted_outlets(
    article: NormalisedArticle, index: ActorIndex, words: EntityWords, covered: Spans
) -> list[tuple[int | None, Mention]]:
    """Outlets cited by a quoted name after their kind («صحيفة "…"»; :mod:`streams.stages.outlets`).

    A name the knowledge base knows as an organisation, alone or with its kind word
    ("صحيفة احوال"), links to it; any other is an unlinked organisation. Names already
    matched are left as they are.
    """
    found: list[tuple[int | None, Mention]] = []
    for sentence in article.sentences:
        quoted = find_quoted_outlets(sentence.norm, words.outlet_words, words.stop)
        for outlet in [*quoted, *find_quoted_recipients(sentence.norm)]:
            start, end = span_to_original(sentence.shifts, outlet.start, outlet.end)
            start, end = sentence.start + start, sentence.start + end
            if covered.overlaps(start, end) or any(m.start == start for _, m in found):
                continue
            name = sentence.norm[outlet.start : outlet.end]
            actor = _organisation_named(index, name)
            if outlet.kind_start >= 0:
                kinds = [sentence.norm[outlet.kind_start : outlet.start].strip(' "')]
            else:  # "قال لـ"المرصد"": an outlet only if known with one of the kind words
                kinds = sorted(words.outlet_words)
            for kind in kinds:
                if actor is not None:
                    break
                actor = _organisation_named(index, f"{kind} {name}")
            if actor is None and outlet.kind_start < 0:
                continue
            found.append((actor, Mention(text=article.text[start:end], start=start, end=end)))
    return found


def _organisation_named(index: ActorIndex, phrase: str) -> int | None:
    """The one organisation whose full name is exactly ``phrase`` (folded), if any."""
    for match in index.matcher.find(phrase):
        if match.start - len(match.clitic) != 0 or match.end != len(phrase):
            continue  # only a match of the whole phrase
        actors = {
            alias.actor
            for alias in match.values
            if alias.kind == AliasKind.NAME and index.actors[alias.actor].type == "ORG"
        }
        if len(actors) == 1:
            return actors.pop()
    return None


def _names_inside(
    index: ActorIndex, norm: str, start: int, end: int, sentence: int, only_type: str | None = None
) -> list[_Hit]:
    """Nested names that stand on their own inside the span of a matched phrase (of actors
    of ``only_type`` if given).

    The span is a matched phrase, so the work is bounded by the longest alias.
    """
    found: list[_Hit] = []
    for match in _matches_inside(index, norm[start:end]):
        if (match.start, match.end) == (0, end - start):
            continue
        aliases = tuple(
            a
            for a in match.values
            if a.kind not in _CONTEXT_BOUND and (only_type is None or index.actors[a.actor].type == only_type)
        )
        if aliases:
            found.append(_Hit(start + match.start, start + match.end, sentence, aliases, match.clitic, True))
    return found


@lru_cache(maxsize=4096)
def _matches_inside(index: ActorIndex, phrase: str) -> tuple[PhraseMatch[Alias], ...]:
    """The actor matches inside a matched phrase. perf: a pure function of the phrase, and
    the phrases that hold names recur from article to article (lexicon phrases, bounded)."""
    return tuple(index.matcher.find(phrase, nested=True))


def _people(
    article: NormalisedArticle, hits: list[_Hit], words: EntityWords, verbs: frozenset[str] = frozenset()
) -> list[PersonName]:
    """Names of people the knowledge base lacks (see :mod:`streams.stages.persons`).

    Known actors' matches are no part of a name, except a bare given name ("خالد"), which
    may begin the name of someone else.
    """
    spans: list[list[tuple[int, int]]] = [[] for _ in article.sentences]
    given: list[set[int]] = [set() for _ in article.sentences]
    for hit in hits:
        if hit.nested:
            continue
        if {alias.kind for alias in hit.aliases} == {AliasKind.GIVEN}:
            given[hit.sentence].add(hit.start - len(hit.clitic))
        else:
            spans[hit.sentence].append((hit.start - len(hit.clitic), hit.end))
    return find_person_names(article, [Spans(found) for found in spans], words, [frozenset(g) for g in given], verbs)


def _drop_redundant_nested(hits: list[_Hit], actors: list[Actor]) -> list[_Hit]:
    """A nested hit naming the same actor as the match around it adds nothing, nor one
    inside a person's name ("جورجيا" in "جورجيا ميلوني" is no place).

    Hits come in text order, each nested hit after the top-level match holding it, and
    top-level matches do not overlap: the enclosing match is the last top-level one seen.
    """
    kept: list[_Hit] = []
    parent: _Hit | None = None
    for hit in hits:
        if not hit.nested:
            parent = hit
        elif (
            parent is not None
            and parent.sentence == hit.sentence
            and parent.start <= hit.start
            and hit.end <= parent.end
            and (parent.actor == hit.actor or _a_persons_name(parent, actors))
        ):
            continue
        kept.append(hit)
    return kept


def _a_persons_name(hit: _Hit, actors: list[Actor]) -> bool:
    """The hit is a person's name (not a role phrase such as "رئيس حكومة الوحدة")."""
    if hit.actor is None or actors[hit.actor].type != "PER":
        return False
    return any(alias.actor == hit.actor and alias.kind in (AliasKind.NAME, AliasKind.GIVEN) for alias in hit.aliases)


def _entity(actor: Actor, mentions: list[Mention]) -> Entity:
    return Entity(
        canonical=actor.canonical,
        type=actor.type,
        camp=actor.camp,
        country=actor.country,
        code=actor.code,
        linked=True,
        mentions=mentions,
    )


# --------------------------------------------------------------------------- resolution

#: Alias kinds that need their context, so never count inside a longer match.
_CONTEXT_BOUND = (AliasKind.ROLE, AliasKind.GIVEN, AliasKind.CONTEXTUAL, AliasKind.VOICED, AliasKind.TOPICAL)
_VOICE_SLOT = {"east": 0, "gna": 1, None: 2}

#: How many hits back a given name looks for the relative named before it.
_KIN_LOOKBACK = 8
#: Proclitics a kinship word may carry ("ونجليه"، "لابن").
_KIN_CLITICS = frozenset("وفلب")


class _Resolver:
    """Decide the actor of every hit in place (``None`` drops it).

    Each hit is settled with a bounded amount of work (indexes built once per article),
    so the stage stays near-linear in the number of mentions.
    """

    def __init__(
        self,
        article: NormalisedArticle,
        hits: list[_Hit],
        actors: list[Actor],
        words: EntityWords,
        voice: Voice | None,
        people: list[PersonName] = (),  # type: ignore[assignment]
        topic: int | None = None,
    ):
        self.article = article
        self.topic = topic
        # where found names start and end, per sentence: a role next to one is that person's
        self.name_starts = {(name.sentence, name.start) for name in people}
        self.name_ends = {(name.sentence, name.end) for name in people}
        self.voice = voice
        self.text = "\n".join(sentence.norm for sentence in article.sentences)  # folded, for cue checks
        self._contained: dict[str, bool] = {}
        self.hits = hits
        self.actors = actors
        self.words = words
        # for each hit, the index of the next top-level hit after it (len(hits) if none)
        self.next_top = [len(hits)] * len(hits)
        following = len(hits)
        for position in range(len(hits) - 1, -1, -1):
            self.next_top[position] = following
            if not hits[position].nested:
                following = position
        self.positions: dict[int, list[tuple[int, int]]] = {}
        self._families: set[str] | None = None

    def resolve(self) -> None:
        hits = self.hits
        # 1. unambiguous full names, countries and cities
        for position, hit in enumerate(hits):
            kinds = {alias.kind for alias in hit.aliases}
            names = [alias for alias in hit.aliases if alias.kind == AliasKind.NAME]
            if kinds == {AliasKind.VOICED}:
                # the first reading (voice.yaml order) whose required phrases the article has
                hit.actor = next(
                    (
                        alias.voiced[_VOICE_SLOT[self.voice]]
                        for alias in hit.aliases
                        if alias.voiced
                        and alias.voiced[_VOICE_SLOT[self.voice]] is not None
                        and (not alias.requires or any(self._contains(phrase) for phrase in alias.requires))
                    ),
                    None,
                )
            elif kinds == {AliasKind.TOPICAL}:
                hit.actor = self._topical(hit.aliases[0])
            elif kinds == {AliasKind.CONTEXTUAL}:
                hit.actor = hit.aliases[0].actor if self._place_expected(position) else None
            elif AliasKind.METONYM in kinds or (AliasKind.DEMONYM in kinds and not names):
                hit.actor = self._place_or_country(hit)
            elif names and len({alias.actor for alias in names}) == 1:
                hit.actor = names[0].actor
            elif names:
                hit.actor = None  # two actors share a full name: settled with the family names
        for hit in hits:  # in text order: every list is sorted
            if hit.actor is not None:
                self.positions.setdefault(hit.actor, []).append((hit.sentence, hit.start))
        bindings = self._role_bindings()

        for position, hit in enumerate(hits):
            if hit.actor is not None:
                continue
            kinds = {alias.kind for alias in hit.aliases}
            if AliasKind.ROLE in kinds:
                following = self.next_top[position]
                if following < len(hits) and self._name_follows(hit, hits[following]):
                    continue  # "وزير الدفاع التركي يشار غولر": the name carries the mention
                if self._beside_a_found_name(hit):
                    continue  # "وزير الخارجية الأميركي مايك بومبيو": someone else holds the role here
                if self._preceding_word(hit) in self.words.deputy_words:
                    continue  # "نائب وزير الدفاع": the deputy, not the minister
                apposed = self._apposed_person(position)
                if apposed is not None:
                    hit.actor = apposed  # "فايز السراج، رئيس المجلس الرئاسي": who held it then
                    continue
                hit.actor = bindings.get(
                    self._phrase(hit), next(alias.actor for alias in hit.aliases if alias.kind == AliasKind.ROLE)
                )
                continue
            candidates = [alias.actor for alias in hit.aliases if alias.kind in (AliasKind.SHORT, AliasKind.NAME)]
            if candidates:
                hit.actor = self._family_member(position, candidates)
                continue
            given = [alias.actor for alias in hit.aliases if alias.kind == AliasKind.GIVEN]
            if given:
                hit.actor = self._given_name(position, given)

    def _topical(self, alias: Alias) -> int | None:
        """A generic name read by the article's topic; one that names the same thing under
        every topic ("اتفاقية ترسيم الحدود") needs none."""
        if not alias.voiced or not all(self._contains(phrase) for phrase in alias.requires):
            return None
        if self.topic is not None:
            return alias.voiced[self.topic]
        readings = set(alias.voiced)
        return readings.pop() if len(readings) == 1 else None

    def _phrase(self, hit: _Hit) -> str:
        return self.article.sentences[hit.sentence].norm[hit.start : hit.end]

    def _preceding_word(self, hit: _Hit) -> str:
        return word_before(self.article.sentences[hit.sentence].norm, hit.start - len(hit.clitic))

    def _word_before_titles(self, hit: _Hit) -> str:
        """The word before the hit, past a personal title ("ابن المشير حفتر" → "ابن")."""
        norm = self.article.sentences[hit.sentence].norm
        position = hit.start - len(hit.clitic)
        word = word_before(norm, position)
        if word in self.words.titles:
            word = word_before(norm, norm.rfind(word, 0, position))
        return word

    def _role_bindings(self) -> dict[str, int]:
        """Role phrases the article itself binds to a name ("وزير الدفاع التركي، خلوصي أكار").

        The knowledge base knows a role's current holder; an article about another year
        names its own, and its bare uses of the role then mean that person.
        """
        bindings: dict[str, int] = {}
        top = [hit for hit in self.hits if not hit.nested]
        for position, hit in enumerate(top[:-1]):
            if any(alias.kind == AliasKind.ROLE for alias in hit.aliases):
                following = top[position + 1]
                names = [
                    a.actor for a in following.aliases if a.kind == AliasKind.NAME and self.actors[a.actor].type == "PER"
                ]
                if names and self._name_follows(hit, following):
                    bindings.setdefault(self._phrase(hit), names[0])
        return bindings

    def _place_or_country(self, hit: _Hit) -> int:
        cities = [alias.actor for alias in hit.aliases if alias.kind == AliasKind.NAME]
        countries = [alias.actor for alias in hit.aliases if alias.kind in (AliasKind.METONYM, AliasKind.DEMONYM)]
        if not cities:
            return countries[0]
        if not countries:
            return cities[0]
        return cities[0] if self._after_locative(hit) else countries[0]

    def _after_locative(self, hit: _Hit) -> bool:
        """After a locative, also past a nisba ("العاصمة الألمانية برلين")."""
        if hit.clitic in self.words.locative_clitics:
            return True
        norm = self.article.sentences[hit.sentence].norm
        before = hit.start - len(hit.clitic)
        word = word_before(norm, before)
        if word in self.words.locatives:
            return True
        if word.startswith("ال") and word.endswith(("ي", "يه")):
            return word_before(norm, norm.rfind(word, 0, before)) in self.words.locatives
        return False

    def _contains(self, phrase: str) -> bool:
        """Whether the article's folded text contains ``phrase`` (each phrase looked up once)."""
        found = self._contained.get(phrase)
        if found is None:
            found = self._contained[phrase] = phrase in self.text
        return found

    def _beside_a_found_name(self, hit: _Hit) -> bool:
        """A name the knowledge base lacks stands right after the role, or right before it."""
        norm = self.article.sentences[hit.sentence].norm
        after = hit.end
        while after < len(norm) and norm[after] in " ,":
            after += 1
        if (hit.sentence, after) in self.name_starts:
            return True
        before = hit.start - len(hit.clitic)
        while before > 0 and norm[before - 1] in " ,":
            before -= 1
        return (hit.sentence, before) in self.name_ends

    def _place_expected(self, position: int) -> bool:
        """A word that is also a place name is the place after a locative or in a list of places.

        "في البيضاء"، "مدن بنغازي والبيضاء والمرج": the neighbour joined by و or a comma is
        a place the knowledge base knows.
        """
        hit = self.hits[position]
        if self._after_locative(hit):
            return True
        norm = self.article.sentences[hit.sentence].norm
        previous = next((self.hits[p] for p in range(position - 1, max(-1, position - 4), -1) if not self.hits[p].nested), None)
        if (
            previous is not None
            and previous.sentence == hit.sentence
            and previous.actor is not None
            and self.actors[previous.actor].type == "LOC"
            and hit.clitic.startswith("و")
            and not norm[previous.end : hit.start - len(hit.clitic)].strip(" ,")
        ):
            return True
        following_position = self.next_top[position]
        if following_position < len(self.hits):
            following = self.hits[following_position]
            if (
                following.sentence == hit.sentence
                and following.clitic.startswith("و")
                and not norm[hit.end : following.start - len(following.clitic)].strip(" ,")
                and any(a.kind == AliasKind.NAME and self.actors[a.actor].type == "LOC" for a in following.aliases)
            ):
                return True
        return False

    def _name_follows(self, role: _Hit, following: _Hit) -> bool:
        if following.sentence != role.sentence:
            return False
        gap = self.article.sentences[role.sentence].norm[role.end : following.start - len(following.clitic)]
        # only a rank may stand between ("رئيس الأركان العامة الفريق أول ركن محمد …")
        if any(word not in self.words.titles and word not in self.words.rank_words for word in _WORD_RE.findall(gap)):
            return False
        if gap.strip(" ,") and not _WORD_RE.search(gap):
            return False
        return any(self.actors[alias.actor].type == "PER" for alias in following.aliases)

    def _apposed_person(self, position: int) -> int | None:
        """The person a role phrase stands in apposition to ("فايز السراج، رئيس المجلس الرئاسي")."""
        hit = self.hits[position]
        if hit.clitic:
            return None  # "السراج، ورئيس المجلس": a second person, not an apposition
        earlier = next(
            (self.hits[p] for p in range(position - 1, max(-1, position - 6), -1) if not self.hits[p].nested), None
        )
        if earlier is None or earlier.sentence != hit.sentence or earlier.actor is None:
            return None
        if self.actors[earlier.actor].type != "PER":
            return None
        gap = self.article.sentences[hit.sentence].norm[earlier.end : hit.start - len(hit.clitic)]
        return earlier.actor if gap.strip() == "," else None

    def _family_member(self, position: int, candidates: list[int]) -> int | None:
        """A shared family name: the member named in full just before (this sentence or the
        ``family_window`` before it), else the family's head (``prefer``: outlets use a bare
        "حفتر" for the field marshal, also in a headline or lede before any full name),
        else the member named nearest before or first after.

        Measured on the corpus's bare "حفتر" mentions against the annotations: 63 of 67
        right, against 58 by the nearest full name alone and 61 when a full name just
        after also counts.
        """
        hit = self.hits[position]
        family = set(candidates)
        if len(family) == 1:
            return candidates[0]
        preferred = next((actor for actor in candidates if self.actors[actor].prefer), None)
        if self._preceding_word(hit) in self.words.kinship and preferred is not None:
            return preferred
        here = (hit.sentence, hit.start)
        before: tuple[tuple[int, int], int] | None = None
        after: tuple[tuple[int, int], int] | None = None
        for actor in family:
            seen = self.positions.get(actor)
            if not seen:
                continue
            cut = bisect_left(seen, here)
            if cut > 0 and (before is None or seen[cut - 1] > before[0]):
                before = (seen[cut - 1], actor)
            cut = bisect_right(seen, here, cut)
            if cut < len(seen) and (after is None or seen[cut] < after[0]):
                after = (seen[cut], actor)
        window = self.words.family_window
        if before is not None and (preferred is None or hit.sentence - before[0][0] <= window):
            return before[1]
        if preferred is not None:
            return preferred
        if before is not None:
            return before[1]
        if after is not None:
            return after[1]
        return candidates[0]

    def _kin(self, word: str) -> bool:
        """A kinship word, also with a proclitic ("ونجليه"، "لابن")."""
        kinship = self.words.kinship
        return word in kinship or (word[:1] in _KIN_CLITICS and word[1:] in kinship)

    def _families_named(self) -> set[str]:
        """Family names (folded) of the actors the article names in full."""
        if self._families is None:
            self._families = {
                fold_phrase(short) for actor in self.positions for short in self.actors[actor].short
            }
        return self._families

    def _given_name(self, position: int, candidates: list[int]) -> int | None:
        """A given name links only to an actor of the article, or to a family the context names."""
        found = self._given_candidate(position, candidates)
        if found is not None and found not in self.positions:
            # later bare uses of the name in the article mean this person too
            hit = self.hits[position]
            self.positions[found] = [(hit.sentence, hit.start)]
            self._families = None
        return found

    def _given_candidate(self, position: int, candidates: list[int]) -> int | None:
        in_article = [actor for actor in candidates if actor in self.positions]
        if in_article:
            return in_article[0]
        hits, actors = self.hits, self.actors
        hit = hits[position]
        family_of = {actor: {fold_phrase(short) for short in actors[actor].short} for actor in candidates}
        norm = self.article.sentences[hit.sentence].norm
        if self._kin(self._preceding_word(hit)):
            # "استقبله المشير خليفة حفتر بحضور نجله صدام": the father named just before
            for earlier_position in range(position - 1, max(-1, position - 1 - _KIN_LOOKBACK), -1):
                earlier = hits[earlier_position]
                if earlier.sentence != hit.sentence:
                    break
                if earlier.actor is not None and actors[earlier.actor].type == "PER":
                    shared = [a for a in candidates if family_of[a] & {fold_phrase(x) for x in actors[earlier.actor].short}]
                    if shared:
                        return shared[0]
                    break
        # "صدام نجل حفتر"، "إخوته صدام وخالد": a kinship word next to the given name, and
        # the family named in the article
        next_word = _WORD_RE.search(norm, hit.end)
        if self._kin(self._preceding_word(hit)) or (next_word is not None and self._kin(next_word.group())):
            shared = [actor for actor in candidates if family_of[actor] & self._families_named()]
            if shared:
                return shared[0]
        # "نجليه خالد وصدام": joined by و to a given name of the same family just before
        if hit.clitic.startswith("و") and position > 0:
            earlier = hits[position - 1]
            if (
                earlier.sentence == hit.sentence
                and earlier.actor is not None
                and not norm[earlier.end : hit.start - len(hit.clitic)].strip(" ,")
            ):
                shared = [a for a in candidates if family_of[a] & family_of.get(earlier.actor, {fold_phrase(x) for x in actors[earlier.actor].short})]
                if shared:
                    return shared[0]
        # "نجلي حفتر صدام وخالد", "لابن المشير حفتر، بلقاسم": a kinship phrase of the family
        # shortly before (a title may stand between the kinship word and the name), same sentence
        for earlier in reversed(hits[max(0, position - 4) : position]):
            if earlier.sentence != hit.sentence or hit.start - earlier.end > 30:
                break
            family_short = {alias.actor for alias in earlier.aliases if alias.kind == AliasKind.SHORT}
            if family_short and self._kin(self._word_before_titles(earlier)):
                shared = [actor for actor in candidates if actor in family_short]
                if shared:
                    return shared[0]
        return None


# --------------------------------------------------------------------------- unlinked


def _latin_name(surface: str, latin_stop: frozenset[str]) -> bool:
    """Not a hashtag, handle or short link ("TurkishEmbassyLibya", "Kyd919UGgb"), nor a date
    or page furniture ("April 10", "Linkedin")."""
    words = surface.split()
    if any(word.rstrip("0123456789").casefold() in latin_stop for word in words):
        return False
    return not any(_CAMEL_RE.search(word) or _DIGIT_THEN_LETTER_RE.search(word) for word in words)


def _unlinked(
    article: NormalisedArticle,
    covered: Spans,
    people: list[PersonName],
    latin_stop: frozenset[str] = frozenset(),
    outlets: list[Mention] = (),  # type: ignore[assignment]
) -> list[Entity]:
    """Names the knowledge base lacks: people's names, cited outlets, and names in Latin script."""
    found: dict[str, Entity] = {}

    def add(surface: str, start: int, end: int, kind: str) -> Entity | None:
        if covered.overlaps(start, end):
            return None
        entity = found.get(surface)
        mention = Mention(text=surface, start=start, end=end)
        if entity is None:
            entity = found[surface] = Entity(canonical=surface, type=kind, linked=False, mentions=[mention])  # type: ignore[arg-type]
        else:
            entity.mentions.append(mention)
        return entity

    def original(number: int, start: int, end: int) -> tuple[int, int]:
        sentence = article.sentences[number]
        start, end = span_to_original(sentence.shifts, start, end)
        return sentence.start + start, sentence.start + end

    for person in people:
        start, end = original(person.sentence, person.start, person.end)
        entity = add(article.text[start:end], start, end, "PER")
        if entity is None:
            continue
        for number, surname_start, surname_end in person.surnames:
            start, end = original(number, surname_start, surname_end)
            if not covered.overlaps(start, end):
                entity.mentions.append(Mention(text=article.text[start:end], start=start, end=end))
    for outlet in outlets:  # already checked against the linked mentions
        entity = found.get(outlet.text)
        if entity is None:
            found[outlet.text] = Entity(canonical=outlet.text, type="ORG", linked=False, mentions=[outlet])
        elif entity.type == "ORG":
            entity.mentions.append(outlet)
    for entity in found.values():
        entity.mentions.sort(key=lambda m: m.start)
    for sentence in article.sentences:
        original_text = article.text[sentence.start : sentence.end]
        if not _ANY_LATIN_CAPITAL.search(original_text):
            continue
        for latin in _LATIN_NAME_RE.finditer(original_text):
            surface = latin.group().rstrip(".-")
            if len(surface) < 3 or not _latin_name(surface, latin_stop):
                continue
            start = sentence.start + latin.start()
            add(surface, start, start + len(surface), "MISC")
    return list(found.values())


if TYPE_CHECKING:
    from streams.stages.spec import StageContext


def run(article: NormalisedArticle, context: StageContext) -> EntitiesArticle:
    """The stage as its spec runs it: knowledge and model backends from the context."""
    return extract_entities(article, context.backends, context.knowledge)
