"""Scoring against hand annotations (gold/FORMAT.md) on small hand-made cases and on the seeds."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import orjson
import pytest
from click.testing import CliRunner

from models import EnrichedArticle, Entity, Event, Mention, Plover, Source, Stance
from streams.tools.evaluation import (
    EVIDENCE_CHARS,
    EntityError,
    ascii_fold,
    breakdown,
    evaluate,
    format_table,
    load_gold,
    score_article,
    to_json,
)
from streams.cli import main
from streams.io.sources import read_text_article
from streams.stages.pipeline import process_article


def _entity(canonical: str, *mentions: str, kind: str = "PER") -> Entity:
    return Entity(
        canonical=canonical,
        type=kind,
        mentions=[Mention(text=m, start=0, end=len(m)) for m in mentions] or [Mention(text="x", start=0, end=1)],
    )


def _event(kind: str, actors: list[str], targets: list[str] = (), evidence: str = "التقى") -> Event:
    return Event(
        type=kind,
        cameo="040",
        plover=Plover(event="CONSULT"),
        actors=actors,
        targets=list(targets),
        modality="asserted",
        trigger="التقى",
        evidence=Mention(text=evidence, start=0, end=len(evidence)),
    )


def _record(
    entities: list[Entity], events: list[Event] = (), label: str = "neutral", score: float = 0.0, file: str = "a.txt"
) -> EnrichedArticle:
    return EnrichedArticle(
        id=file,
        text="نص",
        clean_text="نص",
        source=Source(file=file),
        language="ar",
        content_hash="h",
        sentences=[],
        entities=entities,
        events=list(events),
        stance=Stance(label=label, score=score, evidence=[]),
        pipeline_version="test",
        processed_at=datetime(2025, 1, 1, tzinfo=timezone.utc),
    )


def _gold(
    entities: list[dict], events: list[dict] = (), label: str = "neutral", score: float = 0.0, file: str = "a.txt"
) -> dict:
    return {"article": file, "entities": entities, "events": list(events), "stance": {"label": label, "score": score}}


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
    assert [e.canonical for e in miss.spurious_entities] == ["Khalifa Haftar"]
    assert {e.canonical for e in miss.missed_entities} == {"Yasar Guler", "Saddam Haftar", "Ankara"}


def test_a_canonical_name_matches_its_own_gold_entity_before_another_entitys_also() -> None:
    # the country lists its capital among its alternatives, and comes first in the file
    turkey = {"canonical": "Turkey", "type": "LOC", "mentions": ["تركيا"], "also": ["Türkiye", "Ankara"]}
    gold = _gold([turkey, ANKARA])
    system = [_entity("Turkey", "تركيا", kind="LOC"), _entity("Ankara", "أنقرة", kind="LOC")]
    both = score_article(_record(system), gold)
    assert (both.counts.entity_system_matched, both.counts.entity_gold_matched) == (2, 2)
    assert both.missed_entities == []
    # the alternative still names the country when the file has no entity of that name
    alone = score_article(_record([_entity("Ankara", "العاصمة", kind="LOC")]), _gold([turkey]))
    assert alone.counts.entity_gold_matched == 1


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


LNA = {"canonical": "Libyan National Army", "type": "ORG", "camp": "haftar", "mentions": ["الجيش الوطني"]}
# events of our own over the entities above: a core meeting, an optional visit, a core statement
EVENTS = [
    {"type": "MEETING", "actors": ["Saddam Haftar"], "targets": ["Yasar Guler"], "core": True, "evidence": "التقيا"},
    {"type": "VISIT", "actors": ["Saddam Haftar"], "targets": ["Ankara"], "core": False, "evidence": "زار"},
    {"type": "STATEMENT", "actors": ["Yasar Guler"], "targets": [], "core": True, "evidence": "صرح الوزير"},
]
LONG_EVIDENCE = "وقع الطرفان مذكرة " * 10


def _typed_case() -> tuple[EnrichedArticle, dict]:
    """Two right entities (one with the wrong type), two spurious ones, two gold ones missed."""
    entities = [
        _entity("Yasar Guler", "يشار غولر"),
        _entity("Ankara", "أنقرة", kind="ORG"),
        _entity("Moscow", "موسكو", "الكرملين", kind="LOC"),
        _entity("Bayraktar TB2", "بيرقدار", kind="MISC"),
        _entity("Saddam Haftar", "صدام حفتر"),
    ]
    events = [
        _event("MEETING", ["Saddam Haftar"], ["Yasar Guler"]),
        _event("VISIT", ["Saddam Haftar"], ["Ankara"]),
        _event("AGREEMENT", ["Moscow"], [], evidence=LONG_EVIDENCE),
    ]
    gorgun = {**GULER, "canonical": "Haluk Gorgun", "also": [], "mentions": ["غورغون"]}
    gold = _gold([GULER, SADDAM, ANKARA, LNA, gorgun], EVENTS)
    return _record(entities, events), gold


def test_entity_precision_by_system_type_and_recall_by_gold_type() -> None:
    record, gold = _typed_case()
    score = score_article(record, gold)
    types = score.entity_types
    # precision side: by the system's type (Ankara was typed ORG and still matched)
    assert (types["PER"].system, types["PER"].system_matched) == (2, 2)
    assert (types["ORG"].system, types["ORG"].system_matched) == (1, 1)
    assert (types["LOC"].system, types["LOC"].system_matched) == (1, 0)
    assert (types["MISC"].system, types["MISC"].system_matched) == (1, 0)
    # recall side: by the gold type
    assert (types["PER"].gold, types["PER"].gold_matched) == (3, 2)
    assert (types["LOC"].gold, types["LOC"].gold_matched) == (1, 1)
    assert (types["ORG"].gold, types["ORG"].gold_matched) == (1, 0)
    assert "MISC" not in types or types["MISC"].gold == 0
    assert score.entity_type_mismatches == [("LOC", "ORG")]
    # the per-type tallies add up to the totals
    assert sum(t.system_matched for t in types.values()) == score.counts.entity_system_matched
    assert sum(t.gold_matched for t in types.values()) == score.counts.entity_gold_matched


def test_entity_error_lists_carry_file_type_and_mentions() -> None:
    record, gold = _typed_case()
    score = score_article(record, gold)
    missed = {e.canonical: e for e in score.missed_entities}
    assert set(missed) == {"Libyan National Army", "Haluk Gorgun"}
    assert missed["Libyan National Army"] == EntityError("a.txt", "Libyan National Army", "ORG", ["الجيش الوطني"])
    spurious = {e.canonical: e for e in score.spurious_entities}
    assert set(spurious) == {"Moscow", "Bayraktar TB2"}
    # a spurious entity shows its first mention only
    assert spurious["Moscow"] == EntityError("a.txt", "Moscow", "LOC", ["موسكو"])


def test_event_figures_per_type_and_all_gold_recall() -> None:
    record, gold = _typed_case()
    score = score_article(record, gold)
    types = score.event_types
    meeting, visit, statement, agreement = (types[k] for k in ("MEETING", "VISIT", "STATEMENT", "AGREEMENT"))
    assert (meeting.system, meeting.system_matched, meeting.core, meeting.core_matched) == (1, 1, 1, 1)
    # the optional visit counts for precision and all-gold recall, not for core recall
    assert (visit.system_matched, visit.core, visit.gold, visit.gold_matched) == (1, 0, 1, 1)
    assert (statement.system, statement.core, statement.core_matched, statement.gold_matched) == (0, 1, 0, 0)
    assert (agreement.system, agreement.system_matched, agreement.gold) == (1, 0, 0)
    assert (score.counts.event_gold, score.counts.event_gold_matched) == (3, 2)

    [missed] = score.missed_core_events
    assert (missed.type, missed.actors, missed.targets) == ("STATEMENT", ["Yasar Guler"], [])
    [spurious] = score.spurious_events
    assert (spurious.file, spurious.type, spurious.actors) == ("a.txt", "AGREEMENT", ["Moscow"])
    # the evidence is cut to a short snippet, on one line
    assert len(spurious.evidence) == EVIDENCE_CHARS and spurious.evidence.endswith("…")

    result, scores = evaluate([record], {"a.txt": gold})
    assert result["event_recall_all"] == round(2 / 3, 4)
    assert result["event_core_recall"] == 0.5


def _stance_cases() -> tuple[list[EnrichedArticle], dict[str, dict]]:
    """(gold label, gold score, system label, system score) for four articles of our own."""
    cases = [
        ("supportive", 0.6, "neutral", 0.0),
        ("critical", -0.5, "critical", -0.3),
        ("neutral", 0.0, "neutral", 0.1),
        ("critical", -0.8, "neutral", 0.0),
    ]
    records, gold = [], {}
    for n, (gold_label, gold_score, label, score) in enumerate(cases):
        file = f"{n}.txt"
        records.append(_record([_entity("Yasar Guler")], label=label, score=score, file=file))
        gold[file] = _gold([GULER], label=gold_label, score=gold_score, file=file)
    return records, gold


def test_stance_confusion_matrix_and_mae() -> None:
    records, gold = _stance_cases()
    result, scores = evaluate(records, gold)
    parts = breakdown(scores)
    assert parts.stance_labels == ["supportive", "neutral", "critical"]
    confusion = parts.stance_confusion
    assert confusion["supportive"] == {"supportive": 0, "neutral": 1, "critical": 0}
    assert confusion["neutral"] == {"supportive": 0, "neutral": 1, "critical": 0}
    assert confusion["critical"] == {"supportive": 0, "neutral": 1, "critical": 1}
    assert sum(confusion[label][label] for label in parts.stance_labels) == 2
    assert result["stance_accuracy"] == 0.5
    assert parts.stance_mae == pytest.approx((0.6 + 0.2 + 0.1 + 0.8) / 4, abs=1e-4)
    assert parts.stance_mae == result["stance_mae"]
    assert parts.stance_mae_by_gold["critical"] == pytest.approx(0.5)
    assert parts.stance_mae_by_gold["supportive"] == pytest.approx(0.6)


def test_breakdown_sums_types_over_articles() -> None:
    record, gold = _typed_case()
    other = record.model_copy(update={"source": Source(file="b.txt")})
    result, scores = evaluate([record, other], {"a.txt": gold, "b.txt": {**gold, "article": "b.txt"}})
    parts = breakdown(scores)
    assert list(parts.entity_types) == ["PER", "ORG", "LOC", "MISC"]
    assert (parts.entity_types["PER"].gold, parts.entity_types["PER"].gold_matched) == (6, 4)
    assert parts.event_types["STATEMENT"].core == 2
    assert parts.entity_type_mismatches == {("LOC", "ORG"): 2}
    assert [e.file for e in parts.missed_core_events] == ["a.txt", "b.txt"]
    assert len(parts.spurious_entities) == 4


def test_json_document_holds_totals_types_articles_confusion_and_errors() -> None:
    record, gold = _typed_case()
    result, scores = evaluate([record], {"a.txt": gold})
    document = orjson.loads(orjson.dumps(to_json(result, scores)))
    assert set(document) == {
        "summary", "entities_by_type", "entity_type_mismatches", "events_by_type", "stance", "articles", "errors",
    }
    assert document["summary"] == result
    assert document["entities_by_type"]["LOC"]["recall"] == 1.0
    assert document["entities_by_type"]["LOC"]["precision"] == 0.0
    assert document["entities_by_type"]["PER"]["recall"] == round(2 / 3, 4)
    # a type with nothing on one side has no ratio there rather than a misleading zero
    assert document["events_by_type"]["VISIT"]["core_recall"] is None
    assert document["events_by_type"]["STATEMENT"]["precision"] is None
    assert document["events_by_type"]["MEETING"]["core_recall"] == 1.0
    assert document["stance"]["confusion"]["neutral"]["neutral"] == 1
    assert set(document["stance"]) >= {"labels", "confusion", "accuracy", "mae", "mae_by_gold_label"}
    [article] = document["articles"]
    assert article["article"] == "a.txt" and article["stance"]["gold"]["label"] == "neutral"
    assert article["counts"]["entity_gold"] == 5
    errors = document["errors"]
    assert set(errors) == {"missed_entities", "spurious_entities", "missed_core_events", "spurious_events"}
    assert {e["canonical"] for e in errors["missed_entities"]} == {"Libyan National Army", "Haluk Gorgun"}
    assert errors["spurious_events"][0]["type"] == "AGREEMENT"
    assert set(errors["missed_core_events"][0]) == {"file", "type", "actors", "targets", "evidence"}


def test_table_keeps_totals_last_and_lists_errors_only_when_verbose() -> None:
    records, gold = _stance_cases()
    result, scores = evaluate(records, gold)
    quiet = format_table(result, scores).splitlines()
    assert quiet[0].startswith("article")
    assert quiet[-3].startswith("entities  P ") and " F1 " in quiet[-3]
    assert quiet[-2].startswith("events    P ") and "core R" in quiet[-2]
    assert quiet[-1].startswith("stance    accuracy 0.500")
    assert any(line.startswith("entities by type") for line in quiet)
    assert any(line.startswith("stance confusion") for line in quiet)
    assert not any(line.startswith("missed gold entities") for line in quiet)
    record, typed_gold = _typed_case()
    result, scores = evaluate([record], {"a.txt": typed_gold})
    loud = format_table(result, scores, verbose=True)
    assert "missed gold entities (2)" in loud and "spurious system events (1)" in loud
    assert "Libyan National Army" in loud and "Bayraktar TB2" in loud


def test_evaluate_command_json_and_errors_flag(tmp_path: Path) -> None:
    record, gold = _typed_case()
    records = tmp_path / "out.jsonl"
    records.write_bytes(record.to_json() + b"\n")
    gold_dir = tmp_path / "gold"
    gold_dir.mkdir()
    (gold_dir / "a.json").write_bytes(orjson.dumps(gold))
    runner = CliRunner()
    as_json = runner.invoke(main, ["evaluate", str(records), "--gold", str(gold_dir), "--json"])
    assert as_json.exit_code == 0, as_json.output
    document = orjson.loads(as_json.output)
    assert document["summary"]["articles"] == 1 and len(document["errors"]["missed_entities"]) == 2
    table = runner.invoke(main, ["evaluate", str(records), "--gold", str(gold_dir), "--errors"])
    assert table.exit_code == 0, table.output
    assert "spurious system entities (2)" in table.output
