"""Stage 2: find the actors an article names, link them to the knowledge base.

Matching runs on each sentence's matching form with the knowledge base's phrase matcher;
ambiguous forms are resolved against the article as a whole:

* a role phrase followed by a name is part of that name's mention; alone, it is the
  role's current holder ("وزير الدفاع التركي" → Yasar Guler);
* a capital after a locative (في، إلى، ب…) is the city, otherwise the country it stands
  for ("أنقرة تسعى" → Turkey);
* a family name shared by several actors ("حفتر") is the one of them named in full
  nearest before it, else the first named after it, else the one marked ``prefer``; after
  a kinship word ("نجل حفتر") it is the family's ``prefer`` actor (the father);
* a given name ("صدام") links only to an actor named in full in the article, or right
  after a kinship phrase of its family ("نجلي حفتر صدام وخالد").

Names the knowledge base does not know are still emitted, unlinked, when they follow a
personal title (السفير، الفريق، اللواء …) or are written in Latin script.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from typing import TYPE_CHECKING

from models import EntitiesArticle, Entity, Mention, NormalisedArticle
from streams.backends import Backends
from streams.knowledge import Actor, AliasKind, Knowledge, load_knowledge
from streams.knowledge.actors import Alias
from streams.knowledge.entity_words import EntityWords
from streams.text.spans import Spans
from streams.text.matchform import fold_phrase, span_to_original
from streams.text.tokens import word_before

_WORD_RE = re.compile(r"\w+")
_ANY_LATIN_CAPITAL = re.compile(r"[A-Z]")
_LATIN_NAME_RE = re.compile(r"(?<![\w])[A-Z][\w'’.-]*(?:[ -](?:[A-Z0-9][\w'’.-]*|of|de|al|el|and|&))*(?:[ -][A-Z0-9][\w'’.-]*)?")


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
    return EntitiesArticle.model_construct(**dict(article), entities=entities)


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
                aliases = tuple(a for a in aliases if a.kind not in (AliasKind.ROLE, AliasKind.GIVEN))
                if not aliases:
                    continue
            hits.append(_Hit(match.start, match.end, number, aliases, match.clitic, match.nested))
    _Resolver(article, hits, index.actors, words).resolve()
    hits = _drop_redundant_nested(hits)

    mentions: dict[int, list[Mention]] = {}
    covered: list[tuple[int, int]] = []
    for hit in hits:
        sentence = article.sentences[hit.sentence]
        start, end = span_to_original(sentence.shifts, hit.start, hit.end)
        start, end = sentence.start + start, sentence.start + end
        covered.append((start, end))
        if hit.actor is not None:
            mentions.setdefault(hit.actor, []).append(Mention(text=article.text[start:end], start=start, end=end))
    entities = [_entity(index.actors[actor], found) for actor, found in mentions.items()]
    entities += _unlinked(article, Spans(covered), words)
    entities.sort(key=lambda entity: entity.mentions[0].start)
    return entities


def _drop_redundant_nested(hits: list[_Hit]) -> list[_Hit]:
    """A nested hit naming the same actor as the match around it adds nothing.

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
            and parent.actor == hit.actor
        ):
            continue
        kept.append(hit)
    return kept


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

#: How many hits back a given name looks for the relative named before it.
_KIN_LOOKBACK = 8


class _Resolver:
    """Decide the actor of every hit in place (``None`` drops it).

    Each hit is settled with a bounded amount of work (indexes built once per article),
    so the stage stays near-linear in the number of mentions.
    """

    def __init__(self, article: NormalisedArticle, hits: list[_Hit], actors: list[Actor], words: EntityWords):
        self.article = article
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

    def resolve(self) -> None:
        hits = self.hits
        # 1. unambiguous full names, countries and cities
        for hit in hits:
            kinds = {alias.kind for alias in hit.aliases}
            names = [alias for alias in hit.aliases if alias.kind == AliasKind.NAME]
            if AliasKind.METONYM in kinds or (AliasKind.DEMONYM in kinds and not names):
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

    def _phrase(self, hit: _Hit) -> str:
        return self.article.sentences[hit.sentence].norm[hit.start : hit.end]

    def _preceding_word(self, hit: _Hit) -> str:
        return word_before(self.article.sentences[hit.sentence].norm, hit.start - len(hit.clitic))

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
        locative = hit.clitic in self.words.locative_clitics or self._preceding_word(hit) in self.words.locatives
        return cities[0] if locative else countries[0]

    def _name_follows(self, role: _Hit, following: _Hit) -> bool:
        if following.sentence != role.sentence:
            return False
        gap = self.article.sentences[role.sentence].norm[role.end : following.start - len(following.clitic)]
        if len(gap.strip(" ,")) > 0:
            return False
        return any(self.actors[alias.actor].type == "PER" for alias in following.aliases)

    def _family_member(self, position: int, candidates: list[int]) -> int | None:
        """A shared family name: the member named nearest before, else first after, else the default."""
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
        if before is not None:
            return before[1]
        if after is not None:
            return after[1]
        return preferred if preferred is not None else candidates[0]

    def _given_name(self, position: int, candidates: list[int]) -> int | None:
        """A given name links only to an actor of the article or of a kinship phrase just before."""
        in_article = [actor for actor in candidates if actor in self.positions]
        if in_article:
            return in_article[0]
        hits, actors = self.hits, self.actors
        hit = hits[position]
        family_of = {actor: set(actors[actor].short) for actor in candidates}
        if self._preceding_word(hit) in self.words.kinship:
            # "استقبله المشير خليفة حفتر بحضور نجله صدام": the father named just before
            for earlier_position in range(position - 1, max(-1, position - 1 - _KIN_LOOKBACK), -1):
                earlier = hits[earlier_position]
                if earlier.sentence != hit.sentence:
                    break
                if earlier.actor is not None and actors[earlier.actor].type == "PER":
                    shared = [a for a in candidates if family_of[a] & set(actors[earlier.actor].short)]
                    if shared:
                        return shared[0]
                    break
        # "نجلي حفتر صدام وخالد": a kinship phrase of the family shortly before, same sentence
        for earlier in reversed(hits[max(0, position - 4) : position]):
            if earlier.sentence != hit.sentence or hit.start - earlier.end > 30:
                break
            family_short = {alias.actor for alias in earlier.aliases if alias.kind == AliasKind.SHORT}
            if family_short and self._preceding_word(earlier) in self.words.kinship:
                shared = [actor for actor in candidates if actor in family_short]
                if shared:
                    return shared[0]
        return None


# --------------------------------------------------------------------------- unlinked


def _unlinked(article: NormalisedArticle, covered: Spans, words: EntityWords) -> list[Entity]:
    """Names the knowledge base lacks: after a personal title, or in Latin script."""
    found: dict[str, Entity] = {}

    def add(surface: str, start: int, end: int, kind: str) -> None:
        if covered.overlaps(start, end):
            return
        entity = found.get(surface)
        mention = Mention(text=surface, start=start, end=end)
        if entity is None:
            found[surface] = Entity(canonical=surface, type=kind, linked=False, mentions=[mention])  # type: ignore[arg-type]
        else:
            entity.mentions.append(mention)

    for sentence in article.sentences:
        norm = sentence.norm
        for title in words.title_re.finditer(norm):
            name_words: list[re.Match[str]] = []
            cursor = title.end()
            for follower in _WORD_RE.finditer(norm, cursor, min(len(norm), cursor + 60)):
                token = follower.group()
                if norm[cursor : follower.start()].strip() or token in words.stop or token in words.titles or token.isdigit():
                    break
                if not name_words and (token.startswith("ال") or len(token) < 3):
                    break
                name_words.append(follower)
                cursor = follower.end()
                if len(name_words) == 3:
                    break
            if not name_words:
                continue
            start, end = span_to_original(sentence.shifts, name_words[0].start(), name_words[-1].end())
            start, end = sentence.start + start, sentence.start + end
            add(article.text[start:end], start, end, "PER")
        original = article.text[sentence.start : sentence.end]
        if not _ANY_LATIN_CAPITAL.search(original):
            continue
        for latin in _LATIN_NAME_RE.finditer(original):
            surface = latin.group().rstrip(".-")
            if len(surface) < 3:
                continue
            start = sentence.start + latin.start()
            add(surface, start, start + len(surface), "MISC")
    return list(found.values())


if TYPE_CHECKING:
    from streams.stages.spec import StageContext


def run(article: NormalisedArticle, context: StageContext) -> EntitiesArticle:
    """The stage as its spec runs it: knowledge and model backends from the context."""
    return extract_entities(article, context.backends, context.knowledge)
