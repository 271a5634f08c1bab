"""Stage 4: the article's own stance toward the Haftar camp, with auditable evidence.

Cues come from ``knowledge/stance.yaml``: how the article names the camp, distancing
markers next to a camp name, and evaluative framing in sentences about the camp (or,
with the opposite sign, about its rivals). Each counted cue is returned with its offsets
and the weight it contributed; the score is ``tanh(squash × Σ weights)``. What a source is
quoted saying in quotation marks is not the article's voice (``quote_factor``); indirect
speech ("قال … إن") reports a source in the writer's paraphrase (``indirect_factor``).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from models import EnrichedArticle, EventsArticle, Stance, StanceCue
from streams.backends import Backends
from streams.knowledge import Knowledge, load_knowledge
from streams.knowledge.lexicons import StanceLexicon
from streams.stages.mentions import placed_mentions
from streams.text.matchform import span_to_original

CAMP = "haftar"
_RIVAL_CAMPS = frozenset({"gnu"})
_ALLY_CAMPS = frozenset({"russia"})
_QUOTE_RE = re.compile('"')
_SPEECH_COMPLEMENT = re.compile(r"\b(?:ان|بان|انه|بانه|انها|بانها)\b|:")


@dataclass(slots=True)
class _Side:
    position: int  # folded offset in the sentence
    side: str  # "camp", "ally" or "rival"


def score_stance(
    article: EventsArticle,
    *,
    pipeline_version: str,
    processed_at: datetime,
    backends: Backends | None = None,
    knowledge: Knowledge | None = None,
) -> EnrichedArticle:
    """Attach the stance and the publishing metadata: the record the pipeline publishes."""
    return EnrichedArticle.model_construct(
        **dict(article),
        stance=find_stance(article, backends, knowledge),
        pipeline_version=pipeline_version,
        processed_at=processed_at,
    )


def find_stance(
    article: EventsArticle, backends: Backends | None = None, knowledge: Knowledge | None = None
) -> Stance:
    lexicon = (knowledge or load_knowledge()).stance
    sides = _sides_by_sentence(article)
    seen: Counter[str] = Counter()
    evidence: list[StanceCue] = []
    total = 0.0
    for number, sentence in enumerate(article.sentences):
        norm = sentence.norm
        matches = lexicon.matcher.find(norm)
        markers = [
            _Side(match.start, "camp" if cue.kind == "camp" else "rival")
            for match in matches
            for cue in match.values
            if cue.kind in ("camp", "rival")
        ]
        sentence_sides = sides.get(number, []) + markers
        direct, indirect = _quoted_spans(norm, lexicon)
        for match in matches:
            for cue in match.values:
                if cue.kind in ("camp", "rival"):
                    continue
                weight = _weight(cue.kind, cue.weight, match.start, match.end, sentence_sides, lexicon)
                if weight == 0.0:
                    continue
                if any(start <= match.start < end for start, end in direct):
                    weight *= lexicon.quote_factor
                elif any(start <= match.start < end for start, end in indirect):
                    weight *= lexicon.indirect_factor
                if weight == 0.0:
                    continue
                seen[cue.phrase] += 1
                if lexicon.decay:
                    weight /= seen[cue.phrase]
                total += weight
                start, end = span_to_original(sentence.shifts, match.start, match.end)
                start, end = sentence.start + start, sentence.start + end
                evidence.append(
                    StanceCue(text=article.text[start:end], start=start, end=end, cue=cue.kind, weight=round(weight, 4))
                )
    score = math.tanh(lexicon.squash * total)
    model = backends.stance.score(article) if backends and backends.stance else None
    if model is not None:
        weight = backends.stance_weight  # type: ignore[union-attr]
        score = (1 - weight) * score + weight * max(-1.0, min(1.0, model))
    score = round(score, 3)
    if score >= lexicon.neutral_band:
        label = "supportive"
    elif score <= -lexicon.neutral_band:
        label = "critical"
    else:
        label = "neutral"
    evidence.sort(key=lambda cue: -abs(cue.weight))
    return Stance(label=label, score=score, evidence=evidence)


def _weight(kind: str, weight: float, start: int, end: int, sides: list[_Side], lexicon: StanceLexicon) -> float:
    if kind == "naming":
        return weight
    if kind == "distancing":
        near = [s for s in sides if abs(s.position - start) <= lexicon.distancing_window]
        if not near:
            return 0.0
        nearest = min(near, key=lambda s: abs(s.position - start))
        return weight if nearest.side == "camp" else -weight * lexicon.rival_factor
    within = [s for s in sides if start <= s.position < end]  # "هجوم حفتر": the cue names it
    before = [s for s in sides if s.position < start]
    if within:
        about = within[0]
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


def _sides_by_sentence(article: EventsArticle) -> dict[int, list[_Side]]:
    """Positions of camp and rival entity mentions, per sentence (folded offsets)."""
    result: dict[int, list[_Side]] = {}
    for item in placed_mentions(article):
        camp = item.entity.camp
        side = "camp" if camp == CAMP else "rival" if camp in _RIVAL_CAMPS else "ally" if camp in _ALLY_CAMPS else None
        if side is not None:
            result.setdefault(item.sentence, []).append(_Side(item.start, side))
    return result


def _quoted_spans(norm: str, lexicon: StanceLexicon) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """Spans of a sentence in quotation marks, and the clause of indirect speech if any."""
    direct: list[tuple[int, int]] = []
    if '"' in norm:
        quotes = [match.start() for match in _QUOTE_RE.finditer(norm)]
        direct = [(opening, closing + 1) for opening, closing in zip(quotes[::2], quotes[1::2])]
    indirect: list[tuple[int, int]] = []
    opener = lexicon.quote_opener_re.search(norm)
    if opener:
        complement = _SPEECH_COMPLEMENT.search(norm, opener.end(), opener.end() + 80)
        if complement:
            indirect.append((complement.end(), len(norm)))
    return direct, indirect


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
