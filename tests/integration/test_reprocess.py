"""``marsad reprocess``: move a stopped stage's group back; a restarted worker re-runs history.

Under the same pipeline version the publish-once gate republishes nothing (what consumers
already have is final); under a new version (``MARSAD_PIPELINE_TAG``) each article is
published once more, carrying the new ``pipeline_version``.
"""

from __future__ import annotations

import time
from collections import Counter

import orjson
import pytest

from streams.stages.pipeline import default_context
from streams.io.topics import ENRICHED, EVENTS, HEADER_PIPELINE

from .support import cli, keyed, metric, metrics, publish, variants, wait_caught_up

pytestmark = pytest.mark.integration


def _stance(pipeline):
    (worker,) = pipeline.live_workers("stance")
    return worker


def _restart_stance(pipeline, old, **env):
    new = pipeline.restart(old, **env)
    pipeline.wait_ready(workers=[new], timeout=90)
    return new


def _wait_processed(worker, count: int, timeout: float = 90.0) -> dict:
    """Until the worker processed (or dead-lettered) ``count`` messages since it started."""
    deadline = time.monotonic() + timeout
    while True:
        samples = metrics(worker)
        done = metric(samples, "marsad_processed_total") + metric(samples, "marsad_dead_lettered_total")
        if done >= count:
            assert done == count, f"processed {done}, expected {count}"
            return samples
        if time.monotonic() > deadline:
            lag = {dict(labels).get("partition"): v for (name, labels), v in samples.items() if name == "marsad_consumer_lag"}
            raise AssertionError(
                f"processed {done} of {count} after {timeout} s; readiness {worker.readiness()}; lag {lag}"
            )
        time.sleep(0.3)


def _versions(watcher) -> Counter[tuple[str, str]]:
    return Counter(
        (r.key.decode(), dict(r.headers)[HEADER_PIPELINE].decode()) for r in watcher.records(ENRICHED)
    )


def test_reprocess_refuses_while_the_stage_runs(pipeline) -> None:
    result = cli("reprocess", "--stage", "normalise", "--from-beginning", "--wait", "1", env={"MARSAD_BROKER": pipeline.broker.url})
    assert result.returncode != 0
    assert "stop its workers first" in result.stderr
    assert "Traceback" not in result.stderr


def test_reprocess_needs_exactly_one_starting_point(pipeline) -> None:
    result = cli("reprocess", "--stage", "stance", env={"MARSAD_BROKER": pipeline.broker.url})
    assert result.returncode == 2
    assert "exactly one of --from-beginning and --from-timestamp" in result.stderr


def test_reprocess_reruns_history_and_publishes_once_per_version(pipeline, watcher) -> None:
    env = {"MARSAD_BROKER": pipeline.broker.url}
    version = default_context().pipeline_version
    early, late = variants("reprocess-early", 3), variants("reprocess-late", 3)
    publish(pipeline.settings, keyed(early))
    watcher.wait_keys(ENRICHED, [a.id for a in early])
    time.sleep(0.5)
    since_ms = int(time.time() * 1000)
    time.sleep(0.5)
    publish(pipeline.settings, keyed(late))
    watcher.wait_keys(ENRICHED, [a.id for a in late])
    wait_caught_up(pipeline)
    watcher.quiet(1.0)
    history = watcher.records(EVENTS)
    ids = {r.key.decode() for r in history}
    assert _versions(watcher)  # sanity
    before = _versions(watcher)
    assert all(v == 1 for v in before.values())

    # 1. same version, from the beginning: the stage re-runs everything, publishes nothing
    stance = _stance(pipeline)
    assert stance.stop() == 0
    result = cli("reprocess", "--stage", "stance", "--from-beginning", env=env)
    assert result.returncode == 0, result.stderr
    assert "group marsad-stance on marsad.articles.events: p0→0" in result.stdout
    assert "MARSAD_PIPELINE_TAG" in result.stderr
    stance = _restart_stance(pipeline, stance)
    samples = _wait_processed(stance, len(history))
    assert metric(samples, "marsad_duplicates_suppressed_total", stage="stance") == len(history)
    watcher.quiet(1.5)
    assert _versions(watcher) == before

    # 2. a new version from a time: only what came after it is published again
    assert stance.stop() == 0
    result = cli("reprocess", "--stage", "stance", "--from-timestamp", str(since_ms), env=env)
    assert result.returncode == 0, result.stderr
    print(f"reprocess --from-timestamp {since_ms}: {result.stdout.strip()}")
    stance = _restart_stance(pipeline, stance, MARSAD_PIPELINE_TAG="since")
    after_since = [r for r in history if r.timestamp >= since_ms]
    assert {r.key.decode() for r in after_since} == {a.id for a in late}
    print("late records (partition, offset, timestamp):", sorted((r.partition, r.offset, r.timestamp) for r in after_since))
    _wait_processed(stance, len(after_since))
    watcher.quiet(1.5)
    tagged = {key: n for (key, v), n in _versions(watcher).items() if v == f"{version}.since"}
    assert tagged == {a.id: 1 for a in late}

    # 3. another new version from the beginning: every article once more, once
    assert stance.stop() == 0
    result = cli("reprocess", "--stage", "stance", "--from-beginning", env=env)
    assert result.returncode == 0, result.stderr
    stance = _restart_stance(pipeline, stance, MARSAD_PIPELINE_TAG="all")
    _wait_processed(stance, len(history))
    watcher.quiet(1.5)
    versions = _versions(watcher)
    tagged = {key: n for (key, v), n in versions.items() if v == f"{version}.all"}
    assert tagged == {key: 1 for key in ids}
    records = [orjson.loads(r.value) for r in watcher.records(ENRICHED) if dict(r.headers)[HEADER_PIPELINE].endswith(b".all")]
    assert {r["pipeline_version"] for r in records} == {f"{version}.all"}

    # back to the untagged worker for whatever runs next: nothing left to do
    assert stance.stop() == 0
    stance = _restart_stance(pipeline, stance, MARSAD_PIPELINE_TAG="")
    wait_caught_up(pipeline)
    assert metric(metrics(stance), "marsad_processed_total") == 0
