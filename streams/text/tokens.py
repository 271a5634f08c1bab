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
_LAST_WORD_RE = re.compile(r"(\w+)\W*$")


def word_before(text: str, position: int, window: int = 30) -> str:
    """The last word ending before ``position`` (punctuation between is skipped), or ""."""
    match = _LAST_WORD_RE.search(text, max(0, position - window), position)
    return match.group(1) if match else ""


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
