"""The latency benchmark runs end to end on a small store (its figures are printed, not asserted)."""

from __future__ import annotations

from pathlib import Path

from streams.dashboard.bench import run, synthetic_records

from .records import CLASH_TEXT, article


def test_synthetic_records_vary_ids_outlets_dates_and_scores(tmp_path: Path) -> None:
    base = tmp_path / "base.jsonl"
    base.write_bytes(article("a1").to_json() + b"\n" + article("b1", text=CLASH_TEXT).to_json() + b"\n")
    records = list(synthetic_records(30, base=[base], outlets=3))
    assert len({record["id"] for record in records}) == 30
    assert {record["source"]["name"] for record in records} == {"outlet 01", "outlet 02", "outlet 03"}
    assert len({record["published_at"][:10] for record in records}) > 10
    assert all(-1 <= record["stance"]["score"] <= 1 for record in records)


def test_bench_measures_every_request(tmp_path: Path) -> None:
    base = tmp_path / "base.jsonl"
    base.write_bytes(article("a1").to_json() + b"\n")
    figures = run(40, repeats=1, base=[base])
    assert figures["articles"] == 40
    assert set(figures["requests"]) == {
        "page (HTML)", "all views (/api/page)", "timeline, camp filter", "timeline, actor filter", "article view", "version poll",
    }
    assert all(values["bytes"] > 0 for values in figures["requests"].values())
