"""Liveness, readiness and Prometheus metrics on the worker's Faust web server.

The server binds ``MARSAD_WEB_HOST`` (127.0.0.1 unless set; the Kubernetes manifests set
0.0.0.0) on ``MARSAD_WEB_PORT``:

``GET /healthz``  200 while the event loop answers and every stage can make progress
                  (liveness); 503 with the reason when the worker has been rebalancing (or
                  recovering tables), a stage has had input waiting without taking any, or
                  a stage's position has stayed past its partition's end, for
                  ``MARSAD_STALL_SECONDS`` (a restart is then the remedy).
``GET /readyz``   200 when this worker holds partitions of its input topic(s), is not in
                  the middle of a rebalance or table recovery, and reaches the broker;
                  503 otherwise (a worker with no partitions, e.g. one more replica than
                  partitions, is not ready).
``GET /metrics``  Prometheus text: ``marsad_processed_total``, ``marsad_failed_total``,
                  ``marsad_dead_lettered_total``, ``marsad_duplicates_suppressed_total``,
                  ``marsad_processing_seconds`` (histogram) per stage, and
                  ``marsad_consumer_lag`` per stage and partition (refreshed per scrape).

Nothing else is served: Faust's built-in views (``/router/``, ``/table/…`` with the gate's
keys, ``/graph/``, statistics, its index at ``/``) are switched off in
:func:`streams.runtime.app.create_app` and their blueprints dropped here; any other path
answers 404.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import faust
from faust.web import Request, Response, View
from faust.web.base import BlueprintManager

from streams.runtime.metrics import LAG, broker_reachable, labelled, metrics_text
from streams.settings import Settings
from streams.stages.spec import StageSpec

if TYPE_CHECKING:
    from streams.runtime.agent import Agent

PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


class StallWatch:
    """Tells a worker that cannot make progress from one that has nothing to do."""

    def __init__(self, seconds: float, clock: Callable[[], float] = time.monotonic):
        self.seconds = seconds
        self.clock = clock
        self._rebalancing_since: float | None = None
        self._past_end_since: dict[str, float] = {}

    def problem(
        self,
        rebalancing: bool,
        lags: dict[str, int],
        last_event_at: dict[str, float],
        past_end: dict[str, int] | None = None,
    ) -> str | None:
        """Why the worker is stalled (None when it is not): ``lags`` and ``last_event_at`` per stage;
        ``past_end``: per stage, how far its position is beyond a partition's end (a broker that lost
        its log; reset at the next assignment, so lasting only when no rebalance comes)."""
        now = self.clock()
        for stage in list(self._past_end_since):
            if not (past_end or {}).get(stage):
                del self._past_end_since[stage]
        for stage, beyond in sorted((past_end or {}).items()):
            if beyond > 0:
                since = self._past_end_since.setdefault(stage, now)
                if now - since >= self.seconds:
                    return f"stage {stage} waits {beyond} offset(s) past the end of its input for {now - since:.0f} s"
        if not rebalancing:
            self._rebalancing_since = None
        elif self._rebalancing_since is None:
            self._rebalancing_since = now
        elif now - self._rebalancing_since >= self.seconds:
            return f"rebalancing (or recovering tables) for {now - self._rebalancing_since:.0f} s"
        for stage, lag in sorted(lags.items()):
            idle = now - last_event_at.get(stage, now)
            if lag > 0 and idle >= self.seconds:
                return f"stage {stage} has {lag} message(s) waiting and took none for {idle:.0f} s"
        return None


def register_web(
    app: faust.App, settings: Settings, specs: Sequence[StageSpec], agents: Sequence[Agent] = ()
) -> None:
    app.web.blueprints = BlueprintManager()  # Faust's own views, the index at "/" included: none
    stage_of_topic = {topic: spec.name for spec in specs for topic in (*spec.input_topics, *spec.internal_topics)}
    stall = StallWatch(settings.stall_seconds)
    stages = [spec.name for spec in specs]
    servers = settings.bootstrap_servers()

    def assigned() -> list:
        try:
            return [tp for tp in app.consumer.assignment() if tp.topic in stage_of_topic]
        except Exception:  # noqa: BLE001 - consumer not started yet
            return []

    @app.page("/healthz")
    class Health(View):
        """Liveness: the event loop answers, and no stage is stalled."""

        async def get(self, request: Request) -> Response:
            lags: dict[str, int] = {}
            past_end: dict[str, int] = {}
            for (stage, _), lag in (await refresh_lag(app, stage_of_topic, past_end)).items():
                lags[stage] = lags.get(stage, 0) + lag
            last = {agent.spec.name: agent.last_event_at for agent in agents}
            problem = stall.problem(bool(app.rebalancing), lags, last, past_end)
            if problem:
                return self.json({"status": "stalled", "problem": problem, "stages": list(stages)}, status=503)
            return self.json({"status": "ok", "stages": list(stages)})

    @app.page("/readyz")
    class Ready(View):
        """Readiness: partitions assigned, no rebalance in progress, broker reachable."""

        async def get(self, request: Request) -> Response:
            partitions = assigned()
            rebalancing = bool(app.rebalancing)
            reachable = await broker_reachable(servers)
            ready = bool(partitions) and not rebalancing and reachable
            body = {
                "ready": ready,
                "assigned_partitions": len(partitions),
                "partitions": sorted(f"{tp.topic}:{tp.partition}" for tp in partitions),
                "rebalancing": rebalancing,
                "broker_reachable": reachable,
                "stages": list(stages),
            }
            return self.json(body, status=200 if ready else 503)

    @app.page("/metrics")
    class Metrics(View):
        """Prometheus text format, consumer lag refreshed on each scrape."""

        async def get(self, request: Request) -> Response:
            await refresh_lag(app, stage_of_topic)
            # aiohttp refuses a charset inside content_type=; a header carries it verbatim
            return self.bytes(metrics_text(), headers={"Content-Type": PROMETHEUS_CONTENT_TYPE})


async def refresh_lag(
    app: faust.App, stage_of_topic: dict[str, str], past_end: dict[str, int] | None = None
) -> dict[tuple[str, str], int]:
    """Lag = end of the partition − the group's committed offset (the fetch position
    before the first commit). Partitions no longer assigned are dropped; returns the lags.
    ``past_end`` (when given) gets, per stage, how far positions lie beyond their partition's end."""
    seen: dict[tuple[str, str], int] = {}
    committed = getattr(app.monitor, "tp_committed_offsets", {}) or {}
    try:
        partitions = list(app.consumer.assignment())
    except Exception:  # noqa: BLE001 - no consumer yet
        partitions = []
    for tp in partitions:
        stage = stage_of_topic.get(tp.topic)
        if stage is None:
            continue
        try:
            end = app.consumer.highwater(tp)
            done = committed.get(tp)
            if done is None:
                done = await app.consumer.position(tp)
        except Exception:  # noqa: BLE001 - partition moving: report the rest
            continue
        if end is None or done is None:
            continue
        if past_end is not None and done > end:
            past_end[stage] = past_end.get(stage, 0) + done - end
        LAG.labels(stage, str(tp.partition)).set(max(0, end - done))
        seen[(stage, str(tp.partition))] = max(0, end - done)
    for labels in labelled(LAG):
        if labels[0] in stage_of_topic.values() and labels not in seen:
            LAG.remove(*labels)
    return seen
