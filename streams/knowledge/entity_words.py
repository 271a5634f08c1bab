"""The entities stage's word lists (``entities.yaml``): validated and folded once."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict

from streams.text.matchform import fold_phrase


class _EntityWordsSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kinship: list[str]
    locatives: list[str]
    locative_clitics: list[str]
    titles: list[str]
    stop: list[str]


def _folded(words: list[str]) -> frozenset[str]:
    return frozenset(folded for folded in map(fold_phrase, words) if folded)


@dataclass(frozen=True)
class EntityWords:
    """Folded word sets, plus the title pattern the unlinked-name finder scans with."""

    kinship: frozenset[str]
    locatives: frozenset[str]
    locative_clitics: frozenset[str]
    titles: frozenset[str]
    stop: frozenset[str]
    #: Any title as a whole word.
    title_re: re.Pattern[str]

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> EntityWords:
        spec = _EntityWordsSpec.model_validate(data)
        titles = _folded(spec.titles)
        return cls(
            kinship=_folded(spec.kinship),
            locatives=_folded(spec.locatives),
            locative_clitics=_folded(spec.locative_clitics),
            titles=titles,
            stop=_folded(spec.stop),
            title_re=re.compile(r"(?<!\w)(?:" + "|".join(sorted(map(re.escape, titles), key=len, reverse=True)) + r")(?!\w)"),
        )
