"""Smoke tests of ``marsad bench``: the corpus, the in-process measurement, one small full run.

No wall-clock limits anywhere: speed is reported by the benchmark, not asserted.
"""

from __future__ import annotations

import json
import math

import pytest

from models import RawArticle
from streams.tools.bench import (
    base_articles,
    build_corpus,
    measure_in_process,
    percentile,
    run_bench,
    target_status,
    variation,
)
from streams.stages.spec import main_line

STAGES = [spec.name for spec in main_line()]  # the article stages the benchmark measures


def test_base_articles_include_the_bundled_samples() -> None:
    bases = base_articles(extra_dirs=[])
    assert len(bases) >= 5
    assert all(isinstance(article, RawArticle) and article.text.strip() for article in bases)


def test_corpus_has_distinct_ids_and_varied_texts() -> None:
    bases = base_articles(extra_dirs=[])
    corpus = build_corpus(3 * len(bases) + 2, prefix="t", bases=bases)
    assert [article.id for article in corpus] == [f"t-{i}" for i in range(len(corpus))]
    assert len({article.text for article in corpus}) == len(corpus)
    for i, article in enumerate(corpus):
        base = bases[i % len(bases)]
        assert article.text.startswith(base.text.rstrip("\n"))
        assert variation(i) in article.text
        assert article.title == base.title


def test_in_process_measures_every_stage() -> None:
    corpus = build_corpus(6, bases=base_articles(extra_dirs=[]))
    result = measure_in_process(corpus, warmup=2, repeat=1)
    assert result.articles == 6
    assert result.seconds > 0 and result.aps > 0
    assert list(result.stage_us) == list(STAGES) == list(result.serde_us)
    assert all(us > 0 for us in result.stage_us.values())
    assert all(us > 0 for us in result.serde_us.values())


def test_percentile_and_targets() -> None:
    assert percentile([3.0, 1.0, 2.0], 50) == 2.0
    assert percentile([0.0, 10.0], 95) == pytest.approx(9.5)
    assert math.isnan(percentile([], 99))
    status = target_status({"in_process_aps": 600, "ratio_vs_ideal": 0.5, "p99_ms": 100, "peak_rss_mb": 400})
    assert status["in_process_aps"] == "met" and status["p99_ms"] == "met"
    assert status["ratio_vs_ideal"].startswith("missed") and status["peak_rss_mb"].startswith("missed")


REQUIRED = ("in_process_aps", "bus_mps", "pipeline_aps", "ratio_vs_ideal", "p50_ms", "p95_ms", "p99_ms", "peak_rss_mb")


@pytest.mark.integration
def test_small_end_to_end_run_prints_one_json_object() -> None:
    out: list[str] = []
    progress: list[str] = []

    def echo(message: str = "", err: bool = False) -> None:
        (progress if err else out).append(message)

    returned = run_bench(articles=40, as_json=True, echo=echo)
    assert len(out) == 1, "stdout holds exactly one JSON object"
    figures = json.loads(out[0])
    for key in REQUIRED:
        assert isinstance(figures[key], (int, float)) and figures[key] > 0, key
    assert figures["articles"] == 40 and figures["dead_lettered"] == 0
    assert set(figures["stage_us"]) == set(STAGES)
    assert all(value > 0 for value in figures["worker_peak_rss_mb"].values())
    assert figures["machine"]["cores"] >= 1 and figures["machine"]["python"]
    assert figures["p50_ms"] <= figures["p95_ms"] <= figures["p99_ms"]
    assert returned["pipeline_aps"] == figures["pipeline_aps"]
    assert progress, "progress goes to stderr"
