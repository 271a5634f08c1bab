"""The actor knowledge base: validated entries and the alias index the entity stage matches."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, field_validator

from models.annotations import Camp, EntityType
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


@dataclass(frozen=True, slots=True)
class Alias:
    actor: int  # index into ActorIndex.actors
    kind: AliasKind


class ActorIndex:
    """Actors with their aliases in one phrase matcher."""

    def __init__(self, actors: list[Actor]):
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
            ):
                for form in forms:
                    folded = fold_phrase(form)
                    if folded:
                        entries.append((folded, Alias(index, kind)))
        self.matcher: PhraseMatcher[Alias] = PhraseMatcher(entries)

    def __len__(self) -> int:
        return len(self.actors)
