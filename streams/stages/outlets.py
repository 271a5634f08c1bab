"""Outlets an article cites by a quoted name after the kind of outlet.

Arabic news copy names the paper, channel, site or agency it draws on as the kind of
outlet followed by the name in quotes: «صحيفة "…"», «قناة "…" الليبية», «تلفزيون "…"».
The quoted name is an organisation even when the knowledge base does not know it; the
kind words live in ``entities.yaml`` (``outlet_words``). Linear in the sentence length.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from streams.text.wordpattern import WordPattern

#: The most words a quoted outlet name has; a longer quotation is a title or a quote.
MAX_NAME_WORDS = 4
_NAME_CHARS = 40


@dataclass(frozen=True, slots=True)
class QuotedOutlet:
    """A quoted outlet name in a sentence's matching form: ``[start, end)`` of the name
    without its quotes, and of the kind word before it."""

    start: int
    end: int
    kind_start: int


#: Every match holds a quote: the patterns are tried only within a match's width of one.
_QUOTE = frozenset({'"'})


@lru_cache(maxsize=4)
def _pattern(kinds: frozenset[str]) -> WordPattern:
    alternatives = "|".join(sorted(map(re.escape, kinds), key=len, reverse=True))
    # the kind word, also after و ف ب ل (لصحيفة، وقناة); then the name inside one pair of quotes
    return WordPattern(
        _QUOTE,
        re.compile(r'(?<!\w)[وف]?[بل]?(' + alternatives + r')\s?"\s?([^"\n]{2,' + str(_NAME_CHARS) + r'}?)\s?"'),
    )


@lru_cache(maxsize=1)
def _to_pattern() -> WordPattern:
    # "قال لـ"…"" (tatweel folded away): the quoted name a statement was given to
    return WordPattern(_QUOTE, re.compile(r'(?<!\w)[وف]?ل\s?"\s?([^"\n]{2,' + str(_NAME_CHARS) + r'}?)\s?"'))


def find_quoted_recipients(norm: str) -> list[QuotedOutlet]:
    """Quoted names after the preposition ل ("قال لـ"…""), ``kind_start`` -1: outlets
    only when the knowledge base knows the name as one (the caller checks)."""
    if '"' not in norm:
        return []
    found: list[QuotedOutlet] = []
    for match in _to_pattern().finditer(norm):
        start, end = match.start(1), match.end(1)
        while end > start and not norm[end - 1].isalnum():
            end -= 1
        if end > start and len(norm[start:end].split()) <= MAX_NAME_WORDS:
            found.append(QuotedOutlet(start, end, -1))
    return found


def find_quoted_outlets(norm: str, kinds: frozenset[str], stop: frozenset[str] = frozenset()) -> list[QuotedOutlet]:
    """Quoted outlet names in one sentence's matching form (folded ``kinds`` words)."""
    if '"' not in norm or not kinds:
        return []
    found: list[QuotedOutlet] = []
    for match in _pattern(kinds).finditer(norm):
        name = match.group(2)
        words = name.split()
        if not words or len(words) > MAX_NAME_WORDS or words[0] in stop:
            continue
        if not any(ch.isalpha() for ch in name):
            continue
        start = match.start(2)
        end = match.end(2)
        while end > start and not norm[end - 1].isalnum():  # "المرصد :" → "المرصد"
            end -= 1
        found.append(QuotedOutlet(start, end, match.start(1)))
    return found
