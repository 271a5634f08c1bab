"""Cold start: workers and replay make the topics they need, in whatever order ops start them.

Issue #10 (1): without ``marsad topics create``, a worker and a replay started together
raced the broker's auto-creation (its default partition count) against the worker's table
changelog (``MARSAD_PARTITIONS``) and the worker died with ``PartitionsMismatch``.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

import pytest

from streams.io.kafka import create_topics, partition_counts
from streams.io.topics import ENRICHED, RAW
from streams.settings import Settings
from streams.stages.spec import TOPICS
from streams.tools.runner import LocalPipeline

from .support import TopicWatcher, cli, variants

pytestmark = pytest.mark.integration

#: Not the embedded broker's default (4): a topic it auto-created would show.
PARTITIONS = 3


def test_a_worker_and_a_replay_started_together_without_topics_create(broker_check, tmp_path: Path) -> None:
    articles = variants("cold", 30)
    source = tmp_path / "articles.jsonl"
    source.write_bytes(b"".join(article.to_json() + b"\n" for article in articles))
    with LocalPipeline(stages=[], partitions=PARTITIONS, workdir=tmp_path / "run", create_topics=False) as pipeline:
        worker = pipeline.add_worker("all")
        replay = subprocess.Popen(
            [sys.executable, "-m", "streams.cli", "replay", str(source), "--no-progress"],
            env=pipeline.env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        _, stderr = replay.communicate(timeout=120)
        assert replay.returncode == 0, stderr.decode()
        pipeline.wait_ready(timeout=120, workers=[worker])
        counts = asyncio.run(partition_counts(pipeline.settings, TOPICS))
        assert counts == {topic: PARTITIONS for topic in TOPICS}
        watcher = TopicWatcher(pipeline.settings, [ENRICHED])
        try:
            arrived = watcher.wait_keys(ENRICHED, [a.id for a in articles if a.id], timeout=180)
        finally:
            watcher.close()
        assert sorted(arrived) == sorted(a.id for a in articles if a.id)
        assert worker.running


def test_a_topic_with_another_partition_count_stops_the_worker_with_one_line(broker_check, tmp_path: Path) -> None:
    with LocalPipeline(stages=[], partitions=PARTITIONS, workdir=tmp_path / "run", create_topics=False) as pipeline:
        asyncio.run(create_topics(Settings(broker=pipeline.broker.url), [RAW], partitions=2))
        result = cli("worker", "--stage", "normalise", env=pipeline.env(), timeout=90)
        assert result.returncode == 2, result.stderr
        last = result.stderr.strip().splitlines()[-1]
        assert f"topic {RAW} has 2 partition(s) but MARSAD_PARTITIONS is {PARTITIONS}" in last
        assert "Traceback" not in result.stderr
