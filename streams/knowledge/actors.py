"""The actor knowledge base: validated entries and the alias index the entity stage matches."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, field_validator

from models.annotations import Camp, EntityType

from streams.knowledge.topics import TopicalName
from streams.knowledge.voice import VoicedName
from streams.text.matcher import PhraseMatcher
from streams.text.matchform import fold_phrase


class Actor(BaseModel):
    """One knowledge-base entry (see ``actors/*.yaml`` for the field guide)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    canonical: str
    type: EntityType
    camp: Camp | None = None
    country: str | None = None
    code: str | None = None
    also: list[str] = Field(default_factory=list)
    names: list[str] = Field(default_factory=list)
    short: list[str] = Field(default_factory=list)
    given: list[str] = Field(default_factory=list)
    roles: list[str] = Field(default_factory=list)
    demonyms: list[str] = Field(default_factory=list)
    metonyms: list[str] = Field(default_factory=list)
    #: Place names that are also common words ("البيضاء"): a place only after a locative
    #: or in a list of places.
    contextual: list[str] = Field(default_factory=list)
    #: Among actors sharing a family name, the one a bare mention means by default.
    prefer: bool = False
    #: A place's coordinates (WGS84 degrees), from the gazetteer's sources.
    lat: float | None = Field(default=None, ge=-90, le=90)
    lon: float | None = Field(default=None, ge=-180, le=180)

    @field_validator("canonical")
    @classmethod
    def _ascii(cls, value: str) -> str:
        if not value.isascii() or not value.strip():
            raise ValueError(f"canonical name must be non-empty ASCII: {value!r}")
        return value


class AliasKind(StrEnum):
    NAME = "name"  # a full name: links on its own
    SHORT = "short"  # a family name: resolved among the actors who share it
    GIVEN = "given"  # a given name: links only with the actor in context
    ROLE = "role"  # a role phrase: its current holder, unless a name follows
    DEMONYM = "demonym"  # "التركي": the country
    METONYM = "metonym"  # a capital standing for its country ("أنقرة تسعى")
    CONTEXTUAL = "contextual"  # a place name that is also a word: only where a place is expected
    VOICED = "voiced"  # a name whose referent depends on the voice of the copy ("الجيش الليبي")
    TOPICAL = "topical"  # a generic name the article's subject settles ("مذكرة التفاهم")


@dataclass(frozen=True, slots=True)
class Alias:
    actor: int  # index into ActorIndex.actors (for VOICED: the first reading that names one)
    kind: AliasKind
    #: VOICED: the actor in east-aligned copy, in copy from the Tripoli side, in neither;
    #: TOPICAL: the actor for each topic of ``topics.yaml``.
    voiced: tuple[int | None, ...] | None = None
    #: VOICED: folded phrases of which the article must contain one; TOPICAL: all of them.
    requires: tuple[str, ...] = ()


class ActorIndex:
    """Actors with their aliases in one phrase matcher."""

    def __init__(
        self,
        actors: list[Actor],
        voiced: Iterable[tuple[str, VoicedName]] = (),
        topical: Iterable[tuple[str, TopicalName]] = (),
    ):
        seen: dict[str, int] = {}
        for index, actor in enumerate(actors):
            if actor.canonical in seen:
                raise ValueError(f"duplicate canonical name in the knowledge base: {actor.canonical!r}")
            seen[actor.canonical] = index
        self.actors = actors
        self.by_canonical = seen
        entries: list[tuple[str, Alias]] = []
        for index, actor in enumerate(actors):
            for kind, forms in (
                (AliasKind.NAME, actor.names),
                (AliasKind.SHORT, actor.short),
                (AliasKind.GIVEN, actor.given),
                (AliasKind.ROLE, actor.roles),
                (AliasKind.DEMONYM, actor.demonyms),
                (AliasKind.METONYM, actor.metonyms),
                (AliasKind.CONTEXTUAL, actor.contextual),
            ):
                for form in forms:
                    folded = fold_phrase(form)
                    if folded:
                        entries.append((folded, Alias(index, kind)))
        for folded, name in voiced:
            readings = tuple(self._index(canonical) for canonical in (name.east, name.gna, name.neutral))
            first = next((reading for reading in readings if reading is not None), None)
            if first is None:
                raise ValueError(f"voiced name {folded!r} names no actor in any voice")
            entries.append((folded, Alias(first, AliasKind.VOICED, readings, name.requires)))
        for folded, topical_name in topical:
            readings = tuple(self._index(canonical) for canonical in topical_name.readings)
            first = next((reading for reading in readings if reading is not None), None)
            if first is None:
                raise ValueError(f"topical name {folded!r} names no actor for any topic")
            entries.append((folded, Alias(first, AliasKind.TOPICAL, readings, topical_name.requires_all)))
        self.matcher: PhraseMatcher[Alias] = PhraseMatcher(entries)

    def _index(self, canonical: str | None) -> int | None:
        if canonical is None:
            return None
        if canonical not in self.by_canonical:
            raise ValueError(f"unknown actor in voice.yaml or topics.yaml: {canonical!r}")
        return self.by_canonical[canonical]

    def __len__(self) -> int:
        return len(self.actors)


#: Alias lists an ``extends`` entry may add to the actor it extends.
_EXTENSIBLE = ("also", "names", "demonyms", "metonyms", "contextual")


def merge_extensions(entries: list[dict[str, object]]) -> list[dict[str, object]]:
    """Fold ``extends: true`` entries (generated files) into the entries they name.

    A generated file adds coordinates and aliases to a curated actor without repeating
    it; the curated entry stays the one definition of the actor.
    """
    base: dict[object, dict[str, object]] = {}
    plain: list[dict[str, object]] = []
    extensions: list[dict[str, object]] = []
    for entry in entries:
        (extensions if entry.get("extends") else plain).append(entry)
    for entry in plain:
        base.setdefault(entry.get("canonical"), entry)
    for extension in extensions:
        target = base.get(extension.get("canonical"))
        if target is None:
            raise ValueError(f"extends an unknown actor: {extension.get('canonical')!r}")
        unknown = set(extension) - {"canonical", "extends", "lat", "lon", *_EXTENSIBLE}
        if unknown:
            raise ValueError(f"{extension['canonical']!r}: an extension may not set {sorted(unknown)}")
        for key in _EXTENSIBLE:
            if extension.get(key):
                target[key] = [*(target.get(key) or []), *extension[key]]  # type: ignore[misc]
        for key in ("lat", "lon"):
            if extension.get(key) is not None and target.get(key) is None:
                target[key] = extension[key]
    return plain
