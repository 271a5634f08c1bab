"""The four stages chained: the offline path, and the published record's JSON contract."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import orjson
import pytest

from models import SCHEMA_VERSION, EnrichedArticle, EntitiesArticle, EventsArticle, NormalisedArticle, RawArticle
from streams.io.sources import read_text_article
from streams.stages.pipeline import default_context, pipeline_version, process_article, run_stage
from streams.stages.spec import STAGES, StageContext

FIXED = datetime(2025, 6, 1, 12, 0, tzinfo=timezone.utc)


def _keys(value: Any) -> set[str]:
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in _keys(v)}
    if isinstance(value, list):
        return {k for v in value for k in _keys(v)}
    return set()


@pytest.fixture(scope="module")
def enriched_seeds(seed_paths: list[Path]) -> list[EnrichedArticle]:
    return [process_article(read_text_article(path)) for path in seed_paths]


def test_each_seed_gives_an_enriched_article(enriched_seeds: list[EnrichedArticle], seed_paths: list[Path]) -> None:
    assert len(enriched_seeds) == len(seed_paths)
    for record, path in zip(enriched_seeds, seed_paths):
        assert isinstance(record, EnrichedArticle)
        assert record.source.file == path.name
        assert record.schema_version == SCHEMA_VERSION
        assert record.pipeline_version == pipeline_version()
        assert record.entities and record.events and record.sentences
        assert record.stance.label in {"supportive", "neutral", "critical"}


def test_seed_records_round_trip_through_json(enriched_seeds: list[EnrichedArticle]) -> None:
    for record in enriched_seeds:
        data = record.to_json()
        back = EnrichedArticle.from_json(data)
        assert back == record
        assert back.to_json() == data


def test_seed_json_has_no_faust_metadata_and_keeps_the_contract(enriched_seeds: list[EnrichedArticle]) -> None:
    for record in enriched_seeds:
        document = orjson.loads(record.to_json())
        assert not any(key.startswith("__faust") for key in _keys(document))
        for key in ("id", "source", "entities", "events", "stance", "schema_version", "pipeline_version"):
            assert key in document
        for entity in document["entities"]:
            assert {"canonical", "type", "camp", "mentions"} <= set(entity)
            assert all({"text", "start", "end"} <= set(m) for m in entity["mentions"])
        for event in document["events"]:
            assert {"type", "actors", "targets", "location", "modality", "cameo", "evidence"} <= set(event)
        assert {"label", "score", "evidence"} <= set(document["stance"])


def test_the_record_validates_strictly(enriched_seeds: list[EnrichedArticle]) -> None:
    # the stages build records with model_construct: the output must still be a valid record
    for record in enriched_seeds:
        EnrichedArticle.model_validate(record.model_dump())


def test_processing_is_deterministic(seed_paths: list[Path]) -> None:
    context = StageContext(pipeline_version="test", clock=lambda: FIXED)
    first = process_article(read_text_article(seed_paths[0]), context)
    second = process_article(read_text_article(seed_paths[0]), context)
    assert first.to_json() == second.to_json()
    assert first.processed_at == FIXED and first.pipeline_version == "test"


def test_stage_by_stage_equals_process_article() -> None:
    context = StageContext(pipeline_version="test", clock=lambda: FIXED)
    raw = RawArticle(text="التقى صدام حفتر وزير الدفاع التركي يشار غولر في أنقرة يوم الجمعة لبحث التعاون العسكري.")
    record = raw
    expected_types = [NormalisedArticle, EntitiesArticle, EventsArticle, EnrichedArticle]
    for name, expected in zip(STAGES, expected_types):
        stage = STAGES[name]
        # each stage's output travels as JSON to the next
        record = stage.input.from_json(record.to_json())
        record = run_stage(name, record, context)
        assert type(record) is expected is stage.output
    assert record.to_json() == process_article(raw, context).to_json()


def test_pipeline_version_names_the_knowledge() -> None:
    version = pipeline_version()
    assert "+kb." in version
    assert default_context().pipeline_version == version


def test_the_published_record_carries_the_clean_text_the_internal_ones_leave_out(enriched_seeds) -> None:
    """The text without chrome travels once, on the published record (schema 1.2)."""
    for record in enriched_seeds:
        document = orjson.loads(record.to_json())
        assert document["clean_text"]
        for line in document["clean_text"].split("\n"):
            assert line and line in record.text
        for chrome in record.chrome:
            assert chrome.text not in document["clean_text"]
    raw = RawArticle(text="التقى صدام حفتر وزير الدفاع التركي يشار غولر في أنقرة يوم الجمعة.")
    internal = orjson.loads(STAGES["normalise"].run(raw, default_context()).to_json())
    assert "clean_text" not in internal
    assert "clean_text" in EnrichedArticle.model_json_schema()["required"]


def test_the_internal_events_record_gives_evidence_by_offsets_and_the_stance_stage_writes_it_out(
    seed_paths: list[Path],
) -> None:
    """Schema 1.3: an event's sentence travels once on the events topic, in ``text``."""
    context = default_context()
    record: Any = read_text_article(seed_paths[0])
    for name in ("normalise", "entities", "events"):
        record = run_stage(name, record, context)
    wire = orjson.loads(record.to_json())
    assert wire["events"]
    for event in wire["events"]:
        assert set(event["evidence"]) == {"start", "end"}
    read = EventsArticle.from_json(record.to_json())
    enriched = orjson.loads(run_stage("stance", read, context).to_json())
    in_memory = orjson.loads(run_stage("stance", record, context).to_json())
    assert [e["evidence"] for e in enriched["events"]] == [e["evidence"] for e in in_memory["events"]]
    for event in enriched["events"]:
        evidence = event["evidence"]
        assert evidence["text"] == record.text[evidence["start"] : evidence["end"]] != ""
    schema = EventsArticle.model_json_schema(mode="serialization")["$defs"]
    assert "text" not in schema["Span"]["properties"]
    assert "text" in EnrichedArticle.model_json_schema(mode="serialization")["$defs"]["Mention"]["required"]


def test_mentions_are_placed_once_for_the_events_and_stance_stages_of_one_chain(seed_paths: list[Path]) -> None:
    """In one process the stance stage reuses the events stage's placement; a record read
    back from JSON (as a worker reads it) is placed afresh, with the same result.

    The placement kept is the evidence: a fresh one would be another tuple in its slot
    (the module may be compiled, so its internal calls cannot be counted by patching)."""
    from streams.stages import mentions

    context = default_context()
    record: Any = read_text_article(seed_paths[1])
    for name in ("normalise", "entities"):
        record = run_stage(name, record, context)
    events = run_stage("events", record, context)
    placed = mentions._last.placed
    assert placed and mentions._last.entities is events.entities
    chained = run_stage("stance", events, context)
    assert mentions._last.placed is placed  # the same lists: the placement is reused
    assert mentions.placed_mentions(events) is placed
    read = EventsArticle.from_json(events.to_json())
    replaced = mentions.placed_mentions(read)
    assert replaced is not placed and mentions._last.placed is replaced  # other lists: placed afresh
    assert [(p.entity.canonical, p.sentence, p.start, p.end) for p in replaced] == [
        (p.entity.canonical, p.sentence, p.start, p.end) for p in placed
    ]
    from_wire = run_stage("stance", read, context)
    assert from_wire.stance == chained.stance


def test_a_1_2_events_record_with_evidence_text_gives_the_same_published_record(seed_paths: list[Path]) -> None:
    """An events record written before 1.3 (evidence with its text) still reads, and the
    stance stage publishes what it publishes for the 1.3 record of the same article."""
    context = StageContext(pipeline_version="test", clock=lambda: FIXED)
    record: Any = read_text_article(seed_paths[2])
    for name in ("normalise", "entities", "events"):
        record = run_stage(name, record, context)
    old = orjson.loads(record.to_json())
    old["schema_version"] = "1.2"
    for event in old["events"]:
        start, end = event["evidence"]["start"], event["evidence"]["end"]
        event["evidence"] = {"text": record.text[start:end], "start": start, "end": end}
    from_old = run_stage("stance", EventsArticle.from_json(orjson.dumps(old)), context).to_dict()
    from_new = run_stage("stance", EventsArticle.from_json(record.to_json()), context).to_dict()
    assert from_old == from_new
    assert all(event["evidence"]["text"] for event in from_new["events"])
