"""The commands against the broker: replay, tail, topics create, schema."""

from __future__ import annotations

import asyncio
import time

import orjson
import pytest
from aiokafka.admin import AIOKafkaAdminClient

from models import EnrichedArticle
from streams.io.broker import EmbeddedBroker
from streams.stages.pipeline import default_context, process_article
from streams.io.topics import ENRICHED, RAW
from streams.stages.spec import INTERNAL_TOPICS, TOPICS

from .support import SAMPLES, cli, sample_articles, variants

pytestmark = pytest.mark.integration


def broker_env(pipeline) -> dict[str, str]:
    return {"MARSAD_BROKER": pipeline.broker.url}


def test_replay_of_the_same_files_maps_to_the_same_ids(pipeline, watcher, tmp_path) -> None:
    first, second = tmp_path / "first.ids", tmp_path / "second.ids"
    started = time.monotonic()
    result = cli("replay", str(SAMPLES), "--rate", "10", "--ids-out", str(first), env=broker_env(pipeline))
    elapsed = time.monotonic() - started
    assert result.returncode == 0, result.stderr
    assert "published 5 article(s) to marsad.articles.raw" in result.stderr
    assert "replay: 5/5 sent (100%)" in result.stderr  # progress when stderr is not a terminal
    # --rate 10: five articles take at least 0.4 s of pacing
    assert elapsed >= 0.4
    result = cli("replay", str(SAMPLES), "--ids-out", str(second), env=broker_env(pipeline))
    assert result.returncode == 0, result.stderr
    ids = first.read_text().split()
    assert ids == second.read_text().split()
    assert len(set(ids)) == 5
    # the ids are the ones the offline path gives the same files
    assert sorted(ids) == sorted(process_article(raw, default_context()).id for raw in sample_articles())
    # published twice, raw carries each id twice; enriched carries it once
    raw_keys = watcher.wait(
        lambda: (keys := watcher.keys(RAW)) and all(keys[i] >= 2 for i in ids) and keys, 30, "both replays on raw"
    )
    assert all(raw_keys[i] >= 2 for i in ids)
    enriched = watcher.wait_keys(ENRICHED, ids, timeout=60)
    watcher.quiet(1.5)
    assert {i: watcher.keys(ENRICHED)[i] for i in ids} == {i: 1 for i in ids}
    assert set(enriched) == set(ids)


def test_replay_filters_on_published_at_and_skips_duplicate_ids(pipeline, watcher, tmp_path) -> None:
    source = tmp_path / "articles.jsonl"
    dated = variants("cli-dated", 4)
    stamps = ["2025-01-10T08:00:00+00:00", "2025-02-10T08:00:00+00:00", "2025-03-10T08:00:00+00:00", "2025-04-10T08:00:00+00:00"]
    lines = [orjson.dumps({**a.to_dict(), "published_at": t}) for a, t in zip(dated, stamps)]
    lines.append(lines[1])  # the same id again
    undated = variants("cli-undated", 1)[0]
    lines.append(undated.to_json())
    source.write_bytes(b"\n".join(lines) + b"\n")
    ids_out = tmp_path / "ids"
    result = cli(
        "replay", str(source), "--since", "2025-02-01", "--until", "2025-04-01", "--ids-out", str(ids_out),
        env=broker_env(pipeline),
    )
    assert result.returncode == 0, result.stderr
    assert ids_out.read_text().split() == ["cli-dated-1", "cli-dated-2"]
    assert "1 duplicate id(s) skipped" in result.stderr
    assert "3 outside the time range" in result.stderr  # January, April, and the undated one
    watcher.wait_keys(ENRICHED, ["cli-dated-1", "cli-dated-2"], timeout=60)
    watcher.quiet(1.5)
    keys = watcher.keys(ENRICHED)
    assert keys["cli-dated-0"] == 0 and keys["cli-dated-3"] == 0 and keys["cli-undated-0"] == 0
    published = {orjson.loads(r.value)["id"]: orjson.loads(r.value) for r in watcher.records(ENRICHED)}
    assert published["cli-dated-2"]["published_at"].startswith("2025-03-10")


def test_tail_writes_the_topic_as_jsonl(pipeline, watcher, tmp_path) -> None:
    articles = variants("cli-tail", 3)
    from .support import keyed, publish

    publish(pipeline.settings, keyed(articles))
    watcher.wait_keys(ENRICHED, [a.id for a in articles], timeout=60)
    out = tmp_path / "tail.jsonl"
    started = time.monotonic()
    result = cli("tail", "--from-beginning", "--limit", "3", "--timeout", "10", "--out", str(out), env=broker_env(pipeline))
    assert result.returncode == 0, result.stderr
    assert time.monotonic() - started < 30
    lines = out.read_bytes().splitlines()
    assert len(lines) == 3
    for line in lines:
        EnrichedArticle.from_json(line)
    assert "3 record(s) from marsad.articles.enriched" in result.stderr
    # --timeout ends an idle tail: ask for more than there is
    total = len(watcher.records(ENRICHED))
    result = cli("tail", "--from-beginning", "--limit", str(total + 50), "--timeout", "2", "--out", str(out), env=broker_env(pipeline))
    assert result.returncode == 0, result.stderr
    assert len(out.read_bytes().splitlines()) == total


def test_topics_create_is_idempotent(broker_check, tmp_path) -> None:
    with EmbeddedBroker(log_file=tmp_path / "broker.log") as broker:
        env = {"MARSAD_BROKER": broker.url}
        result = cli("topics", "create", "--partitions", "3", env=env)
        assert result.returncode == 0, result.stderr
        assert result.stdout.startswith(f"created {len(TOPICS) + len(INTERNAL_TOPICS)} topic(s)")

        async def describe() -> dict[str, int]:
            admin = AIOKafkaAdminClient(bootstrap_servers=broker.bootstrap)
            await admin.start()
            try:
                described = await admin.describe_topics([*TOPICS, *INTERNAL_TOPICS])
                return {t["topic"]: len(t["partitions"]) for t in described}
            finally:
                await admin.close()

        assert asyncio.run(describe()) == {topic: 3 for topic in (*TOPICS, *INTERNAL_TOPICS)}
        again = cli("topics", "create", env=env)
        assert again.returncode == 0, again.stderr
        assert again.stdout.startswith("created 0 topic(s)")


def test_schema_writes_a_json_schema_per_topic(tmp_path) -> None:
    result = cli("schema", "--out", str(tmp_path / "schemas"))
    assert result.returncode == 0, result.stderr
    written = {p.name: orjson.loads(p.read_bytes()) for p in (tmp_path / "schemas").iterdir()}
    assert set(written) == {f"{topic}.schema.json" for topic in TOPICS}
    enriched = written[f"{ENRICHED}.schema.json"]
    assert enriched["x-topic"] == ENRICHED
    for field in ("id", "entities", "events", "stance", "schema_version", "pipeline_version"):
        assert field in enriched["properties"], field
    assert set(enriched["required"]) >= {"id", "entities", "events", "stance", "pipeline_version"}
