"""Scaling on one host: a second ``--stage all`` worker in the same data directory joins and leaves.

Issue #10 (4): both workers defaulted to one state directory; after the second one left,
the first crashed in table recovery and most articles never came out.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from streams.io.topics import ENRICHED

from .support import TopicWatcher, publish_paced, start_pipeline, variants

pytestmark = pytest.mark.integration


def test_a_second_worker_on_the_same_host_joins_and_leaves_without_loss(broker_check, tmp_path: Path) -> None:
    pipeline = start_pipeline(tmp_path / "run", ["all"])
    try:
        (first,) = pipeline.workers
        watcher = TopicWatcher(pipeline.settings, [ENRICHED])
        articles = variants("samehost", 400)
        sender = publish_paced(pipeline.settings, articles, rate=20)
        time.sleep(2)
        second = pipeline.add_worker("all")  # same MARSAD_DATA_DIR, same host
        assert second.env["MARSAD_DATA_DIR"] == first.env["MARSAD_DATA_DIR"]
        time.sleep(8)
        second.stop()
        sender.join(60)
        try:
            arrived = watcher.wait_keys(ENRICHED, [a.id for a in articles if a.id], timeout=240)
        finally:
            watcher.close()
        assert first.running, first.log_tail()
        assert all(count == 1 for count in arrived.values()), {k: n for k, n in arrived.items() if n != 1}
        slots = sorted(p.name for p in (Path(first.env["MARSAD_DATA_DIR"]) / "marsad-all").iterdir())
        assert slots[:2] == ["worker-0", "worker-1"]
    finally:
        pipeline.stop()
