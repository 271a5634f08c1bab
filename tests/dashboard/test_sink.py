"""The store worker's handler: batches in, upserts out, redeliveries harmless."""

from __future__ import annotations

from streams.dashboard.sink import StoreSink
from streams.dashboard.store import Store

from .records import CLASH_TEXT, article, story


async def test_sink_upserts_batches_and_a_redelivered_batch_changes_nothing(store: Store) -> None:
    sink = StoreSink(store)
    batch = [article("a1").to_json(), article("b1", text=CLASH_TEXT).to_json(), story("s1", sources=2, articles=2, last_seen="2026-03-02T09:00:00+00:00")]
    first = await sink.handle(batch)
    assert (first.articles, first.stories, first.skipped) == (2, 1, [])
    rows = store.query("SELECT (SELECT count(*) FROM articles), (SELECT count(*) FROM events), (SELECT count(*) FROM stories)")
    await sink.handle(batch)  # redelivered after a crash before the commit
    assert store.query("SELECT (SELECT count(*) FROM articles), (SELECT count(*) FROM events), (SELECT count(*) FROM stories)") == rows
    assert sink.total.articles == 4


async def test_sink_reports_records_it_cannot_read(store: Store) -> None:
    counts = await StoreSink(store).handle([article("a1"), b"\xff\xfe"])
    assert counts.articles == 1 and len(counts.skipped) == 1
    assert counts.rejected == [1]  # the position the agent dead-letters
