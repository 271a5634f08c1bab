"""People the knowledge base does not know, found from how Arabic prose writes names.

A name is a run of name words (no particle, no title, no known actor, no punctuation in
between; compound markers such as عبد، بن، أبو join the word after them) that starts

* after a personal title or profession ("المحلل السياسي عبد الله الكبير"), optionally
  past a nisba adjective ("نظيره السنغالي ماكي سال");
* at a given name from the lexicon ("كنان يلماز"), with at least one more name word; so
  also after a description or a role phrase ("وزير الخارجية الأميركي مايك بومبيو").

A later bare surname of a name found this way is a mention of the same person.
Everything works on each sentence's matching form, token by token: linear in its length.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property

from models import NormalisedArticle
from streams.knowledge.entity_words import NAME_PROCLITICS, EntityWords
from streams.text.spans import Spans

_WORD_RE = re.compile(r"\w+")
_MAX_WORDS = 5
_TITLE_WORDS = 3
_PROCLITICS = NAME_PROCLITICS


@dataclass(slots=True)
class PersonName:
    """A name found in one sentence: folded ``[start, end)`` and its words."""

    sentence: int
    start: int
    end: int
    words: tuple[str, ...]
    surnames: list[tuple[int, int, int]] = field(default_factory=list)  # (sentence, start, end) of later bare surnames

    @property
    def surname(self) -> str:
        return self.words[-1]


def _is_nisba(token: str) -> bool:
    return token.startswith("ال") and (token.endswith("ي") or token.endswith("يه")) and len(token) > 4


class _Sentence:
    def __init__(self, norm: str, covered: Spans, words: EntityWords, known_given: frozenset[int] = frozenset()):
        self.norm = norm
        self.known_given = known_given  # starts of given names the knowledge base knows
        self.tokens = list(_WORD_RE.finditer(norm))
        self.texts = [token.group() for token in self.tokens]
        self.covered = covered
        self.words = words

    @cached_property
    def starts(self) -> dict[int, int]:
        """Token index by start offset (only sentences with a title ask)."""
        return {token.start(): index for index, token in enumerate(self.tokens)}

    def blocked(self, index: int) -> bool:
        token = self.tokens[index]
        text = self.texts[index]
        return (
            self.covered.overlaps(token.start(), token.end())
            or text in self.words.name_blockers
            or text.isdigit()
            or len(text) < 2
        )

    def joined(self, left: int, right: int) -> bool:
        """Only a space between two tokens (no punctuation, no line break)."""
        gap = self.norm[self.tokens[left].end() : self.tokens[right].start()]
        return gap == " "

    def blocked_here(self, index: int) -> bool:
        """``blocked`` plus descriptions: a description after a name ends it ("... الخبير")."""
        return self.blocked(index) or self.texts[index] in self.words.descriptions

    def scan_after_title(self, first: int) -> list[int]:
        """After a personal title: up to three name words, the first without the article."""
        token = self.texts[first]
        if token.startswith("ال") or len(token) < 3:
            return []
        taken: list[int] = []
        for position in range(first, min(len(self.tokens), first + _TITLE_WORDS)):
            if (taken and not self.joined(taken[-1], position)) or self.blocked_here(position):
                break
            taken.append(position)
        return taken

    def scan_from_given(self, first: int) -> list[int]:
        """From a given name: compounds, more given names, nisba-like surnames and at most
        one other word ("خالد بن محمد العطية"، "عبد الله الكبير"، "كنان يلماز")."""
        words = self.words
        text = self.texts[first]
        bare = text[1:] if text[:1] in _PROCLITICS and text[1:] in words.given else text
        taken: list[int] = [first]
        position = first + 1
        if bare in words.compound_markers:  # "عبد الله" begins the name
            if position >= len(self.tokens) or not self.joined(first, position) or self.blocked_here(position):
                return []
            taken.append(position)
            position += 1
        free = 0
        strong = bare not in words.ambiguous_given
        # a word of any kind may follow the given name or a compound, once; not after the
        # given name of a known actor ("اختار بلقاسم تقديم …"), which needs a real surname
        open_slot = self.tokens[first].start() not in self.known_given
        while position < len(self.tokens) and len(taken) < _MAX_WORDS:
            if not self.joined(taken[-1], position) or self.blocked_here(position):
                break
            token = self.texts[position]
            if token in words.compound_markers:
                following = position + 1
                if following >= len(self.tokens) or not self.joined(position, following) or self.blocked_here(following):
                    break
                taken += [position, following]
                position += 2
                strong = open_slot = True
                continue
            if token in words.given or token in words.ambiguous_given:
                taken.append(position)
                strong = open_slot = True
            elif _surname_like(token, words):
                taken.append(position)
                strong, open_slot = True, False
            elif free == 0 and strong and open_slot:
                free += 1
                taken.append(position)
                open_slot = False
            else:
                break
            position += 1
        return taken if len(taken) >= 2 and strong else []


def _surname_like(token: str, words: EntityWords) -> bool:
    """A nisba family name ("العرجاني"; not the feminine -ية of common nouns such as
    "الاتفاقية") or a name with a surname ending ("بيراكتار أوغلو")."""
    return (token.startswith("ال") and token.endswith("ي") and len(token) > 4) or token.endswith(words.surname_suffixes)


def find_person_names(
    article: NormalisedArticle,
    covered: list[Spans],
    words: EntityWords,
    known_given: list[frozenset[int]] | None = None,
    verbs: frozenset[str] = frozenset(),
) -> list[PersonName]:
    """Names of people in the article, per sentence, in text order.

    ``covered`` holds, per sentence, the folded spans of knowledge-base matches;
    ``known_given`` where a given name of a knowledge-base actor starts; ``verbs`` the
    one-word verb forms of the event triggers (after a title, "الوزير سيزور" names nobody).
    """
    names: list[PersonName] = []
    for number, sentence in enumerate(article.sentences):
        state = _Sentence(sentence.norm, covered[number], words, known_given[number] if known_given else frozenset())
        if not state.tokens:
            continue
        taken_until = -1
        starts: list[tuple[int, bool]] = []  # (token index, after a personal title)
        for match in words.title_re.finditer(sentence.norm) if words.may_hold_title(state.texts) else ():
            following = _token_after(state, match.end())
            if following is not None and _past_nisba(state, following) == following:
                starts.append((following, True))  # past a nisba, only a given name starts a name
        starters, texts = words.name_starters, state.texts
        for index, text in enumerate(texts):
            if text in starters or (text == "عبد" and index + 1 < len(texts) and texts[index + 1].startswith("ال")):
                starts.append((index, False))
        for first, after_title in sorted(set(starts)):
            if first <= taken_until or state.covered.overlaps(state.tokens[first].start(), state.tokens[first].end()):
                continue
            if after_title and not _gives(state.texts[first], words):
                if _is_verb(state.texts[first], verbs):
                    continue
                taken = state.scan_after_title(first)
            else:
                taken = state.scan_from_given(first)
            if not taken:
                continue
            start = state.tokens[taken[0]].start()
            first_word = state.texts[taken[0]]
            if first_word[:1] in _PROCLITICS and first_word not in words.given and first_word[1:] in words.given:
                start += 1  # the clitic و/ف stays outside the name
            end = state.tokens[taken[-1]].end()
            names.append(PersonName(number, start, end, tuple(state.texts[i] for i in taken)))
            taken_until = taken[-1]
    _link_surnames(article, names, covered, words)
    return names


def _is_verb(text: str, verbs: frozenset[str]) -> bool:
    """A verb form, bare or after a clitic و/ف and the future س ("وسيزور")."""
    if text[:1] in _PROCLITICS:
        text = text[1:]
    return text in verbs or (text[:1] == "س" and text[1:] in verbs)


def _gives(text: str, words: EntityWords) -> bool:
    """A given name (with or without a clitic و/ف) that may start a name."""
    return text in words.name_starters


def _past_nisba(state: _Sentence, index: int) -> int:
    """"نظيره السنغالي ماكي سال": the name starts past a nisba adjective after the title."""
    if _is_nisba(state.texts[index]) and index + 1 < len(state.tokens):
        gap = state.norm[state.tokens[index].end() : state.tokens[index + 1].start()]
        if gap.strip(" ,") == "":
            return index + 1
    return index


def _token_after(state: _Sentence, offset: int) -> int | None:
    """The token starting after ``offset`` past spaces and one comma, if any."""
    position = offset
    norm = state.norm
    while position < len(norm) and norm[position] in " ,":
        position += 1
    return state.starts.get(position)


def _link_surnames(article: NormalisedArticle, names: list[PersonName], covered: list[Spans], words: EntityWords) -> None:
    """A later bare surname of a full name found in the article is that person."""
    by_surname: dict[str, PersonName] = {}
    for name in names:
        if len(name.words) >= 2 and len(name.surname) >= 4 and name.words[-2] not in words.compound_markers:
            by_surname.setdefault(name.surname, name)
    if not by_surname:
        return
    own: dict[int, Spans] = {}
    for name in names:
        own.setdefault(name.sentence, Spans()).add(name.start, name.end)
    for number, sentence in enumerate(article.sentences):
        for token in _WORD_RE.finditer(sentence.norm):
            text = token.group()
            start = token.start()
            person = by_surname.get(text)
            if person is None and text[:1] in ("و", "ف", "ل", "ب") and text[1:] in by_surname:
                person, start = by_surname[text[1:]], start + 1
            if person is None or (number, start) <= (person.sentence, person.start):
                continue
            if covered[number].overlaps(start, token.end()):
                continue
            if number in own and own[number].overlaps(start, token.end()):
                continue
            person.surnames.append((number, start, token.end()))
