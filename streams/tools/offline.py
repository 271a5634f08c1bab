"""The offline path: the same stage functions over files, no broker."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import orjson

from models import EnrichedArticle
from streams.runtime.handling import dead_letter
from streams.io.sources import JSON_SUFFIXES, ListingStats, expand_paths, iter_sources
from streams.stages.pipeline import StageContext, default_context, process_article


def process_paths(
    paths: list[Path],
    out: Path,
    dlq: Path | None = None,
    context: StageContext | None = None,
    *,
    follow_symlinks: bool = False,
    stats: ListingStats | None = None,
) -> tuple[int, list[tuple[str, str]]]:
    """Enrich every article under ``paths`` into ``out`` (JSONL); return (written, rejected).

    A file or line that cannot be read or processed is rejected with its reason (and, with
    ``dlq``, written there as a dead letter whose ``details.origin`` names it); the rest go on.
    ``context``: as the workers build it from the settings (default: no tag, no backends).
    ``stats`` receives what the listing skipped (gold annotation files, symlinks).
    """
    context = context or default_context()
    written = 0
    rejected: list[tuple[str, str]] = []
    with open(out, "wb") as sink, (open(dlq, "wb") if dlq else open(os.devnull, "wb")) as dead:

        def reject(origin: str, stage: str, payload: bytes, error: BaseException, reason: str) -> None:
            rejected.append((origin, reason))
            letter = dead_letter(stage, None, payload, error, context)
            letter.details["origin"] = origin
            dead.write(letter.to_json() + b"\n")

        for item in iter_sources(paths, follow_symlinks=follow_symlinks, stats=stats):
            if item.article is None:
                reason = item.error or "invalid record"
                reject(item.origin, "source", item.payload, ValueError(reason), reason)
                continue
            try:
                record = process_article(item.article, context)
            except Exception as error:  # noqa: BLE001 - reported per article, the rest go on
                reject(item.origin, "process", item.payload, error, f"{type(error).__name__}: {error}")
                continue
            sink.write(record.to_json() + b"\n")
            written += 1
    return written, rejected


def _is_enriched_jsonl(path: Path) -> bool:
    if path.suffix not in JSON_SUFFIXES:
        return False
    with open(path, "rb") as handle:
        first = handle.readline()
    try:
        data = orjson.loads(first)
    except orjson.JSONDecodeError:
        return False
    return isinstance(data, dict) and "stance" in data and "entities" in data


def enriched_records(paths: list[Path]) -> Iterator[EnrichedArticle]:
    """Enriched records from JSONL output files, or made offline from article files."""
    articles: list[Path] = []
    for path in expand_paths(paths):
        if _is_enriched_jsonl(path):
            for line in path.read_bytes().splitlines():
                if line.strip():
                    yield EnrichedArticle.from_json(line)
        else:
            articles.append(path)
    if articles:
        context = default_context()
        for item in iter_sources(articles):
            if item.article is not None:
                yield process_article(item.article, context)
