"""A multi-pattern phrase matcher over the matching form, built once, clitic-aware.

All phrases go into one Aho–Corasick automaton (``ahocorasick_rs``), each also with the
proclitics Arabic attaches in front of a word: و ف ب ل ك and their pairs, and for
phrases that start with the article ال the fused ``لل`` form ("للجيش"). A hit must start
at a word boundary; it must end at one too unless the phrase is ``open_end`` (a stem such
as a trigger verb that takes suffixes). Overlapping hits resolve longest first.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Generic, TypeVar

import ahocorasick_rs

T = TypeVar("T")

#: Proclitic sequences tried in front of every phrase (already in matching form).
CLITICS: tuple[str, ...] = ("", "و", "ف", "ب", "ل", "ك", "وب", "ول", "فب", "فل", "وك", "فك", "س", "وس", "فس")
_CLITICS_BEFORE_ARTICLE: tuple[str, ...] = ("ل", "ول", "فل")


@dataclass(frozen=True, slots=True)
class PhraseMatch(Generic[T]):
    """A phrase found in a folded text: ``[start, end)`` excludes the clitic."""

    start: int
    end: int
    phrase: str
    clitic: str
    values: tuple[T, ...]
    #: Found inside a longer match ("مصراتة" in "ميناء مصراتة"); only with ``nested=True``.
    nested: bool = False


class PhraseMatcher(Generic[T]):
    """Find lexicon phrases in folded text. Several values may share one phrase."""

    def __init__(
        self,
        entries: Iterable[tuple[str, T]],
        *,
        open_end: bool = False,
        open_phrases: Iterable[str] = (),
        clitics: bool = True,
    ):
        values: dict[str, list[T]] = {}
        for phrase, value in entries:
            if phrase:
                values.setdefault(phrase, []).append(value)
        self._values = {phrase: tuple(found) for phrase, found in values.items()}
        self._open_end = open_end
        self._open_phrases = frozenset(open_phrases)
        patterns: list[str] = []
        self._meta: list[tuple[str, str]] = []
        seen: set[str] = set()
        for phrase in self._values:
            prefixes = CLITICS if clitics else ("",)
            variants = [(clitic, clitic + phrase) for clitic in prefixes]
            if clitics and phrase.startswith("ال") and len(phrase) > 3:
                variants += [(clitic, clitic + phrase[1:]) for clitic in _CLITICS_BEFORE_ARTICLE]
            for clitic, pattern in variants:
                if pattern not in seen:
                    seen.add(pattern)
                    patterns.append(pattern)
                    self._meta.append((phrase, clitic))
        self._automaton = ahocorasick_rs.AhoCorasick(patterns) if patterns else None
        # Leftmost-longest, non-overlapping: the fast path when no nesting is asked for.
        self._leftmost = (
            ahocorasick_rs.AhoCorasick(patterns, matchkind=ahocorasick_rs.MatchKind.LeftmostLongest) if patterns else None
        )

    def __len__(self) -> int:
        return len(self._values)

    def _is_open(self, index: int) -> bool:
        return self._open_end or self._meta[index][0] in self._open_phrases

    def _find_leftmost(self, text: str) -> list[PhraseMatch[T]] | None:
        """Leftmost-longest matches, or ``None`` when one breaks a word boundary.

        A hit inside a word may hide a valid shorter one; the full search settles those.
        """
        size = len(text)
        matches: list[PhraseMatch[T]] = []
        for index, start, end in self._leftmost.find_matches_as_indexes(text):  # type: ignore[union-attr]
            if (start > 0 and text[start - 1].isalnum()) or (
                end < size and text[end].isalnum() and not self._is_open(index)
            ):
                return None
            phrase, clitic = self._meta[index]
            matches.append(PhraseMatch(start + len(clitic), end, phrase, clitic, self._values[phrase]))
        return matches

    def find(self, text: str, *, nested: bool = False) -> list[PhraseMatch[T]]:
        """Non-overlapping matches in text order, longest first where they compete.

        With ``nested``, also the longest non-overlapping matches strictly inside each
        chosen match, flagged ``nested``.
        """
        if self._automaton is None:
            return []
        if not nested:
            fast = self._find_leftmost(text)
            if fast is not None:
                return fast
        size = len(text)
        is_open = self._is_open
        candidates: list[tuple[int, int, int]] = []
        for index, start, end in self._automaton.find_matches_as_indexes(text, overlapping=True):
            if start > 0 and text[start - 1].isalnum():
                continue
            if end < size and text[end].isalnum() and not is_open(index):
                continue
            candidates.append((start, end, index))
        if not candidates:
            return []
        candidates.sort(key=lambda c: (c[0] - c[1], c[0]))
        occupied = bytearray(size)
        taken: list[tuple[int, int, int]] = []
        rest: list[tuple[int, int, int]] = []
        for candidate in candidates:
            start, end, _ = candidate
            if occupied.find(1, start, end) == -1:
                occupied[start:end] = b"\x01" * (end - start)
                taken.append(candidate)
            else:
                rest.append(candidate)
        inner: list[tuple[int, int, int]] = []
        if nested and rest:
            inside = bytearray(size)
            for candidate in rest:
                start, end, _ = candidate
                if inside.find(1, start, end) != -1:
                    continue
                if any(s <= start and end <= e and (s, e) != (start, end) for s, e, _ in taken):
                    inside[start:end] = b"\x01" * (end - start)
                    inner.append(candidate)
        matches = []
        for group, is_nested in ((taken, False), (inner, True)):
            for start, end, index in group:
                phrase, clitic = self._meta[index]
                matches.append(PhraseMatch(start + len(clitic), end, phrase, clitic, self._values[phrase], is_nested))
        matches.sort(key=lambda match: (match.start, match.nested))
        return matches
