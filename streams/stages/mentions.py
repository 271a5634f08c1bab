"""Entity mentions located in their sentences, in the sentences' folded offsets.

The events and stance stages reason within a sentence on its matching form; this places
each mention of the entities stage there once, the same way for both. Where both stages run
one after the other in one process over the same article (``process_article``: ``marsad
process``, ``evaluate``, the bench's in-process chain), the records they get share the
entities and sentences lists, and the placement made for the events stage is handed to the
stance stage as it is. Workers read each record from its topic, so each places its own.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterator
from typing import NamedTuple

from models import EntitiesArticle, Entity, Mention, Sentence
from streams.text.matchform import to_folded


class PlacedMention(NamedTuple):
    """perf: a named tuple (several per sentence; a frozen dataclass costs three times as much)."""

    entity: Entity
    mention: Mention
    sentence: int  # index into article.sentences
    start: int  # folded offsets within that sentence
    end: int


class _LastPlacement:
    """The last article's placement, told by the identity of its lists.

    One slot is enough: the stages of one process take an article one after the other.
    It holds the lists themselves, so their ids cannot be reused while it does.
    """

    entities: list[Entity] | None = None
    sentences: list[Sentence] | None = None
    placed: tuple[PlacedMention, ...] = ()


_last = _LastPlacement()


def placed_mentions(article: EntitiesArticle) -> tuple[PlacedMention, ...]:
    """Every mention that lies inside one sentence, with its folded span there, in entity order."""
    if article.entities is _last.entities and article.sentences is _last.sentences:
        return _last.placed
    placed = tuple(_place(article))
    _last.entities, _last.sentences, _last.placed = article.entities, article.sentences, placed
    return placed


def _place(article: EntitiesArticle) -> Iterator[PlacedMention]:
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
