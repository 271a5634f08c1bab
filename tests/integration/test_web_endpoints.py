"""A worker's web server answers only its documented endpoints (issue #10, item 10).

Faust serves views of its own next to them by default: ``/router/`` (the cluster's worker
URLs), ``/table/`` and ``/table/<name>/<key>/`` (table contents: the publish-once gate's
keys), its statistics and index at ``/``. The Kubernetes manifests bind 0.0.0.0.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from .support import start_pipeline

pytestmark = pytest.mark.integration

FAUST_VIEWS = [
    "/",
    "/router/",
    "/router/marsad-stance/",
    "/table/",
    "/table/published-stance/",
    "/table/published-stance/anything/",
    "/graph/",
    "/assignment/",
    "/performance/",
    "/stats/",
]


def test_only_health_readiness_and_metrics_are_served(broker_check, tmp_path: Path) -> None:
    pipeline = start_pipeline(tmp_path / "run", ["stance"])
    try:
        (worker,) = pipeline.workers
        for path in ("/healthz", "/readyz", "/metrics"):
            status, _ = worker.get(path, timeout=5)
            assert status == 200, f"{path} answered {status}"
        served = {path: worker.get(path, timeout=5) for path in FAUST_VIEWS}
        assert {path: status for path, (status, _) in served.items() if status != 404} == {}
        assert all(b"published-stance" not in body for _, body in served.values())
    finally:
        pipeline.stop()
