"""Event-trigger and stance-cue lexicons: validated from YAML, folded, indexed once."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from models.annotations import EventType, Modality
from streams.text.matcher import PhraseMatcher
from streams.text.matchform import fold_phrase

# --------------------------------------------------------------------------- triggers


class _PloverSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")
    event: str
    mode: str | None = None
    context: list[str] = Field(default_factory=list)


class _TriggerSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")
    phrase: str
    host: bool = False
    requires: list[str] = Field(default_factory=list)
    cameo: str | None = None
    mode: str | None = None
    negative: bool = False


class _TypeSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")
    cameo: str
    plover: _PloverSpec
    suppresses: list[EventType] = Field(default_factory=list)
    triggers: list[_TriggerSpec | str]


@dataclass(frozen=True, slots=True)
class Trigger:
    """One trigger phrase and what it codes."""

    type: EventType
    phrase: str
    cameo: str
    plover_event: str
    plover_mode: str | None
    context: tuple[str, ...]
    host: bool = False
    negative: bool = False
    requires: tuple[str, ...] = ()


@dataclass(frozen=True, eq=False)  # hashed by identity: built once, used as a cache key
class TriggerLexicon:
    """Triggers in a phrase matcher, plus the modality, time and locative cues."""

    matcher: PhraseMatcher[Trigger]
    suppresses: dict[EventType, frozenset[EventType]]
    modality: PhraseMatcher[Modality]
    time_re: re.Pattern[str]
    locatives: frozenset[str]
    historical_cues: frozenset[str] = field(default_factory=frozenset)

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> TriggerLexicon:
        entries: list[tuple[str, Trigger]] = []
        open_phrases: set[str] = set()
        suppresses: dict[EventType, frozenset[EventType]] = {}
        for type_name, raw_spec in data["types"].items():
            event_type = EventType(type_name)
            spec = _TypeSpec.model_validate(raw_spec)
            suppresses[event_type] = frozenset(spec.suppresses)
            for raw_trigger in spec.triggers:
                trigger = raw_trigger if isinstance(raw_trigger, _TriggerSpec) else _TriggerSpec(phrase=raw_trigger)
                text = trigger.phrase
                is_open = text.endswith("*")
                stem = text.rstrip("*")
                phrase = fold_phrase(stem)
                phrases = [phrase]
                if is_open:
                    open_phrases.add(phrase)
                    if stem.endswith("ة"):  # زيارة* also matches زيارته، زيارتها، زيارات
                        phrases.append(phrase[:-1] + "ت")
                        open_phrases.add(phrases[-1])
                coded = Trigger(
                    type=event_type,
                    phrase=phrase,
                    cameo=trigger.cameo or spec.cameo,
                    plover_event="REJECT" if trigger.negative else spec.plover.event,
                    plover_mode=trigger.mode or spec.plover.mode,
                    context=tuple(spec.plover.context),
                    host=trigger.host,
                    negative=trigger.negative,
                    requires=tuple(fold_phrase(word) for word in trigger.requires),
                )
                entries += [(variant, coded) for variant in phrases]
        modality_entries = [
            (fold_phrase(cue), Modality(name)) for name, cues in data["modality"].items() for cue in cues
        ]
        time = data["time"]
        alternatives = lambda words: "|".join(sorted((re.escape(fold_phrase(w)) for w in words), key=len, reverse=True))  # noqa: E731
        months, weekdays = alternatives(time["months"]), alternatives(time["weekdays"])
        qualifiers, lead = alternatives(time["qualifiers"]), alternatives(time["lead"])
        relative = alternatives(time["relative"])
        time_re = re.compile(
            rf"(?<!\w)(?:(?:{lead}) )?(?:(?:{months})(?: (?:{qualifiers})| \d{{4}})?|(?:[وب]?)(?:{weekdays})(?: (?:{qualifiers}))?"
            rf"|(?:{relative})|(?:عام|سنه|العام) \d{{4}}|\d{{1,2}} (?:و|-) ?\d{{1,2}} (?:{months})|\d{{1,2}} (?:{months})(?: \d{{4}})?)(?!\w)"
        )
        return cls(
            matcher=PhraseMatcher(entries, open_phrases=open_phrases),
            suppresses=suppresses,
            modality=PhraseMatcher(modality_entries),
            time_re=time_re,
            locatives=frozenset(fold_phrase(word) for word in data["locatives"]),
        )


# --------------------------------------------------------------------------- stance


class _CueSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")
    phrase: str
    weight: float = Field(ge=-1.0, le=1.0)


class _StanceSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")
    squash: float = Field(gt=0)
    neutral_band: float = Field(ge=0, lt=1)
    decay: bool = True
    distancing_window: int = Field(ge=0)
    rival_factor: float = Field(ge=0, le=1)
    ally_factor: float = Field(ge=0, le=1)
    quote_factor: float = Field(ge=0, le=1)
    indirect_factor: float = Field(ge=0, le=1)
    naming: list[_CueSpec]
    distancing: list[_CueSpec]
    framing: list[_CueSpec]
    quote_openers: list[str]
    camp_markers: list[str]
    rival_markers: list[str]


@dataclass(frozen=True, slots=True)
class Cue:
    kind: str  # naming | distancing | framing | camp | rival (the last two: side markers)
    phrase: str
    weight: float


@dataclass(frozen=True)
class StanceLexicon:
    matcher: PhraseMatcher[Cue]
    squash: float
    neutral_band: float
    decay: bool
    distancing_window: int
    rival_factor: float
    ally_factor: float
    quote_factor: float
    indirect_factor: float
    quote_openers: frozenset[str]
    #: A quote opener as a whole word, with an optional و/ف in front.
    quote_opener_re: re.Pattern[str]

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> StanceLexicon:
        spec = _StanceSpec.model_validate(data)
        entries = [
            (fold_phrase(cue.phrase), Cue(kind, fold_phrase(cue.phrase), cue.weight))
            for kind, cues in (("naming", spec.naming), ("distancing", spec.distancing), ("framing", spec.framing))
            for cue in cues
        ]
        entries += [(fold_phrase(m), Cue("camp", fold_phrase(m), 0.0)) for m in spec.camp_markers]
        entries += [(fold_phrase(m), Cue("rival", fold_phrase(m), 0.0)) for m in spec.rival_markers]
        return cls(
            matcher=PhraseMatcher(entries),
            squash=spec.squash,
            neutral_band=spec.neutral_band,
            decay=spec.decay,
            distancing_window=spec.distancing_window,
            rival_factor=spec.rival_factor,
            ally_factor=spec.ally_factor,
            quote_factor=spec.quote_factor,
            indirect_factor=spec.indirect_factor,
            quote_openers=frozenset(fold_phrase(word) for word in spec.quote_openers),
            quote_opener_re=re.compile(
                r"(?<!\w)[وف]?(?:"
                + "|".join(sorted((re.escape(fold_phrase(w)) for w in spec.quote_openers), key=len, reverse=True))
                + r")(?!\w)"
            ),
        )
