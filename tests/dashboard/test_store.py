"""The store: upserts keyed by id and pipeline version, so replays never double rows."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import orjson
from click.testing import CliRunner

import models
from streams.cli import main
from streams.dashboard import views
from streams.dashboard.store import Store, default_store_path, load_records
from streams.settings import Settings
from .records import CLASH_TEXT, article, story


def _counts(store: Store) -> tuple[int, int, int, int, int]:
    return tuple(  # type: ignore[return-value]
        store.query(f"SELECT count(*) FROM {table}")[0][0] for table in ("articles", "entities", "events", "plover", "stories")
    )


def test_replayed_and_redelivered_records_replace_their_rows(store: Store) -> None:
    records = [article("a1"), article("b1", text=CLASH_TEXT, score=-0.5)]
    load_records(store, records)
    first = _counts(store)
    assert first == (2, 8, 2, 0, 0)
    # the same records again, as a consumer would get them: JSON bytes, then dicts
    load_records(store, [record.to_json() for record in records])
    load_records(store, [record.to_dict() for record in records])
    assert _counts(store) == first


def test_a_batch_holding_an_article_twice_keeps_the_last_copy(store: Store) -> None:
    counts = store.upsert([article("a1", score=0.1), article("a1", score=0.9)])
    assert counts.articles == 2
    assert store.query("SELECT stance_score FROM articles") == [(0.9,)]
    assert store.query("SELECT count(*) FROM entities") == [(4,)]


def test_a_new_pipeline_version_adds_a_row_and_the_views_read_the_newest(store: Store) -> None:
    store.upsert([article("a1", score=0.1, version="v1", processed="2026-03-02T10:00:00+00:00")])
    store.upsert([article("a1", score=-0.6, version="v2", processed="2026-03-05T10:00:00+00:00")])
    assert store.query("SELECT count(*) FROM articles") == [(2,)]
    with store.connect(read_only=True) as connection:
        assert views.summary(connection)["articles"] == 1
        assert views.stance_series(connection)["outlets"][0]["y"] == [-0.6]
        assert views.events(connection)["matched"] == 1  # the old version's events are not counted twice


def test_plover_records_upsert_by_id_and_date_the_timeline(store: Store) -> None:
    record = article("a1")
    store.upsert([record])
    plover = {
        "id": "a1-0", "article_id": "a1", "date": "2026-02-27", "event": ["CONSULT"],
        "marsad_type": "MEETING", "pipeline_version": record.pipeline_version,
    }
    store.upsert([plover, orjson.dumps(plover)])
    store.upsert([plover])
    assert store.query("SELECT count(*), min(event) FROM plover") == [(1, "CONSULT")]
    with store.connect(read_only=True) as connection:
        assert [event["date"] for event in views.events(connection)["events"]] == ["2026-02-27"]


def test_stories_keep_their_newest_state(store: Store) -> None:
    store.upsert([story("s1", sources=1, articles=1, last_seen="2026-03-01T09:00:00+00:00")])
    store.upsert([story("s1", sources=3, articles=4, last_seen="2026-03-02T09:00:00+00:00")])
    store.upsert([story("s2", sources=2, articles=2, last_seen="2026-03-03T09:00:00+00:00")])
    with store.connect(read_only=True) as connection:
        listed = views.stories(connection)["stories"]
    assert [(s["id"], s["num_sources"], s["num_articles"]) for s in listed] == [("s2", 2, 2), ("s1", 3, 4)]
    assert listed[1]["participants"] == ["Khalifa Haftar", "Turkey"]
    assert listed[1]["location"] == "Benghazi"


def test_story_records_of_the_contract_model_are_accepted(store: Store) -> None:
    data = story("s1", sources=2, articles=2, last_seen="2026-03-02T09:00:00+00:00")
    model = getattr(models, "Story", None)
    record = model.from_dict(data) if model is not None else data  # the contract's model, once it exists
    assert store.upsert([record]).stories == 1
    assert store.query("SELECT num_sources, num_articles, participants FROM stories") == [(2, 2, ["Khalifa Haftar", "Turkey"])]


def test_unreadable_records_are_reported_not_stored(store: Store) -> None:
    counts = store.upsert([b"{not json", {"id": "x", "what": "else"}, [1, 2], article("a1")])
    assert counts.articles == 1
    assert len(counts.skipped) == 3
    assert any("not JSON" in reason for reason in counts.skipped)


def test_a_writer_waits_while_another_process_holds_the_file(store: Store) -> None:
    store.create()
    holder = subprocess.Popen(
        [sys.executable, "-c", f"import duckdb, time; c = duckdb.connect({str(store.path)!r}); print('held', flush=True); time.sleep(1.5)"],
        stdout=subprocess.PIPE, text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        started = time.monotonic()
        assert store.upsert([article("a1")]).articles == 1
        assert time.monotonic() - started > 0.5  # it waited for the lock instead of failing
    finally:
        holder.wait(10)
    assert store.query("SELECT count(*) FROM articles") == [(1,)]


def test_the_store_path_comes_from_marsad_store_or_the_data_dir(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.delenv("MARSAD_STORE", raising=False)
    monkeypatch.setenv("MARSAD_DATA_DIR", str(tmp_path / "data"))
    assert default_store_path(Settings()) == tmp_path / "data" / "marsad.duckdb"
    monkeypatch.setenv("MARSAD_STORE", str(tmp_path / "elsewhere.duckdb"))
    assert default_store_path(Settings()) == tmp_path / "elsewhere.duckdb"


def test_store_load_command_is_idempotent(tmp_path: Path) -> None:
    jsonl = tmp_path / "enriched.jsonl"
    jsonl.write_bytes(b"".join(record.to_json() + b"\n" for record in (article("a1"), article("b1", text=CLASH_TEXT))))
    target = tmp_path / "store.duckdb"
    runner = CliRunner()
    for _ in range(2):
        result = runner.invoke(main, ["store", "load", str(jsonl), "--store", str(target)])
        assert result.exit_code == 0, result.output
        assert "upserted 2 article(s)" in result.output
    assert Store(target).query("SELECT count(*) FROM articles") == [(2,)]
