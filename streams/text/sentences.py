"""Sentence and paragraph boundaries over the original text, as character offsets."""

from __future__ import annotations

import re
from collections.abc import Iterator

#: A sentence ends at . ! ? ؟ … (and any closing quotes or brackets right after them)
#: followed by white space, or at a line break; "2.5" has no space after its point.
#: Written to start with one character class (the regex engine then skips to the next
#: candidate character instead of trying every position): the same matches as
#: ``[.!?؟…]+["”’»)\]]*(?=\s)|\n``.
_END_RE = re.compile(r"[.!?؟…\n](?:(?<=\n)|(?<=[.!?؟…])[.!?؟…]*[\"”’»)\]]*(?=\s))")
_SPACE = " \t\r\n\u00a0\u200f\u200e"


def split_sentences(text: str, start: int = 0, end: int | None = None) -> Iterator[tuple[int, int]]:
    """Yield ``(start, end)`` of each sentence of ``text[start:end]``, trimmed of spaces."""
    stop = len(text) if end is None else end
    cursor = start
    for match in _END_RE.finditer(text, start, stop):
        yield from _trimmed(text, cursor, match.end())
        cursor = match.end()
    yield from _trimmed(text, cursor, stop)


def _trimmed(text: str, start: int, end: int) -> Iterator[tuple[int, int]]:
    while start < end and text[start] in _SPACE:
        start += 1
    while end > start and text[end - 1] in _SPACE:
        end -= 1
    if end > start:
        yield start, end


_TERMINAL = ".!?؟…:،,;؛"


def reads_as_heading(line: str, max_words: int = 16) -> bool:
    """A short line without closing punctuation reads as a headline or subheading."""
    stripped = line.strip()
    if not stripped or len(stripped.split()) > max_words:
        return False
    last = stripped[-1]
    if last in "؟?":
        return True
    return last not in _TERMINAL
