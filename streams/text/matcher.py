"""A multi-pattern phrase matcher over the matching form, built once, clitic-aware.

All phrases go into one Aho–Corasick automaton (``ahocorasick_rs``); a phrase that starts
with the article ال also goes in without its alef, for the fused form after ل ("للجيش").
A hit must start a word, or follow one of the proclitics Arabic attaches in front of a
word (و ف ب ل ك س and their pairs) that starts it; it must end a word too unless the
phrase is open-ended (a stem such as a trigger that takes suffixes). Overlapping hits
resolve longest first. Checking clitics at the hit, rather than adding every clitic
form to the automaton, keeps it small and its hits few. The lexicons that read the same
sentences take their raw hits from one pass instead (``streams.text.scan``).
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable
from operator import itemgetter
from typing import Generic, NamedTuple, Protocol, TypeVar

import ahocorasick_rs

T = TypeVar("T")

#: Proclitic sequences a word may carry in front (already in matching form).
CLITICS: frozenset[str] = frozenset(("", "و", "ف", "ب", "ل", "ك", "وب", "ول", "فب", "فل", "وك", "فك", "س", "وس", "فس"))
#: Before an article whose alef fused away ("للجيش"): the ل and what may precede it.
_CLITICS_BEFORE_ARTICLE: frozenset[str] = frozenset(("ل", "ول", "فل"))
#: Sort key of matches: by start, the outer match before one nested at the same start.
_BY_START_OUTER_FIRST = itemgetter(0, 5)
#: What :meth:`PhraseMatcher.find_in_all` joins texts with: no letter, so a hit next to it
#: starts or ends a word, and no phrase (trimmed, spaces inside) can cross it.
_TEXT_BREAK = "\n"


class PhraseMatch(NamedTuple, Generic[T]):
    """A phrase found in a folded text: ``[start, end)`` excludes the clitic.

    perf: a named tuple, built several times per sentence per lexicon (a frozen
    dataclass costs three times as much to build).
    """

    start: int
    end: int
    phrase: str
    clitic: str
    values: tuple[T, ...]
    #: Found inside a longer match ("مصراتة" in "ميناء مصراتة"); only with ``nested=True``.
    nested: bool = False


#: A raw automaton hit: (pattern index, start, end), overlapping hits included.
RawHit = tuple[int, int, int]


class HitSource(Protocol):
    """Where a matcher takes its raw hits from instead of its own automaton (a shared scan)."""

    def hits(self, slot: int, text: str) -> list[RawHit]: ...


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
        self._open_phrases = frozenset(open_phrases)
        self._clitics = clitics
        patterns: list[str] = []
        self._meta: list[tuple[str, bool]] = []  # (phrase, written without the alef of its article)
        for phrase in self._values:
            patterns.append(phrase)
            self._meta.append((phrase, False))
            if clitics and phrase.startswith("ال") and len(phrase) > 3 and phrase[1:] not in self._values:
                patterns.append(phrase[1:])
                self._meta.append((phrase, True))
        # Per pattern index, looked up on every hit: its phrase and values, whether it was
        # written without its article's alef, whether it may end inside a word.
        self._phrases = [phrase for phrase, _ in self._meta]
        self._hit_values = [self._values[phrase] for phrase in self._phrases]
        self._fused = [fused for _, fused in self._meta]
        self._open = [open_end or phrase in self._open_phrases for phrase in self._phrases]
        #: What the automaton is built from, in pattern-index order (a shared scan joins them).
        self.patterns: tuple[str, ...] = tuple(patterns)
        # perf: the matcher's own automaton is built when it first scans on its own; a
        # matcher whose hits come from a shared scan (every stage's lexicon) never builds it
        self._automaton: ahocorasick_rs.AhoCorasick | None = None
        # Set by streams.text.scan.SharedScan: the raw hits come from one pass for several matchers.
        self._source: HitSource | None = None
        self._slot = -1

    def __len__(self) -> int:
        return len(self._values)

    def share(self, source: HitSource | None, slot: int) -> None:
        """Take raw hits from ``source`` (``slot`` names this matcher there) from now on;
        ``None``: from this matcher's own automaton again."""
        self._source = source
        self._slot = slot

    def _clitic(self, text: str, start: int, index: int) -> str | None:
        """The proclitics between the start of the word and the hit, or None if not allowed.

        No allowed clitic sequence is longer than two letters, so three letters before
        the hit mean it is inside a word.
        """
        if start == 0 or not text[start - 1].isalnum():
            return None if self._fused[index] else ""
        word_start = start - 1
        if word_start > 0 and text[word_start - 1].isalnum():
            word_start -= 1
            if word_start > 0 and text[word_start - 1].isalnum():
                return None
        clitic = text[word_start:start]
        if self._fused[index]:
            return clitic if clitic in _CLITICS_BEFORE_ARTICLE else None
        return clitic if self._clitics and clitic in CLITICS else None

    def find_in_all(self, texts: Iterable[str]) -> list[PhraseMatch[T]]:
        """The matches of every text, for a caller that only counts them (offsets are not
        comparable across texts).

        perf: with a shared scan, a lookup per text (the pass over it is shared with the
        other lexicons); otherwise one scan of the texts' join instead of one per text.
        """
        if self._source is not None:
            return [match for text in texts for match in self.find(text)]
        return self.find(_TEXT_BREAK.join(texts))

    def find(self, text: str, *, nested: bool = False) -> list[PhraseMatch[T]]:
        """Non-overlapping matches in text order, longest first where they compete.

        With ``nested``, also the longest non-overlapping matches strictly inside each
        chosen match, flagged ``nested``.
        """
        if not self.patterns:
            return []
        if self._source is not None:
            return self._resolve(text, self._source.hits(self._slot, text), nested)
        if self._automaton is None:
            self._automaton = ahocorasick_rs.AhoCorasick(list(self.patterns))
        return self._resolve(text, self._automaton.find_matches_as_indexes(text, overlapping=True), nested)

    def _resolve(self, text: str, hits: Iterable[RawHit], nested: bool) -> list[PhraseMatch[T]]:
        """The matches :meth:`find` returns, chosen among every raw (overlapping) hit."""
        size = len(text)
        is_open, fused, clitic_of = self._open, self._fused, self._clitic
        # (-length, start of the word with its clitics, hit order, end, pattern index, clitics):
        # sorted as tuples, longest first, then leftmost, then in the automaton's order.
        candidates: list[tuple[int, int, int, int, int, str]] = []
        # perf: hits come in order of their ends; while each begins after the last one ended,
        # none competes and none nests, and the candidates are already the answer
        disjoint = True
        last_end = 0
        for index, start, end in hits:
            if end < size and not is_open[index] and text[end].isalnum():
                continue
            if start == 0 or not text[start - 1].isalnum():  # the usual case: the hit starts a word
                if not fused[index]:
                    disjoint = disjoint and start >= last_end
                    last_end = end
                    candidates.append((start - end, start, len(candidates), end, index, ""))
                continue
            clitic = clitic_of(text, start, index)
            if clitic is not None:
                begin = start - len(clitic)
                disjoint = disjoint and begin >= last_end
                last_end = end
                candidates.append((begin - end, begin, len(candidates), end, index, clitic))
        if not candidates:
            return []
        phrases, values = self._phrases, self._hit_values
        if disjoint:
            return [
                PhraseMatch(begin + len(clitic), end, phrases[index], clitic, values[index])
                for _, begin, _, end, index, clitic in candidates
            ]
        candidates.sort()
        occupied = bytearray(size)
        taken: list[tuple[int, int, int, int, int, str]] = []
        rest: list[tuple[int, int, int, int, int, str]] = []
        for candidate in candidates:
            start, end = candidate[1], candidate[3]
            if occupied.find(1, start, end) == -1:
                occupied[start:end] = b"\x01" * (end - start)
                taken.append(candidate)
            else:
                rest.append(candidate)
        inner: list[tuple[int, int, int, int, int, str]] = []
        if nested and rest:
            inside = bytearray(size)
            # taken matches do not overlap: the one that may hold a span starts last at or before it
            spans = sorted((c[1], c[3]) for c in taken)
            span_starts = [s for s, _ in spans]
            for candidate in rest:
                start, end = candidate[1], candidate[3]
                if inside.find(1, start, end) != -1:
                    continue
                holder = bisect_right(span_starts, start) - 1
                if holder >= 0 and end <= spans[holder][1] and spans[holder] != (start, end):
                    inside[start:end] = b"\x01" * (end - start)
                    inner.append(candidate)
        matches = []
        for group, is_nested in ((taken, False), (inner, True)):
            for _, start, _, end, index, clitic in group:
                matches.append(PhraseMatch(start + len(clitic), end, phrases[index], clitic, values[index], is_nested))
        matches.sort(key=_BY_START_OUTER_FIRST)
        return matches
