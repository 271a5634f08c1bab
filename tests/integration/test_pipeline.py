"""Articles from raw to enriched through the four stage workers equal the offline path.

Issue 2: the records the stream publishes are the records ``marsad process`` writes, and
other clients can read them (a second Kafka client, confluent-kafka, checks the bytes).
"""

from __future__ import annotations


import orjson
import pytest

from models import SCHEMA_VERSION, EnrichedArticle, Event, PloverEvent, RawArticle
from streams.io.replay import prepare
from streams.io.replay import publish as replay_publish
from streams.io.sources import iter_sources
from streams.stages.plover import crosswalk
from streams.stages.pipeline import default_context, process_article
from streams.io.topics import ENRICHED, HEADER_PIPELINE, HEADER_SCHEMA, PLOVER
from streams.stages.spec import TOPICS

from .support import SAMPLES, SEEDS, cli, librdkafka_read, seed_articles, without

pytestmark = pytest.mark.integration

PLOVER_FIELDS = ("id", "date", "actor", "recipient", "event", "mode", "context", "event_loc", "event_text", "cite_info")


@pytest.fixture(scope="module")
def published(pipeline, watcher) -> dict[str, RawArticle]:
    """The bundled samples and the shared seeds, replayed into the raw topic; id → raw article."""
    import asyncio

    paths = [SAMPLES] + ([SEEDS] if SEEDS.is_dir() else [])
    messages, report = prepare(iter_sources(paths))
    assert not report.errors
    asyncio.run(replay_publish(pipeline.settings, messages, show_progress=False))
    articles = {key: RawArticle.from_json(value) for key, value in messages}
    watcher.wait_keys(ENRICHED, articles, timeout=90)
    return articles


def test_every_article_comes_out_enriched_once(published, watcher) -> None:
    counts = watcher.keys(ENRICHED)
    assert {key: counts[key] for key in published} == {key: 1 for key in published}


def test_enriched_records_equal_the_offline_path(published, watcher) -> None:
    context = default_context()
    streamed = {r.key.decode(): orjson.loads(r.value) for r in watcher.records(ENRICHED) if r.key.decode() in published}
    for key, raw in published.items():
        offline = process_article(raw, context).to_dict()
        assert offline["id"] == key
        assert without(streamed[key], "processed_at") == without(offline, "processed_at"), key
    if SEEDS.is_dir():
        assert len(published) >= len(seed_articles()) + 5


def test_enriched_records_equal_marsad_process_output(published, watcher, tmp_path) -> None:
    out = tmp_path / "offline.jsonl"
    result = cli("process", str(SAMPLES), "--out", str(out))
    assert result.returncode == 0, result.stderr
    offline = [orjson.loads(line) for line in out.read_bytes().splitlines()]
    assert len(offline) == 5
    streamed = {r.key.decode(): orjson.loads(r.value) for r in watcher.records(ENRICHED)}
    for record in offline:
        assert without(streamed[record["id"]], "processed_at") == without(record, "processed_at")


def test_a_second_client_reads_clean_utf8_json_keyed_by_id(published, pipeline) -> None:
    """confluent-kafka (librdkafka), not aiokafka, reads the enriched topic."""
    pytest.importorskip("confluent_kafka")
    seen = librdkafka_read(pipeline.broker.bootstrap, ENRICHED, pipeline.partitions, published)
    assert set(published) <= set(seen)
    version = default_context().pipeline_version
    for key in published:
        value, headers = seen[key]
        text = value.decode("utf-8")  # strict: clean UTF-8
        record = orjson.loads(text)
        assert isinstance(record, dict)
        assert "__faust" not in record and "__faust" not in text
        assert record["id"] == key
        assert "\\u06" not in text, "Arabic must travel as UTF-8, not escaped"
        header = dict(headers)
        assert header[HEADER_SCHEMA] == SCHEMA_VERSION.encode()
        assert header[HEADER_PIPELINE] == version.encode()
        assert record["schema_version"] == SCHEMA_VERSION and record["pipeline_version"] == version
        EnrichedArticle.model_validate(record)


def test_no_topic_carries_faust_metadata(published, watcher) -> None:
    for topic in TOPICS:
        for record in watcher.records(topic):
            assert b"__faust" not in (record.value or b""), topic


def test_plover_topic_has_one_record_per_event(published, watcher) -> None:
    plover = {}
    for record in watcher.records(PLOVER):
        event = orjson.loads(record.value)
        plover.setdefault(event["article_id"], []).append((record.key.decode(), event))
    enriched = {r.key.decode(): orjson.loads(r.value) for r in watcher.records(ENRICHED)}
    total = 0
    for key in published:
        events = [Event.model_validate(e) for e in enriched[key]["events"]]
        coded = [n for n, e in enumerate(events) if crosswalk().code(e) is not None]  # PLOVER drops bare statements
        records = plover.get(key, [])
        assert len(records) == len(coded), key
        assert sorted(e["id"] for _, e in records) == sorted(f"{key}-{n}" for n in coded)
        for record_key, event in records:
            assert record_key == key
            PloverEvent.model_validate(event)
            for field in PLOVER_FIELDS:
                assert field in event, field
            assert event["event"] and event["event_text"]
            assert event["cite_info"]["article_id"] == key
        by_number = {int(e["id"].rsplit("-", 1)[1]): e for _, e in records}
        for number in coded:
            assert by_number[number]["event_text"] == [events[number].evidence.text]
        total += len(coded)
    assert total > 0, "the samples have events"
