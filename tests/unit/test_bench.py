"""Tests of ``marsad bench``: the corpus variants, the in-process measurement, one tiny full run.

No wall-clock limits anywhere: speed is reported by the benchmark, not asserted.
"""

from __future__ import annotations

import json
import math

import pytest

from models import RawArticle
from streams.compiled import MODULES
from streams.io.topics import ENRICHED, PLOVER, RAW
from streams.stages.spec import main_line
from streams.tools.bench import (
    base_articles,
    build_corpus,
    clause,
    format_table,
    measure_in_process,
    peer_topic,
    peer_topics,
    percentile,
    run_bench,
    spread,
    target_status,
    vary,
)
from streams.text.sentences import split_sentences

STAGES = [spec.name for spec in main_line()]  # the article stages the benchmark measures


def test_base_articles_include_the_bundled_samples() -> None:
    bases = base_articles(extra_dirs=[])
    assert len(bases) >= 5
    assert all(isinstance(article, RawArticle) and article.text.strip() for article in bases)


def test_copies_share_no_long_sentence() -> None:
    bases = base_articles(extra_dirs=[])
    corpus = build_corpus(3 * len(bases), prefix="t", bases=bases, start=7)
    assert [article.id for article in corpus] == [f"t-{i}" for i in range(7, 7 + len(corpus))]
    seen: dict[str, str] = {}
    for article in corpus:
        for start, end in split_sentences(article.text):
            text = article.text[start:end].strip()
            if len(text.split()) >= 6:  # headlines and chrome lines are left as they are
                assert seen.setdefault(text, article.id) == article.id, text
    assert clause(12) in vary(bases[0].text, 12)


def test_a_copy_shifts_numbers_and_rotates_cities() -> None:
    text = "وصل الوفد إلى طرابلس بعد 3 أيام من المباحثات الطويلة في الشرق."
    copy = vary(text, 2)
    assert "طرابلس" not in copy and "مصراتة" in copy
    assert " 5 " in copy and " 3 " not in copy
    assert copy.endswith(clause(2) + ".")


def test_in_process_measures_every_stage_and_topic() -> None:
    corpus = build_corpus(6, bases=base_articles(extra_dirs=[]))
    result = measure_in_process(corpus, warmup=2, repeats=2)
    assert result.articles == 6 and len(result.wall) == len(result.cpu) == 2
    assert result.aps > 0 and result.cpu_ms > 0
    assert list(result.stage_cpu_ms) == list(STAGES)
    assert all(len(values) == 2 and min(values) >= 0 for values in result.stage_cpu_ms.values())
    assert {RAW, ENRICHED, PLOVER} <= set(result.bytes_per_article)
    assert result.bytes_per_article[ENRICHED] > result.bytes_per_article[RAW] > 0


def test_statistics_and_targets() -> None:
    assert percentile([3.0, 1.0, 2.0], 50) == 2.0
    assert percentile([0.0, 10.0], 95) == pytest.approx(9.5)
    assert math.isnan(percentile([], 99))
    s = spread([10.0, 12.0, 8.0])
    assert (s["median"], s["min"], s["max"]) == (10.0, 8.0, 12.0) and s["rel"] == pytest.approx(0.2)
    status = target_status({"in_process_cpu_ms": 1.5, "ratio_vs_peer": 0.5, "p99_ms": 100, "peak_rss_mb": 400})
    assert status["in_process_cpu_ms"] == "met" and status["p99_ms"] == "met"
    assert status["ratio_vs_peer"].startswith("missed") and status["peak_rss_mb"].startswith("missed")
    assert target_status({"in_process_cpu_ms": 1, "ratio_vs_peer": float("nan"), "p99_ms": 1, "peak_rss_mb": 1})[
        "ratio_vs_peer"
    ] == "not measured"


def test_peer_topics_mirror_the_main_line() -> None:
    topics = peer_topics()
    assert topics[0] == peer_topic(RAW) and peer_topic(ENRICHED) in topics and peer_topic(PLOVER) in topics
    assert len(set(topics)) == len(topics)


REQUIRED = (
    "in_process_aps", "in_process_cpu_ms", "pipeline_aps", "pipeline_cpu_ms_per_article", "peer_aps",
    "peer_cpu_ms_per_article", "ratio_vs_peer", "p50_ms", "p95_ms", "p99_ms", "peak_rss_mb",
    "stories_records_per_s", "stories_cpu_ms_per_record", "stories_aps", "plover_records_per_article",
)


@pytest.mark.integration
def test_tiny_end_to_end_run_prints_one_json_object_with_every_key() -> None:
    out: list[str] = []
    progress: list[str] = []

    def echo(message: str = "", err: bool = False) -> None:
        (progress if err else out).append(message)

    returned = run_bench(articles=8, repeats=2, as_json=True, echo=echo)
    assert len(out) == 1, "stdout holds exactly one JSON object"
    figures = json.loads(out[0])
    for key in REQUIRED:
        assert isinstance(figures[key], (int, float)) and figures[key] > 0, key
        if key in figures["spread"]:
            assert len(figures["spread"][key]["values"]) == 2, key
    assert figures["articles"] == 8 and figures["repeats"] == 2 and figures["dead_lettered"] == 0
    assert set(figures["stage_cpu_ms"]) == set(STAGES)
    assert {RAW, ENRICHED, PLOVER} <= set(figures["bytes_per_article"])
    assert "broker" in figures["pipeline_cpu_ms_by_process"] and "broker" in figures["peer_cpu_ms_by_process"]
    assert all(value > 0 for value in figures["worker_peak_rss_mb"].values())
    assert set(figures["worker_peak_rss_mb"]) == {*STAGES, "stories"}
    # the stories step folds about as many PLOVER records per article as step 1 produced
    produced = figures["bytes_per_article"][PLOVER]
    assert figures["plover_records_per_article"] * 200 < produced  # every record is over 200 bytes
    assert figures["stories_aps"] == pytest.approx(figures["stories_records_per_s"] / figures["plover_records_per_article"])
    assert "5 stories worker" in format_table(figures) and "5 stories worker" not in format_table(
        {**figures, **dict.fromkeys(REQUIRED[-4:], float("nan"))}
    )
    assert figures["machine"]["cores"] >= 1 and figures["machine"]["python"]
    assert figures["machine"]["compiled_modules"].endswith(f" of {len(MODULES)}")
    assert returned["pipeline_aps"] == figures["pipeline_aps"]
    assert progress, "progress goes to stderr"
