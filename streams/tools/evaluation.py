"""Score enriched records against hand annotations in the format of ``gold/FORMAT.md``.

Per article, then summed over all articles (micro averages):

* entities: a system entity matches a gold entity when its ASCII-folded, lower-cased
  canonical name equals the gold canonical or one of its ``also`` names, or when one of
  its mentions equals a gold mention after Arabic normalisation; a name that is one gold
  entity's canonical and another's ``also`` matches the first;
* events: one-to-one; a system event matches a gold event of the same type sharing at
  least one participant (names compared through the gold entities they match). Recall
  counts core gold events only; precision counts system events matched to any gold event;
* stance: label accuracy and the mean absolute error of the score.

Besides the totals, :func:`breakdown` says where the errors are, so each stage's owner can
see which classes to work on: precision per *system* type and recall per *gold* type (for
entities and events), the stance confusion matrix, and the lists of missed and spurious
entities and events. :func:`to_json` puts all of it in one document.
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import orjson

from models import EnrichedArticle, EventType
from streams.text.matchform import fold_phrase

ENTITY_TYPES = ("PER", "ORG", "LOC", "MISC")
EVENT_TYPES = tuple(t.value for t in EventType)
STANCE_LABELS = ("supportive", "neutral", "critical")
EVIDENCE_CHARS = 60  # error listings show this much of an event's evidence


def ascii_fold(name: str) -> str:
    """"Yaşar Güler" → "yasar guler"."""
    name = name.replace("ı", "i").replace("İ", "I")
    return "".join(c for c in unicodedata.normalize("NFKD", name) if not unicodedata.combining(c)).lower().strip()


def _snippet(text: str, limit: int = EVIDENCE_CHARS) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


@dataclass
class Counts:
    entity_system: int = 0
    entity_system_matched: int = 0
    entity_gold: int = 0
    entity_gold_matched: int = 0
    event_system: int = 0
    event_system_matched: int = 0
    event_core: int = 0
    event_core_matched: int = 0
    event_gold: int = 0
    event_gold_matched: int = 0
    stance_total: int = 0
    stance_correct: int = 0
    stance_abs_error: float = 0.0

    def add(self, other: Counts) -> None:
        for key, value in asdict(other).items():
            setattr(self, key, getattr(self, key) + value)


@dataclass
class TypeCounts:
    """Counts for one entity or event type: system side by system type, gold side by gold type."""

    system: int = 0
    system_matched: int = 0
    gold: int = 0
    gold_matched: int = 0
    core: int = 0  # events only
    core_matched: int = 0

    def add(self, other: TypeCounts) -> None:
        for key, value in asdict(other).items():
            setattr(self, key, getattr(self, key) + value)


@dataclass
class EntityError:
    """A missed gold entity (all its mentions) or a spurious system entity (its first mention)."""

    file: str
    canonical: str
    type: str
    mentions: list[str]


@dataclass
class EventError:
    """A missed core gold event or a spurious system event, with a short evidence snippet."""

    file: str
    type: str
    actors: list[str]
    targets: list[str]
    evidence: str


@dataclass
class ArticleScore:
    article: str
    counts: Counts
    stance_gold_label: str
    stance_gold_score: float
    stance_system_label: str
    stance_system_score: float
    entity_types: dict[str, TypeCounts] = field(default_factory=dict)
    event_types: dict[str, TypeCounts] = field(default_factory=dict)
    entity_type_mismatches: list[tuple[str, str]] = field(default_factory=list)  # (gold, system) of matched pairs
    missed_entities: list[EntityError] = field(default_factory=list)
    spurious_entities: list[EntityError] = field(default_factory=list)
    missed_core_events: list[EventError] = field(default_factory=list)
    spurious_events: list[EventError] = field(default_factory=list)

    @property
    def stance_gold(self) -> str:
        return f"{self.stance_gold_label} {self.stance_gold_score:+.2f}"

    @property
    def stance_system(self) -> str:
        return f"{self.stance_system_label} {self.stance_system_score:+.2f}"


def _ratio(part: float, whole: float) -> float:
    return part / whole if whole else 0.0


def _f1(precision: float, recall: float) -> float:
    return 2 * precision * recall / (precision + recall) if precision + recall else 0.0


def summary(counts: Counts) -> dict[str, float]:
    entity_p = _ratio(counts.entity_system_matched, counts.entity_system)
    entity_r = _ratio(counts.entity_gold_matched, counts.entity_gold)
    event_p = _ratio(counts.event_system_matched, counts.event_system)
    event_r = _ratio(counts.event_core_matched, counts.event_core)
    return {
        "entity_precision": round(entity_p, 4),
        "entity_recall": round(entity_r, 4),
        "entity_f1": round(_f1(entity_p, entity_r), 4),
        "event_precision": round(event_p, 4),
        "event_core_recall": round(event_r, 4),
        "event_f1": round(_f1(event_p, event_r), 4),
        "event_recall_all": round(_ratio(counts.event_gold_matched, counts.event_gold), 4),
        "stance_accuracy": round(_ratio(counts.stance_correct, counts.stance_total), 4),
        "stance_mae": round(_ratio(counts.stance_abs_error, counts.stance_total), 4),
        "articles": counts.stance_total,
    }


class _GoldEntities:
    """Resolve system names and mentions to gold entity indices."""

    def __init__(self, entities: list[dict[str, Any]]):
        self.entities = entities
        self.by_name: dict[str, int] = {}
        self.by_mention: dict[str, int] = {}
        # A name that is one gold entity's canonical and another's ``also`` ("Ankara" beside
        # a Turkey whose alternatives list its capital) names the first: canonicals go in
        # before any ``also``, so the match does not depend on the order of the gold file.
        for index, entity in enumerate(entities):
            self.by_name.setdefault(ascii_fold(entity["canonical"]), index)
        for index, entity in enumerate(entities):
            for name in entity.get("also") or []:
                self.by_name.setdefault(ascii_fold(name), index)
            for mention in entity.get("mentions") or []:
                self.by_mention.setdefault(fold_phrase(mention), index)

    def match(self, canonical: str, mentions: Iterable[str] = ()) -> int | None:
        found = self.by_name.get(ascii_fold(canonical))
        if found is not None:
            return found
        for mention in mentions:
            found = self.by_mention.get(fold_phrase(mention))
            if found is not None:
                return found
        return None


def _max_matching(left: int, edges: dict[int, list[int]]) -> dict[int, int]:
    """Maximum bipartite matching (augmenting paths): left index → right index."""
    owner: dict[int, int] = {}

    def augment(node: int, seen: set[int]) -> bool:
        for right in edges.get(node, []):
            if right in seen:
                continue
            seen.add(right)
            if right not in owner or augment(owner[right], seen):
                owner[right] = node
                return True
        return False

    for node in range(left):
        augment(node, set())
    return {node: right for right, node in owner.items()}


def _entity_type(entity: dict[str, Any]) -> str:
    return str(entity.get("type") or "?")


def score_article(record: EnrichedArticle, gold: dict[str, Any]) -> ArticleScore:
    counts = Counts()
    file = gold["article"]
    gold_entities = gold["entities"]
    resolver = _GoldEntities(gold_entities)
    entity_types: dict[str, TypeCounts] = {}
    matched_gold: set[int] = set()
    spurious: list[EntityError] = []
    mismatches: list[tuple[str, str]] = []
    system_to_gold: dict[str, int] = {}
    for entity in record.entities:
        found = resolver.match(entity.canonical, (m.text for m in entity.mentions))
        counts.entity_system += 1
        tally = entity_types.setdefault(entity.type, TypeCounts())
        tally.system += 1
        if found is None:
            first = [entity.mentions[0].text] if entity.mentions else []
            spurious.append(EntityError(file, entity.canonical, entity.type, first))
        else:
            counts.entity_system_matched += 1
            tally.system_matched += 1
            matched_gold.add(found)
            system_to_gold[entity.canonical] = found
            if _entity_type(gold_entities[found]) != entity.type:
                mismatches.append((_entity_type(gold_entities[found]), entity.type))
    counts.entity_gold = len(gold_entities)
    counts.entity_gold_matched = len(matched_gold)
    for index, entity in enumerate(gold_entities):
        tally = entity_types.setdefault(_entity_type(entity), TypeCounts())
        tally.gold += 1
        tally.gold_matched += index in matched_gold

    def participants_of(names: Iterable[str], resolve_system: bool) -> set[Any]:
        result: set[Any] = set()
        for name in names:
            index = system_to_gold.get(name) if resolve_system else None
            if index is None:
                index = resolver.match(name)
            result.add(index if index is not None else ascii_fold(name))
        return result

    gold_events = gold["events"]
    system_sets = [participants_of(e.actors + e.targets, True) for e in record.events]
    gold_sets = [participants_of(e["actors"] + e["targets"], False) for e in gold_events]

    def edges(gold_indices: list[int]) -> dict[int, list[int]]:
        return {
            s: [g for g in gold_indices if gold_events[g]["type"] == event.type.value and system_sets[s] & gold_sets[g]]
            for s, event in enumerate(record.events)
        }

    core = [g for g, event in enumerate(gold_events) if event.get("core")]
    core_match = _max_matching(len(record.events), edges(core))
    all_match = _max_matching(len(record.events), edges(list(range(len(gold_events)))))
    counts.event_system = len(record.events)
    counts.event_system_matched = len(all_match)
    counts.event_core = len(core)
    counts.event_core_matched = len(core_match)
    counts.event_gold = len(gold_events)
    counts.event_gold_matched = len(all_match)

    event_types: dict[str, TypeCounts] = {}
    for s, event in enumerate(record.events):
        tally = event_types.setdefault(event.type.value, TypeCounts())
        tally.system += 1
        tally.system_matched += s in all_match
    matched_core = set(core_match.values())
    matched_any = set(all_match.values())
    for g, event in enumerate(gold_events):
        tally = event_types.setdefault(event["type"], TypeCounts())
        tally.gold += 1
        tally.gold_matched += g in matched_any
        if event.get("core"):
            tally.core += 1
            tally.core_matched += g in matched_core

    gold_stance = gold["stance"]
    counts.stance_total = 1
    counts.stance_correct = int(record.stance.label == gold_stance["label"])
    counts.stance_abs_error = abs(record.stance.score - float(gold_stance["score"]))
    return ArticleScore(
        article=file,
        counts=counts,
        stance_gold_label=gold_stance["label"],
        stance_gold_score=float(gold_stance["score"]),
        stance_system_label=record.stance.label,
        stance_system_score=record.stance.score,
        entity_types=entity_types,
        event_types=event_types,
        entity_type_mismatches=mismatches,
        missed_entities=[
            EntityError(file, e["canonical"], _entity_type(e), list(e.get("mentions") or []))
            for i, e in enumerate(gold_entities)
            if i not in matched_gold
        ],
        spurious_entities=spurious,
        missed_core_events=[
            EventError(file, e["type"], list(e["actors"]), list(e["targets"]), _snippet(e.get("evidence") or ""))
            for g, e in enumerate(gold_events)
            if g in core and g not in matched_core
        ],
        spurious_events=[
            EventError(file, e.type.value, list(e.actors), list(e.targets), _snippet(e.evidence.text))
            for s, e in enumerate(record.events)
            if s not in all_match
        ],
    )


def load_gold(directory: Path) -> dict[str, dict[str, Any]]:
    """Gold annotations by article file name."""
    gold: dict[str, dict[str, Any]] = {}
    for path in sorted(directory.glob("*.json")):
        data = orjson.loads(path.read_bytes())
        if isinstance(data, dict) and "article" in data and "entities" in data:
            gold[data["article"]] = data
    if not gold:
        raise ValueError(f"{directory}: no gold annotation files (*.json with 'article' and 'entities')")
    return gold


def evaluate(records: Iterable[EnrichedArticle], gold: dict[str, dict[str, Any]]) -> tuple[dict[str, float], list[ArticleScore]]:
    total = Counts()
    scores: list[ArticleScore] = []
    for record in records:
        name = record.source.file
        if name is None or name not in gold:
            continue
        score = score_article(record, gold[name])
        total.add(score.counts)
        scores.append(score)
    if not scores:
        raise ValueError("no record matched a gold annotation (records need source.file equal to the gold 'article')")
    return summary(total), scores


@dataclass
class Breakdown:
    """Where the errors are, summed over articles."""

    entity_types: dict[str, TypeCounts]
    event_types: dict[str, TypeCounts]
    entity_type_mismatches: dict[tuple[str, str], int]
    stance_labels: list[str]
    stance_confusion: dict[str, dict[str, int]]  # gold label → system label → articles
    stance_mae: float
    stance_mae_by_gold: dict[str, float]
    missed_entities: list[EntityError]
    spurious_entities: list[EntityError]
    missed_core_events: list[EventError]
    spurious_events: list[EventError]


def _ordered(keys: Iterable[str], order: tuple[str, ...]) -> list[str]:
    present = set(keys)
    return [k for k in order if k in present] + sorted(present - set(order))


def breakdown(scores: list[ArticleScore]) -> Breakdown:
    entity_types: dict[str, TypeCounts] = {t: TypeCounts() for t in ENTITY_TYPES}
    event_types: dict[str, TypeCounts] = {}
    mismatches: Counter[tuple[str, str]] = Counter()
    for score in scores:
        for kind, tally in score.entity_types.items():
            entity_types.setdefault(kind, TypeCounts()).add(tally)
        for kind, tally in score.event_types.items():
            event_types.setdefault(kind, TypeCounts()).add(tally)
        mismatches.update(score.entity_type_mismatches)
    labels = _ordered(
        [s.stance_gold_label for s in scores] + [s.stance_system_label for s in scores] + list(STANCE_LABELS),
        STANCE_LABELS,
    )
    confusion = {gold: {system: 0 for system in labels} for gold in labels}
    errors: dict[str, list[float]] = {label: [] for label in labels}
    for score in scores:
        confusion[score.stance_gold_label][score.stance_system_label] += 1
        errors[score.stance_gold_label].append(abs(score.stance_system_score - score.stance_gold_score))
    every_error = [e for values in errors.values() for e in values]
    return Breakdown(
        entity_types={k: entity_types[k] for k in _ordered(entity_types, ENTITY_TYPES)},
        event_types={k: event_types[k] for k in _ordered(event_types, EVENT_TYPES)},
        entity_type_mismatches=dict(mismatches.most_common()),
        stance_labels=labels,
        stance_confusion=confusion,
        stance_mae=round(_ratio(sum(every_error), len(every_error)), 4),
        stance_mae_by_gold={k: round(_ratio(sum(v), len(v)), 4) for k, v in errors.items() if v},
        missed_entities=[e for s in scores for e in s.missed_entities],
        spurious_entities=[e for s in scores for e in s.spurious_entities],
        missed_core_events=[e for s in scores for e in s.missed_core_events],
        spurious_events=[e for s in scores for e in s.spurious_events],
    )


def _defined(part: float, whole: float) -> float | None:
    """A per-type ratio, or None where the type has nothing to divide by."""
    return round(part / whole, 4) if whole else None


def _type_figures(tally: TypeCounts, events: bool) -> dict[str, float | int | None]:
    precision = _ratio(tally.system_matched, tally.system)
    figures: dict[str, float | int | None] = {**asdict(tally)}
    figures["precision"] = _defined(tally.system_matched, tally.system)
    if events:
        core_recall = _ratio(tally.core_matched, tally.core)
        figures.update(
            core_recall=_defined(tally.core_matched, tally.core),
            recall_all=_defined(tally.gold_matched, tally.gold),
            f1=round(_f1(precision, core_recall), 4) if tally.system and tally.core else None,
        )
    else:
        del figures["core"], figures["core_matched"]
        recall = _ratio(tally.gold_matched, tally.gold)
        figures.update(
            recall=_defined(tally.gold_matched, tally.gold),
            f1=round(_f1(precision, recall), 4) if tally.system and tally.gold else None,
        )
    return figures


def _article_figures(score: ArticleScore) -> dict[str, Any]:
    c = score.counts
    return {
        "article": score.article,
        "entity_precision": round(_ratio(c.entity_system_matched, c.entity_system), 4),
        "entity_recall": round(_ratio(c.entity_gold_matched, c.entity_gold), 4),
        "event_precision": round(_ratio(c.event_system_matched, c.event_system), 4),
        "event_core_recall": round(_ratio(c.event_core_matched, c.event_core), 4),
        "event_recall_all": round(_ratio(c.event_gold_matched, c.event_gold), 4),
        "stance": {
            "gold": {"label": score.stance_gold_label, "score": score.stance_gold_score},
            "system": {"label": score.stance_system_label, "score": score.stance_system_score},
        },
        "counts": asdict(c),
    }


def to_json(result: dict[str, float], scores: list[ArticleScore]) -> dict[str, Any]:
    """Totals, per-type figures, per-article figures, stance confusion and error lists in one document."""
    parts = breakdown(scores)
    return {
        "summary": result,
        "entities_by_type": {k: _type_figures(v, events=False) for k, v in parts.entity_types.items()},
        "entity_type_mismatches": [
            {"gold": gold, "system": system, "count": n} for (gold, system), n in parts.entity_type_mismatches.items()
        ],
        "events_by_type": {k: _type_figures(v, events=True) for k, v in parts.event_types.items()},
        "stance": {
            "labels": parts.stance_labels,
            "confusion": parts.stance_confusion,
            "accuracy": result["stance_accuracy"],
            "mae": parts.stance_mae,
            "mae_by_gold_label": parts.stance_mae_by_gold,
        },
        "articles": [_article_figures(s) for s in scores],
        "errors": {
            "missed_entities": [asdict(e) for e in parts.missed_entities],
            "spurious_entities": [asdict(e) for e in parts.spurious_entities],
            "missed_core_events": [asdict(e) for e in parts.missed_core_events],
            "spurious_events": [asdict(e) for e in parts.spurious_events],
        },
    }


def _cell(part: int, whole: int, width: int = 6) -> str:
    return f"{part / whole:>{width}.3f}" if whole else f"{'-':>{width}}"


def _breakdown_lines(parts: Breakdown) -> list[str]:
    header = f"{'entities by type':<24} {'sys':>5} {'match':>5} {'P':>6}  {'gold':>5} {'match':>5} {'R':>6}  {'F1':>6}"
    lines = ["", header]
    for kind, t in parts.entity_types.items():
        p, r = _ratio(t.system_matched, t.system), _ratio(t.gold_matched, t.gold)
        f1 = f"{_f1(p, r):>6.3f}" if t.system and t.gold else f"{'-':>6}"
        lines.append(
            f"{kind:<24} {t.system:>5} {t.system_matched:>5} {_cell(t.system_matched, t.system)}  "
            f"{t.gold:>5} {t.gold_matched:>5} {_cell(t.gold_matched, t.gold)}  {f1}"
        )
    if parts.entity_type_mismatches:
        pairs = ", ".join(f"{g}→{s} {n}" for (g, s), n in parts.entity_type_mismatches.items())
        lines.append(f"matched with another type (gold→system): {pairs}")
    lines += [
        "",
        f"{'events by type':<24} {'sys':>5} {'match':>5} {'P':>6}  {'core':>5} {'match':>5} {'core R':>6}  "
        f"{'gold':>5} {'match':>5} {'all R':>6}",
    ]
    for kind, t in parts.event_types.items():
        lines.append(
            f"{kind:<24} {t.system:>5} {t.system_matched:>5} {_cell(t.system_matched, t.system)}  "
            f"{t.core:>5} {t.core_matched:>5} {_cell(t.core_matched, t.core)}  "
            f"{t.gold:>5} {t.gold_matched:>5} {_cell(t.gold_matched, t.gold)}"
        )
    labels = parts.stance_labels
    header = f"{'gold/system':<14}" + "".join(f"{s:>12}" for s in labels) + f"{'total':>8}{'MAE':>8}"
    lines += ["", "stance confusion (rows gold, columns system)", header]
    for gold in labels:
        row = parts.stance_confusion[gold]
        mae = parts.stance_mae_by_gold.get(gold)
        lines.append(
            f"{gold:<14}" + "".join(f"{row[s]:>12}" for s in labels) + f"{sum(row.values()):>8}"
            + (f"{mae:>8.3f}" if mae is not None else f"{'-':>8}")
        )
    return lines


def _error_lines(parts: Breakdown) -> list[str]:
    def participants(e: EventError) -> str:
        return f"{', '.join(e.actors) or '-'} → {', '.join(e.targets) or '-'}"

    lines = ["", f"missed gold entities ({len(parts.missed_entities)})"]
    lines += [f"  {e.file:<36} {e.type:<5} {e.canonical}  [{' | '.join(e.mentions)}]" for e in parts.missed_entities]
    lines += ["", f"spurious system entities ({len(parts.spurious_entities)})"]
    lines += [
        f"  {e.file:<36} {e.type:<5} {e.canonical}  «{e.mentions[0] if e.mentions else ''}»" for e in parts.spurious_entities
    ]
    lines += ["", f"missed core events ({len(parts.missed_core_events)})"]
    lines += [f"  {e.file:<36} {e.type:<24} {participants(e)}  «{e.evidence}»" for e in parts.missed_core_events]
    lines += ["", f"spurious system events ({len(parts.spurious_events)})"]
    lines += [f"  {e.file:<36} {e.type:<24} {participants(e)}  «{e.evidence}»" for e in parts.spurious_events]
    return lines


def format_table(result: dict[str, float], scores: list[ArticleScore], verbose: bool = False) -> str:
    """Per-article rows, the per-type and stance breakdowns, the error lists when ``verbose``, then the totals."""
    lines = [
        f"{'article':<40} {'ent P':>6} {'ent R':>6} {'evt P':>6} {'core R':>6}  stance (gold | system)",
    ]
    for score in scores:
        c = score.counts
        lines.append(
            f"{score.article:<40} {_ratio(c.entity_system_matched, c.entity_system):>6.2f} "
            f"{_ratio(c.entity_gold_matched, c.entity_gold):>6.2f} {_ratio(c.event_system_matched, c.event_system):>6.2f} "
            f"{_ratio(c.event_core_matched, c.event_core):>6.2f}  {score.stance_gold} | {score.stance_system}"
        )
    parts = breakdown(scores)
    lines += _breakdown_lines(parts)
    if verbose:
        lines += _error_lines(parts)
    lines += [
        "",
        f"entities  P {result['entity_precision']:.3f}  R {result['entity_recall']:.3f}  F1 {result['entity_f1']:.3f}",
        f"events    P {result['event_precision']:.3f}  core R {result['event_core_recall']:.3f}  F1 {result['event_f1']:.3f}"
        f"  (all-gold R {result['event_recall_all']:.3f})",
        f"stance    accuracy {result['stance_accuracy']:.3f}  MAE {result['stance_mae']:.3f}  ({int(result['articles'])} articles)",
    ]
    return "\n".join(lines)
