"""``marsad export`` against the embedded broker, and stories read by librdkafka as clean JSON."""

from __future__ import annotations

import asyncio
import csv
import io
from datetime import datetime, timedelta, timezone

import orjson
import pytest
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from jsonschema import Draft202012Validator

from models import PloverEvent, Story
from models.schema import topic_schema
from streams.io.broker import EmbeddedBroker
from streams.tools.export import PLOVER_COLUMNS, STORY_COLUMNS, stories_of
from streams.stages.plover import plover_events
from streams.settings import Settings
from streams.stages.pipeline import default_context, process_article
from streams.stages.stories import STORIES
from streams.io.topics import PLOVER

from .support import cli, publish, sample_articles, seed_articles

pytestmark = pytest.mark.integration


def _tsv(data: bytes) -> list[dict[str, str]]:
    rows = list(csv.reader(io.StringIO(data.decode()), delimiter="\t", quoting=csv.QUOTE_NONE))
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


def _plover_records() -> list[PloverEvent]:
    context = default_context()
    published = datetime(2025, 6, 4, 8, tzinfo=timezone.utc)
    records = []
    for number, raw in enumerate(sample_articles() + seed_articles()):
        dated = raw.model_copy(update={"published_at": published + timedelta(hours=number)})
        records += plover_events(process_article(dated, context), "test")
    return records


def test_export_reads_plover_events_and_the_latest_story_versions(broker_check, tmp_path) -> None:
    events = _plover_records()
    versions = list(stories_of(events))  # every change of every story, oldest first
    latest = {story.id: story for story in versions}
    assert events and len(versions) >= len(latest) > 0
    with EmbeddedBroker(log_file=tmp_path / "broker.log") as broker:
        settings = Settings(broker=broker.url)

        async def create() -> None:
            admin = AIOKafkaAdminClient(bootstrap_servers=broker.bootstrap)
            await admin.start()
            try:
                await admin.create_topics([
                    NewTopic(PLOVER, num_partitions=3, replication_factor=1),
                    NewTopic(STORIES, num_partitions=3, replication_factor=1, topic_configs={"cleanup.policy": "compact"}),
                ])
            finally:
                await admin.close()

        asyncio.run(create())
        publish(settings, [(e.article_id.encode(), e.to_json()) for e in events], topic=PLOVER)
        publish(settings, [(s.id.encode(), s.to_json()) for s in versions], topic=STORIES)
        env = {"MARSAD_BROKER": broker.url}

        out = tmp_path / "events.tsv"
        result = cli("export", "--topic", PLOVER, "--format", "tsv", "--timeout", "3", "--out", str(out), env=env)
        assert result.returncode == 0, result.stderr
        rows = _tsv(out.read_bytes())
        assert list(rows[0]) == list(PLOVER_COLUMNS)
        assert sorted(row["id"] for row in rows) == sorted(e.id for e in events)

        out = tmp_path / "stories.jsonl"
        result = cli("export", "--topic", STORIES, "--format", "jsonl", "--timeout", "3", "--out", str(out), env=env)
        assert result.returncode == 0, result.stderr
        exported = {row["id"]: row for row in map(orjson.loads, out.read_bytes().splitlines())}
        assert set(exported) == set(latest)
        assert all(set(row) == set(STORY_COLUMNS) for row in exported.values())
        assert {sid: row["num_articles"] for sid, row in exported.items()} == {
            sid: story.num_articles for sid, story in latest.items()
        }

        # A librdkafka consumer reads the stories topic as plain JSON that validates.
        from confluent_kafka import Consumer

        consumer = Consumer({"bootstrap.servers": broker.bootstrap, "group.id": "export-test",
                             "auto.offset.reset": "earliest", "enable.auto.commit": False})
        consumer.subscribe([STORIES])
        validator = Draft202012Validator(topic_schema(STORIES))
        seen = 0
        try:
            deadline = datetime.now() + timedelta(seconds=30)
            while seen < len(versions) and datetime.now() < deadline:
                message = consumer.poll(1.0)
                if message is None or message.error():
                    continue
                document = orjson.loads(message.value())
                assert list(validator.iter_errors(document)) == []
                assert message.key().decode() == document["id"]
                Story.from_dict(document)
                seen += 1
        finally:
            consumer.close()
        assert seen == len(versions)
