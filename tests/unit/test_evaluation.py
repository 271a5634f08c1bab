"""Scoring against hand annotations (gold/FORMAT.md) on small hand-made cases and on the seeds."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest

from models import EnrichedArticle, Entity, Event, Mention, Plover, Source, Stance
from streams.tools.evaluation import ascii_fold, evaluate, format_table, load_gold, score_article
from streams.io.sources import read_text_article
from streams.stages.pipeline import process_article


def _entity(canonical: str, *mentions: str) -> Entity:
    return Entity(
        canonical=canonical,
        type="PER",
        mentions=[Mention(text=m, start=0, end=len(m)) for m in mentions] or [Mention(text="x", start=0, end=1)],
    )


def _event(kind: str, actors: list[str], targets: list[str] = ()) -> Event:
    return Event(
        type=kind,
        cameo="040",
        plover=Plover(event="CONSULT"),
        actors=actors,
        targets=list(targets),
        modality="asserted",
        trigger="التقى",
        evidence=Mention(text="التقى", start=0, end=5),
    )


def _record(entities: list[Entity], events: list[Event] = (), label: str = "neutral", score: float = 0.0) -> EnrichedArticle:
    return EnrichedArticle(
        id="a1",
        text="نص",
        clean_text="نص",
        source=Source(file="a.txt"),
        language="ar",
        content_hash="h",
        sentences=[],
        entities=entities,
        events=list(events),
        stance=Stance(label=label, score=score, evidence=[]),
        pipeline_version="test",
        processed_at=datetime(2025, 1, 1, tzinfo=timezone.utc),
    )


def _gold(entities: list[dict], events: list[dict] = (), label: str = "neutral", score: float = 0.0) -> dict:
    return {"article": "a.txt", "entities": entities, "events": list(events), "stance": {"label": label, "score": score}}


GULER = {"canonical": "Yasar Guler", "type": "PER", "camp": "turkey", "mentions": ["يشار غولر"], "also": ["Yaşar Güler"]}
SADDAM = {"canonical": "Saddam Haftar", "type": "PER", "camp": "haftar", "mentions": ["صدام حفتر"]}
ANKARA = {"canonical": "Ankara", "type": "LOC", "camp": "turkey", "mentions": ["أنقرة"]}


def test_ascii_fold() -> None:
    assert ascii_fold("Yaşar Güler") == "yasar guler"
    assert ascii_fold("İlkay Altındağ") == "ilkay altindag"
    assert ascii_fold(" Recep Tayyip Erdoğan ") == "recep tayyip erdogan"


def test_entity_match_by_canonical_by_also_and_by_mention() -> None:
    gold = _gold([GULER, SADDAM, ANKARA])
    by_canonical = score_article(_record([_entity("yasar guler")]), gold).counts
    assert (by_canonical.entity_system_matched, by_canonical.entity_gold_matched) == (1, 1)

    by_also = score_article(_record([_entity("Yaşar Güler")]), gold).counts
    assert by_also.entity_system_matched == 1

    # an unlinked entity named by its surface form matches through a gold mention (folded)
    by_mention = score_article(_record([_entity("صدام حفتر", "صدّام حفتر")]), gold).counts
    assert by_mention.entity_system_matched == 1 and by_mention.entity_gold_matched == 1

    miss = score_article(_record([_entity("Khalifa Haftar", "خليفة حفتر")]), gold)
    assert miss.counts.entity_system_matched == 0
    assert miss.spurious_entities == ["Khalifa Haftar"]
    assert set(miss.missed_entities) == {"Yasar Guler", "Saddam Haftar", "Ankara"}


def test_entity_precision_and_recall_counts() -> None:
    gold = _gold([GULER, SADDAM, ANKARA])
    score = score_article(_record([_entity("Yasar Guler"), _entity("Saddam Haftar"), _entity("Moscow")]), gold)
    counts = score.counts
    assert (counts.entity_system, counts.entity_system_matched) == (3, 2)
    assert (counts.entity_gold, counts.entity_gold_matched) == (3, 2)
    # two system entities matching one gold entity count once on the gold side
    twice = score_article(_record([_entity("Yasar Guler"), _entity("Yaşar Güler")]), gold).counts
    assert (twice.entity_system_matched, twice.entity_gold_matched) == (2, 1)


def test_events_match_one_to_one_by_type_and_a_shared_participant() -> None:
    gold = _gold(
        [GULER, SADDAM, ANKARA],
        [
            {"type": "MEETING", "actors": ["Saddam Haftar"], "targets": ["Yasar Guler"], "core": True},
            {"type": "VISIT", "actors": ["Saddam Haftar"], "targets": ["Ankara"], "core": False},
        ],
    )
    entities = [_entity("Saddam Haftar"), _entity("Yasar Guler")]
    # two system meetings for one gold meeting: only one matches
    events = [_event("MEETING", ["Saddam Haftar"]), _event("MEETING", ["Yasar Guler"], ["Saddam Haftar"])]
    counts = score_article(_record(entities, events), gold).counts
    assert (counts.event_system, counts.event_system_matched) == (2, 1)
    assert (counts.event_core, counts.event_core_matched) == (1, 1)

    # the right participants with the wrong type do not match
    wrong_type = score_article(_record(entities, [_event("AGREEMENT", ["Saddam Haftar"], ["Yasar Guler"])]), gold)
    assert wrong_type.counts.event_system_matched == 0
    assert wrong_type.missed_core_events and wrong_type.spurious_events


def test_core_recall_counts_core_events_only_and_precision_counts_all() -> None:
    gold = _gold(
        [GULER, SADDAM, ANKARA],
        [
            {"type": "MEETING", "actors": ["Saddam Haftar"], "targets": ["Yasar Guler"], "core": True},
            {"type": "VISIT", "actors": ["Saddam Haftar"], "targets": ["Ankara"], "core": False},
        ],
    )
    record = _record([_entity("Saddam Haftar")], [_event("VISIT", ["Saddam Haftar"], ["Turkey"])])
    counts = score_article(record, gold).counts
    assert counts.event_system_matched == 1  # matches the optional visit
    assert (counts.event_core, counts.event_core_matched) == (1, 0)


def test_event_participants_are_resolved_through_matched_entities() -> None:
    gold = _gold([GULER, SADDAM], [{"type": "MEETING", "actors": ["Saddam Haftar"], "targets": [], "core": True}])
    # the system calls Saddam by an unlinked surface name that matches the gold mention
    record = _record([_entity("صدام حفتر", "صدام حفتر")], [_event("MEETING", ["صدام حفتر"])])
    assert score_article(record, gold).counts.event_core_matched == 1


def test_stance_accuracy_and_absolute_error() -> None:
    gold = _gold([GULER], label="supportive", score=0.6)
    right = score_article(_record([], label="supportive", score=0.5), gold).counts
    assert right.stance_correct == 1 and right.stance_abs_error == pytest.approx(0.1)
    wrong = score_article(_record([], label="critical", score=-0.4), gold).counts
    assert wrong.stance_correct == 0 and wrong.stance_abs_error == pytest.approx(1.0)


def test_evaluate_sums_articles_and_skips_unknown_ones() -> None:
    gold = {"a.txt": _gold([GULER, SADDAM], label="neutral", score=0.0)}
    record = _record([_entity("Yasar Guler"), _entity("Moscow")], label="critical", score=-0.5)
    other = record.model_copy(update={"source": Source(file="unknown.txt")})
    result, scores = evaluate([record, other], gold)
    assert len(scores) == 1
    assert result["entity_precision"] == 0.5 and result["entity_recall"] == 0.5
    assert result["stance_accuracy"] == 0.0 and result["stance_mae"] == 0.5
    assert result["articles"] == 1
    with pytest.raises(ValueError):
        evaluate([other], gold)


def test_load_gold_refuses_an_empty_directory(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        load_gold(tmp_path)


def test_evaluate_the_seeds_against_the_gold(seed_paths: list[Path], gold_dir: Path) -> None:
    gold = load_gold(gold_dir)
    records = [process_article(read_text_article(path)) for path in seed_paths]
    result, scores = evaluate(records, gold)
    assert len(scores) == len([p for p in seed_paths if p.name in gold])
    assert result["articles"] == len(scores)
    for key, value in result.items():
        if key != "articles":
            assert 0.0 <= value <= 1.0, key
    expected = {
        "entity_precision", "entity_recall", "entity_f1", "event_precision",
        "event_core_recall", "event_f1", "stance_accuracy", "stance_mae",
    }
    assert expected <= set(result)
    table = format_table(result, scores, verbose=True)
    for score in scores:
        assert score.article in table
