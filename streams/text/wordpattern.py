"""A whole-word regex over a list of words that skips texts holding none of them.

A pattern such as ``(?<!\\w)[وف]?(?:قال|أكد|…)(?!\\w)`` is tried at every position of a
sentence; most sentences hold none of its words, and ``word in text`` (a fast substring
search) says so first. The words are the pattern's literal alternatives, so a text
without any of them cannot match: the results are the regex's own.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass


@dataclass(frozen=True)
class WordPattern:
    """``pattern``, whose every match contains one of ``words`` verbatim."""

    words: frozenset[str]
    pattern: re.Pattern[str]

    def _may_match(self, text: str) -> bool:
        return any(word in text for word in self.words)

    def search(self, text: str, pos: int = 0, endpos: int | None = None) -> re.Match[str] | None:
        if not self._may_match(text):
            return None
        return self.pattern.search(text, pos) if endpos is None else self.pattern.search(text, pos, endpos)

    def finditer(self, text: str) -> Iterator[re.Match[str]]:
        if self._may_match(text):
            yield from self.pattern.finditer(text)
