"""Entity mentions located in their sentences, in the sentences' folded offsets.

The events and stance stages reason within a sentence on its matching form; this places
each mention of the entities stage there once, the same way for both.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterator
from typing import NamedTuple

from models import EntitiesArticle, Entity, Mention
from streams.text.matchform import to_folded


class PlacedMention(NamedTuple):
    """perf: a named tuple (several per sentence; a frozen dataclass costs three times as much)."""

    entity: Entity
    mention: Mention
    sentence: int  # index into article.sentences
    start: int  # folded offsets within that sentence
    end: int


def placed_mentions(article: EntitiesArticle) -> Iterator[PlacedMention]:
    """Every mention that lies inside one sentence, with its folded span there."""
    starts = [sentence.start for sentence in article.sentences]
    for entity in article.entities:
        for mention in entity.mentions:
            number = bisect_right(starts, mention.start) - 1
            if number < 0:
                continue
            sentence = article.sentences[number]
            if mention.end > sentence.end:
                continue
            start, end = to_folded(sentence.shifts, mention.start - sentence.start, mention.end - sentence.start)
            yield PlacedMention(entity, mention, number, start, end)
