"""A whole-word regex over a list of words that skips texts holding none of them.

A pattern such as ``(?<!\\w)[وف]?(?:قال|أكد|…)(?!\\w)`` is tried at every position of a
sentence; most sentences hold none of its words, and one Aho–Corasick pass over the
sentence for the words themselves (no boundaries, no clitics) says so first. The words
are the pattern's literal alternatives, so a text without any of them cannot match: the
results are the regex's own.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

import ahocorasick_rs


@dataclass(frozen=True)
class WordPattern:
    """``pattern``, whose every match contains one of ``words`` verbatim."""

    words: frozenset[str]
    pattern: re.Pattern[str]
    _any_word: ahocorasick_rs.AhoCorasick | None = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # an empty word is in every text: then, as without words, the regex decides alone
        usable = self.words and "" not in self.words
        object.__setattr__(self, "_any_word", ahocorasick_rs.AhoCorasick(sorted(self.words)) if usable else None)

    def _may_match(self, text: str) -> bool:
        if self._any_word is None:
            return True
        return bool(self._any_word.find_matches_as_indexes(text))

    def search(self, text: str, pos: int = 0, endpos: int | None = None) -> re.Match[str] | None:
        if not self._may_match(text):
            return None
        return self.pattern.search(text, pos) if endpos is None else self.pattern.search(text, pos, endpos)

    def finditer(self, text: str) -> Iterator[re.Match[str]]:
        if self._may_match(text):
            yield from self.pattern.finditer(text)
