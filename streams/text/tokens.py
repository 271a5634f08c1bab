"""Tokens of a sentence with offsets into the original text, derived from the record.

The normalised record carries each sentence's matching form and its shifts, so tokens
need no second tokenisation pass over the original: they are the words of the matching
form, mapped back.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from models import Sentence
from streams.text.matchform import span_to_original

_TOKEN_RE = re.compile(r"\w+|[^\w\s]")


def word_before(text: str, position: int, window: int = 30) -> str:
    """The last word ending before ``position`` (punctuation between is skipped), or "".

    Only the ``window`` characters before ``position`` are looked at (a word cut by the
    window's start comes out cut). A backward scan over the few characters it needs: a
    regex over the window would try every start in it. ``\\w`` in Python's ``re`` is
    ``str.isalnum()`` or ``_``.
    """
    end = min(position, len(text))
    low = max(0, position - window)
    while end > low and not (text[end - 1].isalnum() or text[end - 1] == "_"):
        end -= 1
    start = end
    while start > low and (text[start - 1].isalnum() or text[start - 1] == "_"):
        start -= 1
    return text[start:end]


def char_positions(text: str, char: str) -> list[int]:
    """Every index of ``char`` in ``text`` (``str.find`` in C, not a loop over the characters)."""
    found: list[int] = []
    index = text.find(char)
    while index != -1:
        found.append(index)
        index = text.find(char, index + 1)
    return found


@dataclass(frozen=True, slots=True)
class Token:
    norm: str  # the token in matching form
    start: int  # offsets into the article text
    end: int


def sentence_tokens(sentence: Sentence) -> Iterator[Token]:
    """Words and punctuation marks of a sentence, each with its original offsets."""
    for match in _TOKEN_RE.finditer(sentence.norm):
        start, end = span_to_original(sentence.shifts, match.start(), match.end())
        yield Token(match.group(), sentence.start + start, sentence.start + end)
