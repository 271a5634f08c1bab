"""A whole-word regex over a list of words that is tried only next to those words.

A pattern such as ``(?<!\\w)[وف]?(?:قال|أكد|…)(?!\\w)`` is tried at every position of a
sentence. Every match holds one of its words verbatim, so one Aho–Corasick pass over the
sentence for the words themselves (no boundaries, no clitics) says first whether there
can be a match at all, and, when the pattern's matches have a bounded width, where they
can start: no earlier than the width before a word's end and no later than its start.
The regex is tried only there, on the text cut a little after the furthest end a match
could reach: the results are the regex's own, as a scan of the whole text finds them.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import ahocorasick_rs

#: Characters read past a match's end besides its lookaheads: ``$`` looks at the next
#: two (a final newline), ``\\b`` at one.
_END_CONTEXT = 2


@dataclass(frozen=True)
class WordPattern:
    """``pattern``, whose every match contains one of ``words`` verbatim."""

    words: frozenset[str]
    pattern: re.Pattern[str]
    _any_word: ahocorasick_rs.AhoCorasick | None = field(init=False, repr=False, compare=False)
    #: The widest match, and how far past a match's start the regex can read (None:
    #: unbounded, the whole text is scanned when a word occurs).
    _limits: tuple[int, int] | None = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # an empty word is in every text: then, as without words, the regex decides alone
        usable = self.words and "" not in self.words
        object.__setattr__(self, "_any_word", ahocorasick_rs.AhoCorasick(sorted(self.words)) if usable else None)
        object.__setattr__(self, "_limits", limits(self.pattern))

    def _starts(self, text: str, endpos: int) -> list[tuple[int, int]] | None:
        """Merged ``(first, last)`` ranges a match's start can lie in (None: anywhere)."""
        if self._any_word is None:
            return None
        hits = self._any_word.find_matches_as_indexes(text, overlapping=self._limits is not None)
        if self._limits is None:
            return [(0, endpos)] if hits else []
        width = self._limits[0]
        ranges: list[tuple[int, int]] = []
        for first, last in sorted((max(0, end - width), start) for _, start, end in hits if end <= endpos):
            if ranges and first <= ranges[-1][1] + 1:
                if last > ranges[-1][1]:
                    ranges[-1] = (ranges[-1][0], last)
            else:
                ranges.append((first, last))
        return ranges

    def search(self, text: str, pos: int = 0, endpos: int | None = None) -> re.Match[str] | None:
        end = len(text) if endpos is None else min(endpos, len(text))
        starts = self._starts(text, end)
        if starts is None:
            return self.pattern.search(text, pos, end)
        return next(self._matches(text, starts, pos, end), None)

    def finditer(self, text: str) -> Iterator[re.Match[str]]:
        starts = self._starts(text, len(text))
        if starts is None:
            yield from self.pattern.finditer(text)
        else:
            yield from self._matches(text, starts, 0, len(text))

    def _matches(self, text: str, starts: list[tuple[int, int]], pos: int, end: int) -> Iterator[re.Match[str]]:
        """The regex's matches from ``pos`` on, without overlaps, as ``finditer`` finds them."""
        reach = self._limits[1] if self._limits is not None else end
        for first, last in starts:
            first = max(first, pos)
            while first <= last:
                found = self.pattern.search(text, first, min(end, last + reach))
                if found is None or found.start() > last:
                    break  # a start past ``last`` was found on cut text: look in the next range
                yield found
                pos = first = found.end() if found.end() > found.start() else found.end() + 1


def limits(pattern: re.Pattern[str]) -> tuple[int, int] | None:
    """The widest match of ``pattern``, and how many characters from a match's start the
    regex may read: the widest match plus its lookaheads and the end context. None if
    either is unbounded, or the regex parser cannot measure the pattern.
    """
    try:
        # the standard library's own regex parser (Python 3.11+) measures a pattern's width
        parser: Any = importlib.import_module("re._parser")
        parsed = parser.parse(pattern.pattern, pattern.flags)
        width = parsed.getwidth()[1]
        ahead = _lookahead(parsed, parser)
    except Exception:  # noqa: BLE001 — an unexpected parser: fall back to a full scan
        return None
    if width >= parser.MAXREPEAT or ahead is None:
        return None
    return width, width + ahead + _END_CONTEXT


def _lookahead(parsed: Any, parser: Any) -> int | None:
    """How far past its position a parsed pattern's lookaheads read (None if unbounded)."""
    widest = 0
    stack = [parsed.data]
    while stack:
        item = stack.pop()
        for element in item:
            if isinstance(element, parser.SubPattern):
                stack.append(element.data)
            elif isinstance(element, (tuple, list)):
                if len(element) == 2 and element[0] in (parser.ASSERT, parser.ASSERT_NOT) and element[1][0] == 1:
                    inner = element[1][1]
                    nested = _lookahead(inner, parser)
                    high = inner.getwidth()[1]
                    if nested is None or high >= parser.MAXREPEAT:
                        return None
                    widest = max(widest, high + nested)
                else:
                    stack.append(element)
    return widest
