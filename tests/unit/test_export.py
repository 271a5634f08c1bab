"""Flat exports: PLOVER events and stories as TSV / JSONL rows a spreadsheet or R can load."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timezone
from pathlib import Path

import orjson
from click.testing import CliRunner

from models import RawArticle, Source
from streams.cli import main
from streams.tools.export import PLOVER_COLUMNS, STORY_COLUMNS, records, stories_of, write
from streams.stages.plover import plover_events
from streams.stages.pipeline import default_context, process_article

NOW = datetime(2026, 1, 10, tzinfo=timezone.utc)
# Written for these tests: one meeting reported by two outlets, the second with a tab and a newline.
REPORTS = [
    ("e1", "التقى صدام حفتر وزير الدفاع التركي يشار غولر في أنقرة يوم الثلاثاء لبحث ملفات الأمن.",
     Source(name="Wire One"), datetime(2025, 6, 4, 8, tzinfo=timezone.utc)),
    ("e2", "عقد وزير الدفاع التركي يشار غولر اجتماعا\tمع صدام حفتر في العاصمة أنقرة أمس\nلبحث ملفات الأمن.",
     Source(url="https://daily-two.example/a"), datetime(2025, 6, 4, 18, tzinfo=timezone.utc)),
]


def _enriched_lines() -> list[bytes]:
    context = default_context()
    return [
        process_article(RawArticle(id=i, text=text, source=source, published_at=published), context).to_json()
        for i, text, source, published in REPORTS
    ]


def _tsv(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode()), delimiter="\t", quoting=csv.QUOTE_NONE))


def test_articles_export_as_one_plover_row_per_event() -> None:
    lines = _enriched_lines()
    sink = io.BytesIO()
    counts = write(records(lines, now=NOW), sink, "tsv")
    rows = _tsv(sink.getvalue())
    assert rows[0] == list(PLOVER_COLUMNS)
    assert {len(row) for row in rows} == {len(PLOVER_COLUMNS)}  # no tab or newline inside a cell
    assert counts == {"plover": len(rows) - 1} and len(rows) > 1
    table = [dict(zip(rows[0], row)) for row in rows[1:]]
    consult = [row for row in table if row["event"] == "CONSULT"]
    assert len(consult) == 2
    assert {row["date"] for row in consult} == {"2025-06-03"}
    assert all("Saddam Haftar" in row["actor"].split(";") for row in consult)
    assert all(row["actor_camp"] and row["quad_code"] == "1" for row in consult)


def test_replayed_records_export_once_and_jsonl_rows_are_flat() -> None:
    lines = _enriched_lines()
    plover = [event.to_json() for line in lines for event in records([line], now=NOW)]
    sink = io.BytesIO()
    write(records(plover + plover, now=NOW), sink, "jsonl")
    rows = [orjson.loads(line) for line in sink.getvalue().splitlines()]
    assert len(rows) == len(plover)
    assert all(set(row) == set(PLOVER_COLUMNS) for row in rows)
    assert all(not isinstance(value, (dict, list)) for row in rows for value in row.values())


def test_stories_export_offline_from_plover_records(tmp_path: Path) -> None:
    source = tmp_path / "plover.jsonl"
    context = default_context()
    events = []
    for i, text, src, published in REPORTS:
        article = process_article(RawArticle(id=i, text=text, source=src, published_at=published), context)
        events += plover_events(article, "test", now=NOW)
    source.write_bytes(b"".join(event.to_json() + b"\n" for event in events))
    out = tmp_path / "stories.tsv"
    result = CliRunner().invoke(
        main, ["export", "--topic", "marsad.events.stories", "--input", str(source), "--format", "tsv", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    rows = _tsv(out.read_bytes())
    assert rows[0] == list(STORY_COLUMNS)
    table = [dict(zip(rows[0], row)) for row in rows[1:]]
    meeting = [row for row in table if row["type"] == "CONSULT"]
    assert len(meeting) == 1 and meeting[0]["num_sources"] == "2" and meeting[0]["num_articles"] == "2"
    assert len(list(stories_of(events))) >= len(table)  # every change is a version; the file keeps the latest
