"""Publishing articles to the raw topic: ids, time filters, de-duplication, pacing."""

from __future__ import annotations

import asyncio
import hashlib
import sys
import time
from itertools import islice
from collections.abc import Iterable, Iterator, Sized
from dataclasses import dataclass, field
from datetime import datetime

from tqdm import tqdm

from models import SCHEMA_VERSION
from streams.errors import ArticleRejected
from streams.io.kafka import producer
from streams.settings import Settings
from streams.io.sources import SourceItem
from streams.stages.normalise import normalise
from streams.io.topics import HEADER_SCHEMA, RAW


@dataclass
class ReplayReport:
    published: int = 0
    duplicates: int = 0
    filtered: int = 0
    invalid: int = 0
    unreadable: int = 0
    ids: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def article_key(item: SourceItem) -> str:
    """The id an article will carry through the pipeline (derived like the normaliser does)."""
    if item.article is None:
        return hashlib.sha256(item.payload).hexdigest()[:20]
    if item.article.id:
        return item.article.id
    try:
        return normalise(item.article).id
    except ArticleRejected:
        return hashlib.sha256(item.payload).hexdigest()[:20]


def iter_prepared(
    items: Iterable[SourceItem],
    report: ReplayReport,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    keep_ids: bool = True,
) -> Iterator[tuple[str, bytes]]:
    """Keyed payloads to publish, one at a time: ids filled in, time-filtered, each id once.

    Streams: memory holds the ids seen (for de-duplication), not the payloads. Files that
    cannot be read are reported in ``report.errors`` and skipped; bad JSON lines are published
    as they are (the normaliser dead-letters them with their reason).
    """
    seen: set[str] = set()
    for item in items:
        if item.file_error:
            report.unreadable += 1
            report.errors.append(f"{item.origin}: {item.error} (skipped)")
            continue
        article = item.article
        if article is not None and (since or until):
            published = article.published_at
            if published is None or (since and published < since) or (until and published >= until):
                report.filtered += 1
                continue
        key = article_key(item)
        if key in seen:
            report.duplicates += 1
            continue
        seen.add(key)
        if article is None:
            report.invalid += 1
            report.errors.append(f"{item.origin}: {item.error} (published as-is; it will be dead-lettered)")
            payload = item.payload
        else:
            if article.id is None:
                article = article.model_copy(update={"id": key})
            payload = article.to_json()
        if keep_ids:
            report.ids.append(key)
        yield key, payload


def prepare(
    items: Iterable[SourceItem], *, since: datetime | None = None, until: datetime | None = None
) -> tuple[list[tuple[str, bytes]], ReplayReport]:
    """:func:`iter_prepared` as a list, with its report."""
    report = ReplayReport()
    return list(iter_prepared(items, report, since=since, until=until)), report


#: Sends awaited together: bounds the acknowledgements held in memory on a long replay.
ACK_BATCH = 1000
#: Messages read ahead of the sends: a stream then sends in full batches, as a list does.
READ_AHEAD = 500


async def publish(
    settings: Settings,
    messages: Iterable[tuple[str | bytes, bytes]],
    *,
    topic: str = RAW,
    rate: float | None = None,
    show_progress: bool = True,
    linger_ms: int = 5,
    sent_at: dict[bytes, float] | None = None,
) -> float:
    """Send keyed payloads, at most ``rate`` per second when given, and wait for all acks.

    ``messages`` may be a stream (its length is then known at the end only; progress lines
    then count without a percentage until the last one).

    Progress goes to stderr: a bar on a terminal, else a line about every 2 seconds and
    one at the end ("replay: 250/500 sent (50%), 48.7/s"). ``sent_at`` (the benchmark's
    latency probe) receives each key's send time (``time.perf_counter``). Returns the time
    of the first send.
    """
    client = producer(settings, linger_ms=linger_ms)
    try:
        await client.start()
    except BaseException:
        await client.stop()
        raise
    tty = sys.stderr.isatty()
    total = len(messages) if isinstance(messages, Sized) else None
    try:
        bar = tqdm(total=total, unit="article", disable=not show_progress or not tty, file=sys.stderr)
        started = time.perf_counter()
        reported = started
        pending: list[asyncio.Future[object]] = []
        sent = 0
        headers = [(HEADER_SCHEMA, SCHEMA_VERSION.encode())]
        for number, (key, payload) in enumerate(_read_ahead(messages, READ_AHEAD)):
            if rate:
                delay = started + number / rate - time.perf_counter()
                if delay > 0:
                    await asyncio.sleep(delay)
            raw_key = key.encode() if isinstance(key, str) else key
            if sent_at is not None:
                sent_at[raw_key] = time.perf_counter()
            pending.append(await client.send(topic, payload, key=raw_key, headers=headers))
            sent = number + 1
            if len(pending) >= ACK_BATCH:
                await asyncio.gather(*pending)
                pending.clear()
            bar.update(1)
            now = time.perf_counter()
            if show_progress and not tty and now - reported >= 2.0:
                reported = now
                _progress(number + 1, total, now - started)
        await asyncio.gather(*pending)
        bar.close()
        if show_progress and not tty and sent:
            _progress(sent, sent, time.perf_counter() - started)
        return started
    finally:
        await client.stop()


def _read_ahead(messages: Iterable[tuple[str | bytes, bytes]], size: int) -> Iterator[tuple[str | bytes, bytes]]:
    """``messages`` read ``size`` at a time: reading a stream between single sends makes small batches."""
    iterator = iter(messages)
    while chunk := list(islice(iterator, size)):
        yield from chunk


def _progress(done: int, total: int | None, elapsed: float) -> None:
    speed = done / elapsed if elapsed > 0 else 0.0
    share = f"{done}/{total} sent ({100 * done // max(total, 1)}%)" if total is not None else f"{done} sent"
    print(f"replay: {share}, {speed:.1f}/s", file=sys.stderr, flush=True)
