"""Liveness, readiness and Prometheus metrics on the worker's Faust web server."""

from __future__ import annotations

from collections.abc import Sequence

import faust
from faust.web import Request, Response, View

from streams.observability import LAG, broker_reachable, metrics_text
from streams.settings import Settings
from streams.topics import STAGE_TOPICS

PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


def register_web(app: faust.App, settings: Settings, stages: Sequence[str]) -> None:
    stage_of_topic = {STAGE_TOPICS[stage].source: stage for stage in stages}
    servers = settings.bootstrap_servers()

    @app.page("/healthz")
    class Health(View):
        """Liveness: the event loop answers."""

        async def get(self, request: Request) -> Response:
            return self.json({"status": "ok", "stages": list(stages)})

    @app.page("/readyz")
    class Ready(View):
        """Readiness: partitions assigned and the broker reachable."""

        async def get(self, request: Request) -> Response:
            try:
                assigned = [tp for tp in app.consumer.assignment() if tp.topic in stage_of_topic]
            except Exception:  # noqa: BLE001 - consumer not started yet
                assigned = []
            reachable = await broker_reachable(servers)
            ready = bool(assigned) and reachable
            body = {"ready": ready, "assigned_partitions": len(assigned), "broker_reachable": reachable}
            return self.json(body, status=200 if ready else 503)

    @app.page("/metrics")
    class Metrics(View):
        """Prometheus text format, consumer lag refreshed on each scrape."""

        async def get(self, request: Request) -> Response:
            try:
                for tp in app.consumer.assignment():
                    stage = stage_of_topic.get(tp.topic)
                    if stage is None:
                        continue
                    position = await app.consumer.position(tp)
                    highwater = app.consumer.highwater(tp)
                    if position is not None and highwater is not None:
                        LAG.labels(stage, str(tp.partition)).set(max(0, highwater - position))
            except Exception:  # noqa: BLE001 - no assignment yet: report what we have
                pass
            return self.bytes(metrics_text(), content_type=PROMETHEUS_CONTENT_TYPE)
