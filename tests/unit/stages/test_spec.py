"""The stage specs: one declaration per stage, from which topics, gating and the offline path follow."""

from __future__ import annotations

import dataclasses

import pytest

from models import EnrichedArticle, PloverEvent, RawArticle, Story
from streams.io.topics import DLQ, ENRICHED, PLOVER, RAW, STORIES
from streams.runtime.patches import UnsupportedVersion, check_versions
from streams.stages.spec import (
    COMPACTED,
    INTERNAL_TOPICS,
    STAGES,
    TOPICS,
    InputLimit,
    Kind,
    StageSpec,
    main_line,
    topic_records,
)


def test_the_main_line_chains_every_record_stage_from_the_raw_topic() -> None:
    line = main_line()
    assert line[0].source == RAW and line[-1].output is EnrichedArticle
    for before, after in zip(line, line[1:]):
        assert before.sink == after.source and before.output is after.input
    assert [spec.name for spec in line] == [name for name, spec in STAGES.items() if spec.kind == Kind.MAP]


def test_topics_and_records_come_from_the_specs() -> None:
    records = topic_records()
    assert tuple(records) == TOPICS and records[DLQ].__name__ == "DeadLetter"
    assert records[PLOVER] is PloverEvent and records[RAW] is RawArticle
    assert records[STORIES] is Story
    assert len(set(TOPICS)) == len(TOPICS) == 8
    assert set(INTERNAL_TOPICS).isdisjoint(TOPICS)


def test_the_stories_stage_is_an_aggregation_over_regrouped_plover_events() -> None:
    spec = STAGES["stories"]
    assert (spec.kind, spec.source, spec.sink, spec.compacted) == (Kind.AGGREGATE, PLOVER, STORIES, True)
    assert spec.aggregation is not None and spec.internal_topics == (spec.aggregation.repartition,)
    assert spec.gated_topics == () and COMPACTED == (STORIES,)
    assert spec.topics == (PLOVER, spec.aggregation.repartition, STORIES, DLQ)


def test_the_store_stage_is_a_sink_of_three_topics() -> None:
    spec = STAGES["store"]
    assert spec.kind == Kind.SINK and spec.sink is None and spec.writer is not None
    assert spec.input_topics == (ENRICHED, PLOVER, STORIES) and spec.output_topics == (DLQ,)


def test_publish_once_is_declared_per_output() -> None:
    gated = {name: spec.gated_topics for name, spec in STAGES.items() if spec.gated_topics}
    assert gated == {"events": (PLOVER,), "stance": (ENRICHED,)}
    assert STAGES["stance"].keyed_by_article(ENRICHED) and not STAGES["events"].keyed_by_article(PLOVER)


def test_only_the_entry_stage_reads_outside_input() -> None:
    limits = {name: spec.input_limit for name, spec in STAGES.items()}
    assert limits.pop(main_line()[0].name) == InputLimit.MESSAGE
    assert set(limits.values()) == {InputLimit.RECORD}


def test_a_sink_stage_writes_only_dead_letters_to_kafka() -> None:
    store = StageSpec("store", EnrichedArticle, ENRICHED, None, None, None, kind="sink")
    assert store.output_topics == (DLQ,) and store.gated_topics == ()
    assert main_line() == [spec for spec in main_line() if spec.name != "store"]


def test_a_stage_with_other_topics_is_one_declaration() -> None:
    renamed = dataclasses.replace(STAGES["stance"], name="stance2", sink="marsad.test.enriched2")
    assert renamed.gated_topics == ("marsad.test.enriched2",)
    assert renamed.output_topics == ("marsad.test.enriched2", DLQ)


def test_the_patches_refuse_versions_they_were_not_written_for() -> None:
    check_versions()  # the installed ones
    check_versions({"faust-streaming": "0.15.9", "aiokafka": "0.14.1"})
    with pytest.raises(UnsupportedVersion, match="faust-streaming 0.16.0"):
        check_versions({"faust-streaming": "0.16.0", "aiokafka": "0.14.0"})
    with pytest.raises(UnsupportedVersion, match="aiokafka 0.12.0"):
        check_versions({"faust-streaming": "0.15.3", "aiokafka": "0.12.0"})
