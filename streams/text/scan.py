"""One automaton pass over a text for every lexicon that reads it, the hits shared.

The stages read the same sentences with several lexicons (actors, event triggers and
their modality cues, stance cues, voice and topic cues). Scanned one lexicon at a time,
each sentence is walked once per lexicon; a :class:`SharedScan` walks it once, with one
automaton of every pattern of the matchers it serves, and hands each matcher its own raw
hits, which the matcher resolves (clitics, word ends, longest first) as it always does.

A matcher joins the automaton the first time it is asked for hits, so a worker that runs
one stage scans with that stage's lexicons only, and a process that runs every stage (the
offline path, the one-process worker) scans each sentence once. The hits of the last few
texts are kept, so the stages that follow one another in a process share them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import ahocorasick_rs

from streams.text.matcher import PhraseMatcher, RawHit

#: Texts whose hits are kept: more than one article's sentences.
DEFAULT_KEPT_TEXTS = 256


class SharedScan:
    """Raw hits of several phrase matchers, found in one pass per text."""

    def __init__(self, matchers: Sequence[PhraseMatcher[Any]], kept_texts: int = DEFAULT_KEPT_TEXTS):
        if kept_texts < 1:
            raise ValueError("a shared scan keeps the hits of at least one text")
        self._matchers = tuple(matchers)
        self._kept = kept_texts
        self._active = [False] * len(self._matchers)
        self._automaton: ahocorasick_rs.AhoCorasick | None = None
        #: Per pattern of the automaton: the (slot, pattern index) of every matcher that has it.
        self._owners: list[tuple[tuple[int, int], ...]] = []
        self._hits: dict[str, list[list[RawHit]]] = {}
        for slot, matcher in enumerate(self._matchers):
            matcher.share(self, slot)

    def detach(self) -> None:
        """Let every matcher scan on its own again (what the shared pass is compared with)."""
        for matcher in self._matchers:
            matcher.share(None, -1)
        self._hits.clear()

    @property
    def kept(self) -> int:
        """How many texts' hits are kept now (at most ``kept_texts``)."""
        return len(self._hits)

    @property
    def active(self) -> tuple[int, ...]:
        """The slots of the matchers the automaton holds (those asked for hits so far)."""
        return tuple(slot for slot, active in enumerate(self._active) if active)

    def _join(self, slot: int) -> None:
        """Rebuild the automaton with the patterns of one more matcher (once per matcher)."""
        self._active[slot] = True
        owners: dict[str, list[tuple[int, int]]] = {}
        for active in self.active:
            for index, pattern in enumerate(self._matchers[active].patterns):
                owners.setdefault(pattern, []).append((active, index))
        self._automaton = ahocorasick_rs.AhoCorasick(list(owners)) if owners else None
        self._owners = [tuple(found) for found in owners.values()]
        self._hits.clear()

    def hits(self, slot: int, text: str) -> list[RawHit]:
        """The raw, overlapping hits of matcher ``slot``'s patterns in ``text``."""
        if not self._active[slot]:
            self._join(slot)
        found = self._hits.get(text)
        if found is None:
            found = [[] for _ in self._matchers]
            if self._automaton is not None:
                owners = self._owners
                for pattern, start, end in self._automaton.find_matches_as_indexes(text, overlapping=True):
                    for owner, index in owners[pattern]:
                        found[owner].append((index, start, end))
            if len(self._hits) >= self._kept:
                del self._hits[next(iter(self._hits))]  # the oldest text
            self._hits[text] = found
        return found[slot]
