"""The store worker's handler: what ``marsad worker --stage store`` calls per batch.

The agent subscribes to ``marsad.articles.enriched``, ``marsad.events.plover`` and
``marsad.events.stories`` and hands each batch of record values (models, dicts or the
raw JSON bytes) to :meth:`StoreSink.handle`. The upsert runs in a thread so the event
loop keeps heart-beating; because rows are keyed by id and pipeline version, a batch
redelivered after a crash (before its offsets were committed) rewrites the same rows.
Records the store cannot read come back in ``UpsertCounts.skipped`` (the reason) and
``UpsertCounts.rejected`` (their positions in the batch) for the agent to dead-letter.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from typing import Any

from streams.dashboard.store import Store, UpsertCounts


class StoreSink:
    """Upserts batches of enriched articles, PLOVER events and stories into one store."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.total = UpsertCounts()

    def upsert(self, records: Iterable[Any]) -> UpsertCounts:
        counts = self.store.upsert(records)
        self.total.add(counts)
        return counts

    async def handle(self, batch: Iterable[Any]) -> UpsertCounts:
        """Write one batch without blocking the event loop; commit offsets after it returns."""
        return await asyncio.to_thread(self.upsert, list(batch))
