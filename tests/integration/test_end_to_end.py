"""The whole pipeline on the embedded broker: four stage workers, raw topic to enriched topic.

What the workers publish must equal what the offline path computes for the same input
(``processed_at`` aside), be readable by a second Kafka client implementation
(librdkafka through confluent-kafka) as clean JSON keyed by article id, and come with the
PLOVER records of its events.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest

from models import EnrichedArticle, PloverEvent
from streams.demo import collect
from streams.kafka import consume
from streams.replay import prepare, publish
from streams.runner import LocalPipeline
from streams.sources import iter_sources
from streams.stages.pipeline import default_context, process_article
from streams.topics import ENRICHED, HEADER_PIPELINE, HEADER_SCHEMA, PLOVER

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
SAMPLES = REPO / "streams" / "samples"
SEEDS = REPO.parent / "shared" / "seeds"


def _article_paths() -> list[Path]:
    paths = [SAMPLES]
    if SEEDS.is_dir():
        paths.append(SEEDS)
    return paths


@pytest.fixture(scope="module")
def pipeline() -> Iterator[LocalPipeline]:
    with LocalPipeline(partitions=3) as running:
        running.wait_ready()
        yield running


@pytest.fixture(scope="module")
def published(pipeline: LocalPipeline) -> dict[str, EnrichedArticle]:
    """Replay the samples (and seeds) once; the enriched records by article id."""
    messages, report = prepare(iter_sources(_article_paths()))
    asyncio.run(publish(pipeline.settings, messages, show_progress=False))
    enriched, dead = asyncio.run(collect(pipeline.settings, set(report.ids), timeout=90))
    assert not dead, f"unexpected dead letters: {[(k, d.error) for k, d in dead.items()]}"
    assert set(enriched) == set(report.ids)
    return enriched


def _without_time(record: EnrichedArticle) -> dict[str, object]:
    data = record.to_dict()
    data.pop("processed_at")
    return data


def test_workers_publish_what_offline_processing_computes(published: dict[str, EnrichedArticle]) -> None:
    context = default_context()
    offline = {}
    for item in iter_sources(_article_paths()):
        assert item.article is not None
        record = process_article(item.article, context)
        offline[record.id] = record
    assert set(offline) == set(published)
    for article_id, record in published.items():
        assert _without_time(record) == _without_time(offline[article_id]), article_id
        assert record.entities and record.stance.label in {"supportive", "neutral", "critical"}


def test_a_librdkafka_client_reads_clean_json_keyed_by_article_id(
    pipeline: LocalPipeline, published: dict[str, EnrichedArticle]
) -> None:
    confluent_kafka = pytest.importorskip("confluent_kafka")
    consumer = confluent_kafka.Consumer(
        {
            "bootstrap.servers": pipeline.broker.bootstrap,
            "group.id": "test-librdkafka-reader",
            "auto.offset.reset": "earliest",
            "enable.auto.commit": False,
        }
    )
    consumer.subscribe([ENRICHED])
    seen: dict[str, dict[str, object]] = {}
    try:
        for _ in range(300):
            message = consumer.poll(0.5)
            if message is None or message.error():
                if len(seen) >= len(published):
                    break
                continue
            value = orjson.loads(message.value())
            key = message.key().decode()
            assert "__faust" not in value
            assert value["id"] == key
            headers = dict(message.headers() or [])
            assert headers[HEADER_SCHEMA] == value["schema_version"].encode()
            assert headers[HEADER_PIPELINE] == value["pipeline_version"].encode()
            seen[key] = value
    finally:
        consumer.close()
    assert set(seen) == set(published)
    some = next(iter(seen.values()))
    for field in ("id", "source", "entities", "events", "stance", "schema_version", "pipeline_version"):
        assert field in some


def test_every_event_is_also_a_plover_record(pipeline: LocalPipeline, published: dict[str, EnrichedArticle]) -> None:
    expected = {f"{record.id}-{n}" for record in published.values() for n in range(len(record.events))}
    assert expected, "the samples and seeds report events"

    async def read() -> dict[str, PloverEvent]:
        found: dict[str, PloverEvent] = {}
        async for message in consume(pipeline.settings, PLOVER, from_beginning=True, timeout=15):
            event = PloverEvent.from_json(message.value)
            assert message.key.decode() == event.article_id
            found[event.id] = event
            if expected <= set(found):
                break
        return found

    found = asyncio.run(read())
    assert expected <= set(found)
    sample = found[sorted(expected)[0]]
    article = published[sample.article_id]
    coded = article.events[int(sample.id.rsplit("-", 1)[1])]
    assert sample.event == coded.plover.event and sample.event_text == coded.evidence.text
    assert sample.cite_info["article_id"] == article.id


def test_replay_and_tail_commands(pipeline: LocalPipeline, published: dict[str, EnrichedArticle], tmp_path: Path) -> None:
    """The CLI republishes the same files under the same ids; tail reads them back."""
    marsad = [sys.executable, "-m", "streams.cli"]
    env = pipeline.env()
    replay = subprocess.run(
        [*marsad, "replay", str(SAMPLES), "--rate", "50"], env=env, capture_output=True, text=True, timeout=120
    )
    assert replay.returncode == 0, replay.stderr
    assert "published 5 article(s)" in replay.stderr
    out = tmp_path / "enriched.jsonl"
    tail = subprocess.run(
        [*marsad, "tail", "--topic", ENRICHED, "--from-beginning", "--limit", str(len(published)),
         "--timeout", "30", "--out", str(out)],
        env=env, capture_output=True, text=True, timeout=120,
    )
    assert tail.returncode == 0, tail.stderr
    ids = {orjson.loads(line)["id"] for line in out.read_bytes().splitlines()}
    assert ids == set(published)


def test_one_worker_can_run_every_stage(tmp_path: Path) -> None:
    messages, report = prepare(iter_sources([SAMPLES]))
    with LocalPipeline(stages=["all"], partitions=2, workdir=tmp_path) as pipeline:
        pipeline.wait_ready()
        asyncio.run(publish(pipeline.settings, messages, show_progress=False))
        enriched, dead = asyncio.run(collect(pipeline.settings, set(report.ids), timeout=90))
    assert set(enriched) == set(report.ids) and not dead


def test_topics_and_schema_commands(pipeline: LocalPipeline, tmp_path: Path) -> None:
    marsad = [sys.executable, "-m", "streams.cli"]
    topics = subprocess.run([*marsad, "topics", "create"], env=pipeline.env(), capture_output=True, text=True, timeout=60)
    assert topics.returncode == 0, topics.stderr
    assert "created 0 topic(s)" in topics.stdout  # they exist already: idempotent
    schema = subprocess.run([*marsad, "schema", "--out", str(tmp_path)], capture_output=True, text=True, timeout=60)
    assert schema.returncode == 0, schema.stderr
    written = sorted(p.name for p in tmp_path.glob("*.schema.json"))
    assert len(written) == 7 and "marsad.articles.enriched.schema.json" in written
