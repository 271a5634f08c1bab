"""Health, readiness and Prometheus metrics over HTTP against running workers (issue 4)."""

from __future__ import annotations

import json

import psutil
import pytest

from streams.io.topics import DLQ, ENRICHED
from streams.stages.spec import STAGE_NAMES, STAGES

from .support import keyed, metric, metrics, publish, variants, wait_caught_up

pytestmark = pytest.mark.integration

STAGE_METRICS = ("marsad_processed_total", "marsad_failed_total", "marsad_dead_lettered_total", "marsad_processing_seconds")


def worker_of(pipeline, stage: str):
    (worker,) = pipeline.live_workers(stage)
    return worker


def test_healthz_is_alive(pipeline) -> None:
    for worker in pipeline.live_workers():
        status, body = worker.get("/healthz")
        assert status == 200
        assert json.loads(body) == {"status": "ok", "stages": [worker.stage]}


def test_readyz_reports_assigned_partitions_and_the_broker(pipeline) -> None:
    for worker in pipeline.live_workers():
        answer = worker.readiness()
        assert answer["status"] == 200, answer
        assert answer["ready"] is True and answer["broker_reachable"] is True and answer["rebalancing"] is False
        spec = STAGES[worker.stage]
        consumed = len({*spec.input_topics, *spec.internal_topics})  # stories: PLOVER + its repartition topic
        assert answer["assigned_partitions"] == pipeline.partitions * consumed  # one worker per stage holds them all


def test_the_web_server_listens_on_loopback_only(pipeline) -> None:
    for worker in pipeline.live_workers():
        listening = [
            c.laddr for c in psutil.Process(worker.pid).net_connections(kind="tcp") if c.status == psutil.CONN_LISTEN
        ]
        assert listening, "the worker serves HTTP"
        assert {address.ip for address in listening} == {"127.0.0.1"}
        assert worker.web_port in {address.port for address in listening}


def test_metrics_expose_the_per_stage_series(pipeline, watcher) -> None:
    articles = variants("metrics-series", 2)
    publish(pipeline.settings, keyed(articles))
    watcher.wait_keys(ENRICHED, [a.id for a in articles])
    for stage in STAGE_NAMES:
        worker = worker_of(pipeline, stage)
        status, body = worker.get("/metrics")
        assert status == 200
        text = body.decode()
        for family in STAGE_METRICS:
            assert f"# TYPE {family.removesuffix('_total')}" in text, (stage, family)
        assert f'marsad_processed_total{{stage="{stage}"}}' in text
        assert f'marsad_dead_lettered_total{{stage="{stage}"}}' in text
        assert f'marsad_processing_seconds_bucket{{le="0.01",stage="{stage}"}}' in text
        samples = metrics(worker)
        lags = {labels: v for (name, labels), v in samples.items() if name == "marsad_consumer_lag"}
        assert {dict(labels)["partition"] for labels in lags} == {str(p) for p in range(pipeline.partitions)}
        assert all(dict(labels)["stage"] == stage for labels in lags)


def test_counters_move_with_articles_and_dead_letters(pipeline, watcher) -> None:
    normalise, stance = worker_of(pipeline, "normalise"), worker_of(pipeline, "stance")
    wait_caught_up(pipeline)
    before_n, before_s = metrics(normalise), metrics(stance)

    articles = variants("metrics-count", 3)
    publish(pipeline.settings, keyed(articles))
    publish(pipeline.settings, [(b"metrics-bad", b"{broken")])
    watcher.wait_keys(ENRICHED, [a.id for a in articles])
    watcher.wait_keys(DLQ, ["metrics-bad"])
    wait_caught_up(pipeline)
    after_n, after_s = metrics(normalise), metrics(stance)

    def moved(before, after, name, **labels):
        return metric(after, name, **labels) - metric(before, name, **labels)

    assert moved(before_n, after_n, "marsad_processed_total", stage="normalise") == 3
    assert moved(before_n, after_n, "marsad_dead_lettered_total", stage="normalise") == 1
    assert moved(before_n, after_n, "marsad_failed_total", stage="normalise", error="JSONDecodeError") == 1
    assert moved(before_n, after_n, "marsad_processing_seconds_count", stage="normalise") == 4
    assert moved(before_s, after_s, "marsad_processed_total", stage="stance") == 3
    assert moved(before_s, after_s, "marsad_dead_lettered_total", stage="stance") == 0
    assert moved(before_s, after_s, "marsad_processing_seconds_count", stage="stance") == 3
    assert metric(after_s, "marsad_processing_seconds_sum", stage="stance") > 0
    assert metric(after_n, "marsad_consumer_lag", stage="normalise") == 0
