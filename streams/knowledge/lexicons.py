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

#: Cue families: each has one calibrated factor (knowledge/stance_calibration.yaml). The
#: three naming families are reported as cue kind "naming".
STANCE_FAMILIES: tuple[str, ...] = ("naming", "hostile_naming", "rival_naming", "distancing", "framing")


class _CueSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")
    phrase: str
    weight: float = Field(ge=-1.0, le=1.0)


class _SidesSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")
    camp: list[str]
    allies: list[str] = Field(default_factory=list)
    rivals: list[str] = Field(default_factory=list)
    rival_backers: list[str] = Field(default_factory=list)


class _StanceSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")
    calibration: str
    decay: bool = True
    distancing_window: int = Field(ge=0)
    genitive_window: int = Field(ge=0)
    rival_factor: float = Field(ge=0, le=1)
    ally_factor: float = Field(ge=0, le=1)
    quote_factor: float = Field(ge=0, le=1)
    indirect_factor: float = Field(ge=0, le=1)
    scare_quote_weight: float = Field(ge=-1, le=0)
    scare_quote_max_words: int = Field(ge=1)
    sides: _SidesSpec
    naming: list[_CueSpec]
    hostile_naming: list[_CueSpec]
    rival_naming: list[_CueSpec]
    distancing: list[_CueSpec]
    framing: list[_CueSpec]
    quote_openers: list[str]
    camp_markers: list[str]
    rival_markers: list[str]


class StanceCalibration(BaseModel):
    """The fitted part of the stance score (``marsad calibrate-stance`` writes it)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    squash: float = Field(gt=0)
    neutral_band: float = Field(ge=0, lt=1)
    headline_factor: float = Field(ge=0)
    relay_factor: float = Field(ge=0, le=1)
    family_factors: dict[str, float]
    fit: dict[str, Any] = Field(default_factory=dict)  # how it was fitted and what it scored

    def factor(self, family: str) -> float:
        return self.family_factors.get(family, 1.0)


@dataclass(frozen=True, slots=True)
class Cue:
    kind: str  # a family of STANCE_FAMILIES, or camp | rival (side markers, weight 0)
    phrase: str
    weight: float


@dataclass(frozen=True)
class StanceLexicon:
    matcher: PhraseMatcher[Cue]
    calibration: StanceCalibration
    decay: bool
    distancing_window: int
    genitive_window: int
    rival_factor: float
    ally_factor: float
    quote_factor: float
    indirect_factor: float
    scare_quote_weight: float
    scare_quote_max_words: int
    camp_camps: frozenset[str]
    ally_camps: frozenset[str]
    rival_camps: frozenset[str]
    backer_camps: frozenset[str]
    quote_openers: frozenset[str]
    #: A quote opener as a whole word, with an optional و/ف in front.
    quote_opener_re: re.Pattern[str]

    @property
    def squash(self) -> float:
        return self.calibration.squash

    @property
    def neutral_band(self) -> float:
        return self.calibration.neutral_band

    @classmethod
    def from_data(cls, data: dict[str, Any], calibration: dict[str, Any] | None = None) -> StanceLexicon:
        """Build from stance.yaml data; the calibration file it names is read unless given."""
        spec = _StanceSpec.model_validate(data)
        if calibration is None:
            from streams.knowledge.files import knowledge_bytes, load_yaml

            calibration = load_yaml(knowledge_bytes(spec.calibration))
        fitted = StanceCalibration.model_validate(calibration)
        unknown = set(fitted.family_factors) - set(STANCE_FAMILIES)
        if unknown:
            raise ValueError(f"{spec.calibration}: unknown cue families {sorted(unknown)}")
        entries: list[tuple[str, Cue]] = []
        open_phrases: set[str] = set()

        def add(kind: str, text: str, weight: float) -> None:
            phrase = fold_phrase(text.rstrip("*"))
            if text.endswith("*"):  # an open stem: takes suffixes ("ميليشياته")
                open_phrases.add(phrase)
            entries.append((phrase, Cue(kind, phrase, weight)))

        for family in STANCE_FAMILIES:
            for cue in getattr(spec, family):
                add(family, cue.phrase, cue.weight)
        for marker in spec.camp_markers:
            add("camp", marker, 0.0)
        for marker in spec.rival_markers:
            add("rival", marker, 0.0)
        return cls(
            matcher=PhraseMatcher(entries, open_phrases=open_phrases),
            calibration=fitted,
            decay=spec.decay,
            distancing_window=spec.distancing_window,
            genitive_window=spec.genitive_window,
            rival_factor=spec.rival_factor,
            ally_factor=spec.ally_factor,
            quote_factor=spec.quote_factor,
            indirect_factor=spec.indirect_factor,
            scare_quote_weight=spec.scare_quote_weight,
            scare_quote_max_words=spec.scare_quote_max_words,
            camp_camps=frozenset(spec.sides.camp),
            ally_camps=frozenset(spec.sides.allies),
            rival_camps=frozenset(spec.sides.rivals),
            backer_camps=frozenset(spec.sides.rival_backers),
            quote_openers=frozenset(fold_phrase(word) for word in spec.quote_openers),
            quote_opener_re=re.compile(
                r"(?<!\w)[وف]?(?:"
                + "|".join(sorted((re.escape(fold_phrase(w)) for w in spec.quote_openers), key=len, reverse=True))
                + r")(?!\w)"
            ),
        )
