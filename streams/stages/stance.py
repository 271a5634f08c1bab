"""Stage 4: the article's own stance toward the Haftar camp, with auditable evidence.

Cues come from ``knowledge/stance.yaml`` in five families: the camp's own naming and
honorifics, hostile naming of the camp, how the article names the camp's rivals (hostile
naming of a rival supports the camp), distancing markers next to a name, and evaluative
framing attributed to the side it is about. Each family's weight is scaled by a factor
fitted on the annotated corpus (``knowledge/stance_calibration.yaml``, written by
``marsad calibrate-stance``); headline sentences count ``headline_factor``. The score is
``tanh(squash × Σ contributions)`` and every counted cue is returned with its offsets and
contribution.

Whose voice: what a source says in quotation marks is not the article's voice
(``quote_factor``); indirect speech ("قال … إن") is the writer's paraphrase
(``indirect_factor``). Relay rule: when all the reported cues of an article point one way
(one side's accusations relayed with no counter-voice), quoted evaluative cues count
``relay_factor`` instead of ``quote_factor``, since choosing to relay one side only is the
article's own framing. A camp name standing alone in quotation marks is a scare quote and
counts as distancing.

:func:`find_cues` (the lexicon part, parameter-free) and :func:`combine` (the fitted part)
are separate so that the calibration can re-score cues under new parameters cheaply.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from models import EnrichedArticle, EventsArticle, Mention, Stance, StanceCue, published_event
from streams.backends import Backends
from streams.knowledge import Knowledge, load_knowledge
from streams.knowledge.lexicons import Cue, StanceCalibration, StanceLexicon
from streams.stages.mentions import placed_mentions
from streams.text.chrome import clean_text
from streams.text.matchform import span_to_original
from streams.text.tokens import char_positions

#: The naming families report as cue kind "naming".
#: What a matched phrase says about the side it names: markers, and the naming families.
_MARKS = {"camp": "camp", "rival": "rival", "naming": "camp", "hostile_naming": "camp", "rival_naming": "rival"}
_KIND = {"naming": "naming", "hostile_naming": "naming", "rival_naming": "naming", "distancing": "distancing", "framing": "framing"}


@dataclass(slots=True)
class _Side:
    position: int  # folded offset in the sentence
    side: str  # "camp", "ally" or "rival"
    weak: bool = False  # a rival's backer (Turkey): the referent only when no other side is named


@dataclass(frozen=True, slots=True)
class CountedCue:
    """A cue found in the article, before the fitted factors are applied.

    ``weight`` is the lexicon weight with the side's sign, the indirect-speech factor and
    the repeat decay applied; ``speech`` is "own", "indirect" or "quoted".
    """

    family: str
    weight: float
    speech: str
    headline: bool
    start: int
    end: int
    text: str


def score_stance(
    article: EventsArticle,
    *,
    pipeline_version: str,
    processed_at: datetime,
    backends: Backends | None = None,
    knowledge: Knowledge | None = None,
) -> EnrichedArticle:
    """Attach the stance and the publishing metadata: the record the pipeline publishes."""
    sentences: dict[tuple[int, int], Mention] = {}
    return EnrichedArticle.built_from(
        article,
        events=[published_event(event, article.text, sentences) for event in article.events],
        clean_text=clean_text(article.text, article.chrome),
        stance=find_stance(article, backends, knowledge),
        pipeline_version=pipeline_version,
        processed_at=processed_at,
    )


def find_stance(
    article: EventsArticle, backends: Backends | None = None, knowledge: Knowledge | None = None
) -> Stance:
    lexicon = (knowledge or load_knowledge()).stance
    cues = find_cues(article, lexicon)
    score, contributions = combine(cues, lexicon.calibration, lexicon)
    model = backends.stance.score(article) if backends and backends.stance else None
    if model is not None:
        weight = backends.stance_weight  # type: ignore[union-attr]
        score = (1 - weight) * score + weight * max(-1.0, min(1.0, model))
    score = round(score, 3)
    evidence = [
        StanceCue(text=cue.text, start=cue.start, end=cue.end, cue=_KIND[cue.family], weight=round(value, 4))
        for cue, value in zip(cues, contributions)
        if round(value, 4) != 0.0
    ]
    evidence.sort(key=lambda cue: -abs(cue.weight))
    return Stance(label=label_for(score, lexicon.calibration.neutral_band), score=score, evidence=evidence)


def label_for(score: float, neutral_band: float) -> str:
    if score >= neutral_band:
        return "supportive"
    if score <= -neutral_band:
        return "critical"
    return "neutral"


def combine(cues: list[CountedCue], calibration: StanceCalibration, lexicon: StanceLexicon) -> tuple[float, list[float]]:
    """The score and each cue's contribution under the given fitted parameters."""
    reported = [math.copysign(1.0, cue.weight) for cue in cues if cue.speech != "own" and cue.family != "naming"]
    one_sided = len(set(reported)) == 1
    contributions: list[float] = []
    for cue in cues:
        value = cue.weight * calibration.factor(cue.family)
        if cue.speech == "quoted":
            relayed = one_sided and cue.family != "naming"
            value *= calibration.relay_factor if relayed else lexicon.quote_factor
        if cue.headline:
            value *= calibration.headline_factor
        contributions.append(value)
    # Titles saturate: the camp's own names add up to at most `naming_cap`, whatever the
    # family factor, since plain wire copy stacks them without taking the camp's side.
    naming = [i for i, cue in enumerate(cues) if cue.family == "naming" and contributions[i] > 0]
    cap = lexicon.naming_cap
    total = sum(contributions[i] for i in naming)
    if total > cap:
        for i in naming:
            contributions[i] *= cap / total
    return math.tanh(calibration.squash * sum(contributions)), contributions


def find_cues(article: EventsArticle, lexicon: StanceLexicon | None = None) -> list[CountedCue]:
    """Every cue of the article with its side-signed, speech-weighted, decayed weight."""
    lexicon = lexicon or load_knowledge().stance
    sides = _sides_by_sentence(article, lexicon)
    quotes = _quote_spans(article)
    headline_end = next((n for n, s in enumerate(article.sentences) if not s.heading), len(article.sentences))
    seen: Counter[str] = Counter()
    cues: list[CountedCue] = []
    for number, sentence in enumerate(article.sentences):
        norm = sentence.norm
        matches = lexicon.matcher.find(norm)
        markers = [
            _Side(match.start, _MARKS[cue.kind]) for match in matches for cue in match.values if cue.kind in _MARKS
        ]
        sentence_sides = sides.get(number, []) + markers
        direct = quotes.get(number, [])
        scare = [span for span in direct if _is_scare_quote(norm, span, matches, lexicon)]
        scared: set[tuple[int, int]] = set()  # one scare-quote cue per quoted name
        indirect = _indirect_span(norm, lexicon)
        for match in matches:
            for cue in match.values:
                span = next(((s, e) for s, e in scare if s <= match.start < e), None)
                if span is not None and (
                    cue.kind == "camp" or (cue.kind == "naming" and cue.weight >= lexicon.scare_quote_min_weight)
                ):
                    if span in scared:
                        break
                    scared.add(span)
                    family, weight, speech = "distancing", lexicon.scare_quote_weight, "own"
                elif cue.kind in ("camp", "rival"):
                    continue
                else:
                    family = cue.kind
                    weight = _weight(cue, match.start, match.end, sentence_sides, lexicon)
                    speech = "own"
                    if any(s <= match.start < e for s, e in direct):
                        speech = "quoted"
                    elif any(s <= match.start < e for s, e in indirect):
                        speech = "indirect"
                        weight *= lexicon.indirect_factor
                if weight == 0.0:
                    continue
                key = f"{family}:{cue.phrase}"
                seen[key] += 1
                if lexicon.decay:
                    weight /= seen[key]
                start, end = span_to_original(sentence.shifts, match.start, match.end)
                start, end = sentence.start + start, sentence.start + end
                cues.append(CountedCue(family, weight, speech, number < headline_end, start, end, article.text[start:end]))
                break  # one phrase, one cue: a marker that is also a cue counts once
    return cues


def _weight(cue: Cue, start: int, end: int, sides: list[_Side], lexicon: StanceLexicon) -> float:
    kind, weight = cue.kind, cue.weight
    if kind in ("naming", "hostile_naming", "rival_naming"):
        return weight
    if kind == "distancing":
        near = [s for s in sides if abs(s.position - start) <= lexicon.distancing_window]
        if not near:
            return 0.0
        nearest = min(near, key=lambda s: abs(s.position - start))
        return weight if nearest.side == "camp" else -weight * lexicon.rival_factor
    # A backer (Turkey) is the referent when named right at the cue; further away, only
    # when the sentence names no other side.
    strong = [s for s in sides if not s.weak]
    if strong:
        window = lexicon.backer_window
        sides = strong + [s for s in sides if s.weak and start - window <= s.position <= end + window]
    within = [s for s in sides if start <= s.position < end]  # "هجوم حفتر": the cue names it
    following = [s for s in sides if end <= s.position <= end + lexicon.genitive_window]  # "ميليشيات إردوغان"
    before = [s for s in sides if s.position < start]
    if cue.subject and sides:  # "تمسكه بالسلطة": the pronoun is the sentence's subject
        about = min(sides, key=lambda s: s.position)
    elif within:
        about = within[0]
    elif following:
        about = min(following, key=lambda s: s.position)
    elif before:
        about = max(before, key=lambda s: s.position)
    elif sides:
        about = min(sides, key=lambda s: s.position)
    else:
        return 0.0
    if about.side == "camp":
        return weight
    if about.side == "ally":
        return weight * lexicon.ally_factor
    return -weight * lexicon.rival_factor


def _sides_by_sentence(article: EventsArticle, lexicon: StanceLexicon) -> dict[int, list[_Side]]:
    """Positions of camp, ally and rival entity mentions, per sentence (folded offsets)."""
    result: dict[int, list[_Side]] = {}
    for item in placed_mentions(article):
        camp = item.entity.camp
        side = (
            "camp"
            if camp in lexicon.camp_camps
            else "rival"
            if camp in lexicon.rival_camps or camp in lexicon.backer_camps
            else "ally"
            if camp in lexicon.ally_camps
            else None
        )
        if side is not None:
            result.setdefault(item.sentence, []).append(_Side(item.start, side, camp in lexicon.backer_camps))
    return result


def _quote_spans(article: EventsArticle) -> dict[int, list[tuple[int, int]]]:
    """Spans between quotation marks per sentence; a quotation may run across sentences of a line."""
    result: dict[int, list[tuple[int, int]]] = {}
    open_quote = False
    previous_end = 0
    for number, sentence in enumerate(article.sentences):
        if "\n" in article.text[previous_end : sentence.start]:
            open_quote = False  # a new paragraph closes a quotation left open
        previous_end = sentence.end
        marks = char_positions(sentence.norm, '"')
        spans: list[tuple[int, int]] = []
        opening = 0 if open_quote else None
        for mark in marks:
            if opening is None:
                opening = mark
            else:
                spans.append((opening, mark + 1))
                opening = None
        open_quote = opening is not None
        if opening is not None:
            spans.append((opening, len(sentence.norm)))
        if spans:
            result[number] = spans
    return result


def _is_scare_quote(norm: str, span: tuple[int, int], matches: list, lexicon: StanceLexicon) -> bool:
    """A few words in quotation marks that are just a camp name ("القيادة العامة").

    Not when a distancing marker stands right before it ("ما يعرف بـ"…""): that marker
    is the same act of distancing and already counts.
    """
    start, end = span
    inner = norm[start:end].strip('" ')
    if not inner or len(inner.split()) > lexicon.scare_quote_max_words or not norm[start] == '"' or norm[end - 1] != '"':
        return False
    if any(
        cue.kind == "distancing" and 0 <= start - match.end <= 3 for match in matches for cue in match.values
    ):
        return False
    return any(
        start <= match.start < end
        and any(
            (cue.kind == "naming" and cue.weight >= lexicon.scare_quote_min_weight) or cue.kind == "camp"
            for cue in match.values
        )
        for match in matches
    )


def _indirect_span(norm: str, lexicon: StanceLexicon) -> list[tuple[int, int]]:
    """The clauses of indirect speech: after a speech verb and its complement, or after an accusation verb."""
    spans = []
    opener = lexicon.quote_opener_re.search(norm)
    if opener:
        complement = lexicon.complement_re.search(norm, opener.end(), opener.end() + lexicon.speech_window)
        if complement:
            spans.append((complement.end(), len(norm)))
    accusation = lexicon.accusation_re.search(norm)  # "اتهمت X بـ …": the charge is the accuser's
    if accusation:
        spans.append((accusation.end(), len(norm)))
    return spans


if TYPE_CHECKING:
    from streams.stages.spec import StageContext


def run(article: EventsArticle, context: StageContext) -> EnrichedArticle:
    """The stage as its spec runs it: publishing metadata, knowledge and backends from the context."""
    return score_stance(
        article,
        pipeline_version=context.pipeline_version,
        processed_at=context.clock(),
        backends=context.backends,
        knowledge=context.knowledge,
    )
