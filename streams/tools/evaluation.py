"""Score enriched records against hand annotations in the format of ``gold/FORMAT.md``.

Per article, then summed over all articles (micro averages):

* entities: a system entity matches a gold entity when its ASCII-folded, lower-cased
  canonical name equals the gold canonical or one of its ``also`` names, or when one of
  its mentions equals a gold mention after Arabic normalisation;
* events: one-to-one; a system event matches a gold event of the same type sharing at
  least one participant (names compared through the gold entities they match). Recall
  counts core gold events only; precision counts system events matched to any gold event;
* stance: label accuracy and the mean absolute error of the score.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import orjson

from models import EnrichedArticle
from streams.text.matchform import fold_phrase


def ascii_fold(name: str) -> str:
    """"Yaşar Güler" → "yasar guler"."""
    name = name.replace("ı", "i").replace("İ", "I")
    return "".join(c for c in unicodedata.normalize("NFKD", name) if not unicodedata.combining(c)).lower().strip()


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
    stance_total: int = 0
    stance_correct: int = 0
    stance_abs_error: float = 0.0

    def add(self, other: Counts) -> None:
        for key, value in asdict(other).items():
            setattr(self, key, getattr(self, key) + value)


@dataclass
class ArticleScore:
    article: str
    counts: Counts
    stance_gold: str
    stance_system: str
    missed_entities: list[str] = field(default_factory=list)
    spurious_entities: list[str] = field(default_factory=list)
    missed_core_events: list[str] = field(default_factory=list)
    spurious_events: list[str] = field(default_factory=list)


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
        for index, entity in enumerate(entities):
            for name in [entity["canonical"], *(entity.get("also") or [])]:
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


def score_article(record: EnrichedArticle, gold: dict[str, Any]) -> ArticleScore:
    counts = Counts()
    resolver = _GoldEntities(gold["entities"])
    matched_gold: set[int] = set()
    spurious: list[str] = []
    system_to_gold: dict[str, int] = {}
    for entity in record.entities:
        found = resolver.match(entity.canonical, (m.text for m in entity.mentions))
        counts.entity_system += 1
        if found is None:
            spurious.append(entity.canonical)
        else:
            counts.entity_system_matched += 1
            matched_gold.add(found)
            system_to_gold[entity.canonical] = found
    counts.entity_gold = len(gold["entities"])
    counts.entity_gold_matched = len(matched_gold)

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

    gold_stance = gold["stance"]
    counts.stance_total = 1
    counts.stance_correct = int(record.stance.label == gold_stance["label"])
    counts.stance_abs_error = abs(record.stance.score - float(gold_stance["score"]))
    matched_core = set(core_match.values())
    return ArticleScore(
        article=gold["article"],
        counts=counts,
        stance_gold=f"{gold_stance['label']} {gold_stance['score']:+.2f}",
        stance_system=f"{record.stance.label} {record.stance.score:+.2f}",
        missed_entities=[gold["entities"][i]["canonical"] for i in range(len(gold["entities"])) if i not in matched_gold],
        spurious_entities=spurious,
        missed_core_events=[
            f"{gold_events[g]['type']} {gold_events[g]['actors']}→{gold_events[g]['targets']}" for g in core if g not in matched_core
        ],
        spurious_events=[
            f"{e.type.value} {e.actors}→{e.targets}" for s, e in enumerate(record.events) if s not in all_match
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


def format_table(result: dict[str, float], scores: list[ArticleScore], verbose: bool = False) -> str:
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
        if verbose:
            for label, items in (
                ("missed entities", score.missed_entities),
                ("spurious entities", score.spurious_entities),
                ("missed core events", score.missed_core_events),
                ("spurious events", score.spurious_events),
            ):
                if items:
                    lines.append(f"    {label}: {'; '.join(items)}")
    lines += [
        "",
        f"entities  P {result['entity_precision']:.3f}  R {result['entity_recall']:.3f}  F1 {result['entity_f1']:.3f}",
        f"events    P {result['event_precision']:.3f}  core R {result['event_core_recall']:.3f}  F1 {result['event_f1']:.3f}",
        f"stance    accuracy {result['stance_accuracy']:.3f}  MAE {result['stance_mae']:.3f}  ({int(result['articles'])} articles)",
    ]
    return "\n".join(lines)
