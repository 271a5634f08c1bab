"""Event-trigger and stance-cue lexicons: validated from YAML, folded, indexed once."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from models.annotations import EventType, Modality
from streams.text.matcher import PhraseMatcher
from streams.text.wordpattern import WordPattern
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


class _VerbSpec(BaseModel):
    """A verb written once: its forms (persons, numbers, object pronouns) are generated.

    ``past`` is the third person masculine singular of the perfect ("التقى"), ``present``
    that of the imperfect ("يلتقي"); ``passive`` lists passive forms that folding does
    not already give (a sound verb's passive folds to its active: وُقِّع → وقع);
    ``nouns`` the verbal nouns and other nouns of the same event; ``then`` words that must
    follow every verb form ("بحث مع"); ``objects`` adds the object pronouns (استقبله).
    """

    model_config = ConfigDict(extra="forbid")
    past: str | None = None
    present: str | None = None
    passive: list[str] = Field(default_factory=list)
    nouns: list[str] = Field(default_factory=list)
    then: list[str] = Field(default_factory=list)
    objects: bool = False
    host: bool = False
    requires: list[str] = Field(default_factory=list)
    cameo: str | None = None
    mode: str | None = None
    negative: bool = False
    #: With a person as its object the verb codes this type instead ("هاجم أردوغان حفتر": words).
    person_object: EventType | None = None
    #: None of these words may be in the sentence (the deal ratified is another one).
    unless: list[str] = Field(default_factory=list)
    #: Refers back: codes the type only once another trigger named it earlier in the article
    #: ("صادق البرلمان على المذكرة" after the maritime memorandum was named).
    anaphoric: bool = False


class _TypeSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")
    cameo: str
    plover: _PloverSpec
    suppresses: list[EventType] = Field(default_factory=list)
    #: A host trigger whose host is a person also codes this type (a reception is a meeting).
    host_also: EventType | None = None
    #: Named only by nouns in a sentence with a speech verb, it is what was talked about.
    yields_to_speech: bool = False
    #: How repeats merge: a shared participant acting in one of them (shared_actor), any
    #: shared participant (any_shared), the same speaker (speaker), or one per article (affair).
    merge: str = Field("shared_actor", pattern="^(shared_actor|any_shared|speaker|affair)$")
    #: What makes two mentions different events despite a shared participant: other
    #: counterparts (a meeting), another country (a visit), or other actors (sides: in a
    #: fight, one side's attack and the other's answer are two actions; acts: in an affair,
    #: a verb whose actor the affair does not yet have is another step of it).
    distinct: str | None = Field(None, pattern="^(counterparts|destinations|sides|acts)$")
    #: Needs an actor (a statement without a speaker is none).
    needs_actor: bool = False
    #: Two parties: without a target, the previous event's actor is the other party.
    two_party: bool = False
    #: Needs a target even then (a meeting with no one else is none).
    needs_target: bool = False
    verbs: list[_VerbSpec] = Field(default_factory=list)
    triggers: list[_TriggerSpec | str] = Field(default_factory=list)


class _RolesSpec(BaseModel):
    """Function words the role rules of the events stage read (see events.py)."""

    model_config = ConfigDict(extra="forbid")
    between: list[str]
    destination: list[str]
    complementizers: list[str]
    prepositions: list[str]
    attached_prepositions: list[str]
    past: list[str]
    recent: list[str]
    future: list[str]
    imperfect: list[str]
    setting: list[str]
    outlets: list[str]
    dual: list[str] = Field(default_factory=list)
    undergo: list[str] = Field(default_factory=list)
    particles: list[str] = Field(default_factory=list)
    by_agent: list[str] = Field(default_factory=list)


class _WindowsSpec(BaseModel):
    """Distances in folded characters (or sentences) the role rules look across."""

    model_config = ConfigDict(extra="forbid")
    subject_before: int = Field(ge=0)
    subject_after: int = Field(ge=0)
    adjacent: int = Field(ge=0)
    between: int = Field(ge=0)
    after_cue: int = Field(ge=0)
    repeat: int = Field(ge=0)
    destination: int = Field(ge=0)
    dateline: int = Field(ge=0)
    genitive: int = Field(ge=0)
    title: int = Field(ge=0)
    carry_over: int = Field(ge=0)
    merge_lookback: int = Field(ge=1)


def past_forms(past: str, objects: bool = False) -> list[str]:
    """Perfect forms of the third person: he, she, they two (m/f), they (m)."""
    if past.endswith("ى"):  # التقى → التقت، التقيا، التقوا، التقاه
        base = past[:-1]
        forms = [past, base + "ت", base + "تا", base + "يا", base + "وا"]
        return forms + ([base + "اه", base + "اها", base + "اهم", base + "ته", base + "تها"] if objects else [])
    if past.endswith("ا"):  # دعا → دعت، دعتا، دعوا، دعاه
        base = past[:-1]
        forms = [past, base + "ت", base + "تا", base + "وا"]
        return forms + ([past + "ه", past + "ها", past + "هم", base + "ته"] if objects else [])
    forms = [past, past + "ت", past + "تا", past + "ا", past + "وا"]
    if objects:
        forms += [past + "ه", past + "ها", past + "هم", past + "هما", past + "ته", past + "تها"]
    return forms


def present_forms(present: str, objects: bool = False) -> list[str]:
    """Imperfect forms of the third person (ي/ت prefixes; the future س is a proclitic)."""
    stem = present[1:] if present[:1] in ("ي", "ت") else present
    forms: list[str] = []
    for prefix in ("ي", "ت"):
        word = prefix + stem
        if stem.endswith(("ي", "ى")):  # يلتقي → يلتقيان، يلتقون
            base = word[:-1]
            forms += [word, base + "يان", base + "ون", base + "وا"]
        elif stem.endswith("و"):  # يدعو → يدعوان، يدعون
            forms += [word, word + "ان", word[:-1] + "ون", word + "ا"]
        else:
            forms += [word, word + "ان", word + "ون", word + "وا"]
            if objects:
                forms += [word + "ه", word + "ها", word + "هم"]
    return forms


def verb_phrases(spec: _VerbSpec) -> tuple[list[str], list[str]]:
    """(verb forms, noun phrases) of a verb spec, each verb form followed by ``then``."""
    verbs: list[str] = []
    if spec.past:
        verbs += past_forms(spec.past, spec.objects)
    if spec.present:
        verbs += present_forms(spec.present, spec.objects)
    verbs += spec.passive
    if spec.then:
        verbs = [f"{verb} {word}" for verb in verbs for word in spec.then]
    return list(dict.fromkeys(verbs)), list(spec.nouns)


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
    #: A finite verb: its subject follows it (VSO) or stands right before it (SVO).
    verb: bool = False
    #: The type it codes when its object is a person (see ``_VerbSpec.person_object``).
    person_object: EventType | None = None
    unless: tuple[str, ...] = ()
    anaphoric: bool = False


@dataclass(frozen=True, slots=True)
class TypePolicy:
    """How an event type's mentions become events (see ``_TypeSpec``)."""

    merge: str = "shared_actor"
    distinct: str | None = None
    needs_actor: bool = False
    two_party: bool = False
    needs_target: bool = False


_DEFAULT_POLICY = TypePolicy()


@dataclass(frozen=True, slots=True)
class TypeCodes:
    """What an event type codes to when no trigger overrides it."""

    cameo: str
    plover_event: str
    plover_mode: str | None
    context: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class RoleWords:
    """Folded function words and windows of the role rules."""

    between: frozenset[str]
    destination: frozenset[str]
    complementizers: frozenset[str]
    prepositions: frozenset[str]
    attached_prepositions: frozenset[str]
    past: frozenset[str]
    recent: frozenset[str]
    future: frozenset[str]
    imperfect: frozenset[str]
    setting: frozenset[str]
    outlets: frozenset[str]
    dual: frozenset[str]
    undergo: frozenset[str]
    particles: frozenset[str]
    by_agent: frozenset[str]
    subject_before: int
    subject_after: int
    adjacent: int
    between_window: int
    after_cue: int
    repeat: int
    destination_window: int
    dateline: int
    genitive: int
    title: int
    carry_over: int
    merge_lookback: int


@dataclass(frozen=True, eq=False)  # hashed by identity: built once, used as a cache key
class TriggerLexicon:
    """Triggers in a phrase matcher, plus the modality, time and locative cues."""

    matcher: PhraseMatcher[Trigger]
    suppresses: dict[EventType, frozenset[EventType]]
    modality: PhraseMatcher[Modality]
    time_re: WordPattern
    locatives: frozenset[str]
    historical_cues: frozenset[str] = field(default_factory=frozenset)
    codes: dict[EventType, TypeCodes] = field(default_factory=dict)
    host_also: dict[EventType, EventType] = field(default_factory=dict)
    yields_to_speech: frozenset[EventType] = frozenset()
    policies: dict[EventType, TypePolicy] = field(default_factory=dict)

    def policy(self, event_type: EventType) -> TypePolicy:
        return self.policies.get(event_type, _DEFAULT_POLICY)
    roles: RoleWords | None = None
    verb_forms: frozenset[str] = frozenset()  # one-word verb forms, folded: no word of a name

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> TriggerLexicon:
        entries: list[tuple[str, Trigger]] = []
        open_phrases: set[str] = set()
        suppresses: dict[EventType, frozenset[EventType]] = {}
        codes: dict[EventType, TypeCodes] = {}
        host_also: dict[EventType, EventType] = {}
        yielding: set[EventType] = set()
        policies: dict[EventType, TypePolicy] = {}
        verb_forms: set[str] = set()

        def add(
            event_type: EventType, spec: _TypeSpec, trigger: _TriggerSpec | _VerbSpec, text: str, verb: bool
        ) -> None:
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
                verb=verb,
                person_object=getattr(trigger, "person_object", None),
                unless=tuple(fold_phrase(word) for word in getattr(trigger, "unless", ())),
                anaphoric=getattr(trigger, "anaphoric", False),
            )
            entries.extend((variant, coded) for variant in phrases)
            if verb and " " not in phrase:
                verb_forms.add(phrase)

        for type_name, raw_spec in data["types"].items():
            event_type = EventType(type_name)
            spec = _TypeSpec.model_validate(raw_spec)
            suppresses[event_type] = frozenset(spec.suppresses)
            codes[event_type] = TypeCodes(spec.cameo, spec.plover.event, spec.plover.mode, tuple(spec.plover.context))
            if spec.host_also:
                host_also[event_type] = spec.host_also
            if spec.yields_to_speech:
                yielding.add(event_type)
            policies[event_type] = TypePolicy(
                spec.merge, spec.distinct, spec.needs_actor, spec.two_party, spec.needs_target
            )
            for verb_spec in spec.verbs:
                verbs, nouns = verb_phrases(verb_spec)
                for text in verbs:
                    add(event_type, spec, verb_spec, text, True)
                for text in nouns:
                    add(event_type, spec, verb_spec, text, False)
            for raw_trigger in spec.triggers:
                trigger = raw_trigger if isinstance(raw_trigger, _TriggerSpec) else _TriggerSpec(phrase=raw_trigger)
                add(event_type, spec, trigger, trigger.phrase, False)
        modality_entries = [
            (fold_phrase(cue), Modality(name)) for name, cues in data["modality"].items() for cue in cues
        ]
        time = data["time"]
        alternatives = lambda words: "|".join(sorted((re.escape(fold_phrase(w)) for w in words), key=len, reverse=True))  # noqa: E731
        months, weekdays = alternatives(time["months"]), alternatives(time["weekdays"])
        qualifiers, lead = alternatives(time["qualifiers"]), alternatives(time["lead"])
        relative = alternatives(time["relative"])
        # every time expression holds a month, a weekday, a relative phrase or a year's
        # "عام"/"سنه" ("العام" holds "عام"): a sentence with none of them is not scanned
        time_words = {fold_phrase(w) for key in ("months", "weekdays", "relative") for w in time[key]}
        time_re = re.compile(
            rf"(?<!\w)(?:(?:{lead}) )?(?:(?:{months})(?: (?:{qualifiers})| \d{{4}})?|(?:[وب]?)(?:{weekdays})(?: (?:{qualifiers}))?"
            rf"|(?:{relative})|(?:عام|سنه|العام) \d{{4}}|\d{{1,2}} (?:و|-) ?\d{{1,2}} (?:{months})|\d{{1,2}} (?:{months})(?: \d{{4}})?)(?!\w)"
        )
        folded = lambda words: frozenset(fold_phrase(w) for w in words)  # noqa: E731
        role_spec = _RolesSpec.model_validate(data["roles"])
        windows = _WindowsSpec.model_validate(data["windows"])
        roles = RoleWords(
            between=folded(role_spec.between),
            destination=folded(role_spec.destination),
            complementizers=folded(role_spec.complementizers),
            prepositions=folded(role_spec.prepositions),
            attached_prepositions=folded(role_spec.attached_prepositions),
            past=folded(role_spec.past),
            recent=folded(role_spec.recent) | folded(time["weekdays"]),
            future=folded(role_spec.future),
            imperfect=folded(role_spec.imperfect),
            setting=folded(role_spec.setting),
            outlets=folded(role_spec.outlets),
            dual=folded(role_spec.dual),
            undergo=folded(role_spec.undergo),
            particles=folded(role_spec.particles),
            by_agent=folded(role_spec.by_agent),
            subject_before=windows.subject_before,
            subject_after=windows.subject_after,
            adjacent=windows.adjacent,
            between_window=windows.between,
            after_cue=windows.after_cue,
            repeat=windows.repeat,
            destination_window=windows.destination,
            dateline=windows.dateline,
            genitive=windows.genitive,
            title=windows.title,
            carry_over=windows.carry_over,
            merge_lookback=windows.merge_lookback,
        )
        return cls(
            matcher=PhraseMatcher(entries, open_phrases=open_phrases),
            suppresses=suppresses,
            modality=PhraseMatcher(modality_entries),
            time_re=WordPattern(frozenset(time_words | {"عام", "سنه"}), time_re),
            locatives=frozenset(fold_phrase(word) for word in data["locatives"]),
            codes=codes,
            host_also=host_also,
            yields_to_speech=frozenset(yielding),
            policies=policies,
            roles=roles,
            verb_forms=frozenset(verb_forms),
        )


# --------------------------------------------------------------------------- stance

#: Cue families: each has one calibrated factor (knowledge/stance_calibration.yaml). The
#: three naming families are reported as cue kind "naming".
STANCE_FAMILIES: tuple[str, ...] = ("naming", "hostile_naming", "rival_naming", "distancing", "framing")


class _CueSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")
    phrase: str
    weight: float = Field(ge=-1.0, le=1.0)
    subject: bool = False  # framing: about the sentence's first side (a possessive pronoun)


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
    backer_window: int = Field(ge=0)
    naming_cap: float = Field(gt=0)
    speech_window: int = Field(ge=0)
    rival_factor: float = Field(ge=0, le=1)
    ally_factor: float = Field(ge=0, le=1)
    quote_factor: float = Field(ge=0, le=1)
    indirect_factor: float = Field(ge=0, le=1)
    scare_quote_weight: float = Field(ge=-1, le=0)
    scare_quote_max_words: int = Field(ge=1)
    scare_quote_min_weight: float = Field(ge=0)
    sides: _SidesSpec
    naming: list[_CueSpec]
    hostile_naming: list[_CueSpec]
    rival_naming: list[_CueSpec]
    distancing: list[_CueSpec]
    framing: list[_CueSpec]
    quote_openers: list[str]
    speech_complements: list[str]
    accusation_verbs: list[str]
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
    subject: bool = False


@dataclass(frozen=True)
class StanceLexicon:
    matcher: PhraseMatcher[Cue]
    calibration: StanceCalibration
    decay: bool
    distancing_window: int
    genitive_window: int
    backer_window: int
    naming_cap: float
    speech_window: int
    rival_factor: float
    ally_factor: float
    quote_factor: float
    indirect_factor: float
    scare_quote_weight: float
    scare_quote_max_words: int
    scare_quote_min_weight: float
    camp_camps: frozenset[str]
    ally_camps: frozenset[str]
    rival_camps: frozenset[str]
    backer_camps: frozenset[str]
    quote_openers: frozenset[str]
    #: A quote opener as a whole word, with an optional و/ف in front.
    quote_opener_re: WordPattern
    #: An accusation verb ("اتهمت") the same way: what follows is the accuser's charge.
    accusation_re: WordPattern
    #: What opens the reported clause after a speech verb: a complementizer ("إن") or ":".
    complement_re: re.Pattern[str]

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

        def add(kind: str, text: str, weight: float, subject: bool = False) -> None:
            phrase = fold_phrase(text.rstrip("*"))
            if text.endswith("*"):  # an open stem: takes suffixes ("ميليشياته")
                open_phrases.add(phrase)
            entries.append((phrase, Cue(kind, phrase, weight, subject)))

        for family in STANCE_FAMILIES:
            for cue in getattr(spec, family):
                add(family, cue.phrase, cue.weight, cue.subject)
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
            backer_window=spec.backer_window,
            naming_cap=spec.naming_cap,
            speech_window=spec.speech_window,
            rival_factor=spec.rival_factor,
            ally_factor=spec.ally_factor,
            quote_factor=spec.quote_factor,
            indirect_factor=spec.indirect_factor,
            scare_quote_weight=spec.scare_quote_weight,
            scare_quote_max_words=spec.scare_quote_max_words,
            scare_quote_min_weight=spec.scare_quote_min_weight,
            camp_camps=frozenset(spec.sides.camp),
            ally_camps=frozenset(spec.sides.allies),
            rival_camps=frozenset(spec.sides.rivals),
            backer_camps=frozenset(spec.sides.rival_backers),
            quote_openers=frozenset(fold_phrase(word) for word in spec.quote_openers),
            quote_opener_re=_word_re(spec.quote_openers),
            accusation_re=_word_re(spec.accusation_verbs),
            complement_re=re.compile(
                r"(?<!\w)(?:"
                + "|".join(sorted((re.escape(fold_phrase(w)) for w in spec.speech_complements), key=len, reverse=True))
                + r")(?!\w)|:"
            ),
        )


def _word_re(words: list[str]) -> WordPattern:
    """Any of ``words`` as a whole word, with an optional و/ف in front."""
    folded = frozenset(folded for folded in map(fold_phrase, words) if folded)
    alternatives = "|".join(sorted(map(re.escape, folded), key=len, reverse=True))
    return WordPattern(folded, re.compile(r"(?<!\w)[وف]?(?:" + alternatives + r")(?!\w)"))
