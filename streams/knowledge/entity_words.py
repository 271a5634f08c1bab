"""The entities stage's word lists (``entities.yaml``): validated and folded once."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from pydantic import BaseModel, ConfigDict

from streams.text.matchform import fold_phrase
from streams.text.wordpattern import WordPattern


class _EntityWordsSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kinship: list[str]
    father_words: list[str]
    forces_words: list[str]
    forces_of: dict[str, str]
    locatives: list[str]
    locative_clitics: list[str]
    titles: list[str]
    descriptions: list[str]
    stop: list[str]
    outlet_words: list[str] = []
    label_line_words: list[str] = []
    rank_words: list[str] = []
    deputy_words: list[str] = []
    family_window: int = 1
    latin_stop: list[str]


class _PersonNamesSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")
    given: list[str]
    ambiguous_given: list[str]
    compound_markers: list[str]
    surname_suffixes: list[str]


#: Clitics a given name may carry and still start a name ("وخالد").
NAME_PROCLITICS = ("و", "ف")


def _folded(words: list[str]) -> frozenset[str]:
    return frozenset(folded for folded in map(fold_phrase, words) if folded)


def _with_proclitics(words: list[str]) -> WordPattern:
    """Whole words, also after و/ف and ل; group 1 of a match is the word without them."""
    folded = _folded(words)
    pattern = re.compile(r"(?<!\w)(?:[وف]?ل?)(" + "|".join(map(re.escape, sorted(folded))) + r")(?!\w)")
    return WordPattern(folded, pattern)


def _whole_words(phrases: frozenset[str]) -> re.Pattern[str]:
    return re.compile(r"(?<!\w)(?:" + "|".join(sorted(map(re.escape, phrases), key=len, reverse=True)) + r")(?!\w)")


@dataclass(frozen=True)
class EntityWords:
    """Folded word sets, plus the title pattern the unlinked-name finder scans with."""

    kinship: frozenset[str]
    #: "His father" words, as a pattern that also takes the proclitics و ف ل.
    father_re: WordPattern
    #: "His forces" words (with proclitics), and the group a family's forces are.
    forces_re: WordPattern
    forces_of: dict[str, str]
    locatives: frozenset[str]
    locative_clitics: frozenset[str]
    titles: frozenset[str]
    descriptions: frozenset[str]
    stop: frozenset[str]
    #: Given names that start a person's name (``person_names.yaml``), and those that are
    #: also common words.
    given: frozenset[str]
    ambiguous_given: frozenset[str]
    compound_markers: frozenset[str]
    surname_suffixes: tuple[str, ...]
    #: Latin-script words that are no names (share buttons, months), case-folded.
    latin_stop: frozenset[str]
    #: Kinds of outlet ("صحيفة", "قناة") before a quoted outlet name.
    outlet_words: frozenset[str]
    #: Words a byline or dateline line may hold besides names ("ووكالات").
    label_line_words: frozenset[str]
    #: Ranks after a military title ("أول", "ركن"), and words making a role a deputy's.
    rank_words: frozenset[str]
    deputy_words: frozenset[str]
    #: How many sentences back a full name still settles a bare family name.
    family_window: int
    #: Any title as a whole word.
    title_re: re.Pattern[str]

    @cached_property
    def title_first_words(self) -> frozenset[str] | None:
        """The first words of the titles, when every title is words of letters split by
        single spaces: then a sentence none of whose ``\\w+`` tokens is one of them holds
        no title (perf: a set test before the regex). None: the regex always runs."""
        if not all(re.fullmatch(r"\w+(?: \w+)*", title) for title in self.titles):
            return None
        return frozenset(title.split(" ", 1)[0] for title in self.titles)

    def may_hold_title(self, tokens: list[str]) -> bool:
        """False only for a sentence (its ``\\w+`` tokens) in which ``title_re`` finds nothing."""
        first_words = self.title_first_words
        return first_words is None or not first_words.isdisjoint(tokens)

    @cached_property
    def name_starters(self) -> frozenset[str]:
        """Words that may start a person's name: a given name, bare or after و/ف, that is
        no stop word (perf: one set lookup per token instead of four)."""
        given = self.given | {clitic + name for clitic in NAME_PROCLITICS for name in self.given}
        return frozenset((given | self.ambiguous_given) - self.stop)

    @cached_property
    def name_blockers(self) -> frozenset[str]:
        """Words no name holds: stop words, titles, kinship words, locatives."""
        return self.stop | self.titles | self.kinship | self.locatives

    @classmethod
    def from_data(cls, data: dict[str, Any], person_names: dict[str, Any]) -> EntityWords:
        spec = _EntityWordsSpec.model_validate(data)
        names = _PersonNamesSpec.model_validate(person_names)
        titles = _folded(spec.titles)
        descriptions = _folded(spec.descriptions)
        return cls(
            kinship=_folded(spec.kinship),
            forces_re=_with_proclitics(spec.forces_words),
            forces_of={fold_phrase(family): canonical for family, canonical in spec.forces_of.items()},
            father_re=_with_proclitics(spec.father_words),
            locatives=_folded(spec.locatives),
            locative_clitics=_folded(spec.locative_clitics),
            titles=titles,
            descriptions=descriptions,
            stop=_folded(spec.stop),
            given=_folded(names.given),
            ambiguous_given=_folded(names.ambiguous_given),
            compound_markers=_folded(names.compound_markers),
            surname_suffixes=tuple(sorted(_folded(names.surname_suffixes))),
            latin_stop=frozenset(word.casefold() for word in spec.latin_stop),
            outlet_words=_folded(spec.outlet_words),
            label_line_words=_folded(spec.label_line_words),
            rank_words=_folded(spec.rank_words),
            deputy_words=_folded(spec.deputy_words),
            family_window=spec.family_window,
            title_re=_whole_words(titles),
        )
