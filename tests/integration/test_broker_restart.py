"""A broker restart that loses its data (the embedded broker keeps it in memory).

Issue #10 (3): after the restart, stages waited forever at their old offsets, far past the
new partitions' ends, and the topics nobody produced to never came back. Promised now:
committed offsets past a partition's end are reset to its beginning (counted in
``marsad_offset_resets_total``), lost topics are recreated, and articles published after
the restart, once the workers are ready, come out of every stage. The stages with a
publish-once table (events, stance) rebuild it from the new broker's changelog at the
recovery that follows (so an article published before the restart, whose outputs the
broker lost, is published again when replayed); a recovery waiting for changelog offsets
the broker lost, or reading nothing of a changelog it has, is started again
(``marsad_recovery_restarts_total``), and when that does not help the worker exits for its
supervisor to start it afresh: the test plays the supervisor, as compose and Kubernetes do.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from streams.io.topics import ENRICHED, ENTITIES, PLOVER

from .support import TopicWatcher, keyed, metric, metrics, publish, publish_paced, start_pipeline, variants

pytestmark = pytest.mark.integration


def _restart_under_traffic(pipeline, supervised: bool = False) -> int:
    """Restart the broker while the stages are busy; returns how many workers had to be started again."""
    # the stages are busy, with acknowledgements to commit, when the broker goes
    publish(pipeline.settings, keyed(variants("warm-restart", 40)))
    sender = publish_paced(pipeline.settings, variants("around-restart", 400), rate=80)
    time.sleep(3)
    pipeline.broker.stop()
    sender.join(30)
    pipeline.broker.start()  # same port, empty: every topic, offset and group is gone
    time.sleep(5)
    if not supervised:
        pipeline.wait_ready(timeout=180, settle=3)
        return 0
    # room for a worker stuck for MARSAD_STALL_SECONDS (120), its exit and a second start
    return _ready_under_a_supervisor(pipeline, timeout=400)


def _ready_under_a_supervisor(pipeline, timeout: float) -> int:
    """Wait until every stage is ready, starting again a worker that exits (as compose's
    ``restart:`` or Kubernetes would); returns how many were started again."""
    deadline = time.monotonic() + timeout
    restarted = 0
    while True:
        for worker in list(pipeline.workers):
            if not worker.running:
                print(f"[supervisor: {worker.stage} exited ({worker.wait(1)}); starting it again]")
                pipeline.workers.remove(worker)
                pipeline.restart(worker)
                restarted += 1
        try:
            pipeline.wait_ready(timeout=min(30.0, max(1.0, deadline - time.monotonic())), settle=3)
            return restarted
        except (RuntimeError, TimeoutError, AssertionError):
            if time.monotonic() > deadline:
                raise


def _after(pipeline, topic: str) -> list[str]:
    after = variants("after-restart", 30)
    watcher = TopicWatcher(pipeline.settings, [topic])
    try:
        publish(pipeline.settings, keyed(after))
        arrived = watcher.wait_keys(topic, [a.id for a in after if a.id], timeout=180)
    finally:
        watcher.close()
    return sorted(arrived)


def test_stages_without_tables_resume_after_a_broker_restart(broker_check, tmp_path: Path) -> None:
    pipeline = start_pipeline(tmp_path / "run", ["normalise", "entities"])
    try:
        _restart_under_traffic(pipeline)
        assert _after(pipeline, ENTITIES) == sorted(f"after-restart-{n}" for n in range(30))
        for worker in pipeline.workers:
            assert worker.running and worker.get("/healthz")[0] == 200
        resets = sum(metric(metrics(w), "marsad_offset_resets_total") for w in pipeline.workers)
        print(f"[offsets reset past the end after the restart: {resets:.0f}]")
    finally:
        pipeline.stop()


def test_stages_with_tables_resume_after_a_broker_restart(broker_check, tmp_path: Path) -> None:
    """events and stance keep a publish-once table whose changelog the broker lost with the rest.

    After the restart their tables hold what the new broker has (nothing from before): new
    articles come out on enriched and events.plover, and an article published before the
    restart, whose outputs the broker lost, comes out again when it is replayed.
    """
    pipeline = start_pipeline(tmp_path / "run", ["normalise", "entities", "events", "stance"])
    try:
        restarted = _restart_under_traffic(pipeline, supervised=True)
        assert _after(pipeline, ENRICHED) == sorted(f"after-restart-{n}" for n in range(30))
        before = variants("warm-restart", 5)
        watcher = TopicWatcher(pipeline.settings, [ENRICHED, PLOVER])
        try:
            publish(pipeline.settings, keyed(before))
            watcher.wait_keys(ENRICHED, [a.id for a in before if a.id], timeout=120)
            assert any(r.key.decode().startswith("after-restart-") for r in watcher.records(PLOVER))
        finally:
            watcher.close()
        for worker in pipeline.workers:
            assert worker.running and worker.get("/healthz")[0] == 200
        samples = [metrics(w) for w in pipeline.workers]
        counted = {
            name: sum(metric(s, name) for s in samples)
            for name in ("marsad_offset_resets_total", "marsad_table_rebuilds_total", "marsad_recovery_restarts_total")
        }
        print(f"[after the restart: {counted}, workers started again by the supervisor: {restarted}]")
    finally:
        pipeline.stop()
