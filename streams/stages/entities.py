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
from dataclasses import dataclass
from typing import TYPE_CHECKING

from models import EntitiesArticle, Entity, Mention, NormalisedArticle
from streams.backends import Backends
from streams.knowledge import Actor, AliasKind, Knowledge, load_knowledge
from streams.knowledge.actors import Alias
from streams.text.matchform import fold_phrase, span_to_original
from streams.text.tokens import word_before

_KINSHIP = frozenset(
    fold_phrase(w)
    for w in ("نجل", "نجلي", "نجلا", "ابن", "ابنا", "أبناء", "أنجال", "أبنائه", "نجليه", "نجله", "ابنه", "ابنيه", "شقيقه", "والده")
)
_LOCATIVE_WORDS = frozenset(
    fold_phrase(w)
    for w in ("في", "إلى", "الى", "من", "داخل", "قرب", "نحو", "مدينة", "بمدينة", "العاصمة", "عاصمة", "بالعاصمة", "ميناء", "بميناء", "حتى", "عبر", "وإلى")
)
_LOCATIVE_CLITICS = frozenset(("ب", "وب", "فب", "ل", "ول", "فل"))
_TITLES = frozenset(
    fold_phrase(w)
    for w in (
        "الوزير", "الوزيرة", "السفير", "السفيرة", "الفريق", "اللواء", "المشير", "العقيد", "العميد",
        "الرائد", "النقيب", "المقدم", "الجنرال", "الأدميرال", "الشيخ", "الدكتور", "الدكتورة", "السيد",
        "السيدة", "المبعوث", "المبعوثة", "القنصل", "النائب", "النائبة", "المستشار", "المستشارة",
        "الأمير", "الملك", "آمر", "الآمر", "المتحدث", "القائد", "العقيد", "الرئيس",
    )
)
_STOP = frozenset(
    fold_phrase(w)
    for w in (
        "في", "من", "على", "عن", "إلى", "الى", "مع", "و", "أن", "إن", "قد", "كان", "كانت", "الذي", "التي",
        "الذين", "هذا", "هذه", "ذلك", "تلك", "بعد", "قبل", "خلال", "حيث", "كما", "أو", "ثم", "لدى", "بين",
        "عند", "منذ", "حول", "ضد", "إنه", "أنه", "لم", "لن", "ما", "لا", "هو", "هي", "باسم", "السابق",
        "الأسبق", "الحالي", "العام", "الجديد", "الليبي", "التركي", "أيضا", "بشأن", "وزير", "وزيرة", "رئيس",
        "مجلس", "حكومة", "جهاز", "هيئة", "قائد", "قوات", "مدير", "نائب", "أركان", "سفير", "عضو", "وفد",
    )
)
_WORD_RE = re.compile(r"\w+")
_TITLE_RE = re.compile(r"(?<!\w)(?:" + "|".join(sorted(map(re.escape, _TITLES), key=len, reverse=True)) + r")(?!\w)")
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
    taken = [(m.start, m.end) for e in entities for m in e.mentions]
    by_name = {e.canonical: e for e in entities}
    for entity in extra:
        fresh = [m for m in entity.mentions if all(m.end <= s or m.start >= e for s, e in taken)]
        if not fresh:
            continue
        taken += [(m.start, m.end) for m in fresh]
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
    _resolve(article, hits, index.actors)
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
    entities += _unlinked(article, covered)
    entities.sort(key=lambda entity: entity.mentions[0].start)
    return entities


def _drop_redundant_nested(hits: list[_Hit]) -> list[_Hit]:
    """A nested hit naming the same actor as the match around it adds nothing."""
    kept: list[_Hit] = []
    for hit in hits:
        if hit.nested:
            parent = next(
                (p for p in hits if not p.nested and p.sentence == hit.sentence and p.start <= hit.start and hit.end <= p.end),
                None,
            )
            if parent is not None and parent.actor == hit.actor:
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


def _resolve(article: NormalisedArticle, hits: list[_Hit], actors: list[Actor]) -> None:
    """Decide the actor of every hit in place (``None`` drops it)."""
    # 1. unambiguous full names, countries and cities
    for position, hit in enumerate(hits):
        kinds = {alias.kind for alias in hit.aliases}
        names = [alias for alias in hit.aliases if alias.kind == AliasKind.NAME]
        if AliasKind.METONYM in kinds or (AliasKind.DEMONYM in kinds and not names):
            hit.actor = _place_or_country(article, hit)
        elif names and len({alias.actor for alias in names}) == 1:
            hit.actor = names[0].actor
        elif names:
            hit.actor = None  # two actors share a full name: settled with the family names
    full = [(hit.sentence, hit.start, hit.actor) for hit in hits if hit.actor is not None]
    named_actors = {actor for _, _, actor in full}
    bindings = _role_bindings(article, hits, actors)

    for position, hit in enumerate(hits):
        if hit.actor is not None:
            continue
        kinds = {alias.kind for alias in hit.aliases}
        if AliasKind.ROLE in kinds:
            following = next((h for h in hits[position + 1 :] if not h.nested), None)
            if following is not None and _name_follows(article, hit, following, actors):
                continue  # "وزير الدفاع التركي يشار غولر": the name carries the mention
            phrase = _phrase(article, hit)
            hit.actor = bindings.get(phrase, next(alias.actor for alias in hit.aliases if alias.kind == AliasKind.ROLE))
            continue
        candidates = [alias.actor for alias in hit.aliases if alias.kind in (AliasKind.SHORT, AliasKind.NAME)]
        if candidates:
            hit.actor = _family_member(article, hits, position, candidates, full, actors)
            continue
        given = [alias.actor for alias in hit.aliases if alias.kind == AliasKind.GIVEN]
        if given:
            hit.actor = _given_name(article, hits, position, given, named_actors, actors)


def _phrase(article: NormalisedArticle, hit: _Hit) -> str:
    return article.sentences[hit.sentence].norm[hit.start : hit.end]


def _role_bindings(article: NormalisedArticle, hits: list[_Hit], actors: list[Actor]) -> dict[str, int]:
    """Role phrases the article itself binds to a name ("وزير الدفاع التركي، خلوصي أكار").

    The knowledge base knows a role's current holder; an article about another year names
    its own, and its bare uses of the role then mean that person.
    """
    bindings: dict[str, int] = {}
    top = [hit for hit in hits if not hit.nested]
    for position, hit in enumerate(top[:-1]):
        if any(alias.kind == AliasKind.ROLE for alias in hit.aliases):
            following = top[position + 1]
            names = [a.actor for a in following.aliases if a.kind == AliasKind.NAME and actors[a.actor].type == "PER"]
            if names and _name_follows(article, hit, following, actors):
                bindings.setdefault(_phrase(article, hit), names[0])
    return bindings


def _preceding_word(article: NormalisedArticle, hit: _Hit) -> str:
    return word_before(article.sentences[hit.sentence].norm, hit.start - len(hit.clitic))


def _place_or_country(article: NormalisedArticle, hit: _Hit) -> int:
    cities = [alias.actor for alias in hit.aliases if alias.kind == AliasKind.NAME]
    countries = [alias.actor for alias in hit.aliases if alias.kind in (AliasKind.METONYM, AliasKind.DEMONYM)]
    if not cities:
        return countries[0]
    if not countries:
        return cities[0]
    locative = hit.clitic in _LOCATIVE_CLITICS or _preceding_word(article, hit) in _LOCATIVE_WORDS
    return cities[0] if locative else countries[0]


def _name_follows(article: NormalisedArticle, role: _Hit, following: _Hit, actors: list[Actor]) -> bool:
    if following.sentence != role.sentence:
        return False
    gap = article.sentences[role.sentence].norm[role.end : following.start - len(following.clitic)]
    if len(gap.strip(" ,")) > 0:
        return False
    return any(actors[alias.actor].type == "PER" for alias in following.aliases)


def _family_member(
    article: NormalisedArticle,
    hits: list[_Hit],
    position: int,
    candidates: list[int],
    full: list[tuple[int, int, int]],
    actors: list[Actor],
) -> int | None:
    hit = hits[position]
    family = set(candidates)
    if len(family) == 1:
        return candidates[0]
    preferred = next((actor for actor in candidates if actors[actor].prefer), None)
    if _preceding_word(article, hit) in _KINSHIP and preferred is not None:
        return preferred
    here = (hit.sentence, hit.start)
    before = [(s, p, actor) for s, p, actor in full if actor in family and (s, p) < here]
    if before:
        return before[-1][2]
    after = [(s, p, actor) for s, p, actor in full if actor in family and (s, p) > here]
    if after:
        return after[0][2]
    return preferred if preferred is not None else candidates[0]


def _given_name(
    article: NormalisedArticle,
    hits: list[_Hit],
    position: int,
    candidates: list[int],
    named_actors: set[int],
    actors: list[Actor],
) -> int | None:
    in_article = [actor for actor in candidates if actor in named_actors]
    if in_article:
        return in_article[0]
    hit = hits[position]
    family_of = {actor: set(actors[actor].short) for actor in candidates}
    if _preceding_word(article, hit) in _KINSHIP:
        # "استقبله المشير خليفة حفتر بحضور نجله صدام": the father named just before
        for earlier in reversed(hits[:position]):
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
        if family_short and _preceding_word(article, earlier) in _KINSHIP:
            shared = [actor for actor in candidates if actor in family_short]
            if shared:
                return shared[0]
    return None


# --------------------------------------------------------------------------- unlinked


def _unlinked(article: NormalisedArticle, covered: list[tuple[int, int]]) -> list[Entity]:
    """Names the knowledge base lacks: after a personal title, or in Latin script."""
    found: dict[str, Entity] = {}

    def is_covered(start: int, end: int) -> bool:
        return any(start < c_end and end > c_start for c_start, c_end in covered)

    def add(surface: str, start: int, end: int, kind: str) -> None:
        if is_covered(start, end):
            return
        entity = found.get(surface)
        mention = Mention(text=surface, start=start, end=end)
        if entity is None:
            found[surface] = Entity(canonical=surface, type=kind, linked=False, mentions=[mention])  # type: ignore[arg-type]
        else:
            entity.mentions.append(mention)

    for sentence in article.sentences:
        norm = sentence.norm
        for title in _TITLE_RE.finditer(norm):
            name_words: list[re.Match[str]] = []
            cursor = title.end()
            for follower in _WORD_RE.finditer(norm, cursor, min(len(norm), cursor + 60)):
                token = follower.group()
                if norm[cursor : follower.start()].strip() or token in _STOP or token in _TITLES or token.isdigit():
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
