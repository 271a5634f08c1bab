"""The voice of the copy (``voice.yaml``): cues that tell east-aligned writing from writing
on the Tripoli side, and the names each voice uses for a different side."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from streams.text.matcher import PhraseMatcher
from streams.text.matchform import fold_phrase

Voice = Literal["east", "gna"]


class _VoicedNameSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")
    phrases: list[str]
    east: str | None
    gna: str | None
    neutral: str | None
    requires: list[str] = []


class _VoiceSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")
    cues: dict[Voice, list[str]]
    names: list[_VoicedNameSpec]


@dataclass(frozen=True, slots=True)
class VoicedName:
    """An ambiguous name's referent (canonical names) by voice."""

    east: str | None
    gna: str | None
    neutral: str | None
    #: Folded phrases of which the article must contain one for any reading to hold.
    requires: tuple[str, ...] = ()

    def canonical(self, voice: Voice | None) -> str | None:
        return self.neutral if voice is None else getattr(self, voice)


@dataclass(frozen=True)
class VoiceLexicon:
    cues: PhraseMatcher[Voice]
    #: (folded phrase, its readings) for the actor index's matcher.
    names: tuple[tuple[str, VoicedName], ...]

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> VoiceLexicon:
        spec = _VoiceSpec.model_validate(data)
        cues = [(fold_phrase(cue), voice) for voice, phrases in spec.cues.items() for cue in phrases]
        names = tuple(
            (fold_phrase(phrase), VoicedName(name.east, name.gna, name.neutral, tuple(map(fold_phrase, name.requires))))
            for name in spec.names
            for phrase in name.phrases
        )
        return cls(cues=PhraseMatcher(cues), names=names)

    def voice(self, sentences: Iterable[str]) -> Voice | None:
        """The voice whose cues outnumber the other's in the article, if one does."""
        counts = {"east": 0, "gna": 0}
        for match in self.cues.find_in_all(sentences):
            for voice in set(match.values):
                counts[voice] += 1
        if counts["east"] == counts["gna"]:
            return None
        return "east" if counts["east"] > counts["gna"] else "gna"
